"""GPU catalog: memory, bandwidth, dense peak FLOP/s, interconnect and a default price per GPU.

Every number is the vendor datasheet value for ONE GPU, dense (no 2:4 sparsity), decimal SI:
TB/s = 1e12 B/s, TFLOP/s = 1e12 FLOP/s, GB/s = 1e9 B/s. `mem_gib` is the capacity the vendor
sells as "N GB" of HBM (binary GiB on HBM parts; GDDR parts give what nvidia-smi reports).
`interconnect_gb_s` is the per-GPU bidirectional NVLink / Infinity Fabric bandwidth, or the PCIe
x16 bidirectional bandwidth on parts without a GPU-to-GPU link. Where NVLink bridges join only a few
boards (`nvlink_gpus`), a tensor-parallel group larger than that talks over PCIe (`pcie_gb_s`). Prices are rough on-demand
cloud list prices per GPU-hour to get a cost estimate going; users override them.
"""

from dataclasses import dataclass

from profiles.errors import CatalogError
from profiles.names import squash


@dataclass(frozen=True, slots=True, kw_only=True)
class GpuSpec:
    name: str
    mem_gib: float
    hbm_tb_s: float
    peak_tflops_bf16: float
    peak_tflops_fp8: float | None  # None: no FP8 tensor cores
    peak_tops_int8: float
    peak_tflops_fp4: float | None
    interconnect_gb_s: float
    interconnect: str
    usd_per_hour: float
    source: str
    price_source: str
    aliases: tuple[str, ...] = ()
    nvlink_gpus: int | None = None  # GPUs one NVLink bridge set joins; None: the whole node (NVSwitch, C2C, PCIe-only)
    pcie_gb_s: float | None = None  # PCIe x16 bidirectional, for traffic past the bridged group

    def link_gb_s(self, gpus: int) -> float:
        """Per-GPU bidirectional bandwidth a `gpus`-way tensor-parallel group's collectives run at."""
        return self.pcie_gb_s if self.beyond_nvlink(gpus) else self.interconnect_gb_s

    def beyond_nvlink(self, gpus: int) -> bool:
        """True when `gpus` GPUs of this kind cannot all share one NVLink domain (bridged pairs: more than 2)."""
        return bool(self.nvlink_gpus and self.pcie_gb_s and gpus > self.nvlink_gpus)

    @property
    def mem_bytes(self) -> float:
        return self.mem_gib * 2**30

    def peak_tflops(self, dtype: str) -> float:
        """Dense tensor-core peak for the dtype the GEMMs run in (weights-only int4 runs bf16 math)."""
        if dtype in ("fp8",) and self.peak_tflops_fp8:
            return self.peak_tflops_fp8
        if dtype == "int8":
            return self.peak_tops_int8
        if dtype in ("nvfp4", "mxfp4"):  # FP4 tensor cores, else weight-only: dequantised to bf16 math
            return self.peak_tflops_fp4 or self.peak_tflops_bf16
        return self.peak_tflops_bf16

    @property
    def ridge_ops_per_byte(self) -> float:
        """bf16 FLOPs per HBM byte at which a kernel turns compute-bound (H100 SXM: 989.5/3.35 = 295)."""
        return self.peak_tflops_bf16 / self.hbm_tb_s


_NV = "https://www.nvidia.com/en-us/data-center"
GPUS: dict[str, GpuSpec] = {
    g.name: g
    for g in (
        GpuSpec(
            name="a10g",
            mem_gib=22.49,
            hbm_tb_s=0.600,
            peak_tflops_bf16=125.0,
            peak_tflops_fp8=None,
            peak_tops_int8=250.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=64.0,
            interconnect="PCIe Gen4 x16",
            usd_per_hour=1.006,
            source=f"{_NV}/products/a10-gpu/ (A10 datasheet; AWS publishes no separate A10G sheet); "
            "22.49 GiB = nvidia-smi 23028 MiB",
            price_source="AWS g5.xlarge on-demand us-east-1",
            aliases=("a10g24gb", "a10"),
        ),
        GpuSpec(
            name="l4",
            mem_gib=22.49,
            hbm_tb_s=0.300,
            peak_tflops_bf16=121.0,
            peak_tflops_fp8=242.5,
            peak_tops_int8=242.5,
            peak_tflops_fp4=None,
            interconnect_gb_s=64.0,
            interconnect="PCIe Gen4 x16",
            usd_per_hour=0.71,
            source=f"{_NV}/l4/ (L4 datasheet); 22.49 GiB = nvidia-smi 23034 MiB",
            price_source="GCP g2-standard-4 on-demand us-central1",
            aliases=("l424gb",),
        ),
        GpuSpec(
            name="l40s",
            mem_gib=44.99,
            hbm_tb_s=0.864,
            peak_tflops_bf16=362.05,
            peak_tflops_fp8=733.0,
            peak_tops_int8=733.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=64.0,
            interconnect="PCIe Gen4 x16",
            usd_per_hour=1.861,
            source=f"{_NV}/l40s/ (L40S datasheet); 44.99 GiB = nvidia-smi 46068 MiB",
            price_source="AWS g6e.xlarge on-demand us-east-1",
            aliases=("l40s48gb",),
        ),
        GpuSpec(
            # GB202 on a passive PCIe board: GDDR7, no NVLink, FP4 tensor cores (sm_120, not B200's sm_100).
            name="rtx-pro-6000",
            mem_gib=95.59,
            hbm_tb_s=1.597,
            peak_tflops_bf16=500.0,
            peak_tflops_fp8=1000.0,
            peak_tops_int8=1000.0,
            peak_tflops_fp4=2000.0,
            interconnect_gb_s=128.0,
            interconnect="PCIe Gen5 x16",
            usd_per_hour=4.14,
            source=f"{_NV}/rtx-pro-6000-blackwell-server-edition/ (RTX PRO 6000 Blackwell Server Edition: 96 GB "
            "GDDR7, 1597 GB/s, FP4 4 PFLOPS / FP8 2 PFLOPS / FP16-BF16 1 PFLOP with sparsity, halved; the "
            "Workstation Edition's 1792 GB/s is another part); 95.59 GiB = nvidia-smi 97887 MiB",
            price_source="AWS g7e.48xlarge on-demand $33.14/h / 8",
            aliases=("rtxpro6000", "rtxpro6000blackwell", "rtxpro6000blackwellserveredition", "rtxpro600096gb"),
        ),
        GpuSpec(
            name="a100-40gb-sxm",
            mem_gib=40.0,
            hbm_tb_s=1.555,
            peak_tflops_bf16=312.0,
            peak_tflops_fp8=None,
            peak_tops_int8=624.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=600.0,
            interconnect="NVLink 3",
            usd_per_hour=3.67,
            source=f"{_NV}/a100/ (A100 datasheet, 40GB SXM column)",
            price_source="GCP a2-highgpu-1g on-demand us-central1",
            aliases=("a10040gb", "a100sxm440gb", "a10040gbsxm", "a100sxm40gb"),
        ),
        GpuSpec(
            name="a100-40gb-pcie",
            mem_gib=40.0,
            hbm_tb_s=1.555,
            peak_tflops_bf16=312.0,
            peak_tflops_fp8=None,
            peak_tops_int8=624.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=64.0,
            interconnect="PCIe Gen4 x16",
            usd_per_hour=3.0,
            source=f"{_NV}/a100/ (A100 datasheet, 40GB PCIe column)",
            price_source="estimate: 0.8 x A100 40GB SXM price",
            aliases=("a100pcie40gb", "a10040gbpcie"),
        ),
        GpuSpec(
            name="a100-80gb-sxm",
            mem_gib=80.0,
            hbm_tb_s=2.039,
            peak_tflops_bf16=312.0,
            peak_tflops_fp8=None,
            peak_tops_int8=624.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=600.0,
            interconnect="NVLink 3",
            usd_per_hour=5.07,
            source=f"{_NV}/a100/ (A100 datasheet, 80GB SXM column)",
            price_source="GCP a2-ultragpu-1g on-demand us-central1",
            aliases=("a100", "a10080gb", "a100sxm480gb", "a10080gbsxm", "a100sxm", "a100sxm80gb"),
        ),
        GpuSpec(
            name="a100-80gb-pcie",
            mem_gib=80.0,
            hbm_tb_s=1.935,
            peak_tflops_bf16=312.0,
            peak_tflops_fp8=None,
            peak_tops_int8=624.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=64.0,
            interconnect="PCIe Gen4 x16",
            usd_per_hour=3.5,
            source=f"{_NV}/a100/ (A100 datasheet, 80GB PCIe column)",
            price_source="estimate: 0.7 x A100 80GB SXM price",
            aliases=("a100pcie", "a100pcie80gb", "a10080gbpcie", "a100pcie80gbhbm2e"),
        ),
        GpuSpec(
            name="h100-sxm",
            mem_gib=80.0,
            hbm_tb_s=3.35,
            peak_tflops_bf16=989.5,
            peak_tflops_fp8=1979.0,
            peak_tops_int8=1979.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=900.0,
            interconnect="NVLink 4",
            usd_per_hour=12.29,
            source=f"{_NV}/h100/ (H100 datasheet, SXM column; sparse figures halved)",
            price_source="AWS p5.48xlarge on-demand us-east-1 / 8",
            aliases=("h100", "h10080gb", "h100sxm5", "h100sxm580gb", "h10080gbhbm3", "h100sxm80gb", "h100hbm3"),
        ),
        GpuSpec(
            name="h100-pcie",
            mem_gib=80.0,
            hbm_tb_s=2.0,
            peak_tflops_bf16=756.0,
            peak_tflops_fp8=1513.0,
            peak_tops_int8=1513.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=128.0,
            interconnect="PCIe Gen5 x16",
            usd_per_hour=2.49,
            source=f"{_NV}/h100/ (H100 datasheet, PCIe column; sparse figures halved)",
            price_source="Lambda on-demand 1x H100 PCIe",
            aliases=("h100pcie80gb", "h10080gbpcie"),
        ),
        GpuSpec(
            name="h100-nvl",
            mem_gib=94.0,
            hbm_tb_s=3.9,
            peak_tflops_bf16=835.5,
            peak_tflops_fp8=1670.5,
            peak_tops_int8=1670.5,
            peak_tflops_fp4=None,
            interconnect_gb_s=600.0,
            interconnect="NVLink bridge",
            # The NVL is sold as pairs of PCIe boards joined by NVLink bridges; its datasheet column lists "NVIDIA
            # NVLink: 600GB/s, PCIe Gen5: 128GB/s". A group of 4 or 8 reaches the other pairs over PCIe.
            nvlink_gpus=2,
            pcie_gb_s=128.0,
            usd_per_hour=3.5,
            source=f"{_NV}/h100/ (H100 datasheet, NVL column: NVLink 600 GB/s bridge pairs, PCIe Gen5 128 GB/s; "
            "sparse figures halved)",
            price_source="estimate between H100 PCIe and SXM cloud prices",
            aliases=("h100nvl94gb", "h10094gb"),
        ),
        GpuSpec(
            name="h200",
            mem_gib=141.0,
            hbm_tb_s=4.8,
            peak_tflops_bf16=989.5,
            peak_tflops_fp8=1979.0,
            peak_tops_int8=1979.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=900.0,
            interconnect="NVLink 4",
            usd_per_hour=10.60,
            source=f"{_NV}/h200/ (H200 datasheet, SXM column; sparse figures halved)",
            price_source="AWS p5e.48xlarge on-demand / 8",
            aliases=("h200sxm", "h200141gb", "h200sxm141gb", "h200sxm5", "h200hbm3e"),
        ),
        GpuSpec(
            name="gh200",
            mem_gib=96.0,
            hbm_tb_s=4.0,
            peak_tflops_bf16=989.5,
            peak_tflops_fp8=1979.0,
            peak_tops_int8=1979.0,
            peak_tflops_fp4=None,
            interconnect_gb_s=900.0,
            interconnect="NVLink-C2C",
            usd_per_hour=1.49,
            source=f"{_NV}/grace-hopper-superchip/ (GH200 datasheet, 96GB HBM3 variant; sparse halved)",
            price_source="Lambda on-demand 1x GH200",
            aliases=("gh20096gb", "gh200480gb", "gracehopper"),
        ),
        GpuSpec(
            name="b200",
            mem_gib=180.0,
            hbm_tb_s=8.0,
            peak_tflops_bf16=2250.0,
            peak_tflops_fp8=4500.0,
            peak_tops_int8=4500.0,
            peak_tflops_fp4=9000.0,
            interconnect_gb_s=1800.0,
            interconnect="NVLink 5",
            usd_per_hour=14.24,
            source=f"{_NV}/dgx-b200/ (DGX/HGX B200 datasheet per GPU; sparse halved)",
            price_source="AWS p6-b200.48xlarge on-demand / 8",
            aliases=("b200180gb", "b200sxm", "b200192gb"),
        ),
        GpuSpec(
            name="b300",
            mem_gib=288.0,
            hbm_tb_s=8.0,
            peak_tflops_bf16=2250.0,
            peak_tflops_fp8=4500.0,
            peak_tops_int8=150.0,
            peak_tflops_fp4=13500.0,
            interconnect_gb_s=1800.0,
            interconnect="NVLink 5",
            usd_per_hour=17.8,
            source=f"{_NV}/hgx/ (HGX B300 datasheet per GPU: 2.3 TB / 8 GPUs, FP4 108 PF dense / 8, FP8 72 PF "
            "sparse / 8 / 2, BF16 36 PF sparse / 8 / 2; Blackwell Ultra drops most INT8 tensor throughput)",
            price_source="estimate: 1.25 x B200 price",
            aliases=("b300288gb", "b300sxm", "blackwellultra"),
        ),
        GpuSpec(
            name="gb200",
            mem_gib=186.0,
            hbm_tb_s=8.0,
            peak_tflops_bf16=2500.0,
            peak_tflops_fp8=5000.0,
            peak_tops_int8=5000.0,
            peak_tflops_fp4=10000.0,
            interconnect_gb_s=1800.0,
            interconnect="NVLink 5 (NVL72)",
            usd_per_hour=10.5,
            source=f"{_NV}/gb200-nvl72/ (GB200 NVL72 datasheet per GPU, 1200 W: 13.4 TB HBM3e / 72, FP4 10 PF, "
            "FP8 5 PF, BF16 2.5 PF dense; sparse figures halved)",
            price_source="CoreWeave GB200 NVL72 list $42/h per 4-GPU node",
            aliases=("gb200nvl72", "gb200186gb"),
        ),
        GpuSpec(
            name="mi300x",
            mem_gib=192.0,
            hbm_tb_s=5.3,
            peak_tflops_bf16=1307.4,
            peak_tflops_fp8=2614.9,
            peak_tops_int8=2614.9,
            peak_tflops_fp4=None,
            interconnect_gb_s=896.0,
            interconnect="Infinity Fabric",
            usd_per_hour=6.00,
            source="https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html (dense figures)",
            price_source="Azure ND MI300X v5 on-demand / 8",
            aliases=("mi300x192gb", "mi300"),
        ),
        GpuSpec(
            name="mi325x",
            mem_gib=256.0,
            hbm_tb_s=6.0,
            peak_tflops_bf16=1307.4,
            peak_tflops_fp8=2614.9,
            peak_tops_int8=2614.9,
            peak_tflops_fp4=None,
            interconnect_gb_s=896.0,
            interconnect="Infinity Fabric",
            usd_per_hour=7.0,
            source="https://www.amd.com/en/products/accelerators/instinct/mi300/mi325x.html (dense figures)",
            price_source="estimate: MI300X price + 1/6",
            aliases=("mi325x256gb", "mi325"),
        ),
        GpuSpec(
            name="mi355x",
            mem_gib=288.0,
            hbm_tb_s=8.0,
            peak_tflops_bf16=2516.6,
            peak_tflops_fp8=5033.2,
            peak_tops_int8=5033.2,
            peak_tflops_fp4=10066.3,
            interconnect_gb_s=1075.2,
            interconnect="Infinity Fabric",
            usd_per_hour=9.0,
            source="https://www.amd.com/en/products/accelerators/instinct/mi350/mi355x.html (dense figures; "
            "MXFP4 10 PF; 7 Infinity Fabric links x 153.6 GB/s)",
            price_source="estimate: 1.5 x MI300X price",
            aliases=("mi355x288gb", "mi355"),
        ),
    )
}

_ALIASES: dict[str, str] = {squash(a): g.name for g in GPUS.values() for a in (g.name, *g.aliases)}


def get_gpu(name: str) -> GpuSpec:
    """Resolve "h100", "H100-SXM5-80GB", "NVIDIA H100 80GB HBM3", "Nvidia H100 GPU", ... to a spec."""
    key = squash(name)
    if key in _ALIASES:
        return GPUS[_ALIASES[key]]
    raise CatalogError(f"unknown GPU {name!r}; known GPUs: {', '.join(GPUS)}")
