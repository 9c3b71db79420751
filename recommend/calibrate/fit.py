"""Fit the step model's efficiency factors to a known deployment's logged latencies.

Unknowns: a few scalar `Efficiency` fields, each as a multiplier of its base value in [0.05, 20], except
the amounts (profile_calibration.AMOUNTS: request_overhead_s and step_overhead_per_seq_s, 0 on some engines, which
cannot be scaled), fitted as x = 1 + value / unit (10 ms a request for a value in [0, 1 s], 10 us a running sequence
in [0, 1 ms]): scipy's finite-difference step is 3% of |x|, so 0.3 ms / 0.3 us at 0 (at x = value / unit, a start
at 0 gives steps below the float resolution of arrival times). The per-sequence cost is the host's work a step
for each running request (scheduling, sampling, detokenizing and streaming its token); a log whose load varies
separates it from hbm_fraction and step_overhead_s (bench/RESULTS.md 'AccelMark'). Default
hbm_fraction, gemm_fraction and request_overhead_s (decode weight/KV streaming, prefill compute, the
front end's per-request time); the fixed per-step cost (step_overhead_s) can be added, but at the batch
sizes a log usually holds it trades off almost exactly against hbm_fraction (TPOT ~ weights / HBM +
overhead), so fitting both from TPOT alone is ill-posed. Residuals: log(predicted / measured) per window x METRICS (ttft
p50/p95, tpot p50, e2e p50; recommend/calibrate/compare.py), with the same replay (same seeds) at
every point so they are deterministic; scipy least_squares (trust region, finite differences of 3%:
the replay is piecewise smooth, a different step time can reorder events) with a Cauchy loss of
scale 0.05 (5% error): a window whose latencies came from something else (the demo's planted
regression day, an incident) barely moves the fit and stands out in the per-window errors
instead. Fractions are capped at 1.
The result is saved as a `tracefit.calibration` document (profiles/profile_calibration.py) that
`--profile` accepts wherever a measured profile is accepted.
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from profiles import Efficiency
from profiles.profile_calibration import AMOUNTS, FITTABLE, FRACTIONS, SCHEMA, SCHEMA_VERSION
from recommend.backtest import ReplayOptions
from recommend.calibrate.compare import DAY_S, METRICS, Comparison, Deployed, Measured, compare
from recommend.errors import RecommendError
from recommend.roofline import StepModel, efficiency_for

# request_overhead_s by default: a front-end constant in the logged TTFT otherwise ends up in gemm_fraction
# (prefill priced too slow for long prompts). With a spread of prompt lengths and loads the TTFT percentiles
# separate the two (tests/test_recommend_calibrate.py; held out on the vLLM 0.8.3 run, bench/RESULTS.md
# 'Serving', `bench/serving_accuracy.py --calibrated`).
FIT_FIELDS = ("hbm_fraction", "gemm_fraction", "request_overhead_s")
MULTIPLIER_BOUNDS = (0.05, 20.0)
# An amount's x is 1 + value / unit, within [1, 1 + max / unit]: (unit, max) in seconds
AMOUNT_SCALE_S = {"request_overhead_s": (10e-3, 1.0), "step_overhead_per_seq_s": (10e-6, 1e-3)}
# An amount starts where it closes, at the base, the smallest over windows of this metric's measured - predicted
# gap: a constant added to every TTFT moves the TTFT p50 by exactly it, and the smallest gap is the one least
# inflated by other errors (queueing behind too-fast decodes opens a TTFT gap too, more at higher load; with
# the median there, a planted hbm_fraction x 0.8 pulled gemm_fraction 3% off). Started at the base (0), the
# robust loss treats the TTFT p50 windows as outliers and the fit stops in a gemm/overhead trade-off
# (a 20 ms constant fitted as 31 ms with gemm_fraction +13%, tests/test_recommend_calibrate.py).
AMOUNT_START_METRIC = {"request_overhead_s": "ttft_p50_ms"}
AMOUNT_SCAN = (0, 1, 2, 4, 8, 16, 32, 64)  # units tried for an amount without a start metric
ROBUST_SCALE = 0.05  # the Cauchy loss's scale: residuals are log ratios, so 5%


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    base: Efficiency
    fitted: Efficiency
    fields: tuple[str, ...]
    before: Comparison
    after: Comparison
    evaluations: int

    @property
    def factors(self) -> dict[str, float]:
        return {f: getattr(self.fitted, f) for f in self.fields}


def calibrate(
    measured: Measured,
    deployed: Deployed,
    *,
    base: Efficiency | None = None,
    fields: tuple[str, ...] = FIT_FIELDS,
    window_s: float = DAY_S,
    options: ReplayOptions = ReplayOptions(),
    max_evals: int = 120,
) -> Calibration:
    """Fit `fields` of `base` (default: the deployment's efficiency) so the replay matches `measured`."""
    unknown = [f for f in fields if f not in FITTABLE]
    if unknown or not fields:
        raise RecommendError(f"cannot fit {', '.join(unknown) or 'nothing'}; choose from {', '.join(FITTABLE)}")
    dep = deployed.config.deployment(deployed.model, deployed.engine)
    base = base or efficiency_for(dep)
    evaluations = 0

    def run(x) -> Comparison:
        return compare(
            measured,
            deployed,
            step_model=StepModel(dep, efficiency=_scaled(base, fields, x)),
            window_s=window_s,
            options=options,
        )

    def residuals(x) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        c = run(x)
        return np.array([_log_ratio(w.predicted_ms[k], w.measured_ms[k]) for w in c.windows for k in METRICS])

    # multipliers of the base values (relative finite-difference steps need x != 0); amounts in units
    x0 = np.array([1.0 + getattr(base, f) / AMOUNT_SCALE_S[f][0] if f in AMOUNTS else 1.0 for f in fields])
    lower = [1.0 if f in AMOUNTS else MULTIPLIER_BOUNDS[0] for f in fields]
    upper = [
        1.0 + AMOUNT_SCALE_S[f][1] / AMOUNT_SCALE_S[f][0] if f in AMOUNTS else MULTIPLIER_BOUNDS[1] for f in fields
    ]
    before = run(x0)
    start = np.clip(
        [_amount_start(before, getattr(base, f), f) if f in AMOUNT_START_METRIC else xi for f, xi in zip(fields, x0)],
        lower,
        upper,
    )
    for i, f in enumerate(fields):  # an amount with no metric that sizes it: start at the best of a coarse scan
        if f in AMOUNTS and f not in AMOUNT_START_METRIC:
            start[i] = _scanned(residuals, start, i, upper[i])
    best = least_squares(
        residuals,
        start,
        bounds=(lower, upper),
        diff_step=0.03,
        loss="cauchy",
        f_scale=ROBUST_SCALE,
        max_nfev=max_evals,
        xtol=1e-4,
        ftol=1e-8,
    )
    fitted = _scaled(base, fields, best.x)
    return Calibration(
        base=base, fitted=fitted, fields=tuple(fields), before=before, after=run(best.x), evaluations=evaluations
    )


def _amount_start(before: Comparison, base_value: float, field: str) -> float:
    """x of an amount at its base plus the smallest measured - predicted gap of its metric (not below 0)."""
    metric = AMOUNT_START_METRIC[field]
    gaps_ms = [
        w.measured_ms[metric] - w.predicted_ms[metric]
        for w in before.windows
        if math.isfinite(w.measured_ms[metric]) and math.isfinite(w.predicted_ms[metric])
    ]
    value_s = base_value + (min(gaps_ms) / 1e3 if gaps_ms else 0.0)
    return 1.0 + max(value_s, 0.0) / AMOUNT_SCALE_S[field][0]


def _scanned(residuals, x: np.ndarray, i: int, upper: float) -> float:
    """x[i] at the lowest robust loss among its current value and 1 + 0, 1, 2, 4 .. units (AMOUNT_SCAN): from one
    point the robust loss is nearly flat where every window is far off (a per-sequence cost of 5x its base leaves
    TPOT 20-30% off), and the trust region stops there."""

    def loss(xi: float) -> float:
        r = residuals(np.concatenate([x[:i], [xi], x[i + 1 :]]))
        return float(np.log1p((r / ROBUST_SCALE) ** 2).sum())

    candidates = [x[i], *(1.0 + units for units in AMOUNT_SCAN if 1.0 + units <= upper)]
    return min(candidates, key=loss)


def comparison_dict(c: Comparison) -> dict:
    return {
        "mape": c.mape,
        "log_error": c.log_error,
        "windows": [
            {
                "start": w.start.isoformat(),
                "requests": w.requests,
                "measured_ms": w.measured_ms,
                "predicted_ms": w.predicted_ms,
                "error": {k: w.error(k) for k in METRICS},
            }
            for w in c.windows
        ],
    }


def calibration_document(
    cal: Calibration,
    deployed: Deployed,
    *,
    window_s: float,
    created_utc: str,
    command: str,
    tracefit_version: str,
    since: str | None,
    until: str | None,
) -> dict:
    """The `tracefit.calibration` file (keys: profiles/profile_calibration.py)."""
    gpu = deployed.config.deployment(deployed.model, deployed.engine).gpu.name
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_utc": created_utc,
        "command": command,
        "tracefit_version": tracefit_version,
        "device": {"name": f"{gpu} (calibrated from logged latencies)", "catalog_gpu": gpu, "kind": "calibration"},
        "model": deployed.model,
        "engine": deployed.engine,
        "deployed": deployed.config.to_dict(),
        "factors": cal.factors,
        "base": {**{f: getattr(cal.base, f) for f in cal.fields}, "source": cal.base.source},
        "fit": {
            "since": since,
            "until": until,
            "window_s": window_s,
            "windows": len(cal.after.windows),
            "metrics": list(METRICS),
            "evaluations": cal.evaluations,
            "method": "least squares (trust region) on log factors",
            "objective_before": cal.before.log_error,
            "objective_after": cal.after.log_error,
        },
        "error": {"before": comparison_dict(cal.before), "after": comparison_dict(cal.after)},
    }


def _log_ratio(predicted: float, measured: float) -> float:
    """log(predicted / measured); 0 (no information) where either is missing, capped at |5|."""
    if not (measured > 0 and predicted > 0 and math.isfinite(predicted)):
        return 0.0
    return max(-5.0, min(5.0, math.log(predicted / measured)))


def _scaled(base: Efficiency, fields: tuple[str, ...], x) -> Efficiency:
    values = {}
    for name, xi in zip(fields, x):
        if name in AMOUNTS:
            values[name] = max(float(xi) - 1.0, 0.0) * AMOUNT_SCALE_S[name][0]
            continue
        value = getattr(base, name) * float(xi)
        values[name] = min(value, 1.0) if name in FRACTIONS else value
    return dataclasses.replace(base, **values)
