"""Calibration: the step model's efficiencies fitted to a known deployment's logged latencies.

    cal = calibrate(measured, Deployed(...))
    doc = calibration_document(cal, deployed, window_s=..., created_utc=...)

compare.py (predicted vs measured latency per window), fit.py (the least-squares fit and its document).
"""

from recommend.calibrate.compare import METRICS, Comparison, Deployed, Measured, compare
from recommend.calibrate.fit import FIT_FIELDS, Calibration, calibrate, calibration_document, comparison_dict

__all__ = [
    "FIT_FIELDS",
    "METRICS",
    "Calibration",
    "Comparison",
    "Deployed",
    "Measured",
    "calibrate",
    "calibration_document",
    "compare",
    "comparison_dict",
]
