"""Kubernetes: replica schedule per window as a KEDA cron ScaledObject, or plain CronJobs, plus the
engine Deployment skeleton.

KEDA cron trigger (https://keda.sh/docs/scalers/cron/): metadata timezone/start/end/desiredReplicas;
outside every trigger KEDA returns to minReplicaCount, so that is the plan's smallest replica count.
The CronJob alternative runs `kubectl scale` at each window start (batch/v1 CronJob with
spec.timeZone, Kubernetes ≥ 1.27) under a ServiceAccount allowed to update deployments/scale.
Replica scaling changes replicas only: engine flags are the Deployment's, sized for one window.
A plan with a measured replica scaler also gets keda-autoscaled.yaml (recommend/export/k8s_autoscale.py):
the deployed window's scaler on Prometheus, used instead of the cron schedule.
"""

import re
from dataclasses import replace

import yaml

from recommend.export import k8s_autoscale, vllm
from recommend.export.options import ExportOptions
from recommend.export.schedule import CronSpan, cron_spans, dated_span
from recommend.plan import Plan, PlanError, Window

TIMEZONE = "Etc/UTC"  # plan hour-of-week cells are UTC


def dns_name(*parts: str) -> str:
    """DNS-1123 label: lower-case alphanumerics and '-', ≤ 63 characters, alphanumeric at both ends."""
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower())
    return re.sub(r"-+", "-", name)[:63].strip("-") or "tracefit"


def spans(window: Window) -> list[CronSpan]:
    return cron_spans(window.hours) if window.hours is not None else [dated_span(window.start, window.end)]


def deployed_window(plan: Plan, options: ExportOptions) -> Window:
    """The window the Deployment's engine flags are for: --window (label or slug), else the most GPUs."""
    if options.window is None:
        return max(plan.windows, key=lambda w: (w.config.gpus, -w.index))
    for w in plan.windows:
        if options.window in (w.label, w.slug):
            return w
    raise PlanError(
        f"{plan.source}: no window {options.window!r}; windows: " + ", ".join(repr(w.label) for w in plan.windows)
    )


def _meta(name: str, options: ExportOptions) -> dict:
    return {
        "name": name,
        "namespace": options.namespace,
        "labels": {"app.kubernetes.io/name": options.name, "app.kubernetes.io/managed-by": "tracefit"},
    }


def deployment(plan: Plan, options: ExportOptions) -> dict:
    w = deployed_window(plan, options)
    argv = vllm.serve_argv(vllm.engine_args(w, plan.hf_id(options.model), options))
    return engine_deployment(
        _meta(options.name, options),
        {"app.kubernetes.io/name": options.name},
        w.config.replicas,
        {"tracefit/window": w.label},
        engine_container(argv, w.config.tp, options),
    )


def engine_container(argv: list[str], tp: int, options: ExportOptions, env: list[dict] | None = None) -> dict:
    """The engine's container: `vllm serve` argv on `tp` GPUs, /health readiness, shared memory."""
    return {
        "name": "engine",
        "image": options.image,
        "command": argv[:2],
        "args": argv[2:],
        "ports": [{"name": "http", "containerPort": options.port}],
        "resources": {"limits": {"nvidia.com/gpu": tp}},
        "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
    } | ({"env": env} if env else {})


def engine_deployment(meta: dict, labels: dict, replicas: int, annotations: dict, container: dict) -> dict:
    """A Deployment of `replicas` pods of one engine container, selected by `labels`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels), "annotations": annotations},
                "spec": {"containers": [container], "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]},
            },
        },
    }


def scaled_object(plan: Plan, options: ExportOptions) -> dict:
    triggers = [
        {
            "type": "cron",
            "name": _span_name(w, i),
            "metadata": {
                "timezone": TIMEZONE,
                "start": s.start,
                "end": s.end,
                "desiredReplicas": str(w.config.replicas),
            },
        }
        for w in plan.windows
        for i, s in enumerate(spans(w))
    ]
    replicas = [w.config.replicas for w in plan.windows]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(options.name, options),
        "spec": {
            "scaleTargetRef": {"name": options.name},
            "minReplicaCount": min(replicas),
            "maxReplicaCount": max(replicas),
            "triggers": triggers,
        },
    }


def rbac(options: ExportOptions) -> list[dict]:
    sa = dns_name(options.name, "scaler")
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(sa, options)},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta(sa, options),
            "rules": [
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments", "deployments/scale"],
                    "resourceNames": [options.name],
                    "verbs": ["get", "patch", "update"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta(sa, options),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": sa},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": options.namespace}],
        },
    ]


def cron_jobs(plan: Plan, options: ExportOptions) -> list[dict]:
    sa, jobs = dns_name(options.name, "scaler"), []
    for w in plan.windows:
        for i, s in enumerate(spans(w)):
            name = dns_name(options.name, _span_name(w, i))[:52].strip("-")  # CronJob names: ≤ 52 characters
            command = [
                "kubectl",
                "scale",
                f"deployment/{options.name}",
                f"--replicas={w.config.replicas}",
                f"--namespace={options.namespace}",
            ]
            pod = {
                "serviceAccountName": sa,
                "restartPolicy": "OnFailure",
                "containers": [{"name": "scale", "image": options.kubectl_image, "command": command}],
            }
            job = {"backoffLimit": 3, "template": {"spec": pod}}
            jobs.append(
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "metadata": _meta(name, options),
                    "spec": {
                        "schedule": s.start,
                        "timeZone": TIMEZONE,
                        "concurrencyPolicy": "Forbid",
                        "startingDeadlineSeconds": 600,
                        "jobTemplate": {"spec": job},
                    },
                }
            )
    return jobs


def render(plan: Plan, options: ExportOptions, requests=None) -> dict[str, str]:
    options = replace(options, name=dns_name(options.name), namespace=dns_name(options.namespace))
    w = deployed_window(plan, options)
    differs = [x.label for x in plan.windows if _engine_flags(x) != _engine_flags(w)]
    head = (
        f"# Engine for window {w.label!r}; the schedule scales replicas only."
        + (
            f"\n# Windows with other engine flags (redeploy with vllm/<window>.yaml to match): {', '.join(differs)}"
            if differs
            else ""
        )
        + "\n"
    )
    files = {
        "k8s/deployment.yaml": head + yaml.safe_dump(deployment(plan, options), sort_keys=False),
        "k8s/keda-scaledobject.yaml": (
            "# KEDA cron schedule: one trigger per window (more when its hours differ "
            "by day)\n" + yaml.safe_dump(scaled_object(plan, options), sort_keys=False)
        ),
        "k8s/cronjobs.yaml": (
            "# Alternative without KEDA: kubectl scale at each window start\n"
            + yaml.safe_dump_all(rbac(options) + cron_jobs(plan, options), sort_keys=False)
        ),
    }
    if k8s_autoscale.autoscaled(plan, w):
        files["k8s/keda-autoscaled.yaml"] = k8s_autoscale.render(plan, w, options, _meta(options.name, options))
    return files


def _span_name(w: Window, i: int) -> str:
    return dns_name(w.slug, str(i)) if len(spans(w)) > 1 else w.slug


def _engine_flags(w: Window) -> tuple:
    c = w.config
    return (c.gpu, c.tp, c.weights, c.kv, c.max_model_len, c.max_num_seqs, c.max_num_batched_tokens)
