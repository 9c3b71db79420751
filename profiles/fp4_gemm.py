"""Measured FP4 GEMM rate against the FP8 rate on the same GPU, where a kernel benchmark publishes both.

`Efficiency.fp4_gemm_scale` is the share of its FP4 datasheet peak an NVFP4/MXFP4 GEMM reaches, relative to
the share FP8 reaches of its own. The engines' 0.6 is fit on TensorRT-LLM's B200/GB200 tables; where a GPU's
own FP4 and FP8 GEMMs were measured side by side, the measurement is used instead. GPUs not listed take the
engine's value.
"""

from profiles.gpus import GpuSpec

# (FP4 TFLOP/s / FP4 dense peak) / (FP8 TFLOP/s / FP8 dense peak), at most 1.
FP4_GEMM_SCALE_MEASURED: dict[str, float] = {
    # RTX PRO 6000 Blackwell Server Edition, M = N = K = 8192, CuTeDSL block-scaled dense GEMMs (sm_120):
    # NVFP4 ~1629 TFLOP/s of 2000, MXFP8 ~802 of 1000 (github.com/NVIDIA/cutlass/pull/3272):
    # 0.8145 / 0.802 = 1.016, so FP4 reaches the full share FP8 does.
    "rtx-pro-6000": min(1.0, (1629 / 2000) / (802 / 1000)),
}


def fp4_gemm_scale(gpu: GpuSpec, fitted: float) -> float:
    """The GPU's measured FP4 GEMM scale, or `fitted` (the engine's) where none is listed."""
    return FP4_GEMM_SCALE_MEASURED.get(gpu.name, fitted)
