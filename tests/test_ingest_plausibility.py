"""Rows whose latencies contradict each other are rejected with that reason; token columns that look
swapped earn a warning; OpenTelemetry spans that are not LLM calls are skipped and counted (issue #19 item 8)."""

import json

from ingest import ReadOptions
from warehouse.load import ingest_paths

HEAD = "request_id,timestamp,prompt_tokens,output_tokens,ttft_ms,tpot_ms,e2e_ms\n"


def load(con, path, **options):
    (result,) = ingest_paths(con, [path], ReadOptions(model="m", **options))
    return result


def reasons(con) -> dict[int, str]:
    return dict(con.execute("SELECT source_row, reason FROM rejected_rows ORDER BY 1").fetchall())


def test_contradicting_latencies_are_rejected_with_the_reason(tmp_path, con):
    path = tmp_path / "log.csv"
    path.write_text(
        HEAD + "a,2025-01-01T00:00:00Z,100,11,50,10,160\n"  # 50 + 10 x 10 = 150 <= 160: fine
        "b,2025-01-01T00:00:01Z,100,11,50,10,40\n"  # e2e below ttft
        "c,2025-01-01T00:00:02Z,100,101,50,20,1000\n"  # 20 x 100 = 2000 ms > 1.5 x 1000
        "d,2025-01-01T00:00:03Z,100,11,-5,10,160\n"  # negative
        "e,2025-01-01T00:00:04Z,100,101,50,14,1000\n"
    )  # 1400 <= 1.5 x 1000 + 1: kept
    result = load(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 3)
    assert reasons(con) == {
        2: "ttft_ms > e2e_ms",
        3: "tpot_ms x (output_tokens - 1) = 2000.0 ms is over 1.5x e2e_ms = 1000.0 ms",
        4: "ttft_ms is negative: '-5.0'",
    }  # as the CSV reader parsed it


def test_swapped_token_columns_earn_a_warning(tmp_path, con):
    rows = "".join(f"r{i},2025-01-01T00:00:{i:02d}Z,{40 + i},{900 + i},,,\n" for i in range(20))
    path = tmp_path / "swapped.csv"
    path.write_text(HEAD + rows)
    result = load(con, path)
    # medians of 40..59 and 900..919: 49.5 and 909.5 (printed 50 and 910), 909.5 / 49.5 = 18.4x
    assert result.status == "loaded" and result.message.startswith(
        "warning: median output_tokens 910 is 18x the median prompt_tokens 50: are the two columns swapped?"
    )
    straight = tmp_path / "straight.csv"
    straight.write_text(HEAD + "".join(f"r{i},2025-01-01T00:00:{i:02d}Z,{900 + i},{40 + i},,,\n" for i in range(20)))
    assert load(con, straight).message is None


def test_otel_spans_that_are_not_llm_calls_are_skipped_and_counted(tmp_path, con):
    def span(span_id, operation, ints=None):
        attrs = [
            {"key": "gen_ai.operation.name", "value": {"stringValue": operation}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
        ]
        attrs += [{"key": k, "value": {"intValue": str(v)}} for k, v in (ints or {}).items()]
        return {
            "traceId": "t1",
            "spanId": span_id,
            "startTimeUnixNano": "1735725600000000000",
            "endTimeUnixNano": "1735725601000000000",
            "attributes": attrs,
        }

    spans = [
        span("s1", "chat", {"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5}),
        span("s2", "execute_tool"),
        span("s3", "execute_tool"),
        span("s4", "embeddings"),
    ]
    path = tmp_path / "traces.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}))
    result = load(con, path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1, 0)
    assert result.message == (
        "skipped 1 embeddings spans (not LLM calls); skipped 2 execute_tool spans (not LLM calls)"
    )


def test_openinference_spans_other_than_llm_are_skipped_and_counted(tmp_path, con):
    # OpenInference (Arize Phoenix) marks every span with openinference.span.kind and carries no
    # gen_ai.* attribute; an agent run around one LLM call adds CHAIN and TOOL spans
    def span(span_id, kind, attrs=()):
        kv = [{"key": "openinference.span.kind", "value": {"stringValue": kind}}]
        kv += [{"key": k, "value": {"intValue": str(v)}} for k, v in attrs]
        return {"traceId": "t1", "spanId": span_id, "startTimeUnixNano": "1", "endTimeUnixNano": "2", "attributes": kv}

    llm = span("s1", "LLM", [("llm.token_count.prompt", 10), ("llm.token_count.completion", 5)])
    spans = [span("s0", "CHAIN"), llm, span("s2", "TOOL"), span("s3", "TOOL")]
    path = tmp_path / "phoenix.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}))
    result = load(con, path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1, 0)
    assert result.message == (
        "skipped 1 OpenInference CHAIN spans (not LLM calls); skipped 2 OpenInference TOOL spans (not LLM calls)"
    )
    assert con.execute("SELECT prompt_tokens, output_tokens FROM requests").fetchall() == [(10, 5)]
