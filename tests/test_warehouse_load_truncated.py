"""A log cut mid-line (still being written, or copied half-way) loads its complete lines, says so,
and loading the complete file later stores each request once (issue #19 item 7)."""

import json

from click.testing import CliRunner

import warehouse
from tracefit.cli import cli
from warehouse.query import run_sql

CSV = (
    "timestamp,prompt_tokens,output_tokens\n2025-03-03T10:00:00Z,100,20\n"
    "2025-03-03T10:00:01Z,80,5\n2025-03-03T10:00:02Z,1234,77\n"
)


def ingest(db, *args):
    result = CliRunner().invoke(cli, ["ingest", *map(str, args), "--db", str(db), "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)["files"][0]


def stored(db) -> int:
    with warehouse.connect(db) as con:
        return con.execute("SELECT count(*) FROM requests").fetchall()[0][0]


def test_a_csv_cut_mid_line_is_truncated_then_the_complete_file_adds_the_rest(tmp_path):
    db, path = tmp_path / "w.duckdb", tmp_path / "log.csv"
    path.write_text(CSV[: CSV.rindex(",")])  # "...,1234" : the last line lost its output_tokens
    code, file = ingest(db, path, "--model", "m")
    assert (code, file["status"], file["rows_read"], file["rows_loaded"], file["rows_rejected"]) == (
        2,
        "truncated",
        3,
        2,
        1,
    )
    assert "middle of line 4" in file["message"] and "line 3 is the last complete one" in file["message"]
    assert runs(db) == [("truncated", 2)]  # stored as truncated, not loaded
    code, again = ingest(db, path, "--model", "m")  # the same cut file: nothing new to load
    assert (code, again["status"], again["message"][:23]) == (0, "skipped", "already ingested as run")
    path.write_text(CSV)  # the writer finished the file
    code, file = ingest(db, path, "--model", "m")
    assert (code, file["status"], file["rows_loaded"], file["rows_duplicate"]) == (0, "loaded", 1, 2)
    assert stored(db) == 3
    assert runs(db) == [("truncated", 2), ("loaded", 1)]
    with warehouse.connect(db) as con:  # the dashboards' sources and the nightly fingerprint count both
        assert [r[4] for r in run_sql(con, "dash_runs").iter_rows()] == ["truncated", "loaded"]
        assert run_sql(con, "nightly_fingerprint").row(0) == (2, 2, 3)


def runs(db) -> list[tuple]:
    with warehouse.connect(db) as con:
        return con.execute("SELECT status, rows_loaded FROM ingest_runs ORDER BY run_id").fetchall()


def test_allow_truncated_exits_0(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV[:-5])
    code, file = ingest(tmp_path / "w.duckdb", path, "--model", "m", "--allow-truncated")
    assert (code, file["status"], file["rows_loaded"]) == (0, "truncated", 2)


def test_a_complete_file_without_a_final_newline_is_not_truncated(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV.rstrip("\n"))
    code, file = ingest(tmp_path / "w.duckdb", path, "--model", "m")
    assert (code, file["status"], file["rows_loaded"]) == (0, "loaded", 3)


def test_files_sharing_a_source_keep_their_own_requests(tmp_path):
    # rows without ids are told apart by their content, not only their row number
    db = tmp_path / "w.duckdb"
    (tmp_path / "a.csv").write_text(CSV)
    (tmp_path / "b.csv").write_text(CSV.replace("10:00", "11:00"))
    ingest(db, tmp_path / "a.csv", "--source", "gateway", "--model", "m")
    code, file = ingest(db, tmp_path / "b.csv", "--source", "gateway", "--model", "m")
    assert (file["rows_loaded"], file["rows_duplicate"]) == (3, 0) and stored(db) == 6


def test_the_mooncake_trace_cut_then_complete_is_each_request_once(tmp_path, shared_data):
    # issue #19: 12,031 + 5,980 = 18,011 rows were stored for this 12,031-request trace
    whole = (shared_data / "mooncake" / "conversation_trace.jsonl").read_bytes()
    cut = whole.index(b"\n", len(whole) // 2) + 40  # 40 bytes into the line after the middle
    db, path = tmp_path / "w.duckdb", tmp_path / "conversation_trace.jsonl"
    path.write_bytes(whole[:cut])
    code, file = ingest(db, path)
    assert (code, file["status"], file["rows_rejected"]) == (2, "truncated", 1)
    first = file["rows_loaded"]
    path.write_bytes(whole)
    code, file = ingest(db, path)
    assert (code, file["rows_read"], file["rows_duplicate"], file["rows_loaded"]) == (0, 12_031, first, 12_031 - first)
    assert stored(db) == 12_031
