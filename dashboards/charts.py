"""Overview, lengths and seasonality charts: each a pure function of a polars frame -> alt.Chart.

Frames are the dash_*.sql results (columns and units in each query's header); charts never
aggregate raw requests, they only draw what DuckDB aggregated.
"""

import altair as alt
import polars as pl

WIDTH = 640  # px, a single chart across the page
FACET_WIDTH = 260  # px, one facet panel
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
PATTERNS = ["short_short", "short_long", "long_short", "long_long"]


def utc_time(field: str, title: str = "time (UTC)") -> alt.X:
    return alt.X(f"{field}:T", title=title, axis=alt.Axis(format="%a %d %b", labelAngle=0), scale=alt.Scale(type="utc"))


def utc_day(field: str = "day") -> alt.X:
    """A UTC calendar-day axis with one tick per day (DATE columns arrive as ISO strings)."""
    return alt.X(
        f"{field}:T",
        title="day (UTC)",
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%a %d %b", tickCount={"interval": "day", "step": 1}, labelAngle=0),
    )


def requests_over_time(hourly: pl.DataFrame) -> alt.Chart:
    """Requests per UTC hour, one line per model (dash_overview_hourly)."""
    return (
        alt.Chart(hourly.select("hour_ts", "model", "requests"), title="Requests per hour")
        .mark_line(interpolate="step-after")
        .encode(
            x=utc_time("hour_ts"),
            y=alt.Y("requests:Q", title="requests / hour"),
            color=alt.Color("model:N", title="model"),
            tooltip=["model:N", alt.Tooltip("utcyearmonthdatehours(hour_ts):T", title="hour (UTC)"), "requests:Q"],
        )
        .properties(width=WIDTH, height=220)
    )


def tokens_over_time(hourly: pl.DataFrame) -> alt.Chart:
    """Prompt and output tokens per UTC hour, all models stacked (dash_overview_hourly)."""
    frame = hourly.select("hour_ts", "prompt_tokens", "output_tokens")
    return (
        alt.Chart(frame, title="Tokens per hour (all models)")
        .transform_fold(["prompt_tokens", "output_tokens"], as_=["kind", "tokens"])
        .mark_area(interpolate="step-after", opacity=0.85)
        .encode(
            x=utc_time("hour_ts"),
            y=alt.Y("sum(tokens):Q", title="tokens / hour", stack=True),
            color=alt.Color("kind:N", title="tokens", sort=["prompt_tokens", "output_tokens"]),
            tooltip=["kind:N", alt.Tooltip("sum(tokens):Q", format=",.0f", title="tokens")],
        )
        .properties(width=WIDTH, height=220)
    )


def errors_over_time(hourly: pl.DataFrame) -> alt.Chart:
    """Share of requests with status other than ok per UTC hour and model (dash_overview_hourly)."""
    return (
        alt.Chart(
            hourly.select("hour_ts", "model", "non_ok", "non_ok_share"), title="Failed requests (status ≠ ok) per hour"
        )
        .mark_line(interpolate="step-after")
        .encode(
            x=utc_time("hour_ts"),
            y=alt.Y("non_ok_share:Q", title="share of requests", axis=alt.Axis(format="%")),
            color=alt.Color("model:N", title="model"),
            tooltip=["model:N", "non_ok:Q", alt.Tooltip("non_ok_share:Q", format=".2%")],
        )
        .properties(width=WIDTH, height=180)
    )


def length_heatmap(histogram: pl.DataFrame) -> alt.Chart:
    """Prompt × output log2 histogram, one panel per model (dash_length_histogram)."""
    frame = histogram.select("model", "prompt_tokens_lo", "output_tokens_lo", "requests")
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("prompt_tokens_lo:O", title="prompt tokens (log2 bin start)", sort="ascending"),
            y=alt.Y("output_tokens_lo:O", title="output tokens (log2 bin start)", sort="descending"),
            color=alt.Color("requests:Q", title="requests", scale=alt.Scale(type="log", scheme="viridis")),
            tooltip=[
                "model:N",
                alt.Tooltip("prompt_tokens_lo:Q", title="prompt ≥"),
                alt.Tooltip("output_tokens_lo:Q", title="output ≥"),
                "requests:Q",
            ],
        )
        .properties(width=FACET_WIDTH, height=FACET_WIDTH)
        .facet(column=alt.Column("model:N", title=None), title="Prompt × output length (requests per log2 cell)")
    )


def pattern_shares(patterns: pl.DataFrame) -> alt.Chart:
    """Share of the four long/short prompt × output patterns per model (dash_patterns)."""
    return (
        alt.Chart(
            patterns.select("model", "pattern", "requests", "share"),
            title="Query patterns (prompt_output: long or short)",
        )
        .mark_bar()
        .encode(
            y=alt.Y("model:N", title=None),
            x=alt.X("share:Q", title="share of requests", stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color("pattern:N", sort=PATTERNS, scale=alt.Scale(domain=PATTERNS, scheme="tableau10")),
            order=alt.Order("pattern:N"),
            tooltip=["model:N", "pattern:N", "requests:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=WIDTH, height=alt.Step(28))
    )


def hour_of_week_heatmap(cells: pl.DataFrame) -> alt.Chart:
    """Mean real requests/s per hour of day × weekday (UTC), one row per model (dash_hour_of_week)."""
    frame = cells.select("model", "weekday", "hour", "rps_real")
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="hour of day (UTC)"),
            y=alt.Y("weekday:O", sort=WEEKDAYS, title=None),
            color=alt.Color("rps_real:Q", title="requests/s", scale=alt.Scale(scheme="inferno", reverse=True)),
            tooltip=["model:N", "weekday:N", "hour:O", alt.Tooltip("rps_real:Q", format=".3f", title="requests/s")],
        )
        .properties(width=WIDTH, height=alt.Step(16))
        .facet(row=alt.Row("model:N", title=None), title="Requests per second by hour of week (real scale)")
    )


def regime_timeline(traffic: pl.DataFrame) -> alt.Chart:
    """Real requests/s per UTC hour coloured by mined regime, one row per model (dash_traffic_hourly)."""
    frame = traffic.select("hour_ts", "model", "rps_real", "regime")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=utc_time("hour_ts"),
            y=alt.Y("rps_real:Q", title="requests/s"),
            color=alt.Color("regime:N", title="regime"),
            tooltip=["model:N", "regime:N", alt.Tooltip("rps_real:Q", format=".3f")],
        )
        .properties(width=WIDTH, height=110)
        .facet(row=alt.Row("model:N", title=None), title="Traffic and regimes over time")
    )


def burstiness(bursts: pl.DataFrame) -> alt.HConcatChart:
    """Inter-arrival CV and peak-minute/mean rate per model and window (dash_burstiness)."""
    base = (
        alt.Chart(bursts.select("model", "window_label", "interarrival_cv", "peak_over_mean"))
        .transform_calculate(label="datum.model + ' · ' + datum.window_label")
        .encode(
            y=alt.Y("label:N", title=None),
            color=alt.Color("model:N", legend=None),
            tooltip=[
                "model:N",
                "window_label:N",
                alt.Tooltip("interarrival_cv:Q", format=".2f"),
                alt.Tooltip("peak_over_mean:Q", format=".1f"),
            ],
        )
    )
    cv = base.mark_bar().encode(x=alt.X("interarrival_cv:Q", title="inter-arrival CV (1 = Poisson)"))
    cv = cv + alt.Chart().mark_rule(strokeDash=[4, 3], color="#444").encode(x=alt.datum(1))
    peak = base.mark_bar().encode(x=alt.X("peak_over_mean:Q", title="busiest minute ÷ mean minute"))
    return alt.hconcat(cv.properties(width=280, title="Burstiness"), peak.properties(width=280))
