"""Every export format, in one dict (harlequin-style registry of frozen dataclasses)."""

from collections.abc import Callable
from dataclasses import dataclass

from recommend.export import aiconfigurator, k8s, mooncake, sglang, trtllm, vllm, vllm_pd


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportFormat:
    name: str
    summary: str
    render: Callable  # (plan, options, requests=None) -> {relative path: text}
    needs_requests: bool = False  # the CLI must read the window's requests from the warehouse


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(name="vllm", summary="vllm serve command line + --config YAML per window", render=vllm.render),
        ExportFormat(
            name="sglang", summary="python -m sglang.launch_server arguments + YAML per window", render=sglang.render
        ),
        ExportFormat(
            name="trtllm",
            summary="trtllm-serve + extra-llm-api-config per window, trtllm-build per engine",
            render=trtllm.render,
        ),
        ExportFormat(
            name="k8s", summary="KEDA cron ScaledObject, CronJob alternative, engine Deployment", render=k8s.render
        ),
        ExportFormat(
            name="mooncake",
            summary="the window's logged requests as Mooncake JSONL (AIPerf replay)",
            render=mooncake.render,
            needs_requests=True,
        ),
        ExportFormat(
            name="vllm-pd",
            summary="disaggregated windows: vLLM NixlConnector prefill/decode commands, proxy, k8s scaling both pools",
            render=vllm_pd.render,
        ),
        ExportFormat(
            name="aiconfigurator",
            summary="aiconfigurator cli default arguments per window",
            render=aiconfigurator.render,
        ),
    )
}
