"""Mining a ServeGen ×N lake on Spark local[2] against DuckDB on the same machine (wall, peak RSS), and
the Spark run's steps as the shuffle partitions change.

Builds the ×N log with bench/scale.py's `build` (bench/out/scale/x<N>/, gitignored), ingests it into
a fresh warehouse, exports the lake (`tracefit export-lake`), then runs, each as its own process:
`tracefit mine --force` (DuckDB, on the warehouse) and `tracefit mine --engine spark --lake ...
--master local[2]` (into a second warehouse). Peak RSS is the process tree's (Spark's JVM is a child
of the Python driver), sampled from /proc every 0.2 s. Per-step times come from the progress lines
each run prints on stderr. The two warehouses' mined tables are compared row for row in count.

    .venv/bin/python bench/spark.py --copies 40                       # DuckDB vs Spark
    .venv/bin/python bench/spark.py --copies 4 --partitions 2 8 32    # Spark steps vs shuffle partitions
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scale import OUT, build  # noqa: E402

TRACEFIT = Path(sys.executable).with_name("tracefit")


def tree_rss_bytes(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


def timed(step: str, argv: list[str], env: dict | None = None) -> dict:
    """Run one process; wall, peak RSS of its tree, and the time at which each stderr line came."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )
    peak, lines = [0], []

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_bytes(proc.pid))
            time.sleep(0.2)

    def read_err():
        for line in proc.stderr:
            lines.append((round(time.perf_counter() - t0, 1), line.rstrip()))

    threads = [threading.Thread(target=sample), threading.Thread(target=read_err)]
    for t in threads:
        t.start()
    out = proc.stdout.read()
    proc.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    print(f"{step}: {wall:.0f} s, rc {proc.returncode}", file=sys.stderr, flush=True)
    return {
        "step": step,
        "ok": proc.returncode == 0,
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(peak[0] / 2**30, 2),
        "out": out,
        "progress": lines,
    }


def step_times(run: dict) -> dict[str, float]:
    """'<model>: <step>' progress lines -> seconds until the next line (the last until the end)."""
    marks = [
        (t, line.split(": ", 1)[1])
        for t, line in run["progress"]
        if ": " in line and not line.startswith(" ") and line.split(": ", 1)[1] in STEPS
    ]
    ends = [t for t, _ in marks[1:]] + [run["wall_s"]]
    return {name: round(end - t, 1) for (t, name), end in zip(marks, ends)}


STEPS = ("scope rows", "regimes", "traffic and lengths", "concurrency and latency", "errors", "prefix cache", "tenants")


def mined_counts(db: Path) -> dict[str, int]:
    import duckdb

    from warehouse.mine.store import MINED_TABLES

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MINED_TABLES}
    finally:
        con.close()


def prepare(copies: int) -> tuple[Path, Path, list[dict]]:
    folder = build(copies)
    db, lake = OUT / f"spark-x{copies}.duckdb", OUT / f"lake-x{copies}"
    steps = []
    if not (lake / "requests").exists():
        db.unlink(missing_ok=True)
        files = sorted(str(p) for p in folder.glob("day-*.parquet"))
        steps.append(
            timed(
                "ingest (DuckDB)",
                [
                    str(TRACEFIT),
                    "ingest",
                    *files,
                    "--source",
                    f"servegen-x{copies}",
                    "--sample-rate",
                    str(min(1.0, 0.0025 * copies)),
                    "--db",
                    str(db),
                ],
            )
        )
        steps.append(timed("export-lake", [str(TRACEFIT), "export-lake", "--db", str(db), "--out", str(lake)]))
    return db, lake, steps


def spark_mine(lake: Path, into: Path, partitions: int | None, driver_memory: str) -> dict:
    into.unlink(missing_ok=True)
    conf = f"--conf spark.sql.shuffle.partitions={partitions} " if partitions else ""
    env = {"PYSPARK_SUBMIT_ARGS": f"--driver-memory {driver_memory} {conf}pyspark-shell"}
    return timed(
        f"mine, Spark local[2]{f' ({partitions} shuffle partitions)' if partitions else ''}",
        [
            str(TRACEFIT),
            "mine",
            "--engine",
            "spark",
            "--lake",
            str(lake),
            "--db",
            str(into),
            "--master",
            "local[2]",
            "--json",
        ],
        env,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--partitions", type=int, nargs="*", help="shuffle partitions to compare (Spark only)")
    parser.add_argument("--driver-memory", default="6g")
    args = parser.parse_args()
    db, lake, steps = prepare(args.copies)
    if args.partitions:
        runs = [
            spark_mine(lake, OUT / f"spark-mined-x{args.copies}-p{p}.duckdb", p, args.driver_memory)
            for p in args.partitions
        ]
        for run in runs:
            print(
                json.dumps(
                    {
                        "step": run["step"],
                        "wall_s": run["wall_s"],
                        "peak_rss_gib": run["peak_rss_gib"],
                        "steps": step_times(run),
                    }
                )
            )
        return
    duck = timed("mine, DuckDB", [str(TRACEFIT), "mine", "--db", str(db), "--force", "--json"])
    spark = spark_mine(lake, OUT / f"spark-mined-x{args.copies}.duckdb", None, args.driver_memory)
    same = mined_counts(db) == mined_counts(OUT / f"spark-mined-x{args.copies}.duckdb") if spark["ok"] else None
    for run in [*steps, duck, spark]:
        print(
            json.dumps(
                {
                    "step": run["step"],
                    "ok": run["ok"],
                    "wall_s": run["wall_s"],
                    "peak_rss_gib": run["peak_rss_gib"],
                    "steps": step_times(run),
                }
            )
        )
    print(json.dumps({"mined_row_counts_equal": same}))


if __name__ == "__main__":
    main()
