"""Mining steps about how the service coped: concurrency, latency drift, errors, prefixes, tenants."""

import duckdb
import polars as pl

from warehouse.mine.drift import daily_change_points, spearman_from_counts, ttft_slopes
from warehouse.mine.options import MineOptions
from warehouse.mine.prefix import simulate
from warehouse.mine.store import Source, insert
from warehouse.mine.tenants import flag_outliers


def mine_concurrency(
    con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions, sample_rate: float
) -> None:
    samples = src.query("mine_concurrency", {**opts.scope_params(model), "step_s": opts.concurrency_step_s})
    minutes = samples.group_by(pl.col("sample_ts").dt.truncate("1m").alias("minute_ts"), maintain_order=True).agg(
        in_flight_requests_mean=pl.col("in_flight_requests").mean(),
        in_flight_requests_max=pl.col("in_flight_requests").max(),
        in_flight_kv_tokens_mean=pl.col("in_flight_kv_tokens").mean(),
        in_flight_kv_tokens_max=pl.col("in_flight_kv_tokens").max(),
    )
    insert(con, "mined_concurrency", model, minutes)
    windows = pl.concat(
        [
            _window_stats(samples.with_columns(regime_id=pl.lit(None, pl.Int32)), sample_rate),
            _window_stats(samples.filter(pl.col("regime_id").is_not_null()), sample_rate),
        ]
    )
    insert(con, "mined_concurrency_windows", model, windows)


def _window_stats(samples: pl.DataFrame, sample_rate: float) -> pl.DataFrame:
    def q(col: str, p: float) -> pl.Expr:
        return pl.col(col).cast(pl.Float64).quantile(p, interpolation="linear").alias(f"{col}_p{round(p * 100)}")

    return (
        samples.group_by("regime_id", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("samples"),
            q("in_flight_requests", 0.5),
            q("in_flight_requests", 0.95),
            pl.col("in_flight_requests").max().cast(pl.Float64).alias("in_flight_requests_max"),
            q("in_flight_kv_tokens", 0.5),
            q("in_flight_kv_tokens", 0.95),
            pl.col("in_flight_kv_tokens").max().alias("in_flight_kv_tokens_max"),
        )
        .with_columns(pl.col("regime_id").cast(pl.Int32), sample_rate=pl.lit(sample_rate))
    )


def mine_latency(con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions) -> None:
    params = opts.scope_params(model)
    daily = src.query("mine_latency_daily", params)
    daily = daily.select(
        "day",
        "requests_ok",
        *[pl.col("tq").list.get(i).alias(f"ttft_ms_p{p}") for i, p in enumerate((50, 95, 99))],
        *[pl.col("pq").list.get(i).alias(f"tpot_ms_p{p}") for i, p in enumerate((50, 95))],
    )
    slopes = ttft_slopes(src.query("mine_ttft_by_prompt", {**params, "bucket_tokens": opts.ttft_bucket_tokens}))
    daily = daily.join(slopes, on="day", how="left")
    insert(con, "mined_latency_daily", model, daily)
    insert(con, "mined_change_points", model, daily_change_points(daily, model).drop("model"))
    insert(con, "mined_itl_position", model, src.query("mine_itl_position", params))


def mine_errors(con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions) -> None:
    params = opts.scope_params(model)
    insert(con, "mined_errors", model, src.query("mine_errors", params))
    minutes = con.sql(
        "SELECT rps, non_ok / requests AS non_ok_share FROM mined_minutes WHERE model = $model AND requests > 0",
        params={"model": model},
    ).pl()
    by_prompt = src.query("mine_errors_by_prompt", params)
    rho_load = None
    if minutes.height > 2 and minutes["rps"].std() > 0 and minutes["non_ok_share"].std() > 0:
        rho_load = minutes.select(pl.corr("rps", "non_ok_share", method="spearman")).item()
    rho_prompt = spearman_from_counts(
        by_prompt["prompt_tokens"].to_numpy(), by_prompt["requests"].to_numpy(), by_prompt["non_ok"].to_numpy()
    )
    insert(
        con,
        "mined_error_correlations",
        model,
        pl.DataFrame(
            {
                "versus": ["rps", "prompt_tokens"],
                "spearman_rho": [rho_load, rho_prompt],
                "samples": [minutes.height, int(by_prompt["requests"].sum())],
            },
            schema={"versus": pl.String, "spearman_rho": pl.Float64, "samples": pl.Int64},
        ),
    )


def mine_prefix(
    con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions, block_tokens: int | None
) -> None:
    blocks = src.query("mine_prefix_blocks", opts.scope_params(model))
    replay = list(zip(blocks["regime_id"].to_list(), blocks["prefix_block_ids"].to_list(), strict=True))
    rows = [
        {
            "regime_id": h.window,
            "cache_blocks": h.cache_blocks,
            "cache_tokens": h.cache_blocks * block_tokens if block_tokens else None,
            "lookup_blocks": h.lookup_blocks,
            "hit_blocks": h.hit_blocks,
            "hit_rate": h.hit_rate,
        }
        for n in opts.cache_blocks
        for h in simulate(replay, n)
    ]
    insert(
        con,
        "mined_prefix",
        model,
        pl.DataFrame(
            rows,
            schema={
                "regime_id": pl.Int32,
                "cache_blocks": pl.Int64,
                "cache_tokens": pl.Int64,
                "lookup_blocks": pl.Int64,
                "hit_blocks": pl.Int64,
                "hit_rate": pl.Float64,
            },
        ),
    )


def mine_tenants(con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions) -> None:
    peak = con.sql(
        "SELECT regime_id FROM mined_regimes WHERE model = $model ORDER BY rps_mean_real DESC LIMIT 1",
        params={"model": model},
    ).fetchall()
    tenants = src.query("mine_tenants", {**opts.scope_params(model), "peak_regime_id": peak[0][0] if peak else None})
    insert(
        con, "mined_tenants", model, flag_outliers(tenants, z_min=opts.outlier_z, min_requests=opts.tenant_min_requests)
    )
