"""Profile files (schema, load, list) and the profile -> efficiency link the roofline uses. No torch here:
the profiles are built by hand so every expected number can be derived on paper."""

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import profiles.profile as profile_mod
from profiles import Efficiency, get_gpu
from profiles.profile import (
    SCHEMA,
    SCHEMA_VERSION,
    ProfileError,
    list_profiles,
    load_profile,
    save_profile,
    shipped_profile_for,
    validate,
)
from profiles.profile_efficiency import Knots, ProfiledEfficiency, decode_curve, lower_convex_hull, profiled_efficiency
from recommend.deployment import deployment
from recommend.roofline import StepModel, efficiency_for, with_profile

H100 = get_gpu("h100")


def flat_profile(*, gemm=0.5, prefill=0.25, decode=0.5, hbm=0.5, tiny_kernel_s=5e-6, decode_seconds=None) -> dict:
    """A profile of an H100 whose every curve is one constant fraction of the datasheet peaks."""
    peak, bw = H100.peak_tflops_bf16 * 1e12, H100.hbm_tb_s * 1e12
    gemm_rows = [
        {
            "model": "llama-3-8b",
            "shape": "qkv",
            "dtype": "bf16",
            "m": m,
            "n": 6144,
            "k": 4096,
            "calls_per_step": 32,
            "flops": 2.0 * m * 6144 * 4096,
            "median_s": 2.0 * m * 6144 * 4096 / (gemm * peak),
        }
        for m in (1, 16, 256, 4096)
    ]
    prefill_rows = [
        {
            "model": "llama-3-8b",
            "seq_tokens": n,
            "flops": 4.0 * 32 * 128 * n * n / 2,
            "median_s": 4.0 * 32 * 128 * n * n / 2 / (prefill * peak),
        }
        for n in (128, 1024, 8192)
    ]
    kv_bytes = (1e3, 1e5, 1e7, 1e9)
    seconds = decode_seconds or [x / (decode * bw) for x in kv_bytes]
    decode_rows = [{"model": "llama-3-8b", "kv_bytes": x, "median_s": s} for x, s in zip(kv_bytes, seconds)]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_utc": "2026-01-01T00:00:00+00:00",
        "device": {"name": "NVIDIA H100 80GB HBM3", "kind": "cuda", "catalog_gpu": "h100-sxm"},
        "reference": {
            "peak_tflops": {"bf16": H100.peak_tflops_bf16},
            "hbm_tb_s": H100.hbm_tb_s,
            "interconnect_gb_s": H100.interconnect_gb_s,
            "source": "test",
        },
        "settings": {"quick": True, "models": ["llama-3-8b"]},
        "measurements": {
            "hbm": [{"kernel": "read", "gb_s": hbm * H100.hbm_tb_s * 1e3}],
            "gemm": gemm_rows,
            "attention_prefill": prefill_rows,
            "attention_decode": decode_rows,
            "overhead": [{"kernel": "tiny_add", "median_s": tiny_kernel_s}],
            "allreduce": [],
        },
        "skipped": [],
    }


def test_knots_interpolate_and_extend_without_gaining_efficiency():
    k = Knots((1.0, 4.0), (2.0, 5.0), extend=True)
    assert k(2.5) == pytest.approx(3.5)  # 2 + (5 - 2) x 1.5 / 3
    assert k(0.5) == 2.0  # left of the first knot: constant
    # right: slope max(5 / 4 = 1.25, (5 - 2) / 3 = 1) = 1.25, so 5 + 1.25 x 4 = 10 (y/x stays 1.25)
    assert k(8.0) == pytest.approx(10.0)
    assert Knots((1.0, 4.0), (2.0, 5.0))(8.0) == 5.0


def test_gemm_efficiency_interpolates_time_between_measured_m():
    doc = flat_profile()
    doc["measurements"]["gemm"] = [
        dict(r, median_s=r["flops"] / (f * H100.peak_tflops_bf16 * 1e12), m=m)
        for r, m, f in zip(doc["measurements"]["gemm"][:2], (1, 64), (0.2, 0.8))
    ]
    eff = profiled_efficiency(doc, base=Efficiency())
    # time-like knots M / eff: 1 / 0.2 = 5 and 64 / 0.8 = 80; at M = 32: 5 + 75 x 31/63 = 41.905 -> 32 / 41.905
    assert eff.gemm_efficiency(1) == pytest.approx(0.2)
    assert eff.gemm_efficiency(32) == pytest.approx(32 / (5 + 75 * 31 / 63))
    assert eff.gemm_efficiency(16384) == pytest.approx(0.8)  # never above the largest measured M's


def test_flat_profile_predicts_like_the_same_scalar_efficiency():
    dep = deployment(model="llama-3-8b", gpu="h100")
    profiled = with_profile(dep, flat_profile())
    scalar = dataclasses.replace(
        dep.engine.efficiency,
        gemm_fraction=0.5,
        gemm_half_tokens=0.0,
        attention_fraction=0.25,
        hbm_fraction=0.5,
        layer_overhead_s=6 * 5e-6,
    )
    a, b = StepModel(profiled), StepModel(dep, scalar)
    assert isinstance(a.efficiency, ProfiledEfficiency)
    # prefill attention: the profile's 0.25 of peak, scalar path: attention_fraction 0.25
    for args in ((4096, 4096, 0, 0, 1), (0, 0, 8, 8000, 1), (512, 2048, 64, 64 * 3000, 1)):
        assert a.step_s(*args) == pytest.approx(b.step_s(*args), rel=1e-9)


def test_a_measured_layer_cost_keeps_the_engines_extra_for_context_steps():
    # trtllm-xqa charges a context step's layer 110 - 70 = 40 us more than a generation step's; a profile that
    # measures 6 kernels x 5 us = 30 us a layer gives 30 us and 70 us
    dep = deployment(model="llama-2-7b", gpu="h100", weights="fp8", kv="fp8", engine="trtllm-xqa")
    eff = with_profile(dep, flat_profile()).engine.efficiency
    base = dep.engine.efficiency
    assert eff.layer_overhead_s == pytest.approx(30e-6)
    assert eff.layer_overhead_s + eff.context_layer_extra_s == pytest.approx(30e-6 + 40e-6)
    # so does a calibration that fits the generation step's cost (tracefit calibrate)
    from profiles.profile_calibration import calibrated_efficiency

    cal = calibrated_efficiency({"factors": {"layer_overhead_s": 50e-6}}, base)
    assert cal.layer_overhead_s + cal.context_layer_extra_s == pytest.approx(50e-6 + 40e-6)
    # an engine without the split keeps none
    assert (
        with_profile(deployment(model="llama-3-8b", gpu="h100"), flat_profile()).engine.efficiency.context_layer_extra_s
        == 0
    )


def test_profile_changes_the_prediction_only_where_it_measured():
    dep = deployment(model="llama-3-8b", gpu="h100")
    slow_gemm = StepModel(with_profile(dep, flat_profile(gemm=0.1)))
    fast_gemm = StepModel(with_profile(dep, flat_profile(gemm=0.9)))
    assert slow_gemm.step(8192, 8192, 0, 0).weights_s > fast_gemm.step(8192, 8192, 0, 0).weights_s
    # engine fields the profile does not measure keep the engine's values
    assert slow_gemm.efficiency.step_overhead_s == dep.engine.efficiency.step_overhead_s


def test_decode_curve_is_the_lower_convex_hull_of_monotone_times():
    # seconds x HBM (bytes-equivalent) at 1e3, 1e5, 1e7, 1e9 B: 100, 1e5, 1.1e5, 2e9. Slopes from (1e3, 100):
    # to 1e5 about 1.0, to 1e7 about 0.011 -> the 1e5 point sits above the chord (concave) and is dropped.
    hbm = H100.hbm_tb_s * 1e12
    doc = flat_profile(decode_seconds=[100 / hbm, 1e5 / hbm, 1.1e5 / hbm, 2e9 / hbm])
    assert [x for x, _ in decode_curve(doc)] == [1e3, 1e7, 1e9]
    # a time that drops with more bytes is noise: the running max (100, 100) replaces the dip to 50
    dip = flat_profile(decode_seconds=[100 / hbm, 50 / hbm, 2e9 / hbm, 3e9 / hbm])
    assert decode_curve(dip)[1] == pytest.approx((1e5, 1e5 / 100))
    assert lower_convex_hull([(0, 0), (1, 5), (2, 1), (3, 3)]) == [(0, 0), (2, 1), (3, 3)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 512),
    lo=st.integers(1, 20000),
    width=st.integers(2, 200000),
    bumps=st.lists(st.floats(0.5, 2.0), min_size=4, max_size=4),
)
def test_decode_step_is_convex_in_context_with_any_measured_times(n, lo, width, bumps):
    # recommend/simulate/decode.py proves affinity from convexity; noisy measurements must not break it
    hbm = H100.hbm_tb_s * 1e12
    seconds = [b * x / (0.5 * hbm) + 3e-6 for b, x in zip(bumps, (1e3, 1e5, 1e7, 1e9))]
    model = StepModel(with_profile(deployment(model="llama-3-8b", gpu="h100"), flat_profile(decode_seconds=seconds)))
    a, b = n * lo, n * (lo + width)
    mid = (a + b) // 2
    f = lambda c: model.step_s(0, 0, n, c)  # noqa: E731
    assert f(mid) <= f(a) + (f(b) - f(a)) * (mid - a) / (b - a) + 1e-12


def test_validate_says_what_is_wrong(tmp_path):
    with pytest.raises(ProfileError, match="not a tracefit profile"):
        validate({"schema": "other"})
    with pytest.raises(ProfileError, match="newer than this tracefit"):
        validate({**flat_profile(), "schema_version": SCHEMA_VERSION + 1})
    broken = flat_profile()
    del broken["reference"]
    with pytest.raises(ProfileError, match="lacks reference"):
        validate(broken)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ProfileError, match="cannot read profile"):
        load_profile(tmp_path / "bad.json")
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile(tmp_path / "missing.json")


def test_save_load_round_trip_and_list(tmp_path):
    path = save_profile(flat_profile(), tmp_path / "user" / "h100.json")
    assert load_profile(path)["measurements"] == flat_profile()["measurements"]
    (tmp_path / "user" / "junk.json").write_text(json.dumps({"schema": "x"}))
    rows = list_profiles((("shipped", tmp_path / "none"), ("user", tmp_path / "user")))
    assert [(r["origin"], "error" in r) for r in rows] == [("user", False), ("user", True)]
    assert rows[0]["catalog_gpu"] == "h100-sxm" and rows[0]["rows"] == 4 + 3 + 4 + 1 + 1


def test_user_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEFIT_PROFILES", str(tmp_path / "p"))
    assert profile_mod.user_dir() == tmp_path / "p"
    monkeypatch.delenv("TRACEFIT_PROFILES")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert profile_mod.user_dir() == tmp_path / "cfg" / "tracefit" / "profiles"


def test_a_shipped_profile_of_the_gpu_is_used_automatically(monkeypatch, tmp_path):
    dep = deployment(model="llama-3-8b", gpu="h100")
    monkeypatch.setattr(profile_mod, "SHIPPED_DIR", tmp_path)
    assert shipped_profile_for("h100-sxm") is None and efficiency_for(dep) is dep.engine.efficiency
    save_profile(flat_profile(), tmp_path / "h100-sxm.json")
    assert isinstance(efficiency_for(dep), ProfiledEfficiency)
    assert efficiency_for(deployment(model="llama-3-8b", gpu="a100")) is dep.engine.efficiency


def test_allreduce_rows_set_latency_and_link_fraction():
    doc = flat_profile()
    doc["measurements"]["allreduce"] = [
        {"bytes": 1 << 28, "median_s": 1e-3, "bus_gb_s": 360.0},
        {"bytes": 1 << 16, "median_s": 20e-6, "bus_gb_s": 3.0},
    ]
    eff = profiled_efficiency(doc, base=Efficiency())
    # latency: the smallest size's median; fraction: 360 bus GB/s / (900 GB/s NVLink / 2 per direction) = 0.8
    assert eff.allreduce_latency_s == 20e-6 and eff.allreduce_fraction == pytest.approx(0.8)
    assert profiled_efficiency(flat_profile(), base=Efficiency()).allreduce_fraction == Efficiency().allreduce_fraction
