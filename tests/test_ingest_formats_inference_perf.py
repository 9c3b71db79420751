"""inference-perf per_request_lifecycle_metrics.json: a real 0.7.0 file (tests/fixtures/real, made by
capture/inference_perf_run.sh) checked against inference-perf's own summary of the same run."""

import json
import lzma
from pathlib import Path

import pytest

from ingest import ReadOptions
from ingest.formats_k8s_bench import inference_perf_records
from warehouse.load import ingest_paths

REAL = Path(__file__).parent / "fixtures" / "real"
RUN = "inference-perf-0.7.0_per_request_lifecycle_metrics_mock-server_400s.json.xz"
SUMMARY = "inference-perf-0.7.0_summary_lifecycle_metrics_mock-server_400s.json"


def one(con, sql: str):
    return con.execute(sql).fetchall()[0]


def test_per_request_file_matches_its_own_summary(con):
    # inference-perf 0.7.0, constant 4 requests/s for 5 s, streamed completions, against the mock server
    # started with --max-prompt-tokens 45: 12 answered, 8 HTTP 400 (its "400 - Context Window")
    (result,) = ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    summary = json.loads((REAL / SUMMARY).read_text())
    ok = summary["successes"]
    assert (result.status, result.format, result.rows_read, result.rows_loaded) == ("loaded", "inference-perf", 20, 20)
    where_ok = "FROM requests WHERE status = 'ok'"
    count, prompt, output = one(con, f"SELECT count(*), sum(prompt_tokens), sum(output_tokens) {where_ok}")
    assert (count, prompt, output) == (ok["count"], ok["prompt_tokens"]["total"], ok["output_tokens"]["total"])
    assert (count, prompt, output) == (12, 431, 420)  # printed: Successes 12; prompt mean 35.9, output mean 35.0
    for column, metric in (
        ("ttft_ms", "time_to_first_token"),
        ("e2e_ms", "request_latency"),
        ("tpot_ms", "time_per_output_token"),
    ):
        stats = ok["latency"][metric]  # seconds
        got = one(con, f"SELECT avg({column}), median({column}), quantile_cont({column}, 0.99) {where_ok}")
        assert got == pytest.approx((stats["mean"] * 1e3, stats["median"] * 1e3, stats["p99"] * 1e3))
    # TTFT 23.86 / 23.98 / 24.97 ms, request latency 375.73 / 388.52 / 558.01 ms, TPOT 10.23 / 10.03 / 11.57 ms
    assert one(con, f"SELECT avg(ttft_ms) {where_ok}")[0] == pytest.approx(23.860, abs=1e-3)
    # its inter_token_latency pools every gap between output token times: 420 tokens - 12 first tokens = 408
    itl = ok["latency"]["inter_token_latency"]
    gaps = one(
        con, "SELECT count(*), avg(itl_ms), median(itl_ms), quantile_cont(itl_ms, 0.99) FROM request_token_latencies"
    )
    assert gaps == pytest.approx(
        (408, itl["mean"] * 1e3, itl["median"] * 1e3, itl["p99"] * 1e3)
    )  # 10.33 / 9.61 / 44.58


def test_failed_requests_keep_their_latency_and_error_type(con):
    ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    failed = json.loads((REAL / SUMMARY).read_text())["failures"]
    row = one(
        con,
        "SELECT count(*), any_value(error_code), sum(prompt_tokens), sum(output_tokens), count(ttft_ms), "
        "avg(e2e_ms), median(e2e_ms) FROM requests WHERE status = 'error'",
    )
    assert row[:5] == (failed["count"], "HTTP Error 400", failed["prompt_tokens"]["total"], 0, 0)  # 8, 0 tokens
    stats = failed["request_latency"]  # 1.689 / 1.467 ms: the time to the 400 answer
    assert row[5:] == pytest.approx((stats["mean"] * 1e3, stats["median"] * 1e3))


def test_arrivals_are_relative_in_the_files_start_times(con):
    ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    starts = [r["start_time"] for r in json.loads(lzma.open(REAL / RUN).read())]  # time.perf_counter s
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("relative",)
    offsets = con.execute(
        "SELECT epoch(arrival_ts) - epoch(min(arrival_ts) OVER ()) FROM requests ORDER BY source_row"
    ).fetchall()
    assert [o for (o,) in offsets] == pytest.approx([s - min(starts) for s in starts], abs=1e-6)


def test_error_types_map_to_statuses():
    # the error_type spellings of inference-perf 0.7.0's openai_client.py; start 10 s, answered 0.5 s later
    def status(kind: str) -> str:
        (record,) = inference_perf_records(
            [{"start_time": 10.0, "end_time": 10.5, "info": {}, "error": {"error_type": kind, "error_msg": "x"}}]
        )
        assert record["e2e_ms"] == pytest.approx(500.0) and record["error_code"] == kind
        return record["status"]

    assert [status(k) for k in ("HTTP Error 429", "TimeoutError", "ClientConnectorError")] == [
        "429",
        "timeout",
        "error",
    ]


def test_its_summary_is_recognised_and_says_what_to_load(con):
    (result,) = ingest_paths(con, [REAL / SUMMARY], ReadOptions())
    assert result.status == "failed" and "a run summary of inference-perf" in result.message
    assert "per_request: true" in result.message
