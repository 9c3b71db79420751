"""NCCL's own latency model for a ring all-reduce between GPUs that only PCIe connects.

On NVLink parts the engines reduce small messages with their own one-kernel all-reduces
(`Efficiency.allreduce_latency_s`, a few us). Without NVLink they fall back to NCCL: vLLM disables its
custom all-reduce "because it's not supported on more than two PCIe-only GPUs", since "for 4 or more
non NVLink-capable GPUs, custom allreduce provides little performance improvement over NCCL"
(vllm-project/vllm vllm/distributed/device_communicators/custom_all_reduce.py). A ring all-reduce over
n GPUs is 2 (n - 1) dependent steps, each paying a per-hop latency, and NCCL picks per message the
protocol with the lower modelled time (ncclTopoGetAlgoTime: latency + bytes / bandwidth). vLLM keeps its
custom kernel for exactly two PCIe GPUs; that case is priced as NCCL's too (8.6 us for a small message,
below vLLM's own 15 us). Whether TensorRT-LLM's custom all-reduce runs over PCIe is not established here;
its Llama-2-70B L40S rows move toward their measurements with it (bench/RESULTS.md 'Predict').

Numbers: NCCL's tuning table, NVIDIA/nccl src/graph/tuning.cc @ b647562 (the same PCI step latencies at 01afd20):
baseLat Ring {LL 6.6, LL128 14.0, Simple 8.4} us and hwLat PCI Ring {LL 1.0, LL128 2.5, Simple 5.7}
us per step; LL sends 8 B of data per 16 B flag line, modelled there as busBw x 1/4 for all-reduce;
LL128 is enabled only where the ring runs over NVLink (`typeIntra <= PATH_NVB`), so not over PCIe.
"""

from profiles.gpus import GpuSpec

RING_BASE_LATENCY_S = {"LL": 6.6e-6, "Simple": 8.4e-6}
PCIE_RING_STEP_LATENCY_S = {"LL": 1.0e-6, "Simple": 5.7e-6}
LL_BANDWIDTH_SHARE = 0.25  # of Simple's bus bandwidth


def pcie_only(gpu: GpuSpec, gpus: int = 2) -> bool:
    """True where `gpus` GPUs of this kind talk over PCIe (no NVLink / Infinity Fabric link, or more GPUs
    than one NVLink bridge set joins)."""
    return gpu.interconnect.startswith("PCIe") or gpu.beyond_nvlink(gpus)


def pcie_ring_allreduce_s(ranks: int, transfer_s: float) -> float:
    """Seconds of one NCCL ring all-reduce over PCIe on `ranks` GPUs whose data takes `transfer_s`
    at the Simple protocol's bandwidth: the faster of LL (low latency, 1/4 bandwidth) and Simple."""
    return pcie_ring_s(2 * (ranks - 1), transfer_s) if ranks > 1 else 0.0


def pcie_ring_gather_s(ranks: int, transfer_s: float) -> float:
    """Seconds of one NCCL ring all-gather or reduce-scatter over PCIe on `ranks` GPUs: n - 1 steps (NCCL's
    tuning model counts nRanks - 1 for both), each at the per-hop latency above."""
    return pcie_ring_s(ranks - 1, transfer_s) if ranks > 1 else 0.0


def pcie_ring_s(steps: int, transfer_s: float) -> float:
    """A ring of `steps` dependent PCIe hops moving data that takes `transfer_s` at Simple's bandwidth."""
    times = (
        RING_BASE_LATENCY_S[p] + steps * PCIE_RING_STEP_LATENCY_S[p] + transfer_s / share
        for p, share in (("LL", LL_BANDWIDTH_SHARE), ("Simple", 1.0))
    )
    return min(times)
