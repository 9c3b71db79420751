"""Reactive replica scaling inside a plan window (KEDA / HPA on the request rate or the engines' token load),
sized from measured error.

A window's config is fixed; its replica count follows the traffic. Every `interval_s` (epoch-aligned)
the scaler decides the replicas for [t, t + interval_s) from what it could see at d = t - delay_s (a
new replica needs that long: pod scheduling, image, weights load):
    signal(d)  = the busiest `bucket_s` mean interactive load within [d - lookback_s, d)
    replicas   = max_replicas                                          when bulk work is queued at d
               = clamp(ceil(ratio x signal / per_replica), min_replicas, max_replicas)  otherwise
Load (LoadWeights, plans made with --scale-on load, the default since session 12): engine busy seconds per
second, sum over requests of prefill_s_per_token x prompt tokens + decode_s_per_token x output tokens
(recommend/queueing.py: a request adds p seconds of prefill work and b seconds to each of its O decode
steps; u = lam (p + b O) is the replica's busy share). What KEDA reads from vLLM as
rate(vllm:prompt_tokens_total) and rate(vllm:generation_tokens_total), weighted. per_replica =
load_per_replica, the planned span's load / the replicas (the recommender's simulation met the SLO there,
with the bulk stream on top): a heavier mix (longer prompts) raises the load per request, so the scaler adds
replicas where a request count would not. Without weights (--scale-on requests, and older plans) the scaler
counts real req/s with rps_per_replica. Measured (bench/backtest_tried.md): on plans without the mix check
the load signal cost more GPU-hours for no more hours meeting the SLO (mean busy time did not predict p95
misses that the configs' own prefill set); with the mix check's configs it met more of week 2's hours than
the request count for fewer GPU-hours (0.973 vs 0.967 walked, 0.978 vs 0.963 week-ahead) and cost 7% more on
development week 1.
max_replicas: the plan's count (the window's sizing for its forecast peak). The window's full bulk
admission rate was validated only on the full fleet, so a queue holding bulk work
(recommend/backtest/bulk.py) brings it back.
cap_replicas (plans made with --scale-max static-peak or K; 0 = max_replicas): where the signal asks for
more than the ceiling (a heavier length mix under --scale-on load, or a rate above the forecast's), the
scaler runs up to this many instead; bulk work and a missing signal still bring max_replicas:
    replicas   = clamp(ceil(ratio x signal / per_replica), min_replicas, max(cap_replicas, max_replicas))
Seasonal floor (plans made with --scale-seasonal Q, recommend/seasonal.py): min_replicas above becomes
max(min_replicas, min(ceil(floor(slot) / per_replica), max_replicas)) for the interval's slot of the week.

ratio is measured, not guessed (the same idea as recommend/forecast.py's headroom): over the planning
range, each interval's busiest `peak_s` mean interactive rate / its signal; the request-weighted
`quantile` of those ratios. The busiest 5 minutes, not the interval's mean, because a replica sized for
the mean queues through the interval's bursts. The window's SLO is a p95 over its requests, so the
share of requests in intervals the scaler under-sizes must stay well under 5%: the default quantile
0.99 leaves about 1% there. Intervals whose signal is 0 (nothing seen in the lookback) have no ratio
and are left out.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from recommend.errors import RecommendError
from recommend.forecast import weighted_quantile

MINUTE_S = 60.0
METHOD = (
    "the interval's busiest peak_s mean / the busiest bucket_s mean in the lookback ending delay_s before "
    "it; request-weighted quantile over the planning range"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoscalePolicy:
    interval_s: float = 900.0  # replicas decided per interval (epoch-aligned)
    delay_s: float = 300.0  # decision -> new replicas serving
    lookback_s: float = 3600.0
    bucket_s: float = 900.0  # signal = busiest mean over this span within the lookback
    peak_s: float = 300.0  # what the replicas must carry: the interval's busiest mean over this span
    quantile: float = 0.99
    ratio: float = math.nan  # measured; NaN = not measured (the scaler then keeps max_replicas)
    intervals: int = 0  # planning intervals the ratio was measured on

    def __post_init__(self):
        for name in ("interval_s", "bucket_s", "lookback_s", "peak_s"):
            value = getattr(self, name)
            if value < MINUTE_S or value % MINUTE_S:
                raise RecommendError(f"autoscale {name} must be a whole number of minutes, got {value:g} s")
        if (
            self.bucket_s > self.lookback_s
            or self.peak_s > self.interval_s
            or self.delay_s < 0
            or not 0 < self.quantile <= 1
        ):
            raise RecommendError(
                "autoscale: need bucket_s <= lookback_s, peak_s <= interval_s, delay_s >= 0 and 0 < quantile <= 1"
            )

    @property
    def lead_s(self) -> float:
        """How far before a range's start its first decision looks."""
        return self.delay_s + self.lookback_s

    @property
    def measured(self) -> bool:
        return not math.isnan(self.ratio)

    def to_dict(self) -> dict:
        return {
            "interval_s": self.interval_s,
            "delay_s": self.delay_s,
            "lookback_s": self.lookback_s,
            "bucket_s": self.bucket_s,
            "peak_s": self.peak_s,
            "quantile": self.quantile,
            "ratio": round(self.ratio, 4) if self.measured else None,
            "intervals": self.intervals,
            "method": METHOD,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "AutoscalePolicy | None":
        if not data:
            return None
        keys = ("interval_s", "delay_s", "lookback_s", "bucket_s", "peak_s", "quantile")
        ratio = data.get("ratio")
        return cls(
            **{k: float(data[k]) for k in keys if data.get(k) is not None},
            ratio=math.nan if ratio is None else float(ratio),
            intervals=int(data.get("intervals") or 0),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MinuteRates:
    """Interactive real req/s (or busy s/s: arrivals weighted by LoadWeights.load_s) per UTC minute on a
    dense grid starting at epoch second `start_s`."""

    start_s: float
    rps: np.ndarray  # float64, one per minute

    @classmethod
    def from_arrivals(cls, arrival_s: np.ndarray, real: np.ndarray, start_s: float, end_s: float) -> "MinuteRates":
        """Arrivals (epoch s) each standing for `real` requests, binned into the minutes of [start_s, end_s)."""
        start = math.floor(start_s / MINUTE_S) * MINUTE_S
        n = max(math.ceil((end_s - start) / MINUTE_S), 0)
        i = np.floor((np.asarray(arrival_s, np.float64) - start) / MINUTE_S).astype(np.int64)
        keep = (i >= 0) & (i < n)
        return cls(
            start_s=start, rps=np.bincount(i[keep], weights=np.asarray(real, np.float64)[keep], minlength=n) / MINUTE_S
        )

    @classmethod
    def from_minutes(cls, minute_s: np.ndarray, rps: np.ndarray) -> "MinuteRates":
        """Sparse (minute epoch s, req/s) rows -> the dense grid (missing minutes are 0)."""
        minute_s = np.asarray(minute_s, np.float64)
        if not minute_s.size:
            return cls(start_s=0.0, rps=np.zeros(0))
        start = float(minute_s.min())
        i = ((minute_s - start) // MINUTE_S).astype(np.int64)
        return cls(start_s=start, rps=np.bincount(i, weights=np.asarray(rps, np.float64), minlength=int(i.max()) + 1))

    def busiest(self, a_s: float, b_s: float, span_s: float) -> float:
        """Busiest `span_s` mean within [a_s, b_s), sliding by minutes; NaN when [a_s, b_s) is not all on
        the grid."""
        k, i, j = int(span_s // MINUTE_S), self._index(a_s), self._index(b_s)
        if i < 0 or j > self.rps.size or j - i < k:
            return math.nan
        return float(np.convolve(self.rps[i:j], np.ones(k), mode="valid").max()) / k

    def signal(self, decision_s: float, policy: AutoscalePolicy) -> float:
        """What the scaler sees at decision_s: the busiest bucket_s mean within the lookback."""
        return self.busiest(decision_s - policy.lookback_s, decision_s, policy.bucket_s)

    def _index(self, t_s: float) -> int:
        return int(math.floor((t_s - self.start_s) / MINUTE_S))


def measure(rates: MinuteRates, policy: AutoscalePolicy, start_s: float, end_s: float) -> AutoscalePolicy:
    """`policy` with its ratio measured on the intervals of [start_s, end_s) whose lookback is in the data."""
    actual, signal = [], []
    for t in interval_starts(start_s, end_s, policy.interval_s):
        if t + policy.interval_s > end_s:
            break
        s = rates.signal(t - policy.delay_s, policy)
        a = rates.busiest(t, t + policy.interval_s, policy.peak_s)
        if s > 0 and not math.isnan(a):  # NaN (no lookback) and 0 (nothing seen) have no ratio
            actual.append(a)
            signal.append(s)
    actual, signal = np.array(actual), np.array(signal)
    ratio = weighted_quantile(actual / signal, actual, policy.quantile) if actual.size else math.nan
    return replace(policy, ratio=ratio, intervals=int(actual.size))


def interval_starts(start_s: float, end_s: float, interval_s: float) -> list[float]:
    """Epoch-aligned interval starts covering [start_s, end_s) (the first may begin before start_s)."""
    first = math.floor(start_s / interval_s) * interval_s
    return list(np.arange(first, end_s, interval_s, dtype=np.float64))


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadWeights:
    """Engine seconds one token adds (recommend/queueing.py): a prompt token's prefill work (the window's
    chosen config, mean prompt), an output token's marginal decode step time."""

    prefill_s_per_token: float
    decode_s_per_token: float

    def load_s(self, prompt_tokens, output_tokens):
        """Busy seconds per request (arrays ok)."""
        return self.prefill_s_per_token * np.asarray(prompt_tokens, np.float64) + self.decode_s_per_token * np.asarray(
            output_tokens, np.float64
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowScaling:
    min_replicas: int
    max_replicas: int
    rps_per_replica: float  # planned interactive real req/s per replica
    load: LoadWeights | None = None  # None: the scaler counts requests (plans before 2026-12-05)
    load_per_replica: float = 0.0  # planned interactive busy s/s per replica (with `load`)
    cap_replicas: int = 0  # the most the signal may ask for, above max_replicas (0: max_replicas)

    @property
    def most(self) -> int:
        """The most replicas the scaler runs: the cap where one is set above the ceiling."""
        return max(self.cap_replicas, self.max_replicas)

    @property
    def per_replica(self) -> float:
        """What one replica carries, in the signal's unit (busy s/s with load weights, else real req/s)."""
        return self.load_per_replica if self.load else self.rps_per_replica

    def replicas(self, policy: AutoscalePolicy, signal: float, bulk_queued: bool, floor: float = 0.0) -> int:
        """`floor`: the seasonal need of the interval's slot in the signal's unit (recommend/seasonal.py)."""
        if bulk_queued or not policy.measured or math.isnan(signal) or self.per_replica <= 0:
            return self.max_replicas  # bulk to admit, or nothing to go on: the window's planned fleet
        need = policy.ratio * signal / self.per_replica
        return min(max(math.ceil(need - 1e-9), self.floor_replicas(floor)), self.most)

    def floor_replicas(self, floor: float) -> int:
        """Replicas a seasonal need of `floor` (signal units) holds: ceil(floor / per_replica), within
        [min_replicas, max_replicas] (the floor never runs above the ceiling the forecast sized)."""
        if floor <= 0 or self.per_replica <= 0:
            return self.min_replicas
        return min(max(math.ceil(floor / self.per_replica - 1e-9), self.min_replicas), self.max_replicas)

    def to_dict(self) -> dict:
        out = {
            "min_replicas": self.min_replicas,
            "max_replicas": self.max_replicas,
            "rps_per_replica": round(self.rps_per_replica, 4),
        }
        if self.cap_replicas > self.max_replicas:
            out["cap_replicas"] = self.cap_replicas
        if self.load:
            out |= {
                "signal": "engine load: prefill_s_per_token x prompt tokens/s + decode_s_per_token x "
                "output tokens/s (busy seconds per second)",
                "prefill_s_per_token": float(f"{self.load.prefill_s_per_token:.6g}"),
                "decode_s_per_token": float(f"{self.load.decode_s_per_token:.6g}"),
                "load_per_replica": float(f"{self.load_per_replica:.6g}"),
            }
        return out

    @classmethod
    def from_dict(cls, data: dict | None, replicas: int) -> "WindowScaling | None":
        if not data:
            return None
        load = (
            LoadWeights(
                prefill_s_per_token=float(data["prefill_s_per_token"]),
                decode_s_per_token=float(data["decode_s_per_token"]),
            )
            if data.get("prefill_s_per_token") is not None and data.get("load_per_replica")
            else None
        )
        return cls(
            min_replicas=int(data.get("min_replicas") or 1),
            max_replicas=int(data.get("max_replicas") or replicas),
            rps_per_replica=float(data["rps_per_replica"]),
            load=load,
            load_per_replica=float(data.get("load_per_replica") or 0.0) if load else 0.0,
            cap_replicas=int(data.get("cap_replicas") or 0),
        )
