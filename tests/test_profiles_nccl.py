import pytest

from profiles import get_gpu
from profiles.nccl import pcie_only, pcie_ring_allreduce_s, pcie_ring_gather_s
from recommend.deployment import deployment
from recommend.roofline import StepModel


def test_small_message_rides_ll_and_large_one_simple():
    # 8 GPUs: 2 x 7 = 14 ring steps. No data: LL 6.6 + 14 x 1.0 = 20.6 us (Simple would be 8.4 + 14 x 5.7
    # = 88.2 us). 100 us of data at Simple's bandwidth: LL 20.6 + 4 x 100 = 420.6 us, Simple 88.2 + 100 =
    # 188.2 us, so Simple.
    assert pcie_ring_allreduce_s(8, 0.0) == pytest.approx(20.6e-6, rel=1e-12)
    assert pcie_ring_allreduce_s(8, 100e-6) == pytest.approx(188.2e-6, rel=1e-12)
    # 2 GPUs, 2 steps: LL 6.6 + 2 x 1.0 = 8.6 us; one GPU reduces nothing
    assert pcie_ring_allreduce_s(2, 0.0) == pytest.approx(8.6e-6, rel=1e-12)
    assert pcie_ring_allreduce_s(1, 1.0) == 0.0


def test_gather_and_scatter_rings_take_half_the_steps():
    # An all-gather or reduce-scatter over 8 GPUs is 7 ring steps (NCCL counts nRanks - 1): no data, LL
    # 6.6 + 7 x 1.0 = 13.6 us; 100 us of data, Simple 8.4 + 7 x 5.7 + 100 = 148.3 us (LL: 13.6 + 400).
    assert pcie_ring_gather_s(8, 0.0) == pytest.approx(13.6e-6, rel=1e-12)
    assert pcie_ring_gather_s(8, 100e-6) == pytest.approx(148.3e-6, rel=1e-12)
    assert pcie_ring_gather_s(1, 1.0) == 0.0


def test_only_pcie_parts_take_nccl_latency():
    assert pcie_only(get_gpu("l40s")) and not pcie_only(get_gpu("h100")) and not pcie_only(get_gpu("mi300x"))


def test_pcie_step_pays_nccl_ring_time_per_allreduce():
    # Llama-2-70B TP8 on L40S, one decode token: 80 layers x 2 all-reduces of 8192 x 2 B. Its data moves
    # 2 x 7/8 x 16,384 B = 28,672 B per GPU over 64 GB/s / 2 x 0.7 = 22.4 GB/s: 1.28 us, so LL:
    # 20.6 + 4 x 1.28 = 25.72 us each, 160 x 25.72 us = 4.1152 ms (NVLink parts: 160 x (latency + 1.28 us)).
    step = StepModel(deployment(model="llama-2-70b", gpu="l40s", tp=8, weights="fp8")).step(0, 0, 1, 1000)
    assert step.communication_s == pytest.approx(160 * (20.6e-6 + 4 * 28_672 / 22.4e9), rel=1e-9)


def test_h100_nvl_groups_past_a_bridged_pair_talk_over_pcie():
    # The NVL's NVLink bridges join pairs: TP2 all-reduces ride NVLink (600 GB/s), TP4 and TP8 cross PCIe Gen5
    # (128 GB/s) and pay NCCL's PCIe ring latency, exactly as H100 PCIe boards do.
    nvl = get_gpu("h100-nvl")
    assert (nvl.link_gb_s(2), nvl.link_gb_s(4), nvl.link_gb_s(8)) == (600.0, 128.0, 128.0)
    assert not pcie_only(nvl, 2) and pcie_only(nvl, 4) and pcie_only(nvl, 8)
    assert get_gpu("h100").link_gb_s(8) == 900.0 and not get_gpu("h100").beyond_nvlink(8)

    def comm(gpu, tp):
        return StepModel(deployment(model="llama-2-70b", gpu=gpu, tp=tp, weights="fp8")).step(0, 0, 64, 64_000)

    assert comm("h100-nvl", 4).communication_s == pytest.approx(comm("h100-pcie", 4).communication_s, rel=1e-12)
    # TP2 on the bridge: 160 all-reduces of 64 x 8192 x 2 B; each GPU moves 2 x 1/2 of it = 1,048,576 B over
    # 600 GB/s / 2 x 0.7 = 210 GB/s: 4.993 us, plus the engine's per-all-reduce latency (vLLM: 15 us)
    assert comm("h100-nvl", 2).communication_s == pytest.approx(160 * (15e-6 + 1_048_576 / 210e9), rel=1e-9)
