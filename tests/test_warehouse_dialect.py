"""DuckDB mining SQL -> Spark SQL (warehouse/dialect.py): every mine_*.sql transpiles, macros expand, and
each rewrite keeps DuckDB's meaning. Runs without Spark (sqlglot only)."""

import re

import pytest

sqlglot = pytest.importorskip("sqlglot", reason="the spark extra is not installed: pip install '.[spark]'")

from warehouse.db import SQL_DIR  # noqa: E402
from warehouse.dialect import macros, to_spark, transpile, used_tables  # noqa: E402

MINING = sorted(p.stem for p in SQL_DIR.glob("mine_*.sql"))


@pytest.mark.parametrize("name", MINING)
def test_every_mining_query_transpiles_without_duckdb_leftovers(name):
    text = to_spark(name)
    assert not [m for m in macros() if re.search(rf"\b{m}\s*\(", text, re.I)]  # every macro call expanded
    for duckdb_only in ("EPOCH_US(", "PERCENTILE_CONT(", "FROM_UNIXTIME(", "UNIX_TIMESTAMP(", "MATERIALIZED", "$"):
        assert duckdb_only not in text.upper(), duckdb_only
    sqlglot.parse_one(text, read="spark")  # Spark SQL that parses


def test_the_latest_macro_definition_wins():
    params, body, is_table = macros()["tf_how_cell"]
    assert params == ["ts"] and not is_table
    assert "EPOCH_US" in body.sql("duckdb").upper()  # 0004's integer arithmetic, not 0002's isodow
    assert macros()["tf_scope"][2]  # a table macro


def test_rewrites_keep_duckdb_meaning():
    # ordered list -> sorted structs; 1-based and from-the-end indexing -> element_at (same convention)
    assert (
        transpile("SELECT list(v ORDER BY k) FROM t")
        == "SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k AS k0, v AS v))), s -> s.v) FROM t"
    )
    assert (
        transpile("SELECT x[1], x[-1], x[len(y) + 1] FROM t")
        == "SELECT ELEMENT_AT(x, 1), ELEMENT_AT(x, -1), ELEMENT_AT(x, SIZE(y) + 1) FROM t"
    )
    # exact quantiles stay exact; decimal literals divide as DOUBLE; epoch seconds keep their fraction
    assert (
        transpile("SELECT quantile_cont(x, [0.5, 0.9]) FROM t")
        == "SELECT PERCENTILE(x, ARRAY(CAST(0.5 AS DOUBLE), CAST(0.9 AS DOUBLE))) FROM t"
    )
    assert (
        transpile("SELECT n / 60.0, epoch(ts), to_timestamp(s) FROM t")
        == "SELECT n / CAST(60.0 AS DOUBLE), UNIX_MICROS(ts) / CAST(1000000 AS DOUBLE), TIMESTAMP_SECONDS(s) FROM t"
    )
    # bound values stay parameters
    assert transpile("SELECT * FROM t WHERE model = $model") == "SELECT * FROM t WHERE model = :model"


def test_used_tables_lists_what_a_query_reads_not_its_ctes():
    assert used_tables(to_spark("mine_regime_traffic")) == {"mined_minutes", "mined_hour_of_week", "tf_scope_rows"}
    assert used_tables(to_spark("mine_scope")) == {"requests", "ingest_runs"}
