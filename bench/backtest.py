"""Does the plan hold? ServeGen chat-large (0.25% sample), measured the way `tracefit nightly` is used.

Two tables, written to bench/RESULTS.md section 'backtest':
  walk-forward  `tracefit backtest --walk-forward` over week 2: each day planned from every request
                before it (mine --until the day), replayed against that plan (issue 20 item 1)
  week-ahead    one plan from week 1 (`mine --until 2025-03-10` + `recommend`), left alone for week 2
                (`backtest --since 2025-03-10 --until 2025-03-17`) (issue 20 item 3)
Targets: walk-forward >= 99% of (day, window) pairs and >= 97% of hours meet the SLO with GPU-hours
<= 70% of the static-peak plan; week-ahead: every window and >= 95% of hours, >= 30% GPU-hours saved;
bulk >= 99% within its deadline wherever it is > 0.1% of requests.

    .venv/bin/python bench/backtest.py                       # ~10 min on 2 busy cores; writes the section
    .venv/bin/python bench/backtest.py --db /tmp/sg.duckdb --no-write   # reuse (or keep) the ingested warehouse
    .venv/bin/python bench/backtest.py --recommend-args "--bulk-burst-rps 0" --no-write   # a variant
"""

import argparse
import json
import resource
import shutil
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
KEYS = ("windows_meeting_slo_share", "hours_meeting_slo_share", "slo_attainment", "gpu_hours", "static_peak_gpu_hours",
        "savings_pct", "bulk_share", "bulk_deadline_attainment", "worst_class")


def tracefit(*args: str) -> tuple[str, float, float]:
    """(stdout, wall s, CPU s of the child) of one tracefit command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).with_name("tracefit")), *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"tracefit {' '.join(args)} failed:\n{out.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out.stdout, time.perf_counter() - start, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    p.add_argument("--max-requests", default="3000")
    p.add_argument("--recommend-args", default="", help="extra recommend options, e.g. '--headroom 0.5'")
    p.add_argument("--db", help="ingested warehouse to reuse when it exists, else keep it here")
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    rec = ["--model", "chat-large", "--as", a.as_model, *a.recommend_args.split()]
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or str(Path(tmp) / "sg.duckdb")
        if not Path(db).exists():
            tracefit("ingest", str(LOG), "--db", db, "--sample-rate", "0.0025")
        out, walk_s, walk_cpu = tracefit("backtest", "--walk-forward", "--db", db, *rec, "--since", WEEK1, "--until",
                                         WEEK2_END, "--max-requests", a.max_requests, "--json")
        walk = json.loads(out)
        week1 = str(Path(tmp) / "week1.duckdb")  # mining writes: a copy keeps --db as ingested
        shutil.copyfile(db, week1)
        tracefit("mine", "--db", week1, "--until", WEEK1)
        plan = str(Path(tmp) / "plan.json")
        tracefit("recommend", "--db", week1, *rec, "--out", plan)
        out, ahead_s, _ = tracefit("backtest", "--plan", plan, "--db", week1, "--since", WEEK1, "--until", WEEK2_END,
                                   "--max-requests", a.max_requests, "--json")
        ahead = json.loads(out)
    print(json.dumps({"walk": {k: walk["summary"][k] for k in KEYS}, "walk_s": walk_s, "walk_cpu_s": walk_cpu,
                      "week_ahead": {k: ahead["summary"][k] for k in KEYS}, "week_ahead_s": ahead_s}))
    if not a.no_write:
        write_section("backtest", markdown(a, walk, walk_s, walk_cpu, ahead, ahead_s))


def _row(name: str, s: dict, windows: str) -> str:
    bulk = s["bulk_deadline_attainment"]
    return (f"| {name} | {windows} | {s['windows_meeting_slo_share']:.3f} | {s['hours_meeting_slo_share']:.3f} | "
            f"{s['slo_attainment']:.4f} | {s['gpu_hours']:,.0f} | {s['static_peak_gpu_hours']:,.0f} | "
            f"{s['savings_pct']:.1f}% | {s['bulk_share']:.4f} | {'-' if bulk is None else f'{bulk:.3f}'} | "
            f"{s['worst_class']} |")


def _classes(s: dict) -> str:
    return "; ".join(f"{c['class']} {c['share']:.2%} of requests, {c['attainment'] if c['attainment'] is None else round(c['attainment'], 4)} "
                     f"vs target {c['target']:g} ({c['judged_by']}{'' if c['judged'] else ', not judged: <= 0.1%'})"
                     for c in s["classes"])


def markdown(a, walk: dict, walk_s: float, walk_cpu: float, ahead: dict, ahead_s: float) -> str:
    ws, hs = walk["summary"], ahead["summary"]
    days = "\n".join(
        f"| {d['day']} | {d['plan']['windows']} | {d['plan']['max_gpus']} | {d['summary']['windows_meeting_slo_share']} | "
        f"{d['summary']['hours_meeting_slo_share']:.3f} | {d['summary']['slo_attainment']:.4f} | "
        f"{d['summary']['gpu_hours']:,.0f} | {d['summary']['savings_pct']:.1f}% | {d['summary']['bulk_share']:.4f} | "
        f"{d['summary']['bulk_deadline_attainment']} | {d['summary']['worst_class']} |" for d in walk["days"])
    windows = "\n".join(
        f"| {w['label']} | {w['gpus']} | {w['mean_gpus']:.1f} | {w['hours']:g} | {w['slo_attainment']} | {w['meets_slo']} | "
        f"{w['hours_meeting_slo_share']:.3f} | {w['bulk']['share']} | {w['bulk']['deadline_attainment']} |"
        for w in ahead["windows"])
    met_walk = (ws["windows_meeting_slo_share"] >= 0.99 and ws["hours_meeting_slo_share"] >= 0.97
                and ws["savings_pct"] >= 30)
    met_ahead = hs["windows_meeting_slo_share"] >= 1 and hs["hours_meeting_slo_share"] >= 0.95 and hs["savings_pct"] >= 30
    return f"""## Backtest: does the plan hold? ServeGen chat-large, walk-forward and week-ahead

Command: `.venv/bin/python bench/backtest.py {('--recommend-args ' + repr(a.recommend_args)) if a.recommend_args else ''}`
(ingest `chat-large-2w.parquet`, the regenerated 0.25% sample, `--sample-rate 0.0025`; recommend options
`--model chat-large --as {a.as_model} {a.recommend_args}`, defaults otherwise: regime windows, forecast-error
headroom q 0.95, replica scaler q 0.99, bulk rule {ws.get('bulk_deadline_s')} s deadline; SLO {walk['slo']};
at most {a.max_requests} simulated requests per hour).

| plan | windows | (day,) windows meeting SLO | hours meeting SLO | SLO attainment (interactive) | GPU-hours | static-peak GPU-hours | savings | bulk share | bulk within deadline | worst class |
|---|---|---|---|---|---|---|---|---|---|---|
{_row('**walk-forward** (week 2, each day planned from every request before it)', ws, f"{sum(d['plan']['windows'] for d in walk['days'])} (day, window) pairs")}
{_row('**week-ahead** (plan from week 1, left alone for week 2)', hs, str(len(ahead['windows'])))}

Targets: walk-forward >= 0.99 of (day, window) pairs and >= 0.97 of hours, savings >= 30%:
**{'met' if met_walk else 'not met'}**; week-ahead every window and >= 0.95 of hours, savings >= 30%:
**{'met' if met_ahead else 'not met'}**. Every class (walk-forward): {_classes(ws)}. Week-ahead: {_classes(hs)}.
"Hours" are the scaler's 15-minute pieces. Walk: {walk_s:.0f} s wall, {walk_cpu:.0f} s CPU for the 7 days
(mine + recommend + replay per day, on 2 cores shared with other work); week-ahead backtest {ahead_s:.0f} s.

Walk-forward, per day (the plan `tracefit nightly` would have had in force that day):

| day | windows | max GPUs | windows meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | savings | bulk share | bulk within deadline | worst class |
|---|---|---|---|---|---|---|---|---|---|---|
{days}

Week-ahead, per window:

| window | GPUs (max) | mean GPUs | hours | SLO attainment | meets SLO | pieces meeting SLO | bulk share | bulk within deadline |
|---|---|---|---|---|---|---|---|---|
{windows}
""" + TRIED


TRIED = """
What was tried (walk-forward over week 2, same command; each row one full walk on the regenerated file):

| plan | (day, window) pairs meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings | bulk within deadline |
|---|---|---|---|---|---|---|---|
| bulk rule 100x the median (the old default: no bulk on this file), scaler on requests | 0.786 | 0.740 | 0.916 | 15,504 | 27,456 | 43.5% | - (no bulk) |
| bulk rule 20x the median, scaler per-replica rate x the span's lightness | 0.857 | 0.859 | 0.963 | 19,564 | 34,896 | 43.9% | 0.665 |
| + a burst needs >= 5 logged requests, + growth (trend) in the forecast: this commit, the table above | 0.857 | 0.868 | 0.959 | 20,827 | 36,288 | 42.6% | 0.672 |

The first row's 2025-03-15 plan shows why the scaler needed the lightness factor: its 10-02 window was
planned on 2025-03-12 19:00, whose busiest 15 minutes are half client 57's 65-token prompts with 1-token
outputs, so one replica "carried" 23 req/s; on Saturday's ordinary mix 8 replicas at 145 req/s queued for
107 s (attainment 0.52 that day). With the lightness factor and the dumps (client 73: up to 38 logged =
15,200 real requests in one second) taken out as bulk, 2025-03-15 meets the SLO in both windows.
Costs: +4,060 GPU-hours (+26%) for +0.12 of the hours meeting the SLO; the last row +1,263 more.

Why the targets are not met (measured):
- **2025-03-16 (Sunday)**: the length mix changed, not the rate: 10-24 UTC prompts average 1,426 tokens
  and their p95 is 6,744 (the six days before: 897-1,095 and 2,423-3,029), prompt x output 2x any weekday.
  71 replicas, the window's ceiling, at 250-300 real req/s (3.5-4.2 per replica against the 6.8 planned)
  run TPOT p95 ~330 ms: the plan's capacity per replica was measured on a lighter mix. 41 of 96 pieces
  miss, 17 of them at the ceiling. No forecast of the rate fixes that; what a user should do: scale on
  load, not requests (KEDA on vLLM's `vllm:num_requests_waiting` or KV-cache usage), or plan each window
  on its heaviest day's length mix (`--peak-quantile 1` plans the busiest hour).
- **Bulk**: 2025-03-10's dumps need 51,800 tokens/s of admission to finish within the hour, 2.5x the
  largest any planning day needed (20,900 on 2025-03-07); a rate sized on history cannot meet a 1-hour
  deadline for a dump 2.5x anything before (0.48 within the deadline that day; 1.0 on every other day
  with bulk). What a user should do: a deadline matching the batch contract, or admit bulk into the
  fleet's spare capacity (the ceiling runs at 35-60% planned utilisation) - not done here.
- **Hours**: the scaler decides every 15 minutes from the last hour; 5-10% of pieces on ordinary days
  start under-sized (a burst the last hour did not announce). Its q 0.99 ratio trades that against
  GPU-hours (on the earlier file, q 0.95 saved 52% against 39% with 2.4% more pieces missing).
- **Growth** (recommend/forecast.py trend): week 1 fell 13-16% a week in both regime windows (day over
  day, day-type adjusted), so no growth was planned; week 2 fell further (277k vs 317k logged). The plans
  state the trend in their reasons ("traffic trend -13% a week (day over day ...); planned for no growth").
Week-ahead variants (plan from week 1 with the option, replayed on week 2; "hours" are calendar hours
with fixed replicas, 15-minute pieces with the scaler):

| recommend option | windows meeting SLO | hours meeting SLO | SLO attainment | GPU-hours | static-peak GPU-hours | savings | bulk within deadline |
|---|---|---|---|---|---|---|---|
| defaults (the table above) | 2 / 2 | 0.833 | 0.954 | 18,962 | 35,616 | 46.8% | 0.463 |
| `--autoscale-quantile 0` (fixed replicas per window) | 2 / 2 | 0.923 | 0.974 | 28,434 | 33,600 | 15.4% | 0.428 |
| `--autoscale-quantile 0.999` | 2 / 2 | 0.833 | 0.957 | 19,020 | 33,600 | 43.4% | 0.463 |
| `--peak-quantile 1` (plan the busiest hour) | 2 / 2 | 0.818 | 0.949 | 17,162 | 25,872 | 33.7% | 0.456 |
| `--forecast-quantile 0.99` | 2 / 2 | 0.823 | 0.955 | 18,165 | 34,944 | 48.0% | 0.463 |

No knob reaches 0.95 of hours with >= 30% saved. A larger scaler margin (q 0.999) barely moves (+58 GPU-hours):
the misses are pieces where even the window's ceiling is short of the mix that came (2025-03-16) or a
burst lands between decisions; fixed replicas at the ceiling hold 0.92 of hours for 15% saved.
`--peak-quantile 1` is *cheaper*: the busiest hour by requests is a light-mix hour. A user who needs
>= 0.95 of hours should scale on engine load (queue, KV usage) rather than the request rate, or run
fixed replicas; each plan's reasons name the error, the trend and the sample resolution it used.
"""


if __name__ == "__main__":
    main()
