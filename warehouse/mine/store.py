"""Where mining reads and writes: the per-run scope projection, step queries, and the mined_* tables."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from warehouse.query import run_sql, sql_text

# Every table a mining run fills, in the order it is cleared; names are constants, never user input.
MINED_TABLES = (
    "mined_quantiles", "mined_length_histogram", "mined_patterns", "mined_minutes", "mined_hour_of_week",
    "mined_regimes", "mined_regime_spans", "mined_concurrency", "mined_concurrency_windows",
    "mined_latency_daily", "mined_change_points", "mined_itl_position", "mined_errors",
    "mined_error_correlations", "mined_prefix", "mined_tenants",
)


def clear_model(con: duckdb.DuckDBPyConnection, model: str) -> None:
    for table in MINED_TABLES:
        con.execute(f"DELETE FROM {table} WHERE model = $model", {"model": model})


def insert(con: duckdb.DuckDBPyConnection, table: str, model: str, frame: pl.DataFrame) -> None:
    """INSERT BY NAME the frame's columns plus `model` into `table` (one of MINED_TABLES)."""
    if table not in MINED_TABLES:
        raise ValueError(f"not a mined table: {table}")
    if frame.is_empty():
        return
    con.register("tf_mined", frame.with_columns(model=pl.lit(model)).to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM tf_mined")
    finally:
        con.unregister("tf_mined")


def run_step(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    """run_sql with only the `params` that sql/<name>.sql uses: steps reading the TEMP table
    tf_scope_rows no longer take the scope's $since/$until, and DuckDB rejects unused values."""
    text = sql_text(name)
    return run_sql(con, name, {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)})


@contextmanager
def scope_rows(con: duckdb.DuckDBPyConnection, scope_params: dict, *, latency: bool = True) -> Iterator[None]:
    """`tf_scope_rows` (mine_scope_rows.sql), what the mining steps read, for the block: one join of
    requests with ingest_runs per model instead of one per step (bench/RESULTS.md "mine"). Stored as a
    TEMP table (uncompressed, ~8 B per value); without latencies (`latency=False`) their three columns
    are not stored but NULL in a view over it."""
    stored = "*" if latency else "* EXCLUDE (ttft_ms, tpot_ms, e2e_ms)"
    nulls = "" if latency else ", NULL::DOUBLE AS ttft_ms, NULL::DOUBLE AS tpot_ms, NULL::DOUBLE AS e2e_ms"
    con.execute(f"CREATE OR REPLACE TEMP TABLE tf_scope_stored AS SELECT {stored} FROM ({sql_text('mine_scope_rows')})",
                scope_params)
    con.execute(f"CREATE OR REPLACE TEMP VIEW tf_scope_rows AS SELECT *{nulls} FROM tf_scope_stored")
    try:
        yield
    finally:
        con.execute("DROP VIEW IF EXISTS tf_scope_rows")
        con.execute("DROP TABLE IF EXISTS tf_scope_stored")
