"""vLLM, SGLang, TensorRT-LLM and aiconfigurator exports: every file parses, every flag is documented.

Flag lists are copied from the engines' documentation (URLs beside each list); a flag we emit that is
not in its list fails the test.
"""

import json

import pytest
import yaml
from export_fixtures import HOUR_OF_WEEK, START_END, commands, options_of, plans

from recommend.export import export, load_plan

# https://docs.vllm.ai/en/latest/cli/serve/ and https://docs.vllm.ai/en/latest/configuration/engine_args/
VLLM_FLAGS = {
    "--model",
    "--host",
    "--port",
    "--tensor-parallel-size",
    "--max-model-len",
    "--max-num-seqs",
    "--max-num-batched-tokens",
    "--gpu-memory-utilization",
    "--quantization",
    "--kv-cache-dtype",
    "--enable-chunked-prefill",
    "--dtype",
    "--config",
}
VLLM_QUANTIZATION = {"fp8", "awq", "gptq", "compressed-tensors", "bitsandbytes", "modelopt"}
VLLM_KV_CACHE_DTYPE = {"auto", "fp8", "fp8_e4m3", "fp8_e5m2"}
# https://docs.sglang.io/advanced_features/server_arguments.html
SGLANG_FLAGS = {
    "--model-path",
    "--host",
    "--port",
    "--tp-size",
    "--tensor-parallel-size",
    "--context-length",
    "--max-running-requests",
    "--chunked-prefill-size",
    "--mem-fraction-static",
    "--quantization",
    "--kv-cache-dtype",
    "--dtype",
    "--config",
}
SGLANG_QUANTIZATION = {
    "awq",
    "fp8",
    "gptq",
    "marlin",
    "gptq_marlin",
    "awq_marlin",
    "bitsandbytes",
    "gguf",
    "modelopt",
    "modelopt_fp8",
    "modelopt_fp4",
    "w8a8_int8",
    "w8a8_fp8",
    "moe_wna16",
    "compressed-tensors",
}
SGLANG_KV_CACHE_DTYPE = {"auto", "fp8_e5m2", "fp8_e4m3", "bf16", "bfloat16", "fp4_e2m1"}
# https://nvidia.github.io/TensorRT-LLM/commands/trtllm-serve.html
TRTLLM_SERVE_FLAGS = {
    "--backend",
    "--host",
    "--port",
    "--tp_size",
    "--pp_size",
    "--max_batch_size",
    "--max_num_tokens",
    "--max_seq_len",
    "--kv_cache_free_gpu_memory_fraction",
    "--extra_llm_api_options",
    "--tokenizer",
}
# https://nvidia.github.io/TensorRT-LLM/commands/trtllm-build.html
TRTLLM_BUILD_FLAGS = {
    "--checkpoint_dir",
    "--output_dir",
    "--max_batch_size",
    "--max_input_len",
    "--max_seq_len",
    "--max_num_tokens",
    "--kv_cache_type",
    "--use_paged_context_fmha",
}
# https://github.com/NVIDIA/TensorRT-LLM/blob/main/examples/quantization/quantize.py (argparse)
QUANTIZE_FLAGS = {"--model_dir", "--dtype", "--qformat", "--output_dir", "--tp_size", "--kv_cache_dtype"}
QUANTIZE_QFORMATS = {"nvfp4", "fp8", "int8_sq", "int4_awq", "w4a8_awq", "int8_wo", "int4_wo", "full_prec"}
# https://nvidia.github.io/TensorRT-LLM/examples/kvcacheconfig.html (LLM API: KvCacheConfig, LlmArgs)
EXTRA_LLM_API_KEYS = {"kv_cache_config", "enable_chunked_prefill"}
KV_CACHE_CONFIG_KEYS = {"free_gpu_memory_fraction", "enable_block_reuse", "dtype"}
# https://github.com/ai-dynamo/aiconfigurator src/aiconfigurator/cli/main.py, docs/cli_user_guide.md
AIC_FLAGS = {"--model-path", "--total-gpus", "--system", "--backend", "--isl", "--osl", "--ttft", "--tpot"}
AIC_SYSTEMS = {
    "h200_sxm",
    "h100_sxm",
    "h100_pcie",
    "b200_sxm",
    "b300_sxm",
    "gb200",
    "a100_sxm",
    "a100_pcie",
    "l40s",
    "l4",
    "a30",
    "gb300",
}


def scripts(files: dict[str, str]) -> dict[str, list[list[str]]]:
    return {path: commands(text) for path, text in files.items() if path.endswith(".sh")}


@pytest.mark.parametrize("plan", plans(), ids=["hour_of_week", "start_end"])
def test_vllm_flags_are_documented_and_match_the_yaml(plan):
    files = export(plan, "vllm")
    for path, (argv,) in scripts(files).items():
        assert argv[:2] == ["vllm", "serve"] and argv[2] == plan.hf_id()
        opts = options_of(argv)
        assert set(opts) <= VLLM_FLAGS, path
        assert opts.get("--quantization", "fp8") in VLLM_QUANTIZATION
        assert opts.get("--kv-cache-dtype", "auto") in VLLM_KV_CACHE_DTYPE
        config = yaml.safe_load(files[path.replace(".sh", ".yaml")])
        assert config.pop("model") == argv[2]
        assert {f"--{k}": v if v is True else str(v) for k, v in config.items()} == opts  # same settings


def test_vllm_hand_checked_window():
    files = export(load_plan(HOUR_OF_WEEK), "vllm")
    (office,) = commands(files["vllm/w00-weekdays-09-18.sh"])
    (night,) = commands(files["vllm/w01-nights-and-weekends.sh"])
    o, n = options_of(office), options_of(night)
    assert (o["--max-num-seqs"], o["--max-model-len"], o["--kv-cache-dtype"]) == ("256", "8192", "fp8")
    assert "--quantization" not in o and "--enable-chunked-prefill" not in o  # bf16; 8192 budget = 8192 length
    assert n["--quantization"] == "fp8" and n["--enable-chunked-prefill"] is True  # 4096 < 8192
    assert n["--gpu-memory-utilization"] == "0.9"


def test_vllm_int_weights_use_prequantized_checkpoint_methods():
    files = export(load_plan(START_END), "vllm")
    assert options_of(commands(files["vllm/w00-peak-mon.sh"])[0])["--quantization"] == "compressed-tensors"
    assert options_of(commands(files["vllm/w02-night.sh"])[0])["--quantization"] == "awq"
    assert "pre-quantized" in files["vllm/README.md"]


@pytest.mark.parametrize("plan", plans(), ids=["hour_of_week", "start_end"])
def test_sglang_flags_are_documented(plan):
    files = export(plan, "sglang")
    for path, (argv,) in scripts(files).items():
        assert argv[:3] == ["python", "-m", "sglang.launch_server"]
        opts = options_of(argv)
        assert set(opts) <= SGLANG_FLAGS, path
        assert opts.get("--quantization", "fp8") in SGLANG_QUANTIZATION
        assert opts.get("--kv-cache-dtype", "auto") in SGLANG_KV_CACHE_DTYPE
        config = yaml.safe_load(files[path.replace(".sh", ".yaml")])
        assert {f"--{k}": str(v) for k, v in config.items()} == opts
    night = options_of(commands(export(load_plan(HOUR_OF_WEEK), "sglang")["sglang/w01-nights-and-weekends.sh"])[0])
    assert (
        night["--max-running-requests"],
        night["--chunked-prefill-size"],
        night["--context-length"],
        night["--kv-cache-dtype"],
    ) == ("128", "4096", "8192", "fp8_e4m3")


@pytest.mark.parametrize("plan", plans(), ids=["hour_of_week", "start_end"])
def test_trtllm_commands_and_configs_parse(plan):
    files = export(plan, "trtllm")
    known = {"trtllm-serve": TRTLLM_SERVE_FLAGS, "trtllm-build": TRTLLM_BUILD_FLAGS, "python": QUANTIZE_FLAGS}
    for path, lines in scripts(files).items():
        for argv in lines:
            opts = options_of(argv)
            assert set(opts) <= known[argv[0]], (path, argv)
            if argv[0] == "python":
                assert argv[1] == "examples/quantization/quantize.py" and opts["--qformat"] in QUANTIZE_QFORMATS
            if argv[0] == "trtllm-build":
                assert int(opts["--max_input_len"]) <= int(opts["--max_seq_len"])
    for path, text in files.items():
        if path.endswith(".yml"):
            config = yaml.safe_load(text)
            assert set(config) <= EXTRA_LLM_API_KEYS and set(config["kv_cache_config"]) <= KV_CACHE_CONFIG_KEYS


def test_trtllm_windows_share_an_engine_when_lengths_agree():
    engines = json.loads(export(load_plan(START_END), "trtllm")["trtllm/engines.json"])
    # Peak and evening: same gpu/tp/int8/bf16-kv/16384 → one engine, built for the larger batch (128 vs 64)
    # and token budget (4096 vs 2048); night (tp1 int4, 4096) gets its own.
    shared = engines["h200-tp2-int8-kvbf16-in16384-seq16384"]
    assert shared["windows"] == ["Peak (Mon)", "evening"]
    assert (shared["max_batch_size"], shared["max_num_tokens"]) == (128, 4096)
    assert engines["h200-tp1-int4-kvfp8-in4096-seq4096"]["windows"] == ["night"]


def test_trtllm_max_input_len_from_traffic():
    engines = json.loads(export(load_plan(HOUR_OF_WEEK), "trtllm")["trtllm/engines.json"])
    # prompt p99 6000 → 6144 (256 grid); 5000 → 5120. Different lengths → one engine per window.
    assert sorted(e["max_input_len"] for e in engines.values()) == [5120, 6144]


@pytest.mark.parametrize("plan", plans(), ids=["hour_of_week", "start_end"])
def test_aiconfigurator_arguments(plan):
    for path, lines in scripts(export(plan, "aiconfigurator")).items():
        assert len(lines) == 2, path  # typical (p50) and long (p95) runs
        for argv in lines:
            assert argv[:3] == ["aiconfigurator", "cli", "default"]
            opts = options_of(argv)
            assert set(opts) <= AIC_FLAGS and opts["--system"] in AIC_SYSTEMS


def test_aiconfigurator_hand_checked():
    files = export(load_plan(HOUR_OF_WEEK), "aiconfigurator")
    p50, p95 = (options_of(a) for a in commands(files["aiconfigurator/w00-weekdays-09-18.sh"]))
    assert (p50["--isl"], p50["--osl"], p95["--isl"], p95["--osl"]) == ("900", "200", "4000", "700")
    assert (p50["--total-gpus"], p50["--system"], p50["--ttft"], p50["--tpot"]) == ("4", "h100_sxm", "1000", "50")
    spans = export(load_plan(START_END), "aiconfigurator")
    peak = options_of(commands(spans["aiconfigurator/w00-peak-mon.sh"])[0])
    # 3 replicas x tp2 = 6 GPUs; strictest TTFT SLO is p99 1500 ms (< p95 2000); h200 → h200_sxm
    assert (peak["--total-gpus"], peak["--system"], peak["--ttft"]) == ("6", "h200_sxm", "1500")
