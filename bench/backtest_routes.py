"""Length routing, measured: would two pools, one for short prompts and one for long ones, hold where one
pool does not? (issue 20: 2025-03-16's long-prompt evening, which no replica count of one config meets.)

ServeGen chat-large (0.25% sample) is split by prompt length at --split-tokens L, as a gateway routing on
prompt length would log it: requests with prompt_tokens <= L stay `chat-large`, longer ones are logged as
`chat-large-long`. Both are ingested into one warehouse and each route is walked forward on its own
(`tracefit backtest --walk-forward`, the defaults plus --short-args / --long-args), keeping each day's
plan. Each day is then replayed once more per route (`tracefit backtest --plan`, per-piece results) to
judge the two routes together, piece by piece (the 15-minute pieces of both routes share their starts):
  both meet       each route's requests meet every percentile SLO on their own (sufficient for the union)
  union (bound)   the requests failing any SLO threshold, pooled over both routes, are at most
                  (1 - q) of the pooled requests for the tightest percentile q of the SLO (e.g. 5% for
                  p95s). A request failing some threshold is counted against every percentile, so this
                  is a sufficient condition for the union's percentiles: a lower bound on the pieces the
                  union meets, which may hold while the long route alone misses its own p95.

    .venv/bin/python bench/backtest_routes.py --since 2025-03-04 --until 2025-03-10           # development week
    .venv/bin/python bench/backtest_routes.py --long-args "--slo ttft_p50_ms=1000 --slo tpot_p95_ms=100"
Prints a JSON summary and a markdown table (nothing is written to bench/RESULTS.md: an experiment).
"""

import argparse
import json
import shlex
import sys
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: this folder goes on the path after it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from recommend.slo import Slo  # noqa: E402

sys.path.append(str(HERE))
from cli import tracefit, tracefit_timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT.parent / "shared" / "data" / "servegen" / "chat-large-2w.parquet"
MODEL, LONG = "chat-large", "chat-large-long"


def split_log(path: Path, out: Path, split_tokens: int) -> dict:
    """Write the log with prompts longer than `split_tokens` logged as LONG; requests per route."""
    df = pl.read_parquet(path)
    df = df.with_columns(
        pl.when(pl.col("input_tokens") > split_tokens).then(pl.lit(LONG)).otherwise(pl.col("model")).alias("model")
    )
    df.write_parquet(out)
    return dict(df.group_by("model").len().iter_rows())


def days(since: str, until: str) -> list[str]:
    """The UTC days of [since, until) as ISO dates (bench/ drives the CLI, never the tracefit package)."""
    a, b = date.fromisoformat(since), date.fromisoformat(until)
    return [(a + timedelta(n)).isoformat() for n in range((b - a).days)]


def union_piece(pieces: list[dict], slo: dict) -> tuple[bool | None, bool | None]:
    """(both routes meet, the union bound meets) for one piece start's route results."""
    judged = [p for p in pieces if p["meets_slo"] is not None]
    if not judged:
        return None, None
    both = all(p["meets_slo"] for p in judged)
    tail = min(1.0 - Slo.of(k).percentile / 100.0 for k in slo)
    real = sum(p["requests_real"] for p in judged)
    failing = sum((1.0 - p["slo_attainment"]) * p["requests_real"] for p in judged)
    return both, failing <= tail * real * (1 + 1e-9)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--split-tokens", type=int, default=4096)
    p.add_argument("--since", default="2025-03-10")
    p.add_argument("--until", default="2025-03-17")
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    p.add_argument("--short-args", default="", help="extra recommend options for the short route")
    p.add_argument("--long-args", default="", help="extra recommend options for the long route")
    p.add_argument(
        "--slo",
        action="append",
        default=None,
        help="KEY=MS the union is judged by (repeatable) "
        "[default: the recommend defaults ttft_p95_ms=1000, tpot_p95_ms=100]",
    )
    p.add_argument("--keep", help="directory to keep the warehouse, plans and replays in")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(a.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        counts = split_log(LOG, work / "routes.parquet", a.split_tokens)
        db = str(work / "routes.duckdb")
        if not Path(db).exists():
            tracefit("ingest", str(work / "routes.parquet"), "--db", db, "--sample-rate", "0.0025")
        routes = {"short": (MODEL, a.short_args), "long": (LONG, a.long_args)}
        walks, pieces = {}, defaultdict(list)
        slo_args = [x for k in a.slo or ("ttft_p95_ms=1000", "tpot_p95_ms=100") for x in ("--slo", k)]
        for route, (model, extra) in routes.items():
            plans = work / f"plans-{route}"
            out, wall_s, _ = tracefit_timed(
                "backtest", "--walk-forward", "--db", db, "--model", model, "--as", a.as_model,
                *shlex.split(extra), "--since", a.since, "--until", a.until, "--plans-dir", str(plans), "--json",
            )  # fmt: skip
            walks[route] = {"summary": json.loads(out)["summary"], "wall_s": wall_s}
            for day in days(a.since, a.until):
                nxt = (date.fromisoformat(day) + timedelta(1)).isoformat()
                plan = plans / f"plan-{day}.json"
                doc = json.loads(
                    tracefit("backtest", "--plan", str(plan), "--db", db, "--since", day, "--until", nxt, *slo_args,
                             "--json")
                )  # fmt: skip
                slo = doc["slo"]  # the --slo given: the same for both routes
                for h in doc["hours"]:
                    pieces[(day, h["start"])].append({**h, "route": route})
    verdicts = {k: union_piece(v, slo) for k, v in sorted(pieces.items())}
    per_day = defaultdict(lambda: [0, 0, 0])
    for (day, _), (both, union) in verdicts.items():
        if both is not None:
            per_day[day][0] += 1
            per_day[day][1] += both
            per_day[day][2] += union
    judged = sum(v[0] for v in per_day.values())
    gpu_h = sum(w["summary"]["gpu_hours"] for w in walks.values())
    report = {
        "split_tokens": a.split_tokens,
        "requests": counts,
        "since": a.since,
        "until": a.until,
        "short_args": a.short_args,
        "long_args": a.long_args,
        "routes": {
            r: {
                k: w["summary"][k]
                for k in ("windows_meeting_slo_share", "hours_meeting_slo_share", "gpu_hours", "static_peak_gpu_hours")
            }
            | {"walk_s": round(w["wall_s"])}
            for r, w in walks.items()
        },
        "pieces": judged,
        "both_meet_share": sum(v[1] for v in per_day.values()) / judged if judged else None,
        "union_bound_share": sum(v[2] for v in per_day.values()) / judged if judged else None,
        "gpu_hours": gpu_h,
        "per_day": {d: {"pieces": n, "both": b / n, "union_bound": u / n} for d, (n, b, u) in sorted(per_day.items())},
    }
    print(json.dumps(report, indent=1))
    print(markdown(report))


def markdown(r: dict) -> str:
    rows = "\n".join(
        f"| {route} | {s['hours_meeting_slo_share']:.3f} | {s['windows_meeting_slo_share']:.3f} | {s['gpu_hours']:,.0f} |"
        for route, s in r["routes"].items()
    )
    day_rows = "\n".join(
        f"| {d} | {v['pieces']} | {v['both']:.3f} | {v['union_bound']:.3f} |" for d, v in r["per_day"].items()
    )
    return f"""split at {r["split_tokens"]} prompt tokens; requests logged {r["requests"]}; {r["since"]} .. {r["until"]}

| route | hours meeting its own SLO | (day, window) pairs | GPU-hours |
|---|---|---|---|
{rows}
| both routes | both meet {r["both_meet_share"]:.3f}; union (bound) {r["union_bound_share"]:.3f} | - | {r["gpu_hours"]:,.0f} |

| day | pieces | both meet | union (bound) |
|---|---|---|---|
{day_rows}
"""


if __name__ == "__main__":
    main()
