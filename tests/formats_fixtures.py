"""Helpers for the per-format ingest tests: load one hand-written fixture, read the warehouse back."""

from datetime import UTC, datetime
from pathlib import Path

from ingest import ReadOptions
from warehouse.load import ingest_paths

FIXTURES = Path(__file__).parent / "fixtures"
LOG_FIXTURES = (  # one hand-written file per log format; other tests keep fixtures here too
    "genai_perf_profile_export.json",
    "aiperf_profile_export.jsonl",
    "vllm_bench_detailed.json",
    "sglang_bench_details.jsonl",
    "guidellm_benchmarks.json",
    "otel_genai_spans.json",
    "litellm_spend_logs.csv",
    "openai_usage.jsonl",
)
T0 = datetime(2025, 1, 1, 10, tzinfo=UTC)  # 1735725600 s: the fixtures' epoch timestamps start here


def ingest_fixture(con, name: str, **options):
    (result,) = ingest_paths(con, [FIXTURES / name], ReadOptions(**options))
    assert result.status == "loaded", result.message
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    return result


def requests_by_id(con) -> dict[str, dict]:
    frame = con.sql("SELECT * FROM requests ORDER BY source_row").pl()
    return {row["request_id"]: row for row in frame.iter_rows(named=True)}


def gaps_by_id(con) -> dict[str, list[float]]:
    """request_id -> ITL in ms by output-token position 1, 2, ... (joined to its request)."""
    frame = con.sql("""
        SELECT t.request_id, list(t.itl_ms ORDER BY t.token_index) AS gaps,
               list(t.token_index ORDER BY t.token_index) AS positions
        FROM request_token_latencies t JOIN requests r USING (source, request_id)
        GROUP BY ALL""").pl()
    for row in frame.iter_rows(named=True):
        assert row["positions"] == list(range(1, len(row["positions"]) + 1))
    return dict(zip(frame["request_id"], frame["gaps"].to_list(), strict=True))


def reasons_by_row(con) -> dict[int, str]:
    frame = con.sql("SELECT source_row, reason FROM rejected_rows ORDER BY source_row").pl()
    return dict(zip(frame["source_row"], frame["reason"], strict=True))
