"""Where mining reads and writes: the per-run scope projection, step queries, and the mined_* tables."""

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

import duckdb
import polars as pl

from warehouse.query import run_sql, sql_text

# Every table a mining run fills, in the order it is cleared; names are constants, never user input.
MINED_TABLES = (
    "mined_quantiles",
    "mined_length_histogram",
    "mined_patterns",
    "mined_minutes",
    "mined_hour_of_week",
    "mined_regimes",
    "mined_regime_spans",
    "mined_concurrency",
    "mined_concurrency_windows",
    "mined_latency_daily",
    "mined_change_points",
    "mined_itl_position",
    "mined_errors",
    "mined_error_correlations",
    "mined_prefix",
    "mined_tenants",
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


class Source(Protocol):
    """Where a mining run reads the requests: the warehouse itself (DuckDBSource) or a Parquet lake on
    Spark (warehouse/spark.py). Every step query is a `sql/<name>.sql` file either way."""

    def models(self) -> list[str]: ...

    def query(self, name: str, params: dict) -> pl.DataFrame: ...

    def scope_rows(self, scope_params: dict, scope: dict) -> AbstractContextManager[None]: ...


@dataclass(frozen=True, slots=True)
class DuckDBSource:
    con: duckdb.DuckDBPyConnection

    def models(self) -> list[str]:
        return [m for (m,) in self.con.execute("SELECT DISTINCT model FROM requests ORDER BY model").fetchall()]

    def query(self, name: str, params: dict) -> pl.DataFrame:
        return run_step(self.con, name, params)

    def scope_rows(self, scope_params: dict, scope: dict) -> AbstractContextManager[None]:
        return scope_rows(self.con, scope_params, scope=scope)


def run_step(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    """run_sql with only the `params` that sql/<name>.sql uses: steps reading the TEMP table
    tf_scope_rows no longer take the scope's $since/$until, and DuckDB rejects unused values."""
    text = sql_text(name)
    return run_sql(con, name, {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)})


# Lengths stored as INTEGER when the scope's longest fits with room for prompt + output (< 2^31).
INTEGER_LENGTHS_MAX = 2**30 - 1
LATENCY_COLUMNS = ("ttft_ms", "tpot_ms", "e2e_ms")


@contextmanager
def scope_rows(
    con: duckdb.DuckDBPyConnection, scope_params: dict, *, scope: dict | None = None, latency: bool | None = None
) -> Iterator[None]:
    """`tf_scope_rows` (mine_scope_view.sql over mine_scope_rows.sql), what the mining steps read, for
    the block: one join of requests with ingest_runs per model instead of one per step (bench/RESULTS.md
    "mine"). Stored as a narrow TEMP table (uncompressed in memory): lengths as INTEGER when they fit,
    status as a 1-byte code, weight only when the runs' sample rates differ, latencies only when some
    are set (`latency`, default: when `scope` has any; else NULL in the view), has_arrival only when
    some runs have no arrival times (else TRUE in the view). `scope`: the mine_scope.sql row (queried
    when not given)."""
    scope = scope or run_sql(con, "mine_scope", scope_params).row(0, named=True)
    latency = scope["with_any_latency"] > 0 if latency is None else latency
    one_weight = scope["sample_rates"] <= 1
    length_type = "INTEGER" if (scope["max_tokens"] or 0) <= INTEGER_LENGTHS_MAX else "BIGINT"
    stored = [
        "arrival_ts",
        f"prompt_tokens::{length_type} AS prompt_tokens",
        f"output_tokens::{length_type} AS output_tokens",
        "status_code",
        "tenant",
        *([] if one_weight else ["weight"]),
        *(LATENCY_COLUMNS if latency else []),
        *(["has_arrival"] if scope["without_arrivals"] else []),
    ]
    extra = "" if latency else "".join(f", NULL::DOUBLE AS {c}" for c in LATENCY_COLUMNS)
    extra += "" if scope["without_arrivals"] else ", TRUE AS has_arrival"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE tf_scope_stored AS SELECT {', '.join(stored)} "
        f"FROM ({sql_text('mine_scope_rows')})",
        scope_params,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE tf_scope_weight AS SELECT 1.0 / $rate::DOUBLE AS weight",
        {"rate": scope["min_sample_rate"]},
    )
    weight = ", w.weight" if one_weight else ""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW tf_scope_rows AS SELECT v.*{weight}{extra} "
        f"FROM ({sql_text('mine_scope_view')}) v{', tf_scope_weight w' if one_weight else ''}"
    )
    try:
        yield
    finally:
        con.execute("DROP VIEW IF EXISTS tf_scope_rows")
        con.execute("DROP TABLE IF EXISTS tf_scope_weight")
        con.execute("DROP TABLE IF EXISTS tf_scope_stored")
