"""OpenAI-style response logs: Chat Completions and Responses API objects, one per line."""

from datetime import timedelta

from formats_fixtures import T0, ingest_fixture, reasons_by_row, requests_by_id


def test_usage_objects_become_requests(con):
    result = ingest_fixture(con, "openai_usage.jsonl")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("openai-usage", 3, 2, 1)
    rows = requests_by_id(con)
    chat, response = rows["chatcmpl-o1"], rows["resp_o2"]
    assert chat["arrival_ts"] == T0  # created 1735725600
    assert (chat["model"], chat["prompt_tokens"], chat["output_tokens"], chat["cached_prompt_tokens"]) == (
        "gpt-4o-mini-2024-07-18",
        19,
        10,
        0,
    )
    assert response["arrival_ts"] == T0 + timedelta(minutes=1)  # created_at 1735725660
    assert (
        response["prompt_tokens"],
        response["output_tokens"],
        response["cached_prompt_tokens"],
        response["tenant"],
        response["status"],
    ) == (36, 87, 16, "team-b", "ok")
    assert reasons_by_row(con) == {3: "missing output_tokens"}
