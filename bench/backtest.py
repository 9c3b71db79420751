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

Headroom: each window is planned for the {a.recommend_args or 'default'} recommend options; by default
(`--forecast-quantile 0.95`) the measured forecast error of week 1 (recommend/forecast.py: each hour's
real rate / the mean of the same hour on the other days of its type, leave-one-day-out; the window's
request-weighted 0.95 quantile, x its busiest forecast hour; plan "traffic.forecast_error").
Plans read only the mined range (week 1); before, lengths and peak spans also read week 2.

Ideas evaluated (same pipeline; `--db` reuses one warehouse, `--recommend-args` passes options):

| plan | windows meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings |
|---|---|---|---|---|---|---|
| before (fixed headroom 0.1, week 2 leaking into lengths/peak spans) | 0 / 2 | 0.756 | 0.840 | 23,520 | 25,200 | 6.7% |
| fixed headroom 0.1, week 1 only (`--forecast-quantile 0`) | 0 / 2 | 0.696 | 0.811 | 18,984 | 20,160 | 5.8% |
| forecast error q 0.90 (`--forecast-quantile 0.9`) | 0 / 2 | 0.899 | 0.904 | 49,644 | 65,184 | 23.8% |
| forecast error q 0.95 (default) | 1 / 2 | 0.911 | 0.912 | 63,168 | 86,688 | 27.1% |
| forecast error q 0.95, `--windows hour-of-week` (recommend 52 s with `--workers 8`) | 113 / 168 | 0.673 | 0.779 | 104,640 | 6,273,790 | (98.3%) |

Why the target is not reachable on this data with the pooled-p95 definition: ServeGen's chat-large
log holds one-second batch dumps (e.g. 2025-03-16 07:10: 3,864 logged requests in one second = ~1.5M
real; 2025-03-10 20:15: 3,510). Requests arriving in a second with >= 100 logged (>= 40,000 real req/s,
~200x the median rate) are 6.0% / 9.8% of week 1's 00-10 / 10-24 windows and 13.1% / 6.5% of week
2's: above the 5% a p95 may miss in the 00-10 window, so its TTFT p95 <= 1 s fails for any fleet that
cannot start ~1.5M prefills within a second. In week 2, 21 of 168 hours hold > 5% of their requests in
such seconds, so hour-of-week windows cannot reach 99% either (at most 1 of 168 may miss). A fluid
queue at 10 s resolution still delays 14% of week 2's 00-10 requests by > 0.7 s at a fleet capacity of
5,000 real req/s (25x the median). Rates are not what changes most week to week: no week-2 hour exceeds
week 1's busiest (1,110 req/s), and the week-1 leave-one-day-out error (weighted q 0.90: 2.10, q 0.95:
3.03) predicts week 2's error against the week-1 profile (2.18, 4.07) well at q 0.90 and low at q 0.95.
Sunday 2025-03-16 evening also brings longer prompts (p95 ~10k tokens vs ~2.7k in week 1), a TTFT floor
at TP 2 that replicas do not lift. The static-peak baseline (recommend/backtest.py) is the plan window
with the most GPUs, its config and replicas for every replayed hour, as plan_doc sizes it; savings are
against that, so a larger peak window also raises the baseline (compare GPU-hours, not only savings).
"""
    if not a.no_write:
        write_section("backtest", md)


if __name__ == "__main__":
    main()
