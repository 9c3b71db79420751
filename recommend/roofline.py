"""Roofline time of one engine step on one TP shard, and the classic roofline landmarks.

A step runs every linear layer once over all its tokens (weights streamed once, nanoGPT-style
FLOPs = 2 x params x tokens), attention over each sequence's context (KV streamed once), two
all-reduces per layer under tensor parallelism, and a fixed per-step overhead. Each part costs
max(FLOPs / achievable FLOP/s, bytes / achievable B/s); parts run one after another, so they add.
"""

import dataclasses
import math
from dataclasses import dataclass

from profiles import Efficiency
from profiles.efficiency import AMPERE_KERNELS_ON_HOPPER, HOPPER_GPUS
from profiles.fp4_gemm import fp4_gemm_scale
from profiles.fp8_conversion import fp8_elements_s
from profiles.l2_bandwidth import l2_bytes_s
from profiles.nccl import pcie_only, pcie_ring_allreduce_s, pcie_ring_gather_s
from profiles.profile import shipped_profile_for
from profiles.profile_efficiency import ProfiledEfficiency, profiled_efficiency
from recommend.deployment import WEIGHT_BYTES, Deployment
from recommend.errors import RecommendError
from recommend.memory import kv_bytes_per_token
from recommend.moe_traffic import dispatch_bytes, routed_copy_bytes

ACT_BYTES = 2.0  # bf16 activations


@dataclass(frozen=True, slots=True, kw_only=True)
class StepTime:
    """One step's seconds by cause (what `tracefit predict` sums into its breakdown)."""

    weights_s: float  # linear layers: weight streaming or GEMM compute, whichever is slower
    kv_s: float  # attention when KV reads dominate
    attention_s: float  # attention when its FLOPs dominate
    communication_s: float
    overhead_s: float  # the GPU's fixed costs: per-layer launches, elementwise activation traffic, MoE routed copies
    host_s: float  # the engine's host: per step, per extra TP rank and per running sequence (scheduling, inputs)
    linear_compute_bound: bool

    @property
    def total_s(self) -> float:
        return self.weights_s + self.kv_s + self.attention_s + self.communication_s + self.overhead_s + self.host_s


class StepModel:
    """Seconds of one engine step for a fixed deployment; pure float math, built for hot loops.

    step_s(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs=1):
      prefill_tokens      new prompt tokens processed this step (all chunks)
      prefill_ctx_tokens  sum over prefilling sequences of their context after this chunk
      decode_seqs         sequences producing one token this step
      decode_ctx_tokens   sum of those sequences' context lengths (KV tokens read)
      prefill_seqs        how many sequences the prefill tokens belong to (attention pairs)
    """

    def __init__(self, dep: Deployment, efficiency: Efficiency | None = None, *, identical_sequences: bool = False):
        # identical_sequences: every sequence of a batch is the same prompt, decoded greedily (benchmark harnesses
        # that copy one prompt), so all of them route their tokens to the same experts: a step touches the experts
        # of one sequence's tokens, not of the whole batch's.
        if identical_sequences and dep.ep:
            raise RecommendError("identical sequences are not modelled under expert parallelism (--ep)")
        self._identical = identical_sequences
        # Under expert parallelism (dep.ep) the dense parts are per attention rank: unsharded weights, 1/tp
        # of the step's sequences; `tp` below is then the dense shard count 1 and the experts are split
        # tp ways whole (see _expert_parallel).
        m, tp, eff = dep.model, dep.dense_shards, efficiency or efficiency_for(dep)
        self.deployment, self.efficiency = dep, eff
        bpp = dep.weight_bytes_per_param
        self._hbm_peak = dep.hbm_bytes_s
        self._hbm = dep.hbm_bytes_s * eff.hbm_fraction
        fp4_math = dep.weights in ("nvfp4", "mxfp4") and dep.gpu.peak_tflops_fp4
        self._gemm_peak = dep.gemm_peak_flop_s * (fp4_gemm_scale(dep.gpu, eff.fp4_gemm_scale) if fp4_math else 1.0)
        # Linear layers a checkpoint keeps in 16-bit (ModelSpec.sixteen_bit_*): read at 2 B a weight and
        # multiplied in bf16, so the GEMMs' rate is the FLOP-weighted harmonic mean of the two peaks.
        sixteen = m.sixteen_bit_linear_params / (m.shared_params + m.routed_params)
        if sixteen:
            bf16_peak = dep.gpu.peak_tflops_bf16 * 1e12
            self._gemm_peak = 1.0 / ((1.0 - sixteen) / self._gemm_peak + sixteen / bf16_peak)
        self._attn_peak = dep.attention_peak_flop_s
        self._attn_flop_s = dep.attention_peak_flop_s * eff.attention_fraction
        # Fractions of peak by size (Efficiency methods; a ProfiledEfficiency interpolates a measured curve).
        self._gemm_eff, self._prefill_eff, self._kv_eff = (
            eff.gemm_efficiency,
            eff.attention_efficiency,
            eff.kv_efficiency,
        )
        self._layers = m.num_layers
        # Bytes streamed every step on one shard: shared layer weights and the bf16 lm_head.
        lm_head = m.vocab_size * m.hidden_size * 2.0
        extra = WEIGHT_BYTES["bf16"] - bpp  # what a weight the checkpoint keeps in 16-bit adds over its dtype
        self._shared_bytes = (m.shared_params * bpp + m.sixteen_bit_attention_params * extra + lm_head) / tp
        # one expert, all its layers (EP: whole); a dense model's 16-bit MLP layers at 2 B
        self._expert_bytes = (m.expert_layers * m.expert_params * bpp + m.sixteen_bit_mlp_params * extra) / tp
        self._experts, self._top_k = m.num_experts, m.experts_per_token
        # FLOPs per token (linear layers) and per sequence (logits of its last token) on one shard.
        self._linear_flops = 2.0 * (m.shared_params + m.routed_params) / tp
        # MoE: each touched expert's GEMMs see tokens x top_k / touched rows; the grouped kernel adds
        # (1 / share - 1) x the dense full-tile time per FLOP (same weight-bound ramp, slower math), its
        # share set by how wide each expert is on this shard (Efficiency.moe_gemm_share).
        self._moe = m.num_experts > 1
        self._expert_flops = 2.0 * m.routed_params / tp
        share = eff.moe_gemm_share(m.intermediate_size / tp) if self._moe else 1.0
        if self._moe and eff.moe_sm80_kernels_only and dep.gpu.name in HOPPER_GPUS:  # bf16 math, Ampere kernels
            share *= AMPERE_KERNELS_ON_HOPPER * dep.gpu.peak_tflops_bf16 * 1e12 / self._gemm_peak
        self._moe_extra_s_per_flop = (1.0 / share - 1.0) / (self._gemm_peak * eff.gemm_fraction)
        self._logit_flops = 2.0 * m.vocab_size * m.hidden_size / tp
        # Attention: QK^T and PV, 2 FLOPs per multiply-add -> 2 x layers x heads x (qk + v head dims) per
        # (query, key) pair (4 x head_dim without MLA). MLA decode runs absorbed: every head scores the
        # 576-wide latent + rope key and sums 512-wide latent values (DeepSeek-V3 paper, sec. 2.1.1).
        self._pair_flops = 2.0 * m.num_layers * m.num_heads * (m.head_dim + (m.v_head_dim or m.head_dim)) / tp
        self._decode_pair_flops = (
            2.0 * m.num_layers * m.num_heads * (2 * m.kv_lora_rank + m.qk_rope_head_dim) / tp
            if m.is_mla
            else self._pair_flops
        )
        self._kv_token_bytes = kv_bytes_per_token(m, dep.kv, tp)
        group = m.num_heads // m.num_kv_heads if eff.kv_read_per_query_head and not m.is_mla else 1
        self._decode_kv_token_bytes = self._kv_token_bytes * group
        # A GQA group the engine's fused kernel does not cover decodes one query head per block: the group's
        # blocks re-read their KV head, from L2, and each converts its own copy of FP8 K/V on CUDA cores, so
        # a read costs the slowest of one HBM pass, group x bytes at L2 bandwidth and group x FP8 elements at
        # the conversion rate (measured L2: profiles/l2_bandwidth.py; profiles/fp8_conversion.py).
        size, l2 = m.num_heads // m.num_kv_heads, l2_bytes_s(dep.gpu)
        native = eff.gqa_native_groups is None or size in eff.gqa_native_groups
        fallback = not (native or m.is_mla or eff.kv_read_per_query_head) and size > 1 and l2
        cvt = fp8_elements_s(dep.gpu) if dep.kv == "fp8" else None  # 1 B per FP8 element
        self._fallback_s_per_kv_byte = max(size / l2, size / cvt if cvt else 0.0) if fallback else 0.0
        # Elementwise traffic per token: norms, rotary, residual, activation (read + write, bf16).
        self._elementwise_bytes = (
            2 * ACT_BYTES * m.num_layers * (6 * m.hidden_size + 3 * m.intermediate_size * m.experts_per_token / tp)
        )
        fp8_math = bool(dep.gpu.peak_tflops_fp8) and not eff.moe_sm80_kernels_only  # MoE dispatch + combine:
        self._copy_s = routed_copy_bytes(m, dispatch_bytes(dep.weights, fp8_math, bool(fp4_math))) / self._hbm
        # Two all-reduces per layer (after attention and after the MLP), ring algorithm.
        self._allreduces = 2 * m.num_layers if tp > 1 else 0
        link = dep.gpu.link_gb_s(tp) * 1e9 / 2 * eff.allreduce_fraction  # one direction
        self._allreduce_s_per_token = (2 * (tp - 1) / tp * m.hidden_size * ACT_BYTES / link) if tp > 1 else 0.0
        self._allreduce_latency_s = eff.allreduce_latency_s
        self._nccl_ranks = tp if pcie_only(dep.gpu, tp) else 0  # no NVLink: NCCL's ring latency (profiles/nccl.py)
        self._per_seq_s = eff.step_overhead_per_seq_s
        self._host_s = eff.step_overhead_s + eff.step_overhead_per_rank_s * (tp - 1)
        self._overhead_s = eff.layer_overhead_s * m.num_layers
        self._context_extra_s = eff.context_layer_extra_s * m.num_layers  # on a step with prefill
        # Expert parallelism: attention data-parallel over `ranks` GPUs, experts split `ranks` ways whole. Per MoE
        # layer the tokens reach their experts one of two ways (Efficiency.ep_alltoall_over_nvlink):
        #  all-gather + reduce-scatter: every rank receives the other ranks' tokens ((ranks - 1) / ranks of all
        #    of them, in the gather's format) and sends back its partial outputs (16-bit): per token, whatever
        #    top_k is. Over PCIe these are NCCL rings (profiles/nccl.py); the routing metadata (top-k ids and
        #    weights, or router logits) is under a tenth of the hidden state and left out.
        #  all-to-all (NVLink only): dispatch and combine move each routed copy to and from the GPU holding its
        #    expert, (ranks - 1) / ranks of them off the GPU, at the same share of one link direction as a ring
        #    all-reduce: DeepEP intranode EP8 153-158 GB/s of H800's ~160 GB/s NVLink (github.com/deepseek-ai/
        #    DeepEP README), UCCL-EP 320 GB/s on H200 = 0.71 of 450 GB/s (github.com/uccl-project/uccl
        #    ep/README.md), vs allreduce_fraction 0.7.
        self._ranks = r = dep.attention_ranks
        self._ep_pcie = r > 1 and pcie_only(dep.gpu, r)
        self._alltoall = r > 1 and eff.ep_alltoall_over_nvlink and not self._ep_pcie
        ep_link = dep.gpu.link_gb_s(r) * 1e9 / 2 * eff.allreduce_fraction  # the `r` EP ranks' link, not the TP one
        # seconds a hidden-state element takes off the GPU, (r - 1) / r of them leaving it; a 16-bit row of it
        # is one routed copy (all-to-all) or one token's output (reduce-scatter)
        element_s = (r - 1) / r * m.hidden_size / ep_link if r > 1 else 0.0
        self._row_s = element_s * ACT_BYTES
        gather_bytes = dispatch_bytes(dep.weights, fp8_math, bool(fp4_math)) if eff.ep_gather_quantized else ACT_BYTES
        self._gather_s_per_token = element_s * gather_bytes
        self._ep_layers = m.expert_layers if r > 1 else 0

    def experts_touched(self, tokens: float) -> float:
        """Expected distinct experts per layer hit by `tokens` tokens routed top-k uniformly."""
        if self._experts == 1:
            return 1.0
        return self._experts * (1.0 - (1.0 - self._top_k / self._experts) ** tokens)

    def _expert_parallel(self, prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs):
        """The busiest rank's parts under EP: its 1/ranks of the sequences through attention and dense
        layers (whole sequences: one long prompt is not split), and the largest share of routed copies.
        Routing tokens x top_k copies uniformly at random onto `ranks` GPUs, the busiest gets about
        mean + sqrt(2 mean ln ranks) (the maximum of `ranks` Poisson loads; Raab & Steger 1998, 'Balls into
        Bins', RANDOM'98), capped at all copies."""
        r = self._ranks
        prompts = max(prefill_seqs, 1) if prefill_tokens else 0
        mine = -(-prompts // r)  # prompts on the busiest rank; decodes spread evenly
        share = mine / prompts if prompts else 0.0
        dense = self._parts(
            prefill_tokens * share,
            prefill_ctx_tokens * share,
            decode_seqs / r,
            decode_ctx_tokens / r,
            max(mine, 1),
            experts=False,
        )
        copies = (prefill_tokens + decode_seqs) * self._top_k
        mean = copies / r
        busiest = min(copies, mean + math.sqrt(2.0 * mean * math.log(r))) if mean > 0 else 0.0
        touched = min(
            self._experts / r,
            self.experts_touched(prefill_tokens + decode_seqs) / r * (busiest / mean if mean > 0 else 1.0),
        )
        rows = busiest / touched if touched > 0 else 0.0  # rows per expert GEMM on that rank
        moe_flops = busiest * self._expert_flops / self._top_k
        gemm_s = (
            moe_flops * self._moe_extra_s_per_flop + moe_flops / (self._gemm_peak * self._gemm_eff(rows))
            if moe_flops
            else 0.0
        )
        stream_s = touched * self._expert_bytes / self._hbm
        comm_s = self._ep_layers * self._ep_exchange_s(prefill_tokens + decode_seqs, busiest)
        lin, kv, attn, comm, over, host, bound = dense
        over += busiest * self._copy_s
        return lin + max(gemm_s, stream_s), kv, attn, comm + comm_s, over, host, bound or gemm_s > stream_s

    def _ep_exchange_s(self, tokens: float, busiest_copies: float) -> float:
        """One MoE layer's token exchange under EP: the step's `tokens` over all ranks, `busiest_copies` routed
        copies on the busiest rank (see __init__)."""
        if self._alltoall:
            return 2 * (self._allreduce_latency_s + busiest_copies * self._row_s)
        gather_s, scatter_s = tokens * self._gather_s_per_token, tokens * self._row_s
        if self._ep_pcie:
            return pcie_ring_gather_s(self._ranks, gather_s) + pcie_ring_gather_s(self._ranks, scatter_s)
        return 2 * self._allreduce_latency_s + gather_s + scatter_s

    def _parts(self, prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs, experts=True):
        if experts and self._ranks > 1:
            return self._expert_parallel(
                prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs
            )
        tokens = prefill_tokens + decode_seqs
        if tokens <= 0:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False
        seqs = decode_seqs + (prefill_seqs if prefill_tokens else 0)
        routed = tokens / max(seqs, 1) if self._identical else tokens  # identical sequences route as one
        touched = self.experts_touched(routed) if experts else 0.0
        if self._moe and not experts:  # EP's dense part: the experts are priced in _expert_parallel
            gemm_s = (tokens * (self._linear_flops - self._expert_flops) + seqs * self._logit_flops) / (
                self._gemm_peak * self._gemm_eff(tokens)
            )
        elif self._moe:
            dense, moe = (
                tokens * (self._linear_flops - self._expert_flops) + seqs * self._logit_flops,
                tokens * self._expert_flops,
            )
            gemm_s = (
                dense / (self._gemm_peak * self._gemm_eff(tokens))
                + moe * self._moe_extra_s_per_flop
                + moe / (self._gemm_peak * self._gemm_eff(tokens * self._top_k / touched))
            )
        else:
            gemm_s = (tokens * self._linear_flops + seqs * self._logit_flops) / (
                self._gemm_peak * self._gemm_eff(tokens)
            )
        stream_s = (self._shared_bytes + touched * self._expert_bytes) / self._hbm
        attn_s = decode_ctx_tokens * self._decode_pair_flops / self._attn_flop_s
        if prefill_tokens:
            per_seq = max(prefill_seqs, 1)
            pairs = max(prefill_tokens * (prefill_ctx_tokens - prefill_tokens / 2) / per_seq, 0.0)
            attn_s += pairs * self._pair_flops / (self._attn_peak * self._prefill_eff(prefill_ctx_tokens / per_seq))
        kv_s = (prefill_ctx_tokens + tokens) * self._kv_token_bytes / self._hbm
        if decode_ctx_tokens:  # one decode-attention kernel per layer reads `read / layers` bytes
            read = decode_ctx_tokens * self._decode_kv_token_bytes
            kv_s += max(
                read / (self._hbm_peak * self._kv_eff(read / self._layers)), read * self._fallback_s_per_kv_byte
            )
        ar_s = tokens * self._allreduce_s_per_token
        ar_s = pcie_ring_allreduce_s(self._nccl_ranks, ar_s) if self._nccl_ranks else ar_s + self._allreduce_latency_s
        comm_s = self._allreduces * ar_s
        over_s = self._overhead_s + tokens * self._elementwise_bytes / self._hbm
        if prefill_tokens:
            over_s += self._context_extra_s
        over_s += tokens * self._top_k * self._copy_s if experts else 0.0
        host_s = self._host_s + seqs * self._per_seq_s
        return max(gemm_s, stream_s), kv_s, attn_s, comm_s, over_s, host_s, gemm_s > stream_s

    def step_s(
        self,
        prefill_tokens: int,
        prefill_ctx_tokens: int,
        decode_seqs: int,
        decode_ctx_tokens: int,
        prefill_seqs: int = 1,
    ) -> float:
        lin, kv, attn, comm, over, host, _ = self._parts(
            prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs
        )
        return lin + (kv if kv > attn else attn) + comm + over + host

    def step(
        self,
        prefill_tokens: int,
        prefill_ctx_tokens: int,
        decode_seqs: int,
        decode_ctx_tokens: int,
        prefill_seqs: int = 1,
    ) -> StepTime:
        """Same as `step_s`, by cause."""
        lin, kv, attn, comm, over, host, bound = self._parts(
            prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs
        )
        return StepTime(
            weights_s=lin,
            kv_s=kv if kv > attn else 0.0,
            attention_s=attn if attn >= kv else 0.0,
            communication_s=comm,
            overhead_s=over,
            host_s=host,
            linear_compute_bound=bound,
        )

    def decode_step_s(self, batch: int, ctx_tokens: int) -> float:
        """One decode step for `batch` sequences of `ctx_tokens` context each."""
        return self.step_s(0, 0, batch, batch * ctx_tokens)


def efficiency_for(dep: Deployment) -> Efficiency:
    """The engine's efficiency, or its profiled form when the engine carries one or a shipped
    profile (profiles/data/*.json) was measured on this GPU."""
    base = dep.engine.efficiency
    if isinstance(base, ProfiledEfficiency):
        return base
    doc = shipped_profile_for(dep.gpu.name)
    return profiled_efficiency(doc, base=base, weights=dep.weights, model=dep.model.name) if doc else base


def with_profile(dep: Deployment, doc: dict) -> Deployment:
    """`dep` whose engine efficiency comes from the profile `doc` (what `--profile FILE` does)."""
    eff = profiled_efficiency(doc, base=dep.engine.efficiency, weights=dep.weights, model=dep.model.name)
    return dataclasses.replace(dep, engine=dataclasses.replace(dep.engine, efficiency=eff))


def ridge_ops_per_byte(dep: Deployment) -> float:
    """Datasheet FLOPs per HBM byte where kernels turn compute-bound (H100 SXM fp8: 1979/3.35 = 591)."""
    return dep.gemm_peak_flop_s / dep.hbm_bytes_s


def latency_floor_s_per_token(dep: Deployment) -> float:
    """Weights streamed once per token at datasheet bandwidth: no batch size or trick goes below it."""
    m, bpp = dep.model, dep.weight_bytes_per_param
    sixteen = m.sixteen_bit_linear_params * (WEIGHT_BYTES["bf16"] - bpp)  # a checkpoint's 16-bit layers
    streamed = (m.shared_params + m.routed_params) * bpp + sixteen + m.vocab_size * m.hidden_size * 2.0
    return streamed / dep.tp / dep.hbm_bytes_s
