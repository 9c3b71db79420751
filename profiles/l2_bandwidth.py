"""Measured L2-cache read bandwidth per GPU, for kernels whose repeated reads are served from L2.

NVIDIA publishes no L2 bandwidth, so these are measurements: te42kyfo/gpu-benches (NHR@FAU),
`gpu-l2-cache`, the effective bandwidth of a read kernel over a data set that stays in L2, taken on
its plateau (the files gpu-l2-cache/<gpu>.txt @ 3088b33). GPUs not listed have no measurement here;
the terms that use this leave them alone.
"""

from profiles.gpus import GpuSpec

# TB/s (decimal), one GPU.
L2_TB_S: dict[str, float] = {
    "a100-80gb-sxm": 5.4,  # a100_80.txt: 5.34-5.47 TB/s from 2 to 26 MB
    "a100-40gb-sxm": 5.4,  # not measured: the same 108 SMs at 1410 MHz and 40 MB L2 as the 80 GB part
    "h200": 9.8,  # h200.txt: 9.7-10.2 TB/s from 7 to 40 MB
    "h100-sxm": 9.8,  # not measured: the same GH100 configuration as H200 (132 SMs, 50 MB L2, 1980 MHz)
    "l40s": 5.2,  # l40.txt (L40): 5.1-5.3 TB/s from 2 to 90 MB; L40S is the same AD102, 142 SMs, 96 MB
}


def l2_bytes_s(gpu: GpuSpec) -> float | None:
    """L2 read bandwidth in B/s, or None where no measurement is listed."""
    tb_s = L2_TB_S.get(gpu.name)
    return tb_s * 1e12 if tb_s else None
