"""Screen disaggregated (xPyD) candidates of one window analytically: a prefill pool, a decode pool, a link.

Decode pool: each (GPU, TP, dtypes) x max_num_seqs is the one-pool screening's continuous-batching
replica (recommend/queueing.py) whose requests arrive prefilled: no prefill chunks, and its first step
is a decode step (p = b, one more sequence). Its replicas D are the fewest meeting the TPOT (and E2E)
SLO with its own queue + first step within DECODE_TTFT_SHARE of the TTFT SLO (recommend/screen.py's
binary search).
Prefill pool: each (GPU, TP, dtypes) x max_num_batched_tokens runs prompts only. Busy, it packs
floor(budget / mean prompt) prompts per step (one weight pass for all): service s = that step / k;
its own prompt's time is the prompt's chunks run alone. Queueing is Kingman's G/G/1 per replica as in
recommend/queueing.py. For each decode candidate (the cheapest few per KV dtype; the KV dtype must
match across the link), P = the fewest prefill replicas with
    prefill wait_q + prefill(P_q) + transfer(P_q) + decode part_q <= the TTFT SLO
(percentiles added: pessimistic, screening only ranks; recommend/disagg/verify.py simulates).
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.disagg.transfer import KvTransfer, kv_transfer
from recommend.engine_config import EngineConfig
from recommend.queueing import SERVICE_SCV, Workload, prefill_work_s
from recommend.screen import R_SEARCH_FACTOR, RHO_MAX, _replicas
from recommend.search_space import Deployed
from recommend.slo import slo_key

DECODE_TTFT_SHARE = 0.2  # of the TTFT SLO left to the decode pool's queue and first step
DECODE_BUDGET_TOKENS = 8192  # vLLM v1's default max_num_batched_tokens; a decode pool never chunks a prompt
PREFILL_MAX_SEQS = 256  # vLLM's max_num_seqs default; a prefill replica's requests leave after one step
DECODE_PER_KV = 3  # decode candidates paired per KV dtype
_NO_CHUNKS = 1 << 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    config: EngineConfig  # replicas = the pool's size
    dep: Deployed
    bound: str  # what limits the pool, in words
    estimate_ms: float  # prefill: TTFT of the split at the SLO's percentile; decode: TPOT at its percentile
    ttft_part_ms: float = 0.0  # decode: its queue + first step at the TTFT percentile

    @property
    def usd_per_hour(self) -> float:
        return self.dep.usd_per_hour * self.config.replicas


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    prefill: Pool
    decode: Pool
    transfer: KvTransfer
    estimates_ms: dict  # SLO key -> estimate
    meets: bool
    miss_ratio: float

    @property
    def usd_per_hour(self) -> float:
        return self.prefill.usd_per_hour + self.decode.usd_per_hour

    @property
    def label(self) -> str:
        p, d = self.prefill.config, self.decode.config
        return (
            f"{p.replicas}P{d.replicas}D ({p.replicas}x {p.gpu} TP{p.tp} {p.weights} prefill, "
            f"{d.replicas}x {d.gpu} TP{d.tp} {d.weights} decode, KV {d.kv} over {self.transfer.link.name})"
        )


def screen_disagg(
    deps: list[Deployed],
    budgets,
    seqs,
    w: Workload,
    *,
    max_model_len: int,
    slo: dict,
    link: str,
    model: str,
    decode_w: Workload | None = None,
) -> list[Split]:
    """Splits ranked: meeting ones by cost, then misses by ratio. `decode_w`: the workload the decode pool is
    sized for (default `w`; recommend/disagg/pick.py passes one with the window's longer mean output)."""
    fit = [d for d in deps if d.step is not None and d.kv_capacity_tokens >= max_model_len]
    if not fit or w.rps_real <= 0:
        return []
    decodes = _decode_pools(fit, seqs, decode_w or w, max_model_len, slo)
    splits = []
    for dep in fit:
        for budget in budgets:
            for dec in decodes:
                if dec.dep.kv == dep.kv:
                    splits.append(_split(dep, budget, dec, w, max_model_len, slo, link, model))
    splits = [s for s in splits if s is not None]
    return sorted(
        splits, key=lambda s: (not s.meets, s.usd_per_hour if s.meets else s.miss_ratio, round(s.miss_ratio, 2))
    )


def _decode_pools(fit, seqs_grid, w: Workload, max_model_len: int, slo: dict) -> list[Pool]:
    keys = {k: slo_key(k) for k in slo if slo_key(k)[0] in ("tpot", "e2e")}
    ttft = _ttft_key(slo)
    dec_slo = {k: slo[k] for k in keys}
    if ttft:
        keys[ttft] = slo_key(ttft)
        dec_slo[ttft] = slo[ttft] * DECODE_TTFT_SHARE
    rows = []
    for dep in fit:
        step, ctx = dep.step, w.decode_ctx_tokens
        kv_batch = int(dep.kv_capacity_tokens // max(ctx + dep.block_tokens / 2, 1.0))
        d1 = step.step_s(0, 0, 1, ctx)
        for seqs in seqs_grid:
            batch = max(1, min(seqs, kv_batch))
            b = (step.step_s(0, 0, batch, batch * ctx) - d1) / (batch - 1) if batch > 1 else 0.0
            rows.append(
                dict(dep=dep, seqs=seqs, a=d1 - b, b=b, p=b, batch=batch, budget=_NO_CHUNKS, kv_bound=kv_batch < seqs)
            )
    cols = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in ("a", "b", "p", "batch", "budget")}
    qs = {q for m, q in keys.values() if m != "tpot"}
    replicas, est = _replicas(cols, {q: np.zeros(len(rows)) for q in qs}, w, dec_slo, keys)
    ratio = np.max(np.stack([est[k] / dec_slo[k] for k in dec_slo]), axis=0) if dec_slo else np.zeros(len(rows))
    usd = replicas * np.array([r["dep"].usd_per_hour for r in rows])
    tpot = next((k for k in keys if keys[k][0] == "tpot"), None)
    pools = []
    for kv in {r["dep"].kv for r in rows}:
        idx = [i for i, r in enumerate(rows) if r["dep"].kv == kv]
        idx.sort(key=lambda i: (ratio[i] > 1, usd[i] if ratio[i] <= 1 else ratio[i], rows[i]["seqs"]))
        seen = set()
        for i in idx:
            r = rows[i]
            key = (r["dep"].gpu, r["dep"].tp, r["dep"].weights)
            if key in seen:
                continue
            seen.add(key)
            config = EngineConfig(
                gpu=r["dep"].gpu,
                tp=r["dep"].tp,
                weights=r["dep"].weights,
                kv=kv,
                max_model_len=max_model_len,
                max_num_seqs=r["seqs"],
                max_num_batched_tokens=max(r["seqs"], DECODE_BUDGET_TOKENS),
                replicas=int(replicas[i]),
            )
            pools.append(
                Pool(
                    config=config,
                    dep=r["dep"],
                    bound=_decode_bound(r, w),
                    estimate_ms=float(est[tpot][i]) if tpot else 0.0,
                    ttft_part_ms=float(est[ttft][i]) if ttft else 0.0,
                )
            )
            if len(seen) == DECODE_PER_KV:
                break
    return pools


def _decode_bound(r, w: Workload) -> str:
    dep, batch = r["dep"], r["batch"]
    t = dep.step.step(0, 0, batch, int(batch * w.decode_ctx_tokens))
    limit = (
        f"KV-capacity-bound ({batch} sequences of ~{w.decode_ctx_tokens:,.0f} tokens fit)"
        if r["kv_bound"]
        else f"max_num_seqs {r['seqs']}"
    )
    what = (
        "compute-bound (linear layers)"
        if t.linear_compute_bound
        else f"HBM-bandwidth-bound (weights {t.weights_s / t.total_s:.0%} + KV reads {t.kv_s / t.total_s:.0%} "
        "of a full step)"
    )
    return f"decode: {what}, batch limited by {limit}"


def _prefill_service(step, prompt_mean: float, budget: int) -> float:
    """Mean seconds of prefill one request costs a busy replica (k prompts packed into one step)."""
    if prompt_mean <= 0:
        return 0.0
    k = int(budget // prompt_mean)
    if k < 1:
        return prefill_work_s(step, prompt_mean, budget, 0, 0)
    return step.step_s(int(k * prompt_mean), int(k * prompt_mean), 0, 0, k) / k


def _split(dep, budget, dec: Pool, w: Workload, max_model_len, slo, link, model) -> Split | None:
    ttft = _ttft_key(slo)
    q = slo_key(ttft)[1] if ttft else 50.0
    prompt_q = w.prompt_q.get(q, w.prompt_mean)
    transfer = kv_transfer(
        model, dep.kv, prefill_gpu=dep.gpu, prefill_tp=dep.tp, decode_gpu=dec.dep.gpu, decode_tp=dec.dep.tp, link=link
    )
    s = _prefill_service(dep.step, w.prompt_mean, budget)
    own_s = prefill_work_s(dep.step, prompt_q, budget, 0, 0)
    fixed_s = own_s + transfer.seconds(prompt_q) + dec.ttft_part_ms / 1e3
    mu = 1.0 / s if s > 0 else math.inf
    lo = max(1, math.ceil(w.rps_real / (mu * RHO_MAX)))
    replicas, ttft_s = lo, math.inf
    for r in range(lo, lo * R_SEARCH_FACTOR + R_SEARCH_FACTOR + 1):
        ttft_s = _wait_s(w.rps_real / r, mu, q, float(w.replica_scv(w.rps_real / r))) + fixed_s
        replicas = r
        if not ttft or ttft_s * 1e3 <= slo[ttft]:
            break
    est = {k: _estimate(k, ttft_s, dec, w) for k in slo}
    ratio = max((est[k] / slo[k] for k in slo), default=0.0)
    config = EngineConfig(
        gpu=dep.gpu,
        tp=dep.tp,
        weights=dep.weights,
        kv=dep.kv,
        max_model_len=max_model_len,
        max_num_seqs=min(PREFILL_MAX_SEQS, budget),
        max_num_batched_tokens=budget,
        replicas=replicas,
    )
    bound = dep.step.step(min(budget, int(max(w.prompt_mean, 1))), min(budget, int(max(w.prompt_mean, 1))), 0, 0)
    what = "compute-bound (GEMMs)" if bound.linear_compute_bound else "weight-streaming-bound (short prompts)"
    prefill = Pool(
        config=config,
        dep=dep,
        estimate_ms=ttft_s * 1e3,
        bound=f"prefill: {what} at {w.prompt_mean:,.0f}-token mean prompts, {budget}-token steps",
    )
    return Split(
        prefill=prefill,
        decode=dec,
        transfer=transfer,
        estimates_ms=est,
        meets=ratio <= 1.0,
        miss_ratio=ratio if math.isfinite(ratio) else math.inf,
    )


def _wait_s(lam: float, mu: float, q: float, ca2: float) -> float:
    """Kingman's G/G/1 wait at percentile q with an exponential tail (recommend/queueing.py)."""
    if lam >= mu:
        return math.inf
    rho = lam / mu
    return (ca2 + SERVICE_SCV) / 2 * max(0.0, math.log(max(rho, 1e-300) / (1 - q / 100))) / (mu - lam)


def _estimate(key: str, ttft_s: float, dec: Pool, w: Workload) -> float:
    metric, q = slo_key(key)
    if metric == "ttft":
        return ttft_s * 1e3
    if metric == "tpot":
        return dec.estimate_ms
    return ttft_s * 1e3 + w.output_q.get(q, w.output_mean) * dec.estimate_ms


def _ttft_key(slo: dict) -> str | None:
    return next((k for k in slo if slo_key(k)[0] == "ttft"), None)


__all__ = ["Pool", "Split", "screen_disagg"]
