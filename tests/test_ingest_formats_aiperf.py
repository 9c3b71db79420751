"""AIPerf profile_export.jsonl: metrics with units, errors as statuses, inter_chunk_latency as ITL."""

import json
from datetime import timedelta

import pytest
from formats_fixtures import FIXTURES, T0, gaps_by_id, ingest_fixture, reasons_by_row, requests_by_id


def test_metrics_statuses_and_gaps(con):
    result = ingest_fixture(con, "aiperf_profile_export.jsonl", model="llama-3-8b")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("aiperf", 5, 3, 2)
    rows = requests_by_id(con)
    ok, cancelled, failed = rows["req-a1"], rows["req-a2"], rows["req-a3"]
    assert ok["arrival_ts"] == T0  # request_start_ns 1735725600000000000
    assert (ok["prompt_tokens"], ok["output_tokens"]) == (550, 4)
    assert (ok["ttft_ms"], ok["tpot_ms"], ok["e2e_ms"]) == pytest.approx((120.5, 30.0, 210.5))
    assert (ok["status"], ok["error_code"]) == ("ok", None)
    # was_cancelled with HTTP 499; error_isl is the prompt length; nothing came back
    assert (cancelled["status"], cancelled["error_code"], cancelled["prompt_tokens"], cancelled["output_tokens"]) == (
        "cancelled",
        "RequestCancellationError",
        550,
        0,
    )
    assert cancelled["arrival_ts"] == T0 + timedelta(seconds=1)
    assert (failed["status"], failed["error_code"]) == ("error", "InternalServerError")  # HTTP 500
    assert gaps_by_id(con) == {"req-a1": pytest.approx([30.0, 35.0, 25.0])}
    reasons = reasons_by_row(con)
    assert reasons[4].startswith("invalid JSON")
    assert reasons[5].startswith("ttft_ms is negative")


def test_duplicates_keep_only_the_first_rows_gaps(tmp_path, con):
    """A repeated x_request_id within a file and across files of one source: gaps follow the row kept."""
    first = json.loads((FIXTURES / "aiperf_profile_export.jsonl").read_text().splitlines()[0])
    again = json.loads(json.dumps(first))
    again["metrics"]["inter_chunk_latency"]["value"] = [1.0, 2.0, 3.0, 4.0, 5.0]
    one = tmp_path / "run1.jsonl"
    one.write_text(json.dumps(first) + "\n" + json.dumps(again) + "\n")
    two = tmp_path / "run2.jsonl"
    two.write_text(json.dumps(again) + "\n")
    assert ingest_fixture(con, str(one), source="bench").rows_duplicate == 1
    assert ingest_fixture(con, str(two), source="bench").rows_duplicate == 1
    assert gaps_by_id(con) == {"req-a1": pytest.approx([30.0, 35.0, 25.0])}
    (count,) = con.execute("SELECT count(*) FROM request_token_latencies").fetchall()[0]
    assert count == 3
