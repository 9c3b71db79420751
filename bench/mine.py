"""Benchmark `tracefit mine` on the 2-week ServeGen log (619k requests) and on it replicated ×N.

Replication keeps every timestamp and copies each request N times under new ids (N× the rate:
closer to the real 237M-request source), sample_rate 0.0025·N. Each size runs in a fresh process
so peak RSS (ru_maxrss) is that run's own. Baseline in the same run: a plain full scan
(count + quantile_cont of prompt_tokens) of the same table, to express mining as a ratio.

    .venv/bin/python bench/mine.py            # 1x and 100x
    .venv/bin/python bench/mine.py --copies 1 # 1x only
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts named like packages (bench/ingest.py): import the real ones
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
SERVEGEN = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "servegen" / "chat-large-2w.parquet"


def child(db: str, copies: int) -> dict:
    import warehouse
    from ingest import ReadOptions
    from warehouse.load import ingest_paths
    from warehouse.mine import MineOptions, mine

    con = warehouse.connect(db)
    t0 = time.perf_counter()
    ingest_paths(con, [SERVEGEN], ReadOptions(), sample_rate=0.0025)
    if copies > 1:
        con.execute(
            "INSERT INTO requests SELECT requests.* REPLACE (request_id || '-' || c AS request_id) "
            "FROM requests, (SELECT range AS c FROM range(1, $n))",
            {"n": copies},
        )
        con.execute("UPDATE ingest_runs SET sample_rate = $r", {"r": min(1.0, 0.0025 * copies)})
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.execute("SELECT count(*), quantile_cont(prompt_tokens, 0.5) FROM requests").fetchall()
    scan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    runs = mine(con, MineOptions())
    mine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = mine(con, MineOptions())
    unchanged_s = time.perf_counter() - t0
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {
        "copies": copies,
        "requests": runs[0].requests,
        "load_s": round(load_s, 1),
        "scan_s": round(scan_s, 2),
        "mine_s": round(mine_s, 1),
        "mine_over_scan": round(mine_s / scan_s, 1),
        "remine_unchanged_s": round(unchanged_s, 2),
        "status_again": again[0].status,
        "peak_rss_gib": round(rss_gib, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="*", default=[1, 100])
    parser.add_argument("--child", type=int)
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child)))
        return
    if not SERVEGEN.exists():
        sys.exit(f"{SERVEGEN} not found: the shared data folder is needed")
    for copies in args.copies:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(copies), "--db", f"{tmp}/b.duckdb"],
                capture_output=True,
                text=True,
                check=True,
            )
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
