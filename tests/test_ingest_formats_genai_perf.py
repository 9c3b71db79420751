"""genai-perf profile_export.json: TTFT, e2e and ITL by position from ns timestamps."""

from datetime import timedelta

import pytest
from formats_fixtures import FIXTURES, T0, gaps_by_id, ingest_fixture, requests_by_id

import warehouse
from ingest import ReadOptions
from warehouse.load import ingest_paths


def test_timestamps_become_ttft_e2e_and_gaps(con):
    result = ingest_fixture(con, "genai_perf_profile_export.json", prompt_tokens=128, model="llama-3-8b")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == ("genai-perf", 4, 2, 2)
    first, second = requests_by_id(con).values()
    # request at T0, content chunks at +120, +150, +190 ms, then `data: [DONE]` at +200 ms (not a token)
    assert first["arrival_ts"] == T0
    assert first["ttft_ms"] == pytest.approx(120.0)  # 120 - 0
    assert first["e2e_ms"] == pytest.approx(190.0)  # the last content chunk, not [DONE]
    assert first["output_tokens"] == 3  # one token per content chunk
    assert first["tpot_ms"] == pytest.approx((30 + 40) / 2)
    assert first["prompt_tokens"] == 128 and first["model"] == "llama-3-8b"  # --prompt-tokens beats the estimate
    # request at +500 ms, one content chunk at +750 ms, [DONE] at +790 ms
    assert second["arrival_ts"] == T0 + timedelta(milliseconds=500)
    assert (second["ttft_ms"], second["e2e_ms"], second["output_tokens"]) == pytest.approx((250.0, 250.0, 1))
    assert gaps_by_id(con) == {first["request_id"]: pytest.approx([30.0, 40.0])}


def test_without_prompt_tokens_they_are_estimated_from_the_text_and_flagged(con):
    (result,) = ingest_paths(con, [FIXTURES / "genai_perf_profile_export.json"], ReadOptions())
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 4, 2)
    # "SECRET-PROMPT-genai-perf" is 24 characters -> 6 tokens; "...-2" 26 -> 6.5, rounded up to 7
    assert [r["prompt_tokens"] for r in requests_by_id(con).values()] == [6, 7]
    assert result.message.startswith("prompt_tokens estimated from prompt text (characters / 4) for 2 rows")
    assert con.execute("SELECT notes FROM ingest_runs").fetchall() == [(result.message,)]


def test_synthesized_ids_are_deterministic(tmp_path, con):
    ingest_fixture(con, "genai_perf_profile_export.json", prompt_tokens=128)
    ids = set(requests_by_id(con))
    with warehouse.connect(tmp_path / "again.duckdb") as other:
        ingest_fixture(other, "genai_perf_profile_export.json", prompt_tokens=128)
        assert set(requests_by_id(other)) == ids
