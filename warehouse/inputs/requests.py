"""Logged requests for backtest, calibration and export, by model name as logged.

`backtest_requests` reads the traffic-class rule's bulk seconds (recommend_bulk_seconds.sql, the same
query the plan was made with) and hands them to backtest_requests.sql, which marks each request bulk
or interactive; `export_requests` reads export_requests.sql.
"""

from datetime import date

import duckdb
import polars as pl

from warehouse.db import fetch_one
from warehouse.inputs.recommend import BULK, bulk_seconds
from warehouse.query import run_sql


def logged_model_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every model name the requests table holds, in DuckDB's DISTINCT order."""
    return [m for (m,) in con.execute("SELECT DISTINCT model FROM requests").fetchall()]


def last_logged_day(con: duckdb.DuckDBPyConnection, model: str) -> date | None:
    """The UTC date of the model's last logged request."""
    return fetch_one(con, "SELECT max(arrival_ts)::DATE FROM requests WHERE model = $m", {"m": model})[0]


def backtest_requests(
    con: duckdb.DuckDBPyConnection, models: list[str], since: str, until: str, bulk_params: dict | None
) -> pl.DataFrame:
    """Columns of backtest_requests.sql for [since, until) (ISO), sorted by arrival; `bulk_params` as
    warehouse.inputs.recommend.bulk_seconds (None: every request interactive)."""
    bulk = bulk_seconds(con, models, since, until, bulk_params)
    return run_sql(con, "backtest_requests", {"models": models, "since": since, "until": until}, {BULK: bulk})


def export_requests(
    con: duckdb.DuckDBPyConnection, models: list[str], since: str | None, until: str | None
) -> pl.DataFrame:
    """Columns of export_requests.sql for [since, until) ('YYYY-MM-DD HH:MM:SS+00' or None)."""
    return run_sql(con, "export_requests", {"models": models, "since": since, "until": until})
