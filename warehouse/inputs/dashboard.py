"""The site's frames: one dash_*.sql query per dashboards.data.SiteData field (the tracefit root wraps
them; dashboards/ never opens the database)."""

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.mine.options import MineOptions
from warehouse.query import run_sql

TTFT_SAMPLE_ROWS = 600  # per model: enough to see the slope, few enough to keep pages light
CONCURRENCY_BUCKET_S = 600
# unmined models' query patterns are split as `tracefit mine` splits them by default (mined_patterns)
PATTERN_THRESHOLDS = {k: getattr(MineOptions(), k) for k in ("prompt_long_tokens", "output_long_tokens")}
# SiteData field -> (dash_*.sql query, its bound parameters)
FRAMES = {
    "hourly": ("dash_overview_hourly", None),
    "length_histogram": ("dash_length_histogram", None),
    "length_quantiles": ("dash_length_quantiles", None),
    "patterns": ("dash_patterns", PATTERN_THRESHOLDS),
    "hour_of_week": ("dash_hour_of_week", None),
    "traffic_hourly": ("dash_traffic_hourly", None),
    "burstiness": ("dash_burstiness", None),
    "latency_daily": ("dash_latency_daily", None),
    "change_points": ("dash_change_points", None),
    "ttft_sample": ("dash_ttft_sample", {"rows": TTFT_SAMPLE_ROWS}),
    "e2e_windows": ("dash_e2e_windows", None),
    "itl_position": ("dash_itl_position", None),
    "concurrency": ("dash_concurrency", {"bucket_s": CONCURRENCY_BUCKET_S}),
    "prefix_daily": ("dash_prefix_daily", None),
    "prefix_lru": ("dash_prefix_lru", None),
    "tenants": ("dash_tenants", None),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteFrames:
    mined_models: tuple[str, ...]  # dash_mined_models: models `tracefit mine` has covered
    totals: dict  # dash_overview_totals (one row)
    runs: pl.DataFrame  # dash_runs
    frames: dict[str, pl.DataFrame]  # SiteData field -> its FRAMES query's frame


def site_frames(con: duckdb.DuckDBPyConnection) -> SiteFrames:
    """Run every dash_*.sql query once."""
    con.execute("SET enable_progress_bar = false")
    return SiteFrames(
        mined_models=tuple(run_sql(con, "dash_mined_models")["model"].to_list()),
        totals=run_sql(con, "dash_overview_totals").to_dicts()[0],
        runs=run_sql(con, "dash_runs"),
        frames={name: run_sql(con, query, params) for name, (query, params) in FRAMES.items()},
    )
