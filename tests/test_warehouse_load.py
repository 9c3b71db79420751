"""Loading: real files with the right counts, idempotency, duplicates, migrations."""

import shutil

import duckdb
import pytest

import warehouse
from ingest import ReadOptions
from warehouse.db import fetch_one, migrations
from warehouse.load import ingest_paths

# rows in each shared file (../shared/data/README.md) and how many are rejected, with why
REAL_FILES = {
    "azure-llm-2023/AzureLLMInferenceTrace_code.csv": (8_819, 0),
    "azure-llm-2023/AzureLLMInferenceTrace_conv.csv": (19_366, 0),
    "mooncake/conversation_trace.jsonl": (12_031, 0),
    "mooncake/synthetic_trace.jsonl": (3_993, 0),
    "servegen/chat-large-2w.parquet": (594_254, 0),  # regenerated 2026-12-05 (../shared/data/README.md)
    # 2 of the 54 records have no start_time: a timestamped file's row without one is rejected
    "aibrix-client/output.jsonl": (54, 2),
}


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_ingest_with_the_right_counts(shared_data, con, name):
    (result,) = ingest_paths(con, [shared_data / name], ReadOptions())
    rows, rejected = REAL_FILES[name]
    assert (result.status, result.rows_read, result.rows_rejected) == ("loaded", rows, rejected)
    assert result.rows_loaded == rows - rejected
    (stored,) = fetch_one(con, "SELECT count(*) FROM requests WHERE ingest_run_id = $r", {"r": result.run_id})
    assert stored == result.rows_loaded


def test_azure_code_trace_known_values(shared_data, con):
    ingest_paths(con, [shared_data / "azure-llm-2023/AzureLLMInferenceTrace_code.csv"], ReadOptions())
    first = fetch_one(
        con, "SELECT arrival_ts::VARCHAR, prompt_tokens, output_tokens, model FROM requests ORDER BY source_row LIMIT 1"
    )
    # first data line: 2023-11-16 18:17:03.9799600,4808,10 (naive, read as UTC)
    assert first == ("2023-11-16 18:17:03.97996+00", 4808, 10, "AzureLLMInferenceTrace_code")


def test_mooncake_records_prefix_blocks(shared_data, con):
    ingest_paths(con, [shared_data / "mooncake/conversation_trace.jsonl"], ReadOptions())
    row = fetch_one(con, "SELECT prefix_block_ids[1:3], prompt_tokens FROM requests ORDER BY source_row LIMIT 1")
    assert row == ([0, 1, 2], 6758)
    assert fetch_one(con, "SELECT prefix_block_tokens FROM ingest_runs") == (512,)


def test_same_content_is_skipped(tmp_path, con):
    path = tmp_path / "a.csv"
    path.write_text("request_id,timestamp,prompt_tokens,output_tokens\nr1,2025-01-01T00:00:00Z,10,2\n")
    (first,) = ingest_paths(con, [path], ReadOptions())
    copy = tmp_path / "copy.csv"
    shutil.copy(path, copy)
    (again,) = ingest_paths(con, [copy], ReadOptions())
    assert (first.status, again.status, again.run_id) == ("loaded", "skipped", first.run_id)
    assert fetch_one(con, "SELECT count(*) FROM requests") == (1,)


def test_duplicates_within_and_across_files_of_one_source(tmp_path, con):
    header = "request_id,timestamp,prompt_tokens,output_tokens\n"
    day1 = tmp_path / "day1.csv"
    day1.write_text(
        header + "r1,2025-01-01T00:00:00Z,10,2\nr2,2025-01-01T00:00:01Z,11,2\nr1,2025-01-01T00:00:00Z,10,2\n"
    )
    day2 = tmp_path / "day2.csv"
    day2.write_text(header + "r2,2025-01-01T00:00:01Z,11,2\nr3,2025-01-01T00:00:02Z,12,2\n")
    a, b = ingest_paths(con, [day1, day2], ReadOptions(source="prod"))
    assert (a.rows_read, a.rows_loaded, a.rows_duplicate) == (3, 2, 1)
    assert (b.rows_read, b.rows_loaded, b.rows_duplicate) == (2, 1, 1)
    ids = [r for (r,) in con.execute("SELECT request_id FROM requests ORDER BY 1").fetchall()]
    assert ids == ["r1", "r2", "r3"]
    # another source may reuse ids: not duplicates
    other = tmp_path / "other.csv"
    other.write_text(header + "r1,2025-01-01T00:00:00Z,99,2\n")
    (c,) = ingest_paths(con, [other], ReadOptions(source="staging"))
    assert (c.rows_loaded, c.rows_duplicate) == (1, 0)


def test_unreadable_file_fails_alone(tmp_path, con):
    good = tmp_path / "good.csv"
    good.write_text("timestamp,prompt_tokens,output_tokens\n2025-01-01T00:00:00Z,10,2\n")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not really parquet")
    results = ingest_paths(con, [broken, tmp_path / "missing.csv", good], ReadOptions())
    assert [r.status for r in results] == ["failed", "failed", "loaded"]
    assert "broken.parquet" in results[0].message and "missing.csv" in results[1].message


def test_sample_rate_is_recorded_and_validated(tmp_path, con):
    path = tmp_path / "s.csv"
    path.write_text("timestamp,prompt_tokens,output_tokens\n2025-01-01T00:00:00Z,10,2\n")
    ingest_paths(con, [path], ReadOptions(), sample_rate=0.0005)
    assert fetch_one(con, "SELECT sample_rate FROM ingest_runs") == (0.0005,)
    with pytest.raises(warehouse.WarehouseError, match="sample-rate"):
        ingest_paths(con, [path], ReadOptions(), sample_rate=2)


def test_older_file_is_migrated_on_open(db_path):
    first_version, _, first_sql = migrations()[0]
    raw = duckdb.connect(str(db_path))
    raw.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    raw.execute(first_sql.read_text())
    raw.execute("INSERT INTO schema_migrations VALUES ($v, 'init', now())", {"v": first_version})
    raw.close()
    with warehouse.connect(db_path) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [v for v, _, _ in migrations()]


def test_read_only_open_migrates_an_older_file_but_never_a_foreign_one(db_path, tmp_path):
    first_version, _, first_sql = migrations()[0]
    raw = duckdb.connect(str(db_path))
    raw.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    raw.execute(first_sql.read_text())
    raw.execute("INSERT INTO schema_migrations VALUES ($v, 'init', now())", {"v": first_version})
    raw.close()
    with warehouse.connect(db_path, read_only=True) as con:  # e.g. `tracefit sql` after an upgrade
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [v for v, _, _ in migrations()]
    foreign = tmp_path / "other.duckdb"
    duckdb.connect(str(foreign)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    with pytest.raises(warehouse.WarehouseError, match="not a tracefit warehouse"):
        warehouse.connect(foreign, read_only=True)
    with duckdb.connect(str(foreign), read_only=True) as con:  # left as it was
        assert [t for (t,) in con.execute("SHOW TABLES").fetchall()] == ["t"]


def test_read_only_open_of_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(warehouse.WarehouseError, match="no warehouse"):
        warehouse.connect(tmp_path / "nope.duckdb", read_only=True)
