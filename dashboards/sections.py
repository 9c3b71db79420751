"""The site's sections: which chart each frame becomes, or the sentence saying why it cannot."""

from collections.abc import Callable

import polars as pl

from dashboards import charts, charts_latency, charts_tenants
from dashboards.data import SiteData
from dashboards.html import Figure, Page, Table, Tiles

NO_REQUESTS = "the warehouse holds no requests yet — run `tracefit ingest LOGS --db …` first"
NO_LATENCY = (
    "these logs carry no latencies (ttft_ms, tpot_ms and e2e_ms are empty); ingest logs "
    "with timings — e.g. gateway access logs or benchmark exports — to see this"
)
NOT_MINED = "run `tracefit mine --db …` to compute it"


def figure(name: str, title: str, frame: pl.DataFrame, build: Callable, why: str, caption: str = "") -> Figure:
    """The chart `build()` when `frame` has rows, else the reason there is none."""
    if frame.is_empty():
        return Figure(name=name, title=title, why=why, caption=caption)
    return Figure(name=name, title=title, chart=build(), caption=caption)


def _latency_why(data: SiteData, fallback: str) -> str:
    return NO_LATENCY if not data.totals.get("with_latency_share") else fallback


def overview(data: SiteData) -> Page:
    t, h = data.totals, data.hourly
    tiles = Tiles(
        items=[
            (f"{t.get('requests', 0):,}", "requests"),
            (f"{t.get('prompt_tokens', 0) + t.get('output_tokens', 0):,}", "tokens (prompt + output)"),
            (str(t.get("models", 0)), "models"),
            (str(t.get("tenants", 0)), "tenants"),
            (f"{t.get('non_ok_share', 0):.2%}", "failed (status ≠ ok)"),
            (f"{t.get('first_arrival') or '—'} → {t.get('last_arrival') or '—'}", "time span"),
        ]
    )
    errors = h.filter(pl.col("non_ok") > 0) if h.height else h
    runs = Table(
        title="Sources (ingest runs)", columns=list(data.provenance.runs.columns), rows=data.provenance.runs.to_dicts()
    )
    return Page(
        slug="overview",
        title="Overview",
        intro="Traffic as logged (not scaled by sample rate), per UTC hour.",
        blocks=[
            tiles,
            figure("requests_over_time", "Requests", h, lambda: charts.requests_over_time(h), NO_REQUESTS),
            figure("tokens_over_time", "Tokens", h, lambda: charts.tokens_over_time(h), NO_REQUESTS),
            figure(
                "errors_over_time",
                "Errors",
                errors,
                lambda: charts.errors_over_time(h),
                "no request failed: every logged status is ok" if h.height else NO_REQUESTS,
            ),
            runs,
        ],
    )


def lengths(data: SiteData) -> Page:
    q = data.length_quantiles
    table = Table(
        title="Length quantiles (tokens)",
        columns=list(q.columns),
        rows=q.to_dicts(),
        caption="quantile_cont over all requests of each model",
    )
    return Page(
        slug="lengths",
        title="Lengths",
        intro="How long prompts and outputs are, per model.",
        blocks=[
            figure(
                "length_heatmap",
                "Prompt × output",
                data.length_histogram,
                lambda: charts.length_heatmap(data.length_histogram),
                NO_REQUESTS,
                "log2 bins: a cell labelled 1024 holds lengths 1024–2047",
            ),
            table,
            figure(
                "pattern_shares",
                "Four query patterns",
                data.patterns,
                lambda: charts.pattern_shares(data.patterns),
                NO_REQUESTS,
                "long prompt: ≥ 1024 tokens; long output: ≥ 256 tokens",
            ),
        ],
    )


def seasonality(data: SiteData) -> Page:
    traffic = data.traffic_hourly
    mined = traffic.height and traffic.filter(pl.col("regime_id").is_not_null()).height
    return Page(
        slug="seasonality",
        title="Seasonality",
        intro="When traffic comes, scaled to real traffic (logged requests ÷ sample rate).",
        blocks=[
            figure(
                "hour_of_week",
                "Hour of week",
                data.hour_of_week,
                lambda: charts.hour_of_week_heatmap(data.hour_of_week),
                NO_REQUESTS,
            ),
            figure(
                "regime_timeline",
                "Regimes",
                traffic,
                lambda: charts.regime_timeline(traffic),
                NO_REQUESTS,
                "" if mined else f"Regimes (clusters of similar hours) appear once mined: {NOT_MINED}.",
            ),
            figure(
                "burstiness",
                "Burstiness",
                data.burstiness,
                lambda: charts.burstiness(data.burstiness),
                NO_REQUESTS,
                "inter-arrival CV 1 is a Poisson process; above 1 arrivals come in bursts",
            ),
        ],
    )


def latency(data: SiteData) -> Page:
    d, cp = data.latency_daily, data.change_points
    return Page(
        slug="latency",
        title="Latency",
        intro="Latencies of requests with status ok.",
        blocks=[
            figure(
                "ttft_vs_prompt",
                "TTFT vs prompt length",
                data.ttft_sample,
                lambda: charts_latency.ttft_scatter(data.ttft_sample, d),
                _latency_why(data, "no request has a TTFT"),
                "lines: per-day fit (Huber when mined, least squares otherwise)",
            ),
            figure(
                "e2e_windows",
                "Time to completion per window",
                data.e2e_windows,
                lambda: charts_latency.e2e_boxes(data.e2e_windows),
                _latency_why(data, "no request has an e2e_ms"),
                "windows are the mined regimes, or 6-hour blocks of the UTC day before mining",
            ),
            figure(
                "itl_position",
                "Inter-token latency by position",
                data.itl_position,
                lambda: charts_latency.itl_by_position(data.itl_position),
                "the logs hold no per-token timings (request_token_latencies is empty); formats with token "
                "timestamps, e.g. genai-perf or aiperf exports, fill it",
            ),
            figure(
                "latency_drift",
                "Drift",
                d,
                lambda: charts_latency.latency_drift(d, cp),
                _latency_why(data, "no request has a TTFT"),
                "" if cp.height else f"No change points marked: none found, or not mined yet ({NOT_MINED}).",
            ),
        ],
    )


def concurrency(data: SiteData, capacity: pl.DataFrame | None, kv_capacity: pl.DataFrame | None) -> Page:
    c = data.concurrency
    why = _latency_why(data, "no request has an end time (e2e_ms, or ttft_ms and tpot_ms)")
    note = (
        "red: the recommended configuration's capacity per window"
        if capacity is not None and capacity.height
        else "pass --plan plan.json to draw the recommended configuration's capacity"
    )
    return Page(
        slug="concurrency",
        title="Concurrency and KV",
        intro="Requests in flight and the KV-cache tokens they hold, as logged (10-minute means).",
        blocks=[
            figure(
                "in_flight_requests", "In-flight requests", c, lambda: charts_latency.in_flight(c, capacity), why, note
            ),
            figure(
                "in_flight_kv_tokens",
                "KV tokens in flight",
                c,
                lambda: charts_latency.in_flight(
                    c, kv_capacity, field="in_flight_kv_tokens_mean", title="KV tokens in flight"
                ),
                why,
                "unmined models: prompt + output/2 tokens per request in flight (an approximation)",
            ),
        ],
    )


def prefix_and_tenants(data: SiteData) -> Page:
    t = data.tenants
    named = t.filter(pl.col("tenant") != "(none)") if t.height else t
    top = t.sort("requests", descending=True).head(20)
    return Page(
        slug="tenants",
        title="Prefix reuse and tenants",
        blocks=[
            figure(
                "prefix_reuse",
                "Prefix reuse",
                data.prefix_daily,
                lambda: charts_tenants.prefix_reuse_daily(data.prefix_daily),
                "the logs carry no prefix block ids (prefix_block_ids is empty)",
            ),
            figure(
                "prefix_lru",
                "Prefix cache simulation",
                data.prefix_lru,
                lambda: charts_tenants.prefix_lru(data.prefix_lru),
                f"the LRU prefix-cache simulation is part of mining: {NOT_MINED}"
                if data.prefix_daily.height
                else "the logs carry no prefix block ids",
            ),
            figure(
                "top_tenants",
                "Tenants by volume",
                named,
                lambda: charts_tenants.top_tenants(t),
                "the logs carry no tenant field" if t.height else NO_REQUESTS,
            ),
            figure(
                "tenant_outliers",
                "Tenant outliers",
                named,
                lambda: charts_tenants.tenant_outliers(t),
                "the logs carry no tenant field" if t.height else NO_REQUESTS,
                "red: flagged by mining (robust z-score of length or rate)",
            ),
            Table(
                title="Busiest tenants",
                columns=["model", "tenant", "requests", "prompt_tokens_p50", "prompt_tokens_p99", "outlier"],
                rows=top.to_dicts(),
            ),
        ],
    )
