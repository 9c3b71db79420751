"""Interconnect catalog: the links a disaggregated deployment moves KV cache over (prefill -> decode).

One number per link: the line rate ONE GPU has to the other pool, per direction, in decimal GB/s
(1e9 B/s; 400 Gb/s = 50 GB/s). A cluster of 8-GPU nodes gives each GPU its own NIC on the compute
fabric (DGX H100: eight single-port ConnectX-7 400 Gb/s; AWS p5: 3,200 Gb/s EFA per 8 GPUs), so a
TP-sharded replica moves its KV over `tp` links at once. NVLink numbers are the datasheet's
bidirectional per-GPU bandwidth halved: only prefill -> decode flows.

`achieved_fraction` is the share of line rate a KV transfer engine reaches on large transfers, from
Mooncake's Transfer Engine measurement (README "Superior performance at scale", kvcache-ai/Mooncake
commit 01b91d9): 40 GB moved at 87 GB/s over 4 x 200 Gb/s RoCE (100 GB/s line: 0.87) and at 190 GB/s
over 8 x 400 Gb/s RoCE (400 GB/s line: 0.475). NVLink's 0.8 is an assumption (no public KV-transfer
measurement), stated as such.
"""

from dataclasses import dataclass

from profiles.errors import CatalogError
from profiles.names import squash

_MOONCAKE = (
    "https://github.com/kvcache-ai/Mooncake/blob/01b91d9bddabae761570e588906c6c5530e2a147/README.md "
    "(Transfer Engine: 87 GB/s on 4x200 Gbps, 190 GB/s on 8x400 Gbps RoCE)"
)
_NV = "https://www.nvidia.com"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSpec:
    name: str
    gb_s_per_gpu: float  # line rate per GPU, one direction, decimal GB/s
    achieved_fraction: float  # of line rate, large KV transfers
    latency_us: float  # per transfer: RDMA round trip + the connector's handshake
    same_node: bool  # NVLink: both pools in one NVLink domain (same GPU type, same node)
    source: str
    fraction_source: str
    aliases: tuple[str, ...] = ()

    def bytes_s(self, lanes: int = 1) -> float:
        """Achievable B/s over `lanes` GPUs' links in parallel (a TP shard each)."""
        return self.gb_s_per_gpu * 1e9 * self.achieved_fraction * max(lanes, 1)


# Per-transfer latency: ~1-2 us RDMA verbs round trip plus the connector's request/notify messages;
# 100 us (0.1 ms) is a round, stated assumption that only matters for short prompts.
_RDMA_LATENCY_US = 100.0
_NVLINK_LATENCY_US = 20.0

LINKS: dict[str, LinkSpec] = {
    link.name: link
    for link in (
        LinkSpec(
            name="ib-ndr",
            gb_s_per_gpu=50.0,
            achieved_fraction=0.475,
            latency_us=_RDMA_LATENCY_US,
            same_node=False,
            source=f"{_NV}/en-us/networking/infiniband/connectx-7/ (ConnectX-7: 400 Gb/s NDR InfiniBand per port); "
            f"{_NV}/en-us/data-center/dgx-h100/ (DGX H100: 8x single-port ConnectX-7 for the compute fabric)",
            fraction_source=_MOONCAKE + ": 190 / 400 at 8x400 Gbps",
            aliases=("ndr", "infiniband", "ib", "ndr400"),
        ),
        LinkSpec(
            name="ib-hdr",
            gb_s_per_gpu=25.0,
            achieved_fraction=0.87,
            latency_us=_RDMA_LATENCY_US,
            same_node=False,
            source=f"{_NV}/en-us/networking/infiniband/connectx-6/ (ConnectX-6: 200 Gb/s HDR InfiniBand); "
            f"{_NV}/en-us/data-center/dgx-a100/ (DGX A100: 8x single-port ConnectX-6 200 Gb/s)",
            fraction_source=_MOONCAKE + ": 87 / 100 at 4x200 Gbps",
            aliases=("hdr", "hdr200"),
        ),
        LinkSpec(
            name="roce-400",
            gb_s_per_gpu=50.0,
            achieved_fraction=0.475,
            latency_us=_RDMA_LATENCY_US,
            same_node=False,
            source=f"{_NV}/en-us/networking/ethernet/connectx-7/ (ConnectX-7: 400 GbE)",
            fraction_source=_MOONCAKE + ": 190 / 400 at 8x400 Gbps RoCE",
            aliases=("roce400", "400gbe"),
        ),
        LinkSpec(
            name="roce-200",
            gb_s_per_gpu=25.0,
            achieved_fraction=0.87,
            latency_us=_RDMA_LATENCY_US,
            same_node=False,
            source=f"{_NV}/en-us/networking/ethernet/connectx-6-dx/ (ConnectX-6 Dx: 200 GbE)",
            fraction_source=_MOONCAKE + ": 87 / 100 at 4x200 Gbps RoCE",
            aliases=("roce200", "200gbe", "roce"),
        ),
        LinkSpec(
            name="efa-p5",
            gb_s_per_gpu=50.0,
            achieved_fraction=0.475,
            latency_us=_RDMA_LATENCY_US,
            same_node=False,
            source="https://aws.amazon.com/ec2/instance-types/p5/ (p5.48xlarge: 3,200 Gbps EFA per 8 H100 = 400 Gb/s)",
            fraction_source=_MOONCAKE + ": 190 / 400 at 8x400 Gbps (RoCE; EFA assumed alike)",
            aliases=("efa",),
        ),
        LinkSpec(
            name="nvlink-3",
            gb_s_per_gpu=300.0,
            achieved_fraction=0.8,
            latency_us=_NVLINK_LATENCY_US,
            same_node=True,
            source=f"{_NV}/en-us/data-center/a100/ (A100 SXM: NVLink 600 GB/s bidirectional per GPU, halved)",
            fraction_source="assumption: 0.8 of line rate",
            aliases=("nvlink3",),
        ),
        LinkSpec(
            name="nvlink-4",
            gb_s_per_gpu=450.0,
            achieved_fraction=0.8,
            latency_us=_NVLINK_LATENCY_US,
            same_node=True,
            source=f"{_NV}/en-us/data-center/h100/ (H100/H200 SXM: NVLink 900 GB/s bidirectional per GPU, halved)",
            fraction_source="assumption: 0.8 of line rate",
            aliases=("nvlink4", "nvlink"),
        ),
        LinkSpec(
            name="nvlink-5",
            gb_s_per_gpu=900.0,
            achieved_fraction=0.8,
            latency_us=_NVLINK_LATENCY_US,
            same_node=True,
            source=f"{_NV}/en-us/data-center/dgx-b200/ (B200: NVLink 1.8 TB/s bidirectional per GPU, halved)",
            fraction_source="assumption: 0.8 of line rate",
            aliases=("nvlink5",),
        ),
    )
}

# GPU catalog's `interconnect` field -> the NVLink generation a same-node split would use.
NVLINK_OF_INTERCONNECT = {"NVLink 3": "nvlink-3", "NVLink 4": "nvlink-4", "NVLink 5": "nvlink-5"}

_ALIASES: dict[str, str] = {squash(a): link.name for link in LINKS.values() for a in (link.name, *link.aliases)}


def get_link(name: str) -> LinkSpec:
    key = squash(name)
    if key in _ALIASES:
        return LINKS[_ALIASES[key]]
    raise CatalogError(f"unknown KV link {name!r}; known links: {', '.join(LINKS)}")
