"""Scale-out path: the warehouse's requests as hive-partitioned Parquet (model, day), read back by
DuckDB's `read_parquet(..., hive_partitioning=true)` — the layout Spark and Trino read too — and
the mining SQL run over it gives the same results as over the DuckDB file."""

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import warehouse
from ingest import ReadOptions
from tracefit.synthetic import generate
from warehouse.load import ingest_paths
from warehouse.mine import MineOptions, mine

EXPORT = (
    "COPY (SELECT *, CAST(arrival_ts AT TIME ZONE 'UTC' AS DATE) AS day FROM requests) "
    "TO '{dir}' (FORMAT parquet, PARTITION_BY (model, day))"
)
# what another engine's session does: requests is a view over the files; the small tables travel as is
READ_BACK = (
    "CREATE OR REPLACE VIEW requests AS SELECT * EXCLUDE (day) "
    "FROM read_parquet('{dir}/**/*.parquet', hive_partitioning = true)"
)
TABLES = ("mined_quantiles", "mined_hour_of_week", "mined_tenants", "mined_length_histogram")


def mined(con) -> dict[str, pl.DataFrame]:
    return {t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl() for t in TABLES}


@pytest.mark.slow
def test_mining_sql_runs_over_hive_partitioned_parquet(tmp_path):
    log = tmp_path / "two-models.parquet"
    one, two = generate(days=3, seed=5, mean_rps=0.05).requests, generate(days=3, seed=6, mean_rps=0.03).requests
    pl.concat([one.with_columns(model=pl.lit("a")), two.with_columns(model=pl.lit("b'; --"))]).write_parquet(log)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        ingest_paths(con, [log], ReadOptions(source="prod"))
        mine(con, MineOptions())
        expected = mined(con)
        con.execute(EXPORT.format(dir=tmp_path / "lake"))
        runs = con.sql("SELECT * FROM ingest_runs").pl()
    parts = sorted(p.relative_to(tmp_path / "lake").parts[:2] for p in (tmp_path / "lake").rglob("*.parquet"))
    assert len({p[0] for p in parts}) == 2 and ("model=a",) <= min(parts)[:1]
    assert all(p[1].startswith("day=2025-03-0") for p in parts)
    with warehouse.connect(":memory:") as lake:  # a fresh engine: schema from the migrations, no rows
        lake.execute("DROP TABLE requests")
        lake.execute(READ_BACK.format(dir=tmp_path / "lake"))
        lake.register("runs", runs.to_arrow())
        lake.execute("INSERT INTO ingest_runs SELECT * FROM runs")
        assert lake.sql("SELECT count(*) FROM requests").fetchall()[0][0] == one.height + two.height
        mine(lake, MineOptions())
        got = mined(lake)
    for table in TABLES:  # equal up to float summation order (the files are read in another order)
        assert_frame_equal(got[table], expected[table], rel_tol=1e-9)
