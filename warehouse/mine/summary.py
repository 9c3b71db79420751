"""The `tracefit mine --json` object, read back from the mined tables."""

from dataclasses import asdict

import duckdb
import polars as pl

from warehouse.mine.read import load_table, quantiles

LENGTHS = ("prompt_tokens", "output_tokens", "total_tokens")
LATENCIES = ("ttft_ms", "tpot_ms", "e2e_ms")


def summarize(con: duckdb.DuckDBPyConnection, models: list[str]) -> dict:
    out = {
        "models": models,
        "lengths": {},
        "latency": {},
        "errors": {},
        "regimes": [],
        "drift": [],
        "change_points": [],
        "prefix": {},
        "tenants": [],
        "concurrency": {},
        "patterns": {},
        "runs": [],
    }
    for model in models:
        q = {k: (asdict(v) if v else None) for k, v in quantiles(con, model).items()}
        out["lengths"][model] = {k: q.get(k) for k in LENGTHS}
        latency = {k: q.get(k) for k in LATENCIES}
        out["latency"][model] = latency if any(latency.values()) else None
        out["errors"][model] = {
            "windows": _rows(load_table(con, "mined_errors", model)),
            "correlations": _rows(load_table(con, "mined_error_correlations", model)),
        }
        out["regimes"] += _rows(load_table(con, "mined_regimes", model).sort("regime_id"), keep_model=True)
        out["drift"] += _rows(load_table(con, "mined_latency_daily", model).sort("day"), keep_model=True)
        out["change_points"] += _rows(load_table(con, "mined_change_points", model), keep_model=True)
        prefix = load_table(con, "mined_prefix", model)
        out["prefix"][model] = _rows(prefix) if prefix.height else None
        tenants = load_table(con, "mined_tenants", model).sort("requests", descending=True)
        out["tenants"] += _rows(
            tenants.filter(pl.col("outlier").is_not_null() | (pl.int_range(pl.len()) < 10)), keep_model=True
        )
        windows = load_table(con, "mined_concurrency_windows", model)
        out["concurrency"][model] = (
            _rows(windows)
            if windows.height
            else {
                "available": False,
                "reason": "no requests with ttft_ms/e2e_ms and arrival times: concurrency not reconstructed",
            }
        )
        out["patterns"][model] = _rows(load_table(con, "mined_patterns", model))
        out["runs"] += _rows(
            con.sql(
                "SELECT * EXCLUDE (params) FROM mine_runs WHERE model = $m ORDER BY mine_run_id DESC LIMIT 1",
                params={"m": model},
            ).pl()
        )
    return out


def _rows(frame: pl.DataFrame, keep_model: bool = False) -> list[dict]:
    return (frame if keep_model else frame.drop("model", strict=False)).to_dicts()
