"""What replayed requests say about a window: SLO attainment, percentiles, queueing, rejected share.

Pieces are pooled with weights (each counted simulated request stands for `PieceReplay.weight` real
ones), so a sliced busy hour counts as much as its real traffic.

Definitions (all over the window's replayed requests, weighted):
  slo_attainment  share of requests meeting every SLO threshold individually (ttft <= ttft limit,
                  tpot <= tpot limit, e2e <= e2e limit; a rejected request meets none; a 1-token
                  output has no TPOT and meets a TPOT limit) - the simulator's goodput.
  <metric>_pQ_ms  inverted-CDF percentile: the smallest replayed value v such that requests with a
                  value <= v weigh at least Q% of all; rejected requests (over max_model_len) count
                  as infinitely slow, 1-token outputs are left out of TPOT.
  meets_slo       every percentile SLO of the plan (e.g. ttft_p95_ms <= 1000) holds by the above;
                  None when nothing was replayed.
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.backtest.replay import PieceReplay
from recommend.slo import Slo


def savings_pct(gpu_hours: float | None, static_peak_gpu_hours: float) -> float | None:
    """100 x (1 - gpu_hours / static_peak_gpu_hours): GPU-hours saved against the static-peak plan;
    None without either."""
    if gpu_hours is None or not static_peak_gpu_hours:
        return None
    return 100.0 * (1.0 - gpu_hours / static_peak_gpu_hours)


REPORTED = ("ttft_p50_ms", "ttft_p95_ms", "tpot_p50_ms", "tpot_p95_ms", "e2e_p50_ms", "e2e_p95_ms")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayStats:
    requests_real: float  # real requests the replayed ones stand for
    simulated_requests: int  # counted simulated requests (warm-up excluded)
    slo_attainment: float  # NaN when nothing was replayed or no SLO given
    goodput_requests: float  # real requests meeting every SLO
    rejected_share: float
    percentiles_ms: dict[str, float]  # REPORTED + the SLO keys
    queue_mean_ms: float  # arrival -> first scheduled, admitted requests
    queue_p95_ms: float
    meets_slo: bool | None


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest v with weight(values <= v) >= q% of the total (inverted CDF); NaN values left out."""
    keep = ~np.isnan(values)
    values, weights = values[keep], weights[keep]
    if not values.size:
        return math.nan
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    i = min(int(np.searchsorted(cum, q / 100.0 * cum[-1] * (1 - 1e-12), side="left")), values.size - 1)
    return float(values[order][i])


def replay_stats(pieces: list[PieceReplay], slo: dict[str, float]) -> ReplayStats:
    weight = np.concatenate([np.full(p.rejected.size, p.weight) for p in pieces]) if pieces else np.empty(0)
    rejected = np.concatenate([p.rejected for p in pieces]) if pieces else np.empty(0, dtype=bool)
    metric = {m: _pooled(pieces, m, rejected) for m in ("ttft", "tpot", "e2e", "queue")}
    total = float(weight.sum())
    ok = ~rejected
    for key, limit_ms in slo.items():
        values = metric[Slo.of(key).metric]
        ok &= np.isnan(values) | (values <= limit_ms)
    keys = list(REPORTED) + [k for k in slo if k not in REPORTED]
    pct = {s.key: weighted_percentile(metric[s.metric], weight, s.percentile) for s in map(Slo.of, keys)}
    admitted = ~rejected
    queue, queue_w = metric["queue"][admitted], weight[admitted]
    good = float(weight[ok].sum())
    return ReplayStats(
        requests_real=total,
        simulated_requests=int(rejected.size),
        slo_attainment=good / total if total and slo else math.nan,
        goodput_requests=good if slo else math.nan,
        rejected_share=float(weight[rejected].sum()) / total if total else math.nan,
        percentiles_ms=pct,
        queue_mean_ms=float(np.average(queue, weights=queue_w)) if queue.size else math.nan,
        queue_p95_ms=weighted_percentile(queue, queue_w, 95),
        meets_slo=all(pct[k] <= v for k, v in slo.items()) if total else None,
    )


def _pooled(pieces: list[PieceReplay], metric: str, rejected: np.ndarray) -> np.ndarray:
    """One metric over all pieces; rejected requests as +inf (queue: NaN, admitted only)."""
    values = np.concatenate([getattr(p, f"{metric}_ms") for p in pieces]) if pieces else np.empty(0)
    return np.where(rejected, math.nan if metric == "queue" else math.inf, values)
