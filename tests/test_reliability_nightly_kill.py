"""kill -9 the nightly job at several points: the warehouse opens, no partial report or page is
visible, and the rerun ends with the counts of an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import warehouse
from tracefit.synthetic import generate
from warehouse.db import fetch_one

TRACEFIT = str(Path(sys.executable).with_name("tracefit"))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inbox")
    for day, log in enumerate([generate(days=2, seed=3, mean_rps=0.05), generate(days=1, seed=4, mean_rps=0.05)]):
        log.requests.write_parquet(folder / f"part-{day}.parquet")
    return folder


def nightly(inbox: Path, base: Path, kill_after_s: float | None = None) -> float:
    base.mkdir(exist_ok=True)
    argv = [
        TRACEFIT,
        "nightly",
        "--inbox",
        str(inbox),
        "--db",
        str(base / "w.duckdb"),
        "--out",
        str(base / "out"),
        "--source",
        "prod",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after_s is None:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return time.perf_counter() - t0
    time.sleep(kill_after_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.perf_counter() - t0


def final_state(base: Path) -> tuple:
    with warehouse.connect(base / "w.duckdb") as con:
        requests = fetch_one(con, "SELECT count(*) FROM requests")[0]
        loaded = fetch_one(con, "SELECT count(*), sum(rows_loaded) FROM ingest_runs WHERE status = 'loaded'")
        mined = fetch_one(con, "SELECT count(DISTINCT model), sum(requests) FROM mine_runs")
    return requests, tuple(loaded), tuple(mined)


def assert_nothing_partial(base: Path) -> None:
    for report in (base / "out").glob("runs/*/report.json"):
        assert json.loads(report.read_text())["status"] == "done"
    for page in (base / "out").glob("site/*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
    warehouse.connect(base / "w.duckdb").close()  # opens (and WAL replays) after any kill


@pytest.mark.slow
def test_kill_nightly_at_several_points_then_rerun(tmp_path, inbox):
    """Kills chained on one warehouse (each run resumes what the last left), then one full run."""
    clean = tmp_path / "clean"
    wall = nightly(inbox, clean)
    expected = final_state(clean)
    assert expected[0] > 0 and expected[2][0] >= 1
    killed = tmp_path / "killed"
    for fraction in (0.2, 0.5, 0.8):
        nightly(inbox, killed, kill_after_s=wall * fraction)
        if (killed / "w.duckdb").exists():
            assert_nothing_partial(killed)
    nightly(inbox, killed)
    assert_nothing_partial(killed)
    assert final_state(killed) == expected
    assert list((killed / "out").glob("runs/*/report.json"))
