"""The engine catalog: each engine's documented defaults and measured or fitted costs, each with its source.

`ENGINES[...]` holds documented defaults, calibrated on the published static-batch runs in
bench/data/published_runs.csv and the serving tables in bench/data (see bench/RESULTS.md for each fit and its
error); the fields themselves are described on `Efficiency` and `Engine` (profiles/efficiency.py).
"""

import dataclasses

from profiles.efficiency import Efficiency, Engine
from profiles.errors import CatalogError

# Tuned Triton fused_moe (vLLM, SGLang's port) vs dense cuBLAS: Mixtral-8x7B TP2 on H100 runs
# 1536 tokens x top-2 x 2 x 3 x 4096 x 7168 FLOPs = 0.54 TFLOP in 1.123 ms = 482 TFLOP/s = 49% of
# peak (github.com/vllm-project/vllm/pull/24700, tuned config), vs gemm_fraction 0.80: 0.49 / 0.80 = 0.6.
# The table's fit (leave-one-source-out: 0.8 in 15 of 16 folds, 0.6 in one) with gemm_fraction 0.70:
# 0.49 / 0.70 = 0.7, between the tuned and the refit value.
MOE_TRITON = 0.8

# Python schedulers (vLLM, SGLang) spend CPU time per running sequence every step: gathering the last
# step's outputs, scheduling and preparing inputs was 29% of vLLM v0.5.3's time on Llama-3-8B/H100, the
# HTTP server another 33% (blog.vllm.ai/2024/09/05/perf-update.html). Fit on bench/data: 20 us from the
# 8B/A100 serving runs and 40 us from the 70B/4xH100 ones each improve the other (saturated throughput
# +11% -> -6%, +22% -> +12%; bench/serving_accuracy.py), and 30 us brings the static vLLM rows from
# 5.1% to 4.5% median APE (bench/predict_accuracy.py).
PYTHON_SCHEDULER_PER_SEQ_S = 30e-6

# SGLang's front end per request: HTTP server + TokenizerManager (chat template, tokenise), ZMQ to the scheduler, the
# detokenizer process and back, the first SSE chunk to the client. Measured with the model taken out: SGLang v0.5.11
# serving a mock whose forward busy-waits a fixed 2.632 ms, `vllm bench serve --max-concurrency 1` with 128-token
# random prompts to /v1/chat/completions: median TTFT 9.54 ms, median TPOT 2.94 ms
# (github.com/tenstorrent/tt-inference-server/issues/3560, 2026-05-18; the mock and its bench script:
# github.com/dmadicTT/tt-sglang-plugin @ bf9d83d, HOW_WE_MEASURE_OVERHEAD.md). TTFT less the one forward and the
# 0.31 ms the scheduler adds per step (TPOT - forward, which `step_overhead_s` carries) = 6.6 ms. Nothing is fit
# on bench/data: it is held out on every SGLang table there (bench/RESULTS.md 'Serving', 'a modern engine').
SGLANG_FRONTEND_S = 9.54e-3 - 2.632e-3 - (2.94e-3 - 2.632e-3)

# TensorRT-LLM before v0.10 ran MoE GEMMs on Ampere kernels on Hopper too, in 16-bit math: FP8 Mixtral
# arrived in v0.10 ("Added FP8 quantization support for Mixtral", docs/source/release-notes.md), with the
# Hopper-specialised grouped GEMM that later dispatchers pick for sm90 and fall back from to "the SM80
# impl" (cpp/tensorrt_llm/kernels/cutlass_kernels/moe_gemm/moe_gemm_kernels_template.h @ 249d93d).

# TensorRT-LLM v0.5-v0.9 gptSessionBenchmark launches every layer's kernels per step (no CUDA graph). Its three fixed
# costs are fit on NVIDIA's own v0.9.0 sweep of 2,238 static runs (batch 1-1536 on six GPUs, e2e and first-token
# latency; it has what bench/data/published_runs.csv lacks, decode at batch 1-8) together with that table
# (bench/predict_sweep.py --fit; each source's mean APE weighs the same):
# - a generation step's layer costs 70 us beyond its weight and KV traffic (batch-1 decode on H100/H200 leaves
#   55-75 us a layer unexplained), a context step's 110 us (the first token of a batch-1 run leaves 115-150 us).
#   One 100 us for both, fit on the table alone (which cannot separate them), priced Hopper's batch 1-8 decode
#   17-23% slow and its batch 65+ 4-11% fast;
# - each sequence adds 10 us a step (sampling, the per-sequence attention blocks).
# Held out by GPU (each GPU's runs predicted by the fit without that GPU): bench/RESULTS.md 'Predict: NVIDIA's
# TensorRT-LLM v0.9.0 static sweep'.
STATIC_LAYER_OVERHEAD_S = 70e-6
STATIC_CONTEXT_LAYER_EXTRA_S = 40e-6  # a context step's layer: 70 + 40 = 110 us
STATIC_PER_SEQ_S = 10e-6

# TensorRT-LLM's C++ executor (in-flight batching over TensorRT engines: trtllm-bench before v0.19, Triton's
# tensorrtllm backend, NIM) spends time per running request every iteration (scheduling, KV block bookkeeping,
# sampling setup, responses). No source states it; 7.5 us is fit on v0.12.0's throughput table (279 runs, 8 models,
# 4 GPUs), and every model and GPU held out picks the same value from the rest: held-out median APE falls for 7 of
# 8 models (Falcon-180B 9.8 -> 11.3%) and all 4 GPUs, 13.4 -> 9.5% over the table (bench/serving_accuracy.py
# --per-seq-fit; bench/RESULTS.md 'Serving').
# NIM's runs, which add an HTTP streaming front end, want more (30 us; 'Serving at fixed concurrency').
TRTLLM_CPP_PER_SEQ_S = 7.5e-6

# TensorRT-LLM's PyTorch backend (PyExecutor, the default since v1.0) runs its scheduler, input preparation, sampler
# post-processing and request bookkeeping on one Python thread, at most one step ahead of the GPU
# (`_executor_loop_overlap`). The input preparation for the next step walks every scheduled request and is exposed as
# GPU idle time between steps at high concurrency (github.com/NVIDIA/TensorRT-LLM/pull/16313, nsys: "a recurring
# GPU-idle gap between decode steps dominated by `_prepare_inputs`"). Measured: ~580 us of host time a step exposed
# as GPU idle with 64 requests running (Llama-3.1-8B FP8 on B200, ISL = OSL = 1000; github.com/NVIDIA/TensorRT-LLM/
# issues/13957, May 2026): 9.1 us a running request a step, not fit here. That is all the host time the profile
# pays a step (its step_overhead_s is 0; the 0.6 ms of the C++ era's static fits stays with trtllm-cpp): a fixed cost
# besides would count those 580 us twice, and the same issue's throughput, 13,806 output tok/s, is then predicted at
# -6% (-16% with both). Held out on all three PyTorch-backend throughput tables of bench/data/published_serving.csv
# (bench/RESULTS.md 'Serving'; the value each table's leave-one-out fit picks: bench/serving_accuracy.py
# --per-seq-fit).
TRTLLM_PYTORCH_PER_SEQ_S = 580e-6 / 64

# TensorRT-LLM's XQA of the v0.9 era: "still experimental feature and support limited configurations.
# LLAMA2 70B is one model that it supports" (docs/source/advanced/gpt-attention.md, 'XQA Optimization'),
# and its precompiled single-query cubins are all `nqpkv_8` (8 query heads per KV head; head dim 128/256;
# cpp/tensorrt_llm/kernels/decoderMaskedMultiheadAttention/cubin/xqa_kernel_cubin.h @ 03cff08). So
# Mistral/Mixtral (4 per KV head) and Falcon-180B (29, head dim 64) decode on masked MHA.
XQA_V09_GROUPS = (8,)

# vLLM pays CPU time per extra tensor-parallel rank every step: fit on the vLLM PR runs of early 2024
# (bench/data/published_runs.csv), 0.5 ms a rank. Those versions launched each step on every worker by a Ray RPC
# from rank 0 (github.com/vllm-project/vllm/issues/5775: "the latency of rpc call would increase proportionally").
# Kept for today's engine (V1: every worker prepares the step from a shared-memory broadcast,
# github.com/vllm-project/vllm/pull/9856), whose one published TP8 serving run it matches (TPOT +6%; -9% without,
# bench/RESULTS.md 'Serving'). vLLM v0.5.1-v0.6 (engine vllm-v0.6) had none: one node's workers were processes
# (the single-node default since github.com/vllm-project/vllm/pull/5230) and the driver rank prepared the step for
# all of them and broadcast it through shared memory, the design #5775 lands on.
PER_EXTRA_RANK_S = 0.5e-3

VLLM = Efficiency(
    step_overhead_s=2.0e-3,
    allreduce_latency_s=15e-6,
    step_overhead_per_rank_s=PER_EXTRA_RANK_S,
    moe_gemm_fraction=MOE_TRITON,
    step_overhead_per_seq_s=PYTHON_SCHEDULER_PER_SEQ_S,
)

VLLM_ENGINE = Engine(
    name="vllm",
    efficiency=VLLM,
    max_batched_tokens=8192,
    kv_block_tokens=16,
    memory_fraction=0.90,
    source="vLLM defaults: gpu_memory_utilization=0.9, block_size=16, max_num_batched_tokens=8192 "
    "(docs.vllm.ai engine args); step overhead fit on vLLM benchmark_latency runs",
)

TRTLLM_ENGINE = Engine(
    name="trtllm",
    efficiency=Efficiency(
        step_overhead_s=0.0,
        allreduce_latency_s=8e-6,
        step_overhead_per_seq_s=TRTLLM_PYTORCH_PER_SEQ_S,
        ep_alltoall_over_nvlink=True,
        ep_gather_quantized=True,
    ),
    max_batched_tokens=1 << 30,
    kv_block_tokens=64,
    memory_fraction=0.90,
    memory_fraction_of_free=True,
    overlap_schedule=True,
    source="TensorRT-LLM (its PyTorch backend, the default since v1.0; trtllm-cpp for the C++ executor): "
    "whole-prompt context phase (no chunking in static gptSessionBenchmark), tokens_per_block=64, "
    "kv_cache_free_gpu_mem_fraction=0.9 of memory free after loading (reference/memory.html), "
    "overlap scheduler on (features/overlap-scheduler.html: 'Enabled by default'), its Python host's "
    "input preparation exposed a running request every step (TRTLLM_PYTORCH_PER_SEQ_S: NVIDIA/TensorRT-LLM "
    "issue 13957)",
)

TRTLLM_STATIC_ENGINE = Engine(
    name="trtllm-legacy",
    efficiency=Efficiency(
        step_overhead_s=0.6e-3,
        allreduce_latency_s=8e-6,
        kv_read_per_query_head=True,
        layer_overhead_s=STATIC_LAYER_OVERHEAD_S,
        context_layer_extra_s=STATIC_CONTEXT_LAYER_EXTRA_S,
        step_overhead_per_seq_s=STATIC_PER_SEQ_S,
        moe_sm80_kernels_only=True,
    ),
    max_batched_tokens=1 << 30,
    kv_block_tokens=1,
    memory_fraction=1.0,
    memory_fraction_of_free=True,
    source="TensorRT-LLM v0.5-v0.9 static gptSessionBenchmark: GQA (XQA) decode kernels 'experimental "
    "and not enabled by default' (v0.6.1 docs/source/performance.md), so K/V is read once per "
    "query head; fits the Llama-2-70B rows of bench/data/published_runs.csv. Its Llama builds "
    "have no --paged_kv_cache, so GptSession allocates contiguous KV of exactly [batch, 2, heads, "
    "isl+osl, head_dim] per layer, no memory fraction (reference/memory.html, 'When paged KV cache "
    "is disabled'): a batch either fits whole or the run fails, it never runs in waves",
)

ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (
        VLLM_ENGINE,
        # Older vLLM versions: today's knobs, the efficiency changed where the version differed.
        dataclasses.replace(
            VLLM_ENGINE,
            name="vllm-v0.6",
            efficiency=dataclasses.replace(VLLM, step_overhead_per_rank_s=0.0),
            source="vLLM v0.5.1-v0.6.x (June-December 2024, V0 engine): tensor-parallel workers as processes fed a "
            "shared-memory broadcast by the driver rank (github.com/vllm-project/vllm/pull/5230, issue 5775), no "
            "per-rank launch; otherwise the vllm defaults",
        ),
        dataclasses.replace(
            VLLM_ENGINE,
            name="vllm-v0.3",
            efficiency=dataclasses.replace(VLLM, moe_sm80_kernels_only=True),
            source="vLLM v0.2.7-v0.3 (January 2024): torch 2.1.2 and its Triton 2.1, whose Hopper wgmma ('GMMA') "
            "was 'experimental for now and turned off by default' (github.com/triton-lang/triton/pull/2036; "
            "still behind ENABLE_MMA_V3=1 on main in September 2023, issue 2339), so fused_moe ran Ampere "
            "mma.sync on H100; otherwise the vllm defaults",
        ),
        TRTLLM_ENGINE,
        # The C++ executor: the trtllm knobs with its own costs and no overlap scheduler.
        dataclasses.replace(
            TRTLLM_ENGINE,
            name="trtllm-cpp",
            efficiency=Efficiency(
                step_overhead_s=0.6e-3, allreduce_latency_s=8e-6, step_overhead_per_seq_s=TRTLLM_CPP_PER_SEQ_S
            ),
            overlap_schedule=False,
            source="TensorRT-LLM's C++ executor over TensorRT engines (trtllm-build; Triton's tensorrtllm backend, "
            "NIM, trtllm-bench before v0.19): the trtllm profile's knobs with the C++ executor's own costs each "
            "iteration (0.6 ms, and 7.5 us a running request fit on v0.12.0's throughput table) and no overlap "
            "scheduler",
        ),
        TRTLLM_STATIC_ENGINE,
        # The same static runs with XQA on: GQA decode reads each K/V head once, for the groups its cubins cover.
        dataclasses.replace(
            TRTLLM_STATIC_ENGINE,
            name="trtllm-xqa",
            efficiency=dataclasses.replace(
                TRTLLM_STATIC_ENGINE.efficiency, kv_read_per_query_head=False, gqa_native_groups=XQA_V09_GROUPS
            ),
            source="TensorRT-LLM v0.9 static gptSessionBenchmark as in its docs/source/performance.md: engines "
            "built with --paged_kv_cache disable (contiguous KV, exact [batch, isl+osl], no fraction, as "
            "trtllm-legacy) and run with TRTLLM_ENABLE_XQA=1, so GQA decode reads each K/V head once",
        ),
        Engine(
            name="sglang",
            efficiency=Efficiency(
                step_overhead_s=1.2e-3,
                allreduce_latency_s=12e-6,
                moe_gemm_fraction=MOE_TRITON,
                step_overhead_per_seq_s=PYTHON_SCHEDULER_PER_SEQ_S,
                request_overhead_s=SGLANG_FRONTEND_S,
            ),
            max_batched_tokens=8192,
            kv_block_tokens=1,
            memory_fraction=0.88,
            mixed_prefill=False,
            overlap_schedule=True,
            source="SGLang defaults (v0.4 on): mem_fraction_static~0.88, chunked_prefill_size=8192, token-granular "
            "KV, enable_mixed_chunk off (prefill steps run alone), overlap scheduler on (disable_overlap_schedule "
            "off; server_info of 0.5.5.post3 runs, bench/data/published_bench_serving.csv); front end 6.6 ms a request "
            "(SGLANG_FRONTEND_S: tenstorrent/tt-inference-server#3560, SGLang v0.5.11 with a fixed-time mock model)",
        ),
    )
}


def get_engine(name: str) -> Engine:
    key = name.lower().replace("_", "-").replace("tensorrt-llm", "trtllm").replace("tensorrtllm", "trtllm")
    if key in ENGINES:
        return ENGINES[key]
    raise CatalogError(f"unknown engine {name!r}; known engines: {', '.join(ENGINES)}")
