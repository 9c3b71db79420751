"""A calibrated target written into a plan window (tracefit/scale_targets.py)."""

from datetime import UTC, datetime

import pytest

from recommend.backtest.targets import TargetFit
from tracefit.scale_targets import _with_fit

FIT = TargetFit(
    window=0, target=0.8, share=0.975, wanted=0.97, pieces=40, shares=((1.0, 0.9), (0.9, 0.95), (0.8, 0.975))
)
SINCE, UNTIL = datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 10, tzinfo=UTC)


def test_the_target_scales_the_request_rate_per_replica_and_says_why():
    window = {"autoscale": {"min_replicas": 1, "max_replicas": 10, "rps_per_replica": 2.5}, "reasons": ["sized"]}
    out = _with_fit(window, FIT, SINCE, UNTIL)
    assert out["autoscale"]["rps_per_replica"] == 2.0  # 2.5 x 0.8
    assert out["autoscale"]["target"]["shares"] == [[1.0, 0.9], [0.9, 0.95], [0.8, 0.975]]
    assert out["reasons"][0] == "sized" and out["reasons"][1].startswith(
        "scaler target 0.8 x the planned 2.5 req/s per replica = 2: the largest of 1, 0.95 .. 0.5 at which >= 0.970 "
        "of this window's 40 scaler intervals from 2025-03-03 00:00 to 2025-03-10 00:00 UTC met the SLO in replay "
        "(0.975; 0.900 at 1)"
    )
    assert window["autoscale"]["rps_per_replica"] == 2.5  # the input plan is not changed


def test_an_engine_load_scaler_gets_its_load_per_replica_scaled_too():
    window = {"autoscale": {"rps_per_replica": 2.5, "load_per_replica": 0.5, "prefill_s_per_token": 1e-4}}
    out = _with_fit(window, FIT, SINCE, UNTIL)
    assert out["autoscale"]["load_per_replica"] == pytest.approx(0.4)  # 0.5 x 0.8; the request rate: 2.0
    assert out["autoscale"]["rps_per_replica"] == 2.0
    assert "the planned 0.5 busy s/s per replica = 0.4:" in out["reasons"][0]
