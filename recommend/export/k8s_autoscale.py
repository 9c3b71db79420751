"""Kubernetes: the plan's replica scaler (recommend/autoscale.py) as a KEDA ScaledObject on Prometheus.

The scaler: replicas = clamp(ceil(ratio x signal / rps_per_replica), min, most), signal = the busiest
`bucket_s` mean request rate within the last `lookback_s`; most = the window's ceiling (max_replicas), or
its cap_replicas where the plan lets the signal ask for more (`recommend --scale-max`):
maxReplicaCount = most, while the fallback and the bulk-queue trigger keep the ceiling. As a KEDA `prometheus` trigger
(https://keda.sh/docs/latest/scalers/prometheus/: serverAddress, query, threshold, ignoreNullValues;
trigger-level metricType, https://keda.sh/docs/latest/reference/scaledobject-spec/#triggers):
- query: the signal in PromQL over vLLM's request counter. vLLM registers the Counter
  "vllm:request_success" with labels model_name (= served_model_name, the `vllm serve` model argument
  when --served-model-name is unset), engine, finished_reason (vllm/v1/metrics/loggers.py,
  PrometheusStatLogger); prometheus_client exposes a Counter as `<name>_total`. rate(...[bucket_s])
  at a point is the mean over the bucket_s before it; max_over_time over a subquery at 1-minute steps
  spanning lookback_s - bucket_s keeps every such bucket inside the lookback (MinuteRates.busiest).
- metricType AverageValue: the HPA wants ceil(metric / target) replicas (Kubernetes HPA algorithm,
  https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details, outside
  its default 10% tolerance), so threshold = rps_per_replica / ratio gives ceil(ratio x signal /
  rps_per_replica).
- fallback (ScaledObject spec, "fallback"): after 3 failed queries, the window's planned fleet, as the
  scaler does when it has nothing to go on; ignoreNullValues "false" makes an empty answer (the series
  lost) a failure rather than a 0.
- engine load (plans whose window records LoadWeights, recommend/autoscale.py): the same over vLLM's
  token counters "vllm:prompt_tokens" and "vllm:generation_tokens" (Counters with label model_name,
  vllm/v1/metrics/loggers.py; `<name>_total` as exposed), weighted by the window's prefill and decode
  seconds per token: busy seconds per second; threshold = load_per_replica / ratio.
HPA behavior (ScaledObject advanced.horizontalPodAutoscalerConfig.behavior = the HPA's spec.behavior):
scale up at once (no stabilization, up to `most` pods per 15 s instead of the default doubling);
scale down to the highest recommendation of the last interval_s, as the scaler holds a count for an
interval (Kubernetes caps stabilizationWindowSeconds at 3600, kedacore/keda#4976).
Seasonal floor (plans made with --scale-seasonal, recommend/seasonal.py): KEDA `cron` triggers
(https://keda.sh/docs/2.17/scalers/cron/: metadata timezone (IANA), start and end (Linux cron "M H Dom Mon
Dow"), desiredReplicas; the HPA takes "the largest of the desired replica counts" over its metrics,
https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details), one per run of
slots with the same floor replicas, starting delay_s before the run (floor_triggers).
"""

import math
import textwrap

import yaml

from recommend.autoscale import MINUTE_S, AutoscalePolicy, WindowScaling
from recommend.export.options import ExportOptions
from recommend.plan import Plan, Window
from recommend.seasonal import DAY_S, window_slots

METRIC = "vllm:request_success_total"
PROMPT_METRIC, OUTPUT_METRIC = "vllm:prompt_tokens_total", "vllm:generation_tokens_total"
MAX_STABILIZATION_S = 3600  # HPA validation: spec.behavior.*.stabilizationWindowSeconds <= 3600
SCALE_UP_PERIOD_S = 15  # HPA scaling policy period; 15 s = the HPA's default sync period
FALLBACK_FAILURES = 3
HEADER_WIDTH = 110  # comment lines
TIMEZONE = "Etc/UTC"  # the floor's slots of the week are UTC


def signal_query(model: str, policy: AutoscalePolicy, scaling: WindowScaling | None = None) -> str:
    """PromQL: the busiest bucket_s mean req/s (engine load with the window's LoadWeights) of `model`
    within the last lookback_s."""

    def rate(metric: str) -> str:
        return f'sum(rate({metric}{{model_name="{_label(model)}"}}[{_s(policy.bucket_s)}]))'

    load = scaling.load if scaling else None
    signal = (
        rate(METRIC)
        if load is None
        else f"({load.prefill_s_per_token:.6g} * {rate(PROMPT_METRIC)} + {load.decode_s_per_token:.6g} * "
        f"{rate(OUTPUT_METRIC)})"
    )
    span_s = policy.lookback_s - policy.bucket_s
    return f"max_over_time({signal}[{_s(span_s)}:1m])" if span_s >= MINUTE_S else signal


def threshold(scaling: WindowScaling, policy: AutoscalePolicy) -> str:
    """per_replica / ratio as KEDA's string, 5 significant digits (the plan's rps_per_replica has 4 decimals)."""
    return format(scaling.per_replica / policy.ratio, ".5g")


def scaled_object(plan: Plan, w: Window, options: ExportOptions, metadata: dict) -> dict:
    policy, scaling = plan.autoscale, w.scaling
    query = signal_query(plan.hf_id(options.model), policy, scaling)
    trigger = {
        "type": "prometheus",
        "name": "engine-load" if scaling.load else "request-rate",
        "metricType": "AverageValue",
        "metadata": {
            "serverAddress": options.prometheus,
            "query": query,
            "threshold": threshold(scaling, policy),
            "ignoreNullValues": "false",
        },
    }
    behavior = {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": scaling.most, "periodSeconds": SCALE_UP_PERIOD_S}],
        },
        "scaleDown": {"stabilizationWindowSeconds": min(int(policy.interval_s), MAX_STABILIZATION_S)},
    }
    floors = floor_triggers(plan, w)
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata,
        "spec": {
            "scaleTargetRef": {"name": options.name},
            "pollingInterval": int(MINUTE_S),
            "minReplicaCount": scaling.min_replicas,
            "maxReplicaCount": scaling.most,
            "fallback": {"failureThreshold": FALLBACK_FAILURES, "replicas": scaling.max_replicas},
            "advanced": {"horizontalPodAutoscalerConfig": {"behavior": behavior}},
            "triggers": [trigger, *floors],
        },
    }


def floor_triggers(plan: Plan, w: Window) -> list[dict]:
    """The plan's seasonal floor (recommend/seasonal.py) in window w's hours as KEDA cron triggers: one per
    run of slots within a day holding the same floor replicas (above minReplicaCount), the same runs on several
    days in one trigger; each starts delay_s (whole minutes, rounded up) before its first slot, so the
    replicas serve from the slot's start as the backtest replays them, and ends with its last slot."""
    floor, scaling = plan.floor, w.scaling
    if floor is None:
        return []
    per_day = round(DAY_S / floor.slot_s)
    held = {s: scaling.floor_replicas(floor.need[s]) for s in window_slots(floor, w.hours)}
    runs: list[list[int]] = []  # [first slot, last slot + 1, replicas]
    for s in sorted(k for k, r in held.items() if r > scaling.min_replicas):
        if runs and runs[-1][1] == s and runs[-1][2] == held[s] and s % per_day:
            runs[-1][1] = s + 1
        else:
            runs.append([s, s + 1, held[s]])
    days: dict[tuple[int, int, int], list[int]] = {}  # (first, end slot of the day, replicas) -> days (0 = Mon)
    for a, b, r in runs:
        days.setdefault((a % per_day, b - a // per_day * per_day, r), []).append(a // per_day)
    lead_min = math.ceil(plan.autoscale.delay_s / MINUTE_S)
    slot_min = round(floor.slot_s / MINUTE_S)
    return [
        {
            "type": "cron",
            "name": f"seasonal-floor-{i}",
            "metadata": {
                "timezone": TIMEZONE,
                "start": _cron(a * slot_min - lead_min, on),
                "end": _cron(b * slot_min, on),
                "desiredReplicas": str(r),
            },
        }
        for i, ((a, b, r), on) in enumerate(sorted(days.items()))
    ]


def _cron(minute_of_day: int, days: list[int]) -> str:
    """Linux cron "M H * * DOW" for a minute of day (may be < 0: the day before, or 1440: the next day's 00:00)
    on `days` (0 = Monday); cron's day of week counts from 0 = Sunday."""
    shift, minute = divmod(minute_of_day, 1440)
    dow = ",".join(str((d + shift + 1) % 7) for d in sorted(days))
    return f"{minute % 60} {minute // 60} * * {dow}"


def autoscaled(plan: Plan, w: Window) -> bool:
    """Worth writing: a measured policy and a replica range with a positive rate per replica."""
    return plan.scaled and w.scaling is not None and w.scaling.per_replica > 0


def render(plan: Plan, w: Window, options: ExportOptions, metadata: dict) -> str:
    return header(plan, w) + yaml.safe_dump(scaled_object(plan, w, options, metadata), sort_keys=False)


def header(plan: Plan, w: Window) -> str:
    p, s = plan.autoscale, w.scaling
    floors = floor_triggers(plan, w)
    what, unit = ("engine-load", "busy s/s") if s.load else ("request-rate", "req/s")
    paragraphs = [
        f"KEDA {what} autoscaler for window {w.label!r} (the Deployment's engine flags). Apply this OR "
        "keda-scaledobject.yaml, not both: KEDA allows one ScaledObject per workload.",
        f"Measured by the plan: ratio {p.ratio:g} = the weighted {p.quantile:g} quantile, over {p.intervals} "
        f"planning intervals of {_s(p.interval_s)}, of the interval's busiest {_s(p.peak_s)} mean signal / "
        f"the busiest {_s(p.bucket_s)} mean in the {_s(p.lookback_s)} before.",
        f"Rule: replicas = clamp(ceil({p.ratio:g} x signal / {s.per_replica:g} {unit} per replica), "
        f"{s.min_replicas}, {s.most}). HPA AverageValue wants ceil(signal / threshold) replicas, so "
        f"threshold = {s.per_replica:g} / {p.ratio:g} = {threshold(s, p)}."
        + (
            f" {s.most} is the plan's cap above the {s.max_replicas}-replica ceiling (--scale-max): the "
            "signal may ask for more than the forecast sized; the fallback stays at the ceiling."
            if s.most > s.max_replicas
            else ""
        )
        + (
            f" Signal: {s.load.prefill_s_per_token:.6g} s per prompt token + {s.load.decode_s_per_token:.6g} s per "
            "output token (the window's engine config, recommend/queueing.py), so a heavier mix scales up."
            if s.load
            else ""
        ),
        *(
            [
                f"Seasonal floor (--scale-seasonal {plan.floor.quantile:g}, recommend/seasonal.py): "
                f"{len(floors)} cron triggers hold at least the replicas that the {plan.floor.quantile:g} quantile "
                f"of {plan.floor.days} planning days' same 15-min slots ({plan.floor.basis}) needed at the planned "
                "rate per replica; each starts the pod-start delay before its slot. The HPA runs the largest count "
                "over all triggers, so the request-rate trigger adds replicas above the floor."
            ]
            if floors
            else []
        ),
        f"Assumes a new replica serves within {_s(p.delay_s)} of the decision (pod scheduling, image pull, weights "
        "load); slower starts make the measured ratio too small.",
        f"The signal counts every request (token) {METRIC if not s.load else 'vLLM counts'} counts: bulk requests "
        "served here raise it (more replicas, the safe side).",
        f"Bulk (batch) work needs the full fleet: the plan validated the window's bulk admission at "
        f"{s.max_replicas} replicas only. Add a trigger on your batch queue's depth (tracefit cannot know its "
        "metric); KEDA runs the largest count over its triggers. For example:",
    ]
    snippet = [
        "  - type: prometheus",
        "    name: bulk-queued",
        "    metricType: AverageValue",
        "    metadata:",
        "      serverAddress: <as above>",
        f"      query: (<your batch queue depth> > bool 0) * {s.max_replicas}",
        "      threshold: '1'",
    ]
    others = [x for x in plan.windows if x is not w and x.scaling is not None and x.scaling.per_replica > 0]
    tail = [
        f"Not applied, window {x.label!r}: min {x.scaling.min_replicas}, max {x.scaling.most}, "
        f"threshold {threshold(x.scaling, p)}"
        for x in others
    ]
    lines = (
        [line for text in paragraphs for line in textwrap.wrap(text, HEADER_WIDTH, break_on_hyphens=False)]
        + snippet
        + tail
    )
    return "".join(f"# {line}\n" for line in lines)


def _s(seconds: float) -> str:
    """PromQL / comment duration in whole seconds: 900.0 -> "900s"."""
    return f"{math.ceil(seconds)}s"


def _label(value: str) -> str:
    """PromQL double-quoted label value (Go string escapes)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
