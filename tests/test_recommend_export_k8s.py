"""k8s export: every document loads, has apiVersion/kind/DNS-1123 metadata.name and its kind's required
fields (what `kubectl apply --dry-run=client` checks), and every cron expression is valid 5-field cron."""

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from export_fixtures import HOUR_OF_WEEK, plans

from recommend.export import ExportOptions, PlanError, export, load_plan
from recommend.export.k8s_autoscale import _cron
from recommend.plan import parse_plan
from recommend.seasonal import SeasonalFloor
from tracefit.cli import cli

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CRON_FIELDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]  # minute hour day-of-month month day-of-week
API = {
    "Deployment": "apps/v1",
    "ScaledObject": "keda.sh/v1alpha1",
    "CronJob": "batch/v1",
    "ServiceAccount": "v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
}


def cron_valid(expr: str) -> bool:
    fields = expr.split()
    if len(fields) != 5:
        return False
    for field, (low, high) in zip(fields, CRON_FIELDS):
        for part in field.split(","):
            if part == "*":
                continue
            bounds = part.split("-")
            if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
                return False
            values = [int(b) for b in bounds]
            if not all(low <= v <= high for v in values) or values != sorted(values):
                return False
    return True


def documents(plan, **options) -> list[dict]:
    files = export(plan, "k8s", ExportOptions(**options))
    return [doc for text in files.values() for doc in yaml.safe_load_all(text)]


def check_required(doc: dict) -> None:
    kind, spec = doc["kind"], doc.get("spec", {})
    if kind == "Deployment":
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items()
        (container,) = spec["template"]["spec"]["containers"]
        assert container["name"] and container["image"] and isinstance(spec["replicas"], int)
        assert all(isinstance(a, str) for a in container["command"] + container["args"])
    elif kind == "ScaledObject":
        assert spec["scaleTargetRef"]["name"] and spec["triggers"]
        assert spec["minReplicaCount"] <= spec["maxReplicaCount"]
        for t in spec["triggers"]:
            m = t["metadata"]
            if t["type"] == "prometheus":
                assert m["serverAddress"] and m["query"] and t["metricType"] == "AverageValue"
                assert isinstance(m["threshold"], str) and float(m["threshold"]) > 0  # KEDA wants a string
                continue
            assert t["type"] == "cron" and m["timezone"] == "Etc/UTC" and m["start"] != m["end"]
            assert cron_valid(m["start"]) and cron_valid(m["end"]), m
            assert isinstance(m["desiredReplicas"], str) and m["desiredReplicas"].isdigit()  # KEDA wants a string
            assert spec["minReplicaCount"] <= int(m["desiredReplicas"]) <= spec["maxReplicaCount"]
    elif kind == "CronJob":
        assert cron_valid(spec["schedule"]) and spec["timeZone"] == "Etc/UTC"
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["restartPolicy"] in ("OnFailure", "Never") and pod["serviceAccountName"]
        assert len(doc["metadata"]["name"]) <= 52
    elif kind == "Role":
        assert any("deployments/scale" in r["resources"] for r in doc["rules"])
    elif kind == "RoleBinding":
        assert doc["roleRef"]["kind"] == "Role" and doc["subjects"]


@pytest.mark.parametrize("plan", plans(), ids=["hour_of_week", "start_end"])
def test_every_document_is_valid(plan):
    docs = documents(plan)
    assert {d["kind"] for d in docs} == set(API)
    for doc in docs:
        assert doc["apiVersion"] == API[doc["kind"]]
        name = doc["metadata"]["name"]
        assert DNS_1123.match(name) and len(name) <= 63, name
        check_required(doc)


def test_schedule_hand_checked():
    docs = documents(load_plan(HOUR_OF_WEEK), name="Chat Engine", namespace="prod")
    (scaled,) = [d for d in docs if d["kind"] == "ScaledObject"]
    triggers = [
        (t["metadata"]["start"], t["metadata"]["end"], t["metadata"]["desiredReplicas"])
        for t in scaled["spec"]["triggers"]
    ]
    # weekdays 09–18 → one trigger; the rest of the week → Mon–Thu nights and the Fri→Mon weekend
    assert triggers == [
        ("0 9 * * 1-5", "0 18 * * 1-5", "4"),
        ("0 18 * * 1-4", "0 9 * * 2-5", "1"),
        ("0 18 * * 5", "0 9 * * 1", "1"),
    ]
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 4)
    jobs = {
        d["spec"]["schedule"]: d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
        for d in docs
        if d["kind"] == "CronJob"
    }
    assert jobs["0 9 * * 1-5"] == ["kubectl", "scale", "deployment/chat-engine", "--replicas=4", "--namespace=prod"]
    assert set(jobs) == {"0 9 * * 1-5", "0 18 * * 1-4", "0 18 * * 5"}
    assert all(d["metadata"]["namespace"] == "prod" for d in docs)


def test_deployment_uses_the_chosen_window_and_flags():
    plan = load_plan(HOUR_OF_WEEK)
    (dep,) = [d for d in documents(plan, image="my/vllm:1", model="org/ft") if d["kind"] == "Deployment"]
    container = dep["spec"]["template"]["spec"]["containers"][0]
    # default window = most GPUs: weekdays (4 x tp1)
    assert dep["spec"]["replicas"] == 4 and container["image"] == "my/vllm:1"
    assert container["command"] + container["args"][:1] == ["vllm", "serve", "org/ft"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    (night,) = [d for d in documents(plan, window="nights and weekends") if d["kind"] == "Deployment"]
    assert "--enable-chunked-prefill" in night["spec"]["template"]["spec"]["containers"][0]["args"]
    with pytest.raises(PlanError, match="no window 'lunch'"):
        documents(plan, window="lunch")


def test_cron_validator_can_fail():
    assert not cron_valid("0 9 * *") and not cron_valid("0 24 * * 1") and not cron_valid("0 9 * * 5-1")


AUTOSCALE = {
    "interval_s": 900.0,
    "delay_s": 300.0,
    "lookback_s": 3600.0,
    "bucket_s": 900.0,
    "peak_s": 300.0,
    "quantile": 0.99,
    "ratio": 2.0,
    "intervals": 96,
    "method": "...",
}


def autoscaled_plan(**policy):
    """HOUR_OF_WEEK with a measured scaler: weekdays 1..4 replicas at 5 req/s each, nights 1..1 at 2 req/s."""
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["autoscale"] = AUTOSCALE | policy
    data["windows"][0]["autoscale"] = {"min_replicas": 1, "max_replicas": 4, "rps_per_replica": 5.0}
    data["windows"][1]["autoscale"] = {"min_replicas": 1, "max_replicas": 1, "rps_per_replica": 2.0}
    return parse_plan(data, source="autoscaled")


def autoscaled_doc(plan, **options) -> tuple[str, dict]:
    text = export(plan, "k8s", ExportOptions(**options))["k8s/keda-autoscaled.yaml"]
    return text, yaml.safe_load(text)


def test_autoscaled_scaled_object_hand_checked():
    text, doc = autoscaled_doc(autoscaled_plan(), name="Chat Engine", namespace="prod", model="org/ft")
    spec = doc["spec"]
    (trigger,) = spec["triggers"]
    # deployed window = weekdays (most GPUs): 1..4 replicas; threshold = rps_per_replica / ratio = 5.0 / 2.0
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 4)
    assert trigger["metadata"]["threshold"] == "2.5" and trigger["metricType"] == "AverageValue"
    assert trigger["metadata"]["serverAddress"] == "http://prometheus-operated.monitoring.svc:9090"
    # busiest 900 s mean within the last 3600 s: rates over 900 s ending in the last 3600 - 900 = 2700 s
    assert trigger["metadata"]["query"] == (
        'max_over_time(sum(rate(vllm:request_success_total{model_name="org/ft"}[900s]))[2700s:1m])'
    )
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 900  # interval_s
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert spec["fallback"]["replicas"] == 4 and spec["scaleTargetRef"]["name"] == "chat-engine"
    assert doc["metadata"] == {
        "name": "chat-engine",
        "namespace": "prod",
        "labels": {"app.kubernetes.io/name": "chat-engine", "app.kubernetes.io/managed-by": "tracefit"},
    }
    assert "one ScaledObject per workload" in text and "ratio 2 " in text and "96 planning intervals" in text
    assert "batch queue" in text and "within 300s" in text
    assert "threshold 1" in text  # nights: 2.0 / 2.0, listed as not applied


def test_autoscaled_on_engine_load_weights_the_token_counters():
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["autoscale"] = AUTOSCALE
    data["windows"][0]["autoscale"] = {
        "min_replicas": 1,
        "max_replicas": 4,
        "rps_per_replica": 5.0,
        "prefill_s_per_token": 0.0002,
        "decode_s_per_token": 0.001,
        "load_per_replica": 0.7,
    }
    text, doc = autoscaled_doc(parse_plan(data, source="load"), model="org/ft")
    (trigger,) = doc["spec"]["triggers"]
    # threshold = load_per_replica / ratio = 0.7 / 2.0 busy s/s; signal = 0.0002 s x prompt tokens/s +
    # 0.001 s x output tokens/s, the busiest 900 s within the last hour
    assert trigger["metadata"]["threshold"] == "0.35" and trigger["name"] == "engine-load"
    prompt = 'sum(rate(vllm:prompt_tokens_total{model_name="org/ft"}[900s]))'
    output = 'sum(rate(vllm:generation_tokens_total{model_name="org/ft"}[900s]))'
    assert trigger["metadata"]["query"] == f"max_over_time((0.0002 * {prompt} + 0.001 * {output})[2700s:1m])"
    assert "busy s/s per replica" in text and "heavier mix scales up" in text


def test_autoscaled_follows_the_chosen_window_and_options():
    plan = autoscaled_plan(lookback_s=900.0, interval_s=1800.0)
    _, doc = autoscaled_doc(plan, window="nights and weekends", prometheus="http://prom:9090")
    (trigger,) = doc["spec"]["triggers"]
    # nights: 1..1 replicas, 2.0 / 2.0 = 1; lookback = bucket: one 900 s rate, no subquery
    assert (doc["spec"]["minReplicaCount"], doc["spec"]["maxReplicaCount"]) == (1, 1)
    assert trigger["metadata"]["threshold"] == "1" and trigger["metadata"]["serverAddress"] == "http://prom:9090"
    assert trigger["metadata"]["query"].startswith("sum(rate(") and trigger["metadata"]["query"].endswith("[900s]))")
    behavior = doc["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 1800


def test_autoscaled_documents_are_valid():
    for doc in documents(autoscaled_plan()):
        assert doc["apiVersion"] == API[doc["kind"]] and DNS_1123.match(doc["metadata"]["name"])
        check_required(doc)


def test_no_autoscaled_file_without_a_measured_scaler():
    assert "k8s/keda-autoscaled.yaml" not in export(load_plan(HOUR_OF_WEEK), "k8s", ExportOptions())
    unmeasured = autoscaled_plan(ratio=None)
    files = export(unmeasured, "k8s", ExportOptions())
    assert "k8s/keda-autoscaled.yaml" not in files
    assert files == export(load_plan(HOUR_OF_WEEK), "k8s", ExportOptions())  # output unchanged


def test_cli_prometheus_flag(tmp_path):
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["autoscale"] = AUTOSCALE
    data["windows"][0]["autoscale"] = {"min_replicas": 2, "max_replicas": 4, "rps_per_replica": 5.0}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data))
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--plan",
            str(plan),
            "--to",
            "k8s",
            "--out",
            str(tmp_path),
            "--prometheus",
            "http://thanos-query.obs:9090",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load((tmp_path / "k8s" / "keda-autoscaled.yaml").read_text())
    assert doc["spec"]["triggers"][0]["metadata"]["serverAddress"] == "http://thanos-query.obs:9090"
    assert doc["spec"]["minReplicaCount"] == 2


def test_bad_scaler_policy_is_a_plan_error():
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["windows"][0]["autoscale"] = {"min_replicas": 1}  # no rps_per_replica
    with pytest.raises(PlanError, match=r"windows\[0\]\.autoscale"):
        parse_plan(data)


def test_seasonal_floor_as_cron_triggers_hand_checked():
    # weekdays window (hours 9-17 Mon-Fri), 1..4 replicas at 5 req/s: Mon-Fri 09:00-10:00 (slots 36-39 of each
    # day) need 12 req/s -> ceil(2.4) = 3 replicas; Monday 10:00-10:15 (slot 40) 30 -> 6, held at the ceiling 4;
    # Monday 08:45 (slot 35) is the nights window's, whose 1..1 range leaves no floor above its minimum.
    need = [0.0] * 672
    for day in range(5):
        need[day * 96 + 36 : day * 96 + 40] = [12.0] * 4
    need[40], need[35] = 30.0, 12.0
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["autoscale"] = AUTOSCALE | {
        "floor": SeasonalFloor(quantile=0.5, basis="day type", days=5, need=tuple(need)).to_dict()
    }
    data["windows"][0]["autoscale"] = {"min_replicas": 1, "max_replicas": 4, "rps_per_replica": 5.0}
    data["windows"][1]["autoscale"] = {"min_replicas": 1, "max_replicas": 1, "rps_per_replica": 2.0}
    text, doc = autoscaled_doc(parse_plan(data, source="floor"))
    rate, *crons = doc["spec"]["triggers"]
    assert rate["type"] == "prometheus"
    # each starts delay_s = 300 s before its first slot: 09:00 - 5 min = 08:55; cron's Monday is 1
    assert crons == [
        {
            "type": "cron",
            "name": "seasonal-floor-0",
            "metadata": {
                "timezone": "Etc/UTC",
                "start": "55 8 * * 1,2,3,4,5",
                "end": "0 10 * * 1,2,3,4,5",
                "desiredReplicas": "3",
            },
        },
        {
            "type": "cron",
            "name": "seasonal-floor-1",
            "metadata": {"timezone": "Etc/UTC", "start": "55 9 * * 1", "end": "15 10 * * 1", "desiredReplicas": "4"},
        },
    ]
    assert "2 cron triggers" in text and "--scale-seasonal 0.5" in text
    check_required(doc)
    # a run from 00:00 starts the evening before (Monday -> Sunday 23:55); one ending at 24:00 ends at 00:00
    # of the next day (Friday -> Saturday = 6)
    assert _cron(-5, [0]) == "55 23 * * 0" and _cron(1440, [4]) == "0 0 * * 6"
    # without a floor the document has the one rate trigger (test_autoscaled_scaled_object_hand_checked)
