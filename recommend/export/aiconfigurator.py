"""NVIDIA AIConfigurator: the equivalent `aiconfigurator cli default` run per window, a second opinion.

Flags (src/aiconfigurator/cli/main.py, https://github.com/ai-dynamo/aiconfigurator,
docs/cli_user_guide.md): --model-path, --total-gpus, --system, --backend, --isl, --osl, --ttft,
--tpot (ms). ISL/OSL come from the window's traffic quantiles: a typical (p50) and a conservative
(p95) run; without quantiles, from max_model_len (prompt) and aiconfigurator's default OSL.
"""

import shlex

from profiles import CatalogError, get_gpu
from recommend.export.options import ExportOptions
from recommend.plan import Plan, Window

# catalog GPU → aiconfigurator --system (systems listed in its --system help)
SYSTEMS = {
    "h100-sxm": "h100_sxm",
    "h100-pcie": "h100_pcie",
    "h200": "h200_sxm",
    "b200": "b200_sxm",
    "a100-80gb-sxm": "a100_sxm",
    "a100-40gb-sxm": "a100_sxm",
    "a100-80gb-pcie": "a100_pcie",
    "a100-40gb-pcie": "a100_pcie",
    "l40s": "l40s",
    "l4": "l4",
}
BACKENDS = ("trtllm", "vllm", "sglang")
DEFAULT_OSL = 1000  # aiconfigurator's own --osl default


def system(gpu: str) -> str | None:
    try:
        return SYSTEMS.get(get_gpu(gpu).name)
    except CatalogError:
        return None


def slo_target(slo: dict, metric: str) -> tuple[float, str] | None:
    """The strictest `<metric>_<pNN>_ms` SLO in the plan, e.g. ("ttft", ...) → (1000.0, "ttft_p95_ms")."""
    found = [
        (float(v), k)
        for k, v in slo.items()
        if k.startswith(f"{metric}_") and k.endswith("_ms") and isinstance(v, (int, float))
    ]
    return min(found) if found else None


def argv(plan: Plan, w: Window, model: str, q: str, backend: str = "vllm") -> list[str] | None:
    sys_name = system(w.config.gpu)
    if sys_name is None:
        return None
    isl = w.quantile("prompt_tokens", q) or w.config.max_model_len // 2
    osl = w.quantile("output_tokens", q) or DEFAULT_OSL
    out = [
        "aiconfigurator",
        "cli",
        "default",
        "--model-path",
        model,
        "--total-gpus",
        str(w.config.gpus),
        "--system",
        sys_name,
        "--backend",
        backend,
        "--isl",
        str(round(isl)),
        "--osl",
        str(round(osl)),
    ]
    for metric in ("ttft", "tpot"):
        target = slo_target(plan.slo, metric)
        if target:
            out += [f"--{metric}", f"{target[0]:g}"]
    return out


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    model = plan.hf_id(options.model)
    files = {}
    for w in plan.windows:
        lines = [
            "#!/bin/sh",
            f"# window {w.label!r}: tracefit chose {w.config.replicas} x tp{w.config.tp} "
            f"{w.config.weights}/{w.config.kv}-kv on {w.config.gpu} "
            f"(max_num_seqs {w.config.max_num_seqs})",
        ]
        for q, what in (("p50", "typical request (p50 lengths)"), ("p95", "long request (p95 lengths)")):
            cmd = argv(plan, w, model, q)
            if cmd is None:
                lines.append(
                    f"# aiconfigurator has no system for GPU {w.config.gpu!r}; "
                    f"known: {', '.join(sorted(set(SYSTEMS.values())))}"
                )
                break
            if not w.quantile("prompt_tokens", q):
                what += "; no traffic quantiles in the plan, ISL = max_model_len / 2"
            lines += [f"# {what}", shlex.join(cmd)]
        files[f"aiconfigurator/{w.slug}.sh"] = "\n".join(lines) + "\n"
    return files
