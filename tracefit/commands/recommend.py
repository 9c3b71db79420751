from pathlib import Path

import click

import warehouse
from recommend.autoscale import AutoscalePolicy
from recommend.errors import RecommendError
from recommend.plan import write_plan_json
from recommend.plan_doc import table_rows
from recommend.recommender import FORECAST_ON, MIX_GPUS, MIX_HEADROOM, SCALE_ON, SCALE_SIGNAL, RecommendOptions
from recommend.scale_max import scale_max_value
from recommend.search_space import SearchSpace
from recommend.slo import parse_slo
from recommend.traffic_class import BURST_MEDIAN_MULTIPLE, DEFAULT_DEADLINE_S, PACING
from tracefit.options import db_option, float_pairs, json_option, print_json, print_table, stderr
from tracefit.planning import PlanSettings, make_plan
from tracefit.recommend_data import FORECAST_QUANTILE, PEAK_QUANTILE
from tracefit.scale_targets import SCALE_CALIBRATE


def _scale_max(ctx, param, value: str) -> str:
    try:
        scale_max_value(value)
    except RecommendError as e:
        raise click.BadParameter(str(e)) from e
    return value


def _prices(items) -> dict[str, float]:
    return float_pairs(items, "--price", "h100-sxm=2.5")


def plan_settings(
    *,
    model,
    as_model,
    gpus,
    max_gpus,
    slos,
    allow_quant,
    coverage,
    headroom,
    forecast_quantile,
    forecast_on,
    prices,
    sample_rate,
    traffic_scale,
    windows,
    peak_quantile,
    bulk_burst_rps,
    bulk_tenants,
    bulk_deadline_s,
    bulk_pacing,
    autoscale_quantile,
    scale_on,
    scale_floor,
    scale_target,
    scale_max,
    scale_calibrate,
    scale_seasonal,
    scale_delay_s,
    mix_headroom,
    mix_gpus,
    engine,
    disagg,
    kv_link,
    workers,
) -> PlanSettings:
    """The recommend options (as click passes them) -> PlanSettings (recommend and backtest --walk-forward)."""
    space = SearchSpace(
        gpus=tuple(gpus),
        max_gpus=max_gpus,
        prices=_prices(prices),
        engine=engine,
        allow_quant=tuple(q.strip().lower() for q in allow_quant.split(",") if q.strip()),
    )
    options = RecommendOptions(
        slo=parse_slo(slos),
        coverage=coverage,
        headroom=headroom,
        forecast_quantile=forecast_quantile or None,
        forecast_on=forecast_on,
        scale_on=scale_on,
        scale_floor=scale_floor,
        scale_target=scale_target,
        scale_max=scale_max,
        traffic_scale=traffic_scale,
        mix_headroom=mix_headroom,
        mix_gpus=mix_gpus,
        workers=workers,
    )
    scaler = AutoscalePolicy(quantile=autoscale_quantile, delay_s=scale_delay_s) if autoscale_quantile else None
    return PlanSettings(
        model=model,
        as_model=as_model,
        space=space,
        options=options,
        windows=windows,
        sample_rate=sample_rate,
        peak_quantile=peak_quantile,
        forecast_quantile=forecast_quantile or FORECAST_QUANTILE,
        bulk_burst_rps=bulk_burst_rps,
        bulk_tenants=tuple(bulk_tenants),
        bulk_deadline_s=bulk_deadline_s,
        bulk_pacing=bulk_pacing,
        autoscale=scaler,
        disagg_link=kv_link if disagg else None,
        scale_calibrate=scale_calibrate if scaler else 0.0,
        scale_seasonal=scale_seasonal if scaler else 0.0,
    )


@click.command()
@db_option
@click.option("--model", required=True, help="Model name as logged (selects the traffic).")
@click.option(
    "--as",
    "as_model",
    help="Catalog model for the performance model when the logged name is not "
    "one (e.g. --model chat-large --as qwen2.5-72b).",
)
@click.option(
    "--gpu",
    "gpus",
    multiple=True,
    default=("h100-sxm",),
    show_default=True,
    help="Candidate GPU type; repeat for several.",
)
@click.option("--max-gpus", type=int, default=8, show_default=True, help="GPUs per replica (TP up to this).")
@click.option(
    "--slo",
    "slos",
    multiple=True,
    help="KEY=MS, repeatable: ttft|tpot|e2e _p50|p90|p95|p99 _ms. "
    "Defaults ttft_p95_ms=1000 (Nielsen's 1 s), tpot_p95_ms=100 (~1.9x a 238 words/min reader).",
)
@click.option(
    "--allow-quant",
    default="bf16,fp8",
    show_default=True,
    help="Precisions allowed for weights and KV (bf16,fp8,int8,int4; int4 only when listed).",
)
@click.option(
    "--coverage",
    type=float,
    default=0.999,
    show_default=True,
    help="Share of requests max_model_len must admit (the rest are reported as rejected).",
)
@click.option(
    "--headroom",
    type=float,
    default=0.1,
    show_default=True,
    help="Plan for rate x (1 + headroom) when --forecast-quantile is 0.",
)
@click.option(
    "--forecast-quantile",
    type=click.FloatRange(0, 1),
    default=FORECAST_QUANTILE,
    show_default=True,
    help="Headroom from the measured forecast error: this quantile of each window's hours' "
    "actual / leave-one-day-out forecast rate; 0 = the fixed --headroom.",
)
@click.option(
    "--forecast-on",
    type=click.Choice(FORECAST_ON),
    default="tokens",
    show_default=True,
    help="Series the forecast-error headroom is measured on: the hourly token load (prompt + output "
    "tokens/s: its error also holds the day-to-day scatter of the length mix) or the request rate.",
)
@click.option("--price", "prices", multiple=True, help="GPU=USD per GPU-hour, overrides the catalog; repeatable.")
@click.option("--sample-rate", type=float, help="Share of real traffic the log holds (default: as recorded at ingest).")
@click.option("--traffic-scale", type=float, default=1.0, show_default=True, help="Plan for X times today's traffic.")
@click.option("--windows", default="regimes", show_default=True, help="regimes | hour-of-week | fixed:<N>h.")
@click.option(
    "--peak-quantile",
    type=click.FloatRange(0, 1),
    default=PEAK_QUANTILE,
    show_default=True,
    help="Which of a window's hours to plan for, by request count (1 = the busiest).",
)
@click.option(
    "--bulk-burst-rps",
    type=click.FloatRange(min=0),
    metavar="REQ_S",
    help=f"Bulk (batch) class: a tenant's requests in a UTC second where it sent >= this many real "
    f"requests [default: {BURST_MEDIAN_MULTIPLE:g} x the median real req/s]; 0 = no burst rule.",
)
@click.option(
    "--bulk-tenant",
    "bulk_tenants",
    multiple=True,
    metavar="TENANT",
    help="Tenant whose every request is bulk; repeatable.",
)
@click.option(
    "--bulk-deadline-s",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_DEADLINE_S,
    show_default=True,
    help="Bulk completion deadline (arrival -> last token); bulk is planned as "
    "throughput that meets it, not against the latency SLO.",
)
@click.option(
    "--bulk-pacing",
    type=click.Choice(PACING),
    default="spare",
    show_default=True,
    help="Bulk admission: spare = the planned rate plus the capacity the interactive traffic leaves "
    "unused (a dump larger than history's drains before its deadline); fixed = the planned rate.",
)
@click.option(
    "--autoscale-quantile",
    type=click.FloatRange(0, 1),
    default=0.99,
    show_default=True,
    help="Size the replica scaler from this quantile of its measured error (0 = fixed replicas per "
    "window); see recommend/autoscale.py.",
)
@click.option(
    "--scale-delay-s",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds from the scaler's decision to new replicas serving (pod start + weights load).",
)
@click.option(
    "--scale-on",
    type=click.Choice(SCALE_ON),
    default=SCALE_SIGNAL,
    show_default=True,
    help="The scaler's signal: load = engine busy seconds per second from prompt and output tokens/s (a "
    "heavier mix gets more replicas; KEDA on vLLM's token counters); requests = the real request rate.",
)
@click.option(
    "--scale-floor",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="The scaler never runs fewer replicas than this share of the window's ceiling (0 = one replica).",
)
@click.option(
    "--scale-target",
    type=click.FloatRange(0, 1, min_open=True),
    default=1.0,
    show_default=True,
    help="The scaler loads each replica to this share of the rate the simulator met the SLO at "
    "(1 = at the SLO's edge; lower keeps margin for bursts inside an interval).",
)
@click.option(
    "--scale-max",
    default="ceiling",
    show_default=True,
    metavar="ceiling|static-peak|K",
    callback=_scale_max,
    help="The most replicas the scaler runs when its signal asks for more than the window's ceiling "
    "(sized from the forecast): the ceiling, the static-peak plan's GPUs (the savings baseline), or K x "
    "the ceiling; queued bulk work still brings the ceiling.",
)
@click.option(
    "--mix-headroom",
    type=click.FloatRange(1),
    default=MIX_HEADROOM,
    show_default=True,
    metavar="K",
    help="A window's config must also meet the SLO with every prompt x K at the same token load (a heavier "
    "length mix than history's; GPUs stay sized on the planned mix): when it does not, another TP on the same "
    "GPUs that meets both is chosen, else the planned one stands (1 = off; recommend/mix_check.py).",
)
@click.option(
    "--mix-gpus",
    type=click.FloatRange(1),
    default=MIX_GPUS,
    show_default=True,
    metavar="M",
    help="With --mix-headroom: where no config on the planned GPUs meets both mixes, try the chosen one and "
    "the higher-TP ones on M x the GPUs (1 = the planned GPUs only).",
)
@click.option(
    "--scale-calibrate",
    type=click.FloatRange(0, 1),
    default=SCALE_CALIBRATE,
    show_default=True,
    metavar="SHARE",
    help="Calibrate each window's scaler target on history: replay the last 7 mined days' 15-min "
    "intervals at 1.0, 0.95 .. 0.5 of the planned rate per replica (x --scale-target) and keep the largest "
    "at which this share of them met the SLO (0 = off; recommend/backtest/targets.py).",
)
@click.option(
    "--scale-seasonal",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    metavar="Q",
    help="A proactive floor under the scaler: each 15-min slot of the week runs at least the replicas for "
    "the Q quantile of the mined days' same slots' busiest 5-min rate (same slot of the week with two weeks "
    "of history, else of the day by weekday / weekend); exported as KEDA cron triggers (0 = off; "
    "recommend/seasonal.py).",
)
@click.option("--engine", type=click.Choice(["vllm", "sglang", "trtllm"]), default="vllm", show_default=True)
@click.option(
    "--disagg",
    is_flag=True,
    help="Also screen disaggregated prefill/decode splits (xPyD, a GPU type per "
    "pool from --gpu) per window and run one where it meets the SLO for less (recommend/disagg/pick.py).",
)
@click.option(
    "--kv-link",
    default="ib-ndr",
    show_default=True,
    help="With --disagg: the link KV moves over "
    "(profiles/links.py: ib-ndr, ib-hdr, roce-400, roce-200, efa-p5, nvlink-3/4/5).",
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Processes: windows, and --scale-calibrate's replays, run in parallel (the plan is the same).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan JSON here.")
@json_option
def recommend(db, out, as_json, **options):
    """Recommend per-window engine configs and replica counts that meet the SLOs at the lowest cost.

    Every candidate (GPU x TP x weights x KV x max_num_seqs x max_num_batched_tokens, max_model_len
    from --coverage) is screened with the roofline, memory and a queueing model; the best few are
    simulated on the window's busiest 15 minutes scaled to the real rate; each knob gets a reason.
    Bulk requests (a tenant's one-second dumps, or --bulk-tenant) are planned as throughput that
    meets --bulk-deadline-s on top of the interactive traffic the SLO judges. Each window's replicas
    are its maximum; a scaler (KEDA on the engine load, or --scale-on requests) runs fewer when the
    traffic of the last hour allows, by a ratio measured on the mined range (--autoscale-quantile; 0
    turns it off).

    \b
    Examples:
      tracefit recommend --model llama-3.1-8b --gpu h100-sxm --gpu l40s --out plan.json
      tracefit recommend --model llama-3.1-70b --gpu h100-sxm --gpu h200 --disagg --kv-link ib-ndr
      tracefit recommend --db sg.duckdb --model chat-large --as qwen2.5-72b --windows hour-of-week \\
          --slo ttft_p95_ms=1500 --slo tpot_p95_ms=80 --price h100-sxm=2.5 --json
    """
    settings = plan_settings(**options)
    with warehouse.connect(db, read_only=True) as con:
        plan = make_plan(con, settings, say=lambda line: stderr.print(line, highlight=False))
    if out:
        write_plan_json(out, plan)
        stderr.print(f"recommend: plan written to {out}", highlight=False)
    if as_json:
        print_json(plan)
        return
    s = plan["summary"]
    print_table(
        table_rows(plan),
        title=f"{plan['model']} plan ({plan['traffic_model']} traffic), SLO "
        + ", ".join(f"{k}={v:g}" for k, v in plan["slo"].items()),
    )
    stderr.print(
        f"GPU-hours/week {s['gpu_hours_per_week']:,} vs {s['static_peak_gpu_hours_per_week']:,} static "
        f"at peak ({s['savings_pct']}% saved); windows missing the SLO: "
        f"{', '.join(s['windows_missing_slo']) or 'none'}",
        highlight=False,
    )
    for e in plan["windows"] if settings.disagg_link else ():
        d = e.get("disagg")
        stderr.print(
            f"{e['window']['label']}: {d['reasons'][0] if d else 'no disaggregated split fits'}", highlight=False
        )
    scaler = plan.get("autoscale") or {}
    if scaler.get("ratio"):
        stderr.print(
            f"replicas are each window's ceiling: a scaler runs ceil({scaler['ratio']:g} x the busiest "
            f"{scaler['bucket_s'] / 60:g}-min rate of the last {scaler['lookback_s'] / 60:g} min / req/s per "
            "replica)"
            + (
                f", up to the --scale-max cap ({settings.options.scale_max})"
                if settings.options.scale_max != "ceiling"
                else ""
            )
            + (
                f", never under its seasonal floor (the {scaler['floor']['quantile']:g} quantile of "
                f"{scaler['floor']['days']} days' same 15-min slots, {scaler['floor']['basis']})"
                if scaler.get("floor")
                else ""
            )
            + " (`tracefit backtest` replays it; `tracefit export --to k8s` writes it for KEDA)",
            highlight=False,
        )
