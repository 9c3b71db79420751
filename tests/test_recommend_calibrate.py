"""Calibration: a log whose latencies the simulator produced with a known, perturbed efficiency."""

import dataclasses

import numpy as np
import pytest

from profiles.profile import load_profile, save_profile
from recommend.backtest import ReplayOptions
from recommend.calibrate import Deployed, Measured, calibrate, calibration_document, compare
from recommend.engine_config import EngineConfig
from recommend.roofline import StepModel, efficiency_for, with_profile
from recommend.simulate import simulate

DAY0 = 19_676 * 86_400.0  # 2023-11-15 00:00 UTC: windows start on multiples of WINDOW_S
WINDOW_S, ACTIVE_S = 900.0, 300.0  # traffic in the first 5 min of each 15-min window: windows independent
CONFIG = EngineConfig(
    gpu="h100-sxm",
    tp=1,
    weights="bf16",
    kv="bf16",
    max_model_len=8192,
    max_num_seqs=128,
    max_num_batched_tokens=4096,
    replicas=1,
)
DEPLOYED = Deployed(model="llama-3.1-8b", config=CONFIG)
WHOLE = ReplayOptions(max_requests=0, warmup_s=0, exact_routing=True)


@pytest.fixture(scope="module")
def logged():
    """Four windows at 0.5, 2, 6, 12 req/s; latencies simulated with hbm_fraction x 0.8 (0.85 -> 0.68)."""
    rng = np.random.default_rng(42)
    arrival = np.concatenate(
        [
            k * WINDOW_S + np.sort(rng.uniform(0, ACTIVE_S, rng.poisson(rate * ACTIVE_S)))
            for k, rate in enumerate([0.5, 2, 6, 12])
        ]
    )
    prompt = np.clip(rng.lognormal(np.log(800), 0.8, arrival.size), 16, 6000).astype(int)
    output = np.clip(rng.lognormal(np.log(150), 0.8, arrival.size), 2, 2000).astype(int)
    dep = CONFIG.deployment("llama-3.1-8b")
    base = efficiency_for(dep)
    true = dataclasses.replace(base, hbm_fraction=base.hbm_fraction * 0.8)
    spec, model = CONFIG.simulation_parts("llama-3.1-8b", step_model=StepModel(dep, efficiency=true))
    r = simulate(arrival, prompt, output, engine=spec, step_s=model.step_s)
    measured = Measured.from_arrays(DAY0 + arrival, prompt, output, r.ttft_ms, r.tpot_ms, r.e2e_ms)
    return measured, base, true


def test_prediction_with_the_true_efficiency_has_no_error(logged):
    measured, _, true = logged
    dep = CONFIG.deployment("llama-3.1-8b")
    at_truth = compare(measured, DEPLOYED, step_model=StepModel(dep, efficiency=true), window_s=WINDOW_S, options=WHOLE)
    assert len(at_truth.windows) == 4
    # same arrivals, same step times -> the same schedule, up to float rounding of the time origin
    assert max(at_truth.mape.values()) < 1e-3


def test_calibrate_recovers_the_perturbed_factor(logged):
    measured, base, true = logged
    cal = calibrate(measured, DEPLOYED, window_s=WINDOW_S, options=WHOLE, max_evals=40)
    assert cal.factors["hbm_fraction"] == pytest.approx(true.hbm_fraction, rel=0.03)  # 0.68
    assert cal.factors["gemm_fraction"] == pytest.approx(base.gemm_fraction, rel=0.03)  # unperturbed 0.80
    # the default model is ~25% too fast on decode: TPOT off by > 10% before, < 2% after
    assert cal.before.mape["tpot_p50_ms"] > 0.10
    assert max(cal.after.mape.values()) < 0.02

    doc = calibration_document(
        cal,
        DEPLOYED,
        window_s=WINDOW_S,
        created_utc="2025-01-01T00:00:00+00:00",
        command="test",
        tracefit_version="0",
        since=None,
        until=None,
    )
    assert doc["error"]["after"]["mape"]["tpot_p50_ms"] < doc["error"]["before"]["mape"]["tpot_p50_ms"]
    assert doc["factors"] == cal.factors and doc["device"]["catalog_gpu"] == "h100-sxm"


def test_calibration_file_flows_into_the_step_model(tmp_path):
    doc = {
        "schema": "tracefit.calibration",
        "schema_version": 1,
        "created_utc": "2025-01-01T00:00:00+00:00",
        "device": {"name": "h100-sxm (calibrated)", "catalog_gpu": "h100-sxm", "kind": "calibration"},
        "factors": {"hbm_fraction": 0.5},
    }
    loaded = load_profile(save_profile(doc, tmp_path / "cal.json"))
    dep = with_profile(CONFIG.deployment("llama-3.1-8b"), loaded)
    assert dep.engine.efficiency.hbm_fraction == 0.5
    assert "calibration" in efficiency_for(dep).source
    # decode at batch 1 streams weights: slower with half the default 0.85 bandwidth share
    assert StepModel(dep).decode_step_s(1, 1000) > StepModel(CONFIG.deployment("llama-3.1-8b")).decode_step_s(1, 1000)


def test_calibration_file_with_unknown_factor_is_refused(tmp_path):
    from profiles.profile import ProfileError

    doc = {
        "schema": "tracefit.calibration",
        "schema_version": 1,
        "device": {"name": "x"},
        "factors": {"warp_speed": 2.0},
    }
    with pytest.raises(ProfileError, match="warp_speed"):
        save_profile(doc, tmp_path / "bad.json")
