"""What a user may set on an export beyond the plan (CLI flags map 1:1 onto these fields)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportOptions:
    model: str | None = None  # Hugging Face id or path served; default: the plan's model mapped by the catalog
    name: str = "tracefit-engine"  # k8s Deployment / label name (DNS-1123)
    namespace: str = "default"
    image: str = "vllm/vllm-openai:latest"  # k8s engine image
    kubectl_image: str = "bitnami/kubectl:latest"  # k8s CronJob alternative
    window: str | None = None  # k8s Deployment: window label or slug to size it for; default the busiest
    # k8s keda-autoscaled.yaml: Prometheus query API; default the Prometheus Operator's governing Service
    # "prometheus-operated" (prometheus-operator pkg/prometheus/statefulset.go) in namespace "monitoring"
    prometheus: str = "http://prometheus-operated.monitoring.svc:9090"
    host: str = "0.0.0.0"
    port: int = 8000
