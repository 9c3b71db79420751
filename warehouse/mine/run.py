"""Mine one or all models: every step in one transaction per model, skipped when unchanged."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from warehouse.db import WarehouseError, fetch_one
from warehouse.mine.options import MineOptions
from warehouse.mine.service import mine_concurrency, mine_errors, mine_latency, mine_prefix, mine_tenants
from warehouse.mine.store import DuckDBSource, Source, clear_model
from warehouse.mine.traffic import mine_regimes, mine_traffic


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRun:
    model: str
    status: str  # mined | unchanged | empty
    requests: int
    has_latency: bool = False
    has_prefix: bool = False
    notes: tuple[str, ...] = ()  # what this model's mined tables leave out, and why


def models(con: duckdb.DuckDBPyConnection) -> list[str]:
    return DuckDBSource(con).models()


def mine(
    con: duckdb.DuckDBPyConnection,
    opts: MineOptions,
    model: str | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    source: Source | None = None,
) -> list[ModelRun]:
    """Mine `model` (default: every model) into the mined_* tables of `con`, reading the requests from
    `source` (default: `con`'s own requests table; warehouse/spark.py: a Parquet lake on Spark)."""
    src = source or DuckDBSource(con)
    names = src.models()
    if model is not None and model not in names:
        raise WarehouseError(f"no requests for model {model!r}; models here: {', '.join(names) or 'none'}")
    return [mine_model(con, m, opts, force=force, progress=progress, source=src) for m in ([model] if model else names)]


def mine_model(
    con: duckdb.DuckDBPyConnection,
    model: str,
    opts: MineOptions,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    source: Source | None = None,
) -> ModelRun:
    src = source or DuckDBSource(con)
    scope = src.query("mine_scope", opts.scope_params(model)).row(0, named=True)
    requests = scope["requests"]
    if requests == 0:
        return ModelRun(model=model, status="empty", requests=0)
    has_latency, has_prefix = scope["with_latency"] > 0, scope["with_prefix"] > 0
    notes = _notes(scope)
    fingerprint = (
        f"{requests}:{scope['latest_ingest_run_id']}:{hashlib.sha256(opts.to_json().encode()).hexdigest()[:16]}"
    )
    done = fetch_one(
        con, "SELECT data_fingerprint FROM mine_runs WHERE model = $m ORDER BY mine_run_id DESC LIMIT 1", {"m": model}
    )
    result = ModelRun(
        model=model, status="mined", requests=requests, has_latency=has_latency, has_prefix=has_prefix, notes=notes
    )
    if done and done[0] == fingerprint and not force:
        return ModelRun(**{**_fields(result), "status": "unchanged"})
    con.execute("BEGIN TRANSACTION")
    try:
        _steps(con, src, model, opts, scope, fingerprint, progress or (lambda _: None))
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise WarehouseError(f"mining {model} failed ({exc}); the warehouse is unchanged") from exc
        raise
    return result


def _notes(scope: dict) -> tuple[str, ...]:
    missing, runs = scope["without_arrivals"], scope["runs_without_arrivals"]
    if not missing:
        return ()
    return (
        f"concurrency: {missing:,} requests of {runs} ingested run{'s' * (runs > 1)} without arrival times "
        "left out (every one arrives at --start: its in-flight count would be the whole run at once)",
    )


def _fields(run: ModelRun) -> dict:
    return {name: getattr(run, name) for name in ModelRun.__slots__}


def _steps(
    con, src: Source, model: str, opts: MineOptions, scope: dict, fingerprint: str, say: Callable[[str], None]
) -> None:
    clear_model(con, model)
    say(f"{model}: scope rows")
    with src.scope_rows(opts.scope_params(model), scope):
        _mine_steps(con, src, model, opts, scope, fingerprint, say)


def _mine_steps(
    con, src: Source, model: str, opts: MineOptions, scope: dict, fingerprint: str, say: Callable[[str], None]
) -> None:
    say(f"{model}: regimes")
    regimes = mine_regimes(con, src, model, opts)
    say(f"{model}: traffic and lengths")
    mine_traffic(con, src, model, opts, regimes)
    if scope["with_latency"]:
        say(f"{model}: concurrency and latency")
        mine_concurrency(con, src, model, opts, scope["min_sample_rate"])
        mine_latency(con, src, model, opts)
    say(f"{model}: errors")
    mine_errors(con, src, model, opts)
    if scope["with_prefix"]:
        say(f"{model}: prefix cache")
        mine_prefix(con, src, model, opts, scope["prefix_block_tokens"])
    say(f"{model}: tenants")
    mine_tenants(con, src, model, opts)
    con.execute(  # first/last arrival: mine_scope.sql's, over the same rows as tf_scope_rows
        "INSERT INTO mine_runs VALUES (nextval('mine_run_seq'), $model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ, "
        "$first::TIMESTAMPTZ, $last::TIMESTAMPTZ, "
        "$requests, $fp, $params, $k, $criterion, $silhouette, $latency, now())",
        {
            **opts.scope_params(model),
            "first": scope["first_arrival_ts"],
            "last": scope["last_arrival_ts"],
            "requests": scope["requests"],
            "fp": fingerprint,
            "params": opts.to_json(),
            "k": regimes.k,
            "criterion": f"{regimes.criterion}; pooling {regimes.pooling}",
            "silhouette": regimes.silhouette,
            "latency": scope["with_latency"] > 0,
        },
    )
