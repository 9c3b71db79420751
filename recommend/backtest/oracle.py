"""The hindsight bound: what any replica scaler could reach with a plan's per-window configs.

For each scaler piece of [since, until) (the backtest's 15-minute intervals, recommend/backtest/plan.py
segments) the fewest replicas of the serving window's config at which the piece meets the SLO, found by
replaying the piece (the backtest's replay_segment, the same seed as the backtest gives it) at other
replica counts. Counts run from the window's floor (the scaler's min_replicas; 1 for a window without a
scaler) up to `top`: as many replicas of the window's config as the static-peak plan's GPUs hold (at
least the scaler's own ceiling, WindowScaling.most; `gpus_x` x those GPUs to look further). A piece that
misses even at `top` is unfixable by any replica count the static-peak plan could pay for; one whose fewest
replicas exceed the ceiling is out of the scaler's reach.

Meeting the SLO is taken as monotone in replicas (more replicas: a smaller share of the same traffic
each), as the calibration (recommend/backtest/targets.py) takes it: the search starts at the scaler's
count (its verdict is the backtest's), then gallops away from it (1, 2, 4, ... replicas) and bisects the
last step (clamped to the range), about 2 log2(distance) + 1 replays a piece.

frontier(): for a share s of the judged pieces (those with interactive requests), the fewest GPU-hours of
any per-piece choice with >= s of them meeting the SLO: every piece at its floor, then the pieces whose
fixing costs least are lifted to their fewest replicas until s is reached (None when s is out of reach).
Savings are against the static-peak plan, as the backtest's (recommend/backtest/run.py).

The bound is on one draw of each piece's replayed traffic (replica_arrivals is random per seed), so it is an
edge, not a plan: `recheck_seed` replays the scaler's count, the fewest, the fewest x (1 + MARGINS) and top
on a fresh draw (rechecked()). On ServeGen week 2 the fewest counts met 0.63 of pieces again, the scaler's
0.90 (bench/RESULTS.md "Backtest hindsight").
"""

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from recommend.backtest.bulk import admit
from recommend.backtest.plan import BacktestPlan, PlanWindow, Segment, segments
from recommend.backtest.replay import ReplayOptions, Traffic
from recommend.backtest.run import StepParts, piece_gpus
from recommend.backtest.scaling import scaled
from recommend.backtest.stats import savings_pct
from recommend.backtest.targets import PieceVerdicts

SHARES = (1.0, 0.99, 0.97, 0.95, 0.90)
MARGINS = (0.25, 0.5, 1.0)  # rechecked above the fewest replicas: least x (1 + margin), at most top
RECHECKS = ("scaler", "least", *(f"least x {1 + m:g}" for m in MARGINS), "top")


@dataclass(frozen=True, slots=True, kw_only=True)
class PieceBound:
    start_s: float
    hours: float
    window: int  # PlanWindow.index
    floor: int  # fewest replicas the window may run
    ceiling: int  # most the plan's scaler may run
    top: int  # replicas of the window's config on the static-peak plan's GPUs (>= ceiling)
    scaler: int  # the scaler's replicas (the backtest's)
    scaler_meets: bool | None  # the backtest's verdict; None: no interactive request counted
    least: int | None  # fewest replicas in [floor, top] meeting the SLO; None: none does (unfixable)
    gpus: tuple[int, ...]  # GPUs at floor, floor + 1, ..., top replicas
    replays: int  # replays the search took (the scaler's count included)
    recheck: tuple[tuple[str, int, bool | None], ...] = ()  # (RECHECKS label, replicas, verdict) replayed
    # with another seed (hindsight(recheck_seed=...)); judged pieces only, the least ones where least is known

    @property
    def judged(self) -> bool:
        return self.scaler_meets is not None

    def gpu_hours(self, replicas: int) -> float:
        return self.gpus[replicas - self.floor] * self.hours

    def least_within(self, ceiling: bool) -> int | None:
        """The fewest replicas meeting the SLO up to the scaler's ceiling (or up to `top`)."""
        return self.least if self.least is not None and (not ceiling or self.least <= self.ceiling) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class FrontierPoint:
    share: float  # wanted share of judged pieces meeting the SLO
    reachable: bool
    pieces_met: int
    gpu_hours: float | None  # None when the share is out of reach
    savings_pct: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hindsight:
    pieces: tuple[PieceBound, ...]
    static_peak_gpu_hours: float

    @property
    def scaler_gpu_hours(self) -> float:
        return sum(p.gpu_hours(p.scaler) for p in self.pieces)


def hindsight(
    plan: BacktestPlan,
    traffic: Traffic,
    *,
    since: datetime,
    until: datetime,
    options: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    gpus_x: float = 1.0,
    recheck_seed: int | None = None,
) -> Hindsight:
    """Per scaler piece of [since, until): the fewest replicas meeting the SLO; `traffic` as for backtest();
    `gpus_x`: the search goes up to as many replicas as gpus_x x the static-peak plan's GPUs hold;
    `recheck_seed`: also replay each piece at the scaler's count, at its fewest replicas, at those x (1 +
    each of MARGINS) and at top with this seed (a fresh draw of the same traffic: how much of the bound is the search
    picking lucky replays, and what margin a count chosen in hindsight needs to hold)."""
    pieces, _ = segments(plan, since, until)
    engine_traffic, adm = admit(traffic, plan, pieces, options)
    parts = StepParts(plan, profile)
    verdicts = PieceVerdicts(plan, engine_traffic, parts, options)
    peak_gpus = plan.peak.config.gpus
    pieces = scaled(plan, pieces, traffic, adm, options)
    out = [_bound(plan.windows[s.window], i, s, peak_gpus * gpus_x, verdicts) for i, s in enumerate(pieces)]
    if recheck_seed is not None:
        again = PieceVerdicts(plan, engine_traffic, parts, dataclasses.replace(options, seed=recheck_seed))
        out = [dataclasses.replace(p, recheck=_recheck(again, i, s, p)) for i, (s, p) in enumerate(zip(pieces, out))]
    hours = sum(p.hours for p in out)
    return Hindsight(pieces=tuple(out), static_peak_gpu_hours=peak_gpus * hours)


def _recheck(again: PieceVerdicts, i: int, s: Segment, p: PieceBound) -> tuple[tuple[str, int, bool | None], ...]:
    if not p.judged:
        return ()
    counts = [("scaler", p.scaler)]
    if p.least is not None:
        margins = (min(p.top, math.ceil(p.least * (1 + m) - 1e-9)) for m in MARGINS)
        counts += list(zip(RECHECKS[1:-1], (p.least, *margins)))
    counts.append(("top", p.top))
    return tuple((label, r, again.verdict((i, dataclasses.replace(s, replicas=r)))) for label, r in counts)


def _bound(w: PlanWindow, i: int, s: Segment, peak_gpus: float, verdicts: PieceVerdicts) -> PieceBound:
    floor = w.scaling.min_replicas if w.scaling else 1
    ceiling = w.scaling.most if w.scaling else w.config.replicas
    top = ceiling
    while piece_gpus(w, top + 1) <= peak_gpus:
        top += 1
    scaler = s.replicas_of(w.config)
    tried: dict[int, bool | None] = {}

    def meets(r: int) -> bool:
        if r not in tried:
            tried[r] = verdicts.verdict((i, Segment(start_s=s.start_s, end_s=s.end_s, window=s.window, replicas=r)))
        return tried[r] is not False  # None (nothing counted at this share) misses nothing

    meets(scaler)
    verdict = tried[scaler]  # the backtest's
    return PieceBound(
        start_s=s.start_s,
        hours=(s.end_s - s.start_s) / 3600,
        window=s.window,
        floor=floor,
        ceiling=ceiling,
        top=top,
        scaler=scaler,
        scaler_meets=verdict,
        least=floor if verdict is None else least_meeting(floor, top, meets, start=scaler),
        gpus=tuple(piece_gpus(w, r) for r in range(floor, top + 1)),
        replays=len(tried),
    )


def least_meeting(lo: int, hi: int, meets: Callable[[int], bool], *, start: int) -> int | None:
    """Fewest r in [lo, hi] with meets(r) (monotone: False ... False True ... True), None when meets(hi)
    is False; asks at `start` first, then 1, 2, 4, ... away from it, then bisects the last step."""
    if meets(start):
        good, bad, step = start, lo - 1, 1  # the answer is in [lo, start]: gallop down
        while good > lo:
            r = max(good - step, lo)
            if not meets(r):
                bad = r
                break
            good, step = r, step * 2
    else:
        good, bad, step = None, start, 1  # the answer is in (start, hi]: gallop up
        while bad < hi:
            r = min(bad + step, hi)
            if meets(r):
                good = r
                break
            bad, step = r, step * 2
        if good is None:
            return None
    while good - bad > 1:  # meets(good), not meets(bad) (or bad = lo - 1)
        mid = (good + bad) // 2
        good, bad = (mid, bad) if meets(mid) else (good, mid)
    return good


def frontier(result: Hindsight, shares: tuple[float, ...] = SHARES, *, ceiling: bool = False) -> list[FrontierPoint]:
    """The fewest GPU-hours with >= each share of the judged pieces meeting the SLO (`ceiling`: counts
    up to the scaler's ceiling only, else up to the static-peak plan's GPUs)."""
    base = sum(p.gpu_hours(p.floor) for p in result.pieces)
    judged = [p for p in result.pieces if p.judged]
    lifts = sorted(
        p.gpu_hours(p.least_within(ceiling)) - p.gpu_hours(p.floor)
        for p in judged
        if p.least_within(ceiling) is not None
    )
    points = []
    for share in shares:
        need = math.ceil(share * len(judged) - 1e-9)
        ok = need <= len(lifts)
        gpu_hours = base + sum(lifts[:need]) if ok else None
        points.append(
            FrontierPoint(
                share=share,
                reachable=ok,
                pieces_met=need if ok else len(lifts),
                gpu_hours=gpu_hours,
                savings_pct=savings_pct(gpu_hours, result.static_peak_gpu_hours),
            )
        )
    return points


def scaler_gap(result: Hindsight) -> dict:
    """The scaler's pieces against the fewest replicas: under-sized (missed, fixable within `top` by more
    replicas), unfixable (miss even at `top`), over-sized (met with more replicas than needed), exact;
    GPU-hours the under-sized needed more and the over-sized spent beyond the fewest."""
    judged = [p for p in result.pieces if p.judged]
    under = [p for p in judged if not p.scaler_meets and p.least is not None]
    over = [p for p in judged if p.scaler_meets and p.least < p.scaler]
    return {
        "judged": len(judged),
        "scaler_met": sum(bool(p.scaler_meets) for p in judged),
        "under_sized": len(under),
        "under_sized_beyond_ceiling": sum(p.least > p.ceiling for p in under),
        "under_sized_gpu_hours_short": sum(p.gpu_hours(p.least) - p.gpu_hours(p.scaler) for p in under),
        "unfixable": sum(p.least is None for p in judged),
        "over_sized": len(over),
        "over_sized_gpu_hours_spare": sum(p.gpu_hours(p.scaler) - p.gpu_hours(p.least) for p in over),
        "exact": sum(bool(p.scaler_meets) and p.least == p.scaler for p in judged),
    }


def to_dict(result: Hindsight, shares: tuple[float, ...] = SHARES) -> dict:
    """{"summary", "recheck" (rechecked()), "frontier": {"static_peak_gpus", "scaler_ceiling"}, "pieces"} for
    --json; each piece holds PieceBound's fields (gpus: at floor .. top replicas) and its GPU-hours at least
    and at the scaler's."""
    judged = [p for p in result.pieces if p.judged]
    return {
        "summary": {
            "pieces": len(result.pieces),
            "scaler_gpu_hours": result.scaler_gpu_hours,
            "scaler_savings_pct": savings_pct(result.scaler_gpu_hours, result.static_peak_gpu_hours),
            "scaler_pieces_meeting_slo_share": sum(bool(p.scaler_meets) for p in judged) / len(judged)
            if judged
            else None,
            "static_peak_gpu_hours": result.static_peak_gpu_hours,
            "replays": sum(p.replays for p in result.pieces),
            **scaler_gap(result),
            "beyond_ceiling": sum(p.least is not None and p.least > p.ceiling for p in judged),
        },
        "recheck": rechecked(result),
        "frontier": {
            "static_peak_gpus": [_point(f) for f in frontier(result, shares)],
            "scaler_ceiling": [_point(f) for f in frontier(result, shares, ceiling=True)],
        },
        "pieces": [
            {
                "start_s": p.start_s,
                "hours": p.hours,
                "window": p.window,
                "floor": p.floor,
                "ceiling": p.ceiling,
                "top": p.top,
                "scaler": p.scaler,
                "scaler_meets": p.scaler_meets,
                "least": p.least,
                "least_gpu_hours": None if p.least is None else p.gpu_hours(p.least),
                "scaler_gpu_hours": p.gpu_hours(p.scaler),
                "replays": p.replays,
                "gpus": list(p.gpus),
                "recheck": [list(c) for c in p.recheck],
            }
            for p in result.pieces
        ],
    }


def rechecked(result: Hindsight) -> dict:
    """Per RECHECKS label, with the recheck seed: the share of judged pieces meeting the SLO at that count
    (unfixable pieces miss, at their floor) and the GPU-hours and savings of running every piece at it
    (unjudged and unfixable pieces at their floor; the scaler's count for "scaler", top for "top"); labels no
    piece was rechecked at are left out."""
    judged = [p for p in result.pieces if p.judged]
    if not any(p.recheck for p in judged):
        return {}
    out = {}
    for label in (name for name in RECHECKS if any(name == c[0] for p in judged for c in p.recheck)):
        met, gpu_hours = 0, 0.0
        for p in result.pieces:
            found = next(((r, v) for name, r, v in p.recheck if name == label), None)
            fallback = {"scaler": p.scaler, "top": p.top}.get(label, p.floor)
            gpu_hours += p.gpu_hours(found[0] if found else fallback)
            met += bool(found) and found[1] is not False
        out[label] = {
            "meets_share": met / len(judged),
            "gpu_hours": gpu_hours,
            "savings_pct": savings_pct(gpu_hours, result.static_peak_gpu_hours),
        }
    return out


def _point(f: FrontierPoint) -> dict:
    return {
        "share": f.share,
        "reachable": f.reachable,
        "pieces_met": f.pieces_met,
        "gpu_hours": f.gpu_hours,
        "savings_pct": f.savings_pct,
    }
