"""A Hugging Face config.json read into a ModelSpec: the dense, MoE, Llama 4 and DeepSeek-V3 layouts."""

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


def from_hf_config(config: dict, name: str) -> ModelSpec:
    """Build a spec from a Hugging Face config.json (Llama, Mistral, Mixtral, Qwen2/3, Llama 4, DeepSeek-V3
    layouts; a multimodal config's `text_config`)."""
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
            source=name,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{name}: not a usable Hugging Face config.json ({exc!r} missing or invalid)") from exc
