"""How close the continuous-batching simulator comes to published serving measurements.

Reads bench/data/published_serving.csv (one measured metric per row, each citing its source: engine,
version, model, GPU, TP, weight/KV dtypes, workload, Poisson request rate or 'inf' for all-at-once,
number of prompts), rebuilds the benchmark's traffic and simulates it with `recommend.simulate` on
`roofline.StepModel` steps:
  sharegpt  ShareGPT prompt/output token counts as bench_serving draws them (the first turn of each
            conversation, 4 <= prompt <= 1024, output >= 4, prompt + output <= 2048): the 200 requests
            of the vLLM 0.8.3 run below (Llama-3 tokenizer; its outputs stopped at EOS or the dataset's
            length), drawn with replacement and scaled so their means match the benchmark's own totals
            (SGLang issue #2097, the same command and seed: 269,081 input and 226,901 output tokens
            over 1,200 prompts: 224.2 and 189.1 per request, Llama-3 tokenizer). `--multi-turn` uses
            vidur's sample instead (../shared/data/length-stats, every turn, Llama-2 tokenizer, same
            filter): its outputs are flatter (median 0.96 of the mean, vs 0.73), bench/RESULTS.md;
  fixed     every request isl in / osl out (trtllm-bench's token-norm-dist with stdev 0);
  arrivals  Poisson at the stated rate (seeded), or all at t=0 for 'inf';
  ep        TensorRT-LLM's MoE rows ran `--ep` with `enable_attention_dp` (perf-overview.md, 'For MoE
            models'; column `ep`) and are simulated so (Deployment.ep: each attention rank with its own
            batch and token budget); `--tp` simulates them as tensor parallel, which they did not run;
  engine    vLLM/SGLang: max_num_seqs 256 and the version's default token budget (`token_budget`), the run's
            num_scheduler_steps (vLLM v0.6 `--num-scheduler-steps`; 1 where not set) and mixed_prefill
            0: both engines' defaults run a step of prefills alone, decodes waiting (vLLM V0: "By
            default, vLLM scheduler prioritizes prefills and doesn't batch prefill and decode to the
            same batch", docs 'Chunked Prefill', chunked prefill on by default only above 32K context,
            the runs set --max_model_len 4096; SGLang server_args enable_mixed_chunk=False); TensorRT-LLM
            trtllm-bench: the max batch and tokens per step its own heuristic picks for the run (PyTorch
            backend, v0.20 on: `trtllm_bench_settings`; perf-overview's commands set neither) or its v0.12
            engines were built with (`TRTLLM_BENCH_V012_CONFIG`; v0.17's: the heuristic's pre-NVFP4 form, `V017`,
            at the runs' KV fraction 0.95), its default GUARANTEED_NO_EVICT
            admission (a request starts only when its prompt + output blocks fit, never preempted); KV
            capacity from the memory model.
Prints the predicted/measured pairs and the median / p90 absolute percentage error per metric (and
per GPU for throughput; the tables added in session 18, ADDED_TABLES, on lines of their own).
  --eager-bound  the most eager (not graph-captured) prefill could add (bench/RESULTS.md, 'Serving'):
            on the rows whose engine ran prefill outside CUDA graphs (SGLang v0.3.0, vLLM v0.6.0; decode
            steps were graph-captured), a step with prefill lasts max(priced + layers x EAGER_GAP_S_PER_LAYER,
            layers x EAGER_HOST_S_PER_LAYER): the GPU's launch gaps and the host's issue time, each at the
            upper bound the engines' own eager vs CUDA-graph measurements allow.
  --ttft-split  for the vLLM 0.8.3 run (per-request TTFTs published): TTFT = intercept + slope x prompt
            tokens, least squares, measured and simulated per request, and a bootstrap 90% interval of
            their difference: a prompt-independent gap is a per-request (or per-prefill-step) constant,
            a slope gap is prefill pricing.
  --calibrated  held out, what `tracefit calibrate` (recommend.calibrate, the same code) gains from fitting
            Efficiency.request_overhead_s: (a) the vLLM 0.8.3 run's 200 requests (seeded Poisson arrivals,
            their own lengths and latencies) split in halves, first 100 by arrival / last 100 (the training
            half's requests alone replayed) and a random 100 (all 200 replayed, the others' latencies
            unlogged); fit on one half with hbm+gemm (today's default fields) and with hbm+gemm+request
            overhead, predict the other half's TTFT p50/p95, TPOT p50, E2E p50 from a replay of all 200;
            (b) SGLang v0.3.0 / vLLM v0.6.0 rows: the constant alone from a deployment's rate-4 TTFT p50
            (measured - simulated: a constant shifts every TTFT, so the p50 by exactly it), predicting its
            rate-8 TTFT p50 and E2E p50, and the reverse; (c) TensorRT-LLM v0.14 behind Triton: the constant
            from each deployment's QPS-2 TTFT mean, predicting its heavier levels' TTFT and ITL means.
  --per-seq-fit  the cost per running sequence a step (Efficiency.step_overhead_per_seq_s) over PER_SEQ_GRID_US:
            `trtllm-cpp`'s on TensorRT-LLM v0.12's table (chosen there), `trtllm`'s on the three PyTorch-backend
            tables (a check of the measured TRTLLM_PYTORCH_PER_SEQ_S), each table, model and GPU held out in turn.
Usage: .venv/bin/python bench/serving_accuracy.py [--tp] [--multi-turn] [--eager-bound] [--ttft-split] [--calibrated]
       [--per-seq-fit]  (~1 min on 2 cores; --per-seq-fit ~3 min)
"""

import csv
import dataclasses
import json
import lzma
import math
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from profiles import get_model  # noqa: E402
from recommend.backtest import ReplayOptions  # noqa: E402
from recommend.calibrate import Deployed, Measured, calibrate  # noqa: E402
from recommend.deployment import deployment  # noqa: E402
from recommend.engine_config import EngineConfig  # noqa: E402
from recommend.memory import kv_capacity_tokens  # noqa: E402
from recommend.roofline import StepModel, efficiency_for  # noqa: E402
from recommend.simulate import EngineSpec, simulate  # noqa: E402

TABLE = HERE / "data" / "published_serving.csv"
SHAREGPT = HERE.parent.parent / "shared" / "data" / "length-stats" / "sharegpt_8k_filtered_stats_llama2_tokenizer.csv"
MEAN_PROMPT_TOKENS, MEAN_OUTPUT_TOKENS = 269_081 / 1200, 226_901 / 1200  # github.com/sgl-project/sglang/issues/2097
VLLM083 = HERE.parent / "tests" / "fixtures" / "real" / "vllm-0.8.3_benchmark_serving_llama-3.3-70b_qps1.json.xz"
# vLLM V1's defaults when the GPU has < 70 GiB (A100 40GB): max_num_seqs 256, API-server max_num_batched_tokens 2048
# (vllm/engine/arg_utils.py `_set_default_args_v1`)
V1_SMALL_GPU_TOKENS = 2048
MAX_MODEL_LEN = 4096  # both servers' --max_model_len in the benchmark's commands
SEED = 42
# Host time to issue one eager Llama decoder layer, upper bound: SGLang v0.3.1-era `bench_latency`, Llama-3-8B
# batch 1, 128 in, FlashInfer, --disable-cuda-graph: a decode step (forward + sampling) of 8.23 ms
# (github.com/sgl-project/sglang/pull/1401, 2024-09-12); no eager step ends before its host has issued every
# kernel, so issuing 32 layers takes <= 8.23 ms: <= 257 us per layer. vLLM V0 gives the same bound: Llama-3.1-8B
# benchmark_latency (32 in, 128 out, batch 8), no CUDA graphs, 1.10 s for 128 steps = 8.6 ms per step, <= 268 us
# per layer (github.com/vllm-project/vllm/pull/10058, 2024-11-05).
# The same PR's CUDA-graph step is 7.35 ms: eager costs (8.23 - 7.35) / 32 = 27.5 us more per layer (vLLM #10058:
# (1.10 - 0.99) s / 128 steps / 32 layers = 26.9 us), at most what an eager prefill's GPU launch gaps can add.
EAGER_HOST_S_PER_LAYER = 8.23e-3 / 32
EAGER_GAP_S_PER_LAYER = (8.23e-3 - 7.35e-3) / 32
EAGER_PREFILL = {("sglang", "v0.3.0"), ("vllm", "v0.6.0")}  # decode in CUDA graphs, prefill eager


def sharegpt_lengths(multi_turn: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Filtered ShareGPT (prompt, output) token counts, scaled to the benchmark's mean lengths."""
    if not multi_turn:
        prompt, output = vllm083_lengths()
        return _scaled(prompt.astype(float), output.astype(float))
    with open(SHAREGPT, newline="") as f:
        pairs = [(int(r["num_prefill_tokens"]), int(r["num_decode_tokens"])) for r in csv.DictReader(f)]
    kept = np.array([(p, o) for p, o in pairs if 4 <= p <= 1024 and o >= 4 and p + o <= 2048], dtype=float)
    return _scaled(kept[:, 0], kept[:, 1])


def _scaled(prompt: np.ndarray, output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.maximum(1, np.round(prompt * MEAN_PROMPT_TOKENS / prompt.mean())).astype(np.int64),
        np.maximum(2, np.round(output * MEAN_OUTPUT_TOKENS / output.mean())).astype(np.int64),
    )


def vllm083_lengths() -> tuple[np.ndarray, np.ndarray]:
    """The 200 ShareGPT requests of surajssd/llm-k8s's vLLM 0.8.3 runs (same seed, so the same prompts at
    every rate): their own per-request input and output token counts from the committed raw qps_01 file."""
    run = json.load(lzma.open(VLLM083))
    return np.asarray(run["input_lens"]), np.asarray(run["output_lens"])


def token_budget(r: dict, engine_tokens: int) -> int:
    """Tokens one scheduler step may batch, as the run's engine version defaulted it."""
    if r["version"] == "v0.8.3":
        return V1_SMALL_GPU_TOKENS
    if r["engine"] == "vllm" and r["mixed_prefill"] == "0":
        # vLLM V0 without chunked prefill: max(max_model_len, 2048) (vllm/config.py SchedulerConfig, v0.4-v0.6)
        return max(MAX_MODEL_LEN, 2048)
    return min(engine_tokens, 8192)  # SGLang chunked_prefill_size 8192 (server_args)


# trtllm-bench throughput picks max_batch_size and max_num_tokens itself unless both are given, and
# perf-overview.md's commands give neither (tensorrt_llm/bench/benchmark/utils/general.py `get_settings`;
# bench/build/tuning.py `calc_engine_setting`, `finetune_setting`; bench/build/utils.py `get_device_memory`):
# requests whose prompt + output KV fit in the GPUs' total memory (NVML GiB) less the checkpoint's bytes, at the
# run's kv_cache_free_gpu_mem_fraction (trtllm-bench's default 0.90), capped at 4096 and rounded up to 32s,
# 128s or 256s; tokens per step that batch x (1 + isl/osl), capped at 32768, at least 2048 and rounded up; with
# chunked prefill off (its default, and the runs' yaml) at least the longest prompt plus the batch.
TRTLLM_BENCH_KV_FRACTION = 0.90
TRTLLM_BENCH_MAX_BATCH = 4096
TRTLLM_BENCH_MAX_TOKENS = 32768
# The heuristic runs for the checkpoints it is tuned for (build.py TUNED_QUANTS: NVFP4, FP8, FP8 block scales,
# unquantized); any other (gpt-oss's MXFP4, INT4) runs at TensorRT-LLM's BuildConfig defaults instead.
TRTLLM_BENCH_TUNED_WEIGHTS = frozenset({"nvfp4", "fp8", "bf16", "fp16"})
# Bytes per element in the heuristic's engine and KV sizes (tuning.py BYTES_PER_ELEM; anything else 2)
TRTLLM_BENCH_ELEMENT_BYTES = {"nvfp4": 0.5, "fp8": 1.0}
# An NVFP4 checkpoint stores two E2M1 values per U8 element plus one E4M3 scale per 16 values, and the
# heuristic counts safetensors elements as parameters (bench/build/dataclasses.py `get_param_count`).
NVFP4_ELEMENTS_PER_PARAM = 0.5 + 1 / 16


# trtllm-bench v0.12 built its engines (`trtllm-bench build`) with the max batch and tokens its
# bench/build/benchmark_config.yml lists per model and TP ("general", or the sequence length isl + osl where
# listed; github.com/NVIDIA/TensorRT-LLM @ 32ed92e, the models of v0.12.0's perf-overview table), and ran them at
# those limits, no eviction and kv_cache_free_gpu_mem_fraction 0.90 (bench/run/run.py's defaults then). A model and
# TP the file does not list gets trtllm-build's defaults, 2048 sequences and 8192 tokens.
TRTLLM_BENCH_V012_CONFIG = {
    ("gpt-j-6b", 1): {"general": (128, 2048), 256: (2048, 2048)},
    ("llama-2-7b", 1): {"general": (4096, 8192)},
    ("llama-3-8b", 1): {"general": (2048, 8192)},
    ("mistral-7b", 1): {"general": (4098, 8192)},
    ("mixtral-8x7b", 2): {"general": (2048, 3072)},
    ("mixtral-8x7b", 4): {"general": (8192, 8192)},
    ("llama-2-70b", 2): {"general": (2048, 2048)},
    ("llama-2-70b", 4): {"general": (4096, 8192), 4224: (256, 8192)},
    ("llama-2-70b", 8): {"general": (8192, 16384), 2176: (1024, 16384)},
    ("llama-3-70b", 4): {"general": (2048, 1024)},
    ("llama-3-70b", 8): {"general": (8192, 16384)},
    ("falcon-180b", 4): {"general": (4096, 8192)},
    ("falcon-180b", 8): {"general": (2048, 8192)},
}
TRTLLM_BUILD_DEFAULTS = (2048, 8192)
V012 = "v0.12.0 tensorrt"  # the `version` of v0.12.0's table's rows
# v0.17's table (perf-overview.md @ 258c754, "generated using version 0.17"): TensorRT engines built by
# `trtllm-bench build --dataset`, whose FP8 and unquantized builds took their max batch and tokens from the tuning
# heuristic's pre-NVFP4 form (tensorrt_llm/bench/build/build.py `get_benchmark_engine_settings` ->
# bench/build/tuning.py `calc_engine_setting`, v0.15-v0.17): the checkpoint as param_count / 1000**3 x 1 B (FP8)
# or 2 B against the GPUs' NVML GiB, KV at its default 0.95 of the rest, then the same ladders as later. The runs
# used `--kv_cache_free_gpu_mem_fraction 0.95` "in majority of cases" (the doc; 0.90 where that ran out of memory,
# which it does not say where), trtllm-bench's default no chunking (a prompt runs whole), except GH200, run by
# gptManagerBenchmark with --enable_chunked_context at 0.95.
V017 = "v0.17.0 tensorrt"
TRTLLM_BENCH_V017_KV_FRACTION = 0.95
CHUNKED_CONTEXT = {(V017, "gh200")}
RUNTIME_KV_FRACTION = {V017: 0.95}  # the run's kv_cache_free_gpu_mem_fraction where not the engine's 0.90
# The same doc's online serving table ("generated using version 0.14.0, with 500 requests and BF16 precision"):
# Triton's tensorrtllm backend (the C++ executor) behind a client at QPS 2-32 or all at once, reporting request, total
# and output throughput, mean TTFT and mean ITL, the names and metrics vLLM's benchmark_serving prints (Poisson
# arrivals at the rate). No build command is given: trtllm-build's defaults (TRTLLM_BUILD_DEFAULTS), the executor's
# own KV fraction (0.90) and no-evict admission, no chunked context. Its 202/214 runs are left out (not uniform:
# bench/RESULTS.md 'Serving', session 23).
V014_TRITON = "v0.14.0 triton"
ENGINE_BUILDS = {V014_TRITON: TRTLLM_BUILD_DEFAULTS}  # (max batch, tokens) of engines no trtllm-bench sized
# Tables added since issue #21's session 18, by `version`, each summed on lines of its own: none fits the step model
# (v0.12's only chooses `trtllm-cpp`'s per-sequence cost, with each model and GPU held out: --per-seq-fit)
ADDED_TABLES = {
    V012: "v0.12",
    V014_TRITON: "v0.14 triton",
    V017: "v0.17",
    "v0.20 pytorch": "v0.20",
    "03e27c7 pytorch": "03e27c7",
}


def trtllm_bench_settings(r: dict, dep) -> tuple[int, int]:
    """(max_batch_size, max_num_tokens) of the row's trtllm-bench run, as its version chose them."""
    isl, osl = int(r["isl"]), int(r["osl"])
    if r["version"] == V012:
        listed = TRTLLM_BENCH_V012_CONFIG.get((r["model"], dep.tp), {})
        return listed.get(isl + osl, listed.get("general", TRTLLM_BUILD_DEFAULTS))
    if r["version"] == V017:
        engine_gib = dep.model.total_params / 1000**3 * (1.0 if dep.weights == "fp8" else 2.0)
        requests = kv_requests(dep, engine_gib, TRTLLM_BENCH_V017_KV_FRACTION, isl, osl)
        return trtllm_bench_limits(requests, isl, osl, chunked=(V017, r["gpu"]) in CHUNKED_CONTEXT)
    if dep.weights not in TRTLLM_BENCH_TUNED_WEIGHTS:
        batch, tokens = TRTLLM_BUILD_DEFAULTS
        return batch, max(tokens, isl + batch)
    return trtllm_bench_limits(trtllm_bench_requests(dep, isl, osl), isl, osl)


def trtllm_bench_requests(dep, isl: int, osl: int) -> float:
    """Requests of isl + osl tokens whose KV trtllm-bench's heuristic estimates fit (tuning.py)."""
    m = dep.model
    elements = m.total_params - (m.linear_params * (1 - NVFP4_ELEMENTS_PER_PARAM) if dep.weights == "nvfp4" else 0)
    engine_gib = elements * TRTLLM_BENCH_ELEMENT_BYTES.get(dep.weights, 2.0) / 2**30
    return kv_requests(dep, engine_gib, TRTLLM_BENCH_KV_FRACTION, isl, osl)


def kv_requests(dep, engine_gib: float, fraction: float, isl: int, osl: int) -> float:
    """Requests of isl + osl tokens the heuristic's KV estimate holds: `fraction` of the GPUs' memory less
    `engine_gib`, at least one KV head a TP rank."""
    m, tp = dep.model, dep.tp
    kv_gib_per_token = (
        2 * m.num_layers * max(tp, m.num_kv_heads) * m.head_dim * TRTLLM_BENCH_ELEMENT_BYTES.get(dep.kv, 2.0) / 2**30
    )
    return (dep.gpu.mem_gib * tp - engine_gib) * fraction / (kv_gib_per_token * (isl + osl))


def trtllm_bench_limits(requests: float, isl: int, osl: int, chunked: bool = False) -> tuple[int, int]:
    """(max_batch_size, max_num_tokens) trtllm-bench runs with, for `requests` that fit (pp 1); without
    chunking a step holds at least a whole prompt and the batch."""
    raw_batch = min(requests, TRTLLM_BENCH_MAX_BATCH)
    raw_tokens = min(raw_batch * (1 + isl / osl), TRTLLM_BENCH_MAX_TOKENS)
    batch = _round_up(raw_batch, ((256, 32), (1024, 128), (math.inf, 256)), floor=64)
    tokens = _round_up(raw_tokens, ((4096, 256), (8192, 512), (math.inf, 1024)), floor=2048)
    return batch, tokens if chunked else max(tokens, isl + batch)


def _round_up(x: float, bands: tuple[tuple[float, int], ...], floor: int) -> int:
    """x rounded up to the step of the first band it is below, at least floor (finetune_setting's ladders)."""
    step = next(step for below, step in bands if x < below)
    return max(floor, step * math.ceil(x / step))


def traffic(r: dict, lengths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    n = int(r["num_prompts"])
    if r["dataset"] == "sharegpt-vllm083":
        prompt, output = vllm083_lengths()
    elif r["dataset"] == "fixed":
        prompt, output = np.full(n, int(r["isl"])), np.full(n, int(r["osl"]))
    else:
        pick = rng.choice(len(lengths[0]), size=n, replace=len(lengths[0]) < n)  # 200-request pool: with replacement
        prompt, output = lengths[0][pick], lengths[1][pick]
    rate = r["request_rate"]
    arrival = np.zeros(n) if rate == "inf" else np.cumsum(rng.exponential(1.0 / float(rate), size=n))
    return arrival, prompt, output


# The catalog engine a run's (engine, version) is priced as, where that is not the engine's own name: vLLM v0.6
# ran its tensor-parallel workers as processes the driver fed through shared memory; TensorRT-LLM v0.12, v0.14
# (behind Triton) and v0.17 ran TensorRT engines in its C++ executor (profiles/engines.py).
CATALOG_ENGINES = {
    ("vllm", "v0.6.0"): "vllm-v0.6",
    ("trtllm", V012): "trtllm-cpp",
    ("trtllm", V017): "trtllm-cpp",
    ("trtllm", V014_TRITON): "trtllm-cpp",
}
# SGLang v0.3.0 (September 2024) predates its overlap scheduler, default from v0.4 (December 2024:
# lmsys.org/blog/2024-12-04-sglang-v0-4): its runs plan each step when the last one ends.
BEFORE_OVERLAP = {("sglang", "v0.3.0")}


def row_deployment(r: dict, as_tp: bool = False):
    """The row's deployment; `ep` rows with expert parallelism as they ran unless as_tp."""
    dep = deployment(
        model=r["model"],
        gpu=r["gpu"],
        tp=int(r["tp"]),
        weights=r["weights"],
        kv=r["kv"],
        engine=CATALOG_ENGINES.get((r["engine"], r.get("version")), r["engine"]),
        ep=r["ep"] == "1" and not as_tp,
    )
    if fraction := RUNTIME_KV_FRACTION.get(r.get("version")):
        dep = dataclasses.replace(dep, engine=dataclasses.replace(dep.engine, memory_fraction=fraction))
    return dep


def eager_prefill(step_s, layers: int):
    """step_s whose steps with prefill run eagerly at the bounds above: launch gaps added to the GPU time, and
    host issue time overlapping it (launches are asynchronous: the slower of the two sets the step)."""
    gap_s, host_s = layers * EAGER_GAP_S_PER_LAYER, layers * EAGER_HOST_S_PER_LAYER

    def bounded(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs=1):
        s = step_s(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs)
        return max(s + gap_s, host_s) if prefill_tokens else s

    return bounded


def simulated(
    r: dict,
    lengths,
    as_tp: bool = False,
    eager_bound: bool = False,
    per_request: bool = False,
    request_overhead_s: float | None = None,
    per_seq_s: float | None = None,
):
    """The row's run simulated: its metrics by name, or (per_request) every request's TTFT in ms;
    request_overhead_s replaces the engine's front-end time a request, per_seq_s its cost per running sequence
    a step (--per-seq-fit)."""
    dep = row_deployment(r, as_tp)
    if request_overhead_s is None:
        request_overhead_s = efficiency_for(dep).request_overhead_s
    fixed = r["dataset"] == "fixed"
    ranks = dep.attention_ranks  # attention-DP ranks each schedule their own batch and token budget
    if r["engine"] == "trtllm":  # trtllm-bench, or an engine built at trtllm-build's defaults
        seqs, budget = ENGINE_BUILDS.get(r["version"]) or trtllm_bench_settings(r, dep)
        seqs = min(seqs, budget)  # no step runs more sequences than tokens (v0.12's Llama-3-70B TP4: 2048 / 1024)
    else:
        seqs, budget = 256, token_budget(r, dep.engine.max_batched_tokens)
    spec = EngineSpec(
        max_num_seqs=seqs * ranks,
        max_num_batched_tokens=budget * ranks,
        max_model_len=int(r["isl"]) + int(r["osl"]) if fixed else MAX_MODEL_LEN,
        kv_capacity_tokens=kv_capacity_tokens(dep),
        block_tokens=dep.engine.kv_block_tokens,
        num_scheduler_steps=int(r["num_scheduler_steps"] or 1),
        mixed_prefill=r["mixed_prefill"] != "0",
        reserve_full_length=r["engine"] == "trtllm",  # its default GUARANTEED_NO_EVICT (trtllm-bench sets none)
        overlap_schedule=dep.engine.overlap_schedule and (r["engine"], r["version"]) not in BEFORE_OVERLAP,
        request_overhead_s=request_overhead_s,
    )
    arrival, prompt, output = traffic(r, lengths)
    eff = None if per_seq_s is None else dataclasses.replace(efficiency_for(dep), step_overhead_per_seq_s=per_seq_s)
    step_s = StepModel(dep, efficiency=eff).step_s
    if eager_bound and (r["engine"], r["version"]) in EAGER_PREFILL:
        step_s = eager_prefill(step_s, dep.model.num_layers)
    res = simulate(arrival, prompt, output, engine=spec, step_s=step_s)
    if per_request:
        return res.ttft_ms
    return {
        "ttft_mean_ms": res.ttft.mean_ms,
        "ttft_p50_ms": res.ttft.p50_ms,
        "ttft_p95_ms": res.ttft.p95_ms,
        "ttft_p99_ms": res.ttft.p99_ms,
        "tpot_p50_ms": res.tpot.p50_ms,
        "itl_mean_ms": res.tpot.mean_ms,  # a request's tokens at equal weight: the mean ITL when outputs are equal
        "e2e_p50_ms": res.e2e.p50_ms,
        "output_tok_s": float(output.sum()) / res.span_s,
    }


def line_fit(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Least-squares (intercept, slope) of y = intercept + slope x."""
    slope, intercept = np.polyfit(x.astype(float), y.astype(float), 1)
    return float(intercept), float(slope)


def ttft_split(rows: list[dict], resamples: int = 2000) -> str:
    """The vLLM 0.8.3 run's TTFT against prompt tokens, measured vs simulated request by request."""
    (r,) = [r for r in rows if r["dataset"] == "sharegpt-vllm083" and r["metric"] == "ttft_p50_ms"]
    run = json.load(lzma.open(VLLM083))
    measured, prompt = np.asarray(run["ttfts"]) * 1e3, np.asarray(run["input_lens"])
    simulated_ms = simulated(r, None, per_request=True)
    rng, gaps = np.random.default_rng(SEED), []
    for _ in range(resamples):
        i = rng.integers(0, prompt.size, prompt.size)
        (cm, am), (cs, as_) = line_fit(measured[i], prompt[i]), line_fit(simulated_ms[i], prompt[i])
        gaps.append((cm - cs, (am - as_) * 1e3))
    (cm, am), (cs, as_) = line_fit(measured, prompt), line_fit(simulated_ms, prompt)
    lo, hi = np.percentile(gaps, [5, 95], axis=0)
    return (
        f"vLLM 0.8.3 TTFT per request: measured {cm:.1f} ms + {am * 1e3:.1f} us x prompt tokens, simulated "
        f"{cs:.1f} ms + {as_ * 1e3:.1f} us; gap {cm - cs:+.1f} ms (90% {lo[0]:+.1f}..{hi[0]:+.1f}) + "
        f"{(am - as_) * 1e3:+.1f} us/token (90% {lo[1]:+.1f}..{hi[1]:+.1f}); {prompt.size} requests"
    )


def vllm083_deployed(r: dict) -> Deployed:
    """The 0.8.3 run as `tracefit calibrate --deployed` would name it (the same EngineSpec as `simulated`)."""
    config = EngineConfig(
        gpu=r["gpu"],
        tp=int(r["tp"]),
        weights=r["weights"],
        kv=r["kv"],
        max_model_len=MAX_MODEL_LEN,
        max_num_seqs=256,
        max_num_batched_tokens=V1_SMALL_GPU_TOKENS,
    )
    return Deployed(model=r["model"], engine=r["engine"], config=config)


def vllm083_measured(r: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Arrivals (the bench's seeded Poisson at 1 req/s), lengths and per-request latencies (ms) of the 0.8.3 run:
    E2E = TTFT + the inter-token gaps, TPOT = the gaps / (output - 1) (NaN for one token, as the simulator's)."""
    run = json.load(lzma.open(VLLM083))
    arrival, prompt, output = traffic(r, None)
    ttft = np.asarray(run["ttfts"]) * 1e3
    gaps = np.array([sum(x) for x in run["itls"]]) * 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        tpot = np.where(output > 1, gaps / (output - 1), np.nan)  # 14 one-token answers have none
    return arrival, prompt, output, {"ttft": ttft, "tpot": tpot, "e2e": ttft + gaps}


HELD_OUT = (("ttft", 50), ("ttft", 95), ("tpot", 50), ("e2e", 50))


def held_out_errors(r: dict, train: np.ndarray, alone: bool, fields: tuple[str, ...]) -> tuple[dict, list[float]]:
    """Fit `fields` on the `train` requests (alone: only they replayed; else all, the rest unlogged), then replay
    all 200 with the fit and compare the other requests' percentiles: (fitted values, errors per HELD_OUT)."""
    arrival, prompt, output, ms = vllm083_measured(r)
    deployed = vllm083_deployed(r)
    keep = train if alone else np.ones(arrival.size, bool)
    ok = train[keep]
    measured = Measured.from_arrays(
        arrival[keep], prompt[keep], output[keep], ms["ttft"][keep], ms["tpot"][keep], ms["e2e"][keep], ok=ok
    )
    dep = deployed.config.deployment(deployed.model, deployed.engine)
    options = ReplayOptions(max_requests=0, exact_routing=True)
    if fields:
        eff = calibrate(measured, deployed, fields=fields, options=options, max_evals=60).fitted
    else:
        eff = StepModel(dep).efficiency
    spec, model = deployed.config.simulation_parts(deployed.model, deployed.engine, StepModel(dep, efficiency=eff))
    res = simulate(arrival, prompt, output, engine=spec, step_s=model.step_s)
    sim = {"ttft": res.ttft_ms, "tpot": res.tpot_ms, "e2e": res.e2e_ms}
    test = ~train
    errors = [float(np.nanpercentile(sim[k][test], q) / np.nanpercentile(ms[k][test], q) - 1) for k, q in HELD_OUT]
    return {f: getattr(eff, f) for f in ("hbm_fraction", "gemm_fraction", "request_overhead_s")}, errors


def calibrated(rows: list[dict]) -> str:
    """(a) the 0.8.3 run's halves, (b) the SGLang v0.3.0 / vLLM v0.6.0 deployments by rate."""
    (r,) = [r for r in rows if r["dataset"] == "sharegpt-vllm083" and r["metric"] == "ttft_p50_ms"]
    n = int(r["num_prompts"])
    first = np.arange(n) < n // 2
    pick = np.zeros(n, bool)
    pick[np.random.default_rng(SEED).choice(n, n // 2, replace=False)] = True
    splits = (
        ("first 100 -> last 100", first, True),
        ("last 100 -> first 100", ~first, True),
        ("random 100 -> other 100", pick, False),
    )
    variants = (
        ("uncalibrated", ()),
        ("hbm+gemm", ("hbm_fraction", "gemm_fraction")),
        ("hbm+gemm+request", ("hbm_fraction", "gemm_fraction", "request_overhead_s")),
        ("hbm+request", ("hbm_fraction", "request_overhead_s")),
        ("request only", ("request_overhead_s",)),
    )
    out = [
        "(a) vLLM 0.8.3, Llama-3.3-70B TP8 on 8x A100 40GB, 1 req/s: fit on one half, error on the other half",
        "",
        "| split | fitted | hbm_fraction | gemm_fraction | request ms | TTFT p50 | TTFT p95 | TPOT p50 | E2E p50 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    summary = defaultdict(list)
    for name, train, alone in splits:
        for label, fields in variants:
            got, errors = held_out_errors(r, train, alone, fields)
            summary[label].append(np.abs(errors))
            values = [  # the base's where not fitted
                f"{got['hbm_fraction']:.3f}",
                f"{got['gemm_fraction']:.3f}",
                f"{got['request_overhead_s'] * 1e3:.1f}",
            ]
            cells = " | ".join(f"{e * 100:+.1f}%" for e in errors)
            out.append(f"| {name} | {label} | {' | '.join(values)} | {cells} |")
    out += [
        "",
        "| fitted | mean abs error over the 3 splits: TTFT p50 | TTFT p95 | TPOT p50 | E2E p50 |",
        "|---|---|---|---|---|",
    ]
    for label, errors in summary.items():
        out.append(f"| {label} | {' | '.join(f'{e * 100:.1f}%' for e in np.mean(errors, axis=0))} |")
    out += [
        "",
        "(b) SGLang v0.3.0 / vLLM v0.6.0: request overhead = measured - simulated TTFT p50 at one rate, "
        "predicting the other rate",
        "",
        "| engine | model | GPU | fit on | overhead ms | predict | TTFT p50 before | after | E2E p50 before | after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups = defaultdict(dict)
    for row in rows:
        if (row["engine"], row["version"]) in EAGER_PREFILL and row["request_rate"] in ("4", "8"):
            groups[(row["engine"], row["model"], row["gpu"])].setdefault(row["request_rate"], {})[row["metric"]] = row
    lengths = sharegpt_lengths()
    for (engine, model, gpu), by_rate in groups.items():
        runs = {rate: simulated(next(iter(m.values())), lengths) for rate, m in by_rate.items()}
        base_ms = efficiency_for(row_deployment(next(iter(by_rate["4"].values())))).request_overhead_s * 1e3
        for fit_rate, rate in (("4", "8"), ("8", "4")):
            # the engine's own front-end time plus the TTFT p50 gap left at the fit rate
            c_ms = base_ms + float(by_rate[fit_rate]["ttft_p50_ms"]["measured_value"]) - runs[fit_rate]["ttft_p50_ms"]
            shifted = simulated(by_rate[rate]["ttft_p50_ms"], lengths, request_overhead_s=max(c_ms, 0.0) / 1e3)
            cells = []
            for metric in ("ttft_p50_ms", "e2e_p50_ms"):
                want = float(by_rate[rate][metric]["measured_value"])
                cells += [f"{runs[rate][metric] / want - 1:+.0%}", f"{shifted[metric] / want - 1:+.0%}"]
            out.append(
                f"| {engine} | {model} | {gpu} | {fit_rate} req/s | {c_ms:.1f} | {rate} req/s | {' | '.join(cells)} |"
            )
    return "\n".join(out + ["", triton_calibrated(rows)])


def triton_calibrated(rows: list[dict]) -> str:
    """(c) TensorRT-LLM v0.14 behind Triton: the request overhead = measured - simulated TTFT mean at QPS 2, the
    lightest load, predicting every heavier level's TTFT mean and ITL mean (held out)."""
    series = defaultdict(dict)
    for row in rows:
        if row["version"] == V014_TRITON and row["metric"] in ("ttft_mean_ms", "itl_mean_ms"):
            key = (row["model"], row["gpu"], f"{row['isl']}/{row['osl']}")
            series[key].setdefault(row["request_rate"], {})[row["metric"]] = row
    out = [
        "(c) TensorRT-LLM v0.14 behind Triton: request overhead = measured - simulated TTFT mean at QPS 2, "
        "predicting QPS 4, 8, 16, 32 and all at once",
        "",
        "| model | GPU | ISL/OSL | overhead ms | TTFT mean before | after | ITL mean before | after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    errors = defaultdict(list)
    for (model, gpu, shape), by_rate in series.items():
        light = by_rate["2"]["ttft_mean_ms"]
        c_ms = float(light["measured_value"]) - simulated(light, None)["ttft_mean_ms"]
        for rate, metrics in by_rate.items():
            if rate == "2":
                continue
            before = simulated(metrics["ttft_mean_ms"], None)
            after = simulated(metrics["ttft_mean_ms"], None, request_overhead_s=max(c_ms, 0.0) / 1e3)
            for metric in ("ttft_mean_ms", "itl_mean_ms"):
                want = float(metrics[metric]["measured_value"])
                errors[(metric, "before")].append(before[metric] / want - 1)
                errors[(metric, "after")].append(after[metric] / want - 1)
        cells = []
        for metric in ("ttft_mean_ms", "itl_mean_ms"):
            n = len(by_rate) - 1
            cells += [f"{np.median(errors[(metric, when)][-n:]) * 100:+.0f}%" for when in ("before", "after")]
        out.append(f"| {model} | {gpu} | {shape} | {c_ms:.1f} | {' | '.join(cells)} |")
    out += ["", "| held-out levels | runs | median APE before | after | signed median before | after |"]
    out.append("|---|---|---|---|---|---|")
    for metric in ("ttft_mean_ms", "itl_mean_ms"):
        b, a = np.array(errors[(metric, "before")]), np.array(errors[(metric, "after")])
        out.append(
            f"| {metric} | {len(b)} | {np.median(np.abs(b)) * 100:.0f}% | {np.median(np.abs(a)) * 100:.0f}% | "
            f"{np.median(b) * 100:+.0f}% | {np.median(a) * 100:+.0f}% |"
        )
    return "\n".join(out)


# The values tried for an engine's cost per running sequence on its tables (us a sequence a step; PER_SEQ_TABLES)
PER_SEQ_GRID_US = (0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 20.0, 25.0)


# The tables each per-sequence cost is chosen on: `trtllm-cpp`'s on v0.12's (TensorRT engines, C++ executor), `trtllm`'s
# on the three PyTorch-backend tables (v0.20, v1.0 and the newest stored, 03e27c7), which also hold each other out.
PER_SEQ_TABLES = {"trtllm-cpp": (V012,), "trtllm": ("v0.20 pytorch", "v1.0 pytorch", "03e27c7 pytorch")}


def per_seq_fit(rows: list[dict], engine: str) -> str:
    """`engine`'s cost per running sequence a step on its tables (PER_SEQ_TABLES), each table (where several), model
    and GPU held out in turn: the value with the lowest median APE of output tok/s on the other rows, and the held-out
    rows' median / p90 APE at it and at 0."""
    runs = [r for r in rows if r["version"] in PER_SEQ_TABLES[engine]]
    ape = {
        us: np.array(
            [
                abs(simulated(r, None, per_seq_s=us * 1e-6)["output_tok_s"] / float(r["measured_value"]) - 1)
                for r in runs
            ]
        )
        for us in PER_SEQ_GRID_US
    }
    out = [f"`{engine}` on {', '.join(PER_SEQ_TABLES[engine])} ({len(runs)} runs)", ""]
    out += ["| held out | picked on the rest (us) | held-out median APE | at 0 us | held-out p90 | at 0 us |"]
    out.append("|---|---|---|---|---|---|")
    keys = ("version", "model", "gpu") if len(PER_SEQ_TABLES[engine]) > 1 else ("model", "gpu")
    for key in keys:
        for name in sorted({r[key] for r in runs}):
            out_ = np.array([r[key] == name for r in runs])
            pick = min(PER_SEQ_GRID_US, key=lambda us: float(np.median(ape[us][~out_])))
            held, base = ape[pick][out_], ape[0.0][out_]
            out.append(
                f"| {name} | {pick} | {np.median(held):.1%} | {np.median(base):.1%} | "
                f"{np.percentile(held, 90):.0%} | {np.percentile(base, 90):.0%} |"
            )
    out += ["", "| us a sequence | median APE | p90 APE |", "|---|---|---|"]
    out += [f"| {us} | {np.median(ape[us]):.1%} | {np.percentile(ape[us], 90):.1%} |" for us in PER_SEQ_GRID_US]
    return "\n".join(out)


def main() -> None:
    with open(TABLE, newline="") as f:
        rows = list(csv.DictReader(f))
    if "--ttft-split" in sys.argv:
        print(ttft_split(rows))
        return
    if "--calibrated" in sys.argv:
        print(calibrated(rows))
        return
    if "--per-seq-fit" in sys.argv:
        print("\n\n".join(per_seq_fit(rows, engine) for engine in PER_SEQ_TABLES))
        return
    lengths = sharegpt_lengths(multi_turn="--multi-turn" in sys.argv)
    runs, ape = {}, defaultdict(list)
    print("| engine | version | model | GPU | TP | weights | workload | rate | metric | measured | simulated | error |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        key = tuple(
            r[k]
            for k in (
                "engine",
                "version",
                "model",
                "gpu",
                "tp",
                "weights",
                "kv",
                "dataset",
                "isl",
                "osl",
                "request_rate",
                "num_prompts",
                "num_scheduler_steps",
                "ep",
                "mixed_prefill",
            )
        )
        if key not in runs:
            runs[key] = simulated(r, lengths, as_tp="--tp" in sys.argv, eager_bound="--eager-bound" in sys.argv)
        got, want = runs[key][r["metric"]], float(r["measured_value"])
        err = got / want - 1
        ape[(r["metric"], "all")].append(abs(err))
        if r["metric"] == "output_tok_s":  # dense and MoE apart: the MoE rows share one missing cost
            kind = "MoE" if get_model(r["model"]).is_moe else "dense"
            if label := ADDED_TABLES.get(r["version"]):  # the session-18 tables: lines of their own
                kind, gpu = f"{label} {kind}", f"{r['gpu']} {r['weights']}"
            else:
                gpu = r["gpu"]
            ape[(r["metric"], kind)].append(abs(err))
            ape[(r["metric"], f"{kind} {gpu}")].append(abs(err))
        load = f"{r['isl']}/{r['osl']}" if r["dataset"] == "fixed" else r["dataset"]
        print(
            f"| {r['engine']} | {r['version']} | {r['model'].split('/')[-1]} | {r['gpu']} | {r['tp']} | "
            f"{r['weights']} | {load} | {r['request_rate']} | {r['metric']} | {want:,.1f} | {got:,.1f} | "
            f"{err * 100:+.0f}% |"
        )
    print("\n| metric | rows | median APE | p90 APE |\n|---|---|---|---|")
    for (metric, group), a in sorted(ape.items(), key=lambda kv: (kv[0][0], kv[0][1] != "all", kv[0][1])):
        print(
            f"| {metric}{'' if group == 'all' else ' ' + group} | {len(a)} | {np.median(a) * 100:.0f}% | "
            f"{np.percentile(a, 90) * 100:.0f}% |"
        )


if __name__ == "__main__":
    main()
