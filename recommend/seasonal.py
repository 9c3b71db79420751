"""A seasonal replica floor for the scaler (`recommend --scale-seasonal Q`): what history says each
15-minute slot of the week needs, so the replicas are up before the traffic rises.

The reactive scaler (recommend/autoscale.py) sizes an interval from the hour before it, so a morning ramp or a
burst is served by the replicas of the quieter hour before. The floor is proactive: for each slot of the week
(`slot_s` = the scaler's interval, epoch-aligned; slot 0 = Monday 00:00 UTC)
    need(slot) = growth x the `quantile` over the planning days' same slots of the slot's busiest
                 `peak_s` mean interactive rate (what autoscale.measure compares the signal against)
where "same" is the same slot of the week when the history holds >= 2 of each (two full weeks), else the
same slot of the day on days of the same type (weekday Mon-Fri / weekend Sat-Sun); slots with no such day
in the history have no floor (0). growth: the plan's planned growth (>= 1, recommend/forecast.py trend).
An hour-of-week window then runs max(the reactive count, ceil(need(slot) / per_replica)), at most its
ceiling (WindowScaling.replicas; dated start/end windows have no floor); `export --to k8s` writes the floors
as KEDA cron triggers that start delay_s before their slot (recommend/export/k8s_autoscale.py), and the
backtest and the scaler's calibration replay the same (recommend/backtest/scaling.py).
Off by default: on held-out ServeGen chat-large days it bought no pieces (bench/RESULTS.md "backtest": that
log's hours do not repeat from day to day, and its missed pieces ran well above their rate's need).
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.autoscale import AutoscalePolicy, MinuteRates
from recommend.errors import RecommendError

WEEK_S = 7 * 86400.0
DAY_S = 86400.0
MONDAY_S = 4 * DAY_S  # the Unix epoch (1970-01-01) was a Thursday: Monday 1970-01-05 00:00 UTC
WEEKEND_DAYS = (5, 6)  # Saturday, Sunday (0 = Monday)
BASES = ("day type", "hour of week")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def slot_of_week(t_s: float, slot_s: float) -> int:
    """0 = Monday 00:00 UTC .. WEEK_S / slot_s - 1."""
    return int(((t_s - MONDAY_S) % WEEK_S) // slot_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeasonalFloor:
    quantile: float
    basis: str  # one of BASES
    days: int  # planning days the slots were measured on
    need: tuple[float, ...]  # per slot of the week, in the scaler's signal unit (x growth); 0 = no history
    slot_s: float = 900.0
    growth: float = 1.0

    def __post_init__(self):
        if self.basis not in BASES or len(self.need) * self.slot_s != WEEK_S or not 0 < self.quantile <= 1:
            raise RecommendError(
                f"seasonal floor: need a basis in {BASES}, 0 < quantile <= 1 and one value per {self.slot_s:g} s "
                f"slot of the week, got {self.basis!r}, {self.quantile:g}, {len(self.need)} values"
            )

    def at(self, t_s: float) -> float:
        """The need of the slot holding t_s (0: none)."""
        return self.need[slot_of_week(t_s, self.slot_s)]

    def to_dict(self) -> dict:
        return {
            "quantile": self.quantile,
            "basis": self.basis,
            "days": self.days,
            "growth": round(self.growth, 4),
            "slot_s": self.slot_s,
            "need": [round(x, 4) for x in self.need],
            "method": "growth x the quantile over the planning days' same slots (of the week, or of the day by day "
            "type) of the slot's busiest peak_s mean interactive rate; slot 0 = Monday 00:00 UTC",
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "SeasonalFloor | None":
        if not data:
            return None
        return cls(
            quantile=float(data["quantile"]),
            basis=str(data["basis"]),
            days=int(data["days"]),
            growth=float(data.get("growth") or 1.0),
            slot_s=float(data.get("slot_s") or 900.0),
            need=tuple(float(x) for x in data["need"]),
        )


def seasonal_floor(
    rates: MinuteRates, policy: AutoscalePolicy, quantile: float, growth: float = 1.0
) -> SeasonalFloor | None:
    """The floor from every whole slot of `rates` (None when it holds none)."""
    slot_s, end_s = policy.interval_s, rates.start_s + rates.rps.size * 60.0
    starts = np.arange(math.ceil(rates.start_s / slot_s) * slot_s, end_s - slot_s + 1e-6, slot_s)
    if not starts.size:
        return None
    need = [rates.busiest(t, t + slot_s, policy.peak_s) for t in starts]
    per_week = int(WEEK_S // slot_s)
    slots = [slot_of_week(t, slot_s) for t in starts]
    basis = "hour of week" if starts.size >= 2 * per_week else "day type"
    key = (lambda s: s) if basis == "hour of week" else (lambda s: _day_type_key(s, per_week))
    seen: dict = {}
    for s, x in zip(slots, need):
        seen.setdefault(key(s), []).append(x)
    values = tuple(
        float(np.quantile(seen[key(s)], quantile)) * growth if key(s) in seen else 0.0 for s in range(per_week)
    )
    days = len({math.floor((t - MONDAY_S) / DAY_S) for t in starts})
    return SeasonalFloor(quantile=quantile, basis=basis, days=days, need=values, slot_s=slot_s, growth=growth)


def _day_type_key(slot: int, per_week: int) -> tuple[bool, int]:
    per_day = per_week // 7
    return slot // per_day in WEEKEND_DAYS, slot % per_day


def window_slots(floor: SeasonalFloor, hours) -> list[int]:
    """The slots of the week whose hour-of-week cell (0 = Monday 00:00-01:00 UTC) is in `hours`."""
    cells = set(hours or ())
    return [s for s in range(len(floor.need)) if int(s * floor.slot_s // 3600) in cells]


def floor_reason(floor: SeasonalFloor, window: dict) -> str:
    """The plan window's reason line: what its floor is based on and where it is highest."""
    slots = [s for s in window_slots(floor, (window.get("window") or {}).get("hours")) if floor.need[s] > 0]
    basis = (
        "slot of the week"
        if floor.basis == "hour of week"
        else "slot of the day on days of the same type (weekday / weekend)"
    )
    what = (
        f"seasonal floor (--scale-seasonal {floor.quantile:g}): each 15-min slot runs at least the replicas for the "
        f"{floor.quantile:g} quantile, over {floor.days} planning days' same {basis}, of the slot's busiest 5-min "
        "interactive rate" + (f" x planned growth {floor.growth:.2f}" if floor.growth > 1 else "")
    )
    if not slots:
        return what + "; no planning day of this window's slots, so no floor here"
    top = max(slots, key=lambda s: floor.need[s])
    day, minute = divmod(int(top * floor.slot_s // 60), 1440)
    scaler = window.get("autoscale") or {}
    per = float(scaler.get("load_per_replica") or scaler.get("rps_per_replica") or 0.0)
    at = f" = {math.ceil(floor.need[top] / per - 1e-9)} replicas at the planned {per:g} per replica" if per > 0 else ""
    return (
        f"{what}; here {min(floor.need[s] for s in slots):,.1f} .. {floor.need[top]:,.1f} (highest "
        f"{DAY_NAMES[day]} {minute // 60:02d}:{minute % 60:02d} UTC{at}); the floor never exceeds the ceiling"
    )
