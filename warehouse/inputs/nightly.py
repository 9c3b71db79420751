"""The nightly job's reads: alerts over the mined tables (nightly_alerts.sql) and the fingerprint of the
warehouse's content (nightly_fingerprint.sql: unchanged data + settings = nothing to do)."""

import duckdb

from warehouse.query import run_sql


def alerts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return run_sql(con, "nightly_alerts").to_dicts()


def fingerprint_data(con: duckdb.DuckDBPyConnection) -> dict:
    return run_sql(con, "nightly_fingerprint").row(0, named=True)
