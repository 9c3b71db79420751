"""Predicted vs measured latency of a known deployment, per window (M2: measured latencies are truth).

The logged arrivals of each window (a UTC day by default) are replayed through the simulator with
the deployed config (recommend/backtest/replay.py: one replica's share, or with `exact_routing` the
whole stream across the replicas; at most `max_requests` simulated, in slices). Measured and
predicted percentiles are taken over the same time: the logged requests of status 'ok' with a
measured value that arrived in the replayed (counted) slices, against the simulated requests of
those slices (rejected ones left out: the engine never served them). Percentiles are numpy's
'linear'. Error per window and metric: |predicted - measured| / measured; MAPE = its mean over the
windows with both values.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from recommend.backtest import ReplayOptions, Traffic, replay_piece
from recommend.engine_config import EngineConfig
from recommend.errors import RecommendError
from recommend.roofline import StepModel
from recommend.slo import Slo

METRICS = ("ttft_p50_ms", "ttft_p95_ms", "tpot_p50_ms", "e2e_p50_ms")
DAY_S = 86400.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployed:
    """What served the logged traffic: a catalog model on an engine with one EngineConfig."""

    model: str
    config: EngineConfig
    engine: str = "vllm"

    @classmethod
    def from_dict(cls, values: dict, default_model: str | None = None) -> "Deployed":
        model = values.get("model") or default_model
        if not model:
            raise RecommendError("the deployed config needs a model (catalog name), e.g. model=llama-3.1-70b")
        return cls(
            model=str(model),
            engine=str(values.get("engine") or "vllm"),
            config=EngineConfig.from_dict(values, where="deployed config"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Measured:
    """Logged traffic and its measured latencies (ms; NaN where not logged or not status 'ok')."""

    traffic: Traffic
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    e2e_ms: np.ndarray

    @classmethod
    def from_arrays(
        cls, arrival_s, prompt_tokens, output_tokens, ttft_ms, tpot_ms, e2e_ms, sample_rate=1.0, ok=None
    ) -> "Measured":
        arrival = np.asarray(arrival_s, dtype=np.float64)
        order = np.argsort(arrival, kind="stable")
        ok = np.ones(arrival.size, dtype=bool) if ok is None else np.asarray(ok, dtype=bool)

        def latency(values):
            v = np.asarray(values, dtype=np.float64)
            return np.where(ok, v, math.nan)[order]

        rate = np.broadcast_to(np.asarray(sample_rate, dtype=np.float64), arrival.shape)
        traffic = Traffic(
            arrival_s=arrival[order],
            prompt_tokens=np.asarray(prompt_tokens, dtype=np.int64)[order],
            output_tokens=np.asarray(output_tokens, dtype=np.int64)[order],
            sample_rate=rate[order],
            bulk=np.zeros(arrival.size, bool),
        )  # calibration compares every logged request
        return cls(traffic=traffic, ttft_ms=latency(ttft_ms), tpot_ms=latency(tpot_ms), e2e_ms=latency(e2e_ms))


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowError:
    start: datetime
    requests: int  # measured requests compared
    measured_ms: dict[str, float]
    predicted_ms: dict[str, float]

    def error(self, metric: str) -> float:
        m, p = self.measured_ms[metric], self.predicted_ms[metric]
        return abs(p - m) / m if m > 0 and math.isfinite(p) else math.nan


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    windows: tuple[WindowError, ...]
    mape: dict[str, float] = field(default_factory=dict)  # metric -> mean relative error (share)

    @property
    def log_error(self) -> float:
        """Mean squared log ratio predicted / measured over windows and metrics: what the fit minimises."""
        terms = [
            math.log(w.predicted_ms[k] / w.measured_ms[k]) ** 2
            for w in self.windows
            for k in METRICS
            if w.measured_ms[k] > 0 and w.predicted_ms[k] > 0 and math.isfinite(w.predicted_ms[k])
        ]
        return sum(terms) / len(terms) if terms else math.nan


def compare(
    measured: Measured,
    deployed: Deployed,
    *,
    step_model: StepModel | None = None,
    window_s: float = DAY_S,
    options: ReplayOptions = ReplayOptions(),
) -> Comparison:
    """Replay each window with the deployed config (step times from `step_model`, default roofline)."""
    spec, model = deployed.config.simulation_parts(deployed.model, deployed.engine, step_model)
    arrival = measured.traffic.arrival_s
    if not arrival.size:
        raise RecommendError("no logged requests to compare; check the model name and the time range")
    first = math.floor(arrival[0] / window_s) * window_s
    windows = []
    for k in range(int((arrival[-1] - first) // window_s) + 1):
        start = first + k * window_s
        piece = replay_piece(
            measured.traffic,
            start,
            start + window_s,
            replicas=deployed.config.replicas,
            engine=spec,
            step_s=model.step_s,
            options=options,
            seed=options.seed + k,
        )
        found = _window(measured, start, piece)
        if found is not None:
            windows.append(found)
    if not windows:
        raise RecommendError(
            "no window holds measured ttft_ms/tpot_ms/e2e_ms of status 'ok'; calibration needs a log with latencies"
        )
    mape = {k: _mean([w.error(k) for w in windows]) for k in METRICS}
    return Comparison(windows=tuple(windows), mape=mape)


def _window(measured: Measured, start_s: float, piece) -> WindowError | None:
    arrival = measured.traffic.arrival_s
    inside = np.zeros(arrival.size, dtype=bool)
    for a, b in piece.counted:
        inside[measured.traffic.span(a, b)] = True
    has = inside & ~np.isnan(measured.ttft_ms)
    if not has.any() or not piece.rejected.size:
        return None
    admitted = ~piece.rejected
    observed = {"ttft": measured.ttft_ms[inside], "tpot": measured.tpot_ms[inside], "e2e": measured.e2e_ms[inside]}
    simulated = {"ttft": piece.ttft_ms[admitted], "tpot": piece.tpot_ms[admitted], "e2e": piece.e2e_ms[admitted]}
    return WindowError(
        start=datetime.fromtimestamp(start_s, UTC),
        requests=int(has.sum()),
        measured_ms={k: _pct(observed, k) for k in METRICS},
        predicted_ms={k: _pct(simulated, k) for k in METRICS},
    )


def _pct(values: dict, key: str) -> float:
    slo = Slo.of(key)
    v = values[slo.metric]
    v = v[~np.isnan(v)]
    return float(np.percentile(v, slo.percentile)) if v.size else math.nan


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan
