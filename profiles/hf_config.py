"""A Hugging Face config.json read into a ModelSpec: the dense, MoE, Llama 4 and DeepSeek-V3 layouts, and the
layers a quantized checkpoint keeps in 16-bit."""

import re

from profiles.errors import CatalogError
from profiles.model_spec import ModelSpec


def _moe_layout(config: dict, layers: int, experts: int) -> dict:
    """Shared experts and dense layers of a MoE config.json: Llama 4 (one shared expert; routed every
    interleave_moe_layer_step-th layer, the rest a dense MLP of intermediate_size_mlp) and DeepSeek-style
    (n_shared_experts; the first first_k_dense_replace layers dense, intermediate_size wide)."""
    if experts <= 1:
        return {}
    if str(config.get("model_type", "")).startswith("llama4"):
        moe = config.get("moe_layers")
        step = int(config.get("interleave_moe_layer_step") or 1)
        routed = len(moe) if isinstance(moe, list) else layers // step
        return dict(
            shared_experts=1,
            dense_layers=layers - routed,
            dense_intermediate_size=int(config.get("intermediate_size_mlp") or 0),
        )
    dense = int(config.get("first_k_dense_replace") or 0)
    return dict(
        shared_experts=int(config.get("n_shared_experts") or 0),
        dense_layers=dense,
        dense_intermediate_size=int(config["intermediate_size"]) if dense else 0,
    )


def _attention_layout(config: dict, heads: int, hidden: int) -> dict:
    """KV heads and head size; MLA (DeepSeek-V3, Kimi-K2: kv_lora_rank) caches one latent shared by every
    head, and its head_dim is the nope plus the rope part, as the catalog entries have it."""
    rank = int(config.get("kv_lora_rank") or 0)
    if not rank:
        return dict(
            num_kv_heads=int(config.get("num_key_value_heads") or heads),
            head_dim=int(config.get("head_dim") or hidden // heads),
        )
    rope = int(config["qk_rope_head_dim"])
    return dict(
        num_kv_heads=1,
        head_dim=int(config["qk_nope_head_dim"]) + rope,
        kv_lora_rank=rank,
        q_lora_rank=int(config.get("q_lora_rank") or 0),
        qk_rope_head_dim=rope,
        v_head_dim=int(config["v_head_dim"]),
    )


# Where a checkpoint's quantization_config lists the modules it leaves unquantized: fbgemm_fp8, AWQ, bitsandbytes,
# MXFP4 `modules_to_not_convert`; compressed-tensors `ignore`; vLLM's fp8 `ignored_layers`; Quark `exclude`.
UNQUANTIZED_KEYS = ("modules_to_not_convert", "ignore", "ignored_layers", "exclude")
_LAYER_MODULE = re.compile(r"layers\.(\d+)\.(self_attn|mlp)\b")


def _sixteen_bit_layers(quant: dict, layers: int, moe: bool) -> dict:
    """Layers whose attention / MLP projections the checkpoint's quantization_config leaves in 16-bit: a layer
    counts once any of its projections is listed by name ("model.layers.0.self_attn.q_proj"). Patterns ("re:...")
    and lm_head / embeddings entries are not counted (those stay 16-bit anyway); a MoE's MLP entries (routers)
    neither."""
    names = [n for key in UNQUANTIZED_KEYS for n in (quant.get(key) or []) if isinstance(n, str)]
    found = {"self_attn": set(), "mlp": set()}
    for n in names:
        if not n.startswith("re:") and (m := _LAYER_MODULE.search(n)) and int(m[1]) < layers:
            found[m[2]].add(int(m[1]))
    return dict(
        sixteen_bit_attention_layers=len(found["self_attn"]),
        sixteen_bit_mlp_layers=0 if moe else len(found["mlp"]),
    )


def from_hf_config(config: dict, name: str) -> ModelSpec:
    """Build a spec from a Hugging Face config.json (Llama, Mistral, Mixtral, Qwen2/3, Llama 4, DeepSeek-V3
    layouts; a multimodal config's `text_config`)."""
    quant = config.get("quantization_config") or {}
    config = config.get("text_config") or config
    try:
        heads = int(config["num_attention_heads"])
        hidden = int(config["hidden_size"])
        layers = int(config["num_hidden_layers"])
        experts = int(
            config.get("num_local_experts") or config.get("num_experts") or config.get("n_routed_experts") or 1
        )
        return ModelSpec(
            name=name,
            hidden_size=hidden,
            num_layers=layers,
            num_heads=heads,
            **_attention_layout(config, heads, hidden),
            intermediate_size=int(config.get("moe_intermediate_size") or config["intermediate_size"]),
            vocab_size=int(config["vocab_size"]),
            tied_embeddings=bool(config.get("tie_word_embeddings", False)),
            qkv_bias=bool(config.get("attention_bias", config.get("model_type") == "qwen2")),
            num_experts=experts,
            experts_per_token=int(config.get("num_experts_per_tok") or 1),
            **_moe_layout(config, layers, experts),
            max_position_tokens=int(config.get("max_position_embeddings") or 4096),
            attention_chunk_tokens=int(config.get("attention_chunk_size") or 0),
            **_sixteen_bit_layers(quant if isinstance(quant, dict) else {}, layers, experts > 1),
            source=name,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{name}: not a usable Hugging Face config.json ({exc!r} missing or invalid)") from exc
