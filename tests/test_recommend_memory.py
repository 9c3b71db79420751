import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles import get_model
from recommend.deployment import deployment
from recommend.errors import DoesNotFitError
from recommend.memory import (
    kv_budget_bytes_per_gpu,
    kv_bytes_per_token,
    kv_capacity_seqs,
    kv_capacity_tokens,
    weight_bytes,
    weight_bytes_per_gpu,
)

LLAMA3_8B = get_model("llama-3-8b")


def test_llama3_8b_bf16_weights():
    # 8,030,261,248 params x 2 B = 16.06 GB
    assert weight_bytes(LLAMA3_8B, "bf16") / 1e9 == pytest.approx(16.06, abs=0.005)


def test_llama3_8b_int4_weights_keep_embeddings_bf16():
    # linear layers 32 x (41,943,040 + 176,160,768) = 6,979,321,856 params x (0.5 + 2.5/128) B = 3,625,975,808 B
    # + embeddings/lm_head/norms 8,030,261,248 - 6,979,321,856 = 1,050,939,392 params x 2 B = 2,101,878,784 B
    assert weight_bytes(LLAMA3_8B, "int4") == pytest.approx(3_625_975_808 + 2_101_878_784)


def test_llama3_8b_kv_per_token():
    # 2 (K,V) x 32 layers x 8 KV heads x 128 dims x 2 B = 131,072 B; fp8 halves it; tp 2 splits heads
    assert kv_bytes_per_token(LLAMA3_8B, "bf16") == 131_072
    assert kv_bytes_per_token(LLAMA3_8B, "fp8") == 65_536
    assert kv_bytes_per_token(LLAMA3_8B, "bf16", tp=2) == 65_536


def test_kv_heads_replicate_when_tp_exceeds_them():
    # Qwen2-7B has 4 KV heads: at tp 8 each rank keeps one head: 2 x 28 x 1 x 128 x 2 B = 14,336 B
    assert kv_bytes_per_token(get_model("qwen2-7b"), "bf16", tp=8) == 14_336


def test_kv_capacity_is_budget_over_per_token_bytes_in_whole_blocks():
    dep = deployment(model="llama-3-8b", gpu="h100")
    tokens = kv_capacity_tokens(dep)
    assert tokens % 16 == 0
    assert tokens * 131_072 <= kv_budget_bytes_per_gpu(dep) < (tokens + 16) * 131_072
    # 80 GiB x 0.9 = 77.3 GB; minus 1.5 GiB runtime and 16.06 GB weights leaves ~58 GB = ~440k tokens
    assert 400_000 < tokens < 460_000
    assert kv_capacity_seqs(dep, 4096) == tokens // 4096


def test_weights_that_do_not_fit_raise_with_a_fix():
    with pytest.raises(DoesNotFitError, match="raise --tp"):
        kv_capacity_tokens(deployment(model="llama-3-70b", gpu="h100"))
    assert kv_capacity_tokens(deployment(model="llama-3-70b", gpu="h100", tp=2)) > 0


@given(ctx=st.integers(1, 100_000), extra=st.integers(0, 100_000))
def test_longer_context_never_fewer_kv_bytes(ctx, extra):
    per_token = kv_bytes_per_token(LLAMA3_8B, "bf16")
    assert (ctx + extra) * per_token >= ctx * per_token


@given(tp=st.sampled_from([1, 2, 4, 8]))
def test_more_shards_never_less_capacity(tp):
    small = kv_capacity_tokens(deployment(model="llama-3-70b", gpu="h100", tp=2))
    if tp >= 2:
        assert kv_capacity_tokens(deployment(model="llama-3-70b", gpu="h100", tp=tp)) >= small


def test_trtllm_fraction_is_of_memory_free_after_loading():
    # TensorRT-LLM: 0.9 x (80 GiB - 1.5 GiB runtime - weights - workspace); vLLM: 0.9 x 80 GiB - the same.
    # The two differ by exactly 0.1 x (runtime + weights + workspace).
    vllm, trt = deployment(model="llama-3-8b", gpu="h100"), deployment(model="llama-3-8b", gpu="h100", engine="trtllm")
    loaded = 80 * 2**30 - kv_budget_bytes_per_gpu(trt) / 0.9
    assert kv_budget_bytes_per_gpu(trt) - kv_budget_bytes_per_gpu(vllm) == pytest.approx(0.1 * loaded)


def test_static_trtllm_legacy_holds_the_published_a100_70b_batch():
    # v0.6.1 table: Llama-2-70B fp16, TP4 A100 80GB, batch 240 x (128 + 2048) ran in one go. Contiguous KV:
    # 240 x 2176 tokens x 2 x 80 layers x 2 KV heads/rank x 128 x 2 B = 42.8 GB per GPU, next to 34.5 GB weights.
    dep = deployment(model="llama-2-70b", gpu="a100-80gb-sxm", tp=4, weights="fp16", kv="fp16", engine="trtllm-legacy")
    assert kv_capacity_seqs(dep, 128 + 2048) >= 240


def test_fp4_weights_and_mla_kv_bytes():
    from recommend.deployment import WEIGHT_BYTES

    # NVFP4: 4 bits + one fp8 scale per 16 values; MXFP4: 4 bits + one e8m0 scale per 32
    assert WEIGHT_BYTES["nvfp4"] == 0.5625 and WEIGHT_BYTES["mxfp4"] == 0.53125
    v3 = get_model("deepseek-v3")
    # MLA: 61 layers x (512 latent + 64 rope) x 1 B fp8, the same on every TP shard
    assert kv_bytes_per_token(v3, "fp8", tp=8) == 61 * 576 == 35_136


def test_expert_parallel_keeps_non_expert_weights_whole_on_every_gpu():
    # Qwen3-30B-A3B bf16: 61,064,220,672 B in all, of which 48 layers x 128 experts x 3 x 2048 x 768 x 2 B
    # = 57,982,058,496 B routed experts. TP4: a quarter of everything, 15,266,055,168 B per GPU. EP4: the
    # other 3,082,162,176 B whole plus a quarter of the experts (14,495,514,624 B) = 17,577,676,800 B.
    tp = deployment(model="qwen3-30b-a3b", gpu="h100", tp=4)
    ep = deployment(model="qwen3-30b-a3b", gpu="h100", tp=4, ep=True)
    assert weight_bytes_per_gpu(tp) == 15_266_055_168
    assert weight_bytes_per_gpu(ep) == 17_577_676_800


def test_expert_parallel_kv_is_whole_heads_per_rank_and_ranks_add_up():
    # 4 KV heads on TP4: one head per GPU, 48 x 1 x 128 x 2 x 2 B = 24,576 B per token on every GPU, the
    # same tokens on all 4. EP4: each rank keeps all 4 heads (98,304 B per token) of its own sequences,
    # so the replica holds 4 x (budget // (98,304 x 16)) x 16 tokens.
    ep = deployment(model="qwen3-30b-a3b", gpu="h100", tp=4, ep=True)
    per_rank = int(kv_budget_bytes_per_gpu(ep) // (98_304 * 16)) * 16
    assert kv_capacity_tokens(ep) == 4 * per_rank
