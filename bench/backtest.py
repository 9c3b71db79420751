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
backtest simulates one replica's share of each piece, at most {a.max_requests} requests per hour in slices;
recommend/backtest_replay.py).

**Replica scaler** (recommend/autoscale.py; the default since f2f7a45): each window's config and its
replicas are the plan's maximum; a scaler (KEDA/HPA on the request rate) decides every 15 minutes,
5 minutes ahead (`--scale-delay-s`: pod start + weights load), replicas = ceil(ratio x the busiest
15-min interactive rate of the last hour / the window's planned interactive req/s per replica), within
[1, the window's replicas], and the window's full fleet while bulk work is queued (the bulk admission
rate was validated on the full fleet only). ratio is measured on week 1: each 15-min interval's busiest
5 minutes / what the scaler saw before it, the request-weighted 0.99 quantile (`--autoscale-quantile`;
the plan's "autoscale"; 2.33 here). The backtest (recommend/backtest_scaling.py) cuts week 2 at the
scaler's intervals and runs each with the replicas the scaler would have chosen from week 2's traffic
as it arrived; GPU-hours are those replicas' (`--fixed-replicas` replays the windows' maxima). "hours
meeting SLO" then counts 15-min pieces. Why a scaler: ServeGen's interactive rate is bursty at every
scale below the day (15-min means: week-1 mean 197, peak 536 real req/s; an hour's rate / the previous
hour's: q 0.95 = 1.40) while its diurnal curve is flat (hourly means 1,290-2,430), so a fixed plan per
regime window must carry the forecast error all day. Two regime windows capped the savings near 23%
(below: 61,908 of 79,968 GPU-hours); following the traffic with the measured margin uses 61% of the
static-peak plan's GPU-hours and every window still meets the interactive SLO.

Headroom: each window is planned for the {a.recommend_args or 'default'} recommend options; by default
(`--forecast-quantile 0.95`) the measured forecast error of week 1 (recommend/forecast.py: each hour's
real rate / the mean of the same hour on the other days of its type, leave-one-day-out; the window's
request-weighted 0.95 quantile, x its busiest forecast hour; plan "traffic.forecast_error") sizes the
window's maximum. Plans read only the mined range (week 1).

Traffic classes (recommend/traffic_class.py): ServeGen's chat-large log holds one-second dumps from
single tenants (2025-03-16 07:10:19, client 61: 3,864 logged requests in one second = ~1.5M real;
client 73: 27,835 of its 46,204 requests in seconds where it sent >= 50). Such dumps are batch work:
the default rule calls a tenant's requests bulk in a UTC second where it sent >= 100 x the median real
rate of the mined minutes (180 req/s -> 18,000 req/s = 45 logged requests; tenants active in > 90% of
hours peak at 4-33 logged per second), one SQL query (warehouse/sql/recommend_bulk_seconds.sql) for
week 1 and week 2. Bulk is 7.5% / 13.0% of week 1's 00-10 / 10-24 requests and 16.4% / 9.0% of week
2's. Interactive capacity is planned on interactive traffic; bulk is admitted from a FIFO queue at the
slowest rate that met the 3600 s deadline for every week-1 bulk request of the window
(recommend/bulk_plan.py), simulated on the same replicas; the backtest replays that admission on week 2
(recommend/backtest_bulk.py) and judges bulk by its deadline (admission wait + engine e2e).

Ideas evaluated (same pipeline; `--db` reuses one warehouse, `--recommend-args` passes options).
SLO attainment / meeting SLO: all requests before traffic classes, the interactive class after.
Rows marked "before" ran on earlier code (other mined regimes); the rest on this commit's plan.

| plan | windows meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings | bulk deadline attainment |
|---|---|---|---|---|---|---|---|
| before: fixed headroom 0.1, week 2 leaking into lengths/peak spans | 0 / 2 | 0.756 | 0.840 | 23,520 | 25,200 | 6.7% | - |
| before: forecast error q 0.95, one class (every request judged by the latency SLO) | 1 / 2 | 0.911 | 0.912 | 63,168 | 86,688 | 27.1% | - |
| before: the same, `--windows hour-of-week` | 113 / 168 | 0.673 | 0.779 | 104,640 | 6,273,790 | (98.3%) | - |
| before: bulk class, `--windows hour-of-week` | 117 / 168 | 0.696 | 0.867 | 29,982 | 426,048 | (93.0%) | 0.024 |
| fixed replicas per window (`--autoscale-quantile 0`) | 2 / 2 | 0.958 | 0.986 | 61,908 | 79,968 | 22.6% | 0.954 (p95 3,533 s) |
| **scaler, q 0.99, 5-min delay (default)** | **2 / 2** | 0.938 | 0.980 | 48,821 | 79,968 | **38.9%** | 0.943 (p95 3,715 s) |
| scaler, 15-min delay (`--scale-delay-s 900`) | 2 / 2 | 0.939 | 0.979 | 48,893 | 79,968 | 38.9% | 0.943 |
| scaler, q 0.95 (`--autoscale-quantile 0.95`) | 2 / 2 | 0.914 | 0.973 | 38,606 | 79,968 | 51.7% | 0.943 |
| scaler, `--bulk-deadline-s 86400` | 2 / 2 | 0.924 | 0.975 | 33,071 | 45,024 | 26.5% | 0.330 (p95 62 h) |

What is met and what is not: every regime window meets the interactive SLO on week 2 (2 / 2 >= 99%)
with 61% of the static-peak plan's GPU-hours (<= 70%): the target is met with the scaler; with fixed
replicas per window it is not (77%). The static-peak baseline (recommend/backtest.py) is the plan window
with the most GPUs, its config and replicas for every replayed hour (bulk admitted at that window's
rate). Costs of the scaler: 6% of the 15-min pieces miss the SLO (a burst the last hour did not
announce, or a dump that lands between decisions on a small fleet), against 4% with fixed replicas,
and bulk deadline attainment falls from 0.954 to 0.943 (a dump's first minutes run on the fleet the
interactive rate asked for). The bulk misses are week 2's 00-10 dumps, larger than any in week 1
(bulk share 16.4% vs 7.5%), which queue past the deadline at the rate week 1 needed. q 0.95 would save
52% and still pass the window SLOs, but it under-sizes ~5% of requests' intervals by construction,
exactly what a p95 SLO leaves, so the default keeps 0.99. A 24 h deadline sizes bulk admission for the day,
not the hour; each window admits only in its own hours, so the queue stalls and most bulk misses even 24 h.
The delay barely matters (5 vs 15 min) because the signal is the busiest 15 minutes of the last hour.
Hour-of-week windows (rows "before") plan each cell from one week-1 hour and miss a third of the cells.
"""
    if not a.no_write:
        write_section("backtest", md)


if __name__ == "__main__":
    main()
