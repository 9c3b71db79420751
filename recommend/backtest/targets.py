"""The replica scaler's utilisation target, calibrated on history (`recommend --scale-calibrate SHARE`).

The scaler (recommend/autoscale.py) sizes each interval at the per-replica rate where the simulator
just met the p95 SLO on the planned span, so an interval whose bursts or long-prompt tail are heavier
than that span's misses. A flat `--scale-target` spends margin in every window; this measures it per
window instead: replay the planning range's scaler pieces (the backtest's 15-minute intervals, with the
scaler's replicas) at targets 1.0, 0.95, ..., 0.5 of the planned per-replica rate, and keep the largest
target at which at least `share` of the window's pieces meet the SLO (min(share, the best share any
target reached) when none does: pieces that miss at the window's ceiling cannot be helped by a lower
target). Only days before the plan's range end are replayed, so a walk-forward day never sees itself.

Cost: a piece that met the SLO at a target meets it at every lower one (more replicas, a smaller share
of the same traffic each), and a piece whose replica count does not change is not replayed again; so
after the first pass only the missing pieces are replayed, about 1.1-1.5x one backtest of the range.
Replica counts come from the same scaled() as the backtest, with the bulk admission of the range.
`workers` > 1 replays each target's pieces in forked processes: ~1.8x faster on 2 idle cores, the same fit
(bench/RESULTS.md "backtest").
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from recommend.backtest.bulk import admit
from recommend.backtest.plan import BacktestPlan, Segment, segments
from recommend.backtest.replay import ReplayOptions, Traffic
from recommend.backtest.run import StepParts, replay_segment
from recommend.backtest.scaling import scaled
from recommend.backtest.stats import replay_stats
from recommend.parallel import fork_map

TARGETS = tuple(round(1.0 - 0.05 * i, 2) for i in range(11))  # 1.0, 0.95, ..., 0.5 of the planned rate


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetFit:
    window: int  # PlanWindow.index
    target: float  # chosen share of the planned per-replica rate
    share: float  # share of the window's replayed pieces meeting the SLO at `target`
    wanted: float  # the share asked for, less where no target reached it (the best share reached)
    pieces: int  # pieces judged (with interactive requests)
    shares: tuple[tuple[float, float], ...]  # (target, share) for each target tried

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "share": round(self.share, 4),
            "wanted": round(self.wanted, 4),
            "pieces": self.pieces,
            "shares": [[t, round(s, 4)] for t, s in self.shares],
        }


def with_target(plan: BacktestPlan, target: dict[int, float]) -> BacktestPlan:
    """`plan` with each scaled window's per-replica rate (and load) x target[window index] (1 when absent)."""
    windows = tuple(
        w
        if w.scaling is None or target.get(w.index, 1.0) == 1.0
        else dataclasses.replace(
            w,
            scaling=dataclasses.replace(
                w.scaling,
                rps_per_replica=w.scaling.rps_per_replica * target[w.index],
                load_per_replica=w.scaling.load_per_replica * target[w.index],
            ),
        )
        for w in plan.windows
    )
    return dataclasses.replace(plan, windows=windows)


def fit_targets(
    plan: BacktestPlan,
    traffic: Traffic,
    *,
    since: datetime,
    until: datetime,
    share: float,
    options: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    targets: tuple[float, ...] = TARGETS,
    workers: int = 1,
) -> list[TargetFit]:
    """Per scaled window with pieces in [since, until): the largest of `targets` (descending) at which
    >= `share` of its pieces meet the SLO; `traffic` as for backtest() (the scaler's lead before since);
    `workers` > 1 replays each target's pieces in that many forked processes (each piece's seed is its index,
    so the fit is the same)."""
    if not plan.scaled:
        return []
    pieces, _ = segments(plan, since, until)
    engine_traffic, adm = admit(traffic, plan, pieces, options)
    parts = StepParts(plan, profile)
    met: dict[int, bool] = {}  # piece -> meets the SLO at the last replica count replayed
    replayed: dict[int, int] = {}  # piece -> that replica count
    windows = sorted({s.window for s in pieces if plan.windows[s.window].scaling is not None})
    curve: dict[int, list[tuple[float, float]]] = {w: [] for w in windows}
    open_ = set(windows)  # windows still below `share`
    work = PieceVerdicts(plan, engine_traffic, parts, options)
    for t in targets:
        if not open_:
            break
        todo = [
            (i, s)
            for i, s in enumerate(scaled(with_target(plan, dict.fromkeys(open_, t)), pieces, traffic, adm, options))
            if s.window in open_ and not met.get(i) and replayed.get(i, -1) != s.replicas
        ]
        for (i, s), verdict in zip(todo, fork_map(PieceVerdicts.verdict, todo, workers, work)):
            replayed[i] = s.replicas
            if verdict is not None:  # None: no interactive request counted in the piece
                met[i] = verdict
        for w in list(open_):
            judged = [met[i] for i, s in enumerate(pieces) if s.window == w and i in met]
            curve[w].append((t, sum(judged) / len(judged) if judged else 1.0))
            if curve[w][-1][1] >= share:
                open_.discard(w)
    return [
        _fit(w, curve[w], share, sum(1 for i, s in enumerate(pieces) if s.window == w and i in met)) for w in windows
    ]


@dataclass(frozen=True, slots=True)
class PieceVerdicts:
    """What a piece's replay needs (shared with forked workers, recommend.parallel)."""

    plan: BacktestPlan
    traffic: Traffic
    parts: StepParts
    options: ReplayOptions

    def verdict(self, item: tuple[int, Segment]) -> bool | None:
        i, s = item
        w = self.plan.windows[s.window]
        r = replay_segment(self.traffic, s, w.config, self.parts, self.options, i, w.split)
        return replay_stats([r], self.plan.slo).meets_slo


def _fit(window: int, curve: list[tuple[float, float]], share: float, pieces: int) -> TargetFit:
    wanted = min(share, max(s for _, s in curve))
    target, got = next((t, s) for t, s in curve if s >= wanted)
    return TargetFit(window=window, target=target, share=got, wanted=wanted, pieces=pieces, shares=tuple(curve))
