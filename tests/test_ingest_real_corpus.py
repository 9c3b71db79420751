"""Files written by the tools themselves (tests/fixtures/real, provenance in its README), checked
against the numbers each tool reports about them: its own summary file or its own test expectations,
never numbers re-derived the way tracefit loads them."""

import json
from pathlib import Path

import pytest

from ingest import ReadOptions
from warehouse.load import ingest_paths

REAL = Path(__file__).parent / "fixtures" / "real"


def load(con, name: str, **options):
    (result,) = ingest_paths(con, [REAL / name], ReadOptions(**options))
    return result


def one(con, sql: str, params: dict | None = None):
    return con.execute(sql, params or {}).fetchall()[0]


def test_aiperf_0_1_profile_export_matches_its_own_summary(con):
    # AIPerf 0.1.1's example run: 100 requests at concurrency 100, 10% cancelled
    result = load(con, "aiperf-0.1.1_profile_export.jsonl.xz")
    summary = json.loads((REAL / "aiperf-0.1.1_profile_export_aiperf.json").read_text())["records"]
    assert (result.status, result.format, result.rows_read, result.rows_rejected) == ("loaded", "aiperf", 100, 0)
    # request_count 89 and error_request_count 11 (all RequestCancellationError, code 499)
    assert con.execute("SELECT status, count(*) FROM requests GROUP BY ALL ORDER BY 1").fetchall() == \
        [("cancelled", summary["error_request_count"]["avg"]), ("ok", summary["request_count"]["avg"])]
    ok = "FROM requests WHERE status = 'ok'"
    ttft, e2e, tpot, prompt, output = one(
        con, f"SELECT avg(ttft_ms), avg(e2e_ms), avg(tpot_ms), avg(prompt_tokens), sum(output_tokens) {ok}")
    assert ttft == pytest.approx(summary["ttft"]["avg"])  # 2343.219 ms
    assert e2e == pytest.approx(summary["request_latency"]["avg"])  # 9059.655 ms
    assert tpot == pytest.approx(summary["inter_token_latency"]["avg"])  # 27.763 ms
    assert prompt == summary["input_sequence_length"]["avg"]  # 550
    assert output == summary["total_osl"]["avg"]  # 21,624 tokens, reasoning included
    # every inter-chunk gap, by position: AIPerf counts 21,537 of them, mean 27.755 ms
    gaps, mean_gap = one(con, "SELECT count(*), avg(itl_ms) FROM request_token_latencies")
    assert gaps == summary["inter_chunk_latency"]["count"]
    assert mean_gap == pytest.approx(summary["inter_chunk_latency"]["avg"])
    first_ns = one(con, "SELECT epoch_ns(min(arrival_ts)) FROM requests")[0]  # stored to the microsecond
    assert first_ns == pytest.approx(summary["min_request_timestamp"]["avg"], abs=1e3)
