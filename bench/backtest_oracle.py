"""How far could any replica scaler get with these plans' configs? The hindsight bound (issue 20).

For the plans bench/backtest.py measures (ServeGen chat-large, 0.25% sample, as qwen2.5-72b): the walk-forward
plans of week 2 (each day planned from every request before it) and the week-ahead plan (from week 1), and
optionally the development walk over week 1. Each day's plan is kept (`backtest --walk-forward --plans-dir`)
and replayed with `tracefit backtest --hindsight` (recommend/backtest/oracle.py): per 15-minute scaler piece
the fewest replicas of the window's config meeting the SLO, between the window's floor and the static-peak
plan's GPUs; pooled here into the fewest GPU-hours at which 100/99/97/95/90% of pieces meet it, against the
scaler's own pieces.

    .venv/bin/python bench/backtest_oracle.py --db /tmp/oracle.duckdb               # writes the section
    .venv/bin/python bench/backtest_oracle.py --db /tmp/oracle.duckdb --dev --out /tmp/o  # + the week-1 walk
    .venv/bin/python bench/backtest_oracle.py --render /tmp/o   # the section again from a kept --out folder
"""

import argparse
import json
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli import tracefit_timed  # noqa: E402
from results import write_section  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from recommend.backtest.oracle import RECHECKS, SHARES, Hindsight, PieceBound, frontier, rechecked, scaler_gap  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT.parent / "shared" / "data" / "servegen" / "chat-large-2w.parquet"
WEEK2 = ("2025-03-10", "2025-03-17")
WEEK1_DEV = ("2025-03-04", "2025-03-10")  # the development walk of the backtest section (6 days)
FURTHER_X = (2.0, 4.0)  # days with unfixable pieces: searched again up to these x the static-peak GPUs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    p.add_argument("--max-requests", default="12000")
    p.add_argument("--recommend-args", default="", help="extra recommend options, e.g. '--mix-headroom 1.25'")
    p.add_argument("--db", help="ingested warehouse to reuse when it exists, else keep it here")
    p.add_argument("--out", type=Path, help="keep plans and hindsight JSON here (default: a temporary folder)")
    p.add_argument("--dev", action="store_true", help="also the development walk over week 1 (03-04 .. 03-09)")
    p.add_argument("--no-week2", action="store_true", help="skip week 2 (with --dev: the week-1 walk only)")
    p.add_argument("--no-week-ahead", action="store_true", help="skip the week-ahead plan")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--render", type=Path, help="write the section from an earlier run's --out folder (no replay)")
    a = p.parse_args()
    if a.render:
        write_section("backtest-oracle", markdown(a, rendered(a.render)))
        return
    rec = ["--model", "chat-large", "--as", a.as_model, *a.recommend_args.split()]
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        db = a.db or str(Path(tmp) / "sg.duckdb")
        if not Path(db).exists():
            tracefit_timed("ingest", str(LOG), "--db", db, "--sample-rate", "0.0025")
        runs = {}
        if not a.no_week2:
            runs["week-2 walk"] = walk(db, rec, a.max_requests, WEEK2, out / "w2")
        if not (a.no_week2 or a.no_week_ahead):
            runs["week-ahead"] = week_ahead(db, rec, a.max_requests, out / "ahead")
        if a.dev:
            runs["week-1 walk (dev)"] = walk(db, rec, a.max_requests, WEEK1_DEV, out / "w1")
    print(json.dumps({name: r["pooled"] for name, r in runs.items()}))
    if not a.no_write:
        write_section("backtest-oracle", markdown(a, runs))


def walk(db: str, rec: list[str], max_requests: str, span: tuple[str, str], out: Path) -> dict:
    """The walk-forward's plans, each day replayed with --hindsight; the walk's own summary alongside."""
    plans = out / "plans"
    doc, walk_s, _ = tracefit_timed(
        "backtest", "--walk-forward", "--db", db, *rec, "--since", span[0], "--until", span[1],
        "--max-requests", max_requests, "--plans-dir", str(plans), "--json",
    )  # fmt: skip
    days, took = {}, 0.0
    for day in _days(*span):
        next_day = str(date.fromisoformat(day) + timedelta(days=1))
        args = [
            "backtest", "--plan", str(plans / f"plan-{day}.json"), "--db", db, "--since", day, "--until", next_day,
            "--max-requests", max_requests, "--hindsight", "--json",
        ]  # fmt: skip
        text, s, _ = tracefit_timed(*args)
        days[day], took = json.loads(text), took + s
        if days[day]["summary"]["unfixable"]:
            days[day]["further"] = {
                x: json.loads(tracefit_timed(*args, "--hindsight-gpus-x", str(x))[0])["summary"]["unfixable"]
                for x in FURTHER_X
            }
    (out / "hindsight.json").write_text(json.dumps(days))
    return {"walk": json.loads(doc)["summary"], "days": days, "pooled": pooled(days.values()), "s": (walk_s, took)}


def week_ahead(db: str, rec: list[str], max_requests: str, out: Path) -> dict:
    """One plan from week 1 (mine --until 03-10 + recommend), replayed on week 2 with --hindsight."""
    out.mkdir(parents=True, exist_ok=True)
    week1 = str(out / "week1.duckdb")  # mining writes: a copy keeps --db as ingested
    shutil.copyfile(db, week1)
    tracefit_timed("mine", "--db", week1, "--until", WEEK2[0])
    plan = str(out / "plan.json")
    tracefit_timed("recommend", "--db", week1, *rec, "--out", plan)
    common = ["--plan", plan, "--db", week1, "--since", WEEK2[0], "--until", WEEK2[1], "--max-requests", max_requests]
    real, _, _ = tracefit_timed("backtest", *common, "--json")
    text, took, _ = tracefit_timed("backtest", *common, "--hindsight", "--json")
    days = {"week 2": json.loads(text)}
    (out / "hindsight.json").write_text(json.dumps(days))
    return {"walk": json.loads(real)["summary"], "days": days, "pooled": pooled(days.values()), "s": (0.0, took)}


def rendered(folder: Path) -> dict:
    """The runs of an earlier --out folder, from the hindsight JSON each kept."""
    runs = {}
    for name, sub in (("week-2 walk", "w2"), ("week-ahead", "ahead"), ("week-1 walk (dev)", "w1")):
        path = folder / sub / "hindsight.json"
        if path.exists():
            days = json.loads(path.read_text())
            days = {"week 2": days} if "pieces" in days else days
            runs[name] = {"days": days, "pooled": pooled(days.values())}
    return runs


def pooled(docs) -> dict:
    """The pieces of every doc as one Hindsight: its frontier both ways and the scaler's gap."""
    result = Hindsight(
        pieces=tuple(_piece(p) for d in docs for p in d["pieces"]),
        static_peak_gpu_hours=sum(d["summary"]["static_peak_gpu_hours"] for d in docs),
    )
    judged = [p for p in result.pieces if p.judged]
    return {
        "scaler_gpu_hours": result.scaler_gpu_hours,
        "static_peak_gpu_hours": result.static_peak_gpu_hours,
        "scaler_share": sum(bool(p.scaler_meets) for p in judged) / len(judged),
        "scaler_savings_pct": 100 * (1 - result.scaler_gpu_hours / result.static_peak_gpu_hours),
        "frontier": {f.share: (f.gpu_hours, f.savings_pct) for f in frontier(result)},
        "frontier_ceiling": {f.share: (f.gpu_hours, f.savings_pct) for f in frontier(result, ceiling=True)},
        "max_share": sum(p.least is not None for p in judged) / len(judged),
        "max_share_ceiling": sum(p.least_within(True) is not None for p in judged) / len(judged),
        **scaler_gap(result),
        "recheck": rechecked(result),
    }


def _piece(p: dict) -> PieceBound:
    fields = {k: v for k, v in p.items() if k in PieceBound.__slots__}
    return PieceBound(**fields | {"gpus": tuple(p["gpus"]), "recheck": tuple(tuple(c) for c in p.get("recheck") or ())})


def _days(since: str, until: str) -> list[str]:
    d, end, out = date.fromisoformat(since), date.fromisoformat(until), []
    while d < end:
        out.append(str(d))
        d += timedelta(days=1)
    return out


def _again(c: dict | None) -> str:
    return "-" if c is None else f"{c['meets_share']:.3f} at {c['savings_pct']:.1f}% saved"


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1f}%"


def markdown(a, runs: dict) -> str:
    head = " | ".join(f"hindsight {s:g}: saved" for s in SHARES)
    rows = []
    for name, r in runs.items():
        q = r["pooled"]
        for bound, key in (("static-peak GPUs", "frontier"), ("scaler's ceiling", "frontier_ceiling")):
            rows.append(
                f"| {name}, up to the {bound} | {q['judged']} | {q['scaler_share']:.3f} | {q['scaler_savings_pct']:.1f}% | "
                + " | ".join(_pct(q[key][s][1]) for s in SHARES)
                + " |"
            )
    gap = "\n".join(
        f"| {name} | {q['max_share']:.3f} | {q['max_share_ceiling']:.3f} | {q['unfixable']} | "
        f"{q['under_sized']} ({q['under_sized_beyond_ceiling']} beyond the ceiling) | {q['under_sized_gpu_hours_short']:,.0f} | "
        f"{q['over_sized']} | {q['over_sized_gpu_hours_spare']:,.0f} | {q['exact']} |"
        for name, q in ((n, r["pooled"]) for n, r in runs.items())
    )
    again = "\n".join(
        f"| {name} | " + " | ".join(_again(r["pooled"]["recheck"].get(label)) for label in RECHECKS) + " |"
        for name, r in runs.items()
    )
    per_day = "\n".join(
        f"| {name} | {day} | {d['summary']['judged']} | {d['summary']['scaler_pieces_meeting_slo_share']:.3f} | "
        f"{d['summary']['unfixable']} | {d['summary']['beyond_ceiling']} | {d['summary']['under_sized']} | "
        f"{d['summary']['over_sized']} | {_pct(d['summary']['scaler_savings_pct'])} | "
        f"{_pct(d['frontier']['static_peak_gpus'][2]['savings_pct'])} | "
        f"{', '.join(f'{v} at {float(x):g}x' for x, v in d.get('further', {}).items()) or '-'} |"
        for name, r in runs.items()
        for day, d in r["days"].items()
    )
    return f"""## Backtest hindsight: what any replica scaler could reach with these plans' configs

Command: `.venv/bin/python bench/backtest_oracle.py --db /tmp/oracle.duckdb{" --dev" if a.dev else ""}{(" --recommend-args " + repr(a.recommend_args)) if a.recommend_args else ""}`
(the plans of the backtest section above: walk-forward over week 2, `--plans-dir` keeps each day's; the
week-ahead plan from week 1; each replayed with `tracefit backtest --plan P --hindsight`,
recommend/backtest/oracle.py). Per 15-minute piece: the fewest replicas of the window's config at which
the piece meets the SLO, searched from the scaler's own count (its verdict is the backtest's, same seed)
between the window's floor (min_replicas) and as many replicas as the static-peak plan's GPUs hold
("static-peak GPUs") or the scaler's ceiling (max_replicas / cap). Hindsight s: the fewest GPU-hours of
any per-piece choice with >= s of the pieces meeting the SLO (missing pieces at their floor), as savings
against the static-peak plan.

| plan | pieces judged | scaler: pieces meeting SLO | scaler saved | {head} |
|---|---|---|---|{"---|" * len(SHARES)}
{chr(10).join(rows)}

Where the scaler's pieces stand against hindsight (counts of pieces; GPU-hours):

| plan | most pieces any count meets (static-peak GPUs) | within the ceiling | unfixable (miss even at the static-peak GPUs) | under-sized: scaler missed, more replicas meet | GPU-h they lacked | over-sized: met with fewer replicas | GPU-h spare | exact |
|---|---|---|---|---|---|---|---|---|
{gap}

The same counts replayed again with another seed (`--seed` + 10007: a fresh draw of each piece's traffic;
the search above picked each piece's fewest count on one draw): share of pieces meeting the SLO, and the
savings of running every piece at that count (unfixable pieces at their floor):

| plan | {" | ".join(RECHECKS)} |
|---|{"---|" * len(RECHECKS)}
{again}

Per day:

| plan | day | pieces judged | scaler: pieces meeting SLO | unfixable | fixable only beyond the ceiling | under-sized | over-sized | scaler saved | hindsight 0.97 saved | still unfixable up to 2x / 4x the static-peak GPUs |
|---|---|---|---|---|---|---|---|---|---|---|
{per_day}

""" + NOTES.read_text()


NOTES = Path(__file__).with_name("backtest_oracle_notes.md")  # the reading of the numbers, kept by hand


if __name__ == "__main__":
    main()
