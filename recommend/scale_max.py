"""--scale-max: how far above a window's forecast-sized ceiling its replica scaler may go.

"ceiling" (the default: the scaler never runs more than the plan's replicas), "static-peak" (up to the GPUs of
the static-peak plan the savings are measured against), or a factor K >= 1 of the ceiling. Plans carry the
result as "autoscale" -> "cap_replicas" with a reason (recommend/plan_doc.py describes the plan JSON).
"""

import math

from recommend.errors import RecommendError
from recommend.plan_doc import window_gpus

SCALE_MAX = ("ceiling", "static-peak")  # or a factor K >= 1 of the window's ceiling


def scale_max_value(text: str) -> str | float:
    """--scale-max: "ceiling", "static-peak", or K >= 1 (a float) x the window's ceiling."""
    if text in SCALE_MAX:
        return text
    try:
        k = float(text)
    except ValueError:
        k = math.nan
    if not k >= 1 or math.isinf(k):
        raise RecommendError(f"--scale-max must be ceiling, static-peak or a factor >= 1 of the ceiling, got {text!r}")
    return k


def cap_replicas(scale_max: str | float, replicas: int, tp: int, peak_gpus: int) -> int:
    """The most replicas a window's scaler runs: its ceiling, the static-peak plan's GPUs in this window's
    replicas (peak_gpus // tp: the baseline the savings are measured against), or ceil(K x the ceiling)."""
    if scale_max == "ceiling":
        return replicas
    if scale_max == "static-peak":
        return max(replicas, peak_gpus // tp)
    return max(replicas, math.ceil(scale_max * replicas - 1e-9))


def with_scale_caps(entries: list[dict], scale_max: str) -> list[dict]:
    """Window entries with "autoscale" -> "cap_replicas" and a reason where --scale-max sets the scaler's
    most above the window's ceiling (unchanged with "ceiling")."""
    value = scale_max_value(scale_max)
    if value == "ceiling" or not entries:
        return entries
    peak_gpus = max(window_gpus(e) for e in entries)
    out = []
    for e in entries:
        replicas, tp = e["config"]["replicas"], e["config"]["tp"]
        cap = cap_replicas(value, replicas, tp, peak_gpus)
        if cap <= replicas or not e.get("autoscale"):
            out.append(e)
            continue
        what = f"the static-peak plan's {peak_gpus} GPUs" if value == "static-peak" else f"{value:g} x the ceiling"
        why = (
            f"the scaler runs up to {cap} replicas ({cap * tp} GPUs: {what}, --scale-max) where its signal asks "
            f"for more than the {replicas}-replica ceiling sized from the forecast (a heavier length mix under "
            "--scale-on load, or a rate above the forecast's); queued bulk work still brings the ceiling"
        )
        out.append(e | {"autoscale": e["autoscale"] | {"cap_replicas": cap}, "reasons": [*e["reasons"], why]})
    return out
