"""Read the warehouse into the recommender's inputs (recommend/ never opens the database).

windows_traffic(con, model, windows="regimes") -> [recommend.window_traffic.WindowTraffic]:
regimes from the mined tables, or hour-of-week / fixed:Nh cells; per window the real-rate
statistics (recommend_window_rates.sql), length quantiles and the 256-token length grid
(recommend_window_lengths.sql), the busiest logged span (recommend_window_peaks.sql) and its requests
(recommend_window_requests.sql), all over the range the latest `mine` covered
(recommend_mined_scope.sql: a later, held-out week stays out), and the forecast error of its hourly rates (recommend_hour_rates.sql -> recommend/forecast.py).
Traffic classes (recommend/traffic_class.py): `bulk_rule` resolves the rule's defaults, `register_bulk`
registers the bulk (tenant, second) buckets the rule selects (recommend_bulk_seconds.sql) as
tf_bulk_seconds on the connection; the peak span and the hourly rates are then interactive-only, and
each window's bulk requests are planned as throughput (recommend_window_bulk.sql -> recommend/bulk_plan.py).
`autoscale_policy` measures the replica scaler's ratio on the mined range's interactive minute rates
(recommend_minute_rates.sql -> recommend/autoscale.py); call it after windows_traffic (same connection).
"""

import duckdb
import numpy as np
import polars as pl

from recommend.autoscale import AutoscalePolicy, MinuteRates, measure
from recommend.bulk_plan import BulkLoad, bulk_load
from recommend.forecast import ForecastError, forecast_error
from recommend.traffic_class import DEFAULT_DEADLINE_S, BURST_MEDIAN_MULTIPLE, BulkRule, default_burst_rps
from recommend.window_traffic import WindowTraffic
from recommend.windows import spec_windows
from warehouse.db import WarehouseError, fetch_one
from warehouse.mine import load_windows
from warehouse.query import run_sql

PEAK_SCHEMA = {"window_id": pl.Int32, "span_start": pl.Datetime("us", "UTC"), "arrival_s": pl.Float64,
               "prompt_tokens": pl.Int64, "output_tokens": pl.Int64, "sample_rate": pl.Float64}

FORECAST_QUANTILE = 0.95  # of a window's hours' actual/forecast rate ratios (recommend/forecast.py)
PEAK_QUANTILE = 0.95  # of the window's hours: plans for a busy hour, not a one-off spike (ServeGen has
# minutes at 175x the median rate; sizing every regime for those would multiply the fleet)
QUANTILE_NAMES = ("p50", "p90", "p95", "p99", "p999", "max", "mean")


def window_cells(con: duckdb.DuckDBPyConnection, model: str, windows: str) -> list[tuple[str, tuple[int, ...]]]:
    fixed = spec_windows(windows)
    return fixed if fixed is not None else [(w.label, tuple(w.cells)) for w in load_windows(con, model)]


def register_bulk(con: duckdb.DuckDBPyConnection, models: list[str], since: str | None, until: str | None,
                  rule: BulkRule | None) -> pl.DataFrame:
    """Register the bulk (tenant, second) buckets of [since, until) (ISO or None) as tf_bulk_seconds
    (empty when `rule` is None or selects nothing); return them."""
    frame = (run_sql(con, "recommend_bulk_seconds", {"models": models, "since": since, "until": until,
                                                     **rule.sql_params()})
             if rule is not None and rule.active else
             pl.DataFrame(schema={"tenant": pl.Utf8, "second": pl.Int64, "real_requests": pl.Float64,
                                  "real_tokens": pl.Float64}))
    con.register("tf_bulk_seconds", frame.to_arrow())
    return frame


def bulk_rule(con: duckdb.DuckDBPyConnection, model: str, *, burst_rps: float | None = None,
              tenants: tuple[str, ...] = (), deadline_s: float = DEFAULT_DEADLINE_S) -> BulkRule | None:
    """The rule a plan records: `burst_rps` None = BURST_MEDIAN_MULTIPLE x the median real req/s of the
    model's mined minutes, 0 = no burst rule; None when neither a burst rule nor tenants remain."""
    source = "--bulk-burst-rps"
    if burst_rps is None:
        row = fetch_one(con, "SELECT quantile_cont(rps_real, 0.5) FROM mined_minutes WHERE model = $m", {"m": model})
        median = float(row[0]) if row and row[0] else 0.0
        burst_rps = default_burst_rps(median) if median > 0 else 0.0
        source = f"{BURST_MEDIAN_MULTIPLE:g} x the median real rate of the mined minutes ({median:.1f} req/s)"
    rule = BulkRule(burst_rps=burst_rps or None, tenants=tuple(tenants), deadline_s=deadline_s,
                    source=source if burst_rps else "")
    return rule if rule.active else None


def windows_traffic(con: duckdb.DuckDBPyConnection, model: str, *, windows: str = "regimes",
                    sample_rate: float | None = None, span_minutes: int = 60,
                    peak_quantile: float = PEAK_QUANTILE,
                    forecast_quantile: float = FORECAST_QUANTILE, bulk: BulkRule | None = None) -> list[WindowTraffic]:
    """One WindowTraffic per window; `sample_rate` overrides the rate recorded at ingest; the peak
    span is the window's `span_minutes` span at `peak_quantile` of real interactive request counts; each
    window's forecast error (interactive hourly rates) is measured at `forecast_quantile`; requests
    `bulk` selects are planned as throughput (WindowTraffic.bulk)."""
    _check_mined(con, model)
    spec = window_cells(con, model, windows)
    cells = [c for _, cs in spec for c in cs]
    ids = [i for i, (_, cs) in enumerate(spec) for _ in cs]
    params = {"model": model, "cells": cells, "windows": ids}
    scoped = {**params, **_mined_scope(con, model)}
    register_bulk(con, [model], scoped["since"], scoped["until"], bulk)
    rates = _by_window(run_sql(con, "recommend_window_rates", params))
    lengths = _by_window(run_sql(con, "recommend_window_lengths", scoped))
    requests = _peak_requests(con, scoped, span_minutes, peak_quantile)
    bulk_rows = run_sql(con, "recommend_window_bulk", scoped) if bulk else None
    errors = _forecast_errors(con, model, spec, forecast_quantile)
    fallback = sample_rate or _logged_sample_rate(con, model)
    return [_window(i, label, cs, rates.get(i), lengths.get(i), requests.filter(pl.col("window_id") == i),
                    sample_rate, fallback, span_minutes * 60.0, errors[i],
                    _bulk(bulk_rows, i, bulk, lengths.get(i), sample_rate))
            for i, (label, cs) in enumerate(spec)]


def autoscale_policy(con: duckdb.DuckDBPyConnection, model: str, policy: AutoscalePolicy) -> AutoscalePolicy:
    """`policy` with its ratio measured on the mined range (interactive: tf_bulk_seconds must be registered)."""
    frame = run_sql(con, "recommend_minute_rates", {"model": model})
    if frame.is_empty():
        return policy
    rates = MinuteRates.from_minutes(frame["minute_s"].to_numpy(), frame["rps_real"].to_numpy())
    return measure(rates, policy, rates.start_s, rates.start_s + rates.rps.size * 60.0)


def _bulk(rows: pl.DataFrame | None, i: int, rule: BulkRule | None, length: dict | None,
          override: float | None) -> BulkLoad | None:
    if rows is None or rule is None:
        return None
    mine = rows.filter(pl.col("window_id") == i)
    weight = np.full(mine.height, 1.0 / override) if override else mine["weight"].to_numpy()
    total = float(length["real_requests"]) if length else 0.0
    return bulk_load(mine["arrival_s"].to_numpy(), mine["prompt_tokens"].to_numpy(), mine["output_tokens"].to_numpy(),
                     weight, deadline_s=rule.deadline_s, window_real_requests=total)


def _peak_requests(con, scoped: dict, span_minutes: int, peak_quantile: float) -> pl.DataFrame:
    """Each window's peak span (one aggregate scan), then its rows read over the span's arrival range
    (zone maps skip the rest of the table), clipped to the mined range."""
    peaks = run_sql(con, "recommend_window_peaks", {**scoped, "span_minutes": span_minutes,
                                                    "peak_quantile": peak_quantile})
    since, until = scoped["since"], scoped["until"]
    frames = [run_sql(con, "recommend_window_requests", {
        "model": scoped["model"], "cells": scoped["cells"], "windows": scoped["windows"], "window_id": window_id,
        "span_start": start, "since": max(start, since) if since else start, "until": min(end, until) if until else end})
        for window_id, start, end in peaks.iter_rows()]
    return pl.concat(frames) if frames else pl.DataFrame(schema=PEAK_SCHEMA)


def _mined_scope(con, model: str) -> dict:
    frame = run_sql(con, "recommend_mined_scope", {"model": model})
    return {"since": frame["since_iso"][0], "until": frame["until_iso"][0]} if frame.height else \
        {"since": None, "until": None}


def _forecast_errors(con, model: str, spec, quantile: float) -> list[ForecastError]:
    hours = run_sql(con, "recommend_hour_rates", {"model": model})
    day, cell, rps = (hours[c].to_numpy() for c in ("day", "how_cell", "rps_real"))
    return [forecast_error(day, cell, rps, cs, quantile=quantile) for _, cs in spec]


def _check_mined(con, model: str) -> None:
    row = fetch_one(con, "SELECT count(*) FROM mined_minutes WHERE model = $m", {"m": model})
    if not row or not row[0]:
        raise WarehouseError(f"model {model!r} has not been mined; run `tracefit mine --model {model}` first")


def _logged_sample_rate(con, model: str) -> float:
    row = fetch_one(con, "SELECT min(i.sample_rate) FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id "
                         "WHERE r.model = $m", {"m": model})
    return float(row[0]) if row and row[0] else 1.0


def _by_window(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["window_id"]: row for row in frame.iter_rows(named=True)}


def _quantiles(row: dict | None, prefix: str) -> dict:
    return {} if row is None else {q: round(float(row[f"{prefix}_{q}"]), 3) for q in QUANTILE_NAMES}


def _window(i, label, cells, rate, length, peak: pl.DataFrame, override, fallback, span_s,
            error: ForecastError, bulk: BulkLoad | None) -> WindowTraffic:
    logged_rate = float(peak["sample_rate"].min()) if peak.height else fallback
    rate_real = (lambda k: (rate[k] / override) if override else rate[f"{k}_real"]) if rate else (lambda k: 0.0)
    return WindowTraffic(
        label=label, cells=tuple(cells), sample_rate=override or logged_rate,
        requests=int(length["requests"]) if length else 0,
        rps_mean_real=rate_real("rps_mean"), rps_p50_real=rate_real("rps_p50"), rps_peak_real=rate_real("rps_peak"),
        prompt_tokens=_quantiles(length, "prompt"), output_tokens=_quantiles(length, "output"),
        grid_len_tokens=np.asarray(length["grid_len_tokens"] if length else [], np.int64),
        grid_requests=np.asarray(length["grid_requests"] if length else [], np.int64),
        peak_start=peak["span_start"][0].isoformat() if peak.height else None,
        peak_span_s=span_s,
        peak_arrival_s=peak["arrival_s"].to_numpy().astype(np.float64),
        peak_prompt_tokens=peak["prompt_tokens"].to_numpy().astype(np.int64),
        peak_output_tokens=peak["output_tokens"].to_numpy().astype(np.int64), forecast_error=error, bulk=bulk)

