"""The nightly job's planning steps: a plan per model, what changed since the last one, and
yesterday replayed against the plan in force."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from profiles import CatalogError, get_model
from recommend.autoscale import AutoscalePolicy
from recommend.backtest import to_dict
from recommend.plan import PlanError, read_plan_json, write_plan_json
from recommend.recommender import RecommendOptions, recommend_plan
from recommend.search_space import SearchSpace
from tracefit.backtest_data import backtest_on
from tracefit.nightly_config import NightlyConfig
from tracefit.recommend_data import bulk_rule, bulk_seconds, measured_scaler, windows_traffic
from tracefit.scale_targets import SCALE_CALIBRATE, calibrated
from tracefit.walk_forward import day_entry
from warehouse.inputs.requests import last_logged_day

KNOBS = ("gpu", "tp", "weights", "kv", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "replicas")


def plan_file(run_dir: Path, model: str) -> Path:
    return run_dir / f"plan-{model.replace('/', '_')}.json"


def catalog_name(config: NightlyConfig, model: str) -> str | None:
    name = config.model_specs.get(model, model)
    try:
        get_model(name)
    except CatalogError:
        return None
    return name


def plan_models(
    con: duckdb.DuckDBPyConnection,
    config: NightlyConfig,
    models: list[str],
    run_dir: Path,
    previous_dir: Path | None,
    say: Callable[[str], None],
) -> list[dict]:
    """Write plan-<model>.json for each model the catalog knows; return one summary per model."""
    space = SearchSpace(
        gpus=config.gpus, max_gpus=config.max_gpus, allow_quant=config.allow_quant, prices=dict(config.prices)
    )
    options = RecommendOptions(slo=dict(config.slo))
    summaries = []
    for model in models:
        spec = catalog_name(config, model)
        if spec is None:
            summaries.append(
                {
                    "model": model,
                    "status": "skipped",
                    "reason": f'not in the model catalog; set model_specs = {{ "{model}" = "<catalog name>" }}',
                }
            )
            continue
        say(f"recommend: {model}")
        bulk = bulk_rule(con, model)
        seconds = bulk_seconds(con, model, bulk)
        traffic = windows_traffic(con, model, windows=config.windows, bulk=bulk, bulk_frame=seconds)
        plan = measured_scaler(
            con,
            model,
            recommend_plan(traffic, model=spec, space=space, options=options, traffic_model=model, bulk=bulk),
            AutoscalePolicy(),
            seconds,
        )
        plan = calibrated(con, plan, share=SCALE_CALIBRATE, as_model=spec)
        path = plan_file(run_dir, model)
        write_plan_json(path, plan)
        previous = _load(plan_file(previous_dir, model)) if previous_dir else None
        summaries.append(
            {
                "model": model,
                "status": "planned",
                "plan": str(path),
                "summary": plan.get("summary", {}),
                "changes": plan_changes(previous, plan),
            }
        )
    return summaries


def plan_changes(previous: dict | None, plan: dict) -> list[dict]:
    """Per window label: the knobs whose value differs from the previous plan's same window."""
    if previous is None:
        return []
    before = {w["window"]["label"]: w.get("config", {}) for w in previous.get("windows", [])}
    changes = []
    for window in plan.get("windows", []):
        label, config = window["window"]["label"], window.get("config", {})
        if label not in before:
            changes.append({"window": label, "change": "new window"})
            continue
        for knob in KNOBS:
            if before[label].get(knob) != config.get(knob):
                changes.append({"window": label, "knob": knob, "from": before[label].get(knob), "to": config.get(knob)})
    gone = set(before) - {w["window"]["label"] for w in plan.get("windows", [])}
    return changes + [{"window": label, "change": "window gone"} for label in sorted(gone)]


def _load(path: Path) -> dict | None:
    try:
        return read_plan_json(path)
    except PlanError:
        return None


def backtest_yesterday(
    con: duckdb.DuckDBPyConnection, plans: list[dict], previous_dir: Path | None, say: Callable[[str], None]
) -> list[dict]:
    """Replay each model's last logged day against the plan in force (the previous run's plan;
    on a first run, the plan just made, and the entry says so): one walk-forward day per model, its
    entry as `tracefit backtest --walk-forward` records days (day, plan_from, plan, summary)."""
    results = []
    for entry in plans:
        if entry["status"] != "planned":
            continue
        model = entry["model"]
        in_force = _load(plan_file(previous_dir, model)) if previous_dir else None
        plan, source = (in_force, "previous run") if in_force else (_load(Path(entry["plan"])), "this run")
        last = last_logged_day(con, model)
        since = datetime.combine(last, datetime.min.time(), tzinfo=UTC)
        say(f"backtest: {model} on {last} against {'this' if source == 'this run' else 'the previous'} run's plan")
        result = backtest_on(con, plan, since=since, until=since + timedelta(days=1))
        # the previous run's plan on the last day is a walk-forward day (tracefit/walk_forward.py): same entry
        results.append({"model": model, **day_entry(last, source, plan, to_dict(result))})
    return results
