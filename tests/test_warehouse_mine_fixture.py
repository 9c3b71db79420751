"""Mining a five-request warehouse whose every number can be worked out by hand."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

import warehouse
from warehouse.db import SQL_DIR
from warehouse.mine import MineOptions, load_table, load_windows, mine, quantiles, summarize
from warehouse.mine.store import run_step, scope_rows
from warehouse.query import run_sql

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a Monday: hour-of-week cell 9
# (offset s, tenant, prompt, output, ttft_ms, tpot_ms, e2e_ms, status, prefix blocks)
FIVE = [
    (0, "a", 100, 10, 100.0, 10.0, 190.0, "ok", [1, 2]),
    (30, "a", 200, 20, 200.0, 10.0, 390.0, "ok", [1, 3]),
    (70, "b", 2000, 300, 1000.0, 20.0, 6980.0, "ok", None),
    (120, "b", 400, 1, None, None, None, "error", None),
    (3600, "c", 4000, 500, 2000.0, 10.0, 6990.0, "timeout", None),
]


def make_warehouse(path, rows, model="m", sample_rate=0.5):
    con = warehouse.connect(path)
    con.execute(
        "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
        "column_map, status, started_at) VALUES (1, 'x', 'x', 'generic', 's', $r, 'absolute', '{}', "
        "'loaded', now())",
        {"r": sample_rate},
    )
    frame = pl.DataFrame(
        {
            "ingest_run_id": [1] * len(rows),
            "source": ["s"] * len(rows),
            "request_id": [f"r{i}" for i in range(len(rows))],
            "arrival_ts": [T0 + timedelta(seconds=r[0]) for r in rows],
            "model": [model] * len(rows),
            "tenant": [r[1] for r in rows],
            "prompt_tokens": [r[2] for r in rows],
            "output_tokens": [r[3] for r in rows],
            "ttft_ms": [r[4] for r in rows],
            "tpot_ms": [r[5] for r in rows],
            "e2e_ms": [r[6] for r in rows],
            "status": [r[7] for r in rows],
            "prefix_block_ids": [r[8] for r in rows],
            "source_row": list(range(1, len(rows) + 1)),
        },
        schema_overrides={"prefix_block_ids": pl.List(pl.Int64)},
    )
    con.register("tf_fixture", frame.to_arrow())
    con.execute("INSERT INTO requests BY NAME SELECT * FROM tf_fixture")
    con.unregister("tf_fixture")
    return con


@pytest.fixture
def five(tmp_path):
    con = make_warehouse(tmp_path / "five.duckdb", FIVE)
    mine(con, MineOptions())
    yield con
    con.close()


def test_length_quantiles_are_continuous(five):
    q = quantiles(five, "m")["prompt_tokens"]
    # sorted prompts 100, 200, 400, 2000, 4000; position p·(n−1): p90 → 3.6 → 2000 + 0.6·2000
    assert (q.count, q.min, q.p25, q.p50, q.p75, q.max) == (5, 100, 200, 400, 2000, 4000)
    assert q.p90 == pytest.approx(3200) and q.mean == pytest.approx(6700 / 5)


def test_latency_quantiles_use_ok_requests_only(five):
    q = quantiles(five, "m")["ttft_ms"]
    # ok requests' TTFT 100, 200, 1000 (the timeout's 2000 is left out): p25 = 150, p75 = 600
    assert (q.count, q.p25, q.p50, q.p75) == (3, 150, 200, 600)


def test_patterns_histogram_and_errors(five):
    patterns = dict(
        load_table(five, "mined_patterns", "m")
        .filter(pl.col("regime_id").is_null())
        .select("pattern", "share")
        .iter_rows()
    )
    # long = prompt >= 1024 / output >= 256: requests 3 and 5 are long_long, the rest short_short
    assert patterns == {"long_long": 0.4, "long_short": 0.0, "short_long": 0.0, "short_short": 0.6}
    hist = load_table(five, "mined_length_histogram", "m")
    cell = hist.filter(pl.col("prompt_tokens_lo") == 64).row(0, named=True)  # prompt 100 → [64, 128)
    assert (cell["prompt_tokens_hi"], cell["output_tokens_lo"], cell["output_tokens_hi"]) == (128, 8, 16)
    errors = load_table(five, "mined_errors", "m").filter(pl.col("regime_id").is_null()).row(0, named=True)
    assert (errors["error_share"], errors["timeout_share"], errors["non_ok_share"]) == (0.2, 0.2, 0.4)


def test_concurrency_reconstructed_from_latencies(five):
    with scope_rows(five, MineOptions().scope_params("m")):
        samples = run_step(five, "mine_concurrency", {"model": "m", "step_s": 1})
    # grid from the first arrival to the last end (3600 + 6.99 s) → 0..3607 = 3608 samples
    assert samples.height == 3608
    by_t = {i: row for i, row in enumerate(samples.iter_rows(named=True))}
    # request 3 arrives at 70 s, first token at 71 s, 299 more tokens over 5.98 s = 50 tokens/s:
    # kv(72) = 2000 prompt + 1 first token + 50·1 s = 2051
    assert by_t[72]["in_flight_requests"] == 1
    assert by_t[72]["in_flight_kv_tokens"] == pytest.approx(2051)
    assert by_t[50]["in_flight_requests"] == 0
    windows = load_table(five, "mined_concurrency_windows", "m")
    assert windows.filter(pl.col("regime_id").is_null())["in_flight_requests_max"].item() == 1


def test_tenant_kv_token_seconds(five):
    tenants = {r["tenant"]: r for r in load_table(five, "mined_tenants", "m").iter_rows(named=True)}
    # b: request 3 decodes D = 5.98 s: (2000 + 1)·5.98 + 299·5.98/2 = 12859.99 (request 4 has none)
    assert tenants["b"]["kv_token_seconds"] == pytest.approx(12859.99)
    # a: (101·0.09 + 9·0.09/2) + (201·0.19 + 19·0.19/2) = 9.495 + 39.995
    assert tenants["a"]["kv_token_seconds"] == pytest.approx(49.49)


def test_windows_prefix_and_real_scale(five):
    (window,) = load_windows(five, "m")  # two observed cells, too few to cluster: one regime
    assert window.label == "Mon 09–11" and window.cells == (9, 10)
    # r2 reuses block 1 of r1: 1 hit of 4 looked-up blocks, at every cache size
    assert set(window.prefix_hit_rate.values()) == {0.25}
    cells = load_table(five, "mined_hour_of_week", "m").sort("how_cell")
    # cell 9: 4 logged requests at sample rate 0.5 = 8 real requests in one hour
    assert cells["rps_real"][0] == pytest.approx(8 / 3600)


def test_unchanged_data_is_not_mined_again(five):
    assert [r.status for r in mine(five, MineOptions())] == ["unchanged"]
    assert [r.status for r in mine(five, MineOptions(prompt_long_tokens=2048))] == ["mined"]


def test_model_without_latencies_reports_null(tmp_path):
    rows = [(i * 60, "a", 100 + i, 10, None, None, None, "ok", None) for i in range(30)]
    con = make_warehouse(tmp_path / "bare.duckdb", rows, model="bare")
    mine(con, MineOptions())
    result = summarize(con, ["bare"])
    assert result["latency"]["bare"] is None
    assert result["concurrency"]["bare"]["available"] is False
    assert result["lengths"]["bare"]["prompt_tokens"]["count"] == 30
    assert load_table(con, "mined_tenants", "bare")["kv_token_seconds"].to_list() == [None]


def test_every_mining_sql_file_runs(five):
    params = {
        **MineOptions().scope_params("m"),
        "bin_tokens": None,
        "prompt_long_tokens": 1024,
        "output_long_tokens": 256,
        "step_s": 60,
        "bucket_tokens": 256,
        "peak_regime_id": 0,
    }
    for latency in (True, False):  # the steps' TEMP table, with latency columns stored or NULL
        with scope_rows(five, MineOptions().scope_params("m"), latency=latency):
            for path in sorted(SQL_DIR.glob("mine_*.sql")):
                text = path.read_text()
                used = {k: v for k, v in params.items() if f"${k}" in text}
                assert isinstance(run_sql(five, path.stem, used), pl.DataFrame), path.name


def test_runs_with_different_sample_rates_weigh_each_request(tmp_path):
    con = make_warehouse(tmp_path / "mixed.duckdb", FIVE[:2])  # run 1 at rate 0.5: r0, r1 in cell 9
    con.execute(
        "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
        "column_map, status, started_at) VALUES (2, 'y', 'y', 'generic', 's2', 0.25, 'absolute', '{}', "
        "'loaded', now())"
    )
    con.execute(
        "INSERT INTO requests BY NAME SELECT 2 AS ingest_run_id, 's2' AS source, 'x' AS request_id, "
        "arrival_ts + INTERVAL 10 SECOND AS arrival_ts, model, tenant, prompt_tokens, output_tokens, "
        "status, source_row FROM requests WHERE request_id = 'r0'"
    )
    mine(con, MineOptions())
    # weight stored per request: 2 requests at 1/0.5 + 1 at 1/0.25 = 8 real requests in one hour
    assert load_table(con, "mined_hour_of_week", "m")["rps_real"].to_list() == [pytest.approx(8 / 3600)]
    con.close()


def test_status_outside_the_known_four_is_only_non_ok(tmp_path):
    rows = [
        (0, "a", 100, 10, None, None, None, "ok", None),
        (60, "a", 100, 10, None, None, None, "http_503", None),
        (120, "a", 100, 10, None, None, None, "cancelled", None),
        (180, "a", 100, 10, None, None, None, "ok", None),
    ]
    con = make_warehouse(tmp_path / "status.duckdb", rows)
    mine(con, MineOptions())
    errors = load_table(con, "mined_errors", "m").filter(pl.col("regime_id").is_null()).row(0, named=True)
    # 2 of 4 not ok; of those 1 cancelled, "http_503" none of error/timeout/rejected/cancelled
    assert (errors["non_ok_share"], errors["cancelled_share"], errors["error_share"]) == (0.5, 0.25, 0.0)
    assert load_table(con, "mined_minutes", "m")["non_ok"].to_list() == [0, 1, 1, 0]
    con.close()


def test_lengths_beyond_integer_range_are_kept_exact(tmp_path):
    # 2^31 tokens do not fit the INTEGER the projection uses for ordinary lengths: stored as BIGINT
    rows = [(0, "a", 2**31, 2**31, None, None, None, "ok", None), (60, "a", 1, 1, None, None, None, "ok", None)]
    con = make_warehouse(tmp_path / "long.duckdb", rows)
    mine(con, MineOptions())
    q = quantiles(con, "m")
    assert (q["prompt_tokens"].max, q["total_tokens"].max) == (2**31, 2**32)
    con.close()
