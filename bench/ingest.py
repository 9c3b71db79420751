"""Ingest speed: `tracefit ingest` vs DuckDB's own CREATE TABLE AS SELECT on the same file.

Generates an N-request log (default 10M) as Parquet, CSV and JSON Lines under bench/out/, then for each
file times, in the same run and alternating, (a) DuckDB `CREATE TABLE t AS SELECT * FROM 'file'`
into a fresh database file, (b) `tracefit ingest file --db fresh.duckdb` and (c) the floor: DuckDB
itself storing the file's rows as the warehouse's `requests` rows (the same INSERT target, in a
fresh warehouse), with no checks, no row numbers, no content hash and no Python start-up — what
any ingest that keeps the stored contract pays at least. Reports the median of each and their ratio
to (a) (target for (b) <= 1.3x for Parquet and CSV; JSON Lines is reported), and the median CPU
seconds (all threads; the machine has 2 cores, so CPU is what a loaded machine makes you pay).
`csv-noid` is the same CSV without its request_id column: tracefit then gives each row an id of its
own content and de-duplicates on it (issue #19); its floor stores the row's arrival text as the id.

    .venv/bin/python bench/ingest.py [--rows 10000000] [--repeats 3] [--kinds parquet,csv,jsonl,csv-noid]
"""

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from results import write_section  # noqa: E402

from warehouse.db import connect  # noqa: E402

OUT = Path(__file__).parent / "out"
KINDS = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl", "csv-noid": "-noid.csv"}


def generate(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(42)
    start = np.datetime64("2025-03-03T00:00:00", "us")
    offsets_us = np.sort(rng.integers(0, 14 * 86_400 * 10**6, rows))
    prompt = np.clip(rng.lognormal(6.5, 1.1, rows), 1, 128_000).astype(np.int64)
    output = np.clip(rng.lognormal(4.8, 1.0, rows), 1, 8_192).astype(np.int64)
    ttft = 40 + 0.12 * prompt + rng.exponential(20, rows)
    tpot = rng.lognormal(np.log(20), 0.1, rows)
    return pl.DataFrame(
        {
            "request_id": pl.int_range(rows, eager=True).cast(pl.String).str.zfill(10),
            "timestamp": pl.Series(start + offsets_us).dt.replace_time_zone("UTC"),
            "model": np.array(["llama-3.1-70b", "llama-3.1-8b", "qwen2.5-7b"])[rng.integers(0, 3, rows)],
            "tenant": pl.Series(rng.zipf(1.3, rows) % 500).cast(pl.String),
            "prompt_tokens": prompt,
            "output_tokens": output,
            "ttft_ms": ttft.round(2),
            "tpot_ms": tpot.round(3),
            "e2e_ms": (ttft + tpot * (output - 1)).round(2),
            "status": np.where(rng.random(rows) < 0.01, "error", "ok"),
        }
    )


def time_duckdb(path: Path, db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of CTAS into a fresh file, close (checkpoint) included."""
    db.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM '{path}'")
    con.close()
    return time.perf_counter() - started, time.process_time() - cpu


def time_floor(path: Path, db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of DuckDB inserting the file's rows into a fresh warehouse's `requests`
    table, the way `tracefit ingest` inserts them (unordered), minus everything a checked load adds:
    source_row is 0, nothing is checked or normalised, no hash is taken. Schema set-up is not timed.
    A CSV's tenant is read as text (the column it is stored in), not parsed as a number and cast."""
    db.unlink(missing_ok=True)
    scan = f"read_csv('{path}', types = {{'tenant': 'VARCHAR'}})" if path.suffix == ".csv" else f"'{path}'"
    request_id = "request_id" if "noid" not in path.name else '"timestamp"'
    connect(db).close()  # the warehouse's tables, as migrations create them
    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
        INSERT INTO requests (ingest_run_id, source, request_id, arrival_ts, model, tenant, prompt_tokens,
            output_tokens, cached_prompt_tokens, ttft_ms, tpot_ms, e2e_ms, status, error_code,
            prefix_block_ids, source_row)
        SELECT 1, 'bench', CAST({request_id} AS VARCHAR), CAST("timestamp" AS TIMESTAMPTZ), model,
            CAST(tenant AS VARCHAR), prompt_tokens, output_tokens, NULL, ttft_ms, tpot_ms, e2e_ms,
            status, NULL, NULL, 0
        FROM {scan}""")
    con.close()
    return time.perf_counter() - started, time.process_time() - cpu


def time_tracefit(path: Path, db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of the `tracefit ingest` process, start-up included."""
    db.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("tracefit")), "ingest", str(path), "--db", str(db)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
    )
    return found.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS), help="files to time, comma-separated")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    frame = generate(args.rows)
    files = {kind: OUT / f"requests-{args.rows}{KINDS[kind]}" for kind in args.kinds.split(",")}
    for kind, path in files.items():
        write = {
            "parquet": frame.write_parquet,
            "csv": frame.write_csv,
            "jsonl": frame.write_ndjson,
            "csv-noid": frame.drop("request_id").write_csv,
        }[kind]
        write(path)
    del frame
    lines = [
        "## Ingest: `tracefit ingest` vs DuckDB CREATE TABLE AS SELECT",
        "",
        f"Command: `.venv/bin/python bench/ingest.py --rows {args.rows} --repeats {args.repeats} "
        f"--kinds {args.kinds}` "
        f"(2-core machine; medians; each loads into a fresh database file; commit {_commit()}). "
        "floor: DuckDB itself inserting the file's rows into a fresh warehouse's `requests` table, "
        "unordered as `tracefit ingest` does, with no checks, row numbers, content hash or Python "
        "start-up: the least any load that stores the warehouse's columns pays.",
        "",
        "| file | size MB | duckdb CTAS s | tracefit ingest s | ratio | floor s | floor ratio "
        "| CTAS CPU s | ingest CPU s | CPU ratio | floor CPU ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, path in files.items():
        duck, ours, floor = [], [], []
        for _ in range(args.repeats):
            duck.append(time_duckdb(path, OUT / "ctas.duckdb"))
            ours.append(time_tracefit(path, OUT / "tracefit.duckdb"))
            floor.append(time_floor(path, OUT / "floor.duckdb"))
        d, t, f = (statistics.median(w for w, _ in runs) for runs in (duck, ours, floor))
        dc, tc, fc = (statistics.median(c for _, c in runs) for runs in (duck, ours, floor))
        lines.append(
            f"| {kind} ({args.rows:,} rows) | {path.stat().st_size / 1e6:,.0f} | {d:.2f} | {t:.2f} | "
            f"{t / d:.2f}x | {f:.2f} | {f / d:.2f}x | {dc:.1f} | {tc:.1f} | {tc / dc:.2f}x | {fc / dc:.2f}x |"
        )
        print(lines[-1], flush=True)
    write_section("ingest", "\n".join(lines))


if __name__ == "__main__":
    main()
