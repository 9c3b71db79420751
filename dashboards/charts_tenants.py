"""Prefix-reuse and tenant charts: pure functions of the dash_*.sql frames -> alt.Chart."""

import altair as alt
import polars as pl

from dashboards.charts import WIDTH, utc_day


def prefix_reuse_daily(prefix: pl.DataFrame) -> alt.Chart:
    """Share of prefix blocks seen earlier the same day, per model (dash_prefix_daily)."""
    frame = prefix.select("model", "day", "lookup_blocks", "reuse_share").with_columns(pl.col("day").cast(pl.String))
    return (
        alt.Chart(frame, title="Prefix reuse per day (infinite-cache upper bound)")
        .mark_line(point=True)
        .encode(
            x=utc_day(),
            y=alt.Y(
                "reuse_share:Q",
                title="blocks already seen that day",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color="model:N",
            tooltip=["model:N", "day:T", "lookup_blocks:Q", alt.Tooltip("reuse_share:Q", format=".1%")],
        )
        .properties(width=WIDTH, height=220)
    )


def prefix_lru(lru: pl.DataFrame) -> alt.Chart:
    """LRU prefix-cache hit rate by cache size, per model (dash_prefix_lru, from `tracefit mine`)."""
    return (
        alt.Chart(lru.select("model", "cache_blocks", "hit_rate"), title="Prefix-cache hit rate by cache size (LRU)")
        .mark_line(point=True)
        .encode(
            x=alt.X("cache_blocks:Q", title="cache size (blocks)", scale=alt.Scale(type="log", base=2)),
            y=alt.Y("hit_rate:Q", title="hit rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color="model:N",
            tooltip=["model:N", "cache_blocks:Q", alt.Tooltip("hit_rate:Q", format=".1%")],
        )
        .properties(width=WIDTH, height=220)
    )


def top_tenants(tenants: pl.DataFrame, n: int = 15) -> alt.Chart:
    """Tokens (prompt + output) of the n busiest tenants, stacked by model (dash_tenants)."""
    frame = tenants.select(
        "model", "tenant", "requests", (pl.col("prompt_tokens") + pl.col("output_tokens")).alias("tokens")
    )
    busiest = frame.group_by("tenant").agg(pl.col("tokens").sum()).sort("tokens", descending=True).head(n)
    frame = frame.filter(pl.col("tenant").is_in(busiest["tenant"].implode()))
    return (
        alt.Chart(frame, title=f"Busiest {n} tenants by tokens")
        .mark_bar()
        .encode(
            y=alt.Y("tenant:N", sort=busiest["tenant"].to_list(), title=None),
            x=alt.X("tokens:Q", title="prompt + output tokens"),
            color="model:N",
            tooltip=["tenant:N", "model:N", "requests:Q", alt.Tooltip("tokens:Q", format=",.0f")],
        )
        .properties(width=WIDTH, height=alt.Step(18))
    )


def tenant_outliers(tenants: pl.DataFrame) -> alt.Chart:
    """Requests vs p99 prompt length per model and tenant; mined outliers in red (dash_tenants)."""
    frame = tenants.select(
        "model", "tenant", "requests", "prompt_tokens_p99", pl.col("outlier").fill_null("—").alias("outlier")
    )
    return (
        alt.Chart(frame, title="Tenants: volume vs long prompts")
        .mark_point(filled=True, size=60)
        .encode(
            x=alt.X("requests:Q", title="requests", scale=alt.Scale(type="log")),
            y=alt.Y("prompt_tokens_p99:Q", title="prompt tokens p99", scale=alt.Scale(type="log")),
            shape=alt.Shape("model:N"),
            color=alt.condition(alt.datum.outlier != "—", alt.value("#d62728"), alt.value("#4c78a8")),
            tooltip=[
                "tenant:N",
                "model:N",
                "requests:Q",
                alt.Tooltip("prompt_tokens_p99:Q", format=",.0f"),
                "outlier:N",
            ],
        )
        .properties(width=WIDTH, height=260)
    )
