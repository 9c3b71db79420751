"""Achievable fractions of datasheet peaks, and per-engine runtime defaults.

`Efficiency` is what the roofline multiplies datasheet numbers by. `ENGINES[...]` holds documented
defaults, calibrated on the published static-batch runs in bench/data/published_runs.csv
(see bench/RESULTS.md for the fit and its error). The roofline asks for fractions through the three
`*_efficiency` methods only; `profiles.profile_efficiency.ProfiledEfficiency` overrides them with
curves interpolated from a measured GPU profile (`tracefit profile measure`).
"""

import dataclasses
from dataclasses import dataclass, field

from profiles.errors import CatalogError

# Ampere-generation (mma.sync, no wgmma/TMA) kernels reach about half the share of an H100's peak that
# they reach of an A100's: FlashAttention-2 "50-73% of the theoretical maximum FLOPs/s on A100" (Dao
# 2023, arXiv:2307.08691) but "only 35% utilization on H100" (Shah et al. 2024, FlashAttention-3,
# arXiv:2407.08608): 35 / 73 = 0.48. Hopper doubles the tensor rate per SM only through wgmma.
AMPERE_KERNELS_ON_HOPPER = 0.48
HOPPER_GPUS = frozenset({"h100-sxm", "h100-pcie", "h100-nvl", "h200", "gh200"})

# Mixtral-8x7B's 14336-wide experts at TP2: the width the MoE fractions were measured and fit at (the
# vLLM kernel number below, the Mixtral rows of bench/data/published_runs.csv, most of them TP2).
MOE_REFERENCE_WIDTH = 7168


@dataclass(frozen=True, slots=True, kw_only=True)
class Efficiency:
    # Both fit on bench/data/published_runs.csv (201 rows, 16 tables; every leave-one-source-out fold
    # picks the same values): streaming reaches ~0.9 of datasheet TB/s (an H100's copy bandwidth is
    # ~0.9 of 3.35 TB/s), GEMMs 0.7 of dense peak on average over bf16 and fp8 (fp8 reaches a smaller
    # share of its doubled peak than bf16 does of its own).
    hbm_fraction: float = 0.90  # weight/KV streaming vs datasheet TB/s
    gemm_fraction: float = 0.70  # large-GEMM share of dense peak
    gemm_half_tokens: float = 64.0  # tokens per GEMM at which it reaches half of `gemm_fraction` past the ridge
    attention_fraction: float = 0.50  # flash-attention prefill share of dense peak (fit)
    allreduce_fraction: float = 0.70  # share of interconnect GB/s a ring all-reduce achieves
    allreduce_latency_s: float = 12e-6  # fixed cost of one small all-reduce (NCCL / custom kernels)
    step_overhead_s: float = 1.5e-3  # scheduling, sampling, launch per engine step
    step_overhead_per_rank_s: float = 0.0  # extra per step per additional TP rank (input broadcast)
    step_overhead_per_seq_s: float = 0.0  # per running sequence per step: CPU (schedule, sample, detokenise) or GPU
    layer_overhead_s: float = 60e-6  # fixed cost of a layer's ~10 kernels (launch, ramp, tail) per step
    context_layer_extra_s: float = 0.0  # added to layer_overhead_s on a step that runs a context (prefill) phase
    # Per-request time outside the engine's step loop (HTTP, tokenise, hand-off to the engine, first-chunk
    # detokenise and stream), added once to every request's TTFT and E2E. 0 where no source states it for the
    # engine (SGLANG_FRONTEND_S below is the one that does); `tracefit calibrate` measures it per deployment.
    request_overhead_s: float = 0.0
    # NVFP4/MXFP4 GEMMs on FP4 tensor cores reach this share of what gemm_fraction gives bf16/fp8: fit on
    # TensorRT-LLM v1.0's B200/GB200 throughput tables of the dense models, held out by model. Refit when
    # the simulator took TensorRT-LLM's no-evict admission (issue #21, session 13; 10 shapes per model):
    # the Llama-3.3-70B rows pick 0.6 and put Llama-3.1-405B at 8.4% median error (9.8% at the old 0.7),
    # the 405B rows pick 0.6 and put 70B at 4.6% (8.9%); bench/RESULTS.md 'Serving'. A GPU whose FP4 and FP8
    # GEMMs were measured side by side takes the measurement instead (profiles/fp4_gemm.py).
    fp4_gemm_scale: float = 0.6
    kv_read_per_query_head: bool = False  # pre-XQA TensorRT-LLM: GQA decode re-reads K/V per query head
    # Query heads per KV head the engine's fused GQA decode kernel covers (None: every group). Other
    # groups decode on a kernel with one block per query head, whose repeated K/V reads hit L2
    # (recommend/roofline.py, profiles/l2_bandwidth.py).
    gqa_native_groups: tuple[int, ...] | None = None
    # MoE expert GEMMs (gathered rows, one grouped kernel) vs a dense GEMM of the same rows per expert.
    # vLLM/SGLang run Mixtral's experts in a Triton fused_moe kernel: 215 TFLOP/s = 22% of H100 bf16
    # peak at 32k tokens (github.com/ByteDance-Seed/VeOmni/pull/460), "roughly half" of peak after a
    # 2026 tuning pass (github.com/linkedin/Liger-Kernel/pull/1294), vs ~80% for cuBLAS dense GEMMs.
    moe_gemm_fraction: float = 1.0
    # Grouped expert GEMMs slow down as each expert gets narrower on a shard (intermediate columns per
    # expert: /tp under TP, whole under EP), as width / (width + moe_half_width). Both numbers measured on
    # H100 bf16, not fit on bench/data: tuned Triton fused_moe 482 TFLOP/s on Mixtral TP2 (7168 wide;
    # github.com/vllm-project/vllm/pull/24700) and 215 TFLOP/s on the Qwen3-30B-A3B shape (768 wide, 128
    # experts, top-8, 32k tokens; github.com/ByteDance-Seed/VeOmni/pull/460) solve to 1254 columns.
    # Checked on that PR's third shape (1024 wide, hidden 4096): 293 TFLOP/s predicted at vLLM's 0.8 x 0.7
    # of peak, 283 measured.
    # moe_gemm_fraction is set at MOE_REFERENCE_WIDTH, so the share is relative to it (never above 1).
    # A heavily tuned 2026 kernel reaches 523 TFLOP/s at 768 wide (github.com/linkedin/Liger-Kernel/
    # pull/1294): engines' kernels differ in level, the width trend is what this term carries.
    moe_half_width: float = 1250.0
    # The MoE grouped GEMM has Ampere (sm80, mma.sync) kernels only: on Hopper it runs bf16 math at
    # AMPERE_KERNELS_ON_HOPPER of the dense share (see there).
    moe_sm80_kernels_only: bool = False
    # How expert parallelism (attention data-parallel) moves tokens to their experts. By default an all-gather of
    # every rank's tokens before the MoE layer and a reduce-scatter of the outputs after it: each rank gets all
    # tokens and runs the routed copies that hit its own experts ("allgather_reducescatter: Default backend",
    # docs.vllm.ai serving/expert_parallel_deployment; TensorRT-LLM's CutlassFusedMoE when it runs no alltoall,
    # tensorrt_llm/_torch/modules/fused_moe/fused_moe_cutlass.py; SGLang's DP attention without a DeepEP
    # backend). True: where the ranks share NVLink, an all-to-all moves each routed copy to its expert's GPU
    # and back instead (TensorRT-LLM's MNNVL / NVLinkOneSided alltoall kernels; DeepEP); over PCIe the gather.
    ep_alltoall_over_nvlink: bool = False
    # True: the gather moves tokens already quantized to the expert GEMMs' input format (TensorRT-LLM's
    # "post-quant allgather": NVFP4 / FP8); False: 16-bit hidden states (vLLM's AgRsAll2AllManager).
    ep_gather_quantized: bool = False
    source: str = "defaults; see profiles/efficiency.py"

    def gemm_efficiency(self, tokens: float) -> float:
        """Fraction of dense peak a GEMM with `tokens` rows reaches: small tiles waste tensor cores."""
        return self.gemm_fraction * tokens / (tokens + self.gemm_half_tokens)

    def moe_gemm_share(self, expert_width: float) -> float:
        """Share of the dense GEMM rate a grouped expert GEMM reaches, experts `expert_width` columns wide."""
        ramp = expert_width / (expert_width + self.moe_half_width)
        at_reference = MOE_REFERENCE_WIDTH / (MOE_REFERENCE_WIDTH + self.moe_half_width)
        return self.moe_gemm_fraction * min(1.0, ramp / at_reference)

    def attention_efficiency(self, ctx_tokens: float) -> float:
        """Fraction of dense bf16 peak causal prefill attention reaches at `ctx_tokens` per sequence."""
        return self.attention_fraction

    def kv_efficiency(self, kv_bytes: float) -> float:
        """Fraction of datasheet HBM bandwidth a decode-attention kernel reading `kv_bytes` reaches."""
        return self.hbm_fraction


@dataclass(frozen=True, slots=True, kw_only=True)
class Engine:
    name: str
    efficiency: Efficiency = field(default_factory=Efficiency)
    max_batched_tokens: int = 8192  # prefill chunk size (vLLM max_num_batched_tokens)
    kv_block_tokens: int = 16  # paged-KV block size; a sequence holds whole blocks
    memory_fraction: float = 0.90  # vLLM gpu_memory_utilization / SGLang mem_fraction_static
    # False: the fraction is of total HBM (vLLM, SGLang); True: of HBM still free after weights,
    # activations and runtime (TensorRT-LLM kv_cache_free_gpu_mem_fraction, nvidia.github.io/TensorRT-LLM/
    # reference/memory.html "KV cache tensor")
    memory_fraction_of_free: bool = False
    runtime_overhead_gib: float = 1.5  # CUDA context, NCCL buffers, CUDA graphs (not in weights or KV)
    # True: prefill chunks ride in the decodes' step (vLLM V1's chunked prefill, TensorRT-LLM's in-flight
    # batching); False: a step with prefill runs prefills alone while decodes wait (SGLang without
    # --enable-mixed-chunk, its default). The serving simulator's EngineSpec.mixed_prefill.
    mixed_prefill: bool = True
    # True: the scheduler plans step n + 1 while step n runs, so an arrival waits one step more to be admitted
    # (the serving simulator's EngineSpec.overlap_schedule, with the sources): SGLang since v0.4 and TensorRT-LLM's
    # PyTorch backend by default; not TensorRT-LLM's C++ executor or vLLM V0. vLLM V1's async scheduling (the same
    # lag, its default in releases since late 2025) is not given to the `vllm` profile yet (bench/RESULTS.md,
    # 'a modern engine: SGLang 0.5.5').
    overlap_schedule: bool = False
    source: str = ""


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
        Engine(
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
        ),
        Engine(
            name="trtllm-cpp",
            efficiency=Efficiency(
                step_overhead_s=0.6e-3, allreduce_latency_s=8e-6, step_overhead_per_seq_s=TRTLLM_CPP_PER_SEQ_S
            ),
            max_batched_tokens=1 << 30,
            kv_block_tokens=64,
            memory_fraction=0.90,
            memory_fraction_of_free=True,
            source="TensorRT-LLM's C++ executor over TensorRT engines (trtllm-build; Triton's tensorrtllm backend, "
            "NIM, trtllm-bench before v0.19): the trtllm profile's knobs with the C++ executor's own costs each "
            "iteration (0.6 ms, and 7.5 us a running request fit on v0.12.0's throughput table) and no overlap "
            "scheduler",
        ),
        Engine(
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
        ),
        Engine(
            name="trtllm-xqa",
            efficiency=Efficiency(
                step_overhead_s=0.6e-3,
                allreduce_latency_s=8e-6,
                layer_overhead_s=STATIC_LAYER_OVERHEAD_S,
                context_layer_extra_s=STATIC_CONTEXT_LAYER_EXTRA_S,
                step_overhead_per_seq_s=STATIC_PER_SEQ_S,
                gqa_native_groups=XQA_V09_GROUPS,
                moe_sm80_kernels_only=True,
            ),
            max_batched_tokens=1 << 30,
            kv_block_tokens=1,
            memory_fraction=1.0,
            memory_fraction_of_free=True,
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
