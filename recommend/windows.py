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
