"""Tiny seeded warehouses for the dashboard tests (built once per test session).

`hostile`: 3 days of 300 requests with latencies, prefixes and per-token timings, where a tenant,
a model and the ingest file name are HTML/script payloads. `bare`: the same without any latency,
tenant or prefix, so every latency section must explain why it is empty.
"""

import atexit
import functools
import json
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

import warehouse
from dashboards.site import build_site
from tracefit.site_data import site_data

EVIL_TENANT = "<script>alert(1)</script>"
EVIL_MODEL = 'm"><img src=x onerror=alert(2)>'
EVIL_FILE = "logs/<b>day</b>&1.jsonl"
PLAN = Path(__file__).parent / "fixtures" / "dashboard_plan.json"


def _requests(rng: random.Random, n: int, *, latency: bool) -> pl.DataFrame:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    rows = []
    for i in range(n):
        prompt, output = int(2 ** rng.uniform(4, 13)), int(2 ** rng.uniform(1, 10))
        ttft = 20 + 0.1 * prompt + rng.uniform(0, 30) if latency else None
        rows.append(
            {
                "ingest_run_id": 1,
                "source": "fixture",
                "request_id": f"r{i}",
                "arrival_ts": start + timedelta(seconds=rng.uniform(0, 3 * 86400)),
                "model": rng.choice(["small-model", EVIL_MODEL]) if latency else "small-model",
                "tenant": rng.choice(["acme", "globex", EVIL_TENANT]) if latency else None,
                "prompt_tokens": prompt,
                "output_tokens": output,
                "cached_prompt_tokens": None,
                "ttft_ms": ttft,
                "tpot_ms": 12.0 if latency else None,
                "e2e_ms": ttft + 12.0 * (output - 1) if latency else None,
                "status": "ok" if rng.random() > 0.05 else "error",
                "error_code": None,
                "prefix_block_ids": [rng.randrange(5), 100 + rng.randrange(50)] if latency else None,
                "source_row": i,
            }
        )
    return pl.DataFrame(rows)


def make_warehouse(path: Path, *, latency: bool) -> Path:
    rng = random.Random(42)
    requests = _requests(rng, 300, latency=latency)
    itl = pl.DataFrame(
        {
            "ingest_run_id": 1,
            "source": "fixture",
            "request_id": [f"r{i % 50}" for i in range(400)],
            "token_index": [1 + i // 50 * 3 for i in range(400)],
            "itl_ms": [10 + rng.uniform(0, 5) for _ in range(400)],
        }
    )
    with warehouse.connect(path) as con:
        con.execute(
            "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
            "column_map, status, started_at, finished_at, rows_read, rows_loaded) VALUES "
            "(1, $path, 'x', 'generic', 'fixture', 0.5, 'absolute', '{}', 'loaded', now(), now(), 300, 300)",
            {"path": EVIL_FILE},
        )
        con.register("fixture_requests", requests.to_arrow())
        con.execute("INSERT INTO requests BY NAME SELECT * FROM fixture_requests")
        if latency:
            con.register("fixture_itl", itl.to_arrow())
            con.execute("INSERT INTO request_token_latencies BY NAME SELECT * FROM fixture_itl")
            _mine_by_hand(con)
    return path


def _mine_by_hand(con) -> None:
    """A few mined_* rows for small-model (as `tracefit mine` would store them): two regimes (day hours
    09–17 = 1, other hours = 0), a change point and an LRU curve; the other model stays unmined."""
    con.execute(
        "INSERT INTO mine_runs (mine_run_id, model, requests, data_fingerprint, params, has_latency, "
        "finished_at) VALUES (1, 'small-model', 150, 'x', '{}', true, now())"
    )
    con.execute(
        "INSERT INTO mined_hour_of_week SELECT 'small-model', c, 'Mon', c % 24, 1, 1, 0.01, 1.0, "
        "NULL, NULL, NULL, NULL, CASE WHEN c % 24 BETWEEN 9 AND 17 THEN 1 ELSE 0 END "
        "FROM range(168) t(c)"
    )
    for rid, label in ((0, "nights and weekends"), (1, "daily 09–18")):
        con.execute(
            "INSERT INTO mined_regimes VALUES ('small-model', $r, $l, [], 1, 1, 0.5, 0.01, 0.01, 0.02, 1.0, 1.3, 4.0)",
            {"r": rid, "l": label},
        )
    con.execute(
        "INSERT INTO mined_change_points VALUES ('small-model', 'ttft_ms_p95', DATE '2025-03-04', "
        "'spike', 400.0, 200.0, 2.0, 5.1, 'robust z')"
    )
    con.execute(
        "INSERT INTO mined_prefix VALUES ('small-model', NULL, 4, NULL, 300, 90, 0.3), "
        "('small-model', NULL, 64, NULL, 300, 180, 0.6)"
    )


@functools.cache
def built_site(kind: str) -> Path:
    """Build the site for `hostile` (with the plan fixture) or `bare`; returns the folder."""
    root = Path(tempfile.mkdtemp(prefix=f"tracefit-site-{kind}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)  # shared by the session's tests, then gone
    db = make_warehouse(root / "wh.duckdb", latency=kind == "hostile")
    plan = PLAN if kind == "hostile" else None
    build_site(site_data(db, plan), root / "site")
    return root / "site"


def plan_dict() -> dict:
    return json.loads(PLAN.read_text())
