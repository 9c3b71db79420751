"""LiteLLM proxy spend logs (CSV export of LiteLLM_SpendLogs)."""

import pytest
from formats_fixtures import T0, ingest_fixture, reasons_by_row, requests_by_id


def test_spend_log_times_tenants_and_statuses(con):
    result = ingest_fixture(con, "litellm_spend_logs.csv")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("litellm", 3, 2, 1)
    rows = requests_by_id(con)
    ok, failed = rows["chatcmpl-l1"], rows["chatcmpl-l2"]
    assert ok["arrival_ts"] == T0
    # completionStartTime 10:00:00.400, endTime 10:00:01.500, startTime 10:00:00.000
    assert (ok["ttft_ms"], ok["e2e_ms"]) == pytest.approx((400.0, 1500.0))
    assert (ok["model"], ok["tenant"], ok["prompt_tokens"], ok["output_tokens"], ok["status"]) == (
        "gpt-4o",
        "team-a",
        30,
        8,
        "ok",
    )
    # no team: the hashed api_key is the tenant; "failure" is an error
    assert failed["tenant"].startswith("a73dc2e0")
    assert failed["status"] == "error"
    assert reasons_by_row(con)[3].startswith("unparsable arrival timestamp")
