"""GuideLLM benchmarks.json: per-request Unix-second timings grouped by outcome."""

from datetime import timedelta

import pytest
from formats_fixtures import T0, ingest_fixture, reasons_by_row, requests_by_id


def test_timings_and_outcomes(con):
    result = ingest_fixture(con, "guidellm_benchmarks.json")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("guidellm", 4, 3, 1)
    rows = requests_by_id(con)
    ok, incomplete, errored = rows["g-1"], rows["g-2"], rows["g-3"]
    assert ok["model"] == "meta-llama/Llama-3.1-8B-Instruct"  # worker.backend_model
    assert ok["arrival_ts"] == T0
    # start 0.0, first token 0.1, last token 0.5, end 0.5 s after T0; 5 output tokens
    assert ok["ttft_ms"] == pytest.approx(100.0, abs=1e-3)
    assert ok["e2e_ms"] == pytest.approx(500.0, abs=1e-3)
    assert ok["tpot_ms"] == pytest.approx(400.0 / 4, abs=1e-3)  # (last - first) / (tokens - 1)
    assert (ok["prompt_tokens"], ok["output_tokens"], ok["status"]) == (64, 5, "ok")
    assert incomplete["status"] == "cancelled"
    assert incomplete["arrival_ts"] == T0 + timedelta(seconds=1)
    assert (errored["status"], errored["output_tokens"], errored["ttft_ms"]) == ("error", 0, None)
    assert errored["e2e_ms"] == pytest.approx(50.0, abs=1e-3)
    assert reasons_by_row(con)[4].startswith("prompt_tokens is not a number")
