"""Bytes: weights by dtype, KV cache per token (GQA-aware), workspace, and KV capacity per TP shard."""

import math

from profiles import ModelSpec
from recommend.deployment import KV_BYTES, WEIGHT_BYTES, Deployment
from recommend.errors import DoesNotFitError

LOGITS_SEQS = 256  # vLLM max_num_seqs default: logits are materialised for at most this many rows


def quantized_params(model: ModelSpec) -> int:
    """Linear-layer weights the weight dtype applies to; embeddings, lm_head, norms and the layers a checkpoint
    keeps in 16-bit (ModelSpec.sixteen_bit_linear_params) stay bf16."""
    return model.linear_params - model.sixteen_bit_linear_params


def weight_bytes(model: ModelSpec, weights: str = "bf16") -> float:
    """Checkpoint bytes. Llama-3-8B bf16: 8,030,261,248 params x 2 B = 16.06 GB."""
    rest = model.total_params - quantized_params(model)
    return quantized_params(model) * WEIGHT_BYTES[weights] + rest * WEIGHT_BYTES["bf16"]


def kv_heads_per_shard(model: ModelSpec, tp: int) -> int:
    """KV heads are split across TP ranks; with tp > kv heads each rank keeps a replica of one."""
    return math.ceil(model.num_kv_heads / tp)


def kv_bytes_per_token(model: ModelSpec, kv: str = "bf16", tp: int = 1) -> float:
    """K and V for every layer, per shard. Llama-3-8B bf16: 2 x 32 x 8 x 128 x 2 B = 131,072 B.
    MLA caches one latent + rope key per layer, replicated on every shard: DeepSeek-V3 fp8 61 x 576 B."""
    if model.is_mla:
        return model.num_layers * (model.kv_lora_rank + model.qk_rope_head_dim) * KV_BYTES[kv]
    return 2 * model.num_layers * kv_heads_per_shard(model, tp) * model.head_dim * KV_BYTES[kv]


def expert_weight_bytes(model: ModelSpec, weights: str = "bf16") -> float:
    """Routed-expert weights of all MoE layers (0 for a dense model)."""
    if not model.is_moe:
        return 0.0
    return model.expert_layers * model.num_experts * model.expert_params * WEIGHT_BYTES[weights]


def weight_bytes_per_gpu(dep: Deployment) -> float:
    """TP: 1/tp of everything. EP: every GPU holds all non-expert weights and 1/tp of the experts.
    Qwen3-30B-A3B bf16 on 4 GPUs: 61.06 GB / 4 = 15.27 GB (TP) vs 3.08 GB + 57.98 GB / 4 = 17.58 GB (EP)."""
    total = weight_bytes(dep.model, dep.weights)
    if not dep.ep:
        return total / dep.tp
    experts = expert_weight_bytes(dep.model, dep.weights)
    return total - experts + experts / dep.tp


def workspace_bytes_per_gpu(dep: Deployment) -> float:
    """Peak activations of one prefill chunk plus fp32 logits (what vLLM's profiling run reserves)."""
    m, tokens = dep.model, min(dep.engine.max_batched_tokens, 8192)
    per_token = (2 * m.intermediate_size * m.experts_per_token + 4 * m.hidden_size) / dep.tp * 2
    logits = min(tokens, LOGITS_SEQS) * m.vocab_size * 4 / dep.tp
    return tokens * per_token + logits


def kv_budget_bytes_per_gpu(dep: Deployment) -> float:
    """HBM left for KV on each GPU at the engine's memory fraction; negative when weights don't fit.

    vLLM/SGLang: fraction x total - runtime - weights - workspace. TensorRT-LLM: fraction x (total -
    runtime - weights - workspace), its free_gpu_memory_fraction being of memory free after loading."""
    e = dep.engine
    rest = e.runtime_overhead_gib * 2**30 + weight_bytes_per_gpu(dep) + workspace_bytes_per_gpu(dep)
    if e.memory_fraction_of_free:
        free = dep.gpu.mem_bytes - rest
        return free * e.memory_fraction if free > 0 else free
    return dep.gpu.mem_bytes * e.memory_fraction - rest


def kv_capacity_tokens(dep: Deployment) -> int:
    """Tokens of KV cache the deployment holds (every shard holds the same tokens), whole blocks only."""
    budget = kv_budget_bytes_per_gpu(dep)
    if budget <= 0:
        need_gb = weight_bytes(dep.model, dep.weights) / 1e9
        have_gb = (dep.gpu.mem_bytes * dep.engine.memory_fraction * dep.tp) / 1e9
        raise DoesNotFitError(
            f"{dep.model.name} {dep.weights} weights need {need_gb:.1f} GB; {dep.tp} x {dep.gpu.name} give "
            f"{have_gb:.1f} GB at memory fraction {dep.engine.memory_fraction} before workspace; "
            f"raise --tp or use smaller --weights (fp8, int4)"
        )
    block = dep.engine.kv_block_tokens
    per_block = kv_bytes_per_token(dep.model, dep.kv, dep.dense_shards) * block
    # EP: each attention rank holds whole-head KV of its own sequences, so the replica holds tp x as many
    return int(budget // per_block) * block * dep.attention_ranks


def tokens_held(dep: Deployment, seq_tokens: int) -> int:
    """KV tokens one sequence of `seq_tokens` occupies, rounded up to whole blocks."""
    block = dep.engine.kv_block_tokens
    return math.ceil(seq_tokens / block) * block


def kv_capacity_seqs(dep: Deployment, max_seq_tokens: int) -> int:
    """Sequences of `max_seq_tokens` (prompt + output) whose KV fits at once."""
    return kv_capacity_tokens(dep) // tokens_held(dep, max_seq_tokens)
