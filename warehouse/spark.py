"""Mining a hive-partitioned Parquet lake of requests on Spark; the mined tables land in the warehouse.

The lake is what `tracefit export-lake` (warehouse/lake.py) writes, or any folder/URI laid out the
same way: `requests/model=<m>/day=<YYYY-MM-DD>/*.parquet` with the warehouse's `requests` columns,
beside it `ingest_runs.parquet` (sample rates; else the warehouse's own ingest_runs are used) and,
optionally, `request_token_latencies/`. `SparkSource` runs every step query — the same
`sql/mine_*.sql` files DuckDB runs, transpiled by warehouse/dialect.py — on the Spark session and
hands the (small, aggregated) results to the Python steps as polars frames through Arrow; the mined
tables those queries read back (mined_hour_of_week, mined_minutes) go from the warehouse to Spark
before each query. Only this module imports pyspark (the `spark` extra: pip install '.[spark]').
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import WarehouseError
from warehouse.dialect import to_spark, used_tables

# Session settings the transpiled SQL relies on (warehouse/dialect.py): DuckDB's semantics for
# x/0 (NULL) and time zones (UTC), model partition values kept as text ("123" stays a string).
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}
# Defaults a user's --conf / spark-defaults.conf overrides: the mining queries shuffle aggregates
# of at most a few hundred thousand groups, so Spark's 200 shuffle partitions are mostly overhead.
DEFAULT_CONF = {
    "spark.sql.shuffle.partitions": "16",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
TOKEN_LATENCY_SCHEMA = "ingest_run_id BIGINT, source STRING, request_id STRING, token_index INT, itl_ms DOUBLE"


def session(master: str | None = None, app_name: str = "tracefit mine", conf: dict | None = None):
    """A Spark session: `master` (else SPARK_MASTER / spark-submit's, else local[*]); `conf` for a new one."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise WarehouseError(
            "pyspark is not installed: pip install 'tracefit[spark]' (and Java 17, "
            "e.g. apt-get install openjdk-17-jre-headless)"
        ) from exc
    builder = SparkSession.builder.appName(app_name)
    chosen = master or os.environ.get("SPARK_MASTER")
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    if chosen:
        builder = builder.master(chosen)
    elif not submitted:  # under spark-submit its --master holds
        builder = builder.master("local[*]")
    for key, value in {**DEFAULT_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in DEFAULT_CONF.items():
        if spark.conf.get(key, None) is None:
            spark.conf.set(key, value)
    for key, value in REQUIRED_CONF.items():
        spark.conf.set(key, value)
    return spark


def _lake_path(lake: str, name: str) -> str:
    return f"{lake.rstrip('/')}/{name}"


def _exists(spark, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hadoop_path)


def register_lake(spark, lake: str | os.PathLike, con: duckdb.DuckDBPyConnection) -> None:
    """Views `requests`, `ingest_runs` and `request_token_latencies` over the lake (a path or URI)."""
    lake = str(lake) if "://" in str(lake) else str(Path(lake).resolve())
    requests = _lake_path(lake, "requests")
    if not _exists(spark, requests):
        raise WarehouseError(f"{requests}: no requests here; write the lake with `tracefit export-lake`")
    frame = spark.read.option("basePath", requests).parquet(requests)
    frame.drop("day").createOrReplaceTempView("requests")
    runs = _lake_path(lake, "ingest_runs.parquet")
    if _exists(spark, runs):
        spark.read.parquet(runs).createOrReplaceTempView("ingest_runs")
    else:
        _from_warehouse(spark, con, "ingest_runs", "SELECT * FROM ingest_runs")
    latencies = _lake_path(lake, "request_token_latencies")
    if _exists(spark, latencies):
        spark.read.parquet(latencies).createOrReplaceTempView("request_token_latencies")
    else:
        spark.createDataFrame([], TOKEN_LATENCY_SCHEMA).createOrReplaceTempView("request_token_latencies")


def _from_warehouse(spark, con: duckdb.DuckDBPyConnection, view: str, query: str, params: dict | None = None):
    """A (small) warehouse query as a Spark temp view, through Arrow."""
    table = con.sql(query, params=params).to_arrow_table()
    spark.createDataFrame(table).createOrReplaceTempView(view)


@dataclass(frozen=True, slots=True)
class SparkSource:
    """warehouse.mine.store.Source over a Spark session whose views register_lake made; `con` is the
    warehouse the mined tables are written to (and read back from by later step queries)."""

    spark: object
    con: duckdb.DuckDBPyConnection

    def models(self) -> list[str]:
        return [r[0] for r in self.spark.sql("SELECT DISTINCT model FROM requests ORDER BY model").collect()]

    def query(self, name: str, params: dict) -> pl.DataFrame:
        text = to_spark(name)
        for table in sorted(used_tables(text)):
            if table.startswith("mined_"):  # a name from the SQL file, never user input
                _from_warehouse(self.spark, self.con, table, f"SELECT * FROM {table}")
        args = {k: v for k, v in params.items() if f":{k}" in text}
        return _to_polars(self.spark.sql(text, args=args or None))

    @contextmanager
    def scope_rows(self, scope_params: dict, scope: dict) -> Iterator[None]:
        """tf_scope_rows as a cached Spark view (mine_scope_rows.sql + mine_scope_view.sql)."""
        from pyspark import StorageLevel

        text = to_spark("mine_scope_rows")
        stored = self.spark.sql(text, args={k: v for k, v in scope_params.items() if f":{k}" in text})
        stored.createOrReplaceTempView("tf_scope_stored")
        rows = self.spark.sql(to_spark("mine_scope_view")).persist(StorageLevel.MEMORY_AND_DISK)
        rows.createOrReplaceTempView("tf_scope_rows")
        try:
            yield
        finally:
            rows.unpersist()
            self.spark.catalog.dropTempView("tf_scope_rows")
            self.spark.catalog.dropTempView("tf_scope_stored")


def _to_polars(frame) -> pl.DataFrame:
    return pl.from_arrow(frame.toArrow())


def lake_source(lake: str | os.PathLike, con: duckdb.DuckDBPyConnection, *, master: str | None = None) -> SparkSource:
    """A session (see `session`) with the lake's views, ready for `mine(con, ..., source=...)`."""
    spark = session(master)
    register_lake(spark, lake, con)
    return SparkSource(spark, con)
