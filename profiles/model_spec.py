"""One model's shapes, as in its Hugging Face config.json, and the parameter counts derived from them.

Parameter counts are derived from the shapes, so they are exactly what the checkpoint stores.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpec:
    name: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int  # per expert for MoE
    vocab_size: int
    mlp_projections: int = 3  # gated MLP (gate, up, down); 2 for a plain GELU MLP (GPT-J, Falcon)
    tied_embeddings: bool = False
    qkv_bias: bool = False
    num_experts: int = 1  # 1 = dense
    experts_per_token: int = 1
    shared_experts: int = 0  # experts every token also runs (DeepSeek-V3/Kimi-K2: 1)
    # MoE: layers with one dense MLP of dense_intermediate_size instead of experts (DeepSeek-V3's first 3;
    # Llama 4 Maverick every other one). Where they sit does not change what a step costs.
    dense_layers: int = 0
    dense_intermediate_size: int = 0
    # Multi-head latent attention (DeepSeek-V3 MLA): K/V cached as one kv_lora_rank latent plus a
    # qk_rope_head_dim rotary key per token and layer, shared by all heads; head_dim = nope + rope.
    kv_lora_rank: int = 0
    q_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    max_position_tokens: int = 4096
    # Llama 4's chunked attention (attention_chunk_size): 3 in 4 layers attend only within their 8192-token
    # chunk. Not modelled: every layer is priced as reading the whole context (`predict` says so past it).
    attention_chunk_tokens: int = 0
    # A checkpoint that keeps some linear layers in 16-bit whatever its weight dtype: Meta's FP8 Llama 3.1 405B
    # quantizes only the MLPs of the layers between the first and the last (its attention, those two layers'
    # MLPs and the embeddings stay bf16). Layers whose attention / MLP projections stay 16-bit:
    sixteen_bit_attention_layers: int = 0
    sixteen_bit_mlp_layers: int = 0
    source: str = ""
    hf_ids: tuple[str, ...] = ()

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 1

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def attention_params_per_layer(self) -> int:
        if self.is_mla:  # q (through its LoRA), kv_a (latent + rope key), kv_b (latent -> nope K and V), o
            h, heads, v = self.hidden_size, self.num_heads, self.v_head_dim
            q = (
                h * self.q_lora_rank + self.q_lora_rank * heads * self.head_dim
                if self.q_lora_rank
                else h * heads * self.head_dim
            )
            kv = h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank * heads * (
                self.head_dim - self.qk_rope_head_dim + v
            )
            return q + kv + heads * v * h
        q_out, kv_out = self.num_heads * self.head_dim, self.num_kv_heads * self.head_dim
        bias = (q_out + 2 * kv_out) if self.qkv_bias else 0
        return self.hidden_size * (q_out + 2 * kv_out) + q_out * self.hidden_size + bias

    @property
    def expert_params(self) -> int:
        """One MLP expert: gate, up and down projections (up and down for a plain MLP)."""
        return self.mlp_projections * self.hidden_size * self.intermediate_size

    @property
    def dense_mlp_params(self) -> int:
        """One dense layer's MLP (dense_intermediate_size wide) in a MoE model; 0 without dense layers."""
        return self.mlp_projections * self.hidden_size * self.dense_intermediate_size

    @property
    def routed_params(self) -> int:
        """The routed experts one token multiplies through, all expert layers (a dense model: its MLPs)."""
        return self.expert_layers * self.experts_per_token * self.expert_params

    @property
    def expert_layers(self) -> int:
        """Layers whose MLP is the expert block (a dense model's one MLP is its single expert)."""
        return self.num_layers - self.dense_layers

    @property
    def shared_params(self) -> int:
        """Block parameters every token multiplies through, all layers: attention, norms, routers, shared
        experts and the dense layers' MLPs (not the routed experts, not embeddings or lm_head)."""
        router = self.hidden_size * self.num_experts if self.is_moe else 0
        return (
            self.num_layers * (self.attention_params_per_layer + 2 * self.hidden_size)
            + self.expert_layers * (router + self.shared_experts * self.expert_params)
            + self.dense_layers * self.dense_mlp_params
        )

    @property
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    @property
    def lm_head_params(self) -> int:
        return 0 if self.tied_embeddings else self.vocab_size * self.hidden_size

    @property
    def linear_params(self) -> int:
        """Attention and MLP/expert weights of all layers: what a weight dtype quantizes (no embeddings,
        routers or norms). The dense layers hold one MLP of dense_intermediate_size instead of experts."""
        return (
            self.num_layers * self.attention_params_per_layer
            + self.dense_layers * self.dense_mlp_params
            + self.expert_layers * (self.num_experts + self.shared_experts) * self.expert_params
        )

    @property
    def sixteen_bit_attention_params(self) -> int:
        """Attention weights the checkpoint keeps in 16-bit under any weight dtype (0 for most)."""
        return self.sixteen_bit_attention_layers * self.attention_params_per_layer

    @property
    def sixteen_bit_mlp_params(self) -> int:
        """MLP weights the checkpoint keeps in 16-bit under any weight dtype (dense models only; 0 for most)."""
        if self.sixteen_bit_mlp_layers and self.is_moe:
            raise ValueError(f"{self.name}: 16-bit MLP layers are modelled for dense models only")
        return self.sixteen_bit_mlp_layers * self.expert_params

    @property
    def sixteen_bit_linear_params(self) -> int:
        """Linear-layer weights the checkpoint keeps in 16-bit under any weight dtype (0 for most)."""
        return self.sixteen_bit_attention_params + self.sixteen_bit_mlp_params

    @property
    def layer_params(self) -> int:
        """All transformer-block parameters (all experts)."""
        routers = self.expert_layers * self.hidden_size * self.num_experts if self.is_moe else 0
        return self.linear_params + routers + self.num_layers * 2 * self.hidden_size

    @property
    def total_params(self) -> int:
        return self.layer_params + self.embedding_params + self.lm_head_params + self.hidden_size

    @property
    def active_params(self) -> int:
        """Parameters one token multiplies through (MoE: only its routed experts)."""
        return self.shared_params + self.routed_params + self.vocab_size * self.hidden_size + self.hidden_size
