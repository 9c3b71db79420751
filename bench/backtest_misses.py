"""Why do a walk's pieces miss the SLO? Each missed 15-minute piece against what a rate floor could give it.

Replays each day's plan a walk kept (`tracefit backtest --walk-forward --plans-dir DIR`), without the plan's
seasonal floor (recommend/seasonal.py), and prints per missed piece: the replicas the scaler ran, the window's
ceiling, and the replicas the piece's own busiest 5-minute interactive rate needed at the window's per-replica
rate (a floor that knew the day in hindsight). Then, over the walked days, how the missed pieces rank within
their day by logged requests and prompt tokens, and whether the log's daily shape repeats (correlation of
hourly logged request counts between adjacent days and a week apart). bench/RESULTS.md "backtest" (seasonal floor).

    .venv/bin/tracefit backtest --walk-forward --db /tmp/sg.duckdb --model chat-large --as qwen2.5-72b \\
        --scale-seasonal 1 --since 2025-03-04 --until 2025-03-10 --plans-dir /tmp/plans --json > /dev/null
    .venv/bin/python bench/backtest_misses.py --db /tmp/sg.duckdb --plans-dir /tmp/plans
"""

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/recommend.py is not the package

from recommend.backtest import ReplayOptions, Traffic, backtest, read_plan  # noqa: E402
from recommend.backtest.scaling import interactive_rates  # noqa: E402
from warehouse.inputs.requests import backtest_requests  # noqa: E402

DAY = timedelta(days=1)


def misses(con, plans: list[Path], as_model: str, model: str) -> list[dict]:
    out = []
    for path in plans:
        plan = json.loads(path.read_text())
        plan["autoscale"] = {k: v for k, v in plan["autoscale"].items() if k != "floor"}
        day = datetime.fromisoformat(path.stem.removeprefix("plan-")).replace(tzinfo=UTC)
        parsed = read_plan(plan, as_model=as_model)
        since = day - timedelta(seconds=parsed.autoscale.lead_s)  # the scaler looks back, as in `tracefit backtest`
        rule = parsed.bulk.sql_params() if parsed.bulk is not None and parsed.bulk.active else None
        frame = backtest_requests(con, [model], since.isoformat(), (day + DAY).isoformat(), rule)
        logged = Traffic.from_arrays(
            *(frame[c].to_numpy() for c in ("arrival_s", "prompt_tokens", "output_tokens", "sample_rate", "bulk"))
        )
        result = backtest(parsed, logged, since=day, until=day + DAY)
        rates = interactive_rates(logged, ReplayOptions(), (day + DAY).timestamp())
        for h in result.hours:
            if h.stats.meets_slo is False:
                w, t = parsed.windows[h.window], h.start.timestamp()
                need = rates.busiest(t, t + 900, 300) / w.scaling.per_replica
                out.append({"start": h.start, "replicas": h.replicas, "ceiling": w.scaling.max_replicas, "need": need})
    return out


def ranks(con, found: list[dict], since: datetime, until: datetime) -> dict:
    """Median within-day rank (0..1) of the missed pieces' logged requests and prompt tokens, and of the rest."""
    frame = con.sql(
        "select arrival_ts, prompt_tokens from requests where arrival_ts >= $1 and arrival_ts < $2",
        params=[since, until],
    ).pl()
    pieces = frame.group_by(pl.col("arrival_ts").dt.truncate("15m").alias("piece")).agg(
        requests=pl.len(),
        prompt_mean=pl.col("prompt_tokens").mean(),
        prompt_p95=pl.col("prompt_tokens").quantile(0.95),
        prompt_sum=pl.col("prompt_tokens").sum(),
    )
    cols = ("requests", "prompt_mean", "prompt_p95", "prompt_sum")
    day = pl.col("piece").dt.date()
    pieces = pieces.with_columns(
        [(pl.col(c).rank() / pl.len()).over(day) for c in cols],
        missed=pl.col("piece").is_in([m["start"] for m in found]),
    )
    return {c: (pieces.filter("missed")[c].median(), pieces.filter(~pl.col("missed"))[c].median()) for c in cols}


def daily_shape(con) -> tuple[list[float], list[float], list[int]]:
    """Correlations of hourly logged request counts: adjacent days, and days a week apart; logged requests
    per day (whole log)."""
    hours = con.sql("select date_trunc('hour', arrival_ts) as h, count(*) as n from requests group by 1").pl()
    by_day = (
        hours.with_columns(day=pl.col("h").dt.date(), hod=pl.col("h").dt.hour())
        .pivot(on="day", index="hod", values="n")
        .sort("hod")
        .drop("hod")
    )
    a = by_day.select(sorted(by_day.columns)).to_numpy().astype(float)
    corr = [[float(np.corrcoef(a[:, i], a[:, i + k])[0, 1]) for i in range(a.shape[1] - k)] for k in (1, 7)]
    return corr[0], corr[1], [int(x) for x in a.sum(axis=0)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--plans-dir", required=True, type=Path)
    p.add_argument("--model", default="chat-large")
    p.add_argument("--as", dest="as_model", default="qwen2.5-72b")
    a = p.parse_args()
    plans = sorted(a.plans_dir.glob("plan-*.json"))
    con = duckdb.connect(a.db, read_only=True)
    found = misses(con, plans, a.as_model, a.model)
    for m in found:
        print(
            f"{m['start']:%Y-%m-%d %H:%M}  replicas {m['replicas']:4d}  ceiling {m['ceiling']:4d}  "
            f"own busiest 5 min needs {m['need']:6.1f}  ratio {m['replicas'] / m['need']:.2f}"
        )
    first = datetime.fromisoformat(plans[0].stem.removeprefix("plan-")).replace(tzinfo=UTC)
    last = datetime.fromisoformat(plans[-1].stem.removeprefix("plan-")).replace(tzinfo=UTC) + DAY
    below = [m for m in found if m["replicas"] < m["ceiling"]]
    print(
        f"{len(found)} missed pieces; below the ceiling {len(below)}, of them at >= the replicas their own busiest "
        f"5 min needed: {sum(m['replicas'] >= m['need'] for m in below)}"
    )
    for c, (missed, rest) in ranks(con, found, first, last).items():
        print(f"median rank within the day, {c}: missed {missed:.2f}, other pieces {rest:.2f}")
    adjacent, week, totals = daily_shape(con)
    print(f"hourly counts, adjacent days: {min(adjacent):.2f} .. {max(adjacent):.2f} (mean {np.mean(adjacent):.2f})")
    print("hourly counts, a week apart:", ", ".join(f"{c:.2f}" for c in week))
    print("logged requests per day:", ", ".join(f"{n:,}" for n in totals))


if __name__ == "__main__":
    main()
