"""kill -9 during ingest: the warehouse always opens, shows no partial file, and a rerun completes."""

import os
import signal
import subprocess
import sys
import time

import polars as pl
import pytest

import warehouse
from warehouse.db import fetch_one

ROWS_PER_FILE = 150_000
INGEST_SCRIPT = """
import sys
import warehouse
from ingest import ReadOptions
from warehouse.load import ingest_paths
with warehouse.connect(sys.argv[1]) as con:
    print("started", flush=True)
    ingest_paths(con, sys.argv[2:], ReadOptions(source="prod", batch_rows=10_000))
"""


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("killlogs")
    paths = []
    for day in range(2):
        n = ROWS_PER_FILE
        frame = pl.DataFrame(
            {
                "request_id": [f"d{day}-{i}" for i in range(n)],
                "timestamp": pl.datetime_range(
                    pl.datetime(2025, 3, 3 + day),
                    pl.datetime(2025, 3, 4 + day),
                    interval="500ms",
                    eager=True,
                    time_zone="UTC",
                )[:n],
                "prompt_tokens": pl.int_range(n, eager=True) % 4000 + 1,
                "output_tokens": pl.int_range(n, eager=True) % 500 + 1,
            }
        )
        path = folder / f"day{day}.csv"
        frame.write_csv(path)
        paths.append(str(path))
    return paths


def run_ingest(db, paths, kill_after_s=None):
    proc = subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT, str(db), *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if kill_after_s is None:
        proc.communicate(timeout=300)
        assert proc.returncode == 0
        return
    proc.stdout.readline()  # connected and migrated
    time.sleep(kill_after_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def counts(db):
    with warehouse.connect(db) as con:
        return (
            fetch_one(con, "SELECT count(*) FROM requests")[0],
            fetch_one(con, "SELECT count(*) FROM ingest_runs WHERE status = 'loaded'")[0],
            fetch_one(con, "SELECT coalesce(sum(rows_loaded), 0) FROM ingest_runs")[0],
        )


@pytest.mark.slow
def test_kill_at_several_points_then_rerun(tmp_path, logs):
    clean = tmp_path / "clean.duckdb"
    run_ingest(clean, logs)
    expected = counts(clean)
    assert expected == (2 * ROWS_PER_FILE, 2, 2 * ROWS_PER_FILE)
    for i, delay in enumerate([0.0, 0.3, 0.6, 0.9, 1.2, 1.6]):
        db = tmp_path / f"killed{i}.duckdb"
        run_ingest(db, logs, kill_after_s=delay)
        stored, runs, loaded = counts(db)
        assert stored == loaded == runs * ROWS_PER_FILE  # whole files only, never a part
        run_ingest(db, logs)
        assert counts(db) == expected
