"""The front page's account of the latest nightly run: what changed, what was flagged."""

from dashboards.html import Table, Tiles

ALERT_COLUMNS = ["kind", "model", "subject", "day", "detail"]


def worst_class_tile(entry: dict) -> tuple[str, str]:
    """The headline of a replayed day: its worst traffic class, attainment against target."""
    s = entry.get("summary", {})
    worst = next((c for c in s.get("classes") or [] if c["class"] == s.get("worst_class")), None)
    if worst is None or worst.get("attainment") is None:
        return "—", f"{entry.get('model')}: no class judged on {entry.get('day')}"
    return (
        f"{worst['attainment']:.1%}",
        f"{entry.get('model')} on {entry.get('day')}: worst class {worst['class']} "
        f"({worst['judged_by']}; target {worst['target']:.0%})",
    )


def report_blocks(report: dict | None) -> list:
    if not report:
        return []
    ingested = report.get("ingest", [])
    loaded = sum(f.get("rows_loaded", 0) for f in ingested)
    alerts, new = report.get("alerts", []), report.get("new_alerts", [])
    blocks = [
        Tiles(
            items=[
                (str(report.get("run", "—")), "nightly run"),
                (f"{loaded:,}", f"requests loaded from {len(ingested)} files"),
                (f"{len(new)} new / {len(alerts)}", "alerts"),
                (str(report.get("previous_run") or "first run"), "compared with"),
                *[worst_class_tile(b) for b in report.get("backtest", [])],
            ]
        )
    ]
    blocks.append(
        Table(
            title="New since the last run" if report.get("previous_run") else "Alerts",
            columns=ALERT_COLUMNS,
            rows=new,
            caption="Latency change points (daily p50/p95/p99, TTFT slope) and tenants whose "
            "lengths or rates are outliers. Empty: nothing new.",
        )
    )
    changes = [{"model": p["model"], **c} for p in report.get("plans", []) for c in p.get("changes", [])]
    plans = [
        {
            "model": p["model"],
            "status": p["status"],
            "gpu_hours_per_week": p.get("summary", {}).get("gpu_hours_per_week"),
            "savings_pct": p.get("summary", {}).get("savings_pct"),
            "note": p.get("reason") or p.get("plan"),
        }
        for p in report.get("plans", [])
    ]
    if plans:
        blocks.append(
            Table(title="Plans", columns=["model", "status", "gpu_hours_per_week", "savings_pct", "note"], rows=plans)
        )
        blocks.append(
            Table(
                title="Plan changes since the last run",
                columns=["model", "window", "knob", "from", "to", "change"],
                rows=changes,
                caption="Empty: every window kept its configuration.",
            )
        )
    if report.get("backtest"):
        rows = [
            {
                "model": b["model"],
                "day": b.get("day"),
                **{k: v for k, v in b.get("summary", {}).items() if k != "classes"},
            }
            for b in report["backtest"]
        ]
        columns = ["model", "day", "worst_class"] + [
            k for k in (rows[0] if rows else {}) if k not in ("model", "day", "worst_class")
        ]
        blocks.append(
            Table(
                title="Yesterday replayed against the plan in force",
                columns=columns,
                rows=rows,
                caption="worst_class: the traffic class furthest below its target (interactive: "
                "share of requests meeting every SLO threshold; bulk: share done within "
                "the deadline).",
            )
        )
    return blocks
