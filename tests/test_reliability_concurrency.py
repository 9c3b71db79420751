"""Concurrent use of one warehouse file: DuckDB allows one writing process and no other opener.

Readers (`sql`, `dashboard`) fail fast with a clear message; `ingest --wait` and `nightly --wait`
wait for the writer; two nightly runs and an ingest started together all finish, every row once.
"""

import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

import warehouse
from warehouse.db import fetch_one

TRACEFIT = str(Path(sys.executable).with_name("tracefit"))
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
if sys.argv[2] == "until-stdin-closes":
    sys.stdin.read()
else:
    time.sleep(float(sys.argv[2]))
"""


def small_log(path: Path, n: int, prefix: str) -> Path:
    pl.DataFrame(
        {
            "request_id": [f"{prefix}{i}" for i in range(n)],
            "timestamp": [f"2025-03-03T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z" for i in range(n)],
            "model": "m",
            "prompt_tokens": [100 + i % 7 for i in range(n)],
            "output_tokens": 10,
        }
    ).write_csv(path)
    return path


def hold(db: Path, seconds: float | str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def tracefit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([TRACEFIT, *args], capture_output=True, text=True, timeout=timeout)


def test_readers_fail_fast_while_a_writer_holds_the_file(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    holder = hold(db, 60)
    try:
        t0 = time.monotonic()
        for argv in (["sql", "SELECT 1", "--db", str(db)], ["dashboard", "--db", str(db), "--out", str(tmp_path)]):
            done = tracefit(*argv)
            assert done.returncode == 1, done
            assert "another process is writing the warehouse" in done.stderr
            assert f"pid {holder.pid}" in done.stderr and "Traceback" not in done.stderr
        assert time.monotonic() - t0 < 30  # fast: no waiting for the writer
        with pytest.raises(warehouse.WarehouseBusy, match="--wait"):
            warehouse.connect(db, wait_s=0.2, poll_s=0.1)
    finally:
        holder.kill()
        holder.wait()


def test_ingest_waits_for_the_writer(tmp_path):
    db = tmp_path / "w.duckdb"
    log = small_log(tmp_path / "a.csv", 50, "a")
    warehouse.connect(db).close()
    # the writer holds the file until told to let go (a fixed hold raced a slow start-up on a busy machine)
    holder = hold(db, "until-stdin-closes")
    refused = tracefit("ingest", str(log), "--db", str(db))
    assert refused.returncode == 1 and "retry when it finishes" in refused.stderr
    waiting = subprocess.Popen(
        [TRACEFIT, "ingest", str(log), "--db", str(db), "--wait", "60", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    holder.stdin.close()
    holder.wait()
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    with warehouse.connect(db) as con:
        assert fetch_one(con, "SELECT count(*) FROM requests")[0] == 50


@pytest.mark.slow
def test_two_nightly_runs_and_an_ingest_at_once(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_log(inbox / "day1.csv", 3000, "n")
    extra = small_log(tmp_path / "extra.csv", 2000, "x")
    db = tmp_path / "w.duckdb"
    nightly = [
        TRACEFIT,
        "nightly",
        "--inbox",
        str(inbox),
        "--db",
        str(db),
        "--out",
        str(tmp_path / "out"),
        "--no-dashboard",
        "--wait",
        "120",
    ]
    procs = [
        subprocess.Popen(nightly, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen(nightly, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen(
            [TRACEFIT, "ingest", str(extra), "--db", str(db), "--wait", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    ]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    with warehouse.connect(db) as con:
        assert fetch_one(con, "SELECT count(*), count(DISTINCT request_id) FROM requests") == (5000, 5000)
        assert fetch_one(con, "SELECT count(*) FROM ingest_runs WHERE status = 'loaded'")[0] == 2
