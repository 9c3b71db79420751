import copy
from pathlib import Path

import click

from profiles.profile import load_profile
from recommend.backtest import ReplayOptions, oracle, to_dict, window_rows
from recommend.plan import read_plan_json
from recommend.slo import parse_limits
from tracefit.backtest_data import run_backtest, run_hindsight
from tracefit.commands.recommend import plan_settings
from tracefit.commands.recommend import recommend as recommend_command
from tracefit.options import TIMESTAMP, as_utc, db_option, json_option, print_json, print_table, stderr
from tracefit.walk_forward import walk_forward


@click.command()
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Plan JSON from `tracefit recommend --out plan.json` (not with --walk-forward).",
)
@click.option(
    "--walk-forward",
    is_flag=True,
    help="Plan each day from every request before it (as `recommend` with the options below), then "
    "replay the day against that plan; needs --model.",
)
@click.option(
    "--plans-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="--walk-forward: keep each day's plan here as plan-<day>.json.",
)
@db_option
@click.option(
    "--since", type=TIMESTAMP, callback=as_utc, required=True, help="First arrival to replay (UTC, inclusive)."
)
@click.option("--until", type=TIMESTAMP, callback=as_utc, required=True, help="Replay arrivals before this (UTC).")
@click.option(
    "--sample-rate",
    type=click.FloatRange(0, 1, min_open=True),
    help="Share of real traffic the log holds [default: each ingest run's --sample-rate].",
)
@click.option(
    "--as",
    "as_model",
    metavar="CATALOG_MODEL",
    help="Catalog model for the performance model [default: the plan's model_spec or model].",
)
@click.option("--log-model", help="Model name as logged [default: names matching the plan's model].")
@click.option(
    "--slo", multiple=True, metavar="KEY=MS", help="Override the plan's SLOs (repeatable), e.g. ttft_p95_ms=1000."
)
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Measured profile or calibration (tracefit calibrate) for the step times.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=0),
    default=12000,
    show_default=True,
    help="Simulated requests per piece at most (an hour, or the scaler's 15-minute interval; slices of it "
    "beyond that; 0 = whole pieces). Fewer make each piece's p95 verdict noisier (bench/RESULTS.md).",
)
@click.option(
    "--fixed-replicas",
    is_flag=True,
    help="Ignore the plan's replica scaler: every window runs its config's replicas all the time.",
)
@click.option("--static", "replay_static", is_flag=True, help="Also replay the static-peak plan (SLO attainment).")
@click.option(
    "--hindsight",
    is_flag=True,
    help="Instead of the backtest: the fewest replicas of each window's config at which each scaler piece "
    "meets the SLO, and the fewest GPU-hours at which 100/99/97/95/90% of pieces could (with --plan); "
    "each piece is replayed again with another seed at the scaler's count and at the fewest x 1, 1.25, 1.5, 2 and at the top "
    "(recheck).",
)
@click.option(
    "--hindsight-gpus-x",
    type=click.FloatRange(min=1),
    default=1.0,
    show_default=True,
    help="--hindsight searches up to as many replicas as this x the static-peak plan's GPUs hold.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
def backtest(
    plan_path,
    walk_forward,
    plans_dir,
    db,
    since,
    until,
    sample_rate,
    as_model,
    log_model,
    slo,
    profile_path,
    max_requests,
    fixed_replicas,
    replay_static,
    hindsight,
    hindsight_gpus_x,
    seed,
    as_json,
    **recommend_options,
):
    """Replay the requests logged in [since, until) against a plan's per-window configs.

    Each calendar hour is served by the plan window covering it (hour-of-week windows repeat every
    week) with that window's config and replicas; one replica's share of the hour's real traffic
    (logged rate / sample rate) is simulated. Per window: SLO attainment (share of requests meeting
    every SLO), whether each percentile SLO holds, goodput, queueing, rejected share (over
    max_model_len), GPU-hours; and GPU-hours against a static plan sized for the peak window.
    SLO numbers are the interactive class's: requests the plan's bulk rule selects (a tenant's
    one-second dumps) are admitted at the plan's bulk rate, simulated on the same engines, and
    reported apart with their deadline attainment. Every class is judged: the summary's classes
    (interactive by the SLO, bulk by its deadline) and the worst of them.

    --walk-forward does what `tracefit nightly` does, day by day: for each UTC day of [since, until)
    it mines every request logged before the day, makes the plan `tracefit recommend` would (the
    recommend options below: --model, --gpu, --windows, ...) and replays the day against it.
    Progress per day on stderr; --json prints {"days": [...], "summary": {...}}, the summary pooling
    (day, window) pairs and hours. The warehouse is only read (the walk mines a private copy).

    \b
    Example:
      tracefit backtest --plan plan.json --since 2025-03-10 --until 2025-03-17
      tracefit backtest --walk-forward --model chat-large --as qwen2.5-72b --sample-rate 0.0025 \\
          --since 2025-03-10 --until 2025-03-17 --json
      tracefit backtest --plan plan.json --db prod.duckdb --since 2025-03-10 --until 2025-03-11 --json
      tracefit backtest --plan plan.json --as llama-3.1-70b --sample-rate 0.0025 --since 2025-03-10 --until 2025-03-17
      tracefit backtest --plan plan.json --hindsight --since 2025-03-16 --until 2025-03-17 --json
    """
    options = ReplayOptions(max_requests=max_requests, sample_rate=sample_rate, seed=seed)
    profile = load_profile(profile_path) if profile_path else None
    if walk_forward and hindsight:
        raise click.UsageError("--hindsight takes one --plan; keep the walk's plans with --plans-dir and run each")
    if walk_forward:
        _walk(
            db,
            since,
            until,
            options,
            profile,
            plans_dir,
            fixed_replicas,
            as_json,
            recommend_options,
            as_model=as_model,
            slos=slo,
            sample_rate=sample_rate,
        )
        return
    if plan_path is None:
        raise click.UsageError("give --plan plan.json, or --walk-forward with the recommend options")
    if hindsight:
        _hindsight(
            db,
            read_plan_json(plan_path),
            since,
            until,
            as_model,
            log_model,
            slo,
            options,
            profile,
            hindsight_gpus_x,
            as_json,
        )
        return
    result = run_backtest(
        db,
        read_plan_json(plan_path),
        since=since,
        until=until,
        as_model=as_model,
        log_model=log_model,
        slo=parse_limits(slo) or None,
        options=options,
        profile=profile,
        replay_static=replay_static,
        fixed_replicas=fixed_replicas,
    )
    doc = to_dict(result, options)
    if as_json:
        print_json(doc)
        return
    print_table(window_rows(doc), title=f"backtest of {plan_path} ({doc['model']}, SLO {doc['slo']})")
    s = doc["summary"]
    print_table([{"field": k, "value": v} for k, v in s.items()], title="summary")
    print_table(class_rows(s), title=f"every class (worst: {s['worst_class']})")
    stderr.print(f"{s['simulated_requests']:,} requests simulated for {s['requests_real']:,.0f} real ones")


RECHECK_SEED = 10_007  # --hindsight replays each piece again at seed + this: a fresh draw of the same traffic


def _hindsight(db, plan: dict, since, until, as_model, log_model, slo, options, profile, gpus_x, as_json) -> None:
    result = run_hindsight(
        db,
        plan,
        since=since,
        until=until,
        as_model=as_model,
        log_model=log_model,
        slo=parse_limits(slo) or None,
        options=options,
        profile=profile,
        gpus_x=gpus_x,
        recheck_seed=options.seed + RECHECK_SEED,
    )
    doc = oracle.to_dict(result)
    if as_json:
        print_json(doc)
        return
    rows = [{"bound": bound, **point} for bound, points in doc["frontier"].items() for point in points]
    print_table(rows, title="fewest GPU-hours with each share of pieces meeting the SLO (hindsight)")
    print_table([{"field": k, "value": v} for k, v in doc["summary"].items()], title="the scaler against hindsight")


def _walk(
    db, since, until, replay, profile, plans_dir, fixed_replicas, as_json, recommend_options: dict, **shared
) -> None:
    if not recommend_options.get("model"):
        raise click.UsageError("--walk-forward needs --model (the model as logged)")
    settings = plan_settings(**recommend_options, **shared)
    doc = walk_forward(
        db,
        settings,
        since=since,
        until=until,
        replay=replay,
        profile=profile,
        plans_dir=plans_dir,
        fixed_replicas=fixed_replicas,
        say=lambda line: stderr.print(line, highlight=False),
    )
    if as_json:
        print_json(doc)
        return
    print_table(
        [
            {
                "day": d["day"],
                "windows": d["plan"]["windows"],
                "max_gpus": d["plan"]["max_gpus"],
                **{k: v for k, v in d["summary"].items() if k != "classes"},
            }
            for d in doc["days"]
        ],
        title=f"walk-forward backtest of {doc['model']} (SLO {doc['slo']})",
    )
    s = doc["summary"]
    print_table([{"field": k, "value": v} for k, v in s.items() if k != "classes"], title="summary")
    print_table(class_rows(s), title=f"every class (worst: {s['worst_class']})")


def class_rows(summary: dict) -> list[dict]:
    """The summary's classes, the worst first."""
    rows = sorted(summary.get("classes") or [], key=lambda r: r["class"] != summary.get("worst_class"))
    return [{**r, "worst": r["class"] == summary.get("worst_class")} for r in rows]


# --walk-forward takes the plan options `tracefit recommend` takes (the same click options; --as,
# --slo and --sample-rate are backtest's own, with the same meaning); --model is required there only.
for _param in recommend_command.params:
    if _param.name not in {"db", "as_model", "slos", "sample_rate", "out", "as_json"}:
        _param = copy.copy(_param)
        _param.required = False
        backtest.params.append(_param)
