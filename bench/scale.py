"""Production scale: a 2-week, ~237M-request log (ServeGen chat-large ×400) through ingest + mine + recommend.

Builds `bench/out/scale/x<N>/day-YYYY-MM-DD.parquet` (gitignored): every ServeGen request copied
N times under new ids, each copy's arrival jittered by up to ±30 s and its token counts by up to
±10% (seeded), so the shape (diurnal cycle, length mix, tenants) stays ServeGen's at N× the rate.
Then runs each step as its own `tracefit` process on a fresh warehouse and records wall time and
that process's peak RSS (os.wait4 rusage). `--copies 400` is the real 237M-request size; a smaller
N is the same shape, for extrapolation (the table says which).

    .venv/bin/python bench/scale.py --copies 40            # build + time at 1/10 scale
    .venv/bin/python bench/scale.py --copies 400 --write   # the real size; record in RESULTS.md
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

# bench/ holds scripts named like packages (bench/ingest.py): import the real ones
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parents[1]
SERVEGEN = ROOT / ".." / "shared" / "data" / "servegen" / "chat-large-2w.parquet"
OUT = ROOT / "bench" / "out" / "scale"
TRACEFIT = Path(sys.executable).with_name("tracefit")
JITTER_S, JITTER_LEN, CHUNK_COPIES = 30.0, 0.10, 20


def build(copies: int, seed: int = 42) -> Path:
    """Write one Parquet file per day (skipped when already there); returns the folder."""
    import numpy as np
    import polars as pl

    folder = OUT / f"x{copies}"
    folder.mkdir(parents=True, exist_ok=True)
    base = pl.read_parquet(SERVEGEN).with_columns(day=pl.col("ts").dt.date())
    for (day,), rows in base.partition_by("day", as_dict=True, maintain_order=True).items():
        path = folder / f"day-{day}.parquet"
        if path.exists():
            continue
        rng = np.random.default_rng([seed, day.toordinal()])
        parts = [
            _copies(rows.drop("day"), c0, min(copies, c0 + CHUNK_COPIES), rng) for c0 in range(0, copies, CHUNK_COPIES)
        ]
        tmp = path.with_suffix(".tmp")
        pl.concat(parts).sort("ts").write_parquet(tmp, row_group_size=1_000_000)
        tmp.replace(path)
        print(f"built {path.name}", file=sys.stderr, flush=True)
    return folder


def _copies(rows, first: int, last: int, rng):
    import polars as pl

    n = rows.height * (last - first)
    frame = pl.concat([rows.with_columns(copy=pl.lit(c, pl.Int32)) for c in range(first, last)])
    jitter_ms = rng.uniform(-JITTER_S * 1e3, JITTER_S * 1e3, n).astype("int64")
    scale_in, scale_out = rng.uniform(1 - JITTER_LEN, 1 + JITTER_LEN, (2, n))
    return frame.select(
        request_id=pl.col("request_id") + "-" + pl.col("copy").cast(pl.String),
        ts=pl.col("ts") + pl.duration(milliseconds=pl.Series(jitter_ms)),
        model="model",
        client=pl.col("client"),
        input_tokens=(pl.col("input_tokens") * pl.Series(scale_in)).round(0).cast(pl.Int32),
        output_tokens=(pl.col("output_tokens") * pl.Series(scale_out)).round(0).cast(pl.Int32).clip(1),
    )


def timed(step: str, argv: list[str]) -> dict:
    """Run one tracefit process; wall time and its own peak RSS (GiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    ok = os.waitstatus_to_exitcode(status) == 0
    print(f"{step}: {wall:.0f} s, rc {os.waitstatus_to_exitcode(status)}", file=sys.stderr, flush=True)
    return {
        "step": step,
        "ok": ok,
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2),
        "out": out.decode(errors="replace"),
    }


def has_recommend() -> bool:
    return subprocess.run([str(TRACEFIT), "recommend", "--help"], capture_output=True).returncode == 0


def run(copies: int, db: Path) -> list[dict]:
    folder = build(copies)
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    files = sorted(str(p) for p in folder.glob("day-*.parquet"))
    steps = [
        timed(
            "ingest",
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
                "--json",
            ],
        ),
        timed("mine", [str(TRACEFIT), "mine", "--db", str(db), "--json"]),
    ]
    if has_recommend():
        steps.append(
            timed(
                "recommend",
                [str(TRACEFIT), "recommend", "--db", str(db), "--model", "chat-large", "--as", "qwen2.5-72b", "--json"],
            )
        )
    return steps


def markdown(copies: int, requests: int, steps: list[dict]) -> str:
    rows = "\n".join(
        f"| {s['step']} | {s['wall_s']:.0f} | {s['peak_rss_gib']:.2f} | {'ok' if s['ok'] else 'FAILED'} |"
        for s in steps
    )
    total = sum(s["wall_s"] for s in steps)
    pending = (
        ""
        if any(s["step"] == "recommend" for s in steps)
        else "\n`tracefit recommend` did not exist yet when this ran: its time is pending.\n"
    )
    return (
        f"## Production scale: ServeGen chat-large ×{copies} ({requests:,} requests, 14 daily Parquet files)\n\n"
        f"Command: `.venv/bin/python bench/scale.py --copies {copies} --write` (2 cores, 24 GB; each step "
        "its own process on a fresh warehouse; peak RSS from wait4).\n\n"
        "| step | wall s | peak RSS GiB | status |\n|---|---|---|---|\n"
        f"{rows}\n| **total** | **{total:.0f}** | **{max(s['peak_rss_gib'] for s in steps):.2f}** | |\n{pending}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--write", action="store_true", help="record the table in bench/RESULTS.md")
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.build_only:
        build(args.copies)
        return
    steps = run(args.copies, args.db or OUT / f"x{args.copies}.duckdb")
    loaded = json.loads(steps[0]["out"] or "{}").get("totals", {}).get("rows_loaded", 0) if steps[0]["ok"] else 0
    text = markdown(args.copies, loaded, steps)
    print(text)
    if args.write:
        sys.path.insert(0, str(ROOT))
        from bench.results import write_section

        write_section("scale", text)


if __name__ == "__main__":
    main()
