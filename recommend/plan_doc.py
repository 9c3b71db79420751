"""The plan JSON (issue 6 "Output"; recommend/plan.py is its one reader, dashboards/plan.py draws it).

{"model": catalog model the performance model uses, "traffic_model": model name as logged,
 "gpu": GPU with the most GPU-hours, "gpus_considered", "engine", "slo": {key: ms}, "options",
 "autoscale": null, or the replica scaler (recommend/autoscale.py AutoscalePolicy.to_dict: "interval_s",
          "delay_s", "lookback_s", "bucket_s", "quantile", "ratio" (measured), "intervals", "method", and
          "signal": "requests" | "engine load", the unit the ratio was measured in; calibrated plans also
          "calibrated": {"share", "since", "until", "targets"}: tracefit/scale_targets.py; plans made with
          --scale-seasonal also "floor": recommend/seasonal.py SeasonalFloor.to_dict, tracefit/recommend_data.py),
 "bulk": null, or the traffic-class rule (recommend/traffic_class.py BulkRule.to_dict: "burst_rps",
          "tenants", "deadline_s", "source", "pacing" ("spare" | "fixed": recommend/backtest/bulk.py),
          "rule"); the backtest classifies with it,
 "windows": [{"window": {"label", "hours": [hour-of-week cells]},
   "traffic": {"rps_mean", "rps_p50", "rps_peak" (real req/s), "rps_planned" (busiest 15 min x
              traffic_scale x (1 + headroom)), "tok_s_planned" (the same in prompt + output tokens/s: what a
              spare-paced bulk queue measures spare capacity against), "headroom", "forecast_error" (null, or
              recommend/forecast.py's {"method", "quantile", "ratio", "hours", "forecast_rps", "planned_rps",
              "growth", "planned_growth", "growth_method", "unit"} of the request rate), "load_forecast_error"
              (the same of the token load, unit tokens/s, when the headroom came from it: --forecast-on
              tokens), "planned_span": {"start", "seconds"}, "requests_logged", "sample_rate",
              "sample_resolution_s" (recommend/sampling.py: the shortest interval whose rate the log measures
              within ±10% at the window's mean rate; null without traffic),
              "prompt_tokens": Q, "output_tokens": Q, "bulk": null or recommend/bulk_plan.py BulkLoad.to_dict
              {"requests_logged", "real_requests", "share", "admit_tok_s", "binding_span_s",
              "binding_start_s"}}; rps_planned and predicted latencies are the interactive class's,
   "autoscale": {"min_replicas", "max_replicas" (= config.replicas), "rps_per_replica" (planned interactive
                 real req/s per replica), with --scale-max above the ceiling also "cap_replicas" (the most
                 the scaler runs when its signal asks for more), with --scale-on load also "signal", "prefill_s_per_token",
                 "decode_s_per_token", "load_per_replica" (busy s/s)} (recommend/autoscale.py WindowScaling);
                 calibrated plans (tracefit --scale-calibrate) also "target" (recommend/backtest/targets.py
                 TargetFit.to_dict: the per-replica rates above are already x its "target"),
   "config": {"gpu", "tp", "weights", "kv", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "replicas"},
   "predicted": {"ttft_ms": Q, "tpot_ms": Q, "e2e_ms": Q, "goodput", "tok_s" (prompt + output tokens/s of
                 the fleet at the planned rate), "output_tok_s", "gpu_util" (planned rate / analytic
                 capacity), "source": "simulated" | "screened", ...},
   "cost": {"usd_per_hour", "usd_per_mtok" (per million prompt + output tokens), "usd_per_gpu_hour"},
   "coverage": {"admitted_share", "rejected_share"}, "meets_slo": bool, "reasons": [str],
   "alternatives": [{"config", "predicted", "cost", "meets_slo", "source"}],
   "screening": {"candidates", "not_fitting", "meeting", "simulated"}}],
 "summary": {"gpu_hours_per_week", "static_peak_gpu_hours_per_week", "savings_pct", "usd_per_week",
             "static_peak_usd_per_week", "windows_missing_slo"}}
Q = {"p50", "p90", "p95", "p99"} in ms (traffic: tokens, plus "mean" and "max").
"""

import dataclasses
import math
from collections import Counter
from datetime import UTC, datetime

from recommend.autoscale import LoadWeights, WindowScaling
from recommend.plan import window_views
from recommend.reasons import Evidence, reasons
from recommend.sampling import resolution_s, sample_reason
from recommend.slo import slo_key
from recommend.window_traffic import WindowTraffic

PARETO_POINTS = 6  # screened alternatives kept per window


def window_entry(
    w: WindowTraffic,
    index: int,
    *,
    chosen,
    verified,
    tried,
    result,
    load,
    model_len,
    options,
    traffic,
    mix_note: str | None = None,
) -> dict:
    config = verified.config if verified else chosen.config
    usd = chosen.dep.usd_per_hour * config.replicas
    lam = load.rps_real / config.replicas
    predicted = dict(verified.predicted, source="simulated") if verified else _estimated(chosen)
    predicted["gpu_util"] = round(min(lam / chosen.capacity_rps, 1.0), 4) if chosen.capacity_rps else 0.0
    tok_s = predicted.get("tok_s") or 0.0
    headroom = traffic.scale / options.traffic_scale - 1
    fe = w.forecast_error if options.forecast_quantile is not None and w.forecast_error else None
    sized = w.sizing_error(options.forecast_quantile, options.forecast_on)
    what = (
        "token load (prompt + output tokens/s; its error holds the day-to-day scatter of the length mix)"
        if sized and sized.unit == "tokens/s"
        else "rate"
    )
    why = (
        f"headroom {headroom:.2f} from the measured forecast error of the {what}: the {sized.quantile:g} "
        f"quantile of this window's hours' actual/forecast is {sized.ratio:.2f} (leave-one-day-out, same day "
        f"type, {sized.hours} h), x the busiest forecast hour {sized.forecast_rps:,.0f} {sized.unit}"
        f" x growth {sized.planned_growth:.2f} = {sized.planned_rps:,.0f} {sized.unit}"
        + (f" over the peak hour's {w.peak_tok_s_real:,.0f}" if sized.unit == "tokens/s" else "")
        + f"; {growth_reason(sized)}"
        if sized and sized.hours
        else f"fallback headroom {headroom:.2f} (--headroom): no forecast error to measure, the planning data "
        f"holds no other day of this window's day type ({(fe.hours if fe else 0)} h with a forecast)"
    )
    note = (
        f"busiest {traffic.span_s / 60:.0f} min of the peak span from {w.peak_start or '?'}, "
        f"x{traffic.scale:g} scale and headroom; {why}"
    )
    note += "; " + sample_reason(w.rps_mean_real, w.sample_rate)
    if mix_note:
        note += "; " + mix_note
    scaler = scaling(
        traffic,
        config.replicas,
        w,
        load_weights(chosen, load) if options.scale_on == "load" else None,
        floor=options.scale_floor,
        target=options.scale_target,
    )
    if scaler.load:
        note += (
            f"; {config.replicas} replicas are the scaler's ceiling, it follows engine load: "
            f"{scaler.load.prefill_s_per_token * 1e3:.3g} ms per prompt token + "
            f"{scaler.load.decode_s_per_token * 1e3:.3g} ms per output token (this config's prefill work and "
            f"marginal decode step), {scaler.load_per_replica:.3f} busy s/s per replica as planned here, so a "
            "heavier length mix gets more replicas at the same request rate"
        )
    if w.bulk:
        note += "; " + bulk_reason(w, traffic)
    ev = Evidence(
        chosen=chosen if not verified else _with(chosen, config),
        verified=verified,
        workload=load,
        model_len=model_len,
        coverage=options.coverage,
        ranked=result.ranked,
        slo=options.slo,
        plan_note=note,
    )
    return {
        "window": {"label": w.label, "hours": sorted(int(c) for c in w.cells)},
        "traffic": {
            "rps_mean": round(w.rps_mean_real, 3),
            "rps_p50": round(w.rps_p50_real, 3),
            "rps_peak": round(w.rps_peak_real, 3),
            "rps_planned": round(traffic.rps_real, 3),
            "tok_s_planned": round(planned_tok_s(traffic), 1),
            "headroom": round(headroom, 4),
            "forecast_error": fe.to_dict() if fe else None,
            "load_forecast_error": sized.to_dict() if sized and sized is not fe else None,
            "planned_span": {"start": w.peak_start, "seconds": traffic.span_s},
            "requests_logged": w.requests,
            "sample_rate": w.sample_rate,
            "sample_resolution_s": _finite(resolution_s(w.rps_mean_real, w.sample_rate)),
            "prompt_tokens": dict(w.prompt_tokens),
            "output_tokens": dict(w.output_tokens),
            "bulk": w.bulk.to_dict() if w.bulk else None,
        },
        "config": config.to_dict(),
        "autoscale": scaler.to_dict(),
        "predicted": predicted,
        "cost": {
            "usd_per_hour": round(usd, 2),
            "usd_per_mtok": round(usd / (tok_s * 3600 / 1e6), 4) if tok_s else None,
            "usd_per_gpu_hour": round(chosen.dep.usd_per_hour / chosen.dep.tp, 4),
        },
        "coverage": {
            "max_model_len": model_len.max_model_len,
            "admitted_share": round(model_len.admitted_share, 6),
            "rejected_share": round(1 - model_len.admitted_share, 6),
        },
        "meets_slo": bool(verified.meets if verified else chosen.meets),
        "reasons": reasons(ev),
        "alternatives": _alternatives(config, tried, result.ranked),
        "screening": {
            "candidates": result.screened,
            "not_fitting": result.not_fitting,
            "meeting": sum(s.meets for s in result.ranked),
            "simulated": len(tried),
        },
    }


def planned_tok_s(traffic) -> float:
    """Interactive real prompt + output tokens/s the window's replicas are planned for (the span's mix at
    the planned rate); the bulk queue's spare capacity is measured against it (recommend/backtest/bulk.py)."""
    n = traffic.arrival_s.size
    return traffic.rps_real * float(traffic.prompt_tokens.sum() + traffic.output_tokens.sum()) / n if n else 0.0


def growth_reason(fe) -> str:
    """What growth the plan assumed (recommend/forecast.py trend)."""
    change = f"traffic trend {fe.growth - 1:+.0%} a week ({fe.growth_method})"
    if fe.planned_growth > 1:
        return f"{change}; planned for {fe.planned_growth - 1:+.0%}"
    return f"{change}; planned for no growth (" + (
        "within the days' scatter)" if fe.growth > 1 else "a fall is not assumed to continue)"
    )


def _finite(value: float) -> float | None:
    return round(value, 1) if value != float("inf") else None


def scaling(
    traffic,
    replicas: int,
    w: WindowTraffic | None = None,
    weights: LoadWeights | None = None,
    floor: float = 0.0,
    target: float = 1.0,
) -> WindowScaling:
    """The window's replica range for the scaler: up to the planned fleet, sized by its planned load
    (per replica: the planned span's busy s/s under `weights` / replicas; the request count's
    rps_per_replica = the planned rate / replicas, x lightness when the planned span is lighter per request
    than the window's mean, for scalers that count requests); at least `floor` x the ceiling (at least 1);
    both per-replica figures x `target` (a utilisation target below the simulated SLO edge)."""
    per_request = (
        float(weights.load_s(traffic.prompt_tokens, traffic.output_tokens).mean())
        if weights and traffic.arrival_s.size
        else 0.0
    )
    return WindowScaling(
        min_replicas=max(1, math.ceil(floor * replicas - 1e-9)),
        max_replicas=replicas,
        rps_per_replica=traffic.rps_real / replicas * lightness(traffic, w) * target,
        load=weights if per_request > 0 else None,
        load_per_replica=traffic.rps_real * per_request / replicas * target,
    )


def load_weights(chosen, load) -> LoadWeights | None:
    """The chosen config's engine seconds per prompt and output token (recommend/queueing.py: p is the
    prefill work of the mean prompt, b the marginal decode step time per sequence)."""
    if not getattr(chosen, "prefill_s", 0) or load.prompt_mean <= 0:
        return None
    return LoadWeights(prefill_s_per_token=chosen.prefill_s / load.prompt_mean, decode_s_per_token=chosen.step_b_s)


def lightness(traffic, w: WindowTraffic | None) -> float:
    """The planned span's mean prompt + output tokens per request / the window's, at most 1. The scaler
    counts requests: a span lighter per request than the window (ServeGen 2025-03-12 19:00: one tenant's
    ~200 req/s of 65-token prompts with 1-token outputs, half the span's requests) would let each
    replica count for more requests than the window's usual mix can take."""
    if w is None or not traffic.arrival_s.size:
        return 1.0
    span = float(traffic.prompt_tokens.mean() + traffic.output_tokens.mean())
    window = float(w.prompt_tokens.get("mean", 0.0)) + float(w.output_tokens.get("mean", 0.0))
    return min(span / window, 1.0) if window > 0 else 1.0


def bulk_reason(w: WindowTraffic, traffic) -> str:
    """Why the replicas also carry bulk work (recommend/bulk_plan.py)."""
    b = w.bulk
    start = datetime.fromtimestamp(b.binding_start_s, UTC)
    return (
        f"interactive capacity planned on interactive traffic only; {b.share:.1%} of the window's requests "
        f"are bulk ({b.real_requests:,.0f} real in the planning range), planned as throughput: admitted at "
        f"{traffic.bulk_admit_tok_s:,.0f} tokens/s (~{traffic.bulk_rps_real:.1f} req/s) = the most bulk tokens "
        f"arriving within any {b.binding_span_s:g} s (from {start:%Y-%m-%d %H:%M:%S} UTC) / ({b.binding_span_s:g} s "
        "+ the deadline), the slowest FIFO admission that meets the deadline, at least: with --bulk-pacing spare "
        "the queue also admits into the token capacity the interactive traffic leaves unused (a dump larger than "
        "any in the planning range); the replicas carry it on top"
    )


def _with(s, config):
    """The screened candidate with the replicas the simulator settled on."""
    return dataclasses.replace(s, config=config, usd_per_hour=s.dep.usd_per_hour * config.replicas)


def _estimated(s) -> dict:
    out: dict = {"source": "screened"}
    for key, ms in s.estimates_ms.items():
        metric, q = slo_key(key)
        out.setdefault(f"{metric}_ms", {})[f"p{q:g}"] = round(ms, 3)
    return out


def _alternatives(config, tried, ranked) -> list[dict]:
    out = [
        {
            "config": v.config.to_dict(),
            "predicted": dict(v.predicted, source="simulated"),
            "cost": {"usd_per_hour": round(s.dep.usd_per_hour * v.config.replicas, 2)},
            "meets_slo": v.meets,
            "source": "simulated",
        }
        for s, v in tried
        if v.config != config
    ]
    best_ratio = float("inf")
    for s in sorted((s for s in ranked if s.meets), key=lambda s: (s.usd_per_hour, s.miss_ratio)):
        if s.miss_ratio < best_ratio and s.config != config and len(out) < len(tried) + PARETO_POINTS:
            best_ratio = s.miss_ratio
            out.append(
                {
                    "config": s.config.to_dict(),
                    "predicted": _estimated(s),
                    "cost": {"usd_per_hour": round(s.usd_per_hour, 2)},
                    "meets_slo": True,
                    "source": "screened",
                }
            )
    return out


def plan_document(
    entries: list[dict], *, model: str, traffic_model: str | None, space, options, bulk=None, autoscale=None
) -> dict:
    gpu_hours = Counter()
    for e in entries:
        gpu_hours[e["config"]["gpu"]] += window_gpus(e) * len(e["window"]["hours"])
    hours = sum(len(e["window"]["hours"]) for e in entries)
    peak = max(entries, key=lambda e: (window_gpus(e), e["cost"]["usd_per_hour"]))
    static_gpu_h = window_gpus(peak) * hours
    used = sum(gpu_hours.values())
    usd_week = sum(e["cost"]["usd_per_hour"] * len(e["window"]["hours"]) for e in entries)
    return {
        "model": model,
        "traffic_model": traffic_model or model,
        "gpu": gpu_hours.most_common(1)[0][0],
        "gpus_considered": list(space.gpus),
        "engine": space.engine,
        "slo": dict(options.slo),
        "bulk": bulk.to_dict() if bulk else None,
        "autoscale": autoscale.to_dict() if autoscale else None,
        "options": {
            "coverage": options.coverage,
            "headroom": options.headroom,
            "forecast_quantile": options.forecast_quantile,
            "forecast_on": options.forecast_on,
            "scale_on": options.scale_on,
            "scale_floor": options.scale_floor,
            "scale_target": options.scale_target,
            "scale_max": options.scale_max,
            "traffic_scale": options.traffic_scale,
            "max_gpus": space.max_gpus,
            "allow_quant": list(space.allow_quant),
            "prices_usd_per_gpu_hour": {g: space.usd_per_gpu_hour(g) for g in space.gpus},
        },
        "windows": entries,
        "summary": {
            "gpu_hours_per_week": round(used, 1),
            "static_peak_gpu_hours_per_week": round(static_gpu_h, 1),
            "savings_pct": round(100 * (1 - used / static_gpu_h), 1) if static_gpu_h else 0.0,
            "usd_per_week": round(usd_week, 2),
            "static_peak_usd_per_week": round(peak["cost"]["usd_per_hour"] * hours, 2),
            "windows_missing_slo": [e["window"]["label"] for e in entries if not e["meets_slo"]],
        },
    }


def window_gpus(entry: dict) -> int:
    """GPUs a window entry runs at its ceiling: TP x replicas."""
    return entry["config"]["tp"] * entry["config"]["replicas"]


def table_rows(plan: dict) -> list[dict]:
    """One row per window for the human-readable table (recommend/plan.py reads the windows)."""
    return [
        {
            "window": w.label,
            "rps_planned": w.traffic.get("rps_planned"),
            "gpu": w.gpu,
            **w.settings(),
            "ttft_p95_ms": w.p("ttft_ms"),
            "tpot_p95_ms": w.p("tpot_ms"),
            "goodput": w.predicted.get("goodput"),
            "usd_per_hour": w.usd_per_hour,
            "meets_slo": "yes" if w.meets_slo else "NO",
        }
        for w in window_views(plan)
    ]
