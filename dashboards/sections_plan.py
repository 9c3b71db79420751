"""The Recommendations section, built from a plan dict (issue 6 shape); missing keys degrade to
an explanation instead of an error."""

from dashboards import charts_disagg, charts_plan, plan_disagg
from dashboards import plan as plans
from dashboards.html import Figure, Page, Table, Tiles
from dashboards.sections import figure

CONFIG_COLUMNS = [
    "window",
    "gpu",
    "tp",
    "weights",
    "kv",
    "max_model_len",
    "max_num_seqs",
    "max_num_batched_tokens",
    "replicas",
    "ttft_ms_p95",
    "tpot_ms_p95",
    "goodput",
    "usd_per_hour",
]


def recommendations(plan: dict) -> Page:
    rows = plans.config_rows(plan)
    summary = plan.get("summary") or {}
    tiles = Tiles(
        items=[
            (str(plan.get("model") or "—"), "model"),
            (str(plan.get("gpu") or "—"), "GPU"),
            (str(len(rows)), "windows"),
            (_num(summary.get("gpu_hours_per_week")), "GPU-hours / week"),
            (_num(summary.get("static_peak_gpu_hours_per_week")), "static peak GPU-hours / week"),
            (_pct(summary.get("savings_pct")), "saved vs static peak"),
        ]
    )
    slo = plan.get("slo") or {}
    table = Table(
        title="Configuration per window",
        columns=CONFIG_COLUMNS,
        rows=rows,
        caption="SLO: "
        + (
            ", ".join(f"{k} = {v}" for k, v in slo.items())
            if isinstance(slo, dict) and slo
            else "not stated in the plan"
        ),
    )
    if not rows:
        table = Figure(
            name="config_table",
            title="Configuration per window",
            why='the plan lists no windows (key "windows" missing or empty)',
        )
    reasons = Table(
        title="Why",
        columns=["window", "reasons"],
        rows=[{"window": r["window"], "reasons": r["reasons"] or ["the plan gives no reason"]} for r in rows],
    )
    cells, points = plans.schedule(plan), plans.pareto(plan)
    roof = plans.roofline(plan)
    roof_block = (
        Figure(name="roofline", title="Roofline", why=roof)
        if isinstance(roof, str)
        else Figure(
            name="roofline",
            title="Roofline",
            chart=charts_plan.roofline(*roof),
            caption="operating points: decode at batch = max_num_seqs, prefill at chunk = max_num_batched_tokens; "
            "intensity = 2 × tokens ÷ bytes per weight (weights only)",
        )
    )
    return Page(
        slug="recommendations",
        title="Recommendations",
        intro="From the plan given with --plan.",
        blocks=[
            tiles,
            table,
            reasons,
            figure(
                "replica_schedule",
                "Replica schedule",
                cells,
                lambda: charts_plan.replica_schedule(cells),
                "no window states its hours (window.hours or window.start/end) and replicas",
                _scaler(plan),
            ),
            figure(
                "pareto",
                "Latency–cost Pareto",
                points,
                lambda: charts_plan.latency_cost_pareto(points),
                "no window has both cost.usd_per_hour and predicted.ttft_ms",
            ),
            roof_block,
        ]
        + (_disagg(plan) if plan.get("disagg") else []),
    )


SPLIT_COLUMNS = [
    "window",
    "runs",
    "aggregated",
    "aggregated_usd_per_hour",
    "aggregated_ttft_ms_p95",
    "aggregated_tpot_ms_p95",
    "split",
    "prefill",
    "decode",
    "split_usd_per_hour",
    "split_vs_aggregated_pct",
    "split_ttft_ms_p95",
    "split_tpot_ms_p95",
    "transfer_ms_p95",
    "split_meets_slo",
]


def _disagg(plan: dict) -> list:
    """`recommend --disagg`: the split per window, its cost against the best aggregated config, and why."""
    rows, frame = plan_disagg.split_rows(plan), plan_disagg.costs(plan)
    link = plan["disagg"].get("link", "?") if isinstance(plan["disagg"], dict) else "?"
    return [
        Table(
            title="Disaggregated prefill/decode per window",
            columns=SPLIT_COLUMNS,
            rows=rows,
            caption=f"KV moved over {link}; p95s simulated with both pools (TTFT includes the transfer)",
        ),
        figure(
            "split_cost",
            "Aggregated vs disaggregated cost",
            frame,
            lambda: charts_disagg.split_cost(frame),
            "no window has a cost for both deployments",
        ),
        Table(
            title="Why this deployment",
            columns=["window", "reasons"],
            rows=[{"window": r["window"], "reasons": r["reasons"]} for r in rows],
        ),
    ]


def _scaler(plan: dict) -> str:
    """The replica scaler in words (recommend/autoscale.py), when the plan measured one."""
    a = plan.get("autoscale") if isinstance(plan.get("autoscale"), dict) else {}
    if not a.get("ratio"):
        return ""
    load = any((w.get("autoscale") or {}).get("load_per_replica") for w in plan.get("windows", []))
    signal, per = (
        ("engine load (prompt and output tokens/s × the config's seconds per token)", "busy s/s")
        if load
        else ("request rate", "req/s")
    )
    return (
        f"Replicas are each window's maximum: every {a['interval_s'] / 60:g} min a scaler runs "
        f"ceil({a['ratio']:g} × the busiest {a['bucket_s'] / 60:g}-min {signal} of the last "
        f"{a['lookback_s'] / 60:g} min ÷ the window's {per} per replica), the maximum while bulk work is "
        f"queued; {a['ratio']:g} is the {a['quantile']:g} quantile of the error it would have made on "
        f"{a.get('intervals', 0)} planning intervals."
    )


def _num(value) -> str:
    return f"{value:,.0f}" if isinstance(value, (int, float)) else "—"


def _pct(value) -> str:
    return f"{value:.0f}%" if isinstance(value, (int, float)) else "—"
