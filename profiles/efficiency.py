"""Achievable fractions of datasheet peaks (`Efficiency`) and what an engine is (`Engine`).

`Efficiency` is what the roofline multiplies datasheet numbers by; the engines' own values, with their
sources and fits, are the catalog in profiles/engines.py. The roofline asks for fractions through the three
`*_efficiency` methods only; `profiles.profile_efficiency.ProfiledEfficiency` overrides them with
curves interpolated from a measured GPU profile (`tracefit profile measure`).
"""

from dataclasses import dataclass, field

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
