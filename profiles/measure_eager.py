"""Eager vs CUDA-graph time of Llama decoder layers over a short prefill, and the host time to issue them.

What it settles (bench/RESULTS.md, 'Serving', TTFT): SGLang v0.3 and vLLM v0.6 replayed CUDA graphs for
decode steps but ran prefill eagerly, so a prefill step lasts about max(GPU time, time for the host to issue
its kernels). The simulator prices the GPU time; this measures the other side for one model shard:

  host_issue_s  wall time for Python to enqueue one forward through `layers` layers (CUDA: GPU idle at the
                start, no synchronisation inside, so it is the issue time while the launch queue has room)
  eager_s       the same forward, start to synchronised end
  graph_s       the forward replayed from a torch.cuda.CUDAGraph (CUDA only): the GPU time without launches
  ops           ATen ops one layer dispatches (host dispatch each; all but the aliasing ones, counted
                apart, launch at least one kernel on CUDA)

reported per layer (us) and per op. The layer is plain PyTorch (RMSNorm, fused QKV, rotary, causal SDPA
with GQA, O, RMSNorm, fused gate/up, SiLU x up, down), with each layer's own random weights shaped per TP
shard (heads, KV heads and intermediate / tp; no all-reduce: one GPU). It dispatches more ops than an
engine's fused kernels do (RMSNorm and rotary are several ops each here), so `host_us_per_op` x an engine's
kernels per layer is the number to carry over, not host_us_per_layer itself. torch is imported inside the
functions only (STYLE.md: only profiles/measure*.py imports torch).

Usage (from the repository root):
  .venv/bin/python -m profiles.measure_eager --device cuda:0 --model llama-3.1-8b --out eager-8b.json
  .venv/bin/python -m profiles.measure_eager --device cuda:0 --model llama-3.1-70b --tp 4 --out eager-70b.json
  .venv/bin/python -m profiles.measure_eager --device cpu --quick     (tiny shapes: checks the code path only)
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass

from profiles.models import get_model

TOKENS = (16, 32, 64, 92, 128, 256, 512)  # prefill tokens per step; 92 = median ShareGPT prompt (RESULTS)
QUICK_TOKENS = (4, 8)
ROPE_THETA = 500_000.0  # Llama 3 rope_theta (config.json); only the values depend on it, not the timing


@dataclass(frozen=True, slots=True, kw_only=True)
class Shard:
    """One TP shard's layer shapes."""

    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate_size: int

    @classmethod
    def of(cls, model: str, tp: int) -> "Shard":
        m = get_model(model)
        if m.num_heads % tp or m.num_kv_heads % tp or m.intermediate_size % tp:
            raise SystemExit(
                f"{model}: heads {m.num_heads}, KV heads {m.num_kv_heads} or intermediate do not split {tp} ways"
            )
        return cls(
            hidden_size=m.hidden_size,
            heads=m.num_heads // tp,
            kv_heads=m.num_kv_heads // tp,
            head_dim=m.head_dim,
            intermediate_size=m.intermediate_size // tp,
        )


TINY = Shard(hidden_size=64, heads=4, kv_heads=2, head_dim=16, intermediate_size=128)


def make_layer(shard: Shard, *, device, dtype, generator) -> dict:
    """Random weights of one decoder layer, [in, out] so that x @ w is the projection."""
    import torch

    def randn(*shape, scale):
        return (torch.randn(*shape, generator=generator, device=device, dtype=torch.float32) * scale).to(dtype)

    h, d, i = shard.hidden_size, shard.head_dim, shard.intermediate_size
    qkv = (shard.heads + 2 * shard.kv_heads) * d
    return {
        "ln1": torch.ones(h, device=device, dtype=dtype),
        "qkv": randn(h, qkv, scale=h**-0.5),
        "o": randn(shard.heads * d, h, scale=(shard.heads * d) ** -0.5),
        "ln2": torch.ones(h, device=device, dtype=dtype),
        "gate_up": randn(h, 2 * i, scale=h**-0.5),
        "down": randn(i, h, scale=i**-0.5),
    }


def rotary(tokens: int, head_dim: int, *, device, dtype):
    """cos, sin [tokens, head_dim] for positions 0..tokens-1 (rotate-half convention, as HF Llama)."""
    import torch

    inv = 1.0 / ROPE_THETA ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim)
    angles = torch.outer(torch.arange(tokens, device=device, dtype=torch.float32), inv)
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def rms_norm(x, weight, eps: float = 1e-5):
    import torch

    variance = x.float().pow(2).mean(-1, keepdim=True)
    return (x.float() * torch.rsqrt(variance + eps)).to(x.dtype) * weight


def _rotate(x, cos, sin):
    import torch

    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


def layer_forward(x, w: dict, shard: Shard, cos, sin):
    """x [tokens, hidden] -> [tokens, hidden]: one causal prefill of a single sequence through a Llama layer."""
    import torch.nn.functional as F

    t, d, heads, kv = x.shape[0], shard.head_dim, shard.heads, shard.kv_heads
    q, k, v = (rms_norm(x, w["ln1"]) @ w["qkv"]).split((heads * d, kv * d, kv * d), dim=-1)
    q = _rotate(q.view(t, heads, d), cos[:, None], sin[:, None]).transpose(0, 1)
    k = _rotate(k.view(t, kv, d), cos[:, None], sin[:, None]).transpose(0, 1)
    v = v.view(t, kv, d).transpose(0, 1)
    attn = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=kv != heads)
    x = x + attn.transpose(0, 1).reshape(t, heads * d) @ w["o"]
    gate, up = (rms_norm(x, w["ln2"]) @ w["gate_up"]).chunk(2, dim=-1)
    return x + (F.silu(gate) * up) @ w["down"]


def forward(x, layers: list[dict], shard: Shard, cos, sin):
    with _no_grad():
        for w in layers:
            x = layer_forward(x, w, shard, cos, sin)
    return x


def _no_grad():
    import torch

    return torch.inference_mode()


def count_ops(x, w: dict, shard: Shard, cos, sin) -> tuple[int, int]:
    """(ATen ops one layer dispatches, of which may alias their input). Every op costs host dispatch time;
    the aliasing ones (view, transpose, slice, a no-op .to) launch no kernel when they do alias."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Count(TorchDispatchMode):
        ops = aliasing = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            Count.ops += 1
            Count.aliasing += func.is_view
            return func(*args, **(kwargs or {}))

    with _no_grad(), Count():
        layer_forward(x, w, shard, cos, sin)
    return Count.ops, Count.aliasing


def per_layer(seconds: float, layers: int, ops: int) -> dict:
    """The per-layer and per-op microseconds of a forward through `layers` layers of `ops` ops each."""
    us = seconds * 1e6 / layers
    return {"us_per_layer": us, "us_per_op": us / ops}


def time_forward(x, layers, shard, cos, sin, *, device, repeats: int) -> tuple[list[float], list[float]]:
    """(host issue seconds, eager seconds) of `repeats` forwards, each started on an idle device."""
    import torch

    cuda = device.type == "cuda"
    issue, total = [], []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        forward(x, layers, shard, cos, sin)
        issued = time.perf_counter()
        if cuda:
            torch.cuda.synchronize(device)
        issue.append(issued - start)
        total.append(time.perf_counter() - start)
    return issue, total


def time_graph(x, layers, shard, cos, sin, *, device, repeats: int) -> list[float]:
    """Seconds of each CUDA-graph replay of the same forward (CUDA events around every replay)."""
    import torch

    static_x = x.clone()
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(2):
            forward(static_x, layers, shard, cos, sin)
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        forward(static_x, layers, shard, cos, sin)
    graph.replay()
    torch.cuda.synchronize(device)
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(repeats)]
    for start, end in events:
        start.record()
        graph.replay()
        end.record()
    torch.cuda.synchronize(device)
    return [start.elapsed_time(end) / 1e3 for start, end in events]


def measure(
    shard: Shard, tokens: tuple[int, ...], *, device: str, layers: int, repeats: int, warmup: int
) -> list[dict]:
    """One row per token count: identity columns, then medians in seconds and per-layer / per-op microseconds."""
    import torch

    dev = torch.device(device)
    cuda = dev.type == "cuda"
    dtype = torch.bfloat16 if cuda else torch.float32
    generator = torch.Generator(device=dev).manual_seed(42)
    weights = [make_layer(shard, device=dev, dtype=dtype, generator=generator) for _ in range(layers)]
    rows = []
    for n in tokens:
        x = torch.randn(n, shard.hidden_size, generator=generator, device=dev, dtype=torch.float32).to(dtype)
        cos, sin = rotary(n, shard.head_dim, device=dev, dtype=dtype)
        ops, aliasing = count_ops(x, weights[0], shard, cos, sin)
        time_forward(x, weights, shard, cos, sin, device=dev, repeats=warmup)
        issue, total = time_forward(x, weights, shard, cos, sin, device=dev, repeats=repeats)
        row = {
            "tokens": n,
            "layers": layers,
            "dtype": str(dtype).removeprefix("torch."),
            "ops_per_layer": ops,
            "aliasing_ops_per_layer": aliasing,
            "host_issue_s": statistics.median(issue),
            "eager_s": statistics.median(total),
            "graph_s": statistics.median(time_graph(x, weights, shard, cos, sin, device=dev, repeats=repeats))
            if cuda
            else None,
        }
        for name in ("host_issue", "eager", "graph"):
            if row[f"{name}_s"] is not None:
                stats = per_layer(row[f"{name}_s"], layers, ops)
                row[f"{name}_us_per_layer"], row[f"{name}_us_per_op"] = stats["us_per_layer"], stats["us_per_op"]
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m profiles.measure_eager", description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--model", default="llama-3.1-8b", help="catalog model whose layer shapes to use")
    p.add_argument("--tp", type=int, default=1, help="shapes of one of tp shards (heads, KV heads, intermediate / tp)")
    p.add_argument("--layers", type=int, default=8, help="layers per forward, each with its own weights")
    p.add_argument("--tokens", type=lambda s: tuple(int(t) for t in s.split(",")), default=TOKENS)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="tiny shapes, 2 layers, 3 repeats: checks the code path")
    p.add_argument("--out", help="write the JSON document here (else stdout only)")
    args = p.parse_args(argv)
    import torch

    shard = TINY if args.quick else Shard.of(args.model, args.tp)
    layers, repeats = (2, 3) if args.quick else (args.layers, args.repeats)
    tokens = QUICK_TOKENS if args.quick else args.tokens
    doc = {
        "probe": "eager_layer",
        "command": " ".join(["python -m profiles.measure_eager", *(argv if argv is not None else sys.argv[1:])]),
        "device": torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "cpu",
        "torch": torch.__version__,
        "model": "tiny" if args.quick else args.model,
        "tp": 1 if args.quick else args.tp,
        "shard": asdict(shard),
        "rows": measure(shard, tokens, device=args.device, layers=layers, repeats=repeats, warmup=2),
    }
    text = json.dumps(doc, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return doc


if __name__ == "__main__":
    main()
