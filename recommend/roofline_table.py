"""The `tracefit roofline` report: landmarks plus decode step time over batch sizes 1..1024."""

from recommend.deployment import Deployment
from recommend.memory import kv_capacity_tokens, tokens_held
from recommend.roofline import StepModel, latency_floor_s_per_token, ridge_ops_per_byte

BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def roofline_report(dep: Deployment, *, ctx_tokens: int = 1024) -> dict:
    model = StepModel(dep)
    max_batch = kv_capacity_tokens(dep) // tokens_held(dep, ctx_tokens)
    rows = []
    for batch in BATCHES:
        step = model.step(0, 0, batch, batch * ctx_tokens)
        rows.append(
            {
                "batch": batch,
                "step_ms": step.total_s * 1e3,
                "tok_s": batch / step.total_s,
                "bound": "compute" if step.linear_compute_bound else "memory",
                "host_share": step.host_s / step.total_s,  # the engine's host: scheduling, inputs (StepTime.host_s)
                "kv_fits": batch <= max_batch,
            }
        )
    return {
        "model": dep.model.name,
        "gpu": dep.gpu.name,
        "tp": dep.tp,
        "weights": dep.weights,
        "kv": dep.kv,
        "ridge_ops_per_byte": ridge_ops_per_byte(dep),
        "compute_bound_batch": compute_bound_batch(model, ctx_tokens=0),
        "latency_floor_ms_per_token": latency_floor_s_per_token(dep) * 1e3,
        "max_batch_kv": max_batch,
        "decode": rows,
    }


def compute_bound_batch(model: StepModel, ctx_tokens: int = 0, limit: int = 1 << 16) -> int | None:
    """Smallest decode batch whose linear layers are compute-bound (binary search), None if none."""
    if not model.step(0, 0, limit, limit * ctx_tokens).linear_compute_bound:
        return None
    lo, hi = 1, limit
    while lo < hi:
        mid = (lo + hi) // 2
        if model.step(0, 0, mid, mid * ctx_tokens).linear_compute_bound:
            hi = mid
        else:
            lo = mid + 1
    return lo
