"""Headroom from measured forecast error: how far an hour's real rate strayed from what the other
days of the same type predicted, within the planning data (the tracefit root hands in the arrays;
warehouse/sql/recommend_hour_rates.sql).

Forecaster (the plan's model of next week): the rate of hour-of-day h on a day of type t (weekday
Mon-Fri, weekend Sat-Sun, UTC) is the mean of h over the planning days of type t.
Its error, leave-one-day-out: each planning hour's actual rate / the mean of the same hour on the
*other* days of its type (weekday hours from the other weekdays; a weekend hour from the other
weekend day). A window's error ratio is the `quantile` of its hours' ratios, each hour weighted by
its requests (the SLO pools a window's requests, so a busy hour counts by what it holds).
The window is planned for ratio x its busiest forecast hour; headroom over the hour the recommender
simulates (its peak span) = that / the peak span's rate - 1, never below 0.
"""

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
    planned_rps: float  # ratio x forecast_rps (forecast_rps when ratio is NaN)

    def headroom(self, peak_rps: float) -> float:
        """Planned over the simulated peak hour's rate, minus 1, clipped at 0."""
        return max(self.planned_rps / peak_rps - 1.0, 0.0) if peak_rps > 0 else 0.0

    def to_dict(self) -> dict:
        return {"method": self.method, "quantile": self.quantile,
                "ratio": None if np.isnan(self.ratio) else round(self.ratio, 4), "hours": self.hours,
                "forecast_rps": round(self.forecast_rps, 3), "planned_rps": round(self.planned_rps, 3)}


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


def forecast_error(day, cell, rps, window_cells, *, quantile: float = 0.95) -> ForecastError:
    """The window's (hour-of-week `window_cells`) forecast error over the planning hours
    (`day`, `cell`, `rps`: one row per calendar hour, real req/s)."""
    day, cell, rps = np.asarray(day), np.asarray(cell), np.asarray(rps, np.float64)
    forecast = profile(day, cell, rps, leave_out=True)
    mine = np.isin(cell, np.asarray(window_cells, cell.dtype)) & (forecast > 0)
    ratio = weighted_quantile(rps[mine] / forecast[mine], rps[mine], quantile)
    fitted = profile(day, cell, rps, leave_out=False)[np.isin(cell, np.asarray(window_cells, cell.dtype))]
    peak = float(np.nanmax(fitted)) if fitted.size and not np.isnan(fitted).all() else 0.0
    return ForecastError(method=METHOD, quantile=quantile, ratio=ratio, hours=int(mine.sum()), forecast_rps=peak,
                         planned_rps=peak * ratio if not np.isnan(ratio) else peak)
