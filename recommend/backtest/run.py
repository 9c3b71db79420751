"""Backtest: would a plan have held on the traffic actually logged in [since, until)?

Each calendar hour of the range (cut also at start/end window edges) is served by the plan window
covering it, with that window's engine config and replica count; the hour's logged requests are
replayed at their real rate (1 / ingest sample rate, or the override) through the simulator. Only
one replica's share of each hour is simulated (recommend/simulate/arrivals.py, the same traffic model
the recommender plans with), and
at most `ReplayOptions.max_requests` per hour of it (slices; recommend/backtest/replay.py), so a week of a
200 req/s service costs a few hundred thousand simulated requests, not 100M.

GPU-hours: a window's GPUs (tp x replicas) times the hours it served, whether or not traffic came.
With the plan's replica scaler (recommend/autoscale.py, recommend/backtest/scaling.py) pieces are also
cut at the scaler's intervals and each runs the replicas the scaler would have chosen then.
The static-peak plan serves every replayed hour with the peak window's config and replicas (the
window with the most GPUs); savings_pct = 100 x (1 - gpu_hours / static_peak_gpu_hours).
Per-window numbers pool every hour the window served (definitions: recommend/backtest/stats.py);
"meets the SLO" = each percentile SLO holds on the window's pooled replayed requests.
Traffic classes (the plan's "bulk" rule; recommend/traffic_class.py): SLO attainment, percentiles,
goodput and "meets the SLO" are the interactive class's; bulk requests are admitted at the plan's
rate, simulated with them (they load the same engines), and judged by the deadline
(recommend/backtest/bulk.py: BulkStats per window and overall).
"""

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from recommend.backtest.bulk import BulkStats, admit, bulk_stats, completion_s, static_peak_admission
from recommend.backtest.disagg import SplitParts, replay_split_piece
from recommend.backtest.plan import BacktestPlan, Segment, segments
from recommend.backtest.replay import PieceReplay, ReplayOptions, Traffic, replay_piece
from recommend.backtest.scaling import scaled
from recommend.backtest.stats import ReplayStats, replay_stats, savings_pct
from recommend.engine_config import EngineConfig
from recommend.errors import RecommendError
from recommend.roofline import StepModel, with_profile
from recommend.simulate import EngineSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowResult:
    index: int
    label: str
    config: EngineConfig
    hours: float  # hours of [since, until) this window served
    gpu_hours: float
    stats: ReplayStats  # interactive class
    bulk: BulkStats


@dataclass(frozen=True, slots=True, kw_only=True)
class HourResult:
    start: datetime
    hours: float  # < 1 at the range's or a start/end window's edges
    window: int
    stats: ReplayStats
    replicas: int  # replicas serving this piece (the scaler's choice, or the window config's)


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestResult:
    plan: BacktestPlan
    since: datetime
    until: datetime
    windows: tuple[WindowResult, ...]
    hours: tuple[HourResult, ...]
    overall: ReplayStats  # interactive class
    bulk: BulkStats
    static_peak_gpu_hours: float
    static_peak: ReplayStats | None  # when the static-peak plan was replayed too
    uncovered_hours: float  # hours of the range no plan window covers (not replayed, no GPU-hours)

    @property
    def gpu_hours(self) -> float:
        return sum(w.gpu_hours for w in self.windows)

    @property
    def savings_pct(self) -> float:
        saved = savings_pct(self.gpu_hours, self.static_peak_gpu_hours)
        return math.nan if saved is None else saved

    @property
    def windows_meeting_slo_share(self) -> float:
        return _share([w.stats.meets_slo for w in self.windows])

    @property
    def hours_meeting_slo_share(self) -> float:
        return _share([h.stats.meets_slo for h in self.hours])


def backtest(
    plan: BacktestPlan,
    traffic: Traffic,
    *,
    since: datetime,
    until: datetime,
    options: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    replay_static: bool = False,
) -> BacktestResult:
    """Replay `traffic` (the logged requests of [since, until), and up to warmup_s before) under `plan`.

    `profile`: a measured profile or calibration document (profiles/profile.py) whose efficiencies the
    step model uses, as `--profile` does for predict. `replay_static` also replays the static-peak plan.
    """
    pieces_of, uncovered_s = segments(plan, since, until)
    if not pieces_of:
        raise RecommendError(
            f"no plan window covers {since:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} UTC; "
            "backtest a range the plan's start/end windows cover"
        )
    parts = StepParts(plan, profile)
    engine_traffic, adm = admit(traffic, plan, pieces_of, options)
    fixed = pieces_of
    pieces_of = scaled(plan, pieces_of, traffic, adm, options)
    replays = [
        replay_segment(
            engine_traffic, s, plan.windows[s.window].config, parts, options, i, plan.windows[s.window].split
        )
        for i, s in enumerate(pieces_of)
    ]
    done_s = completion_s(adm, replays)
    deadline_s = plan.bulk.deadline_s if plan.bulk else math.inf
    windows = tuple(
        _window(plan, w.index, pieces_of, replays, adm, done_s, deadline_s)
        for w in plan.windows
        if any(s.window == w.index for s in pieces_of)
    )
    hours = tuple(
        HourResult(
            start=datetime.fromtimestamp(s.start_s, UTC),
            hours=(s.end_s - s.start_s) / 3600,
            window=s.window,
            stats=replay_stats([r], plan.slo),
            replicas=s.replicas_of(plan.windows[s.window].config),
        )
        for s, r in zip(pieces_of, replays)
    )
    peak = plan.peak.config
    static = None
    if replay_static:
        static_traffic, _ = admit(traffic, static_peak_admission(plan), pieces_of, options)
        static = replay_stats(
            [replay_segment(static_traffic, s, peak, parts, options, i) for i, s in enumerate(fixed)], plan.slo
        )
    overall = replay_stats(replays, plan.slo)
    served_h = sum(w.hours for w in windows)
    admit_tok_s = sum(w.bulk.admit_tok_s * w.hours for w in windows) / served_h if served_h else 0.0
    return BacktestResult(
        plan=plan,
        since=since,
        until=until,
        windows=windows,
        hours=hours,
        overall=overall,
        bulk=bulk_stats(adm, done_s, adm.piece >= 0, overall.requests_real, deadline_s, admit_tok_s),
        static_peak_gpu_hours=peak.gpus * sum(s.end_s - s.start_s for s in pieces_of) / 3600,
        static_peak=static,
        uncovered_hours=uncovered_s / 3600,
    )


class StepParts:
    """(EngineSpec, step_s) per engine config, built once."""

    def __init__(self, plan: BacktestPlan, profile: dict | None):
        self.plan, self.profile, self.cache = plan, profile, {}
        self.splits = SplitParts(plan.model, plan.engine, profile)

    def __call__(self, config: EngineConfig) -> tuple[EngineSpec, object]:
        if config not in self.cache:
            dep = config.deployment(self.plan.model, self.plan.engine)
            dep = with_profile(dep, self.profile) if self.profile else dep
            self.cache[config] = (config.engine_spec(dep), StepModel(dep).step_s)
        return self.cache[config]


def replay_segment(
    traffic, seg: Segment, config: EngineConfig, parts: StepParts, options, i: int, split=None
) -> PieceReplay:
    spec, step_s = parts(config)
    if options.max_requests:  # a budget per hour: a scaler's 15-min piece gets a quarter
        options = replace(options, max_requests=max(round(options.max_requests * (seg.end_s - seg.start_s) / 3600), 1))
    if split is not None:
        return replay_split_piece(
            traffic,
            seg.start_s,
            seg.end_s,
            split=split,
            parts=parts.splits,
            options=options,
            pools=split.scaled(seg.replicas, config.replicas),
            seed=options.seed + i,
        )
    return replay_piece(
        traffic,
        seg.start_s,
        seg.end_s,
        replicas=seg.replicas_of(config),
        engine=spec,
        step_s=step_s,
        options=options,
        seed=options.seed + i,
    )


def _window(
    plan: BacktestPlan, index: int, pieces_of: list[Segment], replays: list[PieceReplay], adm, done_s, deadline_s: float
) -> WindowResult:
    mine = [(s, r) for s, r in zip(pieces_of, replays) if s.window == index]
    hours = sum(s.end_s - s.start_s for s, _ in mine) / 3600
    w = plan.windows[index]
    gpu_hours = sum((s.end_s - s.start_s) * piece_gpus(w, s.replicas) for s, _ in mine) / 3600
    stats = replay_stats([r for _, r in mine], plan.slo)
    pieces = np.array([i for i, s in enumerate(pieces_of) if s.window == index])
    bulk = bulk_stats(adm, done_s, np.isin(adm.piece, pieces), stats.requests_real, deadline_s, w.bulk_admit_tok_s)
    return WindowResult(
        index=index, label=w.label, config=w.config, hours=hours, gpu_hours=gpu_hours, stats=stats, bulk=bulk
    )


def piece_gpus(w, replicas: int) -> int:
    """GPUs serving a piece at `replicas` (0: the window config's): tp x replicas, or both pools of a
    disaggregated window (recommend/backtest/disagg.py)."""
    if w.split is None:
        return w.config.tp * (replicas or w.config.replicas)
    p, d = w.split.scaled(replicas, w.config.replicas)
    return w.split.prefill.tp * p + w.split.decode.tp * d


def _share(flags: list[bool | None]) -> float:
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else math.nan
