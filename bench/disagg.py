"""Disaggregated vs aggregated plans (`recommend --disagg`, issue 24) on ServeGen chat-large and the demo.

For each dataset: a plan from week 1 (`mine --until 2025-03-10`, `recommend --disagg`), the same plan with every
window forced aggregated (its windows' best aggregated configs), both replayed on week 2 (`backtest`), and
walk-forward backtests with and without --disagg. This script runs those CLI commands into OUT (skipping
outputs already there) and writes the "disagg" section of bench/RESULTS.md from them.

    .venv/bin/python bench/disagg.py --out /tmp/disagg-bench [--walk-days 4]
Needs a ServeGen warehouse (ingest ../shared/data/servegen/chat-large-2w.parquet --sample-rate 0.0025) and a
14-day demo warehouse (`tracefit demo --days 14`), given with --servegen-db / --demo-db.
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.append(str(HERE))
from results import write_section  # noqa: E402

DATASETS = {  # name -> (logged model, --as, GPUs)
    "servegen": ("chat-large", "qwen2.5-72b", ("h100-sxm", "h200")),
    "demo": ("llama-3.1-70b", None, ("h100-sxm", "a100-80gb-sxm")),
}
SINCE, UNTIL = "2025-03-10", "2025-03-17"
NOTES = """**What the numbers say** (run of 2026-12-05 on c006b37; 2 shared cores; walk-forward 3 ServeGen days and
2 demo days, `--walk-days` to change):

- ServeGen chat-large (qwen2.5-72b, ~550-590 planned real req/s per window, H100 + H200 offered): the 10-01 window runs
  disaggregated, 69 prefill replicas (H200 TP2, compute-bound GEMMs at ~1,000-token prompts) and 24 decode replicas
  (H200 TP2, HBM-bandwidth-bound: KV reads are most of a full step), 3% cheaper per hour than 96x H200 TP2 at the
  planned peak, with TPOT p95 29 ms instead of 63. In 01-10 the best split (73P28D) costs exactly what 129x H200 TP1
  costs, so the aggregated config stays (a split must be cheaper). Week 2 replayed: every window meets the SLO either
  way; the pick has the higher SLO attainment (0.963 vs 0.957) on 1% fewer GPU-hours. H200 wins both pools at catalog
  prices ($10.60 vs $12.29 per GPU-hour, more HBM), so no mixed split here. KV transfer over NDR (50 GB/s per GPU,
  0.475 achieved) is 12-18 ms at p95, small next to prefill. Walk-forward (03-10..03-12, each day planned from the
  days before it): 5 of 6 (day, window) plans run split; 2.5% fewer GPU-hours (9,650 vs 9,900), more hours meeting
  the SLO (0.861 vs 0.830) and higher attainment (0.973 vs 0.964), but on 03-11 one split window misses its p95 over
  the day (the all-aggregated walk meets both that day, though fewer of its hours do: 0.813 vs 0.854): the split
  saves little and is not yet more robust than aggregated on this log.
- Demo (llama-3.1-70b, H100 + A100-80GB offered): both windows stay aggregated; the split would cost 50% (night) and
  33% (day) more per hour; screening says a split pays off in the night window above ~40% of prompts longer than
  2,468 tokens (10% now). Week 2: the day window's 3x H100 TP2 plan (simulated TTFT p95 988 of 1,000 ms) misses
  (2,066 ms); that is the aggregated recommender's margin, not the split's.
- The choice is close and moves with the step model: on b967139 (before #21's per-sequence CPU cost, ec270ae) the
  same pipeline ran both ServeGen windows disaggregated (11% and 4% cheaper; week 2 attainment 0.966 vs 0.953 on 5%
  fewer GPU-hours; walk-forward 3 days 8,641 vs 10,611 GPU-hours, hours meeting the SLO 0.858 vs 0.809), and the
  demo's day window as a mixed split, 2x H100 TP2 prefill + 1x A100 TP8 decode (9% cheaper per hour with 12 GPUs
  instead of 8: the A100's cheaper HBM holds the decode batch; both walk days met the SLO with it, one of two without).
- A first version sized the decode pool on the busiest 15 minutes only: 57P5D passed the recommender's simulation
  (TTFT p95 306 ms) but missed week 2 (TTFT p95 14-20 s): the window's output-heavy hours (323 output tokens on
  average in a week-2 hour at 59% of the planned rate, 196 over the window) ran out of decode slots, while an
  aggregated replica shares its slack between the phases. The decode pool is now sized for the window's mean output
  where it is longer (recommend/disagg/pick.py decode_workload).
- Caveats: simulated (roofline step times, no layer-wise transfer/compute overlap, a pool group keeping P:D within
  5%); backtest and walk-forward GPU-hours count both pools; their static peak is the aggregated plan's. The
  dashboard's recommendations page shows the split per window and a cost chart
  (`tracefit dashboard --plan servegen-plan.json --png`: images/recommendations-split_cost.png).

Stage wall times (s) on b967139: ServeGen recommend --disagg 26, backtest week 2 227 (with the split) / 103
(aggregated), walk-forward 102 / 91 (3 days each); demo recommend --disagg 31, backtest 116 / 104, walk-forward
103 / 89 (2 days).
"""


def tracefit(*args: str, out: Path, log: Path) -> float:
    t = time.perf_counter()
    with out.open("w") as o, log.open("w") as e:
        subprocess.run([str(Path(sys.executable).with_name("tracefit")), *args], stdout=o, stderr=e, check=True)
    return time.perf_counter() - t


def run(name: str, db: Path, out: Path, walk_days: int) -> dict:
    model, as_model, gpus = DATASETS[name]
    common = [*(["--as", as_model] if as_model else []), *[a for g in gpus for a in ("--gpu", g)]]
    week1 = out / f"{name}-w1.duckdb"
    times = {}
    if not (out / f"{name}-plan.json").exists():
        shutil.copy(db, week1)
        times["mine"] = tracefit(
            "mine", "--db", str(week1), "--until", SINCE, out=out / "mine.out", log=out / "mine.log"
        )
        times["recommend"] = tracefit(
            "recommend",
            "--db",
            str(week1),
            "--model",
            model,
            *common,
            "--disagg",
            "--out",
            str(out / f"{name}-plan.json"),
            out=out / "rec.out",
            log=out / "rec.log",
        )
    plan = json.loads((out / f"{name}-plan.json").read_text())
    agg = json.loads(json.dumps(plan))
    for w in agg["windows"]:
        w["deployment"] = "aggregated"
    (out / f"{name}-plan-agg.json").write_text(json.dumps(agg))
    for p in ("plan", "plan-agg"):
        target = out / f"{name}-bt-{p}.json"
        if not target.exists():
            times[f"backtest {p}"] = tracefit(
                "backtest",
                "--plan",
                str(out / f"{name}-{p}.json"),
                "--db",
                str(week1),
                "--since",
                SINCE,
                "--until",
                UNTIL,
                *(["--as", as_model] if as_model else []),
                "--json",
                out=target,
                log=out / f"{name}-bt-{p}.log",
            )
    until = f"2025-03-{10 + walk_days:02d}"
    for flag, tag in (("--disagg", "disagg"), (None, "agg")):
        target = out / f"{name}-wf-{tag}.json"
        if walk_days and not target.exists():
            times[f"walk {tag}"] = tracefit(
                "backtest",
                "--walk-forward",
                "--db",
                str(db),
                "--model",
                model,
                *common,
                *([flag] if flag else []),
                "--since",
                SINCE,
                "--until",
                until,
                "--plans-dir",
                str(out / f"{name}-wf-{tag}-plans"),
                "--json",
                out=target,
                log=out / f"{name}-wf-{tag}.log",
            )
    return times


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else None


def _pool(c: dict) -> str:
    return f"{c['replicas']}x {c['gpu']} TP{c['tp']} {c['weights']}/{c['kv']}"


def _margins(values: dict, slo: dict) -> str:
    return ", ".join(f"{k.split('_')[0].upper()} {values[k]:,.0f}/{slo[k]:,.0f}" for k in slo if k in values)


def plan_rows(plan: dict) -> list[str]:
    slo = plan["slo"]
    rows = [
        "| window | hours/wk | planned req/s | prompt/output mean | best aggregated (sim. p95 ms / SLO) | "
        "GPUs (GPU-h/wk) | $/h | best disaggregated (sim. p95 ms / SLO; transfer p95) | GPUs (GPU-h/wk) | $/h | "
        "picks | why |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in plan["windows"]:
        c, d, t = e["config"], e.get("disagg") or {}, e["traffic"]
        agg_ms = {k: (e["predicted"].get(f"{k.split('_')[0]}_ms") or {}).get(k.split("_")[1]) for k in slo}
        split = (
            f"{d['label'].split(' (')[0]}: {_pool(d['prefill'])} prefill + {_pool(d['decode'])} decode; "
            f"{_margins(d['slo_ms'], slo)}; transfer {d['predicted'].get('transfer_ms', {}).get('p95', 0):.0f}"
            if d
            else "none fits"
        )
        hours = len(e["window"]["hours"])
        n = sum(d[p]["tp"] * d[p]["replicas"] for p in ("prefill", "decode")) if d else 0
        gpus = f"{n} ({n * hours:,})" if d else "-"
        agg_gpus = f"{c['tp'] * c['replicas']} ({c['tp'] * c['replicas'] * hours:,})"
        why = _why(e, d)
        rows.append(
            f"| {e['window']['label']} | {len(e['window']['hours'])} | {t['rps_planned']:,.0f} | "
            f"{t['prompt_tokens'].get('mean', 0):,.0f}/{t['output_tokens'].get('mean', 0):,.0f} | "
            f"{_pool(c)}; {_margins({k: v for k, v in agg_ms.items() if v is not None}, slo)} | "
            f"{agg_gpus} | {e['cost']['usd_per_hour']:,.0f} | {split} | {gpus} | "
            f"{d.get('cost', {}).get('usd_per_hour', 0):,.0f} | {e.get('deployment', 'aggregated')} | {why} |"
        )
    s = plan["summary"]
    rows += [
        "",
        f"GPU-hours per week at the windows' maxima: tracefit's pick {s['gpu_hours_per_week']:,.0f} "
        f"(${s['usd_per_week']:,.0f}) vs all aggregated {s['aggregated_gpu_hours_per_week']:,.0f} "
        f"(${s['aggregated_usd_per_week']:,.0f}); windows run disaggregated: "
        f"{', '.join(s['disagg_windows']) or 'none'}.",
    ]
    return rows


def _why(e: dict, d: dict) -> str:
    """The pick's reason, short: the cost difference and whether each side meets the SLO in simulation."""
    if not d:
        return "no split fits"
    pct = d["cost"]["vs_aggregated_pct"]
    if d["chosen"]:
        return (
            f"split {-pct:.0f}% cheaper per hour, meets the SLO"
            if e["meets_slo"]
            else "the aggregated config misses the SLO, the split meets it"
        )
    if not d["meets_slo"]:
        return "the split misses the SLO in simulation"
    rest = d["reasons"][0].split("; ", 1)[1] if "; " in d["reasons"][0] else ""
    return f"aggregated meets the SLO, the split costs {pct:.0f}% more per hour; {rest}"


def backtest_rows(docs: dict) -> list[str]:
    rows = [
        "| plan | SLO attainment | windows meeting SLO | hours meeting SLO | GPU-hours | per window: GPUs (max), "
        "TTFT / TPOT p95 ms, meets |",
        "|---|---|---|---|---|---|",
    ]
    for label, doc in docs.items():
        if not doc:
            rows.append(f"| {label} | not run | | | | |")
            continue
        s = doc["summary"]
        per = "; ".join(
            f"{w['label']}: {w['gpus']} GPUs{' (split)' if w.get('split') else ''}, "
            f"{w['percentiles_ms'].get('ttft_p95_ms', 0):,.0f} / "
            f"{w['percentiles_ms'].get('tpot_p95_ms', 0):,.0f}"
            f", {'yes' if w['meets_slo'] else 'NO'}"
            for w in doc["windows"]
        )
        rows.append(
            f"| {label} | {s['slo_attainment']:.3f} | {s['windows_meeting_slo_share']:.2f} | "
            f"{s['hours_meeting_slo_share']:.3f} | {s['gpu_hours']:,.0f} | {per} |"
        )
    return rows


def walk_rows(docs: dict) -> list[str]:
    """docs: label -> (walk document, its --plans-dir)."""
    rows = [
        "| walk-forward | days | days meeting SLO | (day, window) pairs meeting SLO | hours meeting SLO | "
        "SLO attainment (interactive) | GPU-hours | static-peak GPU-hours | bulk deadline attainment | "
        "(day, window) pairs run disaggregated |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, (doc, plans) in docs.items():
        if not doc:
            rows.append(f"| {label} | not run | | | | | | | | |")
            continue
        s = doc["summary"]
        days = [json.loads(p.read_text()) for p in sorted(plans.glob("plan-*.json"))] if plans.exists() else []
        split = sum(w.get("deployment") == "disaggregated" for d in days for w in d["windows"])
        pairs = sum(len(d["windows"]) for d in days)
        bulk = s.get("bulk_deadline_attainment")
        rows.append(
            f"| {label} | {s['days']} | {s['days_meeting_slo']} | {s['windows_meeting_slo_share']:.2f} | "
            f"{s['hours_meeting_slo_share']:.3f} | {s['slo_attainment']:.3f} | {s['gpu_hours']:,.0f} | "
            f"{s['static_peak_gpu_hours']:,.0f} | {f'{bulk:.3f}' if bulk is not None else '-'} | "
            f"{split} of {pairs} |"
        )
    return rows


def section(out: Path, times: dict) -> str:
    lines = ["## Disaggregated prefill/decode: `recommend --disagg` on ServeGen chat-large and the demo", ""]
    for name, (model, as_model, gpus) in DATASETS.items():
        plan = _load(out / f"{name}-plan.json")
        if not plan:
            continue
        lines += [
            f"### {name}: {model}{f' as {as_model}' if as_model else ''}, --gpu {' --gpu '.join(gpus)}, "
            f"KV over {plan['disagg']['link']}; SLO {plan['slo']}",
            "",
            "Plan from week 1 (mined until 2025-03-10); p95s are the recommender's simulations of the planned "
            "busiest 15 minutes:",
            "",
            *plan_rows(plan),
            "",
            "Week 2 replayed (`backtest --since 2025-03-10 --until 2025-03-17`, default replica scaler):",
            "",
            *backtest_rows(
                {
                    "tracefit's pick (--disagg)": _load(out / f"{name}-bt-plan.json"),
                    "all aggregated": _load(out / f"{name}-bt-plan-agg.json"),
                }
            ),
            "",
            "Walk-forward (`backtest --walk-forward`: each day planned from every request before it, then replayed):",
            "",
            *walk_rows(
                {
                    "with --disagg": (_load(out / f"{name}-wf-disagg.json"), out / f"{name}-wf-disagg-plans"),
                    "without": (_load(out / f"{name}-wf-agg.json"), out / f"{name}-wf-agg-plans"),
                }
            ),
            "",
        ]
    lines += [NOTES]
    if times:
        lines += ["This run's stage wall times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in times.items())]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--servegen-db", type=Path)
    ap.add_argument("--demo-db", type=Path)
    ap.add_argument("--walk-days", type=int, default=4)
    ap.add_argument("--report-only", action="store_true", help="write the section from OUT's files")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    times = {}
    if not a.report_only:
        for name, db in (("servegen", a.servegen_db), ("demo", a.demo_db)):
            if db:
                times |= {f"{name} {k}": v for k, v in run(name, db, a.out, a.walk_days).items()}
    write_section("disagg", section(a.out, times))


if __name__ == "__main__":
    main()
