from datetime import datetime
from pathlib import Path

import click
import polars as pl

import warehouse
from profiles import CatalogError, get_model
from recommend.export import FORMATS, ExportOptions, export, load_plan, write_files
from tracefit.options import db_option, json_option, print_json, print_table, stderr
from warehouse import WarehouseError
from warehouse.inputs.requests import export_requests, logged_model_names


@click.command(name="export")
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Plan JSON from `tracefit recommend --out plan.json`.",
)
@click.option("--to", "to", type=click.Choice(list(FORMATS)), required=True, help="Export format.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write into (files go under OUT/FORMAT/).",
)
@click.option("--model", help="Hugging Face id or path to serve (default: the plan's model via the catalog).")
@click.option("--name", default="tracefit-engine", show_default=True, help="k8s: Deployment name.")
@click.option("--namespace", default="default", show_default=True, help="k8s: namespace.")
@click.option("--image", default="vllm/vllm-openai:latest", show_default=True, help="k8s: engine image.")
@click.option(
    "--window",
    help="k8s: window (label or slug) the Deployment's engine flags are for [default: the one with the most GPUs].",
)
@click.option(
    "--prometheus",
    default="http://prometheus-operated.monitoring.svc:9090",
    show_default=True,
    help="k8s: Prometheus URL KEDA queries in keda-autoscaled.yaml (written when the plan has a measured "
    "replica scaler); the default is the Prometheus Operator's prometheus-operated Service in "
    "namespace monitoring.",
)
@db_option
@click.option("--log-model", help="mooncake: model name as logged [default: names matching the plan's model].")
@click.option("--since", type=click.DateTime(), help="mooncake: first arrival to include (UTC).")
@click.option("--until", type=click.DateTime(), help="mooncake: arrivals before this (UTC).")
@json_option
def export_cmd(
    plan_path, to, out, model, name, namespace, image, window, prometheus, db, log_model, since, until, as_json
):
    """Write a plan as deployable files: engine configs, a replica schedule, a replay trace.

    \b
    Formats: vllm, sglang, trtllm (engine flags per window); k8s (KEDA cron ScaledObject, CronJob
    alternative, engine Deployment, and a KEDA Prometheus autoscaler when the plan measured its replica
    scaler); mooncake (the window's logged requests as JSONL, read from --db);
    aiconfigurator (the same problem as `aiconfigurator cli default` arguments).
    Example:
      tracefit export --plan plan.json --to vllm --out deploy
      tracefit export --plan plan.json --to k8s --out deploy --name chat --image vllm/vllm-openai:v0.11.0
      tracefit export --plan plan.json --to mooncake --out traces --db prod.duckdb --since 2025-03-03
    """
    plan = load_plan(plan_path)
    options = ExportOptions(
        model=model, name=name, namespace=namespace, image=image, window=window, prometheus=prometheus
    )
    requests = _requests(db, plan.model, log_model, since, until) if FORMATS[to].needs_requests else None
    written = write_files(export(plan, to, options, requests), out)
    files = [str(p) for p in written]
    if as_json:
        print_json({"format": to, "out": str(out), "files": files})
        return
    print_table(
        [{"file": f, "bytes": p.stat().st_size} for f, p in zip(files, written)], title=f"{to} export of {plan_path}"
    )


def _requests(
    db, plan_model: str, log_model: str | None, since: datetime | None, until: datetime | None
) -> pl.DataFrame:
    with warehouse.connect(db) as con:
        logged = logged_model_names(con)
        models = [log_model] if log_model else _matching(plan_model, logged)
        if not models:
            raise WarehouseError(
                f"no logged model matches the plan's {plan_model!r} (logged: "
                f"{', '.join(sorted(logged)) or 'none'}); pass --log-model"
            )
        stderr.print(f"reading requests of {', '.join(models)}")
        return export_requests(con, models, _utc(since), _utc(until))


def _matching(plan_model: str, logged: list[str]) -> list[str]:
    if plan_model in logged:
        return [plan_model]
    try:
        wanted = get_model(plan_model).name
    except CatalogError:
        return []
    found = []
    for name in logged:
        try:
            if get_model(name).name == wanted:
                found.append(name)
        except CatalogError:
            continue
    return found


def _utc(ts: datetime | None) -> str | None:
    return None if ts is None else ts.strftime("%Y-%m-%d %H:%M:%S+00")
