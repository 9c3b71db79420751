"""A deployment: one model on `tp` GPUs of one kind, with weight/KV dtypes and an engine."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from profiles import Engine, GpuSpec, ModelSpec, get_engine, get_gpu, get_model
from recommend.errors import RecommendError

# Bytes per stored weight. int4 (AWQ/GPTQ, group_size=128) adds one fp16 scale and one 4-bit zero
# point per group: 0.5 + (2 + 0.5) / 128 = 0.51953125 B/param.
# NVFP4: 4-bit E2M1 plus one FP8 E4M3 scale per 16 values (developer.nvidia.com/blog/introducing-nvfp4-for-
# efficient-and-accurate-low-precision-inference): 0.5 + 1/16 = 0.5625 B. MXFP4: 4-bit E2M1 plus one E8M0
# scale per 32 (OCP Microscaling Formats spec v1.0): 0.5 + 1/32 = 0.53125 B.
WEIGHT_BYTES = {
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5 + 2.5 / 128,
    "nvfp4": 0.5 + 1 / 16,
    "mxfp4": 0.5 + 1 / 32,
}
KV_BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    model: ModelSpec
    gpu: GpuSpec
    engine: Engine
    tp: int = 1
    weights: str = "bf16"
    kv: str = "bf16"
    # Expert parallelism over the same `tp` GPUs (MoE only): attention runs data-parallel (each GPU holds
    # all attention/dense weights and the KV of its own 1/tp of the sequences), each GPU holds 1/tp of the
    # experts whole, and tokens reach their experts by an all-gather + reduce-scatter (or, where the engine has
    # one over NVLink, an all-to-all of routed copies; recommend/roofline.py) instead of TP all-reduces:
    # vLLM `--data-parallel-size N --enable-expert-parallel`, SGLang `--enable-dp-attention --ep-size N`,
    # TensorRT-LLM `enable_attention_dp` + `moe_expert_parallel_size`.
    ep: bool = False

    def __post_init__(self):
        if self.tp < 1:
            raise RecommendError(f"tp must be >= 1, got {self.tp}")
        if self.weights not in WEIGHT_BYTES:
            raise RecommendError(f"unknown weights dtype {self.weights!r}; use one of {', '.join(WEIGHT_BYTES)}")
        if self.kv not in KV_BYTES:
            raise RecommendError(f"unknown kv dtype {self.kv!r}; use one of {', '.join(KV_BYTES)}")
        if self.ep and not self.model.is_moe:
            raise RecommendError(f"--ep needs a mixture-of-experts model; {self.model.name} is dense")

    @property
    def attention_ranks(self) -> int:
        """GPUs that each run attention on their own share of the sequences (data-parallel under EP)."""
        return self.tp if self.ep else 1

    @property
    def dense_shards(self) -> int:
        """Ways attention and other non-expert weights are split (tensor-parallel, or 1 under EP)."""
        return 1 if self.ep else self.tp

    @property
    def weight_bytes_per_param(self) -> float:
        return WEIGHT_BYTES[self.weights]

    @property
    def kv_bytes_per_value(self) -> float:
        return KV_BYTES[self.kv]

    @property
    def gemm_peak_flop_s(self) -> float:
        """Dense FLOP/s of one GPU in the GEMMs' math dtype (fp8 on A100 falls back to bf16 math)."""
        return self.gpu.peak_tflops(self.weights) * 1e12

    @property
    def attention_peak_flop_s(self) -> float:
        return self.gpu.peak_tflops_bf16 * 1e12

    @property
    def hbm_bytes_s(self) -> float:
        return self.gpu.hbm_tb_s * 1e12

    def with_engine_from(self, engines: Mapping[str, Engine] | None) -> "Deployment":
        """This deployment on `engines`' engine of its engine's name, where there is one (what refits try)."""
        if engines and self.engine.name in engines:
            return dataclasses.replace(self, engine=engines[self.engine.name])
        return self


def deployment(
    *,
    model: str,
    gpu: str,
    tp: int = 1,
    weights: str = "bf16",
    kv: str = "bf16",
    engine: str = "vllm",
    ep: bool = False,
) -> Deployment:
    """Resolve catalog names into a Deployment."""
    return Deployment(
        model=get_model(model),
        gpu=get_gpu(gpu),
        engine=get_engine(engine),
        tp=int(tp),
        weights=weights.lower(),
        kv=kv.lower(),
        ep=bool(ep),
    )
