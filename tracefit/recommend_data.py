"""The recommender's inputs from the warehouse (recommend/ never opens the database): wiring only.

windows_traffic(con, model, windows="regimes") -> [recommend.window_traffic.WindowTraffic]: regimes
from the mined tables, or hour-of-week / fixed:Nh cells (recommend/windows.py); the frames come from
warehouse/inputs/recommend.py, recommend/window_inputs.py turns them into WindowTraffic.
Traffic classes (recommend/traffic_class.py): `bulk_rule` resolves the rule's defaults; `register_bulk`
registers the bulk (tenant, second) buckets the rule selects as tf_bulk_seconds on the connection.
`autoscale_policy` measures the replica scaler's ratio on the mined range's interactive minute rates
(recommend/autoscale.py); call it after windows_traffic (same connection).
"""

import duckdb
import polars as pl

from recommend.autoscale import AutoscalePolicy, MinuteRates, measure
from recommend.traffic_class import DEFAULT_DEADLINE_S, BURST_MEDIAN_MULTIPLE, BulkRule, default_burst_rps
from recommend.window_inputs import FORECAST_QUANTILE, PEAK_QUANTILE, PEAK_SPAN_MINUTES, windows_from_frames
from recommend.window_traffic import WindowTraffic
from recommend.windows import spec_windows
from warehouse.inputs import recommend as inputs
from warehouse.mine import load_windows



def window_cells(con: duckdb.DuckDBPyConnection, model: str, windows: str) -> list[tuple[str, tuple[int, ...]]]:
    fixed = spec_windows(windows)
    return fixed if fixed is not None else [(w.label, tuple(w.cells)) for w in load_windows(con, model)]


def register_bulk(con: duckdb.DuckDBPyConnection, models: list[str], since: str | None, until: str | None,
                  rule: BulkRule | None) -> pl.DataFrame:
    """Register the bulk (tenant, second) buckets of [since, until) (ISO or None) as tf_bulk_seconds
    (empty when `rule` is None or selects nothing); return them."""
    return inputs.register_bulk_seconds(con, models, since, until, rule_params(rule))


def bulk_rule(con: duckdb.DuckDBPyConnection, model: str, *, burst_rps: float | None = None,
              tenants: tuple[str, ...] = (), deadline_s: float = DEFAULT_DEADLINE_S) -> BulkRule | None:
    """The rule a plan records: `burst_rps` None = BURST_MEDIAN_MULTIPLE x the median real req/s of the
    model's mined minutes, 0 = no burst rule; None when neither a burst rule nor tenants remain."""
    source = "--bulk-burst-rps"
    if burst_rps is None:
        median = inputs.median_minute_rps(con, model)
        burst_rps = default_burst_rps(median) if median > 0 else 0.0
        source = f"{BURST_MEDIAN_MULTIPLE:g} x the median real rate of the mined minutes ({median:.1f} req/s)"
    rule = BulkRule(burst_rps=burst_rps or None, tenants=tuple(tenants), deadline_s=deadline_s,
                    source=source if burst_rps else "")
    return rule if rule.active else None


def windows_traffic(con: duckdb.DuckDBPyConnection, model: str, *, windows: str = "regimes",
                    sample_rate: float | None = None, span_minutes: int = PEAK_SPAN_MINUTES,
                    peak_quantile: float = PEAK_QUANTILE,
                    forecast_quantile: float = FORECAST_QUANTILE, bulk: BulkRule | None = None) -> list[WindowTraffic]:
    """One WindowTraffic per window; `sample_rate` overrides the rate recorded at ingest; the peak
    span is the window's `span_minutes` span at `peak_quantile` of real interactive request counts; each
    window's forecast error (interactive hourly rates) is measured at `forecast_quantile`; requests
    `bulk` selects are planned as throughput (WindowTraffic.bulk)."""
    inputs.check_mined(con, model)
    spec = window_cells(con, model, windows)
    frames = inputs.window_frames(con, model, spec, span_minutes=span_minutes, peak_quantile=peak_quantile,
                                  bulk_params=rule_params(bulk), with_bulk=bulk is not None)
    return windows_from_frames(spec, frames, sample_rate=sample_rate,
                               fallback_sample_rate=sample_rate or inputs.logged_sample_rate(con, model),
                               span_minutes=span_minutes, forecast_quantile=forecast_quantile, bulk=bulk)


def autoscale_policy(con: duckdb.DuckDBPyConnection, model: str, policy: AutoscalePolicy) -> AutoscalePolicy:
    """`policy` with its ratio measured on the mined range (interactive: tf_bulk_seconds must be registered)."""
    frame = inputs.minute_rates(con, model)
    if frame.is_empty():
        return policy
    rates = MinuteRates.from_minutes(frame["minute_s"].to_numpy(), frame["rps_real"].to_numpy())
    return measure(rates, policy, rates.start_s, rates.start_s + rates.rps.size * 60.0)


def rule_params(rule: BulkRule | None) -> dict | None:
    """recommend_bulk_seconds.sql's parameters for `rule`; None: no bulk (every request interactive)."""
    return rule.sql_params() if rule is not None and rule.active else None
