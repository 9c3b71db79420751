"""TensorRT-LLM: `trtllm-serve` + extra-llm-api-config YAML per window, and `trtllm-build` per engine.

TensorRT engines are compiled for a maximum batch, token budget, input and sequence length, GPU,
TP and precision. Windows whose (gpu, tp, weights, kv, max_seq_len, max_input_len) agree share one
engine, built with the largest max_batch_size / max_num_tokens among them; each window then sets its
own smaller values at serve time, which needs no rebuild (TensorRT-LLM perf best practices:
https://nvidia.github.io/TensorRT-LLM/performance/perf-best-practices.html).
Flags: https://nvidia.github.io/TensorRT-LLM/commands/trtllm-build.html,
https://nvidia.github.io/TensorRT-LLM/commands/trtllm-serve.html; checkpoint quantization:
examples/quantization/quantize.py (https://nvidia.github.io/TensorRT-LLM/features/quantization.html).
"""

import json
import math
import shlex
from dataclasses import asdict, dataclass

import yaml

from recommend.export.options import ExportOptions
from recommend.plan import Plan, Window

# quantize.py --qformat per plan weights dtype; full_prec keeps bf16/fp16 (and still sets an fp8 KV cache).
QFORMAT = {
    "bf16": "full_prec",
    "fp16": "full_prec",
    "fp8": "fp8",
    "int8": "int8_sq",
    "int4": "int4_awq",
    "nvfp4": "nvfp4",
}
INPUT_GRID = 256  # tokens; max_input_len rounded up to this grid


@dataclass(frozen=True, slots=True, kw_only=True)
class Engine:
    gpu: str
    tp: int
    weights: str
    kv: str
    max_seq_len: int
    max_input_len: int
    max_batch_size: int
    max_num_tokens: int

    @property
    def key(self) -> tuple:
        return (self.gpu, self.tp, self.weights, self.kv, self.max_seq_len, self.max_input_len)

    @property
    def name(self) -> str:
        return f"{self.gpu}-tp{self.tp}-{self.weights}-kv{self.kv}-in{self.max_input_len}-seq{self.max_seq_len}"


def max_input_len(window: Window) -> int:
    """The window's longest prompt (plan traffic max/p99.9/p99, 256-token grid), else max_model_len."""
    c = window.config
    for q in ("max", "p999", "p99.9", "p99"):
        value = window.quantile("prompt_tokens", q)
        if value:
            return min(c.max_model_len, math.ceil(value / INPUT_GRID) * INPUT_GRID)
    return c.max_model_len


def engines(plan: Plan) -> dict[str, tuple[Engine, list[Window]]]:
    """Engine name → (engine, windows served by it)."""
    groups: dict[tuple, list[Window]] = {}
    for w in plan.windows:
        c = w.config
        key = (c.gpu, c.tp, c.weights, c.kv, c.max_model_len, max_input_len(w))
        groups.setdefault(key, []).append(w)
    found = {}
    for (gpu, tp, weights, kv, seq, inp), ws in groups.items():
        e = Engine(
            gpu=gpu,
            tp=tp,
            weights=weights,
            kv=kv,
            max_seq_len=seq,
            max_input_len=inp,
            max_batch_size=max(w.config.max_num_seqs for w in ws),
            max_num_tokens=max(w.config.max_num_batched_tokens for w in ws),
        )
        found[e.name] = (e, ws)
    return found


def checkpoint_argv(e: Engine, model: str) -> list[str]:
    argv = [
        "python",
        "examples/quantization/quantize.py",
        "--model_dir",
        model,
        "--dtype",
        "float16" if e.weights == "fp16" else "bfloat16",
        "--qformat",
        QFORMAT[e.weights],
        "--output_dir",
        f"checkpoints/{e.name}",
        "--tp_size",
        str(e.tp),
    ]
    return argv + (["--kv_cache_dtype", "fp8"] if e.kv == "fp8" else [])


def build_argv(e: Engine) -> list[str]:
    return [
        "trtllm-build",
        "--checkpoint_dir",
        f"checkpoints/{e.name}",
        "--output_dir",
        f"engines/{e.name}",
        "--max_batch_size",
        str(e.max_batch_size),
        "--max_num_tokens",
        str(e.max_num_tokens),
        "--max_input_len",
        str(e.max_input_len),
        "--max_seq_len",
        str(e.max_seq_len),
        "--kv_cache_type",
        "paged",
        "--use_paged_context_fmha",
        "enable",
    ]


def serve_argv(w: Window, model: str, options: ExportOptions) -> list[str]:
    c = w.config
    return [
        "trtllm-serve",
        model,
        "--backend",
        "pytorch",
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--tp_size",
        str(c.tp),
        "--max_batch_size",
        str(c.max_num_seqs),
        "--max_num_tokens",
        str(c.max_num_batched_tokens),
        "--max_seq_len",
        str(c.max_model_len),
        "--kv_cache_free_gpu_memory_fraction",
        str(c.gpu_memory_utilization),
        "--extra_llm_api_options",
        f"{w.slug}.extra-llm-api-config.yml",
    ]


def extra_llm_api_config(w: Window) -> dict:
    c = w.config
    kv = {"free_gpu_memory_fraction": c.gpu_memory_utilization, "enable_block_reuse": True}
    if c.kv == "fp8":
        kv["dtype"] = "fp8"
    return {"kv_cache_config": kv, "enable_chunked_prefill": c.chunked_prefill}


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    model = plan.hf_id(options.model)
    files, table = {}, {}
    for name, (e, ws) in engines(plan).items():
        files[f"trtllm/build-{name}.sh"] = "\n".join(
            [
                "#!/bin/sh",
                f"# TensorRT engine for windows: {', '.join(w.label for w in ws)}",
                "# run from a TensorRT-LLM checkout; the first step quantizes or converts the checkpoint",
                shlex.join(checkpoint_argv(e, model)),
                shlex.join(build_argv(e)),
                f"# serve it: trtllm-serve engines/{name} --backend tensorrt --tokenizer {model}",
                "",
            ]
        )
        table[name] = {**asdict(e), "windows": [w.label for w in ws]}
    for w in plan.windows:
        files[f"trtllm/{w.slug}.extra-llm-api-config.yml"] = yaml.safe_dump(extra_llm_api_config(w), sort_keys=False)
        files[f"trtllm/{w.slug}.serve.sh"] = (
            f"#!/bin/sh\n# window {w.label!r}: {w.config.replicas} replica(s); "
            f"PyTorch backend, no engine build\n" + shlex.join(serve_argv(w, model, options)) + "\n"
        )
    files["trtllm/engines.json"] = json.dumps(table, indent=2) + "\n"
    files["trtllm/README.md"] = _readme(plan, model, table)
    return files


def _readme(plan: Plan, model: str, table: dict) -> str:
    lines = [
        f"# TensorRT-LLM for {plan.model} ({model})",
        "",
        "`<window>.serve.sh` runs the PyTorch backend straight from the checkpoint. For TensorRT engines,",
        "`build-<engine>.sh` builds one engine per distinct max input/sequence length; windows below share it.",
        "fp8/int8/int4 weights on the PyTorch backend need a pre-quantized (ModelOpt) checkpoint as model.",
        "",
        "| engine | windows | max_batch_size | max_num_tokens | max_input_len | max_seq_len |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {n} | {', '.join(t['windows'])} | {t['max_batch_size']} | {t['max_num_tokens']} | "
        f"{t['max_input_len']} | {t['max_seq_len']} |"
        for n, t in table.items()
    ]
    return "\n".join(lines) + "\n"
