"""The dashboard's frames from the warehouse, wrapped for dashboards (composition root: warehouse -> dashboards)."""

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

import warehouse
from dashboards.data import Provenance, SiteData
from recommend.plan import read_plan_json
from warehouse.db import db_path
from warehouse.inputs.dashboard import site_frames


def gather(
    con: duckdb.DuckDBPyConnection, *, warehouse_name: str, plan: dict | None = None, report: dict | None = None
) -> SiteData:
    """The dash_*.sql frames (warehouse/inputs/dashboard.py) wrapped for dashboards.build_site."""
    read = site_frames(con)
    return SiteData(
        provenance=Provenance(
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            warehouse=warehouse_name,
            runs=read.runs,
            mined_models=read.mined_models,
        ),
        totals=read.totals,
        **read.frames,
        plan=plan,
        report=report,
    )


def site_data(db: str | os.PathLike | None, plan_path: Path | None = None) -> SiteData:
    path = db_path(db)
    if not path.exists():
        raise warehouse.WarehouseError(f"{path}: no warehouse here; run `tracefit ingest` first or pass --db")
    plan = read_plan_json(plan_path) if plan_path is not None else None
    with warehouse.connect(path) as con:
        return gather(con, warehouse_name=str(path), plan=plan)
