"""OTLP/JSON spans with GenAI semantic-convention attributes."""

from datetime import timedelta

import pytest
from formats_fixtures import T0, ingest_fixture, reasons_by_row, requests_by_id


def test_genai_spans_become_requests(con):
    result = ingest_fixture(con, "otel_genai_spans.json")
    # 4 spans: 3 carry gen_ai.* attributes (rows); the HTTP server span is not a request
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("otel-genai", 3, 2, 1)
    rows = requests_by_id(con)
    ok = rows["5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174"]  # traceId:spanId
    assert ok["arrival_ts"] == T0  # startTimeUnixNano
    assert ok["e2e_ms"] == pytest.approx(1250.0)  # end - start
    assert ok["ttft_ms"] == pytest.approx(350.0)  # gen_ai.response.time_to_first_chunk 0.35 s
    assert (ok["model"], ok["prompt_tokens"], ok["output_tokens"], ok["cached_prompt_tokens"]) == (
        "gpt-4o-mini",
        52,
        18,
        32,
    )
    assert (ok["tenant"], ok["status"]) == ("tenant-7", "ok")
    failed = rows["5b8efff798038103d269b633813fc60d:aaa19b7ec3c1b174"]
    assert (failed["status"], failed["error_code"]) == ("error", "RateLimitError")  # status.code 2
    assert failed["arrival_ts"] == T0 + timedelta(seconds=2)
    assert reasons_by_row(con) == {3: "missing prompt_tokens"}
