"""Time windows of the week as hour-of-week cells (0 = Monday 00:00–01:00 UTC … 167 = Sunday 23–24).

Regimes come mined from the warehouse (label + cells); the two alternatives are pure functions:
`hour_of_week()` = 168 one-hour windows, `fixed(hours)` = consecutive blocks of `hours` hours.
"""

from recommend.errors import RecommendError

WEEK_HOURS = 168
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def cell_label(first: int, hours: int = 1) -> str:
    """(9, 1) -> "Mon 09–10"; (18, 6) -> "Mon 18–24"; labels are UTC."""
    end = first % 24 + hours
    return f"{WEEKDAYS[first // 24]} {first % 24:02d}–{end:02d}"


def hour_of_week() -> list[tuple[str, tuple[int, ...]]]:
    return [(cell_label(c), (c,)) for c in range(WEEK_HOURS)]


def fixed(hours: int) -> list[tuple[str, tuple[int, ...]]]:
    """Blocks of `hours` (a divisor of 24, so no block crosses midnight): fixed(6) -> 28 windows."""
    if hours < 1 or 24 % hours:
        raise RecommendError(f"fixed windows of {hours} h: use a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24)")
    return [(cell_label(s, hours), tuple(range(s, s + hours))) for s in range(0, WEEK_HOURS, hours)]


def cover_week(windows: list[tuple[str, tuple[int, ...]]]) -> list[tuple[str, tuple[int, ...]]]:
    """Windows whose cells cover the whole week: each cell no window holds (a log shorter than a week
    has seen only some weekdays) joins the window holding the same hour of day on the nearest day of the
    same day type (Mon-Fri / Sat-Sun), else on the nearest day of any type. A plan mined from one Monday
    then serves Tuesday by Monday's hours, so a nightly plan holds from the second day on."""
    owner = {c: i for i, (_, cells) in enumerate(windows) for c in cells}
    if not owner or len(owner) == WEEK_HOURS:
        return windows
    added: dict[int, list[int]] = {}
    for cell in range(WEEK_HOURS):
        if cell not in owner:
            added.setdefault(owner[_nearest_seen(cell, owner)], []).append(cell)
    return [(label, tuple(sorted(cells + tuple(added.get(i, ()))))) for i, (label, cells) in enumerate(windows)]


def _nearest_seen(cell: int, owner: dict[int, int]) -> int:
    """The seen cell at the same hour of day nearest in days (same day type first; ties: the earlier day)."""
    day, hour = divmod(cell, 24)
    seen = [d for d in range(7) if d * 24 + hour in owner]
    if not seen:  # this hour of day never seen: the nearest seen cell in time
        return min(owner, key=lambda c: (min(abs(c - cell), WEEK_HOURS - abs(c - cell)), c))
    same = [d for d in seen if (d >= 5) == (day >= 5)] or seen
    return min(same, key=lambda d: (min(abs(d - day), 7 - abs(d - day)), d)) * 24 + hour


def parse_windows(spec: str) -> str | int:
    """'regimes' | 'hour-of-week' -> itself; 'fixed:6h' -> 6."""
    if spec in ("regimes", "hour-of-week"):
        return spec
    if spec.startswith("fixed:") and spec.endswith("h") and spec[6:-1].isdigit():
        return int(spec[6:-1])
    raise RecommendError(f"--windows {spec!r}: use regimes, hour-of-week or fixed:<N>h (e.g. fixed:6h)")


def spec_windows(spec: str) -> list[tuple[str, tuple[int, ...]]] | None:
    """Windows for a non-regime spec; None for 'regimes' (those come from the warehouse)."""
    kind = parse_windows(spec)
    if kind == "regimes":
        return None
    return hour_of_week() if kind == "hour-of-week" else fixed(kind)
