"""Recommendation charts: pure functions of the frames dashboards.plan reads from a plan."""

import altair as alt
import polars as pl

from dashboards.charts import FACET_WIDTH, WEEKDAYS, WIDTH


def replica_schedule(cells: pl.DataFrame) -> alt.Chart:
    """Replicas per hour of week (UTC), coloured by count, labelled by window (plan.schedule)."""
    return (
        alt.Chart(
            cells.select("weekday", "hour", "window_label", "replicas", "gpus"), title="Replica schedule over the week"
        )
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="hour of day (UTC)"),
            y=alt.Y("weekday:O", sort=WEEKDAYS, title=None),
            color=alt.Color("replicas:Q", title="replicas", scale=alt.Scale(scheme="blues")),
            tooltip=["weekday:N", "hour:O", "window_label:N", "replicas:Q", "gpus:Q"],
        )
        .properties(width=WIDTH, height=alt.Step(22))
    )


def latency_cost_pareto(points: pl.DataFrame) -> alt.FacetChart:
    """Predicted TTFT p95 vs $/hour of the chosen config and its alternatives, per window (plan.pareto)."""
    return (
        alt.Chart(points.select("window_label", "usd_per_hour", "ttft_ms_p95", "chosen"))
        .mark_point(filled=True)
        .encode(
            x=alt.X("usd_per_hour:Q", title="USD / hour"),
            y=alt.Y("ttft_ms_p95:Q", title="TTFT p95 (ms)"),
            color=alt.condition(alt.datum.chosen, alt.value("#d62728"), alt.value("#4c78a8")),
            size=alt.condition(alt.datum.chosen, alt.value(120), alt.value(40)),
            tooltip=[
                "window_label:N",
                alt.Tooltip("usd_per_hour:Q", format=".2f"),
                alt.Tooltip("ttft_ms_p95:Q", format=".0f"),
                "chosen:N",
            ],
        )
        .properties(width=FACET_WIDTH, height=200)
        .facet(
            facet=alt.Facet("window_label:N", title=None),
            columns=3,
            title="Latency–cost trade-off per window (red: chosen)",
        )
    )


def roofline(line: pl.DataFrame, points: pl.DataFrame) -> alt.LayerChart:
    """Attainable TFLOP/s vs arithmetic intensity with decode/prefill operating points (plan.roofline)."""
    x = alt.X("ops_per_byte:Q", title="arithmetic intensity (FLOP / HBM byte)", scale=alt.Scale(type="log", base=2))
    y = alt.Y("tflops:Q", title="attainable TFLOP/s", scale=alt.Scale(type="log", base=2))
    roof = (
        alt.Chart(line.select("ops_per_byte", "tflops", "dtype", "gpu"))
        .mark_line(color="#333")
        .encode(
            x=x,
            y=y,
            strokeDash=alt.StrokeDash("dtype:N", title="roof (GEMM dtype)"),
            tooltip=["gpu:N", "dtype:N", "ops_per_byte:Q", alt.Tooltip("tflops:Q", format=".0f")],
        )
    )
    ops = (
        alt.Chart(points.select("window_label", "phase", "ops_per_byte", "tflops"))
        .mark_point(filled=True, size=90)
        .encode(
            x=x,
            y=y,
            color=alt.Color("window_label:N", title="window"),
            shape=alt.Shape("phase:N"),
            tooltip=[
                "window_label:N",
                "phase:N",
                alt.Tooltip("ops_per_byte:Q", format=".0f"),
                alt.Tooltip("tflops:Q", format=".0f"),
            ],
        )
    )
    gpu = line["gpu"][0] if line.height else ""
    return alt.layer(roof, ops).properties(width=WIDTH, height=280, title=f"Roofline: {gpu}")
