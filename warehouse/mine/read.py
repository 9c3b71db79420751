"""Read mined results back: frozen dataclasses and frames for the recommender and dashboards."""

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.db import WarehouseError

QUANTILE_KEYS = ("count", "mean", "min", "p25", "p50", "p75", "p90", "p95", "p99", "p999", "max")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantiles:
    count: int
    mean: float
    min: float
    p25: float
    p50: float
    p75: float
    p90: float
    p95: float
    p99: float
    p999: float
    max: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MinedWindow:
    """One seasonal regime of one model, with what a config search needs to size for it."""

    model: str
    regime_id: int
    label: str  # e.g. "weekdays 07–23; weekends 11–19"
    cells: tuple[int, ...]  # hour-of-week cells (0 = Mon 00 UTC)
    hours_per_week: int
    request_share: float
    rps_mean_real: float
    rps_p50_real: float
    rps_peak_real: float
    tokens_per_s_mean_real: float
    interarrival_cv: float | None
    peak_over_mean: float | None
    prompt_tokens: Quantiles | None
    output_tokens: Quantiles | None
    ttft_ms: Quantiles | None  # status ok; None without latencies
    tpot_ms: Quantiles | None
    pattern_shares: dict[str, float]  # long_short | long_long | short_long | short_short -> 0..1
    prefix_hit_rate: dict[int, float | None]  # cache_blocks -> hit rate; empty without prefix ids


def quantiles(con: duckdb.DuckDBPyConnection, model: str, regime_id: int | None = None) -> dict[str, Quantiles | None]:
    """metric -> Quantiles (None when the metric has no values) for the whole range or one regime."""
    rows = con.sql(
        "SELECT * FROM mined_quantiles WHERE model = $m AND regime_id IS NOT DISTINCT FROM $r",
        params={"m": model, "r": regime_id},
    ).pl()
    return {
        row["metric"]: (Quantiles(**{k: row[k] for k in QUANTILE_KEYS}) if row["count"] else None)
        for row in rows.iter_rows(named=True)
    }


def load_windows(con: duckdb.DuckDBPyConnection, model: str) -> list[MinedWindow]:
    """The model's regimes in id order (0 = quietest); raises when the model was never mined."""
    regimes = con.sql("SELECT * FROM mined_regimes WHERE model = $m ORDER BY regime_id", params={"m": model}).pl()
    if regimes.is_empty():
        raise WarehouseError(f"model {model!r} has not been mined; run `tracefit mine --model {model}`")
    patterns = con.sql(
        "SELECT regime_id, pattern, share FROM mined_patterns WHERE model = $m", params={"m": model}
    ).pl()
    prefix = con.sql(
        "SELECT regime_id, cache_blocks, hit_rate FROM mined_prefix WHERE model = $m", params={"m": model}
    ).pl()
    out = []
    for row in regimes.iter_rows(named=True):
        r = row["regime_id"]
        q = quantiles(con, model, r)
        mine = patterns.filter(pl.col("regime_id") == r)
        hits = prefix.filter(pl.col("regime_id") == r)
        out.append(
            MinedWindow(
                model=model,
                regime_id=r,
                label=row["label"],
                cells=tuple(row["cells"]),
                hours_per_week=row["hours_per_week"],
                request_share=row["request_share"],
                rps_mean_real=row["rps_mean_real"],
                rps_p50_real=row["rps_p50_real"],
                rps_peak_real=row["rps_peak_real"],
                tokens_per_s_mean_real=row["tokens_per_s_mean_real"],
                interarrival_cv=row["interarrival_cv"],
                peak_over_mean=row["peak_over_mean"],
                prompt_tokens=q.get("prompt_tokens"),
                output_tokens=q.get("output_tokens"),
                ttft_ms=q.get("ttft_ms"),
                tpot_ms=q.get("tpot_ms"),
                pattern_shares=dict(zip(mine["pattern"], mine["share"], strict=True)),
                prefix_hit_rate=dict(zip(hits["cache_blocks"], hits["hit_rate"], strict=True)),
            )
        )
    return out


def load_table(con: duckdb.DuckDBPyConnection, table: str, model: str) -> pl.DataFrame:
    """One mined_* table's rows for `model` as a polars frame (via Arrow)."""
    from warehouse.mine.store import MINED_TABLES

    if table not in MINED_TABLES:
        raise WarehouseError(f"{table!r} is not a mined table; one of: {', '.join(MINED_TABLES)}")
    return con.sql(f"SELECT * FROM {table} WHERE model = $m", params={"m": model}).pl()
