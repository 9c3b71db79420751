"""Gather the dashboard's frames from the warehouse (composition root: warehouse -> dashboards)."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

import warehouse
from dashboards.data import Provenance, SiteData
from warehouse.db import db_path
from warehouse.query import run_sql

TTFT_SAMPLE_ROWS = 600  # per model: enough to see the slope, few enough to keep pages light
CONCURRENCY_BUCKET_S = 600
PATTERN_THRESHOLDS = {"prompt_long_tokens": 1024, "output_long_tokens": 256}  # as MineOptions' defaults


def load_plan(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        plan = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise warehouse.WarehouseError(f"{path}: cannot read the plan ({exc}); "
                                       "pass the JSON written by `tracefit recommend --out plan.json`") from exc
    if not isinstance(plan, dict):
        raise warehouse.WarehouseError(f"{path}: a plan is a JSON object, this file holds a {type(plan).__name__}")
    return plan


def gather(con: duckdb.DuckDBPyConnection, *, warehouse_name: str, plan: dict | None = None,
           report: dict | None = None) -> SiteData:
    """Run the dash_*.sql queries and wrap their frames for dashboards.build_site."""
    con.execute("SET enable_progress_bar = false")
    mined = tuple(run_sql(con, "dash_mined_models")["model"].to_list())
    totals = run_sql(con, "dash_overview_totals").to_dicts()[0]
    return SiteData(
        provenance=Provenance(generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                              warehouse=warehouse_name, runs=run_sql(con, "dash_runs"), mined_models=mined),
        totals=totals,
        hourly=run_sql(con, "dash_overview_hourly"),
        length_histogram=run_sql(con, "dash_length_histogram"),
        length_quantiles=run_sql(con, "dash_length_quantiles"),
        patterns=run_sql(con, "dash_patterns", PATTERN_THRESHOLDS),
        hour_of_week=run_sql(con, "dash_hour_of_week"),
        traffic_hourly=run_sql(con, "dash_traffic_hourly"),
        burstiness=run_sql(con, "dash_burstiness"),
        latency_daily=run_sql(con, "dash_latency_daily"),
        change_points=run_sql(con, "dash_change_points"),
        ttft_sample=run_sql(con, "dash_ttft_sample", {"rows": TTFT_SAMPLE_ROWS}),
        e2e_windows=run_sql(con, "dash_e2e_windows"),
        itl_position=run_sql(con, "dash_itl_position"),
        concurrency=run_sql(con, "dash_concurrency", {"bucket_s": CONCURRENCY_BUCKET_S}),
        prefix_daily=run_sql(con, "dash_prefix_daily"),
        prefix_lru=run_sql(con, "dash_prefix_lru"),
        tenants=run_sql(con, "dash_tenants"),
        plan=plan,
        report=report,
    )


def site_data(db: str | os.PathLike | None, plan_path: Path | None = None) -> SiteData:
    path = db_path(db)
    if not path.exists():
        raise warehouse.WarehouseError(f"{path}: no warehouse here; run `tracefit ingest` first or pass --db")
    plan = load_plan(plan_path)
    with warehouse.connect(path) as con:
        return gather(con, warehouse_name=str(path), plan=plan)
