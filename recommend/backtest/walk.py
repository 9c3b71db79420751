"""A walk-forward backtest's summary: each day replayed against the plan made from every day before it
(tracefit/walk_forward.py runs the walk; this pools its days' backtest documents).

Input: one recommend/backtest/report.py to_dict document per walked day. Output: the fields a single
backtest's summary has, pooled over the walk:
  windows_meeting_slo_share  share of (day, window) pairs whose pooled interactive requests meet every
                             percentile SLO (pairs with nothing replayed left out)
  hours_meeting_slo_share    share of the replayed pieces (hours, or the scaler's intervals) meeting it
  slo_attainment             real-request-weighted mean of the days' interactive attainment
  gpu_hours, static_peak_gpu_hours, savings_pct = 100 x (1 - gpu_hours / static_peak_gpu_hours)
  bulk_share, bulk_deadline_attainment (real-bulk-request weighted), bulk_deadline_s
  requests_real, bulk_requests_real, simulated_requests, days, days_meeting_slo (every window of the day
  meets it), classes and worst_class (recommend/backtest/report.py classes()).
"""

import math

from recommend.backtest.report import classes, worst_class
from recommend.backtest.stats import savings_pct


def walk_summary(days: list[dict], slo: dict) -> dict:
    windows = [w["meets_slo"] for d in days for w in d["windows"] if w["meets_slo"] is not None]
    hours = [h["meets_slo"] for d in days for h in d["hours"] if h["meets_slo"] is not None]
    sums = {
        k: sum(d["summary"].get(k) or 0.0 for d in days)
        for k in ("requests_real", "bulk_requests_real", "gpu_hours", "static_peak_gpu_hours", "simulated_requests")
    }
    bulk_met = sum(
        (d["summary"].get("bulk_deadline_attainment") or 0.0) * (d["summary"].get("bulk_requests_real") or 0.0)
        for d in days
    )
    total = sums["requests_real"] + sums["bulk_requests_real"]
    summary = {
        "days": len(days),
        "days_meeting_slo": sum(all(w["meets_slo"] is not False for w in d["windows"]) for d in days),
        "windows_meeting_slo_share": _share(windows),
        "hours_meeting_slo_share": _share(hours),
        "slo_attainment": _weighted(days, "slo_attainment", "requests_real"),
        "gpu_hours": sums["gpu_hours"],
        "static_peak_gpu_hours": sums["static_peak_gpu_hours"],
        "savings_pct": savings_pct(sums["gpu_hours"], sums["static_peak_gpu_hours"]),
        "requests_real": sums["requests_real"],
        "simulated_requests": int(sums["simulated_requests"]),
        "bulk_requests_real": sums["bulk_requests_real"],
        "bulk_share": sums["bulk_requests_real"] / total if total else 0.0,
        "bulk_deadline_s": next(
            (d["summary"].get("bulk_deadline_s") for d in days if d["summary"].get("bulk_deadline_s")), None
        ),
        "bulk_deadline_attainment": bulk_met / sums["bulk_requests_real"] if sums["bulk_requests_real"] else None,
        "slo_class": "interactive",
    }
    summary["classes"] = classes(summary, slo)
    summary["worst_class"] = worst_class(summary["classes"])
    return summary


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _weighted(days: list[dict], key: str, weight: str) -> float | None:
    pairs = [(d["summary"].get(key), d["summary"].get(weight) or 0.0) for d in days]
    pairs = [(v, w) for v, w in pairs if v is not None and math.isfinite(v) and w > 0]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None
