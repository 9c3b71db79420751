"""Issue 7's test case: plan from week 1 of ServeGen, backtest on week 2; writes the 'backtest' section.

ingest (0.25% sample) -> mine --until end of week 1 -> recommend -> backtest week 2 (one replica's share
per hour, at most --max-requests simulated per hour). Target: >= 99% of windows meet the SLO with
GPU-hours <= 70% of the static-peak plan.

    .venv/bin/python bench/backtest.py                       # writes bench/RESULTS.md section
    .venv/bin/python bench/backtest.py --windows hour-of-week --no-write
    .venv/bin/python bench/backtest.py --db /tmp/sg.duckdb --no-write   # reuse (or keep) the mined warehouse
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT.parent / "shared" / "data" / "servegen" / "chat-large-2w.parquet"
WEEK1, WEEK2_END = "2025-03-10", "2025-03-17"


def tracefit(*args: str) -> tuple[str, float]:
    start = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).with_name("tracefit")), *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"tracefit {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    p.add_argument("--windows", default="regimes")
    p.add_argument("--max-requests", default="3000")
    p.add_argument("--recommend-args", default="", help="extra recommend options, e.g. '--headroom 0.5'")
    p.add_argument("--db", help="warehouse to reuse when it exists (ingested + mined as below), else keep it here")
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, plan = a.db or str(Path(tmp) / "sg.duckdb"), str(Path(tmp) / "plan.json")
        ingest_s = mine_s = 0.0
        if not Path(db).exists():
            _, ingest_s = tracefit("ingest", str(LOG), "--db", db, "--sample-rate", "0.0025")
            _, mine_s = tracefit("mine", "--db", db, "--until", WEEK1)
        _, rec_s = tracefit("recommend", "--db", db, "--model", "chat-large", "--as", a.as_model,
                            "--windows", a.windows, "--out", plan, *a.recommend_args.split())
        out, bt_s = tracefit("backtest", "--plan", plan, "--db", db, "--since", WEEK1, "--until", WEEK2_END,
                             "--max-requests", a.max_requests, "--json")
    doc = json.loads(out)
    s = doc["summary"]
    row = {"windows": len(doc["windows"]), **{k: s[k] for k in ("windows_meeting_slo_share", "hours_meeting_slo_share",
           "slo_attainment", "gpu_hours", "static_peak_gpu_hours", "savings_pct", "simulated_requests")},
           "ingest_s": ingest_s, "mine_s": mine_s, "recommend_s": rec_s, "backtest_s": bt_s}
    print(json.dumps(row))
    met = (s["windows_meeting_slo_share"] or 0) >= 0.99 and (s["savings_pct"] or 0) >= 30
    lines = [f"| {w['label']} | {w['gpus']} | {w['hours']:g} | {w['gpu_hours']:g} | {w['slo_attainment']} | "
             f"{w['meets_slo']} | {', '.join(f'{k} {v}' for k, v in w['percentiles_ms'].items() if k in doc['slo'])} | "
             f"{w['rejected_share']} |" for w in doc["windows"]]
    md = f"""## Backtest: plan from ServeGen week 1, replayed on week 2

Command: `.venv/bin/python bench/backtest.py --windows {a.windows}` (ingest `chat-large-2w.parquet` with
`--sample-rate 0.0025` -> `mine --until {WEEK1}` -> `recommend --model chat-large --as {a.as_model} --windows
{a.windows}` -> `backtest --since {WEEK1} --until {WEEK2_END}`; SLO {doc['slo']}). Target: >= 99% of windows
meet the SLO with GPU-hours <= 70% of the static-peak plan: **{'met' if met else 'not met'}**.

| windows | meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings | simulated requests | backtest s |
|---|---|---|---|---|---|---|---|---|
| {row['windows']} | {s['windows_meeting_slo_share']} | {s['hours_meeting_slo_share']} | {s['slo_attainment']} | {s['gpu_hours']:g} | {s['static_peak_gpu_hours']:g} | {s['savings_pct']}% | {s['simulated_requests']:,} | {bt_s:.1f} |

| window | GPUs | hours | GPU-hours | SLO attainment | meets SLO | percentiles (ms) | rejected |
|---|---|---|---|---|---|---|---|
""" + "\n".join(lines) + f"""

Stage times (s): ingest {ingest_s:.1f}, mine {mine_s:.1f}, recommend {rec_s:.1f}, backtest {bt_s:.1f} (the
backtest simulates one replica's share of each hour, at most {a.max_requests} requests per hour in slices;
recommend/backtest_replay.py).

Reading: a window "meets the SLO" when its percentile SLOs hold on all its replayed requests pooled
(recommend/backtest_stats.py), so a few overloaded hours (ServeGen week 2 has hours at 3-5x the
week-1 planned rate, e.g. Mon 20:00 at ~940 req/s) push a whole regime window's TTFT p95 far past the
limit; "hours meeting SLO" is the per-calendar-hour view. ServeGen's chat traffic is nearly flat
across the day, so regime windows differ little in size and savings against the static-peak plan stay
small; the gap to the target is the plan's headroom for week-to-week change (recommend), not replay cost.
"""
    if not a.no_write:
        write_section("backtest", md)


if __name__ == "__main__":
    main()
