"""The recommender's inputs from the warehouse (recommend/ never opens the database): wiring only.

windows_traffic(con, model, windows="regimes") -> [recommend.window_traffic.WindowTraffic]: regimes
from the mined tables, or hour-of-week / fixed:Nh cells (recommend/windows.py); the frames come from
warehouse/inputs/recommend.py, recommend/window_inputs.py turns them into WindowTraffic.
Traffic classes (recommend/traffic_class.py): `bulk_rule` resolves the rule's defaults; `bulk_seconds`
reads the bulk (tenant, second) buckets the rule selects over the mined range, which windows_traffic and
`autoscale_policy` (the replica scaler's ratio on the interactive minute rates, recommend/autoscale.py)
take to leave bulk requests out; `measured_scaler` measures a plan's scaler ratio in the unit its windows
scale on (engine load or requests). Regime windows are extended to every hour of the week
(recommend/windows.py cover_week) when the mined range is shorter than a week.
"""

import duckdb
import polars as pl

from recommend.autoscale import AutoscalePolicy, LoadWeights, MinuteRates, WindowScaling, measure
from recommend.seasonal import floor_reason, seasonal_floor
from recommend.traffic_class import BURST_MEDIAN_MULTIPLE, DEFAULT_DEADLINE_S, BulkRule, default_burst_rps
from recommend.window_inputs import FORECAST_QUANTILE, PEAK_QUANTILE, PEAK_SPAN_MINUTES, windows_from_frames
from recommend.window_traffic import WindowTraffic
from recommend.windows import cover_week, spec_windows
from warehouse.inputs import recommend as inputs
from warehouse.mine import load_windows


def window_cells(con: duckdb.DuckDBPyConnection, model: str, windows: str) -> list[tuple[str, tuple[int, ...]]]:
    fixed = spec_windows(windows)
    return fixed if fixed is not None else cover_week([(w.label, tuple(w.cells)) for w in load_windows(con, model)])


def bulk_seconds(con: duckdb.DuckDBPyConnection, model: str, rule: BulkRule | None) -> pl.DataFrame:
    """The bulk (tenant, second) buckets `rule` selects over the model's latest mined range (empty: none)."""
    scope = inputs.mined_scope(con, model)
    return inputs.bulk_seconds(con, [model], scope["since"], scope["until"], rule_params(rule))


def bulk_rule(
    con: duckdb.DuckDBPyConnection,
    model: str,
    *,
    burst_rps: float | None = None,
    tenants: tuple[str, ...] = (),
    deadline_s: float = DEFAULT_DEADLINE_S,
    pacing: str = "spare",
) -> BulkRule | None:
    """The rule a plan records: `burst_rps` None = BURST_MEDIAN_MULTIPLE x the median real req/s of the
    model's mined minutes, 0 = no burst rule; None when neither a burst rule nor tenants remain."""
    source = "--bulk-burst-rps"
    if burst_rps is None:
        median = inputs.median_minute_rps(con, model)
        burst_rps = default_burst_rps(median) if median > 0 else 0.0
        source = f"{BURST_MEDIAN_MULTIPLE:g} x the median real rate of the mined minutes ({median:.1f} req/s)"
    rule = BulkRule(
        burst_rps=burst_rps or None,
        tenants=tuple(tenants),
        deadline_s=deadline_s,
        source=source if burst_rps else "",
        pacing=pacing,
    )
    return rule if rule.active else None


def windows_traffic(
    con: duckdb.DuckDBPyConnection,
    model: str,
    *,
    windows: str = "regimes",
    sample_rate: float | None = None,
    span_minutes: int = PEAK_SPAN_MINUTES,
    peak_quantile: float = PEAK_QUANTILE,
    forecast_quantile: float = FORECAST_QUANTILE,
    bulk: BulkRule | None = None,
    bulk_frame: pl.DataFrame | None = None,
) -> list[WindowTraffic]:
    """One WindowTraffic per window; `sample_rate` overrides the rate recorded at ingest; the peak
    span is the window's `span_minutes` span at `peak_quantile` of real interactive request counts; each
    window's forecast error (interactive hourly rates) is measured at `forecast_quantile`; requests
    `bulk` selects are planned as throughput (WindowTraffic.bulk); `bulk_frame`: its bulk_seconds, when
    the caller has read them already."""
    inputs.check_mined(con, model)
    spec = window_cells(con, model, windows)
    seconds = bulk_frame if bulk_frame is not None else bulk_seconds(con, model, bulk)
    frames = inputs.window_frames(
        con,
        model,
        spec,
        span_minutes=span_minutes,
        peak_quantile=peak_quantile,
        bulk=seconds,
        with_bulk=bulk is not None,
    )
    return windows_from_frames(
        spec,
        frames,
        sample_rate=sample_rate,
        fallback_sample_rate=sample_rate or inputs.logged_sample_rate(con, model),
        span_minutes=span_minutes,
        forecast_quantile=forecast_quantile,
        bulk=bulk,
    )


def autoscale_policy(
    con: duckdb.DuckDBPyConnection,
    model: str,
    policy: AutoscalePolicy,
    bulk_frame: pl.DataFrame,
    load: LoadWeights | None = None,
) -> AutoscalePolicy:
    """`policy` with its ratio measured on the mined range's interactive minutes (less `bulk_frame`,
    bulk_seconds' frame): on the real request rate, or with `load` on the engine load (busy s/s)."""
    rates = minute_signal(con, model, bulk_frame, load)
    if rates is None:
        return policy
    return measure(rates, policy, rates.start_s, rates.start_s + rates.rps.size * 60.0)


def minute_signal(
    con: duckdb.DuckDBPyConnection, model: str, bulk_frame: pl.DataFrame, load: LoadWeights | None = None
) -> MinuteRates | None:
    """The mined range's interactive minutes (less `bulk_frame`) in the scaler's unit: real req/s, or with
    `load` busy s/s; None when the range holds none."""
    frame = inputs.minute_rates(con, model, bulk_frame)
    if frame.is_empty():
        return None
    signal = (
        frame["rps_real"].to_numpy()
        if load is None
        else load.load_s(frame["prompt_tok_s_real"].to_numpy(), frame["output_tok_s_real"].to_numpy())
    )
    return MinuteRates.from_minutes(frame["minute_s"].to_numpy(), signal)


def measured_scaler(
    con: duckdb.DuckDBPyConnection, model: str, plan: dict, policy: AutoscalePolicy, bulk_frame: pl.DataFrame
) -> dict:
    """`plan` with its scaler's ratio measured in the unit its windows scale on: the engine load under the
    weights of the window with the most GPUs (recommend/autoscale.py LoadWeights), else the request rate."""
    peak = max(plan["windows"], key=lambda w: w["config"]["tp"] * w["config"]["replicas"])
    scaling = WindowScaling.from_dict(peak.get("autoscale"), peak["config"]["replicas"])
    measured = autoscale_policy(con, model, policy, bulk_frame, scaling.load if scaling else None)
    return plan | {
        "autoscale": measured.to_dict() | {"signal": "engine load" if scaling and scaling.load else "requests"}
    }


def seasonal_scaler(
    con: duckdb.DuckDBPyConnection, model: str, plan: dict, quantile: float, bulk_frame: pl.DataFrame
) -> dict:
    """`plan` with the scaler's seasonal floor (recommend/seasonal.py) at `quantile` of the mined range's
    same slots, in the unit its ratio was measured in (the peak window's load weights, as measured_scaler),
    x the largest growth any window planned for; each scaled window's reasons say what its floor is."""
    policy = AutoscalePolicy.from_dict(plan.get("autoscale"))
    peak = max(plan["windows"], key=lambda w: w["config"]["tp"] * w["config"]["replicas"])
    scaling = WindowScaling.from_dict(peak.get("autoscale"), peak["config"]["replicas"])
    rates = minute_signal(con, model, bulk_frame, scaling.load if scaling else None)
    if policy is None or not policy.measured or rates is None:
        return plan
    growth = max([1.0] + [_planned_growth(w) for w in plan["windows"]])
    floor = seasonal_floor(rates, policy, quantile, growth)
    if floor is None:
        return plan
    windows = [
        w | {"reasons": [*w.get("reasons", []), floor_reason(floor, w)]} if w.get("autoscale") else w
        for w in plan["windows"]
    ]
    return plan | {"windows": windows, "autoscale": plan["autoscale"] | {"floor": floor.to_dict()}}


def _planned_growth(window: dict) -> float:
    traffic = window.get("traffic") or {}
    return max(
        float((traffic.get(key) or {}).get("planned_growth") or 1.0)
        for key in ("forecast_error", "load_forecast_error")
    )


def rule_params(rule: BulkRule | None) -> dict | None:
    """recommend_bulk_seconds.sql's parameters for `rule`; None: no bulk (every request interactive)."""
    return rule.sql_params() if rule is not None and rule.active else None
