"""Screen every candidate of one window analytically and size its replicas (recommend/queueing.py).

For each deployment (GPU, TP, dtypes) x (max_num_seqs, max_num_batched_tokens): memory first
(weights fit, KV holds one max_model_len request), then the running batch the KV cache allows,
the replica's step-time coefficients from the roofline, and the fewest replicas whose estimated
latencies meet every SLO at the planned rate (binary search, vectorised over candidates).
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.engine_config import EngineConfig
from recommend.queueing import Workload, capacity_rps, metrics, prefill_work_s
from recommend.search_space import Deployed
from recommend.slo import slo_key

# Utilisation target: the minute-to-minute rate swings of real traffic (ServeGen's busy hours vary
# ~+-30% minute to minute) are invisible to Kingman's term fed with a sampled log's gaps.
RHO_MAX = 0.75
R_SEARCH_FACTOR = 8  # replicas searched up to 8x the capacity minimum (+8): past that latency is at its floor


@dataclass(frozen=True, slots=True, kw_only=True)
class Screened:
    config: EngineConfig  # replicas = the fewest meeting the SLO (or the search limit on a miss)
    dep: Deployed
    batch: int  # sequences the replica runs at most: min(max_num_seqs, KV capacity / decode context)
    kv_bound: bool  # KV capacity, not max_num_seqs, limits the batch
    capacity_rps: float  # one replica's analytic capacity, real req/s
    step_a_s: float  # decode step = a + b * seqs
    step_b_s: float
    prefill_s: float  # prefill work of a mean prompt
    estimates_ms: dict  # SLO key -> estimated ms at the chosen replicas
    meets: bool
    miss_ratio: float  # max over SLOs of estimate / limit (<= 1 when meets)
    usd_per_hour: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenResult:
    screened: int  # candidates looked at, not fitting ones included
    not_fitting: int  # weights or one max_model_len request do not fit
    ranked: list  # Screened, meeting ones by cost then worst ratio, then misses by ratio


def screen(
    deps: list[Deployed], grid: list[tuple[int, int]], w: Workload, *, max_model_len: int, slo: dict[str, float]
) -> ScreenResult:
    keys = {k: slo_key(k) for k in slo}
    qs = sorted({q for m, q in keys.values() if m != "tpot"})
    rows, not_fitting = [], 0
    for dep in deps:
        if dep.step is None or dep.kv_capacity_tokens < max_model_len:
            not_fitting += len(grid)
            continue
        rows += _coefficients(dep, grid, w, qs)
    if not rows:
        return ScreenResult(screened=len(deps) * len(grid), not_fitting=not_fitting, ranked=[])
    cols = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in ("a", "b", "p", "batch", "budget")}
    pq = {q: np.array([r["pq"][q] for r in rows]) for q in qs}
    replicas, est = _replicas(cols, pq, w, slo, keys)
    ratio = np.max(np.stack([est[k] / slo[k] for k in slo]), axis=0) if slo else np.zeros(len(rows))
    usd = replicas * np.array([r["dep"].usd_per_hour for r in rows])
    meets = ratio <= 1.0
    # cheapest first; among equals the lower estimates, then the smaller knobs (less memory pinned)
    seqs, budget = (np.array([r[k] for r in rows]) for k in ("seqs", "budget"))
    order = np.lexsort((budget, seqs, np.round(ratio, 2), np.where(meets, usd, np.inf), ~meets))
    ranked = [
        _screened(
            rows[i],
            int(replicas[i]),
            {k: float(est[k][i]) for k in slo},
            bool(meets[i]),
            float(ratio[i]),
            float(usd[i]),
            max_model_len,
            w,
        )
        for i in order
    ]
    return ScreenResult(screened=len(deps) * len(grid), not_fitting=not_fitting, ranked=ranked)


def _coefficients(dep: Deployed, grid, w: Workload, qs) -> list[dict]:
    step, ctx = dep.step, w.decode_ctx_tokens
    held = ctx + dep.block_tokens / 2  # KV tokens a running sequence holds, half a block wasted on average
    kv_batch = int(dep.kv_capacity_tokens // max(held, 1.0))
    d1 = step.step_s(0, 0, 1, ctx)
    rows, cache = [], {}
    for seqs, budget in grid:
        batch = max(1, min(seqs, kv_batch))
        if (batch, budget) not in cache:
            d_b = step.step_s(0, 0, batch, batch * ctx)
            b = (d_b - d1) / (batch - 1) if batch > 1 else 0.0
            half = batch // 2
            cache[batch, budget] = dict(
                a=d1 - b,
                b=b,
                p=prefill_work_s(step, w.prompt_mean, budget, half, ctx),
                pq={q: prefill_work_s(step, w.prompt_q[q], budget, half, ctx) for q in qs},
            )
        rows.append(
            dict(cache[batch, budget], dep=dep, seqs=seqs, budget=budget, batch=batch, kv_bound=kv_batch < seqs)
        )
    return rows


def _estimates(lam, cols, pq, w, keys):
    return {
        k: metrics(
            lam,
            a=cols["a"],
            b=cols["b"],
            p=cols["p"],
            batch=cols["batch"],
            w=w,
            budget=cols["budget"],
            prefill_q=pq,
            key=key,
        )
        for k, key in keys.items()
    }


def _replicas(cols, pq, w, slo, keys):
    """Fewest replicas meeting every SLO per candidate (the search limit where none does)."""
    rate = w.rps_real
    mu = capacity_rps(a=cols["a"], b=cols["b"], p=cols["p"], batch=cols["batch"], w=w)
    lo = np.maximum(1, np.ceil(rate / (mu * RHO_MAX))).astype(np.int64) if rate > 0 else np.ones(mu.size, np.int64)
    hi = lo * R_SEARCH_FACTOR + R_SEARCH_FACTOR

    def ok(r):
        est = _estimates(rate / r, cols, pq, w, keys)
        return np.all(np.stack([est[k] <= slo[k] for k in slo]), axis=0) if slo else np.ones(r.size, bool)

    feasible = ok(hi)
    lo = np.where(feasible, lo, hi)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        good = ok(mid)
        hi, lo = np.where(good, mid, hi), np.where(good, lo, mid + 1)
    return hi, _estimates(rate / hi, cols, pq, w, keys)


def _screened(row, replicas, est, meets, ratio, usd, max_model_len, w) -> Screened:
    dep = row["dep"]
    config = EngineConfig(
        gpu=dep.gpu,
        tp=dep.tp,
        weights=dep.weights,
        kv=dep.kv,
        max_model_len=max_model_len,
        max_num_seqs=row["seqs"],
        max_num_batched_tokens=row["budget"],
        replicas=replicas,
    )
    cap = capacity_rps(a=row["a"], b=row["b"], p=row["p"], batch=row["batch"], w=w)
    return Screened(
        config=config,
        dep=dep,
        batch=row["batch"],
        kv_bound=row["kv_bound"],
        capacity_rps=float(cap),
        step_a_s=row["a"],
        step_b_s=row["b"],
        prefill_s=row["p"],
        estimates_ms=est,
        meets=meets,
        miss_ratio=ratio if math.isfinite(ratio) else math.inf,
        usd_per_hour=usd,
    )
