"""One plan from the warehouse as `tracefit recommend` makes it: the settings it takes and the one call.

`make_plan(con, settings)` reads the mined range (tracefit/recommend_data.py: windows, traffic classes,
forecast error, the replica scaler's ratio) and returns recommend.recommender.recommend_plan's dict.
`tracefit recommend` and the walk-forward backtest (tracefit/walk_forward.py) both call it, so a
walked day's plan is exactly what `recommend` would have printed on the data before that day.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from recommend.autoscale import AutoscalePolicy
from recommend.disagg import add_disagg
from recommend.recommender import RecommendOptions, recommend_plan
from recommend.search_space import SearchSpace
from recommend.traffic_class import DEFAULT_DEADLINE_S
from tracefit.recommend_data import (
    FORECAST_QUANTILE,
    PEAK_QUANTILE,
    bulk_rule,
    bulk_seconds,
    measured_scaler,
    seasonal_scaler,
    windows_traffic,
)
from tracefit.scale_targets import CALIBRATION_DAYS, SCALE_CALIBRATE, calibrated


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSettings:
    model: str  # as logged (selects the traffic)
    as_model: str | None = None  # catalog model for the performance model
    space: SearchSpace = field(default_factory=SearchSpace)
    options: RecommendOptions = field(default_factory=RecommendOptions)
    windows: str = "regimes"
    sample_rate: float | None = None  # None: as recorded at ingest
    peak_quantile: float = PEAK_QUANTILE
    forecast_quantile: float = FORECAST_QUANTILE
    bulk_burst_rps: float | None = None  # None: the default rule (recommend/traffic_class.py), 0 = off
    bulk_tenants: tuple[str, ...] = ()
    bulk_deadline_s: float = DEFAULT_DEADLINE_S
    bulk_pacing: str = "spare"  # recommend/traffic_class.py BulkRule.pacing
    autoscale: AutoscalePolicy | None = field(default_factory=AutoscalePolicy)  # None = fixed replicas
    disagg_link: str | None = None  # also screen prefill/decode splits over this KV link (recommend/disagg/pick.py)
    scale_calibrate: float = SCALE_CALIBRATE  # > 0: each window's scaler target from history at this share of
    # its pieces (tracefit/scale_targets.py); 0 = the flat options.scale_target only
    scale_seasonal: float = 0.0  # > 0: the scaler's seasonal floor at this quantile (recommend/seasonal.py); 0 = off


def make_plan(con: duckdb.DuckDBPyConnection, s: PlanSettings, say: Callable[[str], None] = lambda _: None) -> dict:
    """The plan dict for the model's latest mined range (`tracefit mine --until` bounds what it sees)."""
    bulk = bulk_rule(
        con,
        s.model,
        burst_rps=s.bulk_burst_rps,
        tenants=s.bulk_tenants,
        deadline_s=s.bulk_deadline_s,
        pacing=s.bulk_pacing,
    )
    seconds = bulk_seconds(con, s.model, bulk)
    traffic = windows_traffic(
        con,
        s.model,
        windows=s.windows,
        sample_rate=s.sample_rate,
        peak_quantile=s.peak_quantile,
        forecast_quantile=s.forecast_quantile,
        bulk=bulk,
        bulk_frame=seconds,
    )
    say(f"recommend: {len(traffic)} windows of {s.model}")
    plan = recommend_plan(
        traffic,
        model=s.as_model or s.model,
        space=s.space,
        options=s.options,
        traffic_model=s.model,
        bulk=bulk,
        autoscale=s.autoscale,
    )
    if s.autoscale:  # the scaler's ratio, in the unit the plan's windows scale on
        plan = measured_scaler(con, s.model, plan, s.autoscale, seconds)
    if s.autoscale and s.scale_seasonal:  # before calibration: the calibration replays run the floor too
        plan = seasonal_scaler(con, s.model, plan, s.scale_seasonal, seconds)
    if s.disagg_link:
        plan = add_disagg(
            plan, traffic, model=s.as_model or s.model, space=s.space, options=s.options, link=s.disagg_link
        )
    if s.autoscale and s.scale_calibrate:
        say(f"recommend: calibrate the scaler's targets on the last {CALIBRATION_DAYS} days' pieces")
        plan = calibrated(
            con,
            plan,
            share=s.scale_calibrate,
            as_model=s.as_model,
            sample_rate=s.sample_rate,
            workers=s.options.workers,
        )
    return plan
