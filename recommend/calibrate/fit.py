"""Fit the step model's efficiency factors to a known deployment's logged latencies.

Unknowns: a few scalar `Efficiency` fields, each as a multiplier of its base value in [0.05, 20]. Default hbm_fraction and gemm_fraction (decode weight/KV streaming, prefill compute); the
fixed per-step cost (step_overhead_s) can be added, but at the batch sizes a log usually holds it
trades off almost exactly against hbm_fraction (TPOT ~ weights / HBM + overhead), so fitting both
from TPOT alone is ill-posed. Residuals: log(predicted / measured) per window x METRICS (ttft
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
from profiles.profile_calibration import FITTABLE, FRACTIONS, SCHEMA, SCHEMA_VERSION
from recommend.backtest import ReplayOptions
from recommend.calibrate.compare import DAY_S, METRICS, Comparison, Deployed, Measured, compare
from recommend.errors import RecommendError
from recommend.roofline import StepModel, efficiency_for

FIT_FIELDS = ("hbm_fraction", "gemm_fraction")


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

    x0 = np.ones(len(fields))  # multipliers of the base values (relative finite-difference steps need x != 0)
    best = least_squares(
        residuals,
        x0,
        bounds=(0.05, 20.0),
        diff_step=0.03,
        loss="cauchy",
        f_scale=0.05,
        max_nfev=max_evals,
        xtol=1e-4,
        ftol=1e-8,
    )
    fitted = _scaled(base, fields, best.x)
    return Calibration(
        base=base, fitted=fitted, fields=tuple(fields), before=run(x0), after=run(best.x), evaluations=evaluations
    )


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
        value = getattr(base, name) * float(xi)
        values[name] = min(value, 1.0) if name in FRACTIONS else value
    return dataclasses.replace(base, **values)
