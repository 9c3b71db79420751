"""vLLM: a `vllm serve` command line and a `--config` YAML per window.

Flags: https://docs.vllm.ai/en/latest/cli/serve/ and engine args
https://docs.vllm.ai/en/latest/configuration/engine_args/ . The YAML takes the long option names
without the leading dashes (https://docs.vllm.ai/en/latest/configuration/serve_args/).
"""

import shlex

import yaml

from recommend.export.options import ExportOptions
from recommend.plan import Plan, Window

# Plan weights dtype → `--quantization`. fp8 quantizes a bf16 checkpoint on load (dynamic FP8).
# int8 = W8A8 INT8 and int4 = W4A16: vLLM loads them from pre-quantized checkpoints only
# (llm-compressor's compressed-tensors INT8, AutoAWQ), so --model must name such a checkpoint.
QUANTIZATION = {"bf16": None, "fp16": None, "fp8": "fp8", "int8": "compressed-tensors", "int4": "awq"}
KV_CACHE_DTYPE = {"bf16": None, "fp16": None, "fp8": "fp8"}  # None: "auto" (the model's dtype)


def engine_args(window: Window, model: str, options: ExportOptions) -> dict:
    """Long option name → value; True means a bare flag."""
    c = window.config
    args = {
        "model": model,
        "host": options.host,
        "port": options.port,
        "tensor-parallel-size": c.tp,
        "max-model-len": c.max_model_len,
        "max-num-seqs": c.max_num_seqs,
        "max-num-batched-tokens": c.max_num_batched_tokens,
        "gpu-memory-utilization": c.gpu_memory_utilization,
    }
    if c.weights == "fp16":
        args["dtype"] = "float16"
    if QUANTIZATION.get(c.weights):
        args["quantization"] = QUANTIZATION[c.weights]
    if KV_CACHE_DTYPE.get(c.kv):
        args["kv-cache-dtype"] = KV_CACHE_DTYPE[c.kv]
    if c.chunked_prefill:
        args["enable-chunked-prefill"] = True
    return args


def serve_argv(args: dict) -> list[str]:
    argv = ["vllm", "serve", str(args["model"])]
    for key, value in args.items():
        if key != "model":
            argv += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return argv


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    model = plan.hf_id(options.model)
    files, notes = {}, []
    for w in plan.windows:
        args = engine_args(w, model, options)
        files[f"vllm/{w.slug}.yaml"] = (
            f"# vLLM config for window {w.label!r}: vllm serve --config {w.slug}.yaml\n"
            + yaml.safe_dump(args, sort_keys=False)
        )
        files[f"vllm/{w.slug}.sh"] = (
            f"#!/bin/sh\n# window {w.label!r}: {w.config.replicas} replica(s)\n" + shlex.join(serve_argv(args)) + "\n"
        )
        if w.config.weights in ("int8", "int4"):
            notes.append(
                f"{w.slug}: --quantization {QUANTIZATION[w.config.weights]} needs a pre-quantized "
                f"{w.config.weights} checkpoint; pass it with --model"
            )
    files["vllm/README.md"] = _readme(plan, model, notes)
    return files


def _readme(plan: Plan, model: str, notes: list[str]) -> str:
    lines = [
        f"# vLLM configs for {plan.model} ({model})",
        "",
        "One `<window>.sh` (command line) and `<window>.yaml` (`vllm serve --config`) per plan window.",
        "",
        "| window | file | replicas | tp |",
        "|---|---|---|---|",
    ]
    lines += [f"| {w.label} | {w.slug}.sh | {w.config.replicas} | {w.config.tp} |" for w in plan.windows]
    return "\n".join(lines + [""] + [f"- {n}" for n in notes]) + "\n"
