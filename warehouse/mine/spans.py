"""Contiguous runs of a regime over the hour-of-week, and their human labels ("weekdays 09–18")."""

from dataclasses import dataclass

import numpy as np

CELLS = 168
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    regime: int
    start: int  # hour-of-week cell
    hours: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    regime: int
    days: tuple[str, ...]  # start days of the runs
    start_hour: int
    hours: int
    label: str


def runs(week: np.ndarray) -> list[Run]:
    """Maximal runs of equal regime ids (−1 = unobserved, never a run), circular when the whole
    week is observed."""
    found, start = [], None
    for cell in range(CELLS + 1):
        same = cell < CELLS and start is not None and week[cell] == week[start]
        if start is not None and not same:
            found.append(Run(regime=int(week[start]), start=start, hours=cell - start))
            start = None
        if cell < CELLS and start is None and week[cell] >= 0:
            start = cell
    wraps = len(found) > 1 and (week >= 0).all() and found[0].regime == found[-1].regime
    if wraps and found[0].start == 0 and found[-1].start + found[-1].hours == CELLS:
        last = found.pop()
        found[0] = Run(regime=last.regime, start=last.start, hours=last.hours + found[0].hours)
    return sorted(found, key=lambda r: r.start)


def spans(week: np.ndarray) -> list[Span]:
    """Runs grouped by (regime, start hour, length): one labelled span per group."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for run in runs(week):
        groups.setdefault((run.regime, run.start % 24, run.hours), []).append(run.start // 24)
    if len(groups) == 1 and sum(len(v) for v in groups.values()) == 1 and (week >= 0).all():
        ((regime, _, _),) = groups
        return [Span(regime=regime, days=DAYS, start_hour=0, hours=CELLS, label="all week")]
    out = [
        Span(
            regime=regime,
            days=tuple(DAYS[d] for d in sorted(days)),
            start_hour=hour,
            hours=hours,
            label=span_label(sorted(days), hour, hours),
        )
        for (regime, hour, hours), days in groups.items()
    ]
    return sorted(out, key=lambda s: (s.regime, DAYS.index(s.days[0]), s.start_hour))


def span_label(days: list[int], start_hour: int, hours: int) -> str:
    end = start_hour + hours
    if hours < 24:
        return f"{day_set(days)} {start_hour:02d}–{end if end <= 24 else end - 24:02d}"
    if start_hour == 0 and hours % 24 == 0:
        return "; ".join(day_set(list(range(d, d + hours // 24))) for d in days)
    return "; ".join(f"{DAYS[d]} {start_hour:02d}–{DAYS[(d + end // 24) % 7]} {end % 24:02d}" for d in days)


def day_set(days: list[int]) -> str:
    """[0..4] -> 'weekdays', [5, 6] -> 'weekends', all -> 'daily', [0, 1, 2] -> 'Mon–Wed'."""
    days = sorted({d % 7 for d in days})
    named = {(0, 1, 2, 3, 4): "weekdays", (5, 6): "weekends", tuple(range(7)): "daily"}
    if tuple(days) in named:
        return named[tuple(days)]
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAYS[days[0]]}–{DAYS[days[-1]]}"
    return ", ".join(DAYS[d] for d in days)


def regime_labels(week: np.ndarray) -> dict[int, str]:
    """Regime id -> its spans' labels joined by '; ' (in week order)."""
    labels: dict[int, list[str]] = {}
    for span in sorted(spans(week), key=lambda s: (DAYS.index(s.days[0]), s.start_hour)):
        labels.setdefault(span.regime, []).append(span.label)
    return {regime: "; ".join(parts) for regime, parts in labels.items()}
