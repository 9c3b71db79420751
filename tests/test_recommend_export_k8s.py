"""k8s export: every document loads, has apiVersion/kind/DNS-1123 metadata.name and its kind's required
fields (what `kubectl apply --dry-run=client` checks), and every cron expression is valid 5-field cron."""

import re

import pytest
import yaml

from export_fixtures import HOUR_OF_WEEK, plans
from recommend.export import ExportOptions, PlanError, export, load_plan

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CRON_FIELDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]  # minute hour day-of-month month day-of-week
API = {"Deployment": "apps/v1", "ScaledObject": "keda.sh/v1alpha1", "CronJob": "batch/v1", "ServiceAccount": "v1",
       "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1"}


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
    triggers = [(t["metadata"]["start"], t["metadata"]["end"], t["metadata"]["desiredReplicas"])
                for t in scaled["spec"]["triggers"]]
    # weekdays 09–18 → one trigger; the rest of the week → Mon–Thu nights and the Fri→Mon weekend
    assert triggers == [("0 9 * * 1-5", "0 18 * * 1-5", "4"), ("0 18 * * 1-4", "0 9 * * 2-5", "1"),
                        ("0 18 * * 5", "0 9 * * 1", "1")]
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 4)
    jobs = {d["spec"]["schedule"]: d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
            for d in docs if d["kind"] == "CronJob"}
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
