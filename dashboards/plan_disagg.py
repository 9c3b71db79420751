"""Disaggregated prefill/decode per window (`recommend --disagg`, recommend/disagg/pick.py) read from a plan
(recommend/plan.py window_views): the split, its cost against the best aggregated config, and what bounds
each pool. Missing keys degrade to None."""

import polars as pl

from recommend.plan import quantile, window_views


def _pool(c: dict) -> str:
    return f"{c.get('replicas')} x {c.get('gpu')} TP{c.get('tp')} {c.get('weights')}" if c else "—"


def split_rows(plan: dict) -> list[dict]:
    """One row per window: the aggregated config and the best split, cost and p95s of each, which runs."""
    rows = []
    for w in window_views(plan):
        d, agg = w.disagg, w
        dp, dcost = d.get("predicted") or {}, d.get("cost") or {}
        rows.append(
            {
                "window": w.label,
                "runs": w.deployment,
                "aggregated": _pool(w.config),
                "aggregated_usd_per_hour": agg.usd_per_hour,
                "aggregated_ttft_ms_p95": agg.p("ttft_ms"),
                "aggregated_tpot_ms_p95": agg.p("tpot_ms"),
                "split": (d.get("label") or "—").split(" (")[0],
                "prefill": _pool(d.get("prefill") or {}),
                "decode": _pool(d.get("decode") or {}),
                "split_usd_per_hour": dcost.get("usd_per_hour"),
                "split_vs_aggregated_pct": dcost.get("vs_aggregated_pct"),
                "split_ttft_ms_p95": quantile(dp.get("ttft_ms")),
                "split_tpot_ms_p95": quantile(dp.get("tpot_ms")),
                "transfer_ms_p95": quantile(dp.get("transfer_ms")),
                "split_meets_slo": d.get("meets_slo"),
                "reasons": [str(r) for r in d.get("reasons") or []] or ["no disaggregated split fits this window"],
            }
        )
    return rows


def costs(plan: dict) -> pl.DataFrame:
    """window_label, deployment ("aggregated" | "disaggregated"), usd_per_hour, gpus, chosen, meets_slo."""
    out = []
    for w in window_views(plan):
        d, c, usd = w.disagg, w.config, w.usd_per_hour
        if isinstance(usd, (int, float)):
            out.append(
                {
                    "window_label": w.label,
                    "deployment": "aggregated",
                    "usd_per_hour": float(usd),
                    "gpus": int(c.get("tp", 0)) * int(c.get("replicas", 0)),
                    "chosen": w.deployment == "aggregated",
                    "meets_slo": bool(w.meets_slo),
                }
            )
        if isinstance((d.get("cost") or {}).get("usd_per_hour"), (int, float)):
            gpus = sum(
                int((d.get(p) or {}).get("tp", 0)) * int((d.get(p) or {}).get("replicas", 0))
                for p in ("prefill", "decode")
            )
            out.append(
                {
                    "window_label": w.label,
                    "deployment": "disaggregated",
                    "usd_per_hour": float(d["cost"]["usd_per_hour"]),
                    "gpus": gpus,
                    "chosen": w.deployment == "disaggregated",
                    "meets_slo": bool(d.get("meets_slo")),
                }
            )
    schema = {
        "window_label": pl.Utf8,
        "deployment": pl.Utf8,
        "usd_per_hour": pl.Float64,
        "gpus": pl.Int64,
        "chosen": pl.Boolean,
        "meets_slo": pl.Boolean,
    }
    return pl.DataFrame(out, schema=schema)
