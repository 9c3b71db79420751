"""Latency and concurrency charts: pure functions of the dash_*.sql frames -> alt.Chart."""

import altair as alt
import polars as pl

from dashboards.charts import FACET_WIDTH, WIDTH, utc_day, utc_time


def ttft_fit_lines(sample: pl.DataFrame, daily: pl.DataFrame) -> pl.DataFrame:
    """Each day's fitted TTFT line at powers of two from 16 tokens to the model's largest sampled prompt
    (enough points to draw it as a curve on log axes).

    ttft_ms = ttft_ms_at_zero_prompt + ttft_ms_per_1k_prompt_tokens * prompt_tokens / 1000.
    """
    reach = sample.group_by("model").agg(pl.col("prompt_tokens").max().alias("prompt_max"))
    fits = daily.drop_nulls("ttft_ms_per_1k_prompt_tokens").join(reach, on="model")
    grid = pl.DataFrame({"prompt_tokens": [2**k for k in range(4, 21)]})
    ends = fits.join(grid, how="cross").filter(pl.col("prompt_tokens") < pl.col("prompt_max"))
    ends = pl.concat(
        [ends, fits.with_columns(pl.col("prompt_max").cast(pl.Int64).alias("prompt_tokens"))], how="diagonal_relaxed"
    )
    return (
        ends.select(
            "model",
            "day",
            "prompt_tokens",
            (
                pl.col("ttft_ms_at_zero_prompt")
                + pl.col("ttft_ms_per_1k_prompt_tokens") * pl.col("prompt_tokens") / 1000
            ).alias("ttft_ms"),
            "ttft_ms_per_1k_prompt_tokens",
        )
        .filter(pl.col("ttft_ms") > 0)
        .sort("model", "day", "prompt_tokens")
    )


def ttft_scatter(sample: pl.DataFrame, daily: pl.DataFrame) -> alt.FacetChart:
    """Sampled TTFT vs prompt length per model, coloured by day, with each day's fitted line."""
    points = sample.select("model", "day", "prompt_tokens", "ttft_ms").with_columns(kind=pl.lit("sample"))
    lines = ttft_fit_lines(sample, daily).with_columns(kind=pl.lit("fit"))
    frame = pl.concat([points, lines], how="diagonal_relaxed").with_columns(pl.col("day").cast(pl.String))
    day = alt.Color("day:O", title="day (UTC)", scale=alt.Scale(scheme="viridis"))
    dots = (
        alt.Chart()
        .transform_filter(alt.datum.kind == "sample")
        .mark_circle(size=14, opacity=0.55)
        .encode(
            x=alt.X(
                "prompt_tokens:Q",
                title="prompt tokens",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~s", tickCount=5),
            ),
            y=alt.Y("ttft_ms:Q", title="TTFT (ms)", scale=alt.Scale(type="log")),
            color=day,
            tooltip=["day:O", "prompt_tokens:Q", alt.Tooltip("ttft_ms:Q", format=".0f")],
        )
    )
    fit = (
        alt.Chart()
        .transform_filter(alt.datum.kind == "fit")
        .mark_line(strokeWidth=2)
        .encode(
            x="prompt_tokens:Q",
            y="ttft_ms:Q",
            color=day,
            detail="day:O",
            tooltip=[
                "day:O",
                alt.Tooltip("ttft_ms_per_1k_prompt_tokens:Q", format=".1f", title="ms per 1k prompt tokens"),
            ],
        )
    )
    return (
        alt.layer(dots, fit, data=frame)
        .properties(width=FACET_WIDTH, height=FACET_WIDTH)
        .facet(
            column=alt.Column("model:N", title=None),
            title="TTFT vs prompt length (sample) with the fitted slope per day",
        )
    )


def e2e_boxes(windows: pl.DataFrame) -> alt.FacetChart:
    """End-to-end latency p5/p25/p50/p75/p95 per window, one panel per model (dash_e2e_windows)."""
    frame = windows.select(
        "model",
        "window_label",
        "window_order",
        "requests",
        "e2e_ms_p05",
        "e2e_ms_p25",
        "e2e_ms_p50",
        "e2e_ms_p75",
        "e2e_ms_p95",
    )
    x = alt.X(
        "window_label:N",
        title=None,
        sort=alt.EncodingSortField("window_order"),
        axis=alt.Axis(labelAngle=-30, labelLimit=160),
    )
    tip = ["window_label:N", "requests:Q"] + [
        alt.Tooltip(f"e2e_ms_{q}:Q", format=".0f") for q in ("p05", "p25", "p50", "p75", "p95")
    ]
    whisker = (
        alt.Chart()
        .mark_rule()
        .encode(x=x, y=alt.Y("e2e_ms_p05:Q", title="end-to-end latency (ms)"), y2="e2e_ms_p95:Q", tooltip=tip)
    )
    box = alt.Chart().mark_bar(size=18, color="#4c78a8").encode(x=x, y="e2e_ms_p25:Q", y2="e2e_ms_p75:Q", tooltip=tip)
    median = alt.Chart().mark_tick(color="white", size=18, thickness=2).encode(x=x, y="e2e_ms_p50:Q")
    return (
        alt.layer(whisker, box, median, data=frame)
        .properties(width=FACET_WIDTH, height=220)
        .facet(
            column=alt.Column("model:N", title=None),
            title="Time to completion per window (box p25–p75, line p50, whiskers p5–p95)",
        )
    )


def itl_by_position(itl: pl.DataFrame) -> alt.Chart:
    """Inter-token latency p50/p95/p99 by output-token position (log2 buckets; dash_itl_position)."""
    frame = itl.select("model", "token_index_lo", "samples", "itl_ms_p50", "itl_ms_p95", "itl_ms_p99")
    return (
        alt.Chart(frame, title="Inter-token latency by token position")
        .transform_fold(["itl_ms_p50", "itl_ms_p95", "itl_ms_p99"], as_=["quantile", "itl_ms"])
        .mark_line(point=True)
        .encode(
            x=alt.X("token_index_lo:Q", title="output token position", scale=alt.Scale(type="log", base=2)),
            y=alt.Y("itl_ms:Q", title="inter-token latency (ms)"),
            color=alt.Color("model:N"),
            strokeDash=alt.StrokeDash("quantile:N"),
            tooltip=["model:N", "quantile:N", "token_index_lo:Q", "samples:Q", alt.Tooltip("itl_ms:Q", format=".1f")],
        )
        .properties(width=WIDTH, height=240)
    )


def latency_drift(daily: pl.DataFrame, change_points: pl.DataFrame) -> alt.LayerChart:
    """Daily TTFT p50/p95 per model with mined change points marked (dash_latency_daily, dash_change_points)."""
    frame = daily.select("model", "day", "ttft_ms_p50", "ttft_ms_p95").with_columns(pl.col("day").cast(pl.String))
    lines = (
        alt.Chart(frame)
        .transform_fold(["ttft_ms_p50", "ttft_ms_p95"], as_=["quantile", "ttft_ms"])
        .mark_line(point=True)
        .encode(
            x=utc_day(),
            y=alt.Y("ttft_ms:Q", title="TTFT (ms)"),
            color="model:N",
            strokeDash=alt.StrokeDash("quantile:N"),
            tooltip=["model:N", "day:T", "quantile:N", alt.Tooltip("ttft_ms:Q", format=".0f")],
        )
    )
    layers = [lines]
    if change_points.height:
        marks = change_points.select("model", "metric", "day", "kind", "ratio").with_columns(
            pl.col("day").cast(pl.String)
        )
        layers.append(
            alt.Chart(marks)
            .mark_rule(color="#d62728", strokeWidth=2, strokeDash=[6, 3])
            .encode(x="day:T", tooltip=["model:N", "metric:N", "kind:N", alt.Tooltip("ratio:Q", format=".2f")])
        )
    return alt.layer(*layers).properties(width=WIDTH, height=240, title="Latency drift per day (red: change points)")


def in_flight(
    concurrency: pl.DataFrame,
    capacity: pl.DataFrame | None = None,
    *,
    field: str = "in_flight_requests_mean",
    title: str = "in-flight requests",
) -> alt.LayerChart:
    """Mean in-flight requests (or KV tokens) per bucket and model, against a capacity per window.

    capacity: optional frame (window_label, value) drawn as labelled horizontal rules.
    """
    frame = concurrency.select("model", "bucket_ts", field)
    line = (
        alt.Chart(frame)
        .mark_line(strokeWidth=1)
        .encode(
            x=utc_time("bucket_ts"),
            y=alt.Y(f"{field}:Q", title=title),
            color="model:N",
            tooltip=["model:N", alt.Tooltip(f"{field}:Q", format=",.1f")],
        )
    )
    layers = [line]
    if capacity is not None and capacity.height:
        rules = alt.Chart(capacity.select("window_label", "value")).encode(y="value:Q")
        layers += [
            rules.mark_rule(color="#d62728", strokeDash=[6, 3]).encode(
                tooltip=["window_label:N", alt.Tooltip("value:Q", format=",.0f", title="capacity")]
            ),
            rules.mark_text(align="left", dx=4, dy=-6, color="#d62728").encode(x=alt.value(0), text="window_label:N"),
        ]
    return alt.layer(*layers).properties(width=WIDTH, height=240, title=f"{title[0].upper()}{title[1:]} over time")
