"""Model catalog: presets of the shapes the performance model needs, as in each model's config.json.

Presets are a dict of dataclasses (gpt-fast `transformer_configs`); any config.json path works too
(profiles/hf_config.py). The spec and its parameter counts: profiles/model_spec.py.
"""

import dataclasses
import json
from pathlib import Path

from profiles.errors import CatalogError
from profiles.hf_config import from_hf_config
from profiles.model_spec import ModelSpec
from profiles.names import squash


def _hf(repo: str) -> str:
    return f"https://huggingface.co/{repo}/blob/main/config.json"


def _llama(name, ids, h, layers, heads, kv, inter, vocab, ctx, head_dim=128, tied=False, **kw) -> ModelSpec:
    return ModelSpec(
        name=name,
        hidden_size=h,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=kv,
        head_dim=head_dim,
        intermediate_size=inter,
        vocab_size=vocab,
        tied_embeddings=tied,
        max_position_tokens=ctx,
        source=_hf(ids[0]),
        hf_ids=ids,
        **kw,
    )


MODELS: dict[str, ModelSpec] = {
    m.name: m
    for m in (
        _llama(
            "llama-2-7b",
            ("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"),
            4096,
            32,
            32,
            32,
            11008,
            32000,
            4096,
        ),
        _llama(
            "llama-2-13b",
            ("meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-13b-chat-hf"),
            5120,
            40,
            40,
            40,
            13824,
            32000,
            4096,
        ),
        _llama(
            "llama-2-70b",
            ("meta-llama/Llama-2-70b-hf", "meta-llama/Llama-2-70b-chat-hf"),
            8192,
            80,
            64,
            8,
            28672,
            32000,
            4096,
        ),
        _llama(
            "llama-3-8b",
            ("meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct"),
            4096,
            32,
            32,
            8,
            14336,
            128256,
            8192,
        ),
        _llama(
            "llama-3-70b",
            ("meta-llama/Meta-Llama-3-70B", "meta-llama/Meta-Llama-3-70B-Instruct"),
            8192,
            80,
            64,
            8,
            28672,
            128256,
            8192,
        ),
        _llama(
            "llama-3.1-8b",
            (
                "meta-llama/Llama-3.1-8B",
                "meta-llama/Llama-3.1-8B-Instruct",
                "meta-llama/Meta-Llama-3.1-8B",
                "meta-llama/Meta-Llama-3.1-8B-Instruct",
            ),
            4096,
            32,
            32,
            8,
            14336,
            128256,
            131072,
        ),
        _llama(
            "llama-3.1-70b",
            (
                "meta-llama/Llama-3.1-70B",
                "meta-llama/Llama-3.1-70B-Instruct",
                "meta-llama/Meta-Llama-3.1-70B",
                "meta-llama/Meta-Llama-3.1-70B-Instruct",
                "meta-llama/Llama-3.3-70B-Instruct",
                "nvidia/Llama-3.3-70B-Instruct-FP8",
                "llama-3.3-70b",  # same shapes as 3.1-70B
            ),
            8192,
            80,
            64,
            8,
            28672,
            128256,
            131072,
        ),
        _llama(
            "llama-3.1-405b",
            (
                "meta-llama/Llama-3.1-405B",
                "meta-llama/Llama-3.1-405B-Instruct",
                "meta-llama/Meta-Llama-3.1-405B",
                "meta-llama/Meta-Llama-3.1-405B-Instruct",
                "amd/Llama-3.1-405B-Instruct-FP8-KV",  # Quark: every linear layer FP8 (and the KV cache)
            ),
            16384,
            126,
            128,
            8,
            53248,
            128256,
            131072,
        ),
        _llama(
            "llama-3.2-1b",
            ("meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B-Instruct"),
            2048,
            16,
            32,
            8,
            8192,
            128256,
            131072,
            head_dim=64,
            tied=True,
        ),
        _llama(
            "llama-3.2-3b",
            ("meta-llama/Llama-3.2-3B", "meta-llama/Llama-3.2-3B-Instruct"),
            3072,
            28,
            24,
            8,
            8192,
            128256,
            131072,
            tied=True,
        ),
        _llama(
            "mistral-7b",
            ("mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-Instruct-v0.2"),
            4096,
            32,
            32,
            8,
            14336,
            32000,
            32768,
        ),
        _llama(
            "mixtral-8x7b",
            ("mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
            4096,
            32,
            32,
            8,
            14336,
            32000,
            32768,
            num_experts=8,
            experts_per_token=2,
        ),
        _llama(
            "mixtral-8x22b",
            ("mistralai/Mixtral-8x22B-Instruct-v0.1", "mistralai/Mixtral-8x22B-v0.1"),
            6144,
            56,
            48,
            8,
            16384,
            32768,
            65536,
            num_experts=8,
            experts_per_token=2,
        ),
        _llama(
            "qwen2-7b",
            ("Qwen/Qwen2-7B", "Qwen/Qwen2-7B-Instruct"),
            3584,
            28,
            28,
            4,
            18944,
            152064,
            32768,
            qkv_bias=True,
        ),
        _llama(
            "qwen2-72b",
            ("Qwen/Qwen2-72B", "Qwen/Qwen2-72B-Instruct"),
            8192,
            80,
            64,
            8,
            29568,
            152064,
            32768,
            qkv_bias=True,
        ),
        _llama(
            "qwen2.5-3b",
            ("Qwen/Qwen2.5-3B", "Qwen/Qwen2.5-3B-Instruct"),
            2048,
            36,
            16,
            2,
            11008,
            151936,
            32768,
            qkv_bias=True,
            tied=True,
        ),
        _llama(
            "qwen2.5-7b",
            ("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct"),
            3584,
            28,
            28,
            4,
            18944,
            152064,
            32768,
            qkv_bias=True,
        ),
        _llama(
            "qwen2.5-72b",
            ("Qwen/Qwen2.5-72B", "Qwen/Qwen2.5-72B-Instruct"),
            8192,
            80,
            64,
            8,
            29568,
            152064,
            32768,
            qkv_bias=True,
        ),
        _llama("qwen3-32b", ("Qwen/Qwen3-32B",), 5120, 64, 64, 8, 25600, 151936, 40960),
        # MoE models people deploy now (shapes from each config.json). DeepSeek-V3/R1 and Kimi-K2: MLA, one
        # shared expert, first layers dense; their dense MLP (18432) equals 8 routed + 1 shared x 2048 active.
        ModelSpec(
            name="deepseek-v3",
            hidden_size=7168,
            num_layers=61,
            num_heads=128,
            num_kv_heads=1,
            head_dim=192,
            intermediate_size=2048,
            vocab_size=129280,
            num_experts=256,
            experts_per_token=8,
            shared_experts=1,
            dense_layers=3,
            dense_intermediate_size=18432,
            kv_lora_rank=512,
            q_lora_rank=1536,
            qk_rope_head_dim=64,
            v_head_dim=128,
            max_position_tokens=163840,
            source=_hf("deepseek-ai/DeepSeek-V3"),
            hf_ids=(
                "deepseek-ai/DeepSeek-V3",
                "deepseek-ai/DeepSeek-R1",
                "deepseek-ai/DeepSeek-V3-0324",
                "deepseek-ai/DeepSeek-R1-0528",
                "nvidia/DeepSeek-R1-FP4",
                "deepseek-r1",
            ),
        ),
        ModelSpec(
            name="kimi-k2",
            hidden_size=7168,
            num_layers=61,
            num_heads=64,
            num_kv_heads=1,
            head_dim=192,
            intermediate_size=2048,
            vocab_size=163840,
            num_experts=384,
            experts_per_token=8,
            shared_experts=1,
            dense_layers=1,
            dense_intermediate_size=18432,
            kv_lora_rank=512,
            q_lora_rank=1536,
            qk_rope_head_dim=64,
            v_head_dim=128,
            max_position_tokens=131072,
            source=_hf("moonshotai/Kimi-K2-Instruct"),
            hf_ids=(
                "moonshotai/Kimi-K2-Instruct",
                "moonshotai/Kimi-K2-Base",
                "moonshotai/Kimi-K2-Instruct-0905",
                "moonshotai/Kimi-K2-Thinking",
            ),
        ),
        _llama(
            "qwen3-30b-a3b",
            ("Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-30B-A3B-Instruct-2507"),
            2048,
            48,
            32,
            4,
            768,
            151936,
            40960,
            num_experts=128,
            experts_per_token=8,
        ),
        _llama(
            "qwen3-235b-a22b",
            ("Qwen/Qwen3-235B-A22B", "Qwen/Qwen3-235B-A22B-Instruct-2507"),
            4096,
            94,
            64,
            4,
            1536,
            151936,
            40960,
            num_experts=128,
            experts_per_token=8,
        ),
        _llama(
            "minimax-m2",
            ("MiniMaxAI/MiniMax-M2",),
            3072,
            62,
            48,
            8,
            1536,
            200064,
            196608,
            num_experts=256,
            experts_per_token=8,
        ),
        _llama(
            "gpt-oss-120b",
            ("openai/gpt-oss-120b",),
            2880,
            36,
            64,
            8,
            2880,
            201088,
            131072,
            head_dim=64,
            qkv_bias=True,
            num_experts=128,
            experts_per_token=4,
        ),
        _llama(
            "gpt-oss-20b",
            ("openai/gpt-oss-20b",),
            2880,
            24,
            64,
            8,
            2880,
            201088,
            131072,
            head_dim=64,
            qkv_bias=True,
            num_experts=32,
            experts_per_token=4,
        ),
        # Llama 4: one shared expert plus top-1 of the routed ones (intermediate_size 8192 each). Scout routes
        # in all 48 layers; Maverick in every other one (interleave_moe_layer_step 2), the other 24 holding a
        # dense MLP of intermediate_size_mlp 16384 (also in NVIDIA/TensorRT-LLM@b35ac1b tests/unittest/_torch/
        # modeling/test_modeling_llama_min_latency.py). Text model: 107.8B (Scout) and 400.7B (Maverick) in
        # all, 16.1B active per token (17.2B with the input embedding table): Meta's 109B / 400B and 17B.
        # Not modelled: the chunked attention (8192 tokens) of 3 in 4 layers, so past 8K context a step
        # reads less K/V than priced.
        _llama(
            "llama-4-scout",
            ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "meta-llama/Llama-4-Scout-17B-16E"),
            5120,
            48,
            40,
            8,
            8192,
            202048,
            10485760,
            num_experts=16,
            experts_per_token=1,
            shared_experts=1,
            attention_chunk_tokens=8192,
        ),
        _llama(
            "llama-4-maverick",
            (
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
                "nvidia/Llama-4-Maverick-17B-128E-Instruct-FP8",
                "meta-llama/Llama-4-Maverick-17B-128E",
            ),
            5120,
            48,
            40,
            8,
            8192,
            202048,
            1048576,
            num_experts=128,
            experts_per_token=1,
            shared_experts=1,
            attention_chunk_tokens=8192,
            dense_layers=24,
            dense_intermediate_size=16384,
        ),
        # Plain GELU MLPs (4 x hidden, up + down) with parallel attention; shapes also in TensorRT-LLM
        # v0.9.0 docs/source/performance.md's ckpt_config.json listings.
        _llama(
            "gpt-j-6b", ("EleutherAI/gpt-j-6b",), 4096, 28, 16, 16, 16384, 50400, 2048, head_dim=256, mlp_projections=2
        ),
        _llama(
            "falcon-180b",
            ("tiiuae/falcon-180B", "tiiuae/falcon-180B-chat"),
            14848,
            80,
            232,
            8,
            59392,
            65024,
            2048,
            head_dim=64,
            tied=True,
            mlp_projections=2,
        ),
    )
}

# Meta's own FP8 checkpoints quantize "most parameters and activations in the feedforward network layers", not
# "the self-attention layers", and not "the first and last Transformer layers" (The Llama 3 Herd of Models,
# arXiv:2407.21783, sec. 6.2): 126 layers' attention and 2 layers' MLPs stay bf16. vLLM loads 56.7677 GB (GiB) of
# it a GPU at TP8 (github.com/dstackai/benchmarks @ 06c957a, comparison/h100sxm5_vs_mi300x/raw_data/
# gpu-usage.md); this spec gives 56.71 GiB, all-linear FP8 would be 47.74.
_META_FP8_IDS = (
    "meta-llama/Llama-3.1-405B-FP8",
    "meta-llama/Llama-3.1-405B-Instruct-FP8",
    "meta-llama/Meta-Llama-3.1-405B-Instruct-FP8",
)
MODELS["llama-3.1-405b-fp8-meta"] = dataclasses.replace(
    MODELS["llama-3.1-405b"],
    name="llama-3.1-405b-fp8-meta",
    hf_ids=_META_FP8_IDS,
    source=_hf(_META_FP8_IDS[0]),
    sixteen_bit_attention_layers=126,
    sixteen_bit_mlp_layers=2,
)

_ALIASES: dict[str, str] = {}
for _m in MODELS.values():
    for _alias in (_m.name, *_m.hf_ids, *(i.split("/")[-1] for i in _m.hf_ids)):
        _ALIASES.setdefault(squash(_alias), _m.name)


def get_model(name: str) -> ModelSpec:
    """Resolve a catalog name, a Hugging Face id ("Qwen/Qwen2-7B") or a path to a config.json."""
    key = squash(name)
    if key in _ALIASES:
        return MODELS[_ALIASES[key]]
    path = Path(name)
    if path.is_dir():
        path = path / "config.json"
    if path.suffix == ".json" and path.is_file():
        try:
            return from_hf_config(json.loads(path.read_text()), str(path))
        except (OSError, json.JSONDecodeError) as exc:
            raise CatalogError(f"cannot read {path}: {exc}") from exc
    raise CatalogError(f"unknown model {name!r}; give a config.json path or one of: {', '.join(MODELS)}")
