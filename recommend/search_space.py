"""The candidate space: GPU x TP x weights dtype x KV dtype x max_num_seqs x max_num_batched_tokens.

max_model_len is fixed per window by coverage (recommend/model_len.py) and replicas are solved
per candidate (recommend/screen.py), so they are not enumerated here. Deployments (one StepModel
and KV capacity per GPU/TP/dtypes) are built once per run and shared by every window.
"""

from dataclasses import dataclass, field

from profiles import get_gpu, get_model
from recommend.deployment import WEIGHT_BYTES, deployment
from recommend.errors import DoesNotFitError, RecommendError
from recommend.memory import kv_capacity_tokens, weight_bytes
from recommend.roofline import StepModel

TP_CHOICES = (1, 2, 4, 8)
MAX_NUM_SEQS = (16, 32, 64, 128, 256, 512, 1024)  # vLLM default 256 (v1: 1024 on H100-class)
MAX_NUM_BATCHED_TOKENS = (1024, 2048, 4096, 8192, 16384)  # vLLM default 8192 (2048 before v1)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchSpace:
    gpus: tuple[str, ...] = ("h100-sxm",)
    max_gpus: int = 8  # per replica (TP degree cap)
    allow_quant: tuple[str, ...] = ("bf16", "fp8")  # weights/KV precisions allowed; int4/int8 only if listed
    max_num_seqs: tuple[int, ...] = MAX_NUM_SEQS
    max_num_batched_tokens: tuple[int, ...] = MAX_NUM_BATCHED_TOKENS
    prices: dict = field(default_factory=dict)  # gpu name -> USD per GPU-hour, overrides the catalog
    engine: str = "vllm"

    def __post_init__(self):
        unknown = [q for q in self.allow_quant if q not in WEIGHT_BYTES]
        if unknown:
            raise RecommendError(f"--allow-quant {','.join(unknown)}: unknown; use {', '.join(WEIGHT_BYTES)}")
        if not self.gpus:
            raise RecommendError("give at least one --gpu")
        if self.max_gpus < 1:
            raise RecommendError(f"--max-gpus must be >= 1, got {self.max_gpus}")

    @property
    def weight_dtypes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("bf16",) + tuple(q for q in self.allow_quant if q != "fp16")))

    @property
    def kv_dtypes(self) -> tuple[str, ...]:
        return tuple(q for q in ("bf16", "fp8") if q == "bf16" or q in self.allow_quant)

    def usd_per_gpu_hour(self, gpu: str) -> float:
        spec = get_gpu(gpu)
        return float(self.prices.get(spec.name, self.prices.get(gpu, spec.usd_per_hour)))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Deployed:
    """One GPU x TP x dtypes choice, resolved: its step model, KV capacity and price."""

    gpu: str
    tp: int
    weights: str
    kv: str
    step: StepModel | None  # None when the weights do not fit
    kv_capacity_tokens: int  # one replica, all ranks
    block_tokens: int
    usd_per_hour: float  # the whole replica (tp GPUs)
    weight_gb: float
    why_not: str | None = None  # DoesNotFitError message


def deployments(model: str, space: SearchSpace) -> list[Deployed]:
    spec = get_model(model)
    out = []
    for gpu in space.gpus:
        name = get_gpu(gpu).name
        for tp in (t for t in TP_CHOICES if t <= space.max_gpus and spec.num_heads % t == 0):
            for weights in space.weight_dtypes:
                for kv in space.kv_dtypes:
                    out.append(_deployed(model, name, tp, weights, kv, space))
    return out


def _deployed(model, gpu, tp, weights, kv, space) -> Deployed:
    dep = deployment(model=model, gpu=gpu, tp=tp, weights=weights, kv=kv, engine=space.engine)
    common = dict(
        gpu=gpu,
        tp=tp,
        weights=weights,
        kv=kv,
        block_tokens=dep.engine.kv_block_tokens,
        usd_per_hour=tp * space.usd_per_gpu_hour(gpu),
        weight_gb=weight_bytes(dep.model, weights) / 1e9,
    )
    try:
        capacity = kv_capacity_tokens(dep)
    except DoesNotFitError as exc:
        return Deployed(step=None, kv_capacity_tokens=0, why_not=str(exc), **common)
    return Deployed(step=StepModel(dep), kv_capacity_tokens=capacity, **common)


def knob_grid(space: SearchSpace) -> list[tuple[int, int]]:
    """(max_num_seqs, max_num_batched_tokens) pairs vLLM accepts (token budget >= seqs)."""
    return [(s, t) for s in space.max_num_seqs for t in space.max_num_batched_tokens if t >= s]
