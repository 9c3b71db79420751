"""--scale-max: the scaler may run above the window's forecast ceiling, up to a cap, when its signal asks."""

import json
from datetime import timedelta

import numpy as np
import pytest
import yaml
from export_fixtures import HOUR_OF_WEEK

from recommend.autoscale import AutoscalePolicy, LoadWeights, WindowScaling
from recommend.backtest import Traffic, backtest, read_plan
from recommend.backtest.disagg import PlanSplit
from recommend.engine_config import EngineConfig
from recommend.errors import RecommendError
from recommend.export import ExportOptions, export
from recommend.plan import parse_plan
from recommend.recommender import RecommendOptions
from recommend.scale_max import cap_replicas, scale_max_value, with_scale_caps
from tests.test_recommend_autoscale import MONDAY, scaled_plan, steady
from tests.test_recommend_export_k8s import AUTOSCALE

WEIGHTS = LoadWeights(prefill_s_per_token=0.001, decode_s_per_token=0.005)


def test_the_signal_raises_replicas_above_the_ceiling_up_to_the_cap_and_not_beyond():
    # ratio 1, 1 req/s per replica, ceiling 8, cap 10: 9.5 req/s -> ceil(9.5) = 10 (above the ceiling);
    # 14 req/s wants 14 -> the cap 10; without a cap -> the ceiling 8
    policy = AutoscalePolicy(ratio=1.0)
    capped = WindowScaling(min_replicas=1, max_replicas=8, rps_per_replica=1.0, cap_replicas=10)
    plain = WindowScaling(min_replicas=1, max_replicas=8, rps_per_replica=1.0)
    assert [capped.replicas(policy, r, False) for r in (5.0, 9.5, 14.0)] == [5, 10, 10]
    assert [plain.replicas(policy, r, False) for r in (5.0, 9.5, 14.0)] == [5, 8, 8]
    # queued bulk work and a missing signal bring the planned fleet (the ceiling), not the cap
    assert capped.replicas(policy, 14.0, True) == 8 and capped.replicas(policy, float("nan"), False) == 8
    assert capped.most == 10 and plain.most == 8
    # the plan JSON carries the cap only where it is above the ceiling
    assert WindowScaling.from_dict(capped.to_dict(), 8) == capped
    assert "cap_replicas" not in plain.to_dict()


def test_a_replayed_piece_whose_load_is_above_the_ceiling_runs_the_cap():
    # 3 req/s until 02:00 then 1 req/s; prompt 800, output 20: 0.8 + 0.1 = 0.9 busy s each; 0.5 busy s/s
    # per replica planned, ceiling 2, cap 4. 01:15-02:45 see 3 x 0.9 = 2.7 busy s/s -> ceil(5.4) = 6, capped
    # to 4 (7 pieces); 03:00 (decided 02:55: busiest 15 min (5 x 3 + 10 x 1) / 15 = 1.667 req/s x 0.9 =
    # 1.5 busy s/s) -> 3, above the ceiling; 03:15-03:45: 0.9 / 0.5 = 1.8 -> 2
    data = scaled_plan()
    data["windows"][0]["config"] = data["windows"][0]["config"] | {"replicas": 2}
    data["windows"][0]["autoscale"] = WindowScaling(
        min_replicas=1, max_replicas=2, rps_per_replica=1.0, load=WEIGHTS, load_per_replica=0.5, cap_replicas=4
    ).to_dict()
    plan = read_plan(data)
    assert plan.windows[0].config.tp == 1
    arrival = steady([3, 3, 1, 1])
    traffic = Traffic.from_arrays(arrival, np.full(arrival.size, 800), np.full(arrival.size, 20))
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=4)
    result = backtest(plan, traffic, since=since, until=until)
    assert [h.replicas for h in result.hours] == [4] * 7 + [3] + [2] * 3
    # GPU-hours count the replicas run: 0.25 h x (7 x 4 + 3 + 3 x 2) = 9.25, above the static-peak plan's
    # 2 GPUs x 2.75 h = 5.5 (its baseline is the ceiling, so savings go negative where the cap is used)
    assert result.gpu_hours == pytest.approx(9.25) and result.static_peak_gpu_hours == pytest.approx(5.5)
    assert result.savings_pct == pytest.approx(100 * (1 - 9.25 / 5.5))
    # the same plan without the cap holds the ceiling in every piece
    del data["windows"][0]["autoscale"]["cap_replicas"]
    assert [h.replicas for h in backtest(read_plan(data), traffic, since=since, until=until).hours] == [2] * 11


def test_the_cap_is_the_static_peak_plans_gpus_or_a_factor_of_the_ceiling():
    # static peak 16 GPUs: a TP-2 window of 5 replicas may run 16 // 2 = 8; a TP-3 window of 4 runs
    # 16 // 3 = 5 (never more GPUs than the static-peak plan); the peak window itself keeps its 8
    assert cap_replicas("static-peak", 5, 2, 16) == 8
    assert cap_replicas("static-peak", 4, 3, 16) == 5
    assert cap_replicas("static-peak", 8, 2, 16) == 8
    # K x the ceiling, rounded up: 1.25 x 10 = 12.5 -> 13; 1.2 x 10 = 12 (no float-noise 13); ceiling -> 10
    assert cap_replicas(1.25, 10, 2, 16) == 13 and cap_replicas(1.2, 10, 2, 16) == 12
    assert cap_replicas("ceiling", 10, 2, 16) == 10
    assert scale_max_value("1.5") == 1.5 and scale_max_value("static-peak") == "static-peak"
    for bad in ("0.9", "peak", "inf", "nan"):
        with pytest.raises(RecommendError, match="--scale-max"):
            scale_max_value(bad)
    with pytest.raises(RecommendError, match="--scale-max"):
        RecommendOptions(scale_max="2x")


def _entry(label: str, tp: int, replicas: int) -> dict:
    return {
        "window": {"label": label},
        "config": {"tp": tp, "replicas": replicas},
        "autoscale": {"min_replicas": 1, "max_replicas": replicas, "rps_per_replica": 1.0},
        "reasons": ["config"],
    }


def test_plan_windows_get_the_cap_and_a_reason():
    # nights 2 x 3 = 6 GPUs, days 2 x 8 = 16 GPUs (the static peak): static-peak lets nights run 8
    # replicas, days keep 8 (no cap written); 1.5 x: nights ceil(4.5) = 5, days 12
    entries = [_entry("nights", 2, 3), _entry("days", 2, 8)]
    nights, days = with_scale_caps(entries, "static-peak")
    assert nights["autoscale"]["cap_replicas"] == 8 and "cap_replicas" not in days["autoscale"]
    assert "up to 8 replicas (16 GPUs: the static-peak plan's 16 GPUs" in nights["reasons"][-1]
    assert days["reasons"] == ["config"]
    nights, days = with_scale_caps(entries, "1.5")
    assert (nights["autoscale"]["cap_replicas"], days["autoscale"]["cap_replicas"]) == (5, 12)
    assert "1.5 x the ceiling" in days["reasons"][-1]
    assert with_scale_caps(entries, "ceiling") == entries
    assert entries[0]["autoscale"] == _entry("nights", 2, 3)["autoscale"]  # the input is not changed


def test_a_disaggregated_window_grows_both_pools_above_the_ceiling():
    # prefill 2, decode 4 replicas as an aggregated ceiling of 3: 6 of 3 -> 4 and 8; 3 of 3 -> as planned;
    # 1 of 3 -> ceil(2 / 3) = 1 and ceil(4 / 3) = 2
    config = {"gpu": "h100-sxm", "tp": 1, "weights": "bf16", "kv": "bf16", "max_model_len": 4096, "max_num_seqs": 64}
    config |= {"max_num_batched_tokens": 4096}
    split = PlanSplit(
        prefill=EngineConfig.from_dict(config | {"replicas": 2}, where="p"),
        decode=EngineConfig.from_dict(config | {"replicas": 4}, where="d"),
        link="ib-ndr",
    )
    assert [split.scaled(r, 3) for r in (6, 3, 1, 0)] == [(4, 8), (2, 4), (1, 2), (2, 4)]


def test_the_k8s_autoscaler_carries_the_cap_and_falls_back_to_the_ceiling():
    # weekdays: ceiling 4, cap 6 -> maxReplicaCount 6, scale-up step 6 pods, fallback and the bulk-queue
    # snippet at the ceiling 4; nights (not applied): ceiling 1, cap 2 listed as max 2
    data = json.loads(HOUR_OF_WEEK.read_text())
    data["autoscale"] = AUTOSCALE
    data["windows"][0]["autoscale"] = {"min_replicas": 1, "max_replicas": 4, "rps_per_replica": 5.0, "cap_replicas": 6}
    data["windows"][1]["autoscale"] = {"min_replicas": 1, "max_replicas": 1, "rps_per_replica": 2.0, "cap_replicas": 2}
    text = export(parse_plan(data, source="capped"), "k8s", ExportOptions())["k8s/keda-autoscaled.yaml"]
    spec = yaml.safe_load(text)["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 6)
    assert spec["fallback"]["replicas"] == 4
    (up,) = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleUp"]["policies"]
    assert up["value"] == 6
    assert "bool 0) * 4" in text and "cap above the 4-replica ceiling" in text and "min 1, max 2" in text
