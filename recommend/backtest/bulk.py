"""Bulk (batch) requests in a backtest: FIFO admission at the plan's rate (or into spare capacity), judged by the deadline.

Admission (the token bucket without burst that recommend/bulk_plan.py sizes): the range's logged bulk
requests, in arrival order, wait in one FIFO queue that admits real prompt + output tokens at the rate
B of the plan window in force. Logged request j stands for w_j = scale / sample_rate real requests,
s_j = w_j x (prompt + output) tokens; it starts admitting at a_j = max(t_j, end of j-1), its requests
enter over [a_j, a_j + s_j / B), and it reaches the engines at the middle, e_j = a_j + s_j / (2B), so
its wait e_j - t_j is the mean of its real requests'. B is the rate in force at a_j; where a window
admits nothing (B = 0) the queue waits for the next one that does; after the range the last window's
rate goes on (requests still queued at the end finish admitting then, and are not simulated). The
queue starts empty at the start of the read range (since - warm-up).

Admission into spare capacity (the plan's bulk rule says pacing "spare", and each window records its
planned interactive token load, tok_s_planned): B is the floor, not the rate. The queue admits at
    C = B + max(0, the window's planned interactive tokens/s - the interactive tokens/s of the piece's
        busiest SPARE_PEAK_S)
the token load the window's ceiling of replicas was simulated to carry (with B on top) less what the
interactive traffic uses (an admission controller reads that off the engines live); a window planning
no bulk (B = 0) admits into its spare capacity too. The scaler runs the ceiling while bulk is queued
(recommend/autoscale.py), so draining the queue as fast as the spare allows also frees those replicas
soonest. A dump larger than any in the planning data (ServeGen 2025-03-10: 2.5x the largest before)
is admitted into the capacity the interactive traffic leaves unused rather than at the historical
rate; the replay simulates the admitted stream with the interactive one, so what it costs the SLO is
measured. Deadline attainment judges the result either way.

Completion of j = its wait + the 95th-percentile engine e2e (admission -> last token) of the simulated
bulk requests of the piece it reached the engines in (of all pieces when that one simulated none, 0
when none did): conservative, and engine time is seconds against an hour's deadline. Deadline
attainment = the real-weighted share of bulk requests arriving in the range with completion <= the
plan's deadline_s. Per window: the requests that arrived while it was in force.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from recommend.autoscale import MinuteRates
from recommend.backtest.plan import BacktestPlan, Segment
from recommend.backtest.replay import PieceReplay, ReplayOptions, Traffic
from recommend.backtest.stats import weighted_percentile

SPARE_PEAK_S = 300.0  # the interactive load the spare capacity is judged against: the piece's busiest 5 min


@dataclass(frozen=True, slots=True, kw_only=True)
class Admission:
    """One row per logged bulk request of the read range, in arrival order."""

    arrival_s: np.ndarray  # epoch s
    engine_s: np.ndarray  # when it reaches the engines (inf: never admitted)
    real: np.ndarray  # real requests it stands for
    piece: np.ndarray  # index of the segment it arrived in (-1: warm-up or uncovered)
    engine_piece: np.ndarray  # index of the segment it reached the engines in (-1: after the range)
    done_s: np.ndarray  # when its admission finishes (inf: never admitted); increasing (FIFO)

    def queued(self, t_s: float) -> bool:
        """Whether the queue holds work at t_s (some request arrived and is not yet fully admitted)."""
        j = int(np.searchsorted(self.done_s, t_s, side="right"))
        return j < self.arrival_s.size and self.arrival_s[j] <= t_s

    @property
    def wait_s(self) -> np.ndarray:
        return self.engine_s - self.arrival_s


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkStats:
    requests_real: float
    share: float  # of the real requests (both classes) that arrived in the scope
    deadline_attainment: float  # NaN when no bulk request arrived
    completion_p95_s: float
    wait_p95_s: float  # admission queue only
    admit_tok_s: float  # planned admission rate (the window's; the summary: GPU-hour-weighted mean)


def admit(
    traffic: Traffic, plan: BacktestPlan, pieces: list[Segment], options: ReplayOptions = ReplayOptions()
) -> tuple[Traffic, Admission]:
    """`traffic` with each bulk request moved to the time it reaches the engines; and the admission."""
    idx = np.flatnonzero(traffic.bulk)
    rates = np.array([plan.windows[s.window].bulk_admit_tok_s for s in pieces])
    starts = np.array([s.start_s for s in pieces])
    ends = np.array([s.end_s for s in pieces])
    rate_of = options.sample_rate if options.sample_rate is not None else None
    real = options.traffic_scale / (np.full(idx.size, rate_of) if rate_of else traffic.sample_rate[idx])
    tokens = real * (traffic.prompt_tokens[idx] + traffic.output_tokens[idx])
    engine, done = np.full(idx.size, math.inf), np.full(idx.size, math.inf)
    if plan.bulk is not None and plan.bulk.pacing == "spare" and idx.size:
        rates = rates + _spare_tok_s(traffic, plan, pieces, options)
    free = -math.inf
    for k, j in enumerate(idx):
        start, rate = _next_admitting(max(traffic.arrival_s[j], free), starts, ends, rates)
        if rate <= 0:
            break  # no window admits bulk from here on: the rest never reaches the engines
        free = done[k] = start + tokens[k] / rate
        engine[k] = start + tokens[k] / (2 * rate)
    arrival = traffic.arrival_s[idx]
    moved = traffic.arrival_s.copy()
    moved[idx] = engine
    kept = np.isfinite(moved)
    out = Traffic.from_arrays(
        moved[kept],
        traffic.prompt_tokens[kept],
        traffic.output_tokens[kept],
        traffic.sample_rate[kept],
        traffic.bulk[kept],
    )
    return out, Admission(
        arrival_s=arrival,
        engine_s=engine,
        real=real,
        piece=_piece(arrival, starts, ends),
        engine_piece=_piece(engine, starts, ends),
        done_s=done,
    )


def _spare_tok_s(traffic: Traffic, plan: BacktestPlan, pieces: list[Segment], options: ReplayOptions) -> np.ndarray:
    """Per piece: the window's planned interactive tokens/s less the busiest SPARE_PEAK_S of interactive
    tokens/s arriving in it, at least 0 (0 for windows that record no planned token load)."""
    planned = np.array([plan.windows[s.window].planned_tok_s for s in pieces])
    if not planned.any() or not traffic.arrival_s.size:
        return np.zeros(len(pieces))
    keep = ~traffic.bulk
    rate = (
        np.full(int(keep.sum()), options.sample_rate) if options.sample_rate is not None else traffic.sample_rate[keep]
    )
    weight = options.traffic_scale / rate * (traffic.prompt_tokens[keep] + traffic.output_tokens[keep])
    minutes = MinuteRates.from_arrivals(
        traffic.arrival_s[keep], weight, pieces[0].start_s - SPARE_PEAK_S, pieces[-1].end_s
    )
    now = np.array([minutes.busiest(s.start_s, max(s.end_s, s.start_s + SPARE_PEAK_S), SPARE_PEAK_S) for s in pieces])
    return np.maximum(planned - np.nan_to_num(now, nan=np.inf), 0.0)


def _next_admitting(t: float, starts, ends, rates) -> tuple[float, float]:
    """(time, rate): t and the rate in force at t when it admits, else the start of the next piece that
    does; before the first piece (warm-up) the first piece's rate, after the last the last one's."""
    if not starts.size:
        return t, 0.0
    i = max(int(np.searchsorted(starts, t, side="right")) - 1, 0)
    if t >= ends[-1]:
        return t, float(rates[-1])
    if t < ends[i] and rates[i] > 0:
        return t, float(rates[i])
    later = np.flatnonzero(rates[i + 1 :] > 0)
    if not later.size:
        return t, 0.0
    k = i + 1 + int(later[0])
    return max(t, float(starts[k])), float(rates[k])


def _piece(t: np.ndarray, starts, ends) -> np.ndarray:
    i = np.searchsorted(starts, t, side="right") - 1
    inside = (i >= 0) & (t < ends[np.maximum(i, 0)]) if starts.size else np.zeros(t.size, bool)
    return np.where(inside, i, -1)


def completion_s(adm: Admission, replays: list[PieceReplay]) -> np.ndarray:
    """Per admitted row: wait + the p95 engine e2e of its piece's simulated bulk (the docstring)."""
    p95 = np.array([_p95_s(r.bulk_e2e_ms) for r in replays])
    every = np.concatenate([r.bulk_e2e_ms for r in replays]) if replays else np.empty(0)
    fallback = _p95_s(every)
    fallback = 0.0 if math.isnan(fallback) else fallback
    engine = np.where(adm.engine_piece >= 0, p95[np.maximum(adm.engine_piece, 0)] if p95.size else 0.0, fallback)
    return adm.wait_s + np.where(np.isnan(engine), fallback, engine)


def bulk_stats(
    adm: Admission,
    done_s: np.ndarray,
    scope: np.ndarray,
    interactive_real: float,
    deadline_s: float,
    admit_tok_s: float,
) -> BulkStats:
    """Stats of the rows in `scope` (bool mask over the admission rows)."""
    real, done, wait = adm.real[scope], done_s[scope], adm.wait_s[scope]
    total = float(real.sum())
    return BulkStats(
        requests_real=total,
        share=total / (total + interactive_real) if total + interactive_real else 0.0,
        deadline_attainment=float(real[done <= deadline_s].sum()) / total if total else math.nan,
        completion_p95_s=weighted_percentile(done, real, 95),
        wait_p95_s=weighted_percentile(wait, real, 95),
        admit_tok_s=admit_tok_s,
    )


def static_peak_admission(plan: BacktestPlan) -> BacktestPlan:
    """The plan with every window admitting at its peak window's rate (the static-peak plan's bulk)."""
    peak = plan.peak
    return replace(
        plan,
        windows=tuple(
            replace(w, bulk_admit_tok_s=peak.bulk_admit_tok_s, planned_tok_s=peak.planned_tok_s) for w in plan.windows
        ),
    )


def _p95_s(e2e_ms: np.ndarray) -> float:
    return weighted_percentile(e2e_ms, np.ones(e2e_ms.size), 95) / 1e3 if e2e_ms.size else math.nan
