"""What the recommender reads: frames over the range the latest `mine` covered
(recommend_mined_scope.sql: a later, held-out week stays out).

`window_frames(con, model, spec)` per window of `spec` ((label, hour-of-week cells) pairs): the real-rate
statistics (recommend_window_rates.sql), length quantiles and the 256-token length grid
(recommend_window_lengths.sql), the busiest logged span (recommend_window_peaks.sql) and its requests
(recommend_window_requests.sql), the hourly rates the forecast error is measured on
(recommend_hour_rates.sql) and, with a traffic-class rule, each window's bulk requests
(recommend_window_bulk.sql). `bulk_seconds` reads the bulk (tenant, second) buckets a traffic-class rule
selects (recommend_bulk_seconds.sql); the queries that split bulk from interactive traffic take that
frame as their relation tf_bulk_seconds (BULK), registered for the one query: the peak span, the hourly
and minute rates are interactive-only. `minute_rates` (recommend_minute_rates.sql) feeds the replica scaler.
"""

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.db import WarehouseError, fetch_one
from warehouse.query import run_sql

PEAK_SCHEMA = {
    "window_id": pl.Int32,
    "span_start": pl.Datetime("us", "UTC"),
    "arrival_s": pl.Float64,
    "prompt_tokens": pl.Int64,
    "output_tokens": pl.Int64,
    "sample_rate": pl.Float64,
}
BULK = "tf_bulk_seconds"  # the relation name the bulk-splitting .sql files read bulk_seconds' frame as
BULK_SECONDS_SCHEMA = {
    "tenant": pl.Utf8,
    "second": pl.Int64,
    "real_requests": pl.Float64,
    "real_tokens": pl.Float64,
    "real_prompt_tokens": pl.Float64,
    "real_output_tokens": pl.Float64,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowFrames:
    """Everything window_frames read, keyed by window id = the index into its `spec`."""

    rates: dict[int, dict]  # recommend_window_rates.sql row per window (absent: no mined minute)
    lengths: dict[int, dict]  # recommend_window_lengths.sql row per window (absent: no request)
    peaks: pl.DataFrame  # PEAK_SCHEMA: every window's peak-span requests, arrival_s from the span start
    bulk: pl.DataFrame | None  # recommend_window_bulk.sql rows; None unless asked (with_bulk)
    hours: pl.DataFrame  # recommend_hour_rates.sql: day, how_cell, rps_real, tok_s_real (interactive)

    def peak(self, window_id: int) -> pl.DataFrame:
        return self.peaks.filter(pl.col("window_id") == window_id)


def check_mined(con: duckdb.DuckDBPyConnection, model: str) -> None:
    row = fetch_one(con, "SELECT count(*) FROM mined_minutes WHERE model = $m", {"m": model})
    if not row or not row[0]:
        raise WarehouseError(f"model {model!r} has not been mined; run `tracefit mine --model {model}` first")


def median_minute_rps(con: duckdb.DuckDBPyConnection, model: str) -> float:
    """Median real req/s of the model's mined minutes; 0.0 when none."""
    row = fetch_one(con, "SELECT quantile_cont(rps_real, 0.5) FROM mined_minutes WHERE model = $m", {"m": model})
    return float(row[0]) if row and row[0] else 0.0


def logged_sample_rate(con: duckdb.DuckDBPyConnection, model: str) -> float:
    """The lowest sample rate recorded at ingest for the model's requests; 1.0 when none."""
    row = fetch_one(
        con,
        "SELECT min(i.sample_rate) FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id WHERE r.model = $m",
        {"m": model},
    )
    return float(row[0]) if row and row[0] else 1.0


def bulk_seconds(
    con: duckdb.DuckDBPyConnection, models: list[str], since: str | None, until: str | None, rule_params: dict | None
) -> pl.DataFrame:
    """The bulk (tenant, second) buckets of [since, until) (ISO or None) that a traffic-class rule selects
    (`rule_params`: recommend_bulk_seconds.sql's burst_rps, min_logged, tenants); empty when it is None."""
    return (
        run_sql(con, "recommend_bulk_seconds", {"models": models, "since": since, "until": until, **rule_params})
        if rule_params is not None
        else pl.DataFrame(schema=BULK_SECONDS_SCHEMA)
    )


def window_frames(
    con: duckdb.DuckDBPyConnection,
    model: str,
    spec: list[tuple[str, tuple[int, ...]]],
    *,
    span_minutes: int,
    peak_quantile: float,
    bulk: pl.DataFrame,
    with_bulk: bool,
) -> WindowFrames:
    """The frames of each window of `spec`; the peak span is the window's `span_minutes` span at
    `peak_quantile` of real interactive request counts; `bulk`: bulk_seconds' frame over the mined range
    (empty: every request interactive); `with_bulk` also reads each window's bulk requests."""
    cells = [c for _, cs in spec for c in cs]
    ids = [i for i, (_, cs) in enumerate(spec) for _ in cs]
    params = {"model": model, "cells": cells, "windows": ids}
    scoped = {**params, **mined_scope(con, model)}
    split = {BULK: bulk}
    rates = _by_window(run_sql(con, "recommend_window_rates", params))
    lengths = _by_window(run_sql(con, "recommend_window_lengths", scoped))
    peaks = _peak_requests(con, scoped, span_minutes, peak_quantile, split)
    bulk_rows = run_sql(con, "recommend_window_bulk", scoped, split) if with_bulk else None
    hours = run_sql(con, "recommend_hour_rates", {"model": model}, split)
    return WindowFrames(rates=rates, lengths=lengths, peaks=peaks, bulk=bulk_rows, hours=hours)


def minute_rates(con: duckdb.DuckDBPyConnection, model: str, bulk: pl.DataFrame) -> pl.DataFrame:
    """recommend_minute_rates.sql: minute_s, rps_real, prompt_tok_s_real, output_tok_s_real (interactive: less
    `bulk`, bulk_seconds' frame)."""
    return run_sql(con, "recommend_minute_rates", {"model": model}, {BULK: bulk})


def mined_scope(con: duckdb.DuckDBPyConnection, model: str) -> dict:
    """{"since", "until"}: ISO bounds of the model's latest mined range (None, None when never mined)."""
    frame = run_sql(con, "recommend_mined_scope", {"model": model})
    return (
        {"since": frame["since_iso"][0], "until": frame["until_iso"][0]}
        if frame.height
        else {"since": None, "until": None}
    )


def _peak_requests(con, scoped: dict, span_minutes: int, peak_quantile: float, split: dict) -> pl.DataFrame:
    """Each window's peak span (one aggregate scan), then its rows read over the span's arrival range
    (zone maps skip the rest of the table), clipped to the mined range."""
    peaks = run_sql(
        con, "recommend_window_peaks", {**scoped, "span_minutes": span_minutes, "peak_quantile": peak_quantile}, split
    )
    since, until = scoped["since"], scoped["until"]
    frames = [
        run_sql(
            con,
            "recommend_window_requests",
            {
                "model": scoped["model"],
                "cells": scoped["cells"],
                "windows": scoped["windows"],
                "window_id": window_id,
                "span_start": start,
                "since": max(start, since) if since else start,
                "until": min(end, until) if until else end,
            },
            split,
        )
        for window_id, start, end in peaks.iter_rows()
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=PEAK_SCHEMA)


def _by_window(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["window_id"]: row for row in frame.iter_rows(named=True)}
