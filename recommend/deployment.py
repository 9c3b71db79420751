"""A deployment: one model on `tp` GPUs of one kind, with weight/KV dtypes and an engine."""

from dataclasses import dataclass

from profiles import Engine, GpuSpec, ModelSpec, get_engine, get_gpu, get_model
from recommend.errors import RecommendError

# Bytes per stored weight. int4 (AWQ/GPTQ, group_size=128) adds one fp16 scale and one 4-bit zero
# point per group: 0.5 + (2 + 0.5) / 128 = 0.51953125 B/param.
# NVFP4: 4-bit E2M1 plus one FP8 E4M3 scale per 16 values (developer.nvidia.com/blog/introducing-nvfp4-for-
# efficient-and-accurate-low-precision-inference): 0.5 + 1/16 = 0.5625 B. MXFP4: 4-bit E2M1 plus one E8M0
# scale per 32 (OCP Microscaling Formats spec v1.0): 0.5 + 1/32 = 0.53125 B.
WEIGHT_BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5 + 2.5 / 128,
                "nvfp4": 0.5 + 1 / 16, "mxfp4": 0.5 + 1 / 32}
KV_BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    model: ModelSpec
    gpu: GpuSpec
    engine: Engine
    tp: int = 1
    weights: str = "bf16"
    kv: str = "bf16"

    def __post_init__(self):
        if self.tp < 1:
            raise RecommendError(f"tp must be >= 1, got {self.tp}")
        if self.weights not in WEIGHT_BYTES:
            raise RecommendError(f"unknown weights dtype {self.weights!r}; use one of {', '.join(WEIGHT_BYTES)}")
        if self.kv not in KV_BYTES:
            raise RecommendError(f"unknown kv dtype {self.kv!r}; use one of {', '.join(KV_BYTES)}")

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


def deployment(*, model: str, gpu: str, tp: int = 1, weights: str = "bf16", kv: str = "bf16",
               engine: str = "vllm") -> Deployment:
    """Resolve catalog names into a Deployment."""
    return Deployment(model=get_model(model), gpu=get_gpu(gpu), engine=get_engine(engine), tp=int(tp),
                      weights=weights.lower(), kv=kv.lower())
