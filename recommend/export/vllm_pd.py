"""vLLM prefill/decode disaggregation (NixlConnector) for the plan's disaggregated windows, and a Kubernetes
schedule that scales the aggregated engine and both pools per window.

Every flag and variable below is as vLLM's NixlConnector guide states it (vllm-project/vllm
docs/features/nixl_connector_usage.md at commit 026c83f974fcee0e1887060ebdcc53dc427bacfc;
https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html):
  --kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_producer"|"kv_consumer",
                         "kv_load_failure_policy":"fail"}'   (the multi-machine example's roles)
  VLLM_NIXL_SIDE_CHANNEL_HOST (the instance's own address when P and D are on different machines),
  VLLM_NIXL_SIDE_CHANNEL_PORT (default 5600), UCX_NET_DEVICES=all (UCX transport, the default backend)
  proxy: tests/v1/kv_connector/nixl_integration/toy_proxy_server.py --port --prefiller-hosts
         --prefiller-ports --decoder-hosts --decoder-ports
and the compatibility matrix (docs/features/nixl_connector_compatibility.md, commit 0a5110ef53c5): P and D may
differ in tensor-parallel-size; they must share the model, dtype and KV cache dtype (`cache_dtype`); an
FP8 KV cache needs static scales from the checkpoint (dynamic scales are not transferred).
KEDA cron trigger fields as in recommend/export/k8s.py (https://keda.sh/docs/scalers/cron/): a
deployment a window does not use gets no trigger there and falls to minReplicaCount 0.
"""

import json
import shlex
from dataclasses import replace

import yaml

from recommend.export import vllm
from recommend.export.k8s import TIMEZONE, _meta, dns_name, engine_container, engine_deployment, spans
from recommend.export.options import ExportOptions
from recommend.plan import EngineConfig, Plan, PlanError, Window

SIDE_CHANNEL_PORT = 5600  # VLLM_NIXL_SIDE_CHANNEL_PORT default
ROLES = {"prefill": "kv_producer", "decode": "kv_consumer"}


def pool_window(w: Window, pool: str) -> Window:
    """The window with one pool's config (prefill or decode) in place of the aggregated one."""
    d = w.disagg or {}
    if pool not in d:
        raise PlanError(f"window {w.label!r} has no disaggregated {pool} pool")
    c = d[pool]
    return replace(
        w,
        config=EngineConfig(
            gpu=str(c["gpu"]),
            tp=int(c["tp"]),
            weights=str(c["weights"]),
            kv=str(c["kv"]),
            max_model_len=int(c["max_model_len"]),
            max_num_seqs=int(c["max_num_seqs"]),
            max_num_batched_tokens=int(c["max_num_batched_tokens"]),
            replicas=int(c["replicas"]),
            gpu_memory_utilization=w.config.gpu_memory_utilization,
        ),
    )


def pool_args(w: Window, pool: str, model: str, options: ExportOptions) -> dict:
    args = vllm.engine_args(pool_window(w, pool), model, options)
    args["kv-transfer-config"] = json.dumps(
        {"kv_connector": "NixlConnector", "kv_role": ROLES[pool], "kv_load_failure_policy": "fail"},
        separators=(",", ":"),
    )
    return args


def _script(w: Window, pool: str, model: str, options: ExportOptions) -> str:
    c = pool_window(w, pool).config
    env = [
        "VLLM_NIXL_SIDE_CHANNEL_HOST=${HOST_IP:?the address the other pool reaches this machine at}",
        f"VLLM_NIXL_SIDE_CHANNEL_PORT={SIDE_CHANNEL_PORT}",
        "UCX_NET_DEVICES=all",
    ]
    return (
        f"#!/bin/sh\n# window {w.label!r}: {pool} pool, {c.replicas} instance(s) of {c.gpu} x{c.tp}; "
        f"{w.disagg.get('label', '')}\n"
        + " \\\n".join(env)
        + " \\\n"
        + shlex.join(vllm.serve_argv(pool_args(w, pool, model, options)))
        + "\n"
    )


def _proxy(w: Window, options: ExportOptions) -> str:
    p, d = (pool_window(w, pool).config.replicas for pool in ("prefill", "decode"))
    hosts = lambda role, n: " ".join(f"${{{role}_HOST_{i}}}" for i in range(n))  # noqa: E731
    ports = lambda n: " ".join([str(options.port)] * n)  # noqa: E731
    return (
        "#!/bin/sh\n# vLLM's toy proxy (tests/v1/kv_connector/nixl_integration/toy_proxy_server.py in a vLLM "
        "checkout): prefill on a prefiller, then decode on a decoder\n"
        f"python tests/v1/kv_connector/nixl_integration/toy_proxy_server.py --port 8192 \\\n"
        f"  --prefiller-hosts {hosts('PREFILL', p)} --prefiller-ports {ports(p)} \\\n"
        f"  --decoder-hosts {hosts('DECODE', d)} --decoder-ports {ports(d)}\n"
    )


def deployment(plan: Plan, w: Window, pool: str, options: ExportOptions) -> dict:
    """A pool's Deployment, engine flags of window `w` (pool = "engine" is the aggregated one)."""
    name = options.name if pool == "engine" else dns_name(options.name, pool)
    cw = w if pool == "engine" else pool_window(w, pool)
    args = (
        vllm.engine_args(cw, plan.hf_id(options.model), options)
        if pool == "engine"
        else pool_args(w, pool, plan.hf_id(options.model), options)
    )
    argv = vllm.serve_argv(args)
    env = (
        []
        if pool == "engine"
        else [
            {"name": "VLLM_NIXL_SIDE_CHANNEL_HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "value": str(SIDE_CHANNEL_PORT)},
            {"name": "UCX_NET_DEVICES", "value": "all"},
        ]
    )
    labels = {"app.kubernetes.io/name": options.name, "app.kubernetes.io/component": pool}
    meta = _meta(name, options)
    meta["labels"] |= labels
    return engine_deployment(
        meta,
        labels,
        cw.config.replicas,
        {"tracefit/window": w.label, "tracefit/gpu": cw.config.gpu},
        engine_container(argv, cw.config.tp, options, env),
    )


def replicas_in(w: Window, pool: str) -> int:
    """Replicas of `pool` ("engine", "prefill", "decode") while window `w` runs."""
    if pool == "engine":
        return 0 if w.disagg else w.config.replicas
    return int(w.disagg[pool]["replicas"]) if w.disagg else 0


def scaled_object(plan: Plan, pool: str, options: ExportOptions) -> dict:
    name = options.name if pool == "engine" else dns_name(options.name, pool)
    triggers = [
        {
            "type": "cron",
            "name": dns_name(w.slug, str(i)),
            "metadata": {
                "timezone": TIMEZONE,
                "start": s.start,
                "end": s.end,
                "desiredReplicas": str(replicas_in(w, pool)),
            },
        }
        for w in plan.windows
        if replicas_in(w, pool)
        for i, s in enumerate(spans(w))
    ]
    counts = [replicas_in(w, pool) for w in plan.windows]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(name, options),
        "spec": {
            "scaleTargetRef": {"name": name},
            "minReplicaCount": min(counts),
            "maxReplicaCount": max(counts),
            "triggers": triggers,
        },
    }


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    options = replace(options, name=dns_name(options.name), namespace=dns_name(options.namespace))
    split = [w for w in plan.windows if w.disagg]
    if not split:
        raise PlanError(
            f"{plan.source}: no window runs disaggregated (re-run `tracefit recommend --disagg`, or "
            "export the aggregated plan with --to vllm / --to k8s)"
        )
    model, files = plan.hf_id(options.model), {}
    for w in split:
        for pool in ("prefill", "decode"):
            files[f"vllm-pd/{w.slug}-{pool}.sh"] = _script(w, pool, model, options)
        files[f"vllm-pd/{w.slug}-proxy.sh"] = _proxy(w, options)
    busiest = {
        pool: max(split, key=lambda w: (pool_window(w, pool).config.gpus, -w.index)) for pool in ("prefill", "decode")
    }
    docs = [deployment(plan, busiest[p], p, options) for p in ("prefill", "decode")]
    pools = ["prefill", "decode"]
    if any(not w.disagg for w in plan.windows):
        agg = max((w for w in plan.windows if not w.disagg), key=lambda w: (w.config.gpus, -w.index))
        docs.insert(0, deployment(plan, agg, "engine", options))
        pools.insert(0, "engine")
    docs += [scaled_object(plan, pool, options) for pool in pools]
    files["vllm-pd/k8s.yaml"] = (
        "# Deployments (aggregated engine where some window runs aggregated, prefill and "
        "decode pools) and one KEDA cron ScaledObject each: per window the replicas it "
        "runs, 0 where the window does not use it\n" + yaml.safe_dump_all(docs, sort_keys=False)
    )
    files["vllm-pd/README.md"] = _readme(plan, split)
    return files


def _readme(plan: Plan, split: list[Window]) -> str:
    lines = [
        f"# vLLM prefill/decode disaggregation for {plan.model}",
        "",
        "Per disaggregated window: `<window>-prefill.sh` and `<window>-decode.sh` (one `vllm serve` per "
        "instance, NixlConnector), `<window>-proxy.sh` (vLLM's toy proxy for a fixed set of instances; in "
        "Kubernetes, route with llm-d or NVIDIA Dynamo instead). `k8s.yaml` scales the aggregated engine and "
        "both pools per window. Other windows run aggregated: `tracefit export --to vllm`.",
        "",
        "| window | split | prefill | decode | KV link |",
        "|---|---|---|---|---|",
    ]
    for w in split:
        p, d = (pool_window(w, pool).config for pool in ("prefill", "decode"))
        link = (w.disagg.get("transfer") or {}).get("link", "?")
        lines.append(
            f"| {w.label} | {p.replicas}P{d.replicas}D | {p.replicas} x {p.gpu} TP{p.tp} {p.weights} | "
            f"{d.replicas} x {d.gpu} TP{d.tp} {d.weights} | {link} |"
        )
    if any(pool_window(w, "prefill").config.gpu != pool_window(w, "decode").config.gpu for w in split):
        lines += [
            "",
            "- Mixed GPU types: each pool's pods carry a `tracefit/gpu` annotation; pin them to those "
            "nodes with a nodeSelector on NVIDIA GPU Feature Discovery's `nvidia.com/gpu.product` label "
            "(the value GFD reports on your nodes; k8s-device-plugin docs/gpu-feature-discovery).",
        ]
    if any(pool_window(w, "decode").config.kv == "fp8" for w in split):
        lines += [
            "",
            "- fp8 KV cache: both pools must use it, with static scales from the checkpoint (vLLM's "
            "NixlConnector compatibility matrix: dynamic scales are not transferred).",
        ]
    return "\n".join(lines) + "\n"
