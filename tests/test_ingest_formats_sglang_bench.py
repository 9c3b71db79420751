"""SGLang bench_serving --output-details JSONL: one run per line, per-request arrays in seconds."""

import pytest
from formats_fixtures import gaps_by_id, ingest_fixture, reasons_by_row, requests_by_id

from ingest.reader import DEFAULT_START


def test_runs_become_requests_and_gaps(con):
    result = ingest_fixture(con, "sglang_bench_details.jsonl")
    # line 1 holds 3 requests (the third with a broken itls entry); line 2 is truncated JSON
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("sglang-bench", 4, 2, 2)
    first, second = requests_by_id(con).values()
    assert first["model"] == "Qwen/Qwen2.5-7B-Instruct"  # server_info.model_path
    assert first["arrival_ts"] == DEFAULT_START  # no arrival times in the export
    assert (first["prompt_tokens"], first["output_tokens"]) == (100, 4)
    # ttft 0.08 s; itls 0.02, 0.025, 0.03 s -> e2e 80 + 75 = 155 ms, tpot 25 ms
    assert (first["ttft_ms"], first["e2e_ms"], first["tpot_ms"]) == pytest.approx((80.0, 155.0, 25.0))
    assert (second["ttft_ms"], second["e2e_ms"]) == pytest.approx((100.0, 125.0))
    assert gaps_by_id(con) == {
        first["request_id"]: pytest.approx([20.0, 25.0, 30.0]),
        second["request_id"]: pytest.approx([25.0]),
    }
    reasons = reasons_by_row(con)
    assert reasons[3] == "itls entry is not a list of numbers"
    assert reasons[4].startswith("invalid JSON")
