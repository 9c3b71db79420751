"""Export the warehouse as a Parquet lake that Spark, Trino or DuckDB read (warehouse/spark.py mines it).

Layout under `out` (hive partitioning, the layout `spark.read.parquet` and DuckDB's
`read_parquet(..., hive_partitioning = true)` read):
  requests/model=<model>/day=<YYYY-MM-DD>/data_0.parquet   every requests column, + day (UTC)
  ingest_runs.parquet                                      sample rates and prefix block sizes
  request_token_latencies/data_0.parquet                   only when the warehouse has any
"""

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, fetch_one


@dataclass(frozen=True, slots=True, kw_only=True)
class LakeExport:
    path: str
    requests: int
    partitions: int  # (model, day) folders
    token_latencies: int


def export_lake(con: duckdb.DuckDBPyConnection, out: str | os.PathLike, *, overwrite: bool = False) -> LakeExport:
    """Write the lake under `out` (refused when `out/requests` exists, unless `overwrite`)."""
    out = Path(out)
    if (out / "requests").exists() and not overwrite:
        raise WarehouseError(f"{out / 'requests'} exists; pass --overwrite to replace the lake")
    out.mkdir(parents=True, exist_ok=True)
    (requests,) = fetch_one(con, "SELECT count(*) FROM requests")
    if requests == 0:
        raise WarehouseError("the warehouse has no requests; run `tracefit ingest` first")
    # paths are COPY targets (not bindable): quoted as SQL string literals
    con.execute(
        "COPY (SELECT *, CAST(arrival_ts AT TIME ZONE 'UTC' AS DATE) AS day FROM requests) "
        f"TO {_literal(out / 'requests')} (FORMAT parquet, PARTITION_BY (model, day), OVERWRITE_OR_IGNORE)"
    )
    con.execute(f"COPY ingest_runs TO {_literal(out / 'ingest_runs.parquet')} (FORMAT parquet)")
    (latencies,) = fetch_one(con, "SELECT count(*) FROM request_token_latencies")
    if latencies:
        (out / "request_token_latencies").mkdir(exist_ok=True)
        con.execute(
            f"COPY request_token_latencies TO "
            f"{_literal(out / 'request_token_latencies' / 'data_0.parquet')} (FORMAT parquet)"
        )
    partitions = sum(1 for _ in (out / "requests").glob("model=*/day=*"))
    return LakeExport(path=str(out), requests=requests, partitions=partitions, token_latencies=latencies)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
