"""vLLM `bench serve --save-detailed` JSON: parallel per-request arrays in seconds."""

from datetime import timedelta

import pytest
from formats_fixtures import gaps_by_id, ingest_fixture, reasons_by_row, requests_by_id

from ingest.reader import DEFAULT_START


def test_parallel_arrays_become_requests_and_gaps(con):
    result = ingest_fixture(con, "vllm_bench_detailed.json")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("vllm-bench", 4, 3, 1)
    first, second, failed = requests_by_id(con).values()
    assert first["model"] == "meta-llama/Llama-3.1-8B-Instruct"  # model_id
    # start_times 10.0, 10.5, 11.0 s are monotonic: the first lands at --start
    assert first["arrival_ts"] == DEFAULT_START
    assert second["arrival_ts"] == DEFAULT_START + timedelta(milliseconds=500)
    assert failed["arrival_ts"] == DEFAULT_START + timedelta(seconds=1)
    assert (first["prompt_tokens"], first["output_tokens"]) == (100, 3)
    # ttft 0.1 s; itls 0.02, 0.03 s -> e2e = 100 + 20 + 30, tpot = mean gap
    assert (first["ttft_ms"], first["e2e_ms"], first["tpot_ms"]) == pytest.approx((100.0, 150.0, 25.0))
    assert (second["ttft_ms"], second["e2e_ms"]) == pytest.approx((200.0, 250.0))
    # a non-empty `errors` entry marks the request failed; the message itself is not read
    assert (failed["status"], failed["output_tokens"], failed["ttft_ms"], failed["error_code"]) == (
        "error",
        0,
        None,
        None,
    )
    assert gaps_by_id(con) == {
        first["request_id"]: pytest.approx([20.0, 30.0]),
        second["request_id"]: pytest.approx([50.0]),
    }
    assert reasons_by_row(con) == {4: "itl_ms_list has a negative, missing or non-finite gap"}
