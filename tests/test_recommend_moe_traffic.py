import pytest

from profiles import Efficiency
from profiles.models import get_model
from recommend.deployment import deployment
from recommend.moe_traffic import dispatch_bytes, routed_copy_bytes
from recommend.roofline import StepModel

IDEAL = Efficiency(
    hbm_fraction=1.0,
    gemm_fraction=1.0,
    gemm_half_tokens=0.0,
    attention_fraction=1.0,
    step_overhead_s=0.0,
    layer_overhead_s=0.0,
)


def test_dispatch_bytes_follow_the_expert_gemms_math():
    # NVFP4 on FP4 tensor cores: 0.5 + 1/16 B; FP8 math: 1 B; otherwise 16-bit (A100's FP8 weights, Ampere-only
    # MoE kernels, NVFP4 without FP4 tensor cores, bf16).
    assert dispatch_bytes("nvfp4", fp8_math=True, fp4_math=True) == 0.5625
    assert dispatch_bytes("fp8", fp8_math=True, fp4_math=False) == 1.0
    assert dispatch_bytes("fp8", fp8_math=False, fp4_math=False) == 2.0
    assert dispatch_bytes("nvfp4", fp8_math=True, fp4_math=False) == 2.0
    assert dispatch_bytes("bf16", fp8_math=True, fp4_math=False) == 2.0


def test_routed_copy_bytes_by_hand():
    # MoE layers x hidden x 2 x (dispatch + 2 B): Qwen3-30B-A3B 16-bit 48 x 2048 x 2 x 4 = 786,432 B, with an
    # NVFP4 dispatch 48 x 2048 x 2 x 2.5625 = 503,808 B; DeepSeek-V3 (3 dense layers of 61) 58 x 7168 x 2 x 4 =
    # 3,325,952 B; dense models move none.
    assert routed_copy_bytes(get_model("qwen3-30b-a3b")) == 786_432
    assert routed_copy_bytes(get_model("qwen3-30b-a3b"), 0.5625) == 503_808
    assert routed_copy_bytes(get_model("deepseek-v3")) == 3_325_952
    assert routed_copy_bytes(get_model("llama-3-8b")) == 0.0


def test_moe_decode_step_pays_dispatch_and_combine_per_routed_copy():
    # Qwen3-30B-A3B fp8 on one H100 (FP8 math: 1 B dispatch), 64 decodes, ideal efficiencies: besides weights
    # and KV the step moves 64 tokens x elementwise 2 x 2 B x 48 x (6 x 2048 + 3 x 768 x 8) = 64 x 5,898,240 B
    # and 64 x 8 routed copies x 48 x 2048 x 2 x 3 B = 512 x 589,824 B, at 3.35 TB/s.
    model = StepModel(deployment(model="qwen3-30b-a3b", gpu="h100", weights="fp8"), IDEAL)
    expected = (64 * 5_898_240 + 512 * 589_824) / 3.35e12
    assert model.step(0, 0, 64, 64 * 1000).overhead_s == pytest.approx(expected, rel=1e-9)


def test_expert_parallel_rank_pays_for_its_busiest_share_of_copies():
    # Qwen3-235B-A22B fp8 EP on 8 x H200, 64 decodes: each rank runs 8 sequences through its dense layers
    # (elementwise 2 x 2 B x 94 x (6 x 4096 + 3 x 1536 x 8) = 23,101,440 B each, experts whole) and the
    # busiest rank moves 64 + sqrt(2 x 64 x ln 8) = 80.315 routed copies of 94 x 4096 x 2 x 3 = 2,310,144 B,
    # at 4.8 TB/s.
    dep = deployment(model="qwen3-235b-a22b", gpu="h200", tp=8, weights="fp8", ep=True)
    expected = (8 * 23_101_440 + 80.315 * 2_310_144) / 4.8e12
    assert StepModel(dep, IDEAL).step(0, 0, 64, 64 * 1100).overhead_s == pytest.approx(expected, rel=1e-4)
