from pathlib import Path

import click

from tracefit.nightly import run_nightly
from tracefit.nightly_config import NightlyConfig
from tracefit.options import json_option, print_json, print_table, stderr
from tracefit.synthetic import DEPLOYMENTS, SAMPLE_RATE, generate


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="demo",
    show_default=True,
    help="Folder for the generated log, the warehouse, plans and the site.",
)
@click.option("--days", type=click.IntRange(1, 28), default=7, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@json_option
def demo(out, days, seed, as_json):
    """Generate a week of production-like traffic and run the nightly job on it.

    The log has three models, 24 tenants, daily and weekly seasonality, bursts, chat/RAG/code
    length mixes, shared prompt prefixes, latencies simulated for a stated deployment, a
    latency regression planted on one day and an abusive tenant; it is a 1-in-8 sample of the
    real traffic. The nightly job ingests it into OUT/tracefit.duckdb, mines it, plans every
    model for the real rate and writes the site and run report.

    \b
    Example:
      tracefit demo --out /tmp/demo --days 7
    """
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    stderr.print(f"demo: generating {days} days of traffic (seed {seed}) ...")
    log = generate(days=days, seed=seed)
    path = inbox / f"requests-seed{seed}-{days}d.parquet"
    log.requests.write_parquet(path)
    stderr.print(f"demo: {log.requests.height:,} requests -> {path}")
    config = NightlyConfig(
        inbox=(str(inbox),),
        db=str(out / "tracefit.duckdb"),
        out=str(out),
        source="demo",
        models=tuple(DEPLOYMENTS),
        sample_rate=SAMPLE_RATE,
    )
    result = run_nightly(config, say=lambda msg: stderr.print(f"nightly: {msg}"))
    report = result.report
    if as_json:
        print_json(
            {
                "log": str(path),
                "db": config.db,
                "regression_day": log.regression_day,
                "abusive_tenant": log.abusive_tenant,
                **result.to_dict(),
            }
        )
        return
    print_table(
        report.get("alerts", []),
        title="what the nightly job flagged",
        columns=["kind", "model", "subject", "day", "detail"],
    )
    print_table(
        [{"model": p["model"], "status": p["status"], **p.get("summary", {})} for p in report.get("plans", [])],
        title=f"plans for the real traffic (the log is a {SAMPLE_RATE:.1%} sample)",
        columns=[
            "model",
            "status",
            "gpu_hours_per_week",
            "static_peak_gpu_hours_per_week",
            "savings_pct",
            "usd_per_week",
            "windows_missing_slo",
        ],
    )
    print_table(
        [
            {"model": b["model"], "day": b["day"], "plan_from": b["plan_from"], **b["summary"]}
            for b in report.get("backtest", [])
        ],
        title="the last logged day replayed against the plan",
        columns=[
            "model",
            "day",
            "plan_from",
            "slo_attainment",
            "windows_meeting_slo_share",
            "gpu_hours",
            "static_peak_gpu_hours",
            "savings_pct",
        ],
    )
    click.echo(f"planted: latency regression on {log.regression_day:%Y-%m-%d}, abusive tenant {log.abusive_tenant}")
    click.echo(f"warehouse: {config.db}")
    click.echo(f"report:    {result.report_path or 'unchanged since ' + str(report.get('previous_run'))}")
    if "site" in report:
        click.echo(f"site:      {report['site']}  (open in a browser; works offline)")
