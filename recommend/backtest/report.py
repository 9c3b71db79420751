"""A backtest result as JSON (`tracefit backtest --json`) and as table rows.

Top-level keys: model, engine, slo, bulk (the plan's traffic-class rule or null), since, until, replay,
  windows, hours, summary.
windows[]: label, index, config, split (null, or the disaggregated {prefill, decode, link} it runs), gpus
(the config's or both pools': the most the window runs), mean_gpus (gpu_hours / hours:
  lower when the plan's replica scaler ran fewer), hours, gpu_hours, requests_real, goodput_rps, slo_attainment,
  meets_slo, rejected_share, queue_mean_ms, queue_p95_ms, percentiles_ms {ttft_p95_ms: ..},
  hours_meeting_slo_share, simulated_requests - all of the interactive class (the latency SLO judges
  interactive requests only) - and bulk {requests_real, share, deadline_attainment, completion_p95_s,
  wait_p95_s, admit_tok_s} (recommend/backtest/bulk.py).
hours[]: (pieces: calendar hours, or the scaler's intervals) start (UTC ISO), label, hours, replicas, requests_real, slo_attainment, meets_slo, rejected_share,
  percentiles_ms (the SLO keys).
summary: slo_attainment, windows_meeting_slo_share, hours_meeting_slo_share, gpu_hours,
  static_peak_gpu_hours, savings_pct, peak_window, requests_real, simulated_requests, rejected_share,
  replayed_hours, uncovered_hours, static_peak_slo_attainment (null unless replayed), scaling ("autoscale":
  the plan's replica scaler ran, recommend/autoscale.py; "fixed": each window's config replicas); slo_class
  ("interactive": what slo_attainment and windows_meeting_slo_share measure), bulk_requests_real,
  bulk_share, bulk_deadline_s, bulk_deadline_attainment, bulk_completion_p95_s, bulk_wait_p95_s;
  classes (every traffic class, `classes` below) and worst_class (the name of the class furthest below,
  or least above, its target).
NaN (nothing replayed) is written as null.

Every request is judged by its class's promise (classes()): interactive requests by the SLO (attainment =
share meeting every SLO threshold; target = the highest SLO percentile, e.g. 0.95 for p95 SLOs), bulk
requests by the deadline (target BULK_TARGET of them within it). A class is held to its target
("judged") when it holds more than JUDGED_SHARE of the requests; the worst class is the judged one with
the lowest attainment - target, so a plan that serves the interactive SLO while bulk waits for hours
shows bulk first.
"""

import math
from dataclasses import asdict

from recommend.backtest.replay import ReplayOptions
from recommend.backtest.run import BacktestResult
from recommend.backtest.stats import ReplayStats
from recommend.slo import Slo

BULK_TARGET = 0.99  # of bulk requests within the deadline (issue 20)
JUDGED_SHARE = 0.001  # a class under 0.1% of requests is reported, not held to its target


def to_dict(result: BacktestResult, options: ReplayOptions | None = None) -> dict:
    plan = result.plan
    labels = {w.index: w.label for w in plan.windows}
    windows = [
        {
            "label": w.label,
            "index": w.index,
            "config": w.config.to_dict(),
            "gpus": _gpus(plan.windows[w.index]),
            "split": _split(plan.windows[w.index]),
            "mean_gpus": w.gpu_hours / w.hours if w.hours else math.nan,
            "hours": w.hours,
            "gpu_hours": w.gpu_hours,
            **_stats(w.stats, w.hours),
            "bulk": asdict(w.bulk),
            "hours_meeting_slo_share": _share([h.stats.meets_slo for h in result.hours if h.window == w.index]),
        }
        for w in result.windows
    ]
    hours = [
        {
            "start": h.start.isoformat(),
            "label": labels[h.window],
            "hours": h.hours,
            "replicas": h.replicas,
            "requests_real": h.stats.requests_real,
            "slo_attainment": h.stats.slo_attainment,
            "meets_slo": h.stats.meets_slo,
            "rejected_share": h.stats.rejected_share,
            "percentiles_ms": {k: h.stats.percentiles_ms[k] for k in plan.slo},
        }
        for h in result.hours
    ]
    replayed = sum(w.hours for w in result.windows)
    summary = {
        "slo_attainment": result.overall.slo_attainment,
        "windows_meeting_slo_share": result.windows_meeting_slo_share,
        "hours_meeting_slo_share": result.hours_meeting_slo_share,
        "gpu_hours": result.gpu_hours,
        "static_peak_gpu_hours": result.static_peak_gpu_hours,
        "savings_pct": result.savings_pct,
        "peak_window": plan.peak.label,
        "requests_real": result.overall.requests_real,
        "simulated_requests": result.overall.simulated_requests,
        "rejected_share": result.overall.rejected_share,
        "replayed_hours": replayed,
        "uncovered_hours": result.uncovered_hours,
        "scaling": "autoscale" if plan.scaled else "fixed",
        "static_peak_slo_attainment": result.static_peak.slo_attainment if result.static_peak else None,
        "slo_class": "interactive",
        "bulk_requests_real": result.bulk.requests_real,
        "bulk_share": result.bulk.share,
        "bulk_deadline_s": plan.bulk.deadline_s if plan.bulk else None,
        "bulk_deadline_attainment": result.bulk.deadline_attainment,
        "bulk_completion_p95_s": result.bulk.completion_p95_s,
        "bulk_wait_p95_s": result.bulk.wait_p95_s,
    }
    summary["classes"] = classes(summary, plan.slo)
    summary["worst_class"] = worst_class(summary["classes"])
    return _clean(
        {
            "model": plan.model,
            "engine": plan.engine,
            "slo": plan.slo,
            "bulk": plan.bulk.to_dict() if plan.bulk else None,
            "since": result.since.isoformat(),
            "until": result.until.isoformat(),
            "replay": asdict(options) if options else None,
            "windows": windows,
            "hours": hours,
            "summary": summary,
        }
    )


def classes(summary: dict, slo: dict) -> list[dict]:
    """[{class, requests_real, share, judged_by, attainment, target, judged, met}] from a summary's
    slo_attainment / bulk_* fields (a backtest's or a walk's)."""
    bulk_real = summary.get("bulk_requests_real") or 0.0
    total = (summary.get("requests_real") or 0.0) + bulk_real
    target = max((Slo.of(k).percentile for k in slo), default=95.0) / 100.0
    rows = [
        _class(
            "interactive",
            total - bulk_real,
            total,
            ", ".join(f"{k} <= {v:g}" for k, v in slo.items()),
            summary.get("slo_attainment"),
            target,
        )
    ]
    if bulk_real:
        rows.append(
            _class(
                "bulk",
                bulk_real,
                total,
                f"completion <= {summary.get('bulk_deadline_s') or 0:g} s",
                summary.get("bulk_deadline_attainment"),
                BULK_TARGET,
            )
        )
    return rows


def worst_class(rows: list[dict]) -> str | None:
    """The judged class with the lowest attainment - target (None when nothing was judged)."""
    judged = [r for r in rows if r["judged"] and r["attainment"] is not None and math.isfinite(r["attainment"])]
    return min(judged, key=lambda r: r["attainment"] - r["target"])["class"] if judged else None


def _class(name: str, real: float, total: float, judged_by: str, attainment, target: float) -> dict:
    share = real / total if total else 0.0
    known = attainment is not None and math.isfinite(attainment)
    return {
        "class": name,
        "requests_real": real,
        "share": share,
        "judged_by": judged_by,
        "attainment": attainment,
        "target": target,
        "judged": share > JUDGED_SHARE,
        "met": bool(attainment >= target) if known else None,
    }


def window_rows(doc: dict) -> list[dict]:
    """One flat row per window for the human-readable table."""
    return [
        {
            "window": w["label"],
            "gpus": w["gpus"],
            "mean_gpus": w["mean_gpus"],
            "hours": w["hours"],
            "gpu_hours": w["gpu_hours"],
            "req/s": w["requests_real"] / (w["hours"] * 3600) if w["hours"] else None,
            "slo_attainment": w["slo_attainment"],
            "meets_slo": w["meets_slo"],
            **{k: v for k, v in w["percentiles_ms"].items() if k in doc["slo"]},
            "queue_p95_ms": w["queue_p95_ms"],
            "rejected_share": w["rejected_share"],
            "bulk_share": w["bulk"]["share"],
            "bulk_deadline_met": w["bulk"]["deadline_attainment"],
        }
        for w in doc["windows"]
    ]


def _stats(s: ReplayStats, hours: float) -> dict:
    return {
        "requests_real": s.requests_real,
        "simulated_requests": s.simulated_requests,
        "goodput_rps": s.goodput_requests / (hours * 3600) if hours else math.nan,
        "slo_attainment": s.slo_attainment,
        "meets_slo": s.meets_slo,
        "rejected_share": s.rejected_share,
        "queue_mean_ms": s.queue_mean_ms,
        "queue_p95_ms": s.queue_p95_ms,
        "percentiles_ms": s.percentiles_ms,
    }


def _share(flags) -> float:
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else math.nan


def _clean(value):
    """NaN/inf -> None, floats rounded to 6 significant digits (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return None if not math.isfinite(value) else float(f"{value:.6g}")
    return value


def _gpus(w) -> int:
    """The most GPUs the window runs: its config's, or both pools' when it runs disaggregated."""
    return w.split.gpus if w.split else w.config.gpus


def _split(w) -> dict | None:
    """The disaggregated pools a window runs (recommend/backtest/disagg.py), None when aggregated."""
    return (
        {"prefill": w.split.prefill.to_dict(), "decode": w.split.decode.to_dict(), "link": w.split.link}
        if w.split
        else None
    )
