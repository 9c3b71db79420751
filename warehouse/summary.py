"""A short account of what the warehouse holds."""

import duckdb

from warehouse.query import run_sql


def summarize(con: duckdb.DuckDBPyConnection) -> dict:
    return {
        "models": run_sql(con, "summary_models").to_dicts(),
        "runs": run_sql(con, "summary_runs").to_dicts(),
    }
