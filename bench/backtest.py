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
           "slo_attainment", "gpu_hours", "static_peak_gpu_hours", "savings_pct", "simulated_requests", "bulk_share",
           "bulk_deadline_attainment", "bulk_completion_p95_s")},
           "ingest_s": ingest_s, "mine_s": mine_s, "recommend_s": rec_s, "backtest_s": bt_s}
    print(json.dumps(row))
    met = (s["windows_meeting_slo_share"] or 0) >= 0.99 and (s["savings_pct"] or 0) >= 30
    lines = [f"| {w['label']} | {w['gpus']} | {w['hours']:g} | {w['gpu_hours']:g} | {w['slo_attainment']} | "
             f"{w['meets_slo']} | {', '.join(f'{k} {v}' for k, v in w['percentiles_ms'].items() if k in doc['slo'])} | "
             f"{w['rejected_share']} | {w['bulk']['share']} | {w['bulk']['deadline_attainment']} | "
             f"{w['bulk']['admit_tok_s']:,.0f} |" for w in doc["windows"]]
    bulk = doc.get("bulk") or {}
    md = f"""## Backtest: plan from ServeGen week 1, replayed on week 2

Command: `.venv/bin/python bench/backtest.py --windows {a.windows}` (ingest `chat-large-2w.parquet` with
`--sample-rate 0.0025` -> `mine --until {WEEK1}` -> `recommend --model chat-large --as {a.as_model} --windows
{a.windows}` -> `backtest --since {WEEK1} --until {WEEK2_END}`; SLO {doc['slo']}, judged on the interactive class;
bulk class: a tenant's requests in a UTC second where it sent >= {bulk.get('burst_rps')} real requests
({bulk.get('source') or 'given'}), judged by a {bulk.get('deadline_s')} s deadline). Target: >= 99% of windows
meet the SLO with GPU-hours <= 70% of the static-peak plan: **{'met' if met else 'not met'}**.

`SLO attainment` and `meeting SLO` are the **interactive** class's (bulk requests are not judged by the
latency SLO); bulk has its own deadline attainment (arrival -> last token <= the deadline, incl. the
admission wait), reported beside it. Bulk requests are simulated on the same engines (they take
capacity from the interactive ones), admitted from a FIFO queue at the plan window's rate.

| windows | meeting SLO | hours meeting SLO | SLO attainment (interactive) | GPU-hours | static-peak GPU-hours | savings | bulk share | bulk deadline attainment | bulk completion p95 (s) | simulated requests | backtest s |
|---|---|---|---|---|---|---|---|---|---|---|---|
| {row['windows']} | {s['windows_meeting_slo_share']} | {s['hours_meeting_slo_share']} | {s['slo_attainment']} | {s['gpu_hours']:g} | {s['static_peak_gpu_hours']:g} | {s['savings_pct']}% | {s['bulk_share']} | {s['bulk_deadline_attainment']} | {s['bulk_completion_p95_s']} | {s['simulated_requests']:,} | {bt_s:.1f} |

| window | GPUs | hours | GPU-hours | SLO attainment (interactive) | meets SLO | percentiles (ms) | rejected | bulk share | bulk deadline attainment | bulk admitted tokens/s |
|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(lines) + f"""

Stage times (s): ingest {ingest_s:.1f}, mine {mine_s:.1f}, recommend {rec_s:.1f}, backtest {bt_s:.1f} (the
backtest simulates one replica's share of each hour, at most {a.max_requests} requests per hour in slices;
recommend/backtest_replay.py).

Headroom: each window is planned for the {a.recommend_args or 'default'} recommend options; by default
(`--forecast-quantile 0.95`) the measured forecast error of week 1 (recommend/forecast.py: each hour's
real rate / the mean of the same hour on the other days of its type, leave-one-day-out; the window's
request-weighted 0.95 quantile, x its busiest forecast hour; plan "traffic.forecast_error").
Plans read only the mined range (week 1); before, lengths and peak spans also read week 2.

Traffic classes (recommend/traffic_class.py): ServeGen's chat-large log holds one-second dumps from
single tenants (2025-03-16 07:10:19, client 61: 3,864 logged requests in one second = ~1.5M real;
client 73: 27,835 of its 46,204 requests in seconds where it sent >= 50). No fleet starts ~1.5M
prefills within a second, so with every request judged by the TTFT p95 the 00-10 window failed
(before, below). Such dumps are batch work: the default rule calls a tenant's requests bulk in a UTC
second where it sent >= 100 x the median real rate of the mined minutes (180 req/s -> 18,000 req/s =
45 logged requests; tenants active in > 90% of hours peak at 4-33 logged per second, below it), one
SQL query (warehouse/sql/recommend_bulk_seconds.sql) for week 1 and week 2 with the parameters the plan
records. Bulk is 7.5% / 13.0% of week 1's 00-10 / 10-24 requests and 16.4% / 9.0% of week 2's. The
plan sizes interactive capacity on interactive traffic (peak span and forecast error without bulk:
the q 0.95 error ratio falls from 3.03 to 1.92 / 1.82) and admits bulk from a FIFO queue at the
slowest rate that met the 3600 s deadline for every week-1 bulk request of the window
(recommend/bulk_plan.py), simulated on the same replicas. The backtest replays that admission on week 2
(recommend/backtest_bulk.py): bulk takes engine time from the interactive requests, and is judged by
its deadline (admission wait + engine e2e).

Ideas evaluated (same pipeline; `--db` reuses one warehouse, `--recommend-args` passes options).
SLO attainment / meeting SLO: all requests before traffic classes, the interactive class after.

| plan | windows meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings | bulk deadline attainment |
|---|---|---|---|---|---|---|---|
| before: fixed headroom 0.1, week 2 leaking into lengths/peak spans | 0 / 2 | 0.756 | 0.840 | 23,520 | 25,200 | 6.7% | - |
| before: fixed headroom 0.1, week 1 only (`--forecast-quantile 0`) | 0 / 2 | 0.696 | 0.811 | 18,984 | 20,160 | 5.8% | - |
| before: forecast error q 0.90 (`--forecast-quantile 0.9`) | 0 / 2 | 0.899 | 0.904 | 49,644 | 65,184 | 23.8% | - |
| before: forecast error q 0.95, one class (every request judged by the latency SLO) | 1 / 2 | 0.911 | 0.912 | 63,168 | 86,688 | 27.1% | - |
| before: the same, `--windows hour-of-week` | 113 / 168 | 0.673 | 0.779 | 104,640 | 6,273,790 | (98.3%) | - |
| **bulk class, deadline 3600 s (default)** | **2 / 2** | 0.964 | 0.987 | 62,440 | 80,640 | 22.6% | 0.954 (p95 3,534 s) |
| bulk class, `--bulk-deadline-s 86400` (the batch APIs' 24 h limit) | 2 / 2 | 0.899 | 0.974 | 36,260 | 45,360 | 20.1% | 0.804 (p95 36 h) |
| bulk class, `--windows hour-of-week` (recommend 32 s with `--workers 2`) | 117 / 168 | 0.696 | 0.867 | 29,982 | 426,048 | (93.0%) | 0.024 |

What is met and what is not: with the bulk class every regime window meets the interactive SLO on
week 2 (2 / 2 >= 99%), and 95.4% of bulk requests (real-weighted) complete within the hour; the misses
are week 2's 00-10 dumps, larger than any in week 1 (its bulk share rose from 7.5% to 16.4%), which
queue past the deadline at the rate week 1 needed. GPU-hours are 77.4% of the static-peak plan, not
<= 70%, and with two regime windows that bound is out of reach for reasons of the traffic, not the
fleet: savings = 70/168 x (1 - night GPUs / day GPUs), so 30% needs the 00-10 window at <= 28% of the
10-24 window's GPUs, while week 1's interactive forecast peaks are 216 vs 294 req/s (0.73; even GPUs
exactly proportional to them would save 11%); the plan's 220 vs 480 GPUs (0.46) already saves 22.6%.
Hour-of-week windows could trough deeper, but each cell is planned from one week-1 hour: its forecast
and its bulk rate come from a single sample, 51 of 168 hours miss (week 2's dumps land in cells whose
week-1 hour had none, so their queue waits for a cell that admits: 2.4% meet the deadline), and the
static-peak baseline becomes the one cell with the most GPUs (Wed 21-22, 2,536 GPUs), which makes the
93% "savings" meaningless. A 24 h deadline lowers GPU-hours by 42% but each window admits only in its
own hours, so the queue stalls overnight and 20% of bulk misses even 24 h. Other notes: rates are not
what changes most week to week (no week-2 hour exceeds week 1's busiest, 1,110 req/s); Sunday
2025-03-16 evening brings longer prompts (p95 ~10k tokens vs ~2.7k in week 1), a TTFT floor at TP 2
that replicas do not lift. The static-peak baseline (recommend/backtest.py) is the plan window with the
most GPUs, its config and replicas for every replayed hour (bulk admitted at that window's rate);
savings are against that, so compare GPU-hours, not only savings. Mining is being changed alongside
this work: one fresh run in between mined other regimes and gave 57,540 vs 72,240 GPU-hours (20.3%),
2 / 2 windows, interactive attainment 0.985, bulk deadline attainment 0.954.
"""
    if not a.no_write:
        write_section("backtest", md)


if __name__ == "__main__":
    main()
