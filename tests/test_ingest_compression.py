"""Compressed logs (gzip, bzip2, xz, zstd) load like their plain text; damaged ones fail alone, named;
a folder stands for its log files."""

import bz2
import gzip
import hashlib
import json
import lzma
import os
import subprocess
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest

from ingest import ReadOptions, readable
from ingest.compression import CHUNK_BYTES
from tracefit.nightly import inbox_files
from warehouse.db import connect
from warehouse.load import ingest_paths

ROWS = [
    {"request_id": f"r{i}", "timestamp": f"2025-03-03T10:00:{i:02d}Z", "prompt_tokens": 100 + i, "output_tokens": 10}
    for i in range(40)
]
JSONL = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
CSV = (
    "request_id,timestamp,prompt_tokens,output_tokens\n"
    + "".join(f"{r['request_id']},{r['timestamp']},{r['prompt_tokens']},{r['output_tokens']}\n" for r in ROWS)
).encode()
COMPRESS = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda body: pa.compress(body, codec="zstd", asbytes=True),
}


@pytest.fixture
def tmpdir_for_copies(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def stored(con):
    return con.execute(
        "SELECT request_id, epoch_us(arrival_ts), prompt_tokens, source_row, source, model "
        "FROM requests ORDER BY source_row"
    ).fetchall()


@pytest.mark.parametrize("suffix", list(COMPRESS))
@pytest.mark.parametrize("plain,body", [("day-1.jsonl", JSONL), ("day-1.csv", CSV)])
def test_compressed_logs_load_like_the_plain_file(tmp_path, tmpdir_for_copies, suffix, plain, body):
    (tmp_path / plain).write_bytes(body)
    packed = tmp_path / "packed" / (plain + suffix)
    packed.parent.mkdir()
    packed.write_bytes(COMPRESS[suffix](body))
    con_plain, con_packed = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    (a,) = ingest_paths(con_plain, [tmp_path / plain], ReadOptions())
    (b,) = ingest_paths(con_packed, [packed], ReadOptions())
    assert (b.status, b.rows_read, b.rows_loaded) == ("loaded", 40, 40) and a.rows_loaded == 40
    rows = stored(con_packed)
    assert rows == stored(con_plain)
    assert rows[0][4:] == ("day-1", "day-1")  # source and model from the name without .gz / .bz2 / .xz / .zst
    assert con_packed.execute("SELECT path FROM ingest_runs").fetchone()[0] == str(packed.resolve())
    assert list(tmpdir_for_copies.iterdir()) == []  # the decompressed copy is gone
    # the same content, plain or compressed, is one log: the second is skipped
    (again,) = ingest_paths(con_packed, [tmp_path / plain], ReadOptions())
    assert again.status == "skipped"


def test_compression_is_read_from_the_bytes_not_the_name(tmp_path, tmpdir_for_copies):
    path = tmp_path / "export.log"
    path.write_bytes(gzip.compress(JSONL))
    (result,) = ingest_paths(connect(tmp_path / "w.duckdb"), [path], ReadOptions(model="m"))
    assert (result.status, result.rows_loaded) == ("loaded", 40)


def test_damaged_files_fail_alone_with_what_to_do(tmp_path, tmpdir_for_copies):
    truncated = tmp_path / "day-1.jsonl.gz"
    truncated.write_bytes(gzip.compress(JSONL * 50)[:200])
    cut_zstd = tmp_path / "day-2.jsonl.zst"
    cut_zstd.write_bytes(COMPRESS[".zst"](JSONL * 50)[:200])
    good = tmp_path / "day-3.jsonl.zst"
    good.write_bytes(COMPRESS[".zst"](JSONL))
    con = connect(tmp_path / "w.duckdb")
    bad, bad_zstd, ok = ingest_paths(con, [truncated, cut_zstd, good], ReadOptions())
    assert bad.status == "failed" and "gzip" in bad.message and "damaged or truncated" in bad.message
    assert bad_zstd.status == "failed" and "zstd" in bad_zstd.message and "damaged or truncated" in bad_zstd.message
    assert (ok.status, ok.rows_loaded) == ("loaded", 40)
    assert con.execute("SELECT count(*) FROM requests").fetchone() == (40,)
    assert list(tmpdir_for_copies.iterdir()) == []


def test_a_zstd_checksum_that_does_not_match_fails_the_file(tmp_path, tmpdir_for_copies):
    """The zstd command writes each frame with a checksum of its content: a frame whose checksum does
    not match (built here byte by byte) is refused, not loaded as garbled rows."""
    body = b"request_id,timestamp,prompt_tokens,output_tokens\nr1,2025-03-03T10:00:00Z,100,10\n"
    header = bytes([0x28, 0xB5, 0x2F, 0xFD, 0x24, len(body)])  # magic; single segment, checksum; size
    block = (1 | len(body) << 3).to_bytes(3, "little")  # last block, raw (stored as is)
    good = header + block + body + (0).to_bytes(4, "little")  # checksum: low 4 bytes of XXH64(body)
    path = tmp_path / "day-1.csv.zst"
    path.write_bytes(good)
    (result,) = ingest_paths(connect(tmp_path / "w.duckdb"), [path], ReadOptions())
    assert result.status == "failed" and "checksum" in result.message


def test_nightly_inbox_takes_compressed_logs(tmp_path):
    for name in ("day-1.csv.gz", "day-2.jsonl.xz", "day-3.parquet", "notes.txt.gz", "README.md"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in inbox_files((str(tmp_path),))] == ["day-1.csv.gz", "day-2.jsonl.xz", "day-3.parquet"]


def test_a_copy_left_by_a_killed_run_is_deleted_by_the_next(tmp_path, tmpdir_for_copies):
    dead = subprocess.Popen(["true"])  # a pid that no longer runs
    dead.wait()
    stale = tmpdir_for_copies / f"tracefit-{dead.pid}-abc"
    stale.mkdir()
    (stale / "day-0.jsonl").write_bytes(JSONL)
    live = tmpdir_for_copies / f"tracefit-{os.getpid()}-xyz"  # this process: still running, kept
    live.mkdir()
    path = tmp_path / "day-1.jsonl.gz"
    path.write_bytes(gzip.compress(JSONL))
    (result,) = ingest_paths(connect(tmp_path / "w.duckdb"), [path], ReadOptions())
    assert result.status == "loaded"
    assert list(tmpdir_for_copies.iterdir()) == [live]


def test_a_folder_stands_for_its_log_files(tmp_path, tmpdir_for_copies):
    logs = tmp_path / "logs" / "2025-03"
    logs.mkdir(parents=True)
    (logs / "day-1.jsonl.gz").write_bytes(gzip.compress(JSONL))
    (logs / "day-2.csv").write_bytes(CSV.replace(b"\nr", b"\ns"))  # other ids: 40 more requests
    (logs / "notes.md").write_text("not a log")
    (tmp_path / "empty").mkdir()
    con = connect(tmp_path / "w.duckdb")
    results = ingest_paths(con, [tmp_path / "logs", tmp_path / "empty"], ReadOptions(source="gw"))
    assert [(Path(r.path).name, r.status, r.rows_loaded) for r in results] == [
        ("day-1.jsonl.gz", "loaded", 40),
        ("day-2.csv", "loaded", 40),
        ("empty", "failed", 0),
    ]
    assert "a folder with no log files" in results[2].message


def test_progress_names_each_file_before_its_rows_then_counts_them_all(tmp_path, tmpdir_for_copies):
    paths = [tmp_path / "day-1.jsonl.gz", tmp_path / "day-2.csv"]
    paths[0].write_bytes(gzip.compress(JSONL))
    paths[1].write_bytes(CSV.replace(b"\nr", b"\ns"))
    calls, reads = [], []
    results = ingest_paths(
        connect(tmp_path / "w.duckdb"),
        paths,
        ReadOptions(source="gw"),
        progress=lambda path, rows: calls.append((path, rows)),
        reading=lambda path, what, done, total: reads.append((path, what, done, total)),
    )
    for path, result in zip(paths, results):
        mine = [rows for p, rows in calls if p == str(path)]
        assert mine[0] == 0 and sum(mine) == result.rows_read == 40  # shown while decompressing and hashing
    # bytes while a file is decompressed (of the compressed file) or hashed, up to its size
    assert [(p, what, done, total) for p, what, done, total in reads] == [
        (str(paths[0]), "decompressing", paths[0].stat().st_size, paths[0].stat().st_size),
        (str(paths[1]), "hashing", paths[1].stat().st_size, paths[1].stat().st_size),
    ]


def test_hashing_reports_each_chunk_up_to_the_size(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (2 * CHUNK_BYTES + 5))
    reports = []
    with readable(path, lambda *report: reports.append(report)) as (data, sha):
        assert data == path and sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert reports == [
        ("hashing", CHUNK_BYTES, path.stat().st_size),
        ("hashing", 2 * CHUNK_BYTES, path.stat().st_size),
        ("hashing", path.stat().st_size, path.stat().st_size),
    ]
