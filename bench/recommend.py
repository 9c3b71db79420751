"""Recommendation speed: 168 hour-of-week windows of the 2-week ServeGen log (0.25% sample of ~200 req/s).

Ingests ../shared/data/servegen/chat-large-2w.parquet (--sample-rate 0.0025) into a fresh warehouse,
mines it, then times `recommend_plan` for qwen2.5-72b on H100 SXM (>= 500 candidates screened per
window, the best 3 simulated). Baseline in the same run: reading the windows from the warehouse.

    .venv/bin/python bench/recommend.py [--workers 2] [--db /tmp/sg.duckdb]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# this file is bench/recommend.py: keep its folder off the path so `recommend` is the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import warehouse  # noqa: E402
from recommend.recommender import RecommendOptions, recommend_plan  # noqa: E402
from recommend.search_space import SearchSpace  # noqa: E402
from recommend.window_inputs import FORECAST_QUANTILE, PEAK_QUANTILE, PEAK_SPAN_MINUTES, windows_from_frames  # noqa: E402
from recommend.windows import spec_windows  # noqa: E402
from warehouse.inputs import recommend as inputs  # noqa: E402

sys.path.append(str(HERE))
from results import write_section  # noqa: E402

TRACEFIT = str(Path(sys.executable).with_name("tracefit"))  # the CLI as a user runs it (bench never imports tracefit)
LOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "servegen" / "chat-large-2w.parquet"


def prepare(db: Path) -> None:
    if db.exists():
        return
    subprocess.run(
        [TRACEFIT, "ingest", str(LOG), "--sample-rate", "0.0025", "--db", str(db)], check=True, capture_output=True
    )
    subprocess.run([TRACEFIT, "mine", "--db", str(db)], check=True, capture_output=True)


def read_windows(con, model: str) -> list:
    """The 168 hour-of-week windows as `tracefit recommend --windows hour-of-week` reads them (no bulk rule)."""
    spec = spec_windows("hour-of-week")
    inputs.check_mined(con, model)
    frames = inputs.window_frames(
        con,
        model,
        spec,
        span_minutes=PEAK_SPAN_MINUTES,
        peak_quantile=PEAK_QUANTILE,
        bulk=inputs.bulk_seconds(con, [model], None, None, None),
        with_bulk=False,
    )
    return windows_from_frames(
        spec,
        frames,
        sample_rate=None,
        fallback_sample_rate=inputs.logged_sample_rate(con, model),
        span_minutes=PEAK_SPAN_MINUTES,
        forecast_quantile=FORECAST_QUANTILE,
        bulk=None,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", type=Path, default=Path("/tmp/tracefit-bench-servegen.duckdb"))
    args = ap.parse_args()
    prepare(args.db)
    t0 = time.perf_counter()
    with warehouse.connect(args.db, read_only=True) as con:
        windows = read_windows(con, "chat-large")
    read_s = time.perf_counter() - t0
    cpu0 = time.process_time()
    t1 = time.perf_counter()
    plan = recommend_plan(
        windows,
        model="qwen2.5-72b",
        traffic_model="chat-large",
        space=SearchSpace(gpus=("h100-sxm",)),
        options=RecommendOptions(workers=args.workers),
    )
    plan_s = time.perf_counter() - t1
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = time.process_time() - cpu0 + children.ru_utime + children.ru_stime
    ws = plan["windows"]
    row = {
        "windows": len(ws),
        "candidates_per_window": min(w["screening"]["candidates"] for w in ws),
        "simulated_per_window_mean": round(sum(w["screening"]["simulated"] for w in ws) / len(ws), 2),
        "read_s": round(read_s, 2),
        "recommend_s": round(plan_s, 1),
        "cpu_s": round(cpu_s, 1),
        "workers": args.workers,
        "windows_meeting_slo": sum(w["meets_slo"] for w in ws),
        "rps_planned_median": sorted(w["traffic"]["rps_planned"] for w in ws)[len(ws) // 2],
        **plan["summary"],
    }
    row.pop("windows_missing_slo")
    print(json.dumps(row))
    write_section("recommend", _markdown(row, args.workers))


def _markdown(r: dict, workers: int) -> str:
    return f"""## recommend: 168 hour-of-week windows of ServeGen chat-large (qwen2.5-72b on H100 SXM)

Command: `.venv/bin/python bench/recommend.py --workers {workers}` (ingest `--sample-rate 0.0025` + mine
done once beforehand; 2-core machine shared with other jobs). Default SLO ttft_p95_ms=1000,
tpot_p95_ms=100; bf16/fp8 weights and KV; TP 1–8; 35 (max_num_seqs, max_num_batched_tokens) pairs.
Baseline in the same run: reading the 168 windows from the warehouse (3 SQL files).

| windows | candidates screened / window | simulated / window | read s | recommend s (wall) | CPU s | meeting SLO | planned req/s (median window) | GPU-h / week | static peak GPU-h / week | saved |
|---|---|---|---|---|---|---|---|---|---|---|
| {r["windows"]} | {r["candidates_per_window"]} | {r["simulated_per_window_mean"]} | {r["read_s"]} | {r["recommend_s"]} | {r["cpu_s"]} | {r["windows_meeting_slo"]} | {r["rps_planned_median"]} | {r["gpu_hours_per_week"]:,} | {r["static_peak_gpu_hours_per_week"]:,} | {r["savings_pct"]}% |

Screening is ~15 ms a window (560 candidates, numpy); the cost is the simulations (3–6 candidates per
window, each 3 pooled draws of ~3,000 requests of one replica's share). Rerun 2026-12-05 on the
regenerated `chat-large-2w.parquet` (peak minute 3.9x the mean, was 137x): every window meets the SLO
(153 of 168 on the earlier file, whose one-minute spikes up to 175x the median minute no replica count
could absorb) and the week needs 18,330 GPU-hours (131,166 on the earlier file). The machine ran four
other engineers' test suites meanwhile (load ~15 on 2 cores): wall 717 s against 167 s of CPU. The
static-peak baseline is the largest window's fleet all week; hour-of-week windows each plan one week-1
hour, so "saved" is an upper bound (bench/RESULTS.md "Backtest" replays plans on later days).
"""


if __name__ == "__main__":
    main()
