import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles import Efficiency
from recommend.deployment import deployment
from recommend.errors import RecommendError
from recommend.roofline import StepModel, latency_floor_s_per_token, ridge_ops_per_byte
from recommend.roofline_table import compute_bound_batch

H100_8B = deployment(model="llama-3-8b", gpu="h100")
IDEAL = Efficiency(
    hbm_fraction=1.0,
    gemm_fraction=1.0,
    gemm_half_tokens=0.0,
    attention_fraction=1.0,
    step_overhead_s=0.0,
    layer_overhead_s=0.0,
)


def test_latency_floor_is_streamed_weights_over_bandwidth():
    # a token streams every layer (32 x 218,112,000 params incl. norms = 6,979,584,000) and the lm_head
    # (128,256 x 4096 = 525,336,576), not the embedding table: 7,504,920,576 x 2 B = 15,009,841,152 B
    # / 3.35 TB/s = 4.48 ms
    assert latency_floor_s_per_token(H100_8B) == pytest.approx(15_009_841_152 / 3.35e12, rel=1e-12)


def test_ridge_point_uses_the_gemm_dtype():
    # fp8 on H100: 1979 TFLOP/s / 3.35 TB/s = 590.7 FLOPs per byte (the "591:1" of the scaling talk)
    assert ridge_ops_per_byte(deployment(model="llama-3-8b", gpu="h100", weights="fp8")) == pytest.approx(
        590.7, abs=0.1
    )


def test_ideal_decode_step_is_weights_plus_kv_over_bandwidth():
    # batch 1, 1000 context tokens, ideal efficiencies: (15,009,841,152 B weights + 1000 x 131,072 B KV read
    # + 1 x 131,072 B KV written + elementwise 2 x 2 B x 32 x (6 x 4096 + 3 x 14336) = 8,650,752 B) / 3.35 TB/s
    model = StepModel(H100_8B, IDEAL)
    expected = (15_009_841_152 + 1001 * 131_072 + 8_650_752) / 3.35e12
    assert model.decode_step_s(1, 1000) == pytest.approx(expected, rel=1e-9)


def test_ideal_prefill_is_flops_over_peak():
    # one 4096-token prompt, ideal: linear 2 x 6,979,584,000 params x 4096 tokens + logits of its last token
    # 2 x 128,256 x 4096; attention 4 FLOPs x 32 layers x 32 heads x 128 dims per (query, key) pair over
    # 4096 x (4096 - 4096/2) causal pairs; all at 989.5 TFLOP/s
    model = StepModel(H100_8B, IDEAL)
    step = model.step(4096, 4096, 0, 0)
    linear = (2 * 6_979_584_000 * 4096 + 2 * 128_256 * 4096) / 989.5e12
    attention = 4 * 32 * 32 * 128 * 4096 * (4096 - 2048) / 989.5e12
    assert step.linear_compute_bound
    assert step.weights_s == pytest.approx(linear, rel=1e-9)
    assert step.attention_s == pytest.approx(attention, rel=1e-9)


def test_moe_touches_fewer_experts_at_batch_one():
    model = StepModel(deployment(model="mixtral-8x7b", gpu="h100", tp=2))
    assert model.experts_touched(1) == pytest.approx(2.0)  # top-2 of 8
    assert model.experts_touched(1000) == pytest.approx(8.0)
    assert model.decode_step_s(1, 100) < model.decode_step_s(64, 100)


def test_identical_sequences_route_like_one_sequence():
    # a batch that copies one prompt and decodes greedily sends every sequence's token to the same top-2
    # experts: its decode step streams what one sequence's step streams (shared weights + 2 of 8 experts),
    # while 16 different tokens touch 8 x (1 - (6/8)^16) = 7.92 experts
    dep = deployment(model="mixtral-8x7b", gpu="h100", tp=4)
    one = StepModel(dep, IDEAL).step(0, 0, 1, 100)
    copies = StepModel(dep, IDEAL, identical_sequences=True).step(0, 0, 16, 1600)
    spread = StepModel(dep, IDEAL).step(0, 0, 16, 1600)
    m = dep.model
    streamed = (
        m.shared_params * 2.0 + m.vocab_size * m.hidden_size * 2.0
    ) / 4 + 2 * m.expert_layers * m.expert_params * 2.0 / 4
    assert not copies.linear_compute_bound
    assert copies.weights_s == pytest.approx(streamed / 3.35e12, rel=1e-12)
    assert copies.weights_s == pytest.approx(one.weights_s, rel=1e-12)
    assert spread.weights_s > 3 * copies.weights_s


def test_identical_sequences_change_nothing_for_dense_models():
    plain, copies = StepModel(H100_8B), StepModel(H100_8B, identical_sequences=True)
    assert copies.step(2048, 2048, 8, 8000, prefill_seqs=4) == plain.step(2048, 2048, 8, 8000, prefill_seqs=4)


def test_identical_sequences_under_expert_parallelism_are_refused():
    with pytest.raises(RecommendError, match="expert parallelism"):
        StepModel(deployment(model="mixtral-8x7b", gpu="h100", tp=4, ep=True), identical_sequences=True)


def test_tensor_parallel_adds_communication():
    tp1 = StepModel(deployment(model="llama-3-70b", gpu="h100", tp=2)).step(0, 0, 8, 8000)
    assert tp1.communication_s > 0
    assert StepModel(H100_8B).step(0, 0, 8, 8000).communication_s == 0


def test_decode_turns_compute_bound_near_the_ridge():
    # ideal bf16: compute-bound once 2 FLOPs/param x B > 295 FLOPs/B x 2 B/param, i.e. B ~ 295
    batch = compute_bound_batch(StepModel(H100_8B, IDEAL))
    assert 280 <= batch <= 300


def test_empty_step_costs_nothing():
    assert StepModel(H100_8B).step_s(0, 0, 0, 0) == 0.0


@settings(max_examples=50, deadline=None)
@given(scale=st.floats(1.0, 4.0), batch=st.integers(1, 512), ctx=st.integers(1, 8192), prefill=st.integers(0, 8192))
def test_more_bandwidth_never_slower(scale, batch, ctx, prefill):
    faster_gpu = dataclasses.replace(H100_8B.gpu, hbm_tb_s=H100_8B.gpu.hbm_tb_s * scale)
    slow, fast = StepModel(H100_8B), StepModel(dataclasses.replace(H100_8B, gpu=faster_gpu))
    args = (prefill, prefill, batch, batch * ctx)
    assert fast.step_s(*args) <= slow.step_s(*args) + 1e-15


@settings(max_examples=50, deadline=None)
@given(batch=st.integers(1, 64), ctx=st.integers(1, 4096))
def test_doubling_batch_never_lowers_throughput_while_memory_bound(batch, ctx):
    model = StepModel(H100_8B)
    if model.step(0, 0, 2 * batch, 2 * batch * ctx).linear_compute_bound:
        return
    assert 2 * batch / model.decode_step_s(2 * batch, ctx) >= batch / model.decode_step_s(batch, ctx)


@settings(max_examples=50, deadline=None)
@given(batch=st.integers(1, 256), ctx=st.integers(1, 8192), extra=st.integers(1, 8192))
def test_longer_context_never_faster(batch, ctx, extra):
    model = StepModel(H100_8B)
    assert model.decode_step_s(batch, ctx + extra) >= model.decode_step_s(batch, ctx)


def test_moe_gemm_fraction_slows_only_compute_bound_expert_work():
    # A slower grouped-GEMM kernel costs prefill time but leaves a weight-bound decode step (batch 1) alone.
    dep = deployment(model="mixtral-8x7b", gpu="h100", tp=2)
    full = StepModel(dep, dataclasses.replace(Efficiency(), moe_gemm_fraction=1.0))
    slow = StepModel(dep, dataclasses.replace(Efficiency(), moe_gemm_fraction=0.5))
    assert slow.step_s(8192, 8192, 0, 0) > 1.3 * full.step_s(8192, 8192, 0, 0)
    assert slow.decode_step_s(1, 1000) == pytest.approx(full.decode_step_s(1, 1000))
    dense = deployment(model="llama-3-8b", gpu="h100")
    assert StepModel(dense, dataclasses.replace(Efficiency(), moe_gemm_fraction=0.5)).step_s(
        4096, 4096, 0, 0
    ) == StepModel(dense, Efficiency()).step_s(4096, 4096, 0, 0)


def test_dense_layers_of_a_moe_model_stream_their_mlp_not_experts():
    # Llama 4 Maverick decoding one token on 8 x H100, bf16, ideal efficiency: every step streams what every
    # token uses (shared params 48 x 62,924,800 attention + norms, 24 x (655,360 router + 125,829,120 shared
    # expert), 24 x 251,658,240 dense MLP = 12,095,815,680) and the lm_head (1,034,485,760); the routed
    # experts of the 24 MoE layers are 24 x 125,829,120 = 3,019,898,880 per expert touched (1 at batch 1).
    model = StepModel(deployment(model="llama-4-maverick", gpu="h100", tp=8), IDEAL)
    streamed = (12_095_815_680 + 1_034_485_760 + 3_019_898_880) * 2.0 / 8
    assert model.step(0, 0, 1, 0).weights_s == pytest.approx(streamed / 3.35e12, rel=1e-12)


def test_mla_attention_flops_per_pair():
    # DeepSeek-V3 on TP8. Prefill (not absorbed): 2 x 61 layers x 128 heads x (192 qk + 128 v) / 8 = 624,640.
    # Decode (absorbed): each head scores the 576-wide latent + rope key and sums the 512-wide latent:
    # 2 x 61 x 128 x (2 x 512 + 64) / 8 = 2,123,776. MHA keeps 4 x head_dim: Llama-3-8B 4 x 32 x 32 x 128.
    v3 = StepModel(deployment(model="deepseek-v3", gpu="b200", tp=8, weights="nvfp4", kv="fp8"))
    assert v3._pair_flops == 624_640 and v3._decode_pair_flops == 2_123_776
    llama = StepModel(deployment(model="llama-3-8b", gpu="h100"))
    assert llama._pair_flops == llama._decode_pair_flops == 4 * 32 * 32 * 128


def test_per_sequence_overhead_adds_per_running_sequence():
    # 30 us per sequence: a decode step of 10 sequences costs 10 x 30 us = 0.3 ms more; a prefill of
    # 4 prompts alongside 6 decodes counts 4 + 6 = 10 sequences too
    per_seq = dataclasses.replace(IDEAL, step_overhead_per_seq_s=30e-6)
    plain, busy = StepModel(H100_8B, IDEAL), StepModel(H100_8B, per_seq)
    assert busy.decode_step_s(10, 512) - plain.decode_step_s(10, 512) == pytest.approx(0.3e-3)
    assert (
        busy.step_s(4 * 128, 4 * 128, 6, 6 * 512, prefill_seqs=4)
        - plain.step_s(4 * 128, 4 * 128, 6, 6 * 512, prefill_seqs=4)
    ) == pytest.approx(0.3e-3)


def test_fp4_gemms_run_at_a_share_of_the_fp4_peak_only_on_fp4_tensor_cores():
    # ideal efficiencies except fp4_gemm_scale 0.7: a 4096-token prefill of Llama-3-8B on B200 in nvfp4
    # is compute-bound at 0.7 x 9000 TFLOP/s; on H100 (no FP4 tensor cores) it runs at the bf16 peak
    fp4 = dataclasses.replace(IDEAL, fp4_gemm_scale=0.7)
    b200 = deployment(model="llama-3-8b", gpu="b200", weights="nvfp4")
    scaled, full = StepModel(b200, fp4), StepModel(b200, dataclasses.replace(IDEAL, fp4_gemm_scale=1.0))
    assert scaled._gemm_peak == pytest.approx(0.7 * 9000e12) and full._gemm_peak == pytest.approx(9000e12)
    assert StepModel(deployment(model="llama-3-8b", gpu="h100", weights="nvfp4"), fp4)._gemm_peak == 989.5e12


def test_a_gpu_with_measured_fp4_and_fp8_gemms_takes_the_measurement():
    # RTX PRO 6000 Server Edition, 8192^3: NVFP4 1629 of 2000 TFLOP/s, MXFP8 802 of 1000 (cutlass PR 3272):
    # (1629 / 2000) / (802 / 1000) = 1.0156, capped at 1, so its FP4 GEMMs run at gemm_fraction x 2000 TFLOP/s
    # whatever the engine's fitted scale; B200 keeps the engine's.
    fp4 = dataclasses.replace(IDEAL, fp4_gemm_scale=0.6)
    rtx = deployment(model="llama-3-8b", gpu="rtx-pro-6000", weights="nvfp4")
    assert StepModel(rtx, fp4)._gemm_peak == pytest.approx(2000e12)
    assert StepModel(deployment(model="llama-3-8b", gpu="b200", weights="nvfp4"), fp4)._gemm_peak == pytest.approx(
        0.6 * 9000e12
    )


def test_expert_parallel_all_gather_and_reduce_scatter_by_hand():
    # Qwen3-235B-A22B on 8 x H200 with EP under vLLM (its default all2all backend, allgather_reducescatter),
    # 64 decodes: per MoE layer every GPU gathers 7/8 of the 64 tokens' 4096 x 2 B hidden states and
    # reduce-scatters as many 16-bit outputs, each over 450 GB/s x 0.70 (one NVLink 4 direction):
    # 7/8 x 64 x 8192 B / 315e9 B/s = 1.45636 us, plus vLLM's 15 us latency, twice: 94 x 32.9127 us = 3.0938 ms.
    ep = StepModel(deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8", ep=True))
    assert ep.step(0, 0, 64, 64 * 1100).communication_s == pytest.approx(94 * 2 * (15e-6 + 1.45636e-6), rel=1e-4)


def test_expert_parallel_past_a_bridged_pair_runs_at_pcie_bandwidth():
    # H100 NVL joins pairs by NVLink bridges: EP over 4 of them gathers and scatters over PCIe Gen5 (128 GB/s, so
    # 44.8 GB/s one way at 0.7), on NCCL rings of 3 steps. vLLM, Qwen3-30B-A3B bf16, 64 decodes, 48 MoE layers:
    # each op moves 3/4 x 64 x 2048 x 2 B = 196,608 B in 4.388571 us; Simple 8.4 + 3 x 5.7 + 4.388571 = 29.888571 us
    # (LL 6.6 + 3 + 4 x 4.388571 = 27.154286 us is faster): 48 x 2 x 27.154286 us = 2.606811 ms.
    dep = deployment(model="qwen3-30b-a3b", gpu="h100-nvl", tp=4, ep=True)
    assert StepModel(dep).step(0, 0, 64, 64 * 1100).communication_s == pytest.approx(2.606811e-3, rel=1e-5)


def test_expert_parallel_all_to_all_over_nvlink_by_hand():
    # The same under TensorRT-LLM, whose alltoall kernels move routed copies where the GPUs share NVLink:
    # 64 x top-8 = 512 copies, 64 per GPU on average; the busiest GPU gets 64 + sqrt(2 x 64 x ln 8) = 80.315.
    # Each of the 2 x 94 all-to-alls moves 7/8 of those copies' 4096 x 2 B hidden states over 315 GB/s:
    # 80.315 x 7168 B / 315e9 B/s = 1.8277 us, plus TensorRT-LLM's 8 us latency: 188 x 9.8277 us = 1.8476 ms.
    ep = StepModel(deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8", ep=True, engine="trtllm"))
    assert ep.step(0, 0, 64, 64 * 1100).communication_s == pytest.approx(188 * (8e-6 + 80.315 * 7168 / 315e9), rel=1e-4)


def test_expert_parallel_over_pcie_gathers_quantized_tokens_on_nccl_rings_by_hand():
    # Qwen3-30B-A3B NVFP4 on 2 x RTX PRO 6000 (PCIe Gen5, no NVLink) with EP under TensorRT-LLM, 64 decodes:
    # no alltoall off NVLink, so per MoE layer an NCCL ring all-gather of 1/2 of the tokens quantized to NVFP4
    # (2048 x 0.5625 B) and a reduce-scatter of 1/2 of the 16-bit outputs (2048 x 2 B), over 64 GB/s x 0.7:
    # gather 36,864 B / 44.8e9 = 0.822857 us, scatter 131,072 B / 44.8e9 = 2.925714 us. One ring step each
    # (profiles/nccl.py): the gather on LL, 6.6 + 1.0 + 4 x 0.822857 = 10.891429 us; the scatter on Simple,
    # 8.4 + 5.7 + 2.925714 = 17.025714 us. 48 layers x 27.917143 us = 1.340023 ms, and no all-reduce (attention
    # runs data-parallel).
    dep = deployment(
        model="qwen3-30b-a3b", gpu="rtx-pro-6000", tp=2, weights="nvfp4", kv="fp8", ep=True, engine="trtllm"
    )
    assert StepModel(dep).step(0, 0, 64, 64 * 1100).communication_s == pytest.approx(1.340023e-3, rel=1e-5)


def test_expert_parallel_replicates_attention_and_spreads_sequences():
    # At batch 1 every EP rank streams the whole attention (4.2e9 params over 94 layers, unsharded) and the
    # busiest rank all 8 routed experts, so one decode step streams more than under TP8. With 512 decodes
    # each rank schedules 64 sequences: at 30 us per sequence (and no other overhead, no elementwise
    # traffic: infinite HBM is not an option, so compare the per-sequence part alone) 512 x 30 us = 15.36
    # ms under TP and 64 x 30 us = 1.92 ms per EP rank.
    tp = StepModel(deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8"))
    ep = StepModel(deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8", ep=True))
    assert ep.step(0, 0, 1, 1100).weights_s > 3 * tp.step(0, 0, 1, 1100).weights_s
    seq = dataclasses.replace(IDEAL, step_overhead_per_seq_s=30e-6)
    tp_dep = deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8")
    ep_dep = deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8", ep=True)
    for dep, want in ((tp_dep, 512 * 30e-6), (ep_dep, 64 * 30e-6)):
        with_seq, without = StepModel(dep, seq), StepModel(dep, IDEAL)
        assert with_seq.step(0, 0, 512, 512 * 1100).host_s - without.step(
            0, 0, 512, 512 * 1100
        ).host_s == pytest.approx(want)


def test_expert_parallel_needs_a_moe_model():
    with pytest.raises(RecommendError, match="mixture-of-experts"):
        deployment(model="llama-3-8b", gpu="h100", tp=2, ep=True)


def test_moe_gemm_share_falls_with_expert_width_relative_to_mixtral_tp2():
    # width / (width + 1250) over the same at 7168 (Mixtral TP2, where the fractions are set):
    # 768 wide (Qwen3-30B-A3B, TP1): (768 / 2018) / (7168 / 8418) = 0.380575 / 0.851509 = 0.446943;
    # 1792 wide (Mixtral TP8) at vLLM's 0.8: 0.8 x (1792 / 3042) / 0.851509 = 0.8 x 0.691814 = 0.553451;
    # 7168 and wider: the fraction itself (never above it).
    eff = Efficiency(moe_gemm_fraction=1.0)
    assert eff.moe_gemm_share(768) == pytest.approx(0.446943, rel=1e-5)
    assert Efficiency(moe_gemm_fraction=0.8).moe_gemm_share(1792) == pytest.approx(0.553451, rel=1e-5)
    assert eff.moe_gemm_share(7168) == pytest.approx(1.0) and eff.moe_gemm_share(14336) == 1.0


def test_narrow_experts_slow_compute_bound_expert_gemms_by_the_width_share():
    # Qwen3-30B-A3B TP1, 8192 prompt tokens (compute-bound: 55 ms of GEMMs vs 18 ms of weight streaming).
    # Expert FLOPs per token: 2 x 48 layers x 8 experts x 3 x 2048 x 768 = 3,623,878,656; at share
    # 0.446943 instead of 1 the step gains 8192 x 3,623,878,656 x (1 / 0.446943 - 1) / peak FLOP/s.
    dep = deployment(model="qwen3-30b-a3b", gpu="h100")
    ideal = dataclasses.replace(IDEAL, moe_gemm_fraction=1.0)
    wide = StepModel(dep, dataclasses.replace(ideal, moe_half_width=0.0))
    narrow = StepModel(dep, ideal)
    extra_s = 8192 * 3_623_878_656 * (1 / 0.446943 - 1) / dep.gemm_peak_flop_s
    assert narrow.step_s(8192, 8192, 0, 0) - wide.step_s(8192, 8192, 0, 0) == pytest.approx(extra_s, rel=1e-5)
    assert narrow.decode_step_s(1, 1000) == pytest.approx(wide.decode_step_s(1, 1000))  # weight-bound


def test_gqa_group_outside_the_fused_kernel_reads_kv_at_l2_bandwidth():
    # Mistral-7B (32 query / 8 KV heads = groups of 4) on H100, bf16 KV: 32 layers x 8 x 128 x 2 (K, V)
    # x 2 B = 131,072 B per token. Decoding 64 sequences at 2048 context reads 64 x 2048 x 131,072 =
    # 17,179,869,184 B: one HBM pass at 3.35 TB/s, or 4 reads from L2 at 9.8 TB/s (slower, so it binds).
    dep = deployment(model="mistral-7b", gpu="h100")
    fused = StepModel(dep, IDEAL)
    fallback = StepModel(dep, dataclasses.replace(IDEAL, gqa_native_groups=(8,)))
    read = 17_179_869_184
    extra_s = read * 4 / 9.8e12 - read / 3.35e12
    assert fallback.decode_step_s(64, 2048) - fused.decode_step_s(64, 2048) == pytest.approx(extra_s, rel=1e-9)


def test_fp8_kv_on_the_gqa_fallback_pays_per_head_conversion():
    # Mistral-7B on H200 with FP8 KV: 32 layers x 8 x 128 x 2 (K, V) x 1 B = 65,536 B (= elements) per token;
    # 64 sequences at 2048 context read 8,589,934,592. Four query-head blocks each convert every element:
    # 4 x 8,589,934,592 / (2 x 16 x 989.5e12 / 4096 = 7.73047e12 /s) = 4.445 ms, slower than 4 reads from
    # L2 at 9.8 TB/s (3.506 ms) or one HBM pass at 4.8 TB/s (1.790 ms), so it binds.
    dep = deployment(model="mistral-7b", gpu="h200", kv="fp8")
    fused = StepModel(dep, IDEAL)
    fallback = StepModel(dep, dataclasses.replace(IDEAL, gqa_native_groups=(8,)))
    read = 8_589_934_592
    extra_s = read * 4 / (32 * 989.5e12 / 4096) - read / 4.8e12
    assert fallback.decode_step_s(64, 2048) - fused.decode_step_s(64, 2048) == pytest.approx(extra_s, rel=1e-9)


def test_gqa_fallback_leaves_covered_groups_and_unmeasured_gpus_alone():
    # Llama-2-70B's 64 / 8 = 8 query heads per KV head are XQA's group; B200 has no L2 measurement listed.
    only_eight = dataclasses.replace(IDEAL, gqa_native_groups=(8,))
    llama = deployment(model="llama-2-70b", gpu="h100", tp=4)
    assert StepModel(llama, only_eight).decode_step_s(64, 2048) == StepModel(llama, IDEAL).decode_step_s(64, 2048)
    mistral = deployment(model="mistral-7b", gpu="b200")
    assert StepModel(mistral, only_eight).decode_step_s(64, 2048) == StepModel(mistral, IDEAL).decode_step_s(64, 2048)


def test_sm80_only_moe_kernels_run_bf16_math_at_half_share_on_hopper():
    # Mixtral-8x7B TP2 FP8 on H100, 8192 prompt tokens (compute-bound). Expert FLOPs per token on one
    # shard: 2 x 32 layers x 2 experts x 3 x 4096 x 14336 / 2 = 11,274,289,152. With Ampere-only MoE
    # kernels they run at 0.48 of the bf16 peak instead of the FP8 peak: the step gains
    # 8192 x 11,274,289,152 x (1 / (0.48 x bf16 peak) - 1 / fp8 peak), and their dispatched copies are 16-bit
    # instead of FP8 (recommend/moe_traffic.py): 8192 x 2 copies x 32 layers x 4096 x 2 passes x 1 B more at
    # 3.35 TB/s. A100 (no Hopper) is unchanged.
    ideal = dataclasses.replace(IDEAL, moe_gemm_fraction=1.0, moe_half_width=0.0)
    ampere_only = dataclasses.replace(ideal, moe_sm80_kernels_only=True)
    dep = deployment(model="mixtral-8x7b", gpu="h100", tp=2, weights="fp8")
    bf16_s, fp8_s = dep.gpu.peak_tflops_bf16 * 1e12, dep.gpu.peak_tflops_fp8 * 1e12
    extra_s = 8192 * 11_274_289_152 * (1 / (0.48 * bf16_s) - 1 / fp8_s) + 8192 * 2 * 32 * 4096 * 2 / 3.35e12
    slow, fast = StepModel(dep, ampere_only), StepModel(dep, ideal)
    assert slow.step_s(8192, 8192, 0, 0) - fast.step_s(8192, 8192, 0, 0) == pytest.approx(extra_s, rel=1e-9)
    a100 = deployment(model="mixtral-8x7b", gpu="a100-80gb-sxm", tp=2)
    assert StepModel(a100, ampere_only).step_s(8192, 8192, 0, 0) == StepModel(a100, ideal).step_s(8192, 8192, 0, 0)


def test_vllm_v03_differs_from_vllm_only_in_hopper_moe_gemms():
    # vLLM of January 2024 (Triton 2.1: no wgmma by default) vs today's defaults: same dense model costs,
    # Mixtral prefill on H100 slower (Ampere kernels), on A100 the same.
    for model, gpu, same in (
        ("llama-3-8b", "h100", True),
        ("mixtral-8x7b", "h100", False),
        ("mixtral-8x7b", "a100", True),
    ):
        old = StepModel(deployment(model=model, gpu=gpu, tp=2, engine="vllm-v0.3")).step_s(8192, 8192, 0, 0)
        new = StepModel(deployment(model=model, gpu=gpu, tp=2, engine="vllm")).step_s(8192, 8192, 0, 0)
        assert (old == new) if same else (old > 1.3 * new)


def test_vllm_v06_has_no_per_rank_launch():
    # vLLM v0.5-v0.6's driver rank prepared each step for every worker and broadcast it through shared memory;
    # the Ray-era fit kept on today's engine charges 0.5 ms per extra rank: TP4 differs by 3 x 0.5 ms a step
    for tp, extra_s in ((1, 0.0), (4, 3 * 0.5e-3)):
        dep = {"model": "llama-3-8b", "gpu": "h100", "tp": tp}
        today = StepModel(deployment(**dep, engine="vllm")).step_s(0, 0, 8, 8000)
        v06 = StepModel(deployment(**dep, engine="vllm-v0.6")).step_s(0, 0, 8, 8000)
        assert today - v06 == pytest.approx(extra_s, abs=1e-12)


def test_a_context_step_pays_its_own_per_layer_cost():
    # 60 us a layer on generation steps, 60 + 50 us on a step with prefill: Llama-3-8B's 32 layers add 32 x 60 us =
    # 1.92 ms to a decode step and 32 x 110 us = 3.52 ms to a step that prefills (alone or beside decodes)
    split = dataclasses.replace(IDEAL, layer_overhead_s=60e-6, context_layer_extra_s=50e-6)
    plain, costed = StepModel(H100_8B, IDEAL), StepModel(H100_8B, split)
    assert costed.decode_step_s(4, 512) - plain.decode_step_s(4, 512) == pytest.approx(32 * 60e-6)
    assert costed.step_s(128, 128, 0, 0) - plain.step_s(128, 128, 0, 0) == pytest.approx(32 * 110e-6)
    assert costed.step_s(128, 128, 3, 1500) - plain.step_s(128, 128, 3, 1500) == pytest.approx(32 * 110e-6)
    # unset, the context step pays the generation step's cost
    same = StepModel(H100_8B, dataclasses.replace(IDEAL, layer_overhead_s=60e-6))
    assert same.step_s(128, 128, 0, 0) - plain.step_s(128, 128, 0, 0) == pytest.approx(32 * 60e-6)


def test_only_the_static_tensorrt_engines_split_generation_and_context_layer_costs():
    # the fit on NVIDIA's v0.9 sweep (profiles/engines.py STATIC_*) is a gptSessionBenchmark term: the engines
    # of those tables carry it, every other engine prices a context step's layers as a generation step's
    from profiles import ENGINES
    from profiles.engines import STATIC_CONTEXT_LAYER_EXTRA_S, STATIC_LAYER_OVERHEAD_S, STATIC_PER_SEQ_S

    for name, engine in ENGINES.items():
        eff = engine.efficiency
        if name in ("trtllm-legacy", "trtllm-xqa"):
            assert (eff.layer_overhead_s, eff.context_layer_extra_s, eff.step_overhead_per_seq_s) == (
                STATIC_LAYER_OVERHEAD_S,
                STATIC_CONTEXT_LAYER_EXTRA_S,
                STATIC_PER_SEQ_S,
            )
            assert eff.context_layer_extra_s > 0
        else:
            assert eff.context_layer_extra_s == 0, name


def test_the_host_is_its_own_part_of_a_step():
    # host_s: the engine's per-step, per-extra-rank and per-running-sequence costs, apart from the GPU's overheads.
    # vLLM on 4 x H100 decoding 256 sequences: 2 ms + 3 x 0.5 ms + 256 x 30 us = 11.18 ms; TensorRT-LLM's PyTorch
    # backend: 256 x 580 / 64 us = 2.32 ms and nothing fixed
    from profiles import get_engine

    dep = deployment(model="llama-3.1-70b", gpu="h100", tp=4, weights="fp8")
    vllm = StepModel(dep).step(0, 0, 256, 256 * 1000)
    assert vllm.host_s == pytest.approx(2e-3 + 3 * 0.5e-3 + 256 * 30e-6)
    trt = StepModel(dataclasses.replace(dep, engine=get_engine("trtllm"))).step(0, 0, 256, 256 * 1000)
    assert trt.host_s == pytest.approx(256 * 580e-6 / 64)
    assert vllm.overhead_s == pytest.approx(trt.overhead_s)  # the GPU's fixed costs are the engines' alike here
    assert vllm.total_s == pytest.approx(StepModel(dep).step_s(0, 0, 256, 256 * 1000))
