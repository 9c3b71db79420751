"""Calibrated efficiency factors: the `tracefit.calibration` file `tracefit calibrate` writes.

A sibling of the measured profile (profiles/profile.py): `--profile FILE` accepts either, and both
reach the step model the same way (recommend/roofline.py `with_profile` -> the engine's efficiency).
A calibration replaces a few scalar `Efficiency` fields, fitted so the simulator reproduces the
latencies a known deployment logged, on top of the base efficiency it was fitted from (the
engine's defaults or a measured profile's curves; where a profile's curve drives a fraction, e.g.
decode attention, the scalar field is what weight streaming uses).

Top-level keys of schema version 1:
  schema, schema_version  "tracefit.calibration", 1
  created_utc, command, tracefit_version
  device     name, catalog_gpu, kind ("calibration"): the GPU the factors were fitted on
  model, engine, deployed   catalog model, engine, the deployed EngineConfig (dict)
  factors    {Efficiency field: fitted value}, e.g. hbm_fraction, gemm_fraction, step_overhead_s,
             request_overhead_s (s per request, added to TTFT and E2E; may be 0), step_overhead_per_seq_s
             (s per running sequence a step: the host's scheduling and output work; may be 0)
  base       {field: value before the fit}, source
  fit        since, until, window_s, windows, metrics, evaluations, objective_before, objective_after
  error      before / after: {mape: {metric: share}, windows: [...]}
"""

import dataclasses

from profiles.efficiency import Efficiency

SCHEMA = "tracefit.calibration"
SCHEMA_VERSION = 1
FITTABLE = (
    "hbm_fraction",
    "gemm_fraction",
    "gemm_half_tokens",
    "attention_fraction",
    "step_overhead_s",
    "layer_overhead_s",
    "step_overhead_per_rank_s",
    "allreduce_fraction",
    "request_overhead_s",
    "step_overhead_per_seq_s",
)
FRACTIONS = ("hbm_fraction", "gemm_fraction", "attention_fraction", "allreduce_fraction")  # capped at 1
# 0 on some engines (no front end; TensorRT-LLM's PyTorch backend: no per-sequence cost), so fitted as amounts
# (>= 0), not as multiples of the base
AMOUNTS = ("request_overhead_s", "step_overhead_per_seq_s")


def problems(doc: dict) -> list[str]:
    """What a calibration document lacks or holds wrongly; empty when usable."""
    found = []
    if not isinstance(doc.get("device"), dict) or not doc["device"].get("name"):
        found.append("device.name")
    factors = doc.get("factors")
    if not isinstance(factors, dict) or not factors:
        return [*found, "factors"]
    for key, value in factors.items():
        if key not in FITTABLE:
            found.append(f"factors.{key} (not one of {', '.join(FITTABLE)})")
        elif not isinstance(value, (int, float)) or value < 0 or (value == 0 and key not in AMOUNTS):
            found.append(f"factors.{key} (must be a {'non-negative' if key in AMOUNTS else 'positive'} number)")
    return found


def calibrated_efficiency(doc: dict, base: Efficiency) -> Efficiency:
    """`base` with the document's fitted factors (same class: a profiled base keeps its curves)."""
    factors = {k: float(v) for k, v in doc["factors"].items()}
    source = f"calibration {doc.get('path', '')} ({doc.get('created_utc')}) on {base.source}"
    return dataclasses.replace(base, **factors, source=source)
