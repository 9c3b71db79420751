"""WindowTraffic from the frames the warehouse read for each window (warehouse/inputs/recommend.py
WindowFrames, passed in by the tracefit root: recommend/ never imports the warehouse).

`frames` needs: rates / lengths (window id -> row dict of recommend_window_rates.sql /
recommend_window_lengths.sql), peak(window_id) (that window's peak-span requests), bulk (None or
recommend_window_bulk.sql rows) and hours (recommend_hour_rates.sql: day, how_cell, rps_real, tok_s_real:
the forecast error of the request rate and of the token load, recommend/forecast.py).
"""

import numpy as np
import polars as pl

from recommend.bulk_plan import BulkLoad, bulk_load
from recommend.forecast import ForecastError, forecast_error
from recommend.traffic_class import BulkRule
from recommend.window_traffic import WindowTraffic

QUANTILE_NAMES = ("p50", "p90", "p95", "p99", "p999", "max", "mean")
FORECAST_QUANTILE = 0.95  # of a window's hours' actual/forecast rate ratios (recommend/forecast.py)
PEAK_QUANTILE = 0.95  # of the window's hours: plans for a busy hour, not a one-off spike (ServeGen has
# minutes at 175x the median rate; sizing every regime for those would multiply the fleet)
PEAK_SPAN_MINUTES = 60  # the peak span's length


def windows_from_frames(
    spec: list[tuple[str, tuple[int, ...]]],
    frames,
    *,
    sample_rate: float | None,
    fallback_sample_rate: float,
    span_minutes: int,
    forecast_quantile: float,
    bulk: BulkRule | None,
) -> list[WindowTraffic]:
    """One WindowTraffic per (label, cells) of `spec`; `sample_rate` overrides the rate recorded at
    ingest (`fallback_sample_rate`: where a window has no peak request to read it from)."""
    hours = frames.hours
    day, cell, rps, tok_s = (hours[c].to_numpy() for c in ("day", "how_cell", "rps_real", "tok_s_real"))
    errors = [
        (
            forecast_error(day, cell, rps, cs, quantile=forecast_quantile),
            forecast_error(day, cell, tok_s, cs, quantile=forecast_quantile, unit="tokens/s"),
        )
        for _, cs in spec
    ]
    return [
        _window(
            i,
            label,
            cs,
            frames.rates.get(i),
            frames.lengths.get(i),
            frames.peak(i),
            sample_rate,
            fallback_sample_rate,
            span_minutes * 60.0,
            errors[i],
            _bulk(frames.bulk, i, bulk, frames.lengths.get(i), sample_rate),
        )
        for i, (label, cs) in enumerate(spec)
    ]


def _bulk(
    rows: pl.DataFrame | None, i: int, rule: BulkRule | None, length: dict | None, override: float | None
) -> BulkLoad | None:
    if rows is None or rule is None:
        return None
    mine = rows.filter(pl.col("window_id") == i)
    weight = np.full(mine.height, 1.0 / override) if override else mine["weight"].to_numpy()
    total = float(length["real_requests"]) if length else 0.0
    return bulk_load(
        mine["arrival_s"].to_numpy(),
        mine["prompt_tokens"].to_numpy(),
        mine["output_tokens"].to_numpy(),
        weight,
        deadline_s=rule.deadline_s,
        window_real_requests=total,
    )


def _quantiles(row: dict | None, prefix: str) -> dict:
    return {} if row is None else {q: round(float(row[f"{prefix}_{q}"]), 3) for q in QUANTILE_NAMES}


def _window(
    i,
    label,
    cells,
    rate,
    length,
    peak: pl.DataFrame,
    override,
    fallback,
    span_s,
    errors: tuple[ForecastError, ForecastError],
    bulk: BulkLoad | None,
) -> WindowTraffic:
    logged_rate = float(peak["sample_rate"].min()) if peak.height else fallback
    rate_real = (lambda k: (rate[k] / override) if override else rate[f"{k}_real"]) if rate else (lambda k: 0.0)
    return WindowTraffic(
        label=label,
        cells=tuple(cells),
        sample_rate=override or logged_rate,
        requests=int(length["requests"]) if length else 0,
        rps_mean_real=rate_real("rps_mean"),
        rps_p50_real=rate_real("rps_p50"),
        rps_peak_real=rate_real("rps_peak"),
        prompt_tokens=_quantiles(length, "prompt"),
        output_tokens=_quantiles(length, "output"),
        grid_len_tokens=np.asarray(length["grid_len_tokens"] if length else [], np.int64),
        grid_requests=np.asarray(length["grid_requests"] if length else [], np.int64),
        peak_start=peak["span_start"][0].isoformat() if peak.height else None,
        peak_span_s=span_s,
        peak_arrival_s=peak["arrival_s"].to_numpy().astype(np.float64),
        peak_prompt_tokens=peak["prompt_tokens"].to_numpy().astype(np.int64),
        peak_output_tokens=peak["output_tokens"].to_numpy().astype(np.int64),
        forecast_error=errors[0],
        load_forecast_error=errors[1],
        bulk=bulk,
    )
