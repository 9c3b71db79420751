"""`recommend --disagg`: per window, the best disaggregated (xPyD) split next to the aggregated plan, and the pick.

    plan = add_disagg(plan, windows, model="qwen2.5-72b", space=space, options=options, link="ib-ndr")

For each window of an aggregated plan (recommend/recommender.py): the same planned traffic and
max_model_len, every prefill x decode pool pair screened (recommend/disagg/screen.py, any two GPU types
of --gpu), the best `simulate_top` simulated with both pools and the KV transfer
(recommend/disagg/verify.py), replicas raised where the simulator says they miss. The window runs
disaggregated only when the split meets every SLO and costs less per hour than the aggregated config,
or when the aggregated one misses and the split meets; the reasons say which and why.

Plan JSON additions (the aggregated fields stay as they were, so a consumer that knows nothing of
disaggregation still reads a valid aggregated plan):
  plan["disagg"] = {"link", ...sources}; plan["summary"] gains "aggregated_gpu_hours_per_week",
  "aggregated_usd_per_week", "disagg_windows", and its gpu_hours/usd/savings and static peak count the deployments
  that run (the static peak: the one with the most GPUs, all week).
  window["deployment"] = "aggregated" | "disaggregated"; window["disagg"] = {"chosen": bool,
  "prefill": config + {"bound"}, "decode": config + {"bound"}, "transfer": KvTransfer.to_dict,
  "predicted": {"ttft_ms": Q, "tpot_ms": Q, "e2e_ms": Q, "transfer_ms": Q, "prefill_ms": Q, "goodput",
  "source"}, "cost": {"usd_per_hour", "vs_aggregated_pct"}, "meets_slo", "label", "reasons": [str],
  "breakeven" (when not chosen; recommend/disagg/breakeven.py): {"share", "threshold_tokens", ...}}
  (null when no split fits).
"""

import dataclasses
import math

from profiles.links import get_link
from recommend.disagg.breakeven import SHARES, breakeven
from recommend.disagg.screen import Split, screen_disagg
from recommend.disagg.transfer import kv_transfer
from recommend.disagg.verify import VerifiedSplit, verify_split
from recommend.queueing import Workload
from recommend.recommender import RecommendOptions, first_distinct, window_headroom
from recommend.search_space import SearchSpace, deployments, knob_grid
from recommend.window_traffic import WindowTraffic, plan_traffic

RAISE_ROUNDS = 3


def add_disagg(
    plan: dict,
    windows: list[WindowTraffic],
    *,
    model: str,
    space: SearchSpace,
    options: RecommendOptions,
    link: str = "ib-ndr",
) -> dict:
    get_link(link)
    deps = deployments(model, space)
    for entry, w in zip(plan["windows"], windows, strict=True):
        entry["disagg"] = window_disagg(
            entry, w, deps=deps, model=plan["model"], space=space, options=options, link=link
        )
        entry["deployment"] = "disaggregated" if entry["disagg"] and entry["disagg"]["chosen"] else "aggregated"
    spec = get_link(link)
    plan["disagg"] = {
        "link": spec.name,
        "gb_s_per_gpu": spec.gb_s_per_gpu,
        "achieved_fraction": spec.achieved_fraction,
        "source": spec.source,
        "fraction_source": spec.fraction_source,
    }
    plan["summary"].update(_summary(plan))
    return plan


def window_disagg(
    entry: dict, w: WindowTraffic, *, deps, model: str, space: SearchSpace, options: RecommendOptions, link: str
) -> dict | None:
    o = options
    traffic = plan_traffic(w, traffic_scale=o.traffic_scale, headroom=window_headroom(w, o))
    load = Workload.of(traffic)
    ml = entry["coverage"]["max_model_len"]
    splits = screen_disagg(
        deps,
        space.max_num_batched_tokens,
        space.max_num_seqs,
        load,
        max_model_len=ml,
        slo=o.slo,
        link=link,
        model=model,
        decode_w=decode_workload(load, w),
    )
    if not splits:
        return None
    seed = o.seed + entry["window"]["hours"][0] if entry["window"]["hours"] else o.seed
    tried = [
        verify_split(s, traffic, model=model, engine=space.engine, slo=o.slo, seed=seed)
        for s in first_distinct(splits, o.simulate_top, _split_key)
    ]
    if not any(v.meets for v in tried):
        tried += _raise(min(tried, key=lambda v: v.miss_ratio), traffic, model, space.engine, o, seed)
    meeting = [v for v in tried if v.meets]
    best = (
        min(meeting, key=lambda v: (v.split.usd_per_hour, v.miss_ratio))
        if meeting
        else min(tried, key=lambda v: v.miss_ratio)
    )
    out = _entry(best, entry, o.slo)
    if not out["chosen"]:
        out["breakeven"] = breakeven(
            traffic,
            deps=deps,
            grid=knob_grid(space),
            budgets=space.max_num_batched_tokens,
            seqs=space.max_num_seqs,
            max_model_len=ml,
            slo=o.slo,
            link=link,
            model=model,
        )
        out["reasons"][0] += "; " + _breakeven_note(out["breakeven"], traffic)
    return out


def decode_workload(load: Workload, w: WindowTraffic) -> Workload:
    """The planned span's workload with the whole window's mean output and prompt where they are longer.

    The planned span is the window's busiest by requests, but the window's hours differ in mix (ServeGen
    chat-large 01-10 UTC: output tokens average 196 over the window, 323 in a week-2 hour at 59% of the
    planned rate), and a decode pool sized on the busiest span ran out of sequence slots in output-heavy
    hours (week-2 TTFT p95 6-45 s), while an aggregated replica shares its slack between the phases."""
    out_mean = max(load.output_mean, float(w.output_tokens.get("mean") or 0.0))
    prompt_mean = max(load.prompt_mean, float(w.prompt_tokens.get("mean") or 0.0))
    if out_mean == load.output_mean and prompt_mean == load.prompt_mean:
        return load
    return dataclasses.replace(
        load, output_mean=out_mean, decode_ctx_tokens=max(load.decode_ctx_tokens, prompt_mean + out_mean / 2)
    )


def _split_key(s: Split) -> tuple:
    p, d = s.prefill.config, s.decode.config
    return (p.gpu, p.tp, p.weights, d.gpu, d.tp, d.weights, d.kv)


def _raise(v: VerifiedSplit, traffic, model, engine, o: RecommendOptions, seed: int) -> list[VerifiedSplit]:
    """More replicas for the pool that misses: TTFT -> prefill, TPOT -> decode, E2E -> both (x1.25, at least +1)."""
    out = []
    for _ in range(RAISE_ROUNDS):
        s = v.split
        miss = {k.split("_")[0] for k, ms in v.slo_ms.items() if ms > o.slo[k]}
        p, d = s.prefill.config, s.decode.config
        p = _more(p) if miss & {"ttft", "e2e"} else p
        d = _more(d) if miss & {"tpot", "e2e"} or (miss and p is s.prefill.config) else d
        split = dataclasses.replace(
            s, prefill=dataclasses.replace(s.prefill, config=p), decode=dataclasses.replace(s.decode, config=d)
        )
        v = verify_split(split, traffic, model=model, engine=engine, slo=o.slo, seed=seed)
        out.append(v)
        if v.meets:
            break
    return out


def _more(config):
    return dataclasses.replace(config, replicas=max(config.replicas + 1, math.ceil(config.replicas * 1.25)))


def _entry(v: VerifiedSplit, entry: dict, slo: dict) -> dict:
    s = v.split
    agg_usd, agg_meets = entry["cost"]["usd_per_hour"], entry["meets_slo"]
    usd = s.usd_per_hour
    chosen = v.meets and (usd < agg_usd or not agg_meets)
    pct = 100 * (usd / agg_usd - 1) if agg_usd else 0.0
    margins = ", ".join(f"{k} {v.slo_ms[k]:,.0f}/{slo[k]:,.0f} ms" for k in slo if k in v.slo_ms)
    if chosen:
        why = (
            f"disaggregated {s.label}: ${usd:,.2f}/h vs ${agg_usd:,.2f}/h aggregated "
            + (f"({-pct:.0f}% cheaper)" if agg_meets else "(the aggregated config misses the SLO)")
            + f"; simulated {margins}"
        )
    elif not v.meets:
        why = f"aggregated kept: the best disaggregated split {s.label} misses the SLO in simulation ({margins})"
    else:
        why = (
            f"aggregated kept: SLO met aggregated at ${agg_usd:,.2f}/h, lower than the best disaggregated split "
            f"{s.label} at ${usd:,.2f}/h (+{pct:.0f}%)"
        )
    transfer_q = v.predicted.get("transfer_ms", {})
    reasons = [
        why,
        s.prefill.bound,
        s.decode.bound,
        f"KV transfer: {s.transfer.bytes_per_token / 1e3:,.1f} kB/token over {s.transfer.lanes}x "
        f"{s.transfer.link.name} ({s.transfer.bytes_s / 1e9:,.1f} GB/s achievable); simulated p50 "
        f"{transfer_q.get('p50', math.nan):,.1f} ms, p95 {transfer_q.get('p95', math.nan):,.1f} ms",
    ]
    return {
        "chosen": bool(chosen),
        "label": s.label,
        "prefill": dict(
            s.prefill.config.to_dict(), bound=s.prefill.bound, usd_per_hour=round(s.prefill.usd_per_hour, 2)
        ),
        "decode": dict(s.decode.config.to_dict(), bound=s.decode.bound, usd_per_hour=round(s.decode.usd_per_hour, 2)),
        "transfer": s.transfer.to_dict(),
        "predicted": dict(v.predicted, source="simulated"),
        "slo_ms": {k: round(x, 3) for k, x in v.slo_ms.items()},
        "cost": {"usd_per_hour": round(usd, 2), "vs_aggregated_pct": round(pct, 1)},
        "meets_slo": bool(v.meets),
        "reasons": reasons,
    }


def _breakeven_note(be: dict | None, traffic) -> str:
    """The long-prompt share above which a split screens cheaper (recommend/disagg/breakeven.py), in words."""
    if not be:
        return "too few requests to tell where disaggregation would pay off"
    now = float((traffic.prompt_tokens > be["threshold_tokens"]).mean())
    if be["share"] is None:
        return (
            f"no split screens cheaper even with {SHARES[-1]:.0%} of prompts longer than "
            f"{be['threshold_tokens']:,} tokens (this window: {now:.0%})"
        )
    return (
        f"disaggregation pays off (screened) above ~{be['share']:.0%} of prompts longer than "
        f"{be['threshold_tokens']:,} tokens (this window: {now:.0%})"
    )


def _summary(plan: dict) -> dict:
    """The plan summary's totals over the deployments that run (the static-peak plan: the one with the most GPUs
    all week), and the all-aggregated totals beside them."""
    rows = []  # (hours, GPUs, USD/h) of what runs; (GPUs, USD/h) of the aggregated config
    for e in plan["windows"]:
        c, d = e["config"], e.get("disagg")
        agg = (c["tp"] * c["replicas"], e["cost"]["usd_per_hour"])
        run = (
            (sum(d[p]["tp"] * d[p]["replicas"] for p in ("prefill", "decode")), d["cost"]["usd_per_hour"])
            if d and d["chosen"]
            else agg
        )
        rows.append((len(e["window"]["hours"]), *run, *agg))
    hours = sum(r[0] for r in rows)
    gpu_h, usd = sum(h * g for h, g, *_ in rows), sum(h * u for h, _, u, *_ in rows)
    peak = max(rows, key=lambda r: (r[1], r[2]))
    chosen = [e["window"]["label"] for e in plan["windows"] if e.get("deployment") == "disaggregated"]
    return {
        "aggregated_gpu_hours_per_week": round(sum(r[0] * r[3] for r in rows), 1),
        "aggregated_usd_per_week": round(sum(r[0] * r[4] for r in rows), 2),
        "gpu_hours_per_week": round(gpu_h, 1),
        "usd_per_week": round(usd, 2),
        "static_peak_gpu_hours_per_week": round(peak[1] * hours, 1),
        "static_peak_usd_per_week": round(peak[2] * hours, 2),
        "savings_pct": round(100 * (1 - gpu_h / (peak[1] * hours)), 1) if peak[1] and hours else 0.0,
        "disagg_windows": chosen,
        "windows_missing_slo": [
            e["window"]["label"]
            for e in plan["windows"]
            if not (e["disagg"]["meets_slo"] if e["window"]["label"] in chosen else e["meets_slo"])
        ],
    }


__all__ = ["add_disagg", "kv_transfer", "window_disagg"]
