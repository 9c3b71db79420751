"""Hour-of-week cells → contiguous ranges → cron start/end pairs (5-field Linux cron, UTC).

Cell c covers weekday c // 24 (0 = Monday) hour c % 24. Cron day-of-week counts 0 = Sunday, so
Monday = 1: dow = (c // 24 + 1) % 7. Ranges wrap across the week (Sunday 23:00 → Monday 00:00).
"""

from dataclasses import dataclass
from datetime import datetime

WEEK_HOURS = 168


@dataclass(frozen=True, slots=True, kw_only=True)
class CronSpan:
    start: str  # cron expression that opens the span
    end: str  # cron expression that closes it
    hours: int  # length of each occurrence
    occurrences: int  # contiguous ranges this span covers per week (e.g. 5 for Mon–Fri)


def ranges(cells: tuple[int, ...]) -> list[tuple[int, int]]:
    """Contiguous runs as (first cell, length in hours), merged across the Sunday→Monday wrap."""
    cells = sorted(set(cells))
    if len(cells) == WEEK_HOURS:
        return [(0, WEEK_HOURS)]
    runs: list[list[int]] = []
    for c in cells:
        if runs and c == runs[-1][0] + runs[-1][1]:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][0] + runs[-1][1] == WEEK_HOURS:
        first = runs.pop(0)
        runs[-1][1] += first[1]
    return [(s, n) for s, n in runs]


def cron_spans(cells: tuple[int, ...]) -> list[CronSpan]:
    """Fewest cron pairs: runs with the same start hour and length share one pair, days listed."""
    runs = ranges(cells)
    if runs == [(0, WEEK_HOURS)]:  # always on: one daily pair, start and end must differ (KEDA)
        return [CronSpan(start="0 0 * * *", end="59 23 * * *", hours=24, occurrences=7)]
    groups: dict[tuple[int, int], list[int]] = {}
    for start, length in runs:
        groups.setdefault((start % 24, length), []).append(start // 24)
    spans = []
    for (hour, length), days in sorted(groups.items(), key=lambda kv: (min(kv[1]), kv[0])):
        end_cells = [(d * 24 + hour + length) % WEEK_HOURS for d in days]
        spans.append(
            CronSpan(
                start=f"0 {hour} * * {dow_list([(d + 1) % 7 for d in days])}",
                end=f"0 {end_cells[0] % 24} * * {dow_list([(c // 24 + 1) % 7 for c in end_cells])}",
                hours=length,
                occurrences=len(days),
            )
        )
    return spans


def dated_span(start: datetime, end: datetime) -> CronSpan:
    """A one-off window as dated cron (it fires again on the same date next year: delete it after)."""
    return CronSpan(
        start=f"{start.minute} {start.hour} {start.day} {start.month} *",
        end=f"{end.minute} {end.hour} {end.day} {end.month} *",
        hours=round((end - start).total_seconds() / 3600),
        occurrences=1,
    )


def dow_list(days: list[int]) -> str:
    """[1, 2, 3, 4, 5] → "1-5"; [0, 6] → "0,6" (cron day-of-week, 0 = Sunday)."""
    days = sorted(set(days))
    parts, i = [], 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1:
            j += 1
        parts.append(f"{days[i]}-{days[j]}" if j - i >= 2 else ",".join(map(str, days[i : j + 1])))
        i = j + 1
    return ",".join(parts)
