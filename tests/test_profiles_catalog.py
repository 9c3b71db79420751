import json

import pytest

from profiles import GPUS, MODELS, CatalogError, get_engine, get_gpu, get_model
from profiles.nccl import pcie_only


@pytest.mark.parametrize("spelling", ["h100", "H100-SXM5-80GB", "Nvidia H100 GPU", "NVIDIA H100 80GB HBM3", "h100_sxm"])
def test_h100_spellings_resolve_to_sxm(spelling):
    assert get_gpu(spelling).name == "h100-sxm"


@pytest.mark.parametrize(
    "spelling,name",
    [
        ("NVIDIA A100-SXM4-80GB", "a100-80gb-sxm"),
        ("A100 40GB", "a100-40gb-sxm"),
        ("NVIDIA A10G", "a10g"),
        ("AMD Instinct MI300X", "mi300x"),
        ("H100 PCIe", "h100-pcie"),
        ("H100 NVL", "h100-nvl"),
        ("GH200", "gh200"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000"),
        ("RTX PRO 6000", "rtx-pro-6000"),
    ],
)
def test_common_gpu_names(spelling, name):
    assert get_gpu(spelling).name == name


def test_unknown_gpu_lists_known_names():
    with pytest.raises(CatalogError, match="known GPUs: .*h100-sxm.*mi300x"):
        get_gpu("tpu-v5e")


def test_every_gpu_number_has_a_source_and_is_positive():
    for gpu in GPUS.values():
        assert gpu.source.startswith("http") and gpu.price_source
        assert gpu.mem_gib > 0 and gpu.hbm_tb_s > 0 and gpu.peak_tflops_bf16 > 0 and gpu.usd_per_hour > 0


def test_h100_ridge_point():
    # 989.5 TFLOP/s bf16 dense / 3.35 TB/s = 295.4 FLOPs per byte (H100 datasheet)
    assert get_gpu("h100").ridge_ops_per_byte == pytest.approx(295.37, abs=0.01)


def test_fp8_falls_back_to_bf16_math_on_a100():
    assert get_gpu("a100").peak_tflops("fp8") == 312.0
    assert get_gpu("h100").peak_tflops("fp8") == 1979.0


@pytest.mark.parametrize(
    "hf_id,name",
    [
        ("meta-llama/Meta-Llama-3-8B", "llama-3-8b"),
        ("Qwen/Qwen2-7B", "qwen2-7b"),
        ("mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b"),
        ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"),
        ("Qwen2.5-72B-Instruct", "qwen2.5-72b"),
        ("Llama-2-7b-hf", "llama-2-7b"),
        ("llama-3.3-70b", "llama-3.1-70b"),
        ("nvidia/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick"),
    ],
)
def test_hugging_face_ids_resolve(hf_id, name):
    assert get_model(hf_id).name == name


def test_parameter_counts_match_published_sizes():
    # Llama-3-8B: 32 x (attention 41,943,040 + MLP 3 x 4096 x 14336 = 176,160,768 + norms 8192)
    #   + embeddings and lm_head 2 x 128256 x 4096 + final norm 4096 = 8,030,261,248
    assert get_model("llama-3-8b").total_params == 8_030_261_248
    # Mixtral-8x7B model card: 46.7B total, 12.9B active (2 of 8 experts)
    assert get_model("mixtral-8x7b").total_params / 1e9 == pytest.approx(46.70, abs=0.01)
    assert get_model("mixtral-8x7b").active_params / 1e9 == pytest.approx(12.75, abs=0.01)


def test_config_json_path(tmp_path):
    config = {
        "hidden_size": 2048,
        "num_hidden_layers": 16,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "intermediate_size": 8192,
        "vocab_size": 128256,
        "tie_word_embeddings": True,
        "head_dim": 64,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    spec = get_model(str(path))
    assert spec.total_params == MODELS["llama-3.2-1b"].total_params
    assert get_model(str(tmp_path)).num_kv_heads == 8


def test_bad_config_json_and_unknown_model(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(CatalogError, match="not a usable"):
        get_model(str(path))
    with pytest.raises(CatalogError, match="llama-3-8b"):
        get_model("gpt-5")


def test_engine_names():
    assert get_engine("TensorRT-LLM").name == "trtllm"
    with pytest.raises(CatalogError, match="known engines"):
        get_engine("tgi")


def test_trtllm_cpp_is_trtllm_plus_its_per_request_cost():
    from recommend.deployment import deployment
    from recommend.roofline import StepModel

    # the C++ executor's profile: the PyTorch backend's knobs, with its own costs every step (0.6 ms and 7.5 us per
    # running sequence, fit on v0.12's table) where the PyTorch backend pays only its Python host's (580 us / 64
    # requests a running request)
    py, cpp = get_engine("trtllm"), get_engine("trtllm-cpp")
    assert cpp.efficiency.step_overhead_per_seq_s == pytest.approx(7.5e-6)
    assert py.efficiency.step_overhead_per_seq_s == pytest.approx(9.0625e-6)
    assert (cpp.max_batched_tokens, cpp.kv_block_tokens, cpp.memory_fraction) == (
        py.max_batched_tokens,
        py.kv_block_tokens,
        py.memory_fraction,
    )
    steps = [StepModel(deployment(model="llama-3-8b", gpu="h100-sxm", engine=e)) for e in ("trtllm", "trtllm-cpp")]
    assert (py.efficiency.step_overhead_s, cpp.efficiency.step_overhead_s) == (0.0, pytest.approx(0.6e-3))
    # 256 sequences decoding over 1,000 tokens each: 0.6 ms - 256 x (9.0625 - 7.5) us = 0.2 ms more a step
    assert steps[1].decode_step_s(256, 1000) - steps[0].decode_step_s(256, 1000) == pytest.approx(0.2e-3)


def test_plain_mlp_models_count_two_projections():
    # GPT-J 6B: 28 x (attention 4 x 4096^2 = 67,108,864 + MLP up+down 2 x 4096 x 16384 = 134,217,728
    # + 2 norms 8,192) = 5,637,373,952; untied embedding + lm_head 2 x 50400 x 4096 = 412,876,800; final
    # norm 4,096 -> 6,050,254,848 (the checkpoint's 6,053,381,344 adds biases we do not model)
    assert get_model("EleutherAI/gpt-j-6b").total_params == 6_050_254_848
    # Falcon-180B, per layer: q 14848 x 14848 + kv 2 x 14848 x 512 + o 14848 x 14848 = 456,130,560;
    # MLP 2 x 14848 x 59392 = 1,763,704,832; norms 29,696 -> 80 x 2,219,865,088 = 177,589,207,040,
    # + tied embedding 65024 x 14848 = 965,476,352 + final norm 14,848 = 178,554,698,240
    assert get_model("falcon-180b").total_params == 178_554_698_240


def test_moe_models_count_shared_experts_dense_layers_and_mla():
    # Qwen3-30B-A3B: per layer attention 2048 x (4096 + 2 x 512) + 4096 x 2048 = 18,874,368, 128 experts
    # x 3 x 2048 x 768 = 603,979,776, router 2048 x 128 = 262,144, norms 4,096 -> 623,120,384 x 48 layers
    # = 29,909,778,432, + untied embedding and lm_head 2 x 151936 x 2048 = 622,329,856 + final norm 2,048
    assert get_model("Qwen/Qwen3-30B-A3B").total_params == 30_532_110_336
    # DeepSeek-V3 MLA attention per layer: q 7168 x 1536 + 1536 x 128 x 192 = 48,758,784; kv_a 7168 x 576
    # = 4,128,768; kv_b 512 x 128 x (128 + 128) = 16,777,216; o 128 x 128 x 7168 = 117,440,512 -> 187,105,280
    v3 = get_model("deepseek-ai/DeepSeek-R1")
    assert v3.attention_params_per_layer == 187_105_280
    # 58 MoE layers x (256 + 1 shared) x 3 x 7168 x 2048 + 3 dense x 3 x 7168 x 18432 + 61 x attention
    assert v3.linear_params == 58 * 257 * 44_040_192 + 3 * 396_361_728 + 61 * 187_105_280
    assert round(v3.total_params / 1e9) == 671 and round(v3.active_params / 1e9) == 37  # DeepSeek-V3 paper


def test_llama4_counts_its_shared_expert_and_maverick_dense_layers():
    # attention 5120 x (5120 + 2 x 1024) + 5120 x 5120 = 62,914,560, norms 10,240; expert 3 x 5120 x 8192
    # = 125,829,120; untied embedding + lm_head 2 x 202,048 x 5120 = 2,068,971,520; final norm 5,120.
    # Scout: 48 layers x (attention + norms + router 5120 x 16 + 17 experts) = 48 x 2,202,101,760
    scout = get_model("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    assert scout.total_params == 48 * 2_202_101_760 + 2_068_971_520 + 5_120
    # Maverick: 24 MoE layers x (attention + norms + router 655,360 + 129 experts) = 24 x 16,295,536,640 and
    # 24 dense layers x (attention + norms + MLP 3 x 5120 x 16384 = 251,658,240) = 24 x 314,583,040
    maverick = get_model("llama-4-maverick")
    assert maverick.total_params == 24 * 16_295_536_640 + 24 * 314_583_040 + 2_068_971_520 + 5_120
    # active: the shared and one routed expert in MoE layers, the dense MLP elsewhere, the lm_head (Meta: 17B
    # with the input embedding table, which a token looks up but does not multiply through)
    assert maverick.active_params == 24 * 315_238_400 + 24 * 314_583_040 + 1_034_485_760 + 5_120
    assert round((maverick.active_params + maverick.embedding_params) / 1e9) == 17


def test_llama4_config_json_reads_its_text_config(tmp_path):
    text = {
        "model_type": "llama4_text",
        "hidden_size": 5120,
        "num_hidden_layers": 48,
        "num_attention_heads": 40,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "intermediate_size": 8192,
        "intermediate_size_mlp": 16384,
        "num_local_experts": 128,
        "num_experts_per_tok": 1,
        "interleave_moe_layer_step": 2,
        "attention_chunk_size": 8192,
        "vocab_size": 202048,
        "max_position_embeddings": 1048576,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "llama4", "text_config": text, "vision_config": {"hidden_size": 1408}}))
    spec = get_model(str(path))
    assert (spec.dense_layers, spec.shared_experts, spec.attention_chunk_tokens) == (24, 1, 8192)
    assert spec.total_params == MODELS["llama-4-maverick"].total_params


def test_deepseek_v3_config_json_reads_mla_shared_experts_and_dense_layers(tmp_path):
    config = {  # deepseek-ai/DeepSeek-V3 config.json, the fields the model uses
        "model_type": "deepseek_v3",
        "hidden_size": 7168,
        "num_hidden_layers": 61,
        "num_attention_heads": 128,
        "num_key_value_heads": 128,
        "intermediate_size": 18432,
        "moe_intermediate_size": 2048,
        "n_routed_experts": 256,
        "n_shared_experts": 1,
        "num_experts_per_tok": 8,
        "first_k_dense_replace": 3,
        "kv_lora_rank": 512,
        "q_lora_rank": 1536,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "vocab_size": 129280,
        "max_position_embeddings": 163840,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    spec, v3 = get_model(str(path)), MODELS["deepseek-v3"]
    for field in ("num_kv_heads", "head_dim", "kv_lora_rank", "dense_layers", "shared_experts", "num_experts"):
        assert getattr(spec, field) == getattr(v3, field), field
    assert spec.total_params == v3.total_params and spec.active_params == v3.active_params


def test_new_gpus_have_fp4_where_the_datasheet_does():
    assert get_gpu("B300").peak_tflops("nvfp4") == 13500.0 and get_gpu("gb200").peak_tflops("mxfp4") == 10000.0
    assert get_gpu("MI355X").peak_tflops("mxfp4") == 10066.3
    # no FP4 tensor cores: weight-only FP4 dequantised to bf16 math
    assert get_gpu("h100").peak_tflops("nvfp4") == 989.5 and get_gpu("mi325x").peak_tflops("nvfp4") == 1307.4


def test_rtx_pro_6000_is_the_server_edition_on_pcie():
    # NVIDIA's Server Edition page: 1597 GB/s (the Workstation Edition's 1792 is another part), and with
    # sparsity FP4 4 PFLOPS, FP8 2 PFLOPS, FP16/BF16 1 PFLOP, halved for dense; nvidia-smi 97887 MiB = 95.59 GiB.
    # No NVLink: its collectives ride PCIe Gen5 x16 (128 GB/s both ways) and NCCL's PCIe ring latency.
    g = get_gpu("rtx-pro-6000")
    assert (g.hbm_tb_s, g.peak_tflops("nvfp4"), g.peak_tflops("fp8"), g.peak_tflops("bf16")) == (1.597, 2000, 1000, 500)
    assert g.mem_gib == pytest.approx(97887 / 1024, abs=0.005)
    assert g.link_gb_s(8) == 128.0 and pcie_only(g, 2)


def test_metas_fp8_405b_keeps_attention_and_edge_layers_in_bf16():
    # The Llama 3 paper (sec. 6.2): FP8 on the feedforward layers only, not self-attention, not the first and last
    # layers. Per layer: attention 16384 x (16384 + 2 x 1024) + 16384 x 16384 = 570,425,344 params; MLP
    # 3 x 16384 x 53248 = 2,617,245,696. Bytes: 126 x 570.4e6 x 2 + 2 x 2617.2e6 x 2 + 124 x 2617.2e6 x 1
    # + embeddings and lm_head 2 x 128256 x 16384 x 2 + norms (2 x 126 + 1) x 16384 x 2 = 487.19 GB; / 8 GPUs
    # = 56.71 GiB, where vLLM reported 56.7677 (dstack's gpu-usage.md) and all-linear FP8 gives 47.74.
    from recommend.deployment import deployment
    from recommend.memory import weight_bytes_per_gpu
    from recommend.roofline import latency_floor_s_per_token

    assert get_model("meta-llama/Llama-3.1-405B-Instruct-FP8").name == "llama-3.1-405b-fp8-meta"
    assert get_model("amd/Llama-3.1-405B-Instruct-FP8-KV").name == "llama-3.1-405b"
    meta = deployment(model="meta-llama/Llama-3.1-405B-FP8", gpu="h100-sxm", tp=8, weights="fp8")
    every = deployment(model="llama-3.1-405b", gpu="h100-sxm", tp=8, weights="fp8")
    attention, mlp = 570_425_344, 2_617_245_696
    expected = 126 * attention * 2 + 2 * mlp * 2 + 124 * mlp + 2 * 128256 * 16384 * 2 + 253 * 16384 * 2
    assert meta.model.sixteen_bit_linear_params == 126 * attention + 2 * mlp
    assert weight_bytes_per_gpu(meta) == pytest.approx(expected / 8)
    assert weight_bytes_per_gpu(meta) / 2**30 == pytest.approx(56.7677, rel=0.002)
    assert weight_bytes_per_gpu(every) / 2**30 == pytest.approx(47.74, abs=0.01)
    # the decode floor streams those bytes but the embeddings' (a lookup), the 16-bit layers at 2 B whatever the
    # dtype (norms, 4 MB in all, at the weights' 1 B there: within 1e-5)
    streamed = (weight_bytes_per_gpu(meta) * 8 - 128256 * 16384 * 2) / 8
    assert latency_floor_s_per_token(meta) == pytest.approx(streamed / 3.35e12, rel=1e-5)
    bf16 = deployment(model="meta-llama/Llama-3.1-405B-FP8", gpu="h100-sxm", tp=8, weights="bf16")
    assert weight_bytes_per_gpu(bf16) == weight_bytes_per_gpu(deployment(model="llama-3.1-405b", gpu="h100-sxm", tp=8))


def test_a_checkpoints_quantization_config_says_which_layers_stay_16_bit(tmp_path):
    # Meta's fbgemm_fp8 405B lists every layer's attention projections and the first and last layers' MLPs in
    # modules_to_not_convert; the spec read from it equals the catalog's llama-3.1-405b-fp8-meta. Patterns and
    # lm_head count for nothing; a compressed-tensors `ignore` list is read the same way.
    skip = [f"model.layers.{i}.self_attn.{p}_proj" for i in range(126) for p in "qkvo"]
    skip += [f"model.layers.{i}.mlp.{p}_proj" for i in (0, 125) for p in ("gate", "up", "down")]
    config = {
        "hidden_size": 16384,
        "num_hidden_layers": 126,
        "num_attention_heads": 128,
        "num_key_value_heads": 8,
        "intermediate_size": 53248,
        "vocab_size": 128256,
        "max_position_embeddings": 131072,
        "quantization_config": {"quant_method": "fbgemm_fp8", "modules_to_not_convert": [*skip, "lm_head"]},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    spec = get_model(str(path))
    meta = MODELS["llama-3.1-405b-fp8-meta"]
    assert (spec.sixteen_bit_attention_layers, spec.sixteen_bit_mlp_layers) == (126, 2)
    assert spec.sixteen_bit_linear_params == meta.sixteen_bit_linear_params
    config["quantization_config"] = {"quant_method": "compressed-tensors", "ignore": ["lm_head", "re:.*mlp.gate$"]}
    path.write_text(json.dumps(config))
    assert get_model(str(path)).sixteen_bit_linear_params == 0
