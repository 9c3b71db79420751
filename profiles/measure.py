"""`tracefit profile measure`: run the probes on one device and build the profile document.

One of only two modules that import torch (with measure_kernels.py), and only inside functions.
On a GPU the full plan takes a few minutes (target <= 5); `--device cpu --quick` runs the same
code with tiny shapes in seconds so the test suite covers it end to end.
"""

import math
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from profiles import measure_kernels as probe
from profiles.gpus import get_gpu
from profiles.measure_allreduce import allreduce
from profiles.model_spec import ModelSpec
from profiles.models import get_model
from profiles.profile import SCHEMA, SCHEMA_VERSION, ProfileError, catalog_name, validate


def _powers(lo: int, hi: int, step: int = 2) -> tuple[int, ...]:
    return tuple(lo * step**i for i in range(int(math.log(hi // lo, step)) + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    ms: tuple[int, ...]  # GEMM token counts M
    prefill_tokens: tuple[int, ...]
    decode_batches: tuple[int, ...]
    decode_ctx_tokens: tuple[int, ...]
    hbm_bytes: int
    repeats: int
    warmup: int
    shape_divisor: int  # CPU: model widths divided by this (rounded to multiples of 16)
    allreduce_bytes: tuple[int, ...] = (1 << 16, 1 << 20, 1 << 24, 1 << 28)  # with more than one GPU


PLANS = {  # (device type, quick)
    ("cuda", False): Plan(
        ms=_powers(1, 16384),
        prefill_tokens=_powers(128, 16384),
        decode_batches=(1, 4, 16, 64, 256),
        decode_ctx_tokens=(256, 1024, 4096, 16384),
        hbm_bytes=1 << 30,
        repeats=20,
        warmup=5,
        shape_divisor=1,
    ),
    ("cuda", True): Plan(
        ms=_powers(1, 16384, 4),
        prefill_tokens=(512, 2048, 8192),
        decode_batches=(1, 16, 256),
        decode_ctx_tokens=(1024, 8192),
        hbm_bytes=1 << 30,
        repeats=10,
        warmup=3,
        shape_divisor=1,
        allreduce_bytes=(1 << 16, 1 << 24),
    ),
    ("cpu", False): Plan(
        ms=_powers(1, 256),
        prefill_tokens=(64, 128, 256, 512),
        decode_batches=(1, 4, 16),
        decode_ctx_tokens=(128, 512, 2048),
        hbm_bytes=256 << 20,
        repeats=10,
        warmup=2,
        shape_divisor=4,
    ),
    ("cpu", True): Plan(
        ms=(1, 4, 16, 64),
        prefill_tokens=(32, 64, 128),
        decode_batches=(1, 4),
        decode_ctx_tokens=(64, 256),
        hbm_bytes=32 << 20,
        repeats=5,
        warmup=1,
        shape_divisor=8,
    ),
}


class Context:
    """Device, plan, seeded generator and memory limits shared by the probes."""

    def __init__(self, device: str, plan: Plan, seed: int, rotate_bytes: int, budget_bytes: int):
        import torch

        self.device, self.plan = torch.device(device), plan
        self.rotate_bytes, self.budget_bytes = rotate_bytes, budget_bytes
        self.generator = torch.Generator(device=self.device).manual_seed(seed)

    def randn(self, *shape, dtype=None):
        import torch

        return torch.randn(*shape, generator=self.generator, device=self.device, dtype=dtype or torch.bfloat16)


def _nvidia_smi(index: int) -> dict:
    fields = ("driver_version", "clocks.sm", "clocks.mem", "clocks.max.sm", "clocks.max.mem", "power.limit")
    if not shutil.which("nvidia-smi"):
        return {}
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits", "-i", str(index)],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    values = [v.strip() for v in out.strip().split(",")]
    return dict(zip(fields, values)) if len(values) == len(fields) else {}


def _cpu_llc_bytes() -> int | None:
    sizes = []
    for index in (
        sorted(os.listdir("/sys/devices/system/cpu/cpu0/cache"))
        if os.path.isdir("/sys/devices/system/cpu/cpu0/cache")
        else []
    ):
        try:
            text = open(f"/sys/devices/system/cpu/cpu0/cache/{index}/size").read().strip()
        except OSError:
            continue
        unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        sizes.append(int(text.rstrip("KMG")) * unit)
    return max(sizes) if sizes else None


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_info(device: str) -> dict:
    """What the profile records about where it was measured; null where a value is unreadable."""
    import torch

    dev = torch.device(device)
    info = {
        "kind": dev.type,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "host": f"{platform.node()} {platform.system()} {platform.machine()} python {platform.python_version()}",
    }
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        props, smi = torch.cuda.get_device_properties(index), _nvidia_smi(index)
        info.update(
            name=props.name,
            index=index,
            memory_gib=props.total_memory / 2**30,
            compute_capability=f"{props.major}.{props.minor}",
            sm_count=props.multi_processor_count,
            llc_bytes=getattr(props, "L2_cache_size", None),
            gpu_count=torch.cuda.device_count(),
            driver=smi.get("driver_version"),
            clocks={k: smi[k] for k in smi if k != "driver_version"} or None,
        )
    else:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 0
        info.update(
            name=f"cpu: {_cpu_name()}",
            index=None,
            memory_gib=pages / 2**30,
            compute_capability=None,
            sm_count=None,
            threads=torch.get_num_threads(),
            llc_bytes=_cpu_llc_bytes(),
            gpu_count=0,
            driver=None,
            clocks=None,
        )
    info["catalog_gpu"] = catalog_name(info["name"]) if dev.type == "cuda" else None
    return info


def gemm_shapes(m: ModelSpec, divisor: int = 1) -> list[tuple[str, int, int, int]]:
    """(shape, n, k, calls per step) of the model's linear layers at TP 1 (gate and up fused, as vLLM)."""

    def w(x: int) -> int:
        return x if divisor == 1 else max(16, x // divisor // 16 * 16)

    h, q, kv, inter, layers = (
        w(m.hidden_size),
        w(m.num_heads * m.head_dim),
        w(m.num_kv_heads * m.head_dim),
        w(m.intermediate_size),
        m.num_layers,
    )
    mlp = "expert_" if m.is_moe else ""  # one expert's GEMMs; tokens per expert = M x top-k / experts
    return [
        ("qkv", q + 2 * kv, h, layers),
        ("o", h, q, layers),
        (f"{mlp}gate_up", 2 * inter, h, layers),
        (f"{mlp}down", h, inter, layers),
        ("lm_head", w(m.vocab_size), h, 1),
    ]


def fp8_support(device) -> str | None:
    """None when torch._scaled_mm runs natively here, else the reason it is skipped."""
    import torch

    if device.type != "cuda":
        return "fp8 torch._scaled_mm on CPU is a slow reference path (seconds per call), not a measurement"
    if torch.cuda.get_device_capability(device) < (8, 9):
        return "no fp8 tensor cores (needs compute capability >= 8.9: Ada, Hopper, Blackwell)"
    return None


def reference(device: dict, measurements: dict) -> dict:
    """Peaks the efficiency fractions are taken against: the datasheet, or the measured maxima."""
    if device["catalog_gpu"]:
        gpu = get_gpu(device["catalog_gpu"])
        peaks = {"bf16": gpu.peak_tflops_bf16, **({"fp8": gpu.peak_tflops_fp8} if gpu.peak_tflops_fp8 else {})}
        return {
            "peak_tflops": peaks,
            "hbm_tb_s": gpu.hbm_tb_s,
            "interconnect_gb_s": gpu.interconnect_gb_s,
            "source": f"datasheet of {gpu.name}: {gpu.source}",
        }
    peaks = {}
    for r in measurements["gemm"]:
        peaks[r["dtype"]] = max(peaks.get(r["dtype"], 0.0), r["tflops"])
    return {
        "peak_tflops": peaks,
        "hbm_tb_s": max(r["gb_s"] for r in measurements["hbm"]) / 1e3,
        "interconnect_gb_s": None,
        "source": "no datasheet for this device: measured maxima (fractions are relative to its own best)",
    }


def _roofline_fractions(doc: dict) -> None:
    """Annotate GEMM rows with achieved / min(peak, arithmetic intensity x HBM)."""
    ref = doc["reference"]
    for r in doc["measurements"]["gemm"]:
        roof = min(ref["peak_tflops"][r["dtype"]] * 1e12, r["flops"] / r["bytes"] * ref["hbm_tb_s"] * 1e12)
        r["roofline_fraction"] = r["tflops"] * 1e12 / roof


def measure(
    *,
    models: list[str],
    device: str = "cuda:0",
    dtypes: tuple[str, ...] = ("bf16", "fp8"),
    quick: bool = False,
    seed: int = 42,
    threads: int | None = None,
    command: str = "",
    log: Callable[[str], None] = print,
) -> dict:
    """Run every probe; returns the profile document (profiles/profile.py documents its keys).

    CPU only: `threads` torch threads (default: 1 with quick, whose tiny kernels oversubscribed
    OpenMP pools on a busy machine time 100x too slow, else torch's default)."""
    try:
        import torch
    except ImportError as exc:
        raise ProfileError("measuring needs torch: pip install 'tracefit[measure]'") from exc
    dev, before = torch.device(device), torch.get_num_threads()
    if dev.type == "cpu":
        torch.set_num_threads(threads or (1 if quick else before))
    try:
        return _measure(torch, dev, models, dtypes, quick, seed, command, log)
    finally:
        torch.set_num_threads(before)


def _measure(torch, dev, models, dtypes, quick, seed, command, log) -> dict:
    device = str(dev)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ProfileError(
            f"{device}: CUDA is not available to torch {torch.__version__}; "
            "use --device cpu --quick to try the probes on the CPU"
        )
    if dev.type not in ("cuda", "cpu"):
        raise ProfileError(f"{device}: only cuda:N and cpu devices are supported")
    specs, started = [get_model(name) for name in models], time.perf_counter()
    plan, info = PLANS[(dev.type, quick)], device_info(device)
    if dev.type == "cuda":
        free, _ = torch.cuda.mem_get_info(dev)
        rotate, budget = max(4 * (info["llc_bytes"] or 0), 256 << 20), int(free * 0.6)
    else:  # CPU: quick mode rotates less than a big LLC; its timings can be cache-resident (say so)
        rotate = min(2 * (info["llc_bytes"] or 32 << 20), 32 << 20 if quick else 1 << 30)
        budget = int(info["memory_gib"] * 2**30 * 0.25)
    ctx = Context(device, plan, seed, rotate, budget)
    skipped = [{"what": f"gemm {d}", "reason": why} for d in dtypes if d == "fp8" and (why := fp8_support(dev))]
    dtypes = tuple(d for d in dtypes if not any(s["what"] == f"gemm {d}" for s in skipped))
    out = {t: [] for t in ("hbm", "gemm", "attention_prefill", "attention_decode", "overhead", "allreduce")}
    log(f"measuring {info['name']} ({device}): HBM")
    out["hbm"] = probe.hbm(ctx)
    out["overhead"] = probe.overhead(ctx)
    for spec in specs:
        _measure_model(ctx, spec, dtypes, out, skipped, log)
    gpus = info["gpu_count"]
    if gpus > 1:
        log(f"all-reduce over {gpus} GPUs")
        torch.cuda.empty_cache()  # the ranks are new processes: hand them back the probes' cached memory
        _keep(
            out["allreduce"],
            lambda: allreduce(gpus, "cuda", plan.allreduce_bytes, warmup=plan.warmup, repeats=plan.repeats),
            skipped,
            f"allreduce {gpus} GPUs",
            log,
            many=True,
        )
    else:
        skipped.append({"what": "allreduce", "reason": f"{gpus} GPU(s) visible; all-reduce needs more than one"})
    doc = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "tracefit_version": _version(),
        "device": info,
        "reference": None,
        "settings": {
            "quick": quick,
            "seed": seed,
            "dtypes": list(dtypes),
            "models": [s.name for s in specs],
            "rotate_bytes": rotate,
            "budget_bytes": budget,
            **asdict(plan),
        },
        "measurements": out,
        "skipped": skipped,
    }
    doc["reference"] = reference(info, out)
    _roofline_fractions(doc)
    doc["elapsed_s"] = time.perf_counter() - started
    log(f"done in {doc['elapsed_s']:.1f} s")
    return validate(doc)


def _measure_model(ctx: Context, spec: ModelSpec, dtypes, out: dict, skipped: list, log) -> None:
    plan = ctx.plan
    for dtype in dtypes:
        log(f"{spec.name}: GEMM {dtype} over M = {plan.ms[0]}..{plan.ms[-1]}")
        for shape, n, k, calls in gemm_shapes(spec, plan.shape_divisor):
            for m in plan.ms:
                _keep(
                    out["gemm"],
                    lambda: probe.gemm(ctx, spec.name, shape, n, k, calls, dtype, m),
                    skipped,
                    f"gemm {dtype} {spec.name} {shape} m={m}",
                    log,
                )
    heads, kv_heads, head_dim = spec.num_heads, spec.num_kv_heads, spec.head_dim
    log(f"{spec.name}: attention prefill over {plan.prefill_tokens}, decode over batch x context")
    for length in plan.prefill_tokens:
        _keep(
            out["attention_prefill"],
            lambda: probe.attention_prefill(ctx, spec.name, heads, kv_heads, head_dim, length),
            skipped,
            f"prefill {spec.name} seq_tokens={length}",
            log,
        )
    for batch in plan.decode_batches:
        for ctx_tokens in plan.decode_ctx_tokens:
            _keep(
                out["attention_decode"],
                lambda: probe.attention_decode(ctx, spec.name, heads, kv_heads, head_dim, batch, ctx_tokens),
                skipped,
                f"decode {spec.name} batch={batch} ctx={ctx_tokens}",
                log,
            )


def _keep(rows: list, probe_fn: Callable, skipped: list, what: str, log=None, many: bool = False) -> None:
    """Run one probe. One that does not fit, or that torch rejects (an OOM, a _scaled_mm shape limit, a
    failed all-reduce rank), is recorded as skipped with its reason instead of losing the whole run."""
    import torch

    try:
        found = probe_fn()
    except Exception as exc:  # noqa: BLE001 - recorded in the profile, shown by `profile show`
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        found, reason = None, f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
    else:
        reason = "does not fit in the memory budget"
    if found is None:
        skipped.append({"what": what, "reason": reason})
        if log:
            log(f"skipped {what}: {reason}")
    elif many:
        rows.extend(found)
    else:
        rows.append(found)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tracefit")
    except PackageNotFoundError:
        return "unknown"
