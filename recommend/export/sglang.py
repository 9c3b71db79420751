"""SGLang: `python -m sglang.launch_server` arguments and a `--config` YAML per window.

Flags: https://docs.sglang.io/advanced_features/server_arguments.html (YAML keys = long names).
Mapping from the plan: max_model_len → --context-length, max_num_seqs → --max-running-requests,
max_num_batched_tokens → --chunked-prefill-size, gpu_memory_utilization → --mem-fraction-static
(weights + KV pool share of memory, the same budget vLLM's flag sets).
"""

import shlex

import yaml

from recommend.export.options import ExportOptions
from recommend.plan import Plan, Window

# fp8 quantizes a bf16 checkpoint on load; w8a8_int8 and awq need pre-quantized checkpoints.
QUANTIZATION = {"bf16": None, "fp16": None, "fp8": "fp8", "int8": "w8a8_int8", "int4": "awq"}
# E4M3: more mantissa than E5M2, the format Hopper FP8 attention kernels use.
KV_CACHE_DTYPE = {"bf16": None, "fp16": None, "fp8": "fp8_e4m3"}
PORT = 30000  # SGLang's default port


def server_args(window: Window, model: str, options: ExportOptions) -> dict:
    c = window.config
    args = {
        "model-path": model,
        "host": options.host,
        "port": PORT,
        "tp-size": c.tp,
        "context-length": c.max_model_len,
        "max-running-requests": c.max_num_seqs,
        "chunked-prefill-size": c.max_num_batched_tokens,
        "mem-fraction-static": c.gpu_memory_utilization,
    }
    if c.weights == "fp16":
        args["dtype"] = "float16"
    if QUANTIZATION.get(c.weights):
        args["quantization"] = QUANTIZATION[c.weights]
    if KV_CACHE_DTYPE.get(c.kv):
        args["kv-cache-dtype"] = KV_CACHE_DTYPE[c.kv]
    return args


def launch_argv(args: dict) -> list[str]:
    argv = ["python", "-m", "sglang.launch_server"]
    for key, value in args.items():
        argv += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return argv


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    model = plan.hf_id(options.model)
    files = {}
    for w in plan.windows:
        args = server_args(w, model, options)
        files[f"sglang/{w.slug}.yaml"] = (
            f"# SGLang config for window {w.label!r}: "
            f"python -m sglang.launch_server --config {w.slug}.yaml\n" + yaml.safe_dump(args, sort_keys=False)
        )
        files[f"sglang/{w.slug}.sh"] = (
            f"#!/bin/sh\n# window {w.label!r}: {w.config.replicas} replica(s)\n" + shlex.join(launch_argv(args)) + "\n"
        )
    return files
