"""The probes: HBM, GEMM, attention, per-kernel overhead. Each returns profile rows (identity + stats).

Timing (`time_calls`): warm-up calls, then `repeats` calls each on the next of `len(sets)` input
sets, sized so the sets together exceed the last-level cache (nothing is cache-resident when it is
read again). CUDA: an event pair around every call, all enqueued back to back and synchronised once
(triton `do_bench` style, so host launch gaps are not timed); CPU: time.perf_counter per call.
Inputs are random (torch.randn, seeded), never zeros. torch is imported inside the functions: only
`tracefit profile measure` pays for it.
"""

import math
import statistics
import time
from collections.abc import Callable

CHAIN = 64  # tiny kernels per overhead sample: per-kernel time = sample / CHAIN


def time_calls(fn: Callable, sets: list[tuple], *, device, warmup: int, repeats: int) -> list[float]:
    """Seconds of each timed call fn(*sets[i % len(sets)])."""
    import torch

    for i in range(warmup):
        fn(*sets[i % len(sets)])
    if device.type != "cuda":
        samples = []
        for i in range(repeats):
            start = time.perf_counter()
            fn(*sets[(warmup + i) % len(sets)])
            samples.append(time.perf_counter() - start)
        return samples
    torch.cuda.synchronize(device)
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(repeats)]
    for i, (start, end) in enumerate(events):
        start.record()
        fn(*sets[(warmup + i) % len(sets)])
        end.record()
    torch.cuda.synchronize(device)
    return [start.elapsed_time(end) / 1e3 for start, end in events]


def stats(samples: list[float]) -> dict:
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "repeats": len(samples),
        "samples_s": [float(f"{s:.4g}") for s in samples],
    }


def copies(first: tuple, ctx, reserve_bytes: int = 0) -> list[tuple] | None:
    """`first` and clones of it (distinct memory, same random values) until together they exceed
    ctx.rotate_bytes (at least 2, at most 64), or None when two sets do not fit in the budget."""
    import torch

    set_bytes = nbytes(*first)
    room = (ctx.budget_bytes - reserve_bytes) // max(set_bytes, 1)
    if room < 2:
        return None
    count = max(2, min(64, math.ceil(ctx.rotate_bytes / max(set_bytes, 1)), room))
    return [first] + [tuple(torch.clone(t) for t in first) for _ in range(count - 1)]


def nbytes(*tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def hbm(ctx) -> list[dict]:
    """D2D copy (bytes read + written) and a read-only reduction (bytes read), fp32 random data."""
    import torch

    numel = ctx.plan.hbm_bytes // 4
    src = [ctx.randn(numel, dtype=torch.float32) for _ in range(2)]
    dst = [torch.empty_like(s) for s in src]
    rows = []
    for kernel, fn, sets, moved in (
        ("copy", lambda d, s: d.copy_(s), list(zip(dst, src)), 2 * nbytes(src[0])),
        ("read", lambda s: torch.sum(s), [(s,) for s in src], nbytes(src[0])),
    ):
        st = stats(time_calls(fn, sets, device=ctx.device, warmup=ctx.plan.warmup, repeats=ctx.plan.repeats))
        rows.append({"kernel": kernel, "dtype": "fp32", "bytes": moved, **st, "gb_s": moved / st["median_s"] / 1e9})
    return rows


def gemm(ctx, model: str, shape: str, n: int, k: int, calls_per_step: int, dtype: str, m: int) -> dict | None:
    """One GEMM out[m, n] = a[m, k] @ w[n, k]^T as the engine runs it; fp8 pads m to a multiple of 16."""
    import torch

    if dtype == "fp8":
        m_kernel = -(-m // 16) * 16  # torch._scaled_mm needs every dimension divisible by 16
        first = (ctx.randn(m_kernel, k).to(torch.float8_e4m3fn), ctx.randn(n, k).to(torch.float8_e4m3fn))
        one = torch.ones((), device=ctx.device, dtype=torch.float32)

        def fn(a, w):
            return torch._scaled_mm(a, w.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
    else:
        m_kernel, first, fn = m, (ctx.randn(m, k), ctx.randn(n, k)), torch.nn.functional.linear
    out_bytes = m_kernel * n * torch.empty((), dtype=torch.bfloat16).element_size()  # bf16 output
    set_bytes = nbytes(*first)
    sets = copies(first, ctx, reserve_bytes=2 * out_bytes)
    if sets is None:
        return None
    st = stats(time_calls(fn, sets, device=ctx.device, warmup=ctx.plan.warmup, repeats=ctx.plan.repeats))
    flops = 2.0 * m * n * k
    return {
        "model": model,
        "shape": shape,
        "dtype": dtype,
        "m": m,
        "m_kernel": m_kernel,
        "n": n,
        "k": k,
        "calls_per_step": calls_per_step,
        "flops": flops,
        "bytes": set_bytes + out_bytes,
        "rotations": len(sets),
        **st,
        "tflops": flops / st["median_s"] / 1e12,
    }


def attention_prefill(ctx, model: str, heads: int, kv_heads: int, head_dim: int, seq_tokens: int) -> dict | None:
    """Causal SDPA over one prompt of `seq_tokens` (GQA via enable_gqa), bf16."""
    import torch

    sdpa = torch.nn.functional.scaled_dot_product_attention

    first = (
        ctx.randn(1, heads, seq_tokens, head_dim),
        ctx.randn(1, kv_heads, seq_tokens, head_dim),
        ctx.randn(1, kv_heads, seq_tokens, head_dim),
    )
    sets = copies(first, ctx, reserve_bytes=2 * nbytes(first[0]))
    if sets is None:
        return None
    st = stats(
        time_calls(
            lambda q, k, v: sdpa(q, k, v, is_causal=True, enable_gqa=heads != kv_heads),
            sets,
            device=ctx.device,
            warmup=ctx.plan.warmup,
            repeats=ctx.plan.repeats,
        )
    )
    # the roofline's causal pair count for a whole prompt: L x (L - L/2); 4 FLOPs per pair per q dim
    flops = 4.0 * heads * head_dim * seq_tokens * (seq_tokens - seq_tokens / 2)
    return {
        "model": model,
        "dtype": "bf16",
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "seq_tokens": seq_tokens,
        "flops": flops,
        "rotations": len(sets),
        **st,
        "tflops": flops / st["median_s"] / 1e12,
    }


def attention_decode(
    ctx, model: str, heads: int, kv_heads: int, head_dim: int, batch: int, ctx_tokens: int
) -> dict | None:
    """One new query per sequence over `ctx_tokens` of K/V. The query heads sharing a KV head are
    packed as that head's query rows, so K/V is read once per KV head (what GQA decode kernels do)."""
    import torch

    sdpa, group = torch.nn.functional.scaled_dot_product_attention, heads // kv_heads

    first = (
        ctx.randn(batch, kv_heads, group, head_dim),
        ctx.randn(batch, kv_heads, ctx_tokens, head_dim),
        ctx.randn(batch, kv_heads, ctx_tokens, head_dim),
    )
    kv_bytes = nbytes(first[1], first[2])
    sets = copies(first, ctx)
    if sets is None:
        return None
    st = stats(time_calls(sdpa, sets, device=ctx.device, warmup=ctx.plan.warmup, repeats=ctx.plan.repeats))
    return {
        "model": model,
        "dtype": "bf16",
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "batch": batch,
        "ctx_tokens": ctx_tokens,
        "kv_bytes": kv_bytes,
        "flops": 4.0 * heads * head_dim * batch * ctx_tokens,
        "rotations": len(sets),
        **st,
        "gb_s": kv_bytes / st["median_s"] / 1e9,
    }


def overhead(ctx) -> list[dict]:
    """Per-kernel fixed cost: a dependent chain of CHAIN one-element adds (launch + ramp + tail)."""
    import torch

    x = torch.zeros(1, device=ctx.device)

    def chain(t):
        for _ in range(CHAIN):
            t.add_(1.0)

    samples = time_calls(chain, [(x,)], device=ctx.device, warmup=ctx.plan.warmup, repeats=ctx.plan.repeats)
    return [{"kernel": "tiny_add", "kernels_per_sample": CHAIN, **stats([s / CHAIN for s in samples])}]
