"""Tiny seeded warehouses for the dashboard tests (built once per test session).

`hostile`: 3 days of 300 requests with latencies, prefixes and per-token timings, where a tenant,
a model and the ingest file name are HTML/script payloads. `bare`: the same without any latency,
tenant or prefix, so every latency section must explain why it is empty.
"""

import functools
import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

import warehouse
from dashboards.site import build_site
from tracefit.site_data import site_data

EVIL_TENANT = "<script>alert(1)</script>"
EVIL_MODEL = "m\"><img src=x onerror=alert(2)>"
EVIL_FILE = "logs/<b>day</b>&1.jsonl"
PLAN = Path(__file__).parent / "fixtures" / "dashboard_plan.json"


def _requests(rng: random.Random, n: int, *, latency: bool) -> pl.DataFrame:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    rows = []
    for i in range(n):
        prompt, output = int(2 ** rng.uniform(4, 13)), int(2 ** rng.uniform(1, 10))
        ttft = 20 + 0.1 * prompt + rng.uniform(0, 30) if latency else None
        rows.append({
            "ingest_run_id": 1, "source": "fixture", "request_id": f"r{i}",
            "arrival_ts": start + timedelta(seconds=rng.uniform(0, 3 * 86400)),
            "model": rng.choice(["small-model", EVIL_MODEL]) if latency else "small-model",
            "tenant": rng.choice(["acme", "globex", EVIL_TENANT]) if latency else None,
            "prompt_tokens": prompt, "output_tokens": output, "cached_prompt_tokens": None,
            "ttft_ms": ttft, "tpot_ms": 12.0 if latency else None,
            "e2e_ms": ttft + 12.0 * (output - 1) if latency else None,
            "status": "ok" if rng.random() > 0.05 else "error", "error_code": None,
            "prefix_block_ids": [rng.randrange(5), 100 + rng.randrange(50)] if latency else None,
            "source_row": i,
        })
    return pl.DataFrame(rows)


def make_warehouse(path: Path, *, latency: bool) -> Path:
    rng = random.Random(42)
    requests = _requests(rng, 300, latency=latency)
    itl = pl.DataFrame({"ingest_run_id": 1, "source": "fixture", "request_id": [f"r{i % 50}" for i in range(400)],
                        "token_index": [1 + i // 50 * 3 for i in range(400)],
                        "itl_ms": [10 + rng.uniform(0, 5) for _ in range(400)]})
    with warehouse.connect(path) as con:
        con.execute("INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
                    "column_map, status, started_at, finished_at, rows_read, rows_loaded) VALUES "
                    "(1, $path, 'x', 'generic', 'fixture', 0.5, 'absolute', '{}', 'loaded', now(), now(), 300, 300)",
                    {"path": EVIL_FILE})
        con.register("fixture_requests", requests.to_arrow())
        con.execute("INSERT INTO requests BY NAME SELECT * FROM fixture_requests")
        if latency:
            con.register("fixture_itl", itl.to_arrow())
            con.execute("INSERT INTO request_token_latencies BY NAME SELECT * FROM fixture_itl")
    return path


@functools.cache
def built_site(kind: str) -> Path:
    """Build the site for `hostile` (with the plan fixture) or `bare`; returns the folder."""
    root = Path(tempfile.mkdtemp(prefix=f"tracefit-site-{kind}-"))
    db = make_warehouse(root / "wh.duckdb", latency=kind == "hostile")
    plan = PLAN if kind == "hostile" else None
    build_site(site_data(db, plan), root / "site")
    return root / "site"


def plan_dict() -> dict:
    return json.loads(PLAN.read_text())
