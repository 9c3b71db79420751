"""SQL values are always bound: quotes and `;` in tenant/model names, column maps and filters are
data, never SQL. (HTML escaping of such names is checked in a real browser by
tests/test_dashboards_browser.py, whose "hostile" site carries `<script>` and quotes in names.)"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
from warehouse.db import fetch_one

TRACEFIT = str(Path(sys.executable).with_name("tracefit"))
HOSTILE = "x'; DROP TABLE requests; --"
TENANTS = ["o'brien", 'say "hi"; DELETE FROM requests', HOSTILE, "a;b", "<script>alert(1)</script>"]
COLUMN = "n'; DROP TABLE ingest_runs; --"  # a source column name, mapped with --map


def tracefit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TRACEFIT, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inj")
    log = folder / "hostile.csv"
    with open(log, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["request_id", "timestamp", "model", "tenant", COLUMN, "output_tokens", "ttft_ms"])
        writer.writerows(
            [
                f"r{i}",
                f"2025-03-03T{i // 60:02d}:{i % 60:02d}:00Z",
                HOSTILE if i % 2 else "m",
                TENANTS[i % 5],
                100 + i,
                5 + i % 3,
                20 + i % 9,
            ]
            for i in range(600)
        )
    path = folder / "w.duckdb"
    done = tracefit(
        "ingest",
        str(log),
        "--db",
        str(path),
        "--map",
        f"prompt_tokens={COLUMN}",
        "--tenant",
        HOSTILE,
        "--source",
        HOSTILE,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["rows_loaded"] == 600
    return path


def intact(path: Path) -> tuple:
    with warehouse.connect(path) as con:
        return fetch_one(
            con,
            "SELECT count(*), count(DISTINCT tenant), count(DISTINCT model), "
            "min(source), (SELECT count(*) FROM ingest_runs) FROM requests",
        )


def test_hostile_names_are_stored_verbatim(db):
    assert intact(db) == (600, 5, 2, HOSTILE, 1)
    with warehouse.connect(db) as con:
        tenants = {t for (t,) in con.execute("SELECT DISTINCT tenant FROM requests").fetchall()}
        assert tenants == set(TENANTS)
        (mapping,) = fetch_one(con, "SELECT column_map FROM ingest_runs")
        assert json.loads(mapping)[COLUMN] == "prompt_tokens"


@pytest.mark.slow
def test_filters_are_bound_in_every_command(db, tmp_path):
    # a model filter that is SQL: mined as a (missing) name, never run
    missing = tracefit("mine", "--db", str(db), "--model", "nope'; DROP TABLE requests; --")
    assert missing.returncode == 1 and "no requests for model" in missing.stderr
    # the hostile model exists: it is mined by name
    mined = tracefit("mine", "--db", str(db), "--model", HOSTILE, "--json")
    assert mined.returncode == 0, mined.stderr
    with warehouse.connect(db) as con:
        assert fetch_one(con, "SELECT count(*) FROM mined_tenants WHERE model = $m", {"m": HOSTILE})[0] == 5
    for argv in (["recommend", "--model", HOSTILE], ["recommend", "--model", "q'); DELETE FROM requests; --"]):
        done = tracefit(*argv, "--db", str(db), "--json")
        assert "Traceback" not in done.stderr
    assert tracefit("sql", "DROP TABLE requests", "--db", str(db)).returncode == 1  # read-only
    site = tracefit("dashboard", "--db", str(db), "--out", str(tmp_path / "site"))
    assert site.returncode == 0, site.stderr
    html = "".join(p.read_text() for p in (tmp_path / "site").glob("*.html"))
    assert "<script>alert(1)</script>" not in html
    assert intact(db) == (600, 5, 2, HOSTILE, 1)
