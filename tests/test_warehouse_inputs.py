"""The warehouse's interfaces to other packages: relations passed to one query, the tf_logged /
tf_scope macros (0006, 0008) and tf_length_lists (0007), on a hand-built warehouse."""

import polars as pl
import pytest

import warehouse
from warehouse import WarehouseError
from warehouse.inputs.dashboard import PATTERN_THRESHOLDS
from warehouse.inputs.recommend import BULK, BULK_SECONDS_SCHEMA, bulk_seconds
from warehouse.mine.options import MineOptions
from warehouse.query import run_sql

RUN = (
    "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, column_map, "
    "status, started_at) VALUES ($id, 'f', $id::VARCHAR, 'generic', 's', $rate, $ts, '{}', 'loaded', now())"
)
REQUEST = (
    "INSERT INTO requests (ingest_run_id, source, request_id, arrival_ts, model, prompt_tokens, "
    "output_tokens, status, source_row) VALUES ($run, 's', $rid, $at::TIMESTAMPTZ, $model, $p, $o, 'ok', 0)"
)


@pytest.fixture
def con(tmp_path):
    """Run 1 logs 1 in 2 requests of model a (absolute times), run 2 logs 1 in 4 of a and b (missing)."""
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        con.execute(RUN, {"id": 1, "rate": 0.5, "ts": "absolute"})
        con.execute(RUN, {"id": 2, "rate": 0.25, "ts": "missing"})
        rows = [
            (1, "r1", "2025-03-03 00:00:00+00", "a", 10, 1),
            (1, "r2", "2025-03-03 01:00:00+00", "a", 30, 3),
            (2, "r3", "2025-03-03 02:00:00+00", "a", 10, 5),
            (2, "r4", "2025-03-03 02:30:00+00", "b", 20, 2),
        ]
        for run, rid, at, model, p, o in rows:
            con.execute(REQUEST, {"run": run, "rid": rid, "at": at, "model": model, "p": p, "o": o})
        yield con


def test_tf_logged_joins_each_request_to_its_run(con):
    rows = con.sql(
        "SELECT request_id, sample_rate, weight, run_timestamps FROM tf_logged(['a'], NULL, "
        "'2025-03-03 02:00:00+00'::TIMESTAMPTZ) ORDER BY request_id"
    ).fetchall()
    # model a before 02:00 (until is exclusive): r1, r2 of run 1 (1 in 2 logged -> weight 2)
    assert rows == [("r1", 0.5, 2.0, "absolute"), ("r2", 0.5, 2.0, "absolute")]
    every = con.sql("SELECT count(*), sum(weight) FROM tf_logged(NULL::VARCHAR[], NULL, NULL)").fetchall()
    assert every == [(4, 2.0 + 2.0 + 4.0 + 4.0)]


def test_tf_scope_is_one_model_of_tf_logged_with_its_hour_of_week_cell(con):
    rows = con.sql(
        "SELECT request_id, weight, run_timestamps, how_cell FROM tf_scope('a', NULL, NULL) ORDER BY request_id"
    ).fetchall()
    # 2025-03-03 is a Monday: hours 0, 1, 2 are cells 0, 1, 2; r3 is run 2's (1 in 4, no arrival times)
    assert rows == [("r1", 2.0, "absolute", 0), ("r2", 2.0, "absolute", 1), ("r3", 4.0, "missing", 2)]


def test_tf_length_lists_gives_sorted_lengths_and_cumulative_counts(con):
    con.execute(
        "CREATE TEMP TABLE tf_scope_rows AS SELECT * FROM (VALUES (0, 10, 1), (0, 30, 3), (0, 10, 5), "
        "(1, 20, 2)) t(how_cell, prompt_tokens, output_tokens)"
    )
    rows = con.sql(
        "SELECT k, is_output, vals, ends FROM tf_length_lists('tf_scope_rows', how_cell) ORDER BY ALL"
    ).fetchall()
    # cell 0: prompts 10, 10, 30 -> vals [10, 30], ends [2, 3]; outputs 1, 3, 5 -> ends [1, 2, 3]
    assert rows == [(0, 0, [10, 30], [2, 3]), (0, 1, [1, 3, 5], [1, 2, 3]), (1, 0, [20], [1]), (1, 1, [2], [1])]


def test_a_relation_lives_for_its_query_only(con):
    seconds = (
        pl.DataFrame({"tenant": [None], "second": [1740960000]})
        .with_columns(pl.lit(2.0).alias(c) for c in BULK_SECONDS_SCHEMA if c not in ("tenant", "second"))
        .cast(BULK_SECONDS_SCHEMA)
    )
    frame = run_sql(
        con,
        "backtest_requests",
        {"models": ["a"], "since": "2025-03-03T00:00:00+00:00", "until": "2025-03-04T00:00:00+00:00"},
        {BULK: seconds},
    )
    # 1740960000 = 2025-03-03 00:00:00 UTC: r1's (untenanted) second is bulk, r2 and r3 are not
    assert frame["bulk"].to_list() == [True, False, False]
    with pytest.raises(WarehouseError, match="tf_bulk_seconds"):
        run_sql(con, "backtest_requests", {"models": ["a"], "since": None, "until": None})


def test_no_rule_selects_no_bulk_second(con):
    assert bulk_seconds(con, ["a"], None, None, None).schema == pl.Schema(BULK_SECONDS_SCHEMA)
    assert bulk_seconds(con, ["a"], None, None, None).is_empty()


def test_dashboard_patterns_split_as_mining_does():
    assert PATTERN_THRESHOLDS == {
        "prompt_long_tokens": MineOptions().prompt_long_tokens,
        "output_long_tokens": MineOptions().output_long_tokens,
    }
