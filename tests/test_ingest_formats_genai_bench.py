"""genai-bench's per-run JSON: a real 0.0.5 file (tests/fixtures/real, made by capture/genai_bench_run.sh)
checked against the aggregated_metrics genai-bench wrote into the same file."""

import json
from pathlib import Path

import pytest

from ingest import ReadOptions
from ingest.formats_k8s_bench import genai_bench_records
from warehouse.load import ingest_paths

REAL = Path(__file__).parent / "fixtures" / "real"
RUN = "genai-bench-0.0.5_N60_20_32_8_text-to-text_num_concurrency_2_time_4s_mock-server_400s.json"


def one(con, sql: str):
    return con.execute(sql).fetchall()[0]


def test_per_request_metrics_match_its_own_aggregates(con):
    # genai-bench 0.0.5 `benchmark --task text-to-text --traffic-scenario "N(60,20)/(32,8)" --num-concurrency 2
    # --max-requests-per-run 20`, against the mock server started with --max-prompt-tokens 30 and --chunked:
    # 28 requests in 4 s, 5 answered HTTP 400
    (result,) = ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    run = json.loads((REAL / RUN).read_text())["aggregated_metrics"]
    stats = run["stats"]  # seconds (`_time_unit` s), over the completed requests
    assert (result.status, result.format, result.rows_read, result.rows_loaded) == ("loaded", "genai-bench", 28, 28)
    rows = con.execute("SELECT status, count(*) FROM requests GROUP BY ALL ORDER BY 1").fetchall()
    assert rows == [("error", run["error_codes_frequency"]["400"]), ("ok", run["num_completed_requests"])]  # 5, 23
    where_ok = "FROM requests WHERE status = 'ok'"
    tokens = one(con, f"SELECT sum(prompt_tokens), sum(output_tokens) {where_ok}")
    assert tokens == (stats["num_input_tokens"]["sum"], stats["num_output_tokens"]["sum"]) == (502, 696)
    for column, metric in (("ttft_ms", "ttft"), ("tpot_ms", "tpot"), ("e2e_ms", "e2e_latency")):
        got = one(con, f"SELECT avg({column}), median({column}), quantile_cont({column}, 0.99) {where_ok}")
        assert got == pytest.approx(tuple(stats[metric][k] * 1e3 for k in ("mean", "p50", "p99")))
    # TTFT mean / p50 / p99 23.31 / 22.83 / 27.92 ms, TPOT 10.46 / 10.03 / 13.08, E2E 331.89 / 342.78 / 478.52
    assert one(con, f"SELECT avg(ttft_ms) {where_ok}")[0] == pytest.approx(23.306, abs=1e-3)
    # a failure has every metric null in the file: no times, 0 tokens; a closed loop with no start times
    assert one(
        con, "SELECT count(ttft_ms), count(e2e_ms), sum(output_tokens) FROM requests WHERE status = 'error'"
    ) == (
        0,
        0,
        0,
    )


def test_arrivals_rebuilt_from_its_two_clients(con):
    # genai-bench writes no start times; aggregated_metrics.num_concurrency = 2 locust users, each sending
    # its next request when the last returns, recorded as they return (the file's order)
    (result,) = ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    # idle: the run lasts its run_duration, 4.134624420 s: 2 users × 4.134624420 = 8.269248840 s of user time,
    # the e2e latencies sum to 7.633369537 s (the failures' are null), so (8.269248840 - 7.633369537) / 28
    # requests = 0.022709975 s before each request
    idle_s = (2 * 4.134624419999454 - 7.633369537003091) / 28
    assert result.message == (
        f"arrivals rebuilt from 2 closed-loop clients (aggregated_metrics.num_concurrency in {RUN}), each "
        "request's latency in the file's order and 0.023 s idle between a user's requests (the run_duration "
        "genai-bench measured)"
    )
    assert one(con, "SELECT timestamps, notes FROM ingest_runs") == ("relative", result.message)
    offsets = con.execute(
        "SELECT epoch(arrival_ts - min(arrival_ts) OVER ()) FROM requests ORDER BY source_row LIMIT 7"
    ).fetchall()
    # e2e_latency of the first six records (s): 0.248571656, 0.361341266, 0.342776098, 0.382000751,
    # null (HTTP 400: takes no user time), 0.424141767. Both users start first (offset 0); each next request
    # goes to the user free first, idle_s after its end: #2 after #0 (idle + 0.248571656), #3 after #1
    # (idle + 0.361341266), #4 after #2 (2 idle + 0.248571656 + 0.342776098 = 2 idle + 0.591347754), #5
    # after the failure #4 on the same user (3 idle + 0.591347754), #6 after #3 (2 idle + 0.361341266 +
    # 0.382000751 = 2 idle + 0.743342017)
    expected = [0.0, 0.0, 0.248571656, 0.361341266, 0.591347754, 0.591347754, 0.743342017]
    expected = [x + n * idle_s for x, n in zip(expected, (0, 0, 1, 1, 2, 3, 2), strict=True)]
    assert [r[0] for r in offsets] == pytest.approx(expected, abs=1e-6)  # arrival_ts is in whole µs
    # and the rebuilt run lasts about as long as genai-bench measured it: 4.185 s to the last end (the two
    # users' last requests end apart; the idle fills their total, 2 × 4.135 s), within 5%
    span_s = one(
        con,
        "SELECT epoch(max(arrival_ts + to_microseconds(CAST(coalesce(e2e_ms, 0) * 1000 AS BIGINT))) "
        "- min(arrival_ts)) FROM requests",
    )[0]
    assert span_s == pytest.approx(4.134624419999454, rel=0.05)
    # never more than the 2 clients in flight (not 28 at once); an end counts as before a start it equals
    # to the µs (arrival_ts and e2e_ms are each rounded to the µs apart)
    in_flight = one(
        con,
        "SELECT max(n) FROM (SELECT (SELECT count(*) FROM requests b WHERE b.arrival_ts <= a.arrival_ts AND "
        "b.arrival_ts + to_microseconds(CAST(coalesce(b.e2e_ms, 0) * 1000 AS BIGINT)) > a.arrival_ts "
        "+ INTERVAL 1 MICROSECOND) AS n FROM requests a)",
    )[0]
    assert in_flight == 2


def test_concurrency_from_the_file_name_when_the_json_has_none(tmp_path, con):
    doc = json.loads((REAL / RUN).read_text())
    del doc["aggregated_metrics"]["num_concurrency"]
    path = tmp_path / "D100_100_text-to-text_num_concurrency_4_time_61s.json"
    path.write_text(json.dumps(doc))
    (result,) = ingest_paths(con, [path], ReadOptions(model="mock-llm"))
    assert result.status == "loaded"
    assert result.message.startswith(
        "arrivals rebuilt from 4 closed-loop clients (num_concurrency_4 in the file's name)"
    )
    # 4 clients: the first four records all start at 0
    assert one(con, "SELECT count(*) FROM requests WHERE arrival_ts = (SELECT min(arrival_ts) FROM requests)") == (4,)


@pytest.mark.parametrize("name", ["renamed.json", "D100_100_text-to-text_num_concurrency_0_time_61s.json"])
def test_without_a_concurrency_it_says_how_to_give_one(tmp_path, con, name):
    # genai-bench's num_concurrency is at least 1 (protocol.py conint(ge=1)): 0 users is no loop
    doc = json.loads((REAL / RUN).read_text())
    del doc["aggregated_metrics"]["num_concurrency"]
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    (result,) = ingest_paths(con, [path], ReadOptions(model="mock-llm"))
    assert result.status == "loaded" and result.message.startswith("no arrival times")
    assert "aggregated_metrics.num_concurrency" in result.message
    assert "<scenario>_<task>_num_concurrency_<N>_time_<T>s.json" in result.message
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("missing",)


def test_milliseconds_when_the_run_asked_for_them():
    # --metrics-time-unit ms: genai-bench's TimeUnitConverter writes ttft, tpot, e2e_latency × 1000
    doc = {"_time_unit": "ms", "individual_request_metrics": [{"ttft": 25.0, "tpot": 10.0, "e2e_latency": 300.0}]}
    (record,) = genai_bench_records(doc)
    assert (record["ttft_ms"], record["tpot_ms"], record["e2e_ms"]) == (25.0, 10.0, 300.0)
    with pytest.raises(ValueError, match="_time_unit"):
        genai_bench_records(doc | {"_time_unit": "minutes"})
