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
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli import tracefit_timed  # noqa: E402
from results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT.parent / "shared" / "data" / "servegen" / "chat-large-2w.parquet"
WEEK1, WEEK2_END = "2025-03-10", "2025-03-17"
KEYS = (
    "windows_meeting_slo_share",
    "hours_meeting_slo_share",
    "slo_attainment",
    "gpu_hours",
    "static_peak_gpu_hours",
    "savings_pct",
    "bulk_share",
    "bulk_deadline_attainment",
    "worst_class",
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    p.add_argument("--max-requests", default="12000")
    p.add_argument("--recommend-args", default="", help="extra recommend options, e.g. '--headroom 0.5'")
    p.add_argument("--db", help="ingested warehouse to reuse when it exists, else keep it here")
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    rec = ["--model", "chat-large", "--as", a.as_model, *a.recommend_args.split()]
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or str(Path(tmp) / "sg.duckdb")
        if not Path(db).exists():
            tracefit_timed("ingest", str(LOG), "--db", db, "--sample-rate", "0.0025")
        out, walk_s, walk_cpu = tracefit_timed(
            "backtest",
            "--walk-forward",
            "--db",
            db,
            *rec,
            "--since",
            WEEK1,
            "--until",
            WEEK2_END,
            "--max-requests",
            a.max_requests,
            "--json",
        )
        walk = json.loads(out)
        week1 = str(Path(tmp) / "week1.duckdb")  # mining writes: a copy keeps --db as ingested
        shutil.copyfile(db, week1)
        tracefit_timed("mine", "--db", week1, "--until", WEEK1)
        plan = str(Path(tmp) / "plan.json")
        tracefit_timed("recommend", "--db", week1, *rec, "--out", plan)
        out, ahead_s, _ = tracefit_timed(
            "backtest",
            "--plan",
            plan,
            "--db",
            week1,
            "--since",
            WEEK1,
            "--until",
            WEEK2_END,
            "--max-requests",
            a.max_requests,
            "--json",
        )
        ahead = json.loads(out)
    print(
        json.dumps(
            {
                "walk": {k: walk["summary"][k] for k in KEYS},
                "walk_s": walk_s,
                "walk_cpu_s": walk_cpu,
                "week_ahead": {k: ahead["summary"][k] for k in KEYS},
                "week_ahead_s": ahead_s,
            }
        )
    )
    if not a.no_write:
        write_section("backtest", markdown(a, walk, walk_s, walk_cpu, ahead, ahead_s))


def _row(name: str, s: dict, windows: str) -> str:
    bulk = s["bulk_deadline_attainment"]
    return (
        f"| {name} | {windows} | {s['windows_meeting_slo_share']:.3f} | {s['hours_meeting_slo_share']:.3f} | "
        f"{s['slo_attainment']:.4f} | {s['gpu_hours']:,.0f} | {s['static_peak_gpu_hours']:,.0f} | "
        f"{s['savings_pct']:.1f}% | {s['bulk_share']:.4f} | {'-' if bulk is None else f'{bulk:.3f}'} | "
        f"{s['worst_class']} |"
    )


def _classes(s: dict) -> str:
    return "; ".join(
        f"{c['class']} {c['share']:.2%} of requests, {c['attainment'] if c['attainment'] is None else round(c['attainment'], 4)} "
        f"vs target {c['target']:g} ({c['judged_by']}{'' if c['judged'] else ', not judged: <= 0.1%'})"
        for c in s["classes"]
    )


def markdown(a, walk: dict, walk_s: float, walk_cpu: float, ahead: dict, ahead_s: float) -> str:
    ws, hs = walk["summary"], ahead["summary"]
    days = "\n".join(
        f"| {d['day']} | {d['plan']['windows']} | {d['plan']['max_gpus']} | {d['summary']['windows_meeting_slo_share']} | "
        f"{d['summary']['hours_meeting_slo_share']:.3f} | {d['summary']['slo_attainment']:.4f} | "
        f"{d['summary']['gpu_hours']:,.0f} | {d['summary']['savings_pct']:.1f}% | {d['summary']['bulk_share']:.4f} | "
        f"{d['summary']['bulk_deadline_attainment']} | {d['summary']['worst_class']} |"
        for d in walk["days"]
    )
    windows = "\n".join(
        f"| {w['label']} | {w['gpus']} | {w['mean_gpus']:.1f} | {w['hours']:g} | {w['slo_attainment']} | {w['meets_slo']} | "
        f"{w['hours_meeting_slo_share']:.3f} | {w['bulk']['share']} | {w['bulk']['deadline_attainment']} |"
        for w in ahead["windows"]
    )
    met_walk = (
        ws["windows_meeting_slo_share"] >= 0.99 and ws["hours_meeting_slo_share"] >= 0.97 and ws["savings_pct"] >= 30
    )
    met_ahead = (
        hs["windows_meeting_slo_share"] >= 1 and hs["hours_meeting_slo_share"] >= 0.95 and hs["savings_pct"] >= 30
    )
    return (
        f"""## Backtest: does the plan hold? ServeGen chat-large, walk-forward and week-ahead

Command: `.venv/bin/python bench/backtest.py {("--recommend-args " + repr(a.recommend_args)) if a.recommend_args else ""}`
(ingest `chat-large-2w.parquet`, the regenerated 0.25% sample, `--sample-rate 0.0025`; recommend options
`--model chat-large --as {a.as_model} {a.recommend_args}`, defaults otherwise: regime windows, ceiling from
the forecast error of the token load (q 0.95, `--forecast-on tokens`), replica scaler on the engine load
(q 0.99, `--scale-on load`) at per-window targets calibrated on the last 7 planning days
(`--scale-calibrate 0.97`), each window's config also checked on every prompt x1.25 at the same token load on up
to 1.25x its GPUs (`--mix-headroom 1.25 --mix-gpus 1.25`), bulk admitted into spare capacity (`--bulk-pacing spare`) with a
{ws.get("bulk_deadline_s")} s deadline; SLO {walk["slo"]}; at most {a.max_requests} simulated requests per 15-minute piece).

| plan | windows | (day,) windows meeting SLO | hours meeting SLO | SLO attainment (interactive) | GPU-hours | static-peak GPU-hours | savings | bulk share | bulk within deadline | worst class |
|---|---|---|---|---|---|---|---|---|---|---|
{_row("**walk-forward** (week 2, each day planned from every request before it)", ws, f"{sum(d['plan']['windows'] for d in walk['days'])} (day, window) pairs")}
{_row("**week-ahead** (plan from week 1, left alone for week 2)", hs, str(len(ahead["windows"])))}

Targets: walk-forward >= 0.99 of (day, window) pairs and >= 0.97 of hours, savings >= 30%:
**{"met" if met_walk else "not met"}**; week-ahead every window and >= 0.95 of hours, savings >= 30%:
**{"met" if met_ahead else "not met"}**. Every class (walk-forward): {_classes(ws)}. Week-ahead: {_classes(hs)}.
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
"""
        + TRIED
    )


TRIED = (Path(__file__).with_name("backtest_tried.md")).read_text()


if __name__ == "__main__":
    main()
