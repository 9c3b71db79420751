"""How fast a GPU's CUDA cores widen FP8 values to 16 bits, for kernels that do attention math on CUDA cores.

A decode kernel that is not a tensor-core kernel (masked multi-head attention, one thread block per query
head) has to convert every FP8 K/V element it reads before it can multiply: CUDA cores have no FP8
arithmetic. The conversion unit is narrow: "All other type conversions" run at 16 results per clock per
SM on compute capability 8.9 and 9.0 (CUDA C++ Programming Guide, "Throughput of Native Arithmetic
Instructions", docs.nvidia.com/cuda/cuda-c-programming-guide/#arithmetic-instructions; "Hopper has very
low throughput of conversion instructions", github.com/triton-lang/triton/pull/4563), and one
`cvt.rn.f16x2.e4m3x2` result holds two elements (PTX ISA, "cvt", FP8 -> f16x2 on sm_89+).

So a GPU converts 2 x 16 x SMs x clock elements per second. The clock is the one the catalog's datasheet
BF16 peak implies (peak = SMs x dense BF16 FLOP per clock per SM x clock), so the SM count cancels:
rate = 2 x 16 / (FLOP per clock per SM) x peak. Dense BF16 FLOP per clock per SM: A100 1024 FMA = 2048
(312 TFLOP/s = 108 SMs x 2048 x 1.41 GHz, A100 whitepaper), Hopper twice that per SM clock for clock
("2x the MMA rates of the A100 SM", H100 whitepaper) = 4096, so 989.5 TFLOP/s is 132 SMs at 1.83 GHz;
Ada 1024 (RTX 6000 Ada / L40S: 142 SMs, 364.2 TFLOP/s at 2.505 GHz, Ada whitepaper), so L40S's 362.05
TFLOP/s is 2.49 GHz. GPUs without FP8 or not listed get no conversion term.
"""

from profiles.gpus import GpuSpec

CONVERSIONS_PER_CLOCK_PER_SM = 16  # "All other type conversions", compute capability 8.9 / 9.0
ELEMENTS_PER_CONVERSION = 2  # cvt.rn.f16x2.e4m3x2: two FP8 values -> one f16x2

BF16_FLOP_PER_CLOCK_PER_SM: dict[str, int] = {"h100-sxm": 4096, "h200": 4096, "l40s": 1024}


def fp8_elements_s(gpu: GpuSpec) -> float | None:
    """FP8 elements per second the GPU's conversion units widen to 16 bits, or None where not listed."""
    flop_per_clock = BF16_FLOP_PER_CLOCK_PER_SM.get(gpu.name)
    if flop_per_clock is None or not gpu.peak_tflops_fp8:
        return None
    clock_sm_s = gpu.peak_tflops_bf16 * 1e12 / flop_per_clock  # SMs x clock, from the datasheet peak
    return ELEMENTS_PER_CONVERSION * CONVERSIONS_PER_CLOCK_PER_SM * clock_sm_s
