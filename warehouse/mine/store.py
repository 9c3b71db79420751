"""Write mined frames into their tables (via Arrow), replacing the model's previous rows."""

import duckdb
import polars as pl

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
