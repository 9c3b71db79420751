"""A plan as the backtest reads it: per-window engine configs, and which window serves each instant.

Plan shape: issue 6 "Output" (recommend/plan.py validates it). The performance model needs a
catalog model; the plan's "model" may be a name as logged (ServeGen's "chat-large"), so the model is
the caller's `as_model`, else the plan's "model_spec" (a catalog name, or {"name": ...}), else the
plan's "model" when the catalog knows it. The engine is the plan's "engine" (default vllm).

Hour-of-week windows (cells 0..167, 0 = Monday 00:00 UTC) apply to every week; start/end windows to
their own [start, end). Where both kinds match an instant, the start/end window wins.
Traffic classes: the plan's "bulk" rule (recommend/traffic_class.py; absent in older plans = every
request interactive) and each window's bulk admission rate (traffic.bulk.admit_tok_s, 0 when the
window planned no bulk).
Replica scaling: the plan's "autoscale" policy and each window's replica range (recommend/autoscale.py;
absent in older plans = fixed replicas) and its seasonal floor (recommend/seasonal.py, plan "autoscale" ->
"floor"); `fixed_replicas()` drops them.
"""

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from profiles import CatalogError, get_model
from recommend.autoscale import AutoscalePolicy, WindowScaling, interval_starts
from recommend.backtest.disagg import PlanSplit
from recommend.engine_config import EngineConfig
from recommend.errors import RecommendError
from recommend.plan import parse_plan
from recommend.seasonal import SeasonalFloor
from recommend.traffic_class import BulkRule

HOUR_S = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanWindow:
    index: int
    label: str
    hours: frozenset[int] | None  # hour-of-week cells, or None for a start/end window
    start_s: float | None  # epoch seconds (UTC), start/end windows only
    end_s: float | None
    config: EngineConfig
    bulk_admit_tok_s: float = 0.0  # real prompt + output tokens/s of bulk this window admits (at least)
    planned_tok_s: float = 0.0  # interactive real prompt + output tokens/s its replicas were planned for (0: unknown)
    scaling: WindowScaling | None = None  # replica range for the scaler; None = config.replicas always
    split: PlanSplit | None = None  # disaggregated pools (recommend/backtest/disagg.py); None = aggregated


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestPlan:
    model: str  # catalog model the performance model uses
    engine: str
    slo: dict[str, float]  # e.g. {"ttft_p95_ms": 1000.0}
    windows: tuple[PlanWindow, ...]
    bulk: BulkRule | None = None  # None: every request is interactive
    autoscale: AutoscalePolicy | None = None  # None: each window runs config.replicas
    floor: SeasonalFloor | None = None  # the scaler's seasonal floor (recommend/seasonal.py); None: none

    @property
    def scaled(self) -> bool:
        return self.autoscale is not None and self.autoscale.measured

    def fixed_replicas(self) -> "BacktestPlan":
        return dataclasses.replace(self, autoscale=None, floor=None)

    @property
    def peak(self) -> PlanWindow:
        """The window with the most GPUs (tp x replicas); the first of equals."""
        return max(self.windows, key=lambda w: (w.config.gpus, -w.index))


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """[start_s, end_s) inside one calendar hour, served by one plan window."""

    start_s: float
    end_s: float
    window: int  # PlanWindow.index
    replicas: int = 0  # the scaler's count for this piece; 0 = the window config's

    def replicas_of(self, config: EngineConfig) -> int:
        return self.replicas or config.replicas


def read_plan(
    data: dict, *, as_model: str | None = None, slo: dict | None = None, source: str = "plan"
) -> BacktestPlan:
    parsed = parse_plan(data, source=source)
    windows = tuple(
        PlanWindow(
            index=w.index,
            label=w.label,
            hours=frozenset(w.hours) if w.hours else None,
            start_s=w.start.timestamp() if w.start else None,
            end_s=w.end.timestamp() if w.end else None,
            config=EngineConfig.from_dict(
                data["windows"][w.index]["config"] | {"gpu": w.config.gpu}, where=f"{source}: windows[{w.index}].config"
            ),
            bulk_admit_tok_s=_admit_tok_s(data["windows"][w.index]),
            planned_tok_s=float((data["windows"][w.index].get("traffic") or {}).get("tok_s_planned") or 0.0),
            scaling=WindowScaling.from_dict(data["windows"][w.index].get("autoscale"), w.config.replicas),
            split=PlanSplit.of_window(data["windows"][w.index], where=f"{source}: windows[{w.index}]"),
        )
        for w in parsed.windows
    )
    slo = {k: float(v) for k, v in (slo if slo is not None else parsed.slo).items()}
    return BacktestPlan(
        model=catalog_model(data, as_model, source),
        engine=str(data.get("engine") or "vllm"),
        slo=slo,
        windows=windows,
        bulk=BulkRule.from_dict(data.get("bulk")),
        autoscale=AutoscalePolicy.from_dict(data.get("autoscale")),
        floor=parsed.floor,
    )


def _admit_tok_s(window: dict) -> float:
    bulk = (window.get("traffic") or {}).get("bulk") or {}
    return float(bulk.get("admit_tok_s") or 0.0)


def catalog_model(data: dict, as_model: str | None, source: str = "plan") -> str:
    spec = data.get("model_spec")
    candidates = [as_model, spec.get("name") if isinstance(spec, dict) else spec, data.get("model")]
    for name in (c for c in candidates if c):
        try:
            return get_model(str(name)).name
        except CatalogError:
            if name is as_model:
                raise
    raise RecommendError(
        f"{source}: the plan's model {data.get('model')!r} is not in the catalog and the "
        'plan has no "model_spec"; pass --as CATALOG_MODEL (e.g. --as llama-3.1-70b)'
    )


def hour_of_week(epoch_s: float) -> int:
    """0 = Monday 00:00-01:00 UTC ... 167 = Sunday 23:00-24:00 UTC."""
    ts = datetime.fromtimestamp(epoch_s, UTC)
    return ts.weekday() * 24 + ts.hour


def segments(plan: BacktestPlan, since: datetime, until: datetime) -> tuple[list[Segment], float]:
    """Calendar-hour pieces of [since, until) (the scaler's intervals when the plan scales) and the window
    serving each; plus uncovered seconds."""
    lo, hi = since.timestamp(), until.timestamp()
    if hi <= lo:
        raise RecommendError(f"--until ({until:%Y-%m-%d %H:%M}) must be after --since ({since:%Y-%m-%d %H:%M})")
    cuts = {lo, hi} | {b for w in plan.windows for b in (w.start_s, w.end_s) if b is not None and lo < b < hi}
    hour = datetime.fromtimestamp(lo, UTC).replace(minute=0, second=0, microsecond=0)
    while (hour := hour + timedelta(hours=1)).timestamp() < hi:
        cuts.add(hour.timestamp())
    if plan.scaled:
        cuts |= {t for t in interval_starts(lo, hi, plan.autoscale.interval_s) if lo < t < hi}
    edges = sorted(cuts)
    found, uncovered_s = [], 0.0
    for a, b in zip(edges, edges[1:]):
        window = _window_at(plan, a)
        if window is None:
            uncovered_s += b - a
        else:
            found.append(Segment(start_s=a, end_s=b, window=window))
    return found, uncovered_s


def _window_at(plan: BacktestPlan, t: float) -> int | None:
    for w in plan.windows:
        if w.start_s is not None and w.start_s <= t < w.end_s:
            return w.index
    cell = hour_of_week(t)
    for w in plan.windows:
        if w.hours is not None and cell in w.hours:
            return w.index
    return None
