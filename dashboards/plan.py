"""A recommendation plan (issue 6 JSON shape) as frames, tolerating missing keys: recommend/plan.py
window_views reads it (the one reader of plan documents), this module only shapes frames.

{"model", "gpu", "slo", "windows": [{"window": {"label", "hours" | "start"/"end"}, "traffic",
 "config": {"gpu", "tp", "weights", "kv", "max_model_len", "max_num_seqs", "max_num_batched_tokens",
 "replicas"}, "predicted": {"ttft_ms": Q, "tpot_ms": Q, "e2e_ms": Q, "goodput", ...},
 "cost": {"usd_per_hour", "usd_per_mtok"}, "reasons": [str], "alternatives": [...]}], "summary"}
Q is {"p50", "p95", "p99"} (a bare number is read as every quantile).
"""

import polars as pl

from profiles import CatalogError, get_gpu
from recommend.deployment import WEIGHT_BYTES
from recommend.plan import window_views

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def config_rows(plan: dict) -> list[dict]:
    """One row per window: its config, predicted p95s, cost and reasons (None where absent)."""
    return [
        {
            "window": w.label,
            "gpu": w.gpu,
            **w.settings(),
            "ttft_ms_p95": w.p("ttft_ms"),
            "tpot_ms_p95": w.p("tpot_ms"),
            "goodput": w.predicted.get("goodput"),
            "usd_per_hour": w.usd_per_hour,
            "reasons": list(w.reasons),
        }
        for w in window_views(plan)
    ]


def schedule(plan: dict) -> pl.DataFrame:
    """Replicas per hour-of-week cell (0 = Mon 00 UTC): how_cell, weekday, hour, window_label, replicas, gpus."""
    rows = []
    for w in window_views(plan):
        replicas = w.setting("replicas")
        if not isinstance(replicas, int):
            continue
        for cell in w.cells:
            rows.append(
                {
                    "how_cell": cell,
                    "weekday": WEEKDAYS[cell // 24],
                    "hour": cell % 24,
                    "window_label": w.label,
                    "replicas": replicas,
                    "gpus": replicas * int(w.setting("tp") or 1),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "how_cell": pl.Int64,
            "weekday": pl.String,
            "hour": pl.Int64,
            "window_label": pl.String,
            "replicas": pl.Int64,
            "gpus": pl.Int64,
        },
    )


def pareto(plan: dict) -> pl.DataFrame:
    """Chosen config and alternatives per window: window_label, usd_per_hour, ttft_ms_p95, chosen."""
    rows = []
    for w in window_views(plan):
        for point, chosen in [(w, True)] + [(a, False) for a in w.alternatives]:
            usd, ttft = point.usd_per_hour, point.p("ttft_ms")
            if isinstance(usd, (int, float)) and ttft is not None:
                rows.append(
                    {"window_label": w.label, "usd_per_hour": float(usd), "ttft_ms_p95": ttft, "chosen": chosen}
                )
    return pl.DataFrame(
        rows,
        schema={"window_label": pl.String, "usd_per_hour": pl.Float64, "ttft_ms_p95": pl.Float64, "chosen": pl.Boolean},
    )


def capacity(plan: dict, key: str = "max_num_seqs") -> pl.DataFrame:
    """Per window: `key` × replicas (e.g. concurrent sequences the fleet admits): window_label, value."""
    rows = []
    for w in window_views(plan):
        value, replicas = w.setting(key), w.setting("replicas")
        if isinstance(value, (int, float)) and isinstance(replicas, int):
            rows.append({"window_label": w.label, "value": float(value * replicas)})
    return pl.DataFrame(rows, schema={"window_label": pl.String, "value": pl.Float64})


def roofline(plan: dict) -> tuple[pl.DataFrame, pl.DataFrame] | str:
    """Roofline (attainable TFLOP/s vs FLOPs per HBM byte) of the plan's GPU and each window's
    decode (batch = max_num_seqs) and prefill (chunk = max_num_batched_tokens) operating points.

    Williams et al. 2009: attainable = min(peak, bandwidth × intensity). A linear layer over B
    tokens does 2·B FLOPs per parameter and streams the parameter once (WEIGHT_BYTES), so its
    intensity is 2·B / bytes_per_param FLOP/byte (KV and activation traffic ignored); bytes per
    parameter and peaks are the recommender's (recommend/deployment.py WEIGHT_BYTES, GpuSpec.peak_tflops).
    Returns (line: one roof per weights dtype, points) frames, or a sentence saying why it cannot be drawn.
    """
    rows, gpu_name = config_rows(plan), None
    gpu_name = next((r["gpu"] for r in rows if r["gpu"]), plan.get("gpu"))
    if not gpu_name:
        return "the plan names no GPU"
    try:
        gpu = get_gpu(str(gpu_name))
    except CatalogError:
        return f"GPU {gpu_name!r} is not in the catalog, so its peak and bandwidth are unknown"
    points = []
    for r in rows:
        dtype = r["weights"] or "bf16"
        peak, bpp = gpu.peak_tflops(dtype), WEIGHT_BYTES.get(dtype, 2.0)
        for phase, tokens in (("decode", r["max_num_seqs"]), ("prefill", r["max_num_batched_tokens"])):
            if isinstance(tokens, (int, float)) and tokens > 0:
                intensity = 2.0 * tokens / bpp
                points.append(
                    {
                        "window_label": r["window"],
                        "phase": phase,
                        "ops_per_byte": intensity,
                        "tflops": min(peak, gpu.hbm_tb_s * intensity),
                    }
                )
    grid = [2.0**k for k in range(-1, 16)]
    dtypes = sorted({"bf16"} | {r["weights"] for r in rows if r["weights"] in WEIGHT_BYTES})
    line = pl.DataFrame(
        [
            {"ops_per_byte": x, "tflops": min(gpu.peak_tflops(d), gpu.hbm_tb_s * x), "dtype": d, "gpu": gpu.name}
            for d in dtypes
            for x in grid
        ]
    )
    return line, pl.DataFrame(
        points, schema={"window_label": pl.String, "phase": pl.String, "ops_per_byte": pl.Float64, "tflops": pl.Float64}
    )
