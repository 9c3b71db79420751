"""Headroom from measured forecast error: how far an hour's real rate strayed from what the other
days of the same type predicted, within the planning data (the tracefit root hands in the arrays;
warehouse/sql/recommend_hour_rates.sql).

Forecaster (the plan's model of next week): the rate of hour-of-day h on a day of type t (weekday
Mon-Fri, weekend Sat-Sun, UTC) is the mean of h over the planning days of type t.
Its error, leave-one-day-out: each planning hour's actual rate / the mean of the same hour on the
*other* days of its type (weekday hours from the other weekdays; a weekend hour from the other
weekend day). A window's error ratio is the `quantile` of its hours' ratios, each hour weighted by
its requests (the SLO pools a window's requests, so a busy hour counts by what it holds).
The window is planned for ratio x its busiest forecast hour x growth; headroom over the hour the
recommender simulates (its peak span) = that / the peak span's rate - 1, never below 0.

Growth (trend(): the plan is in force for up to a week of hour-of-week cells): week over week when the
planning range holds two weeks of the window's hours (its requests in the last 7 days / the 7 days
before, cell by cell, pooled by requests: a per-hour-of-week comparison); otherwise day over day: the
least-squares slope of log(the window's daily requests / its day type's mean) over the planning days,
x 7 (a weekend dip is a day type, not a trend). The plan assumes max(planned growth, 1): traffic that
fell is not planned to keep falling. Planned growth: week over week, the measured ratio; day over day,
the slope less two standard errors (a trend the days' scatter could not produce), so five noisy
weekdays plan no growth while two steady weeks of +40% do. ServeGen's chat-large can grow 40-60% a week.

The same forecaster runs on two series (`unit`): the hourly real request rate (req/s) and the hourly
real token load (prompt + output tokens/s, interactive). The token load's error also holds the day-to-day
scatter of the length mix (a day whose prompts are twice as long is a token-load miss at the same request
rate), so a window's ceiling sized from it holds a heavier mix as well as a busier hour
(recommend/recommender.py window_headroom). Fields named *_rps hold the series' unit.
"""

import math
from dataclasses import dataclass

import numpy as np

METHOD = "leave-one-day-out, same day type (weekday/weekend), mean of the other days' same hour"


@dataclass(frozen=True, slots=True, kw_only=True)
class ForecastError:
    method: str
    quantile: float  # of the window's hours' actual / forecast ratios, request-weighted
    ratio: float  # that quantile; NaN when no hour had a forecast
    hours: int  # planning hours with a forecast (another day of their type)
    forecast_rps: float  # the window's busiest forecast hour, real req/s
    planned_rps: float  # ratio x forecast_rps x max(growth, 1) (forecast_rps x max(growth, 1) when ratio is NaN)
    growth: float = 1.0  # measured weekly growth of the window's traffic (trend()); 1 = none measurable
    planned_growth: float = 1.0  # the growth planned for (>= 1; day over day: slope - 2 standard errors)
    growth_method: str = "none: fewer than 2 planning days"
    unit: str = "req/s"  # of forecast_rps and planned_rps: "req/s" or "tokens/s" (the token load)

    def headroom(self, peak_rps: float) -> float:
        """Planned over the simulated peak hour's rate, minus 1, clipped at 0."""
        return max(self.planned_rps / peak_rps - 1.0, 0.0) if peak_rps > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "quantile": self.quantile,
            "ratio": None if np.isnan(self.ratio) else round(self.ratio, 4),
            "hours": self.hours,
            "forecast_rps": round(self.forecast_rps, 3),
            "planned_rps": round(self.planned_rps, 3),
            "growth": round(self.growth, 4),
            "planned_growth": round(self.planned_growth, 4),
            "growth_method": self.growth_method,
            "unit": self.unit,
        }


def weekend(cell: np.ndarray) -> np.ndarray:
    """Hour-of-week cells (0 = Monday 00 UTC) on Saturday or Sunday."""
    return np.asarray(cell) // 24 >= 5


def profile(day: np.ndarray, cell: np.ndarray, rps: np.ndarray, *, leave_out: bool) -> np.ndarray:
    """Per input hour: the mean rate of the same hour-of-day on the same-type days (the other
    days when `leave_out`); NaN where there is none."""
    day, cell, rps = np.asarray(day), np.asarray(cell), np.asarray(rps, np.float64)
    key = (cell % 24) + 24 * weekend(cell)  # 48 (hour-of-day, day type) groups
    total = np.bincount(key, weights=rps, minlength=48)[key]
    count = np.bincount(key, minlength=48)[key].astype(np.float64)
    if leave_out:  # one row per (day, hour): drop this row's own day
        total, count = total - rps, count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest v with weight(values <= v) >= q of the total (inverted CDF); NaN when empty."""
    if values.size == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][min(int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12))), values.size - 1)])


def forecast_error(day, cell, rps, window_cells, *, quantile: float = 0.95, unit: str = "req/s") -> ForecastError:
    """The window's (hour-of-week `window_cells`) forecast error over the planning hours
    (`day`, `cell`, `rps`: one row per calendar hour, real req/s or the `unit` given)."""
    day, cell, rps = np.asarray(day), np.asarray(cell), np.asarray(rps, np.float64)
    forecast = profile(day, cell, rps, leave_out=True)
    mine = np.isin(cell, np.asarray(window_cells, cell.dtype)) & (forecast > 0)
    ratio = weighted_quantile(rps[mine] / forecast[mine], rps[mine], quantile)
    fitted = profile(day, cell, rps, leave_out=False)[np.isin(cell, np.asarray(window_cells, cell.dtype))]
    peak = float(np.nanmax(fitted)) if fitted.size and not np.isnan(fitted).all() else 0.0
    g, g_planned, how = trend(day, cell, rps, window_cells)
    planned = (peak * ratio if not np.isnan(ratio) else peak) * g_planned
    return ForecastError(
        method=METHOD,
        quantile=quantile,
        ratio=ratio,
        hours=int(mine.sum()),
        forecast_rps=peak,
        planned_rps=planned,
        growth=g,
        planned_growth=g_planned,
        growth_method=how,
        unit=unit,
    )


def trend(day, cell, rps, window_cells) -> tuple[float, float, str]:
    """(weekly growth of the window's traffic, the growth to plan for (>= 1), how it was measured);
    module docstring."""
    day, cell, rps = np.asarray(day), np.asarray(cell), np.asarray(rps, np.float64)
    mine = np.isin(cell, np.asarray(window_cells, cell.dtype))
    day, cell, rps = day[mine], cell[mine], rps[mine]
    if day.size == 0 or day.max() - day.min() < 1:
        return 1.0, 1.0, "none: fewer than 2 planning days"
    last = day.max()
    if last - day.min() >= 13:
        now, before = day > last - 7, (day <= last - 7) & (day > last - 14)
        common = np.intersect1d(cell[now], cell[before])
        a, b = rps[now & np.isin(cell, common)].sum(), rps[before & np.isin(cell, common)].sum()
        if a > 0 and b > 0:
            return (
                float(a / b),
                max(float(a / b), 1.0),
                ("week over week: the last 7 days / the 7 before, same hour-of-week cells"),
            )
    days = np.unique(day)
    volume = np.array([rps[day == d].sum() for d in days])
    kind = weekend(np.array([cell[day == d][0] for d in days]))
    means = np.array([volume[kind == k].mean() for k in kind])
    keep = (volume > 0) & (means > 0)
    if keep.sum() < 3:
        return 1.0, 1.0, "none: fewer than 3 planning days with traffic"
    x, y = days[keep].astype(np.float64), np.log(volume[keep] / means[keep])
    (slope, icept), n = np.polyfit(x, y, 1), int(keep.sum())
    se = math.sqrt(((y - slope * x - icept) ** 2).sum() / (n - 2) / ((x - x.mean()) ** 2).sum())
    return (
        float(np.exp(7.0 * slope)),
        max(float(np.exp(7.0 * (slope - 2.0 * se))), 1.0),
        f"day over day: exp(7 x the slope of log(daily requests / day-type mean)) over {n} days",
    )
