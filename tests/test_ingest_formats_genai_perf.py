"""genai-perf profile_export.json: TTFT, e2e and ITL by position from ns timestamps."""

from datetime import timedelta

import pytest

import warehouse
from formats_fixtures import FIXTURES, T0, gaps_by_id, ingest_fixture, requests_by_id
from ingest import ReadOptions
from warehouse.load import ingest_paths


def test_timestamps_become_ttft_e2e_and_gaps(con):
    result = ingest_fixture(con, "genai_perf_profile_export.json", prompt_tokens=128, model="llama-3-8b")
    assert (result.format, result.rows_read, result.rows_loaded, result.rows_rejected) == \
        ("genai-perf", 4, 2, 2)
    first, second = requests_by_id(con).values()
    # request at T0, responses at +120, +150, +190, +200 ms
    assert first["arrival_ts"] == T0
    assert first["ttft_ms"] == pytest.approx(120.0)  # 120 - 0
    assert first["e2e_ms"] == pytest.approx(200.0)  # 200 - 0
    assert first["output_tokens"] == 4  # one token per streamed response
    assert first["tpot_ms"] == pytest.approx((30 + 40 + 10) / 3)
    assert first["prompt_tokens"] == 128 and first["model"] == "llama-3-8b"
    # request at +500 ms, responses at +750, +790 ms
    assert second["arrival_ts"] == T0 + timedelta(milliseconds=500)
    assert (second["ttft_ms"], second["e2e_ms"]) == pytest.approx((250.0, 290.0))
    assert gaps_by_id(con) == {first["request_id"]: pytest.approx([30.0, 40.0, 10.0]),
                               second["request_id"]: pytest.approx([40.0])}


def test_synthesized_ids_are_deterministic(tmp_path, con):
    ingest_fixture(con, "genai_perf_profile_export.json", prompt_tokens=128)
    ids = set(requests_by_id(con))
    with warehouse.connect(tmp_path / "again.duckdb") as other:
        ingest_fixture(other, "genai_perf_profile_export.json", prompt_tokens=128)
        assert set(requests_by_id(other)) == ids


def test_without_prompt_tokens_the_file_fails_with_the_fix(con):
    (result,) = ingest_paths(con, [FIXTURES / "genai_perf_profile_export.json"], ReadOptions())
    assert (result.status, result.rows_read, result.rows_loaded) == ("failed", 4, 0)
    assert result.message.endswith(
        "missing prompt_tokens (2 rows); request is not a JSON object (1 rows); request_timestamp/"
        "response_timestamps are not numbers (1 rows); pass --prompt-tokens N when the run sent a fixed "
        "prompt length")
