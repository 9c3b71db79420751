"""What backtest and calibration read from the warehouse: logged requests as arrays, by model name.

`run_backtest` is the one-call entry the nightly job uses ("yesterday against the plan in force");
`run_hindsight` the fewest replicas any scaler could have run with the plan's configs.
Requests are classified by the plan's traffic-class rule (warehouse/inputs/requests.py backtest_requests:
the same bulk query the plan was made with); without one every request is interactive.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

import warehouse
from profiles import CatalogError, get_model
from recommend.backtest import BacktestResult, ReplayOptions, Traffic, backtest, read_plan
from recommend.backtest.oracle import Hindsight, hindsight
from recommend.calibrate import Measured
from recommend.traffic_class import BulkRule
from tracefit.recommend_data import rule_params
from warehouse import WarehouseError
from warehouse.inputs.requests import backtest_requests, logged_model_names


def logged_models(con: duckdb.DuckDBPyConnection, wanted: str, log_model: str | None = None) -> list[str]:
    """Model names as logged that mean `wanted`: itself, or names the catalog maps to the same model."""
    logged = logged_model_names(con)
    if log_model:
        return [log_model]
    if wanted in logged:
        return [wanted]
    found = [name for name in logged if _same_model(name, wanted)]
    if not found:
        raise WarehouseError(
            f"no logged model matches {wanted!r} (logged: {', '.join(sorted(logged)) or 'none'}); pass --log-model NAME"
        )
    return found


def read_requests(
    con: duckdb.DuckDBPyConnection, models: list[str], since: datetime, until: datetime, bulk: BulkRule | None = None
) -> pl.DataFrame:
    """Columns of warehouse/sql/backtest_requests.sql, sorted by arrival; `bulk` classifies them."""
    return backtest_requests(con, models, since.isoformat(), until.isoformat(), rule_params(bulk))


def traffic(frame: pl.DataFrame) -> Traffic:
    return Traffic.from_arrays(
        frame["arrival_s"].to_numpy(),
        frame["prompt_tokens"].to_numpy(),
        frame["output_tokens"].to_numpy(),
        frame["sample_rate"].to_numpy(),
        frame["bulk"].to_numpy(),
    )


def run_backtest(db: str | Path, plan: dict, **options) -> BacktestResult:
    """Backtest `plan` (a parsed plan.json) on the requests logged in [since, until) in warehouse `db`;
    `options`: backtest_on's keywords."""
    with warehouse.connect(db, read_only=True) as con:
        return backtest_on(con, plan, **options)


def backtest_on(
    con: duckdb.DuckDBPyConnection,
    plan: dict,
    *,
    since: datetime,
    until: datetime,
    as_model: str | None = None,
    log_model: str | None = None,
    slo: dict | None = None,
    options: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    replay_static: bool = False,
    fixed_replicas: bool = False,
) -> BacktestResult:
    """`run_backtest` on an open connection (the nightly job holds one); `fixed_replicas` ignores the
    plan's replica scaler (each window runs its config's replicas)."""
    parsed, logged = _plan_traffic(con, plan, since, until, as_model, log_model, slo, options, fixed_replicas)
    return backtest(
        parsed, logged, since=since, until=until, options=options, profile=profile, replay_static=replay_static
    )


def run_hindsight(
    db: str | Path,
    plan: dict,
    *,
    since: datetime,
    until: datetime,
    as_model: str | None = None,
    log_model: str | None = None,
    slo: dict | None = None,
    options: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    gpus_x: float = 1.0,
    recheck_seed: int | None = None,
) -> Hindsight:
    """The fewest replicas per scaler piece of [since, until) (recommend/backtest/oracle.py) for `plan`."""
    with warehouse.connect(db, read_only=True) as con:
        parsed, logged = _plan_traffic(con, plan, since, until, as_model, log_model, slo, options, False)
    return hindsight(
        parsed,
        logged,
        since=since,
        until=until,
        options=options,
        profile=profile,
        gpus_x=gpus_x,
        recheck_seed=recheck_seed,
    )


def _plan_traffic(con, plan: dict, since, until, as_model, log_model, slo, options, fixed_replicas: bool):
    """The plan as the backtest reads it and the requests its replay needs (the scaler's lead included)."""
    parsed = read_plan(plan, as_model=as_model, slo=slo)
    parsed = parsed.fixed_replicas() if fixed_replicas else parsed
    models = logged_models(con, str(plan.get("traffic_model") or plan.get("model")), log_model)
    lead_s = max(options.warmup_s, parsed.autoscale.lead_s if parsed.scaled else 0.0)  # the scaler looks back
    frame = read_requests(con, models, since - timedelta(seconds=lead_s), until, parsed.bulk)
    if frame.is_empty():
        raise WarehouseError(
            f"no requests of {', '.join(models)} logged in {since:%Y-%m-%d %H:%M} .. "
            f"{until:%Y-%m-%d %H:%M} UTC; check --since/--until (UTC) and --db"
        )
    return parsed, traffic(frame)


def _same_model(name: str, wanted: str) -> bool:
    try:
        return get_model(name).name == get_model(wanted).name
    except CatalogError:
        return False


def read_measured(
    db: str | Path, model: str, since: datetime | None, until: datetime | None, log_model: str | None = None
) -> tuple[Measured, bool]:
    """Logged traffic of `model` with its measured latencies, and whether the log is unsampled."""
    with warehouse.connect(db, read_only=True) as con:
        models = logged_models(con, model, log_model)
        frame = read_requests(
            con, models, since or datetime(1970, 1, 1, tzinfo=UTC), until or datetime(9999, 1, 1, tzinfo=UTC)
        )
    if frame.is_empty():
        raise WarehouseError(f"no requests of {', '.join(models)} in the range; check --model, --since/--until")
    measured = Measured.from_arrays(
        frame["arrival_s"].to_numpy(),
        frame["prompt_tokens"].to_numpy(),
        frame["output_tokens"].to_numpy(),
        frame["ttft_ms"].fill_null(float("nan")).to_numpy(),
        frame["tpot_ms"].fill_null(float("nan")).to_numpy(),
        frame["e2e_ms"].fill_null(float("nan")).to_numpy(),
        frame["sample_rate"].to_numpy(),
        ok=(frame["status"] == "ok").to_numpy(),
    )
    return measured, bool((frame["sample_rate"] == 1.0).all())
