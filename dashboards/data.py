"""What the site is built from: frames the warehouse aggregated, and where they came from.

The composition root (tracefit.site_data) fills these; dashboards never opens the database.
Column names and units are those of the warehouse/sql/dash_*.sql query named beside each field.
"""

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    generated_at: str  # ISO-8601 UTC
    warehouse: str  # path of the DuckDB file
    runs: pl.DataFrame  # dash_runs: run_id, path, format, source, status, sample_rate, rows_loaded, finished_at
    mined_models: tuple[str, ...] = ()  # models `tracefit mine` has covered

    @property
    def run_ids(self) -> list[int]:
        return self.runs["run_id"].to_list() if self.runs.height else []


def _empty() -> pl.DataFrame:
    return pl.DataFrame()


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteData:
    provenance: Provenance
    totals: dict = field(default_factory=dict)  # dash_overview_totals (one row)
    hourly: pl.DataFrame = field(default_factory=_empty)  # dash_overview_hourly
    length_histogram: pl.DataFrame = field(default_factory=_empty)  # dash_length_histogram
    length_quantiles: pl.DataFrame = field(default_factory=_empty)  # dash_length_quantiles
    patterns: pl.DataFrame = field(default_factory=_empty)  # dash_patterns
    hour_of_week: pl.DataFrame = field(default_factory=_empty)  # dash_hour_of_week
    traffic_hourly: pl.DataFrame = field(default_factory=_empty)  # dash_traffic_hourly
    burstiness: pl.DataFrame = field(default_factory=_empty)  # dash_burstiness
    latency_daily: pl.DataFrame = field(default_factory=_empty)  # dash_latency_daily
    change_points: pl.DataFrame = field(default_factory=_empty)  # dash_change_points
    ttft_sample: pl.DataFrame = field(default_factory=_empty)  # dash_ttft_sample
    e2e_windows: pl.DataFrame = field(default_factory=_empty)  # dash_e2e_windows
    itl_position: pl.DataFrame = field(default_factory=_empty)  # dash_itl_position
    concurrency: pl.DataFrame = field(default_factory=_empty)  # dash_concurrency
    prefix_daily: pl.DataFrame = field(default_factory=_empty)  # dash_prefix_daily
    prefix_lru: pl.DataFrame = field(default_factory=_empty)  # dash_prefix_lru
    tenants: pl.DataFrame = field(default_factory=_empty)  # dash_tenants
    plan: dict | None = None  # `tracefit recommend --out plan.json` (issue 6 shape), when given
    report: dict | None = None  # the nightly run report (tracefit/nightly.py), when built by it
