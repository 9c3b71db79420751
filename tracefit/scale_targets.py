"""`recommend --scale-calibrate SHARE`: each window's replica-scaler target from the mined range's last days.

recommend/backtest/targets.py replays the last CALIBRATION_DAYS of the mined range (never past its end:
a walk-forward day's plan sees only the days before it) with the plan's scaler at targets 1.0 .. 0.5 of
the planned per-replica rate and keeps, per window, the largest at which SHARE of the window's pieces met
the SLO. The plan's windows get the scaled rps_per_replica (and load_per_replica), the fit under
"autoscale" -> "target", and a reason; the plan-level "autoscale" records the range and share.
"""

import dataclasses
from datetime import datetime, timedelta

import duckdb

from recommend.backtest import ReplayOptions, read_plan
from recommend.backtest.targets import TARGETS, TargetFit, fit_targets
from recommend.simulate.arrivals import PLAN_LENGTH_BIN_REQUESTS
from tracefit.backtest_data import logged_models, read_requests, traffic
from warehouse.inputs.recommend import mined_scope

CALIBRATION_DAYS = 7  # a week holds each day type once; more days cost replay time for no new day type
SCALE_CALIBRATE = 0.97  # the default share: the walk-forward's hours target (issue 20); bench/RESULTS.md "backtest"


def calibrated(
    con: duckdb.DuckDBPyConnection,
    plan: dict,
    *,
    share: float,
    as_model: str | None = None,
    sample_rate: float | None = None,
    options: ReplayOptions = ReplayOptions(),
    workers: int = 1,
) -> dict:
    """`plan` with each scaled window's per-replica rate x its calibrated target (unchanged when the plan
    does not scale or the mined range holds no requests); `workers` processes replay the pieces."""
    model = str(plan.get("traffic_model") or plan.get("model"))
    scope = mined_scope(con, model)
    parsed = read_plan(plan, as_model=as_model)
    if not parsed.scaled or not scope["until"]:
        return plan
    until = datetime.fromisoformat(scope["until"])
    since = max(datetime.fromisoformat(scope["since"]), until - timedelta(days=CALIBRATION_DAYS))
    frame = read_requests(
        con, logged_models(con, model), since - timedelta(seconds=parsed.autoscale.lead_s), until, parsed.bulk
    )
    if frame.is_empty():
        return plan
    fits = fit_targets(
        parsed,
        traffic(frame),
        since=since,
        until=until,
        share=share,
        options=dataclasses.replace(options, sample_rate=sample_rate, length_requests=PLAN_LENGTH_BIN_REQUESTS),
        workers=workers,
    )
    windows = list(plan["windows"])
    for fit in fits:
        windows[fit.window] = _with_fit(windows[fit.window], fit, since, until)
    scope_doc = {"share": share, "since": since.isoformat(), "until": until.isoformat(), "targets": list(TARGETS)}
    return plan | {"windows": windows, "autoscale": plan["autoscale"] | {"calibrated": scope_doc}}


def _with_fit(window: dict, fit: TargetFit, since: datetime, until: datetime) -> dict:
    scaler = dict(window["autoscale"])
    key, unit = ("load_per_replica", "busy s/s") if scaler.get("load_per_replica") else ("rps_per_replica", "req/s")
    planned = scaler[key]
    scaler["rps_per_replica"] = round(scaler["rps_per_replica"] * fit.target, 4)
    if scaler.get("load_per_replica"):
        scaler["load_per_replica"] = float(f"{scaler['load_per_replica'] * fit.target:.6g}")
    scaler["target"] = fit.to_dict()
    why = (
        f"scaler target {fit.target:g} x the planned {planned:g} {unit} per replica = {scaler[key]:g}: the largest "
        f"of {TARGETS[0]:g}, {TARGETS[1]:g} .. {TARGETS[-1]:g} at which >= {fit.wanted:.3f} of this window's "
        f"{fit.pieces} scaler intervals from {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC met the SLO in "
        f"replay ({fit.share:.3f}; {fit.shares[0][1]:.3f} at {fit.shares[0][0]:g})"
    )
    return window | {"autoscale": scaler, "reasons": [*window.get("reasons", []), why]}
