"""Check a disaggregated split with the two-pool simulator (recommend/simulate/disagg.py) on the window's arrivals.

Unlike the aggregated check (recommend/verify.py: one replica's share), a group of both pools is
simulated with least-loaded routing, since the P:D ratio is what is being checked: the smallest group
keeping that ratio within 5% (recommend/simulate/disagg.py group: 30P12D -> 5P2D on 1/6 of the traffic).
To bound the cost, a representative sub-span holding about `max_requests` of the group's requests is
simulated (never shorter than MIN_SPAN_S; recommend/verify.py representative_span), the first
WARMUP_SHARE of it left out of the percentiles, DRAWS independent draws pooled. Admitted bulk joins both
pools as a Poisson stream (as in verify.py) and is not judged.
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.disagg.screen import Split
from recommend.simulate import goodput_share
from recommend.simulate.disagg import group, simulate_disagg
from recommend.slo import slo_key
from recommend.verify import DRAWS, QUANTILES, WARMUP_SHARE, replica_traffic
from recommend.window_traffic import PlanTraffic

MAX_FLEET_REQUESTS = 4000  # per draw
MIN_SPAN_S = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifiedSplit:
    split: Split
    predicted: dict  # {"ttft_ms": Q, "tpot_ms": Q, "e2e_ms": Q, "transfer_ms": Q, "prefill_ms": Q, "goodput"}
    slo_ms: dict
    meets: bool
    miss_ratio: float
    requests: int


def verify_split(
    split: Split,
    traffic: PlanTraffic,
    *,
    model: str,
    engine: str,
    slo: dict,
    max_requests: int = MAX_FLEET_REQUESTS,
    seed: int = 0,
    draws: int = DRAWS,
) -> VerifiedSplit:
    p_spec, _ = split.prefill.config.simulation_parts(model, engine, step_model=split.prefill.dep.step)
    d_spec, _ = split.decode.config.simulation_parts(model, engine, step_model=split.decode.dep.step)
    parts = [_draw(split, traffic, p_spec, d_spec, max_requests, seed + 1_000_003 * d) for d in range(draws)]
    parts = [p for p in parts if p is not None]
    if not parts:
        return VerifiedSplit(split=split, predicted={}, slo_ms={}, meets=True, miss_ratio=0.0, requests=0)
    pooled = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    values = {k: _stat(pooled, k) for k in slo}
    ratio = max((values[k] / slo[k] for k in slo), default=0.0)
    ratio = ratio if math.isfinite(ratio) else math.inf
    predicted = {f"{m}_ms": _quantiles(pooled[m]) for m in ("ttft", "tpot", "e2e", "transfer", "prefill")}
    predicted["goodput"] = (
        round(goodput_share(pooled["ttft"], pooled["tpot"], pooled["e2e"], slo), 4)
        if pooled["ttft"].size and slo
        else None
    )
    return VerifiedSplit(
        split=split,
        predicted=predicted,
        slo_ms=values,
        meets=ratio <= 1.0,
        miss_ratio=ratio,
        requests=int(pooled["ttft"].size),
    )


def _draw(split: Split, t: PlanTraffic, p_spec, d_spec, max_requests: int, seed: int) -> dict | None:
    g, p, d = group(split.prefill.config.replicas, split.decode.config.replicas)
    arrival, prompt, output, span_s = replica_traffic(
        t, g, max_requests, seed, rate_rps=t.rps_real, min_span_s=MIN_SPAN_S
    )
    rng = np.random.default_rng(seed + 104729)
    n = rng.poisson(t.bulk_rps_real / g * span_s) if t.bulk_rps_real > 0 else 0
    pick = rng.integers(0, max(t.bulk_prompt_tokens.size, 1), n)
    bulk = np.r_[np.zeros(arrival.size, bool), np.ones(n, bool)]
    arrival = np.r_[arrival, rng.random(n) * span_s]
    prompt = np.r_[prompt, t.bulk_prompt_tokens[pick] if n else np.zeros(0, np.int64)]
    output = np.r_[output, t.bulk_output_tokens[pick] if n else np.zeros(0, np.int64)]
    keep = (arrival >= WARMUP_SHARE * span_s) & ~bulk
    if not keep.any():
        return None
    r = simulate_disagg(
        arrival,
        prompt,
        output,
        prefill=p_spec,
        prefill_step_s=split.prefill.dep.step.step_s,
        prefill_replicas=p,
        decode=d_spec,
        decode_step_s=split.decode.dep.step.step_s,
        decode_replicas=d,
        transfer_s=split.transfer.seconds,
    )
    return {
        "ttft": r.ttft_ms[keep],
        "tpot": r.tpot_ms[keep],
        "e2e": r.e2e_ms[keep],
        "transfer": r.transfer_ms[keep],
        "prefill": r.prefill_ms[keep],
    }


def _stat(pooled: dict, key: str) -> float:
    """As recommend/verify.py: over admitted requests (max_model_len rejections are reported apart)."""
    metric, q = slo_key(key)
    v = pooled[metric]
    v = v[~np.isnan(v)]
    return float(np.percentile(v, q)) if v.size else (0.0 if metric == "tpot" else math.inf)


def _quantiles(values: np.ndarray) -> dict:
    v = values[np.isfinite(values)]
    return {name: round(float(np.percentile(v, q)), 3) for name, q in QUANTILES.items()} if v.size else {}
