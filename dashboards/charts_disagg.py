"""Disaggregation chart: a pure function of dashboards.plan_disagg.costs."""

import altair as alt
import polars as pl

from dashboards.charts import WIDTH


def split_cost(frame: pl.DataFrame) -> alt.Chart:
    """USD/hour of the best aggregated config and the best split per window; the one that runs is solid."""
    return (
        alt.Chart(frame, title="Aggregated vs disaggregated cost per window (solid: runs)")
        .mark_bar()
        .encode(
            y=alt.Y("window_label:N", title=None, sort=None),
            yOffset=alt.YOffset("deployment:N"),
            x=alt.X("usd_per_hour:Q", title="USD / hour (planned peak)"),
            color=alt.Color(
                "deployment:N",
                title=None,
                scale=alt.Scale(domain=["aggregated", "disaggregated"], range=["#4c78a8", "#f58518"]),
            ),
            opacity=alt.condition(alt.datum.chosen, alt.value(1.0), alt.value(0.35)),
            tooltip=[
                "window_label:N",
                "deployment:N",
                alt.Tooltip("usd_per_hour:Q", format=",.2f"),
                "gpus:Q",
                "chosen:N",
                "meets_slo:N",
            ],
        )
        .properties(width=WIDTH, height=alt.Step(18))
    )
