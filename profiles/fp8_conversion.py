"""How fast a GPU's CUDA cores widen FP8 values to 16 bits, for kernels that do attention math on CUDA cores.

A decode kernel that is not a tensor-core kernel (masked multi-head attention, one thread block per query
head) has to convert every FP8 K/V element it reads before it can multiply: CUDA cores have no FP8
arithmetic. The conversion unit is narrow: "All other type conversions" run at 16 results per clock per
SM on compute capability 8.9 and 9.0 (CUDA C++ Programming Guide, "Throughput of Native Arithmetic
Instructions", docs.nvidia.com/cuda/cuda-c-programming-guide/#arithmetic-instructions; "Hopper has very
low throughput of conversion instructions", github.com/triton-lang/triton/pull/4563), and one
`cvt.rn.f16x2.e4m3x2` result holds two elements (PTX ISA, "cvt", FP8 -> f16x2 on sm_89+). So a GPU
converts 2 x 16 x SMs x clock FP8 elements per second.

SMs and boost clock: H100 SXM5 132 SMs at 1980 MHz (the GH100 configuration profiles/l2_bandwidth.py
uses; TechPowerUp GPU database, H100 SXM5 80 GB), H200 the same GH100 part; L40S 142 SMs (18,176 CUDA
cores / 128 per SM, L40S datasheet) at 2520 MHz (TechPowerUp GPU database, L40S). GPUs without FP8 or
without a listing here get no conversion term.
"""

from profiles.gpus import GpuSpec

CONVERSIONS_PER_CLOCK_PER_SM = 16  # "All other type conversions", compute capability 8.9 / 9.0
ELEMENTS_PER_CONVERSION = 2  # cvt.rn.f16x2.e4m3x2: two FP8 values -> one f16x2

# (SMs, boost clock Hz)
SMS_AND_CLOCK: dict[str, tuple[int, float]] = {
    "h100-sxm": (132, 1.98e9),
    "h200": (132, 1.98e9),  # the same GH100 configuration as H100 SXM
    "l40s": (142, 2.52e9),
}


def fp8_elements_s(gpu: GpuSpec) -> float | None:
    """FP8 elements per second the GPU's conversion units widen to 16 bits, or None where not listed."""
    if gpu.name not in SMS_AND_CLOCK or not gpu.peak_tflops_fp8:
        return None
    sms, clock_hz = SMS_AND_CLOCK[gpu.name]
    return ELEMENTS_PER_CONVERSION * CONVERSIONS_PER_CLOCK_PER_SM * sms * clock_hz
