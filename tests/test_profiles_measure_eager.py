"""profiles/measure_eager.py on the CPU (tiny shapes, --quick), and on CUDA where there is one.

Checks what the layer computes against a written-out Llama layer, the shard shapes and the per-layer
arithmetic; no timing assertions (STYLE.md): nothing here claims a GPU number."""

import math

import pytest

from profiles.measure_eager import TINY, Shard, count_ops, layer_forward, main, make_layer, per_layer, rotary

torch = pytest.importorskip("torch", reason="measuring needs torch: pip install -e '.[measure]'")


def reference_layer(x, w, s: Shard, cos, sin):
    """The same Llama layer written out: explicit causal softmax, K/V heads repeated for GQA."""
    t, d = x.shape[0], s.head_dim

    def norm(v, weight):
        return v / torch.sqrt((v * v).mean(-1, keepdim=True) + 1e-5) * weight

    def rope(v):  # v [t, heads, d]: rotate-half
        half = d // 2
        rotated = torch.cat((-v[..., half:], v[..., :half]), dim=-1)
        return v * cos[:, None] + rotated * sin[:, None]

    qkv = norm(x, w["ln1"]) @ w["qkv"]
    q = rope(qkv[:, : s.heads * d].reshape(t, s.heads, d))
    k = rope(qkv[:, s.heads * d : (s.heads + s.kv_heads) * d].reshape(t, s.kv_heads, d))
    v = qkv[:, (s.heads + s.kv_heads) * d :].reshape(t, s.kv_heads, d)
    group = s.heads // s.kv_heads
    k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
    scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(d)
    scores = scores.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1), float("-inf"))
    attn = torch.einsum("hqk,khd->qhd", scores.softmax(-1), v).reshape(t, s.heads * d)
    x = x + attn @ w["o"]
    gate, up = (norm(x, w["ln2"]) @ w["gate_up"]).chunk(2, dim=-1)
    return x + (torch.nn.functional.silu(gate) * up) @ w["down"]


def tiny_inputs(tokens=6):
    g = torch.Generator().manual_seed(7)
    w = make_layer(TINY, device=torch.device("cpu"), dtype=torch.float32, generator=g)
    x = torch.randn(tokens, TINY.hidden_size, generator=g)
    cos, sin = rotary(tokens, TINY.head_dim, device=torch.device("cpu"), dtype=torch.float32)
    return x, w, cos, sin


def test_the_layer_is_a_causal_gqa_llama_layer():
    x, w, cos, sin = tiny_inputs()
    with torch.inference_mode():
        got = layer_forward(x, w, TINY, cos, sin)
    torch.testing.assert_close(got, reference_layer(x, w, TINY, cos, sin), rtol=1e-4, atol=1e-4)


def test_changing_a_later_token_leaves_earlier_outputs_alone():
    x, w, cos, sin = tiny_inputs()
    later = x.clone()
    later[-1] += 1.0
    with torch.inference_mode():
        a, b = layer_forward(x, w, TINY, cos, sin), layer_forward(later, w, TINY, cos, sin)
    torch.testing.assert_close(a[:-1], b[:-1])
    assert not torch.allclose(a[-1], b[-1])


def test_the_layer_dispatches_its_four_projections_and_one_attention():
    # qkv, o, gate_up, down: 4 matmuls; one SDPA; silu once; 2 RMSNorms -> 2 rsqrt
    from collections import Counter

    from torch.utils._python_dispatch import TorchDispatchMode

    seen = Counter()

    class Names(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen[func.overloadpacket.__name__] += 1
            return func(*args, **(kwargs or {}))

    x, w, cos, sin = tiny_inputs()
    with torch.inference_mode(), Names():
        layer_forward(x, w, TINY, cos, sin)
    assert (seen["matmul"], seen["scaled_dot_product_attention"], seen["silu"], seen["rsqrt"]) == (4, 1, 1, 2)
    ops, aliasing = count_ops(x, w, TINY, cos, sin)
    assert ops == sum(seen.values()) and 0 < aliasing < ops


def test_rotary_is_the_identity_at_position_zero():
    # angle 0 at position 0: cos 1, sin 0 in every dimension
    cos, sin = rotary(3, 8, device=torch.device("cpu"), dtype=torch.float32)
    assert cos[0].tolist() == [1.0] * 8 and sin[0].tolist() == [0.0] * 8
    # position 1, first frequency 500000^0 = 1 rad
    assert cos[1, 0].item() == pytest.approx(math.cos(1.0)) and sin[1, 4].item() == pytest.approx(math.sin(1.0))


def test_shards_split_heads_kv_heads_and_intermediate():
    # Llama-3.1-70B: 64 query heads, 8 KV heads, intermediate 28672 (config.json); TP4 -> 16, 2, 7168
    assert Shard.of("llama-3.1-70b", 4) == Shard(
        hidden_size=8192, heads=16, kv_heads=2, head_dim=128, intermediate_size=7168
    )
    with pytest.raises(SystemExit, match="do not split 3 ways"):
        Shard.of("llama-3.1-70b", 3)


def test_per_layer_divides_by_layers_then_ops():
    # SGLang's eager decode step (RESULTS 'Serving'): 8.23 ms over 32 layers = 257.19 us; with 11 ops 23.38 us each
    got = per_layer(8.23e-3, 32, 11)
    assert got["us_per_layer"] == pytest.approx(257.1875)
    assert got["us_per_op"] == pytest.approx(257.1875 / 11)


def test_quick_cpu_run_records_identity_and_per_layer_numbers(tmp_path):
    out = tmp_path / "eager.json"
    doc = main(["--device", "cpu", "--quick", "--out", str(out)])
    assert out.read_text().startswith("{")
    assert (doc["device"], doc["model"], doc["shard"]["heads"]) == ("cpu", "tiny", 4)
    x, w, cos, sin = tiny_inputs()
    ops, aliasing = count_ops(x, w, TINY, cos, sin)
    for row in doc["rows"]:
        assert row["graph_s"] is None  # no CUDA graphs on the CPU
        assert (row["ops_per_layer"], row["aliasing_ops_per_layer"]) == (ops, aliasing)
        assert row["eager_us_per_layer"] == pytest.approx(row["eager_s"] * 1e6 / row["layers"])
    assert [r["tokens"] for r in doc["rows"]] == [4, 8]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_run_times_the_graph_replay_too():
    doc = main(["--device", "cuda:0", "--model", "llama-3.1-8b", "--layers", "2", "--tokens", "92", "--repeats", "3"])
    (row,) = doc["rows"]
    assert row["dtype"] == "bfloat16" and row["graph_s"] > 0 and row["graph_us_per_layer"] > 0
