"""Malformed records of every log format are quarantined with a reason; every row is counted."""

import json
import shutil

import pytest
from formats_fixtures import FIXTURES, ingest_fixture

from ingest import ReadOptions
from warehouse.load import ingest_paths

# fixture -> (format, rows read, rows rejected): each fixture holds hand-made bad records
EXPECTED = {
    "genai_perf_profile_export.json": ("genai-perf", 4, 2),
    "aiperf_profile_export.jsonl": ("aiperf", 5, 2),
    "vllm_bench_detailed.json": ("vllm-bench", 4, 1),
    "sglang_bench_details.jsonl": ("sglang-bench", 4, 2),
    "guidellm_benchmarks.json": ("guidellm", 4, 1),
    "otel_genai_spans.json": ("otel-genai", 3, 1),
    "litellm_spend_logs.csv": ("litellm", 3, 1),
    "openai_usage.jsonl": ("openai-usage", 3, 1),
}
JSONL = [name for name in EXPECTED if name.endswith(".jsonl")]


@pytest.mark.parametrize("name", EXPECTED)
def test_bad_records_are_rejected_with_reasons(con, name):
    fmt, read, rejected = EXPECTED[name]
    result = ingest_fixture(con, name, prompt_tokens=128 if fmt == "genai-perf" else None)
    assert (result.format, result.rows_read, result.rows_rejected) == (fmt, read, rejected)
    stored = con.execute("SELECT count(*) FROM requests").fetchall()[0][0]
    reasons = [r for (r,) in con.execute("SELECT reason FROM rejected_rows").fetchall()]
    assert stored == result.rows_loaded == read - rejected
    assert len(reasons) == rejected and all(reasons)


@pytest.mark.parametrize("name", JSONL)
def test_lines_that_are_not_objects_are_counted(tmp_path, con, name):
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    with open(path, "a") as fh:
        fh.write('[1, 2]\n"just text"\n')
    fmt, read, rejected = EXPECTED[name]
    result = ingest_fixture(con, str(path))
    assert (result.format, result.rows_read, result.rows_rejected) == (fmt, read + 2, rejected + 2)
    reasons = {r for (r,) in con.execute("SELECT reason FROM rejected_rows").fetchall()}
    assert "malformed document: AttributeError" in reasons


def test_a_broken_document_rejects_one_row(tmp_path, con):
    doc = json.loads((FIXTURES / "vllm_bench_detailed.json").read_text())
    doc["itls"] = "not a list"
    path = tmp_path / "vllm.json"
    path.write_text(json.dumps(doc, indent=1))
    (result,) = ingest_paths(con, [path], ReadOptions())
    # its one row rejected: no request, so a failed file that names the reason and stores nothing
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("failed", 1, 0, 1)
    assert "malformed document: ValueError (1 rows)" in result.message
    assert con.execute("SELECT count(*) FROM rejected_rows").fetchall() == [(0,)]


def test_a_truncated_json_export_fails_alone(tmp_path, con):
    path = tmp_path / "profile_export.json"
    path.write_text((FIXTURES / "genai_perf_profile_export.json").read_text()[:300])
    good = FIXTURES / "openai_usage.jsonl"
    failed, loaded = ingest_paths(con, [path, good], ReadOptions())
    assert failed.status == "failed" and "cannot read" in failed.message
    assert loaded.status == "loaded"
    assert con.execute("SELECT count(*) FROM requests").fetchall()[0][0] == loaded.rows_loaded
