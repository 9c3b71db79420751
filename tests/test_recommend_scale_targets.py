"""The scaler's per-window target calibrated on history (recommend/backtest/targets.py)."""

from datetime import timedelta

import numpy as np
import pytest

from recommend.backtest import Traffic, read_plan
from recommend.backtest.targets import TARGETS, TargetFit, _fit, fit_targets, with_target
from tests.test_recommend_autoscale import MONDAY, scaled_plan, steady


def _plan(rps_per_replica: float, max_replicas: int = 20):
    data = scaled_plan()  # llama-3.1-8b, TP 1 on an H100, SLO ttft_p95 2 s / tpot_p95 100 ms; scaler ratio 1
    data["windows"][0]["config"] |= {"replicas": max_replicas}
    data["windows"][0]["autoscale"] = {
        "min_replicas": 1,
        "max_replicas": max_replicas,
        "rps_per_replica": rps_per_replica,
    }
    return read_plan(data)


def _traffic(rate_rps: float, hours: int, prompt_tokens: int, output_tokens: int) -> Traffic:
    arrival = steady([rate_rps] * hours)
    return Traffic.from_arrays(arrival, np.full(arrival.size, prompt_tokens), np.full(arrival.size, output_tokens))


def test_targets_run_from_the_planned_rate_down_to_half_of_it():
    assert TARGETS == (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5)


def test_with_target_scales_each_windows_rate_per_replica():
    plan = with_target(_plan(8.0), {0: 0.75})
    assert plan.windows[0].scaling.rps_per_replica == pytest.approx(6.0)  # 8 x 0.75
    assert with_target(_plan(8.0), {}).windows[0].scaling.rps_per_replica == 8.0  # absent: 1


def test_the_calibrated_target_is_the_largest_that_meets_the_share():
    # 2 h at 16 req/s of 3,000-token prompts, 100 output tokens, planned 16 req/s per replica. The scaler
    # (ratio 1; signal 16 req/s once its 1-h lookback + 5-min delay is in the data) runs ceil(16 / (16 x t))
    # replicas: 1 at t = 1.0, 2 at t = 0.95. One TP-1 replica of an 8B model then needs 16 x 3,000 = 48,000
    # prompt tokens/s of prefill: an H100 SXM's 989 dense bf16 TFLOP/s (NVIDIA H100 datasheet) / (2 x 8e9
    # FLOP per token) = 62k tokens/s at 100% MFU, ~31k at 50%, so its queue grows all piece long and the
    # p95 TTFT misses 2 s; two replicas at 24,000 each keep it. Judged: 01:15, 01:30, 01:45 (their lookback
    # is in the data).
    plan = _plan(16.0)
    traffic = _traffic(16.0, 2, 3000, 100)
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=2)
    (fit,) = fit_targets(plan, traffic, since=since, until=until, share=0.97)
    assert fit.window == 0 and fit.pieces == 3
    assert fit.shares == ((1.0, 0.0), (0.95, 1.0))  # stops at the first target that meets the share
    assert (fit.target, fit.share, fit.wanted) == (0.95, 1.0, 0.97)


def test_forked_workers_fit_the_same_targets():
    # as above over 3 h: the 7 pieces 01:15 .. 02:45 miss at one replica (t = 1.0) and meet at two (t = 0.95),
    # replayed in one process or in two forked ones (each piece's seed is its index, so the verdicts match)
    plan, traffic = _plan(16.0), _traffic(16.0, 3, 3000, 100)
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=3)
    one, two = (fit_targets(plan, traffic, since=since, until=until, share=0.97, workers=n) for n in (1, 2))
    assert one == two
    (fit,) = two
    assert fit.pieces == 7 and fit.shares == ((1.0, 0.0), (0.95, 1.0)) and fit.target == 0.95


def test_a_window_already_meeting_the_share_keeps_the_planned_rate():
    # 0.5 req/s of 200 + 20 tokens: one replica is far from loaded at any target
    plan = _plan(8.0)
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=2)
    (fit,) = fit_targets(plan, _traffic(0.5, 2, 200, 20), since=since, until=until, share=0.97)
    assert fit.shares == ((1.0, 1.0),) and fit.target == 1.0


def test_a_share_no_target_reaches_asks_for_the_best_one_reached():
    # pieces that miss at the window's ceiling miss at every target: the best share any target reached is
    # asked for instead, at the largest target that reaches it
    fit = _fit(0, [(1.0, 0.8), (0.95, 0.9), (0.9, 0.9), (0.85, 0.9)], 0.97, 10)
    assert fit == TargetFit(
        window=0,
        target=0.95,
        share=0.9,
        wanted=0.9,
        pieces=10,
        shares=((1.0, 0.8), (0.95, 0.9), (0.9, 0.9), (0.85, 0.9)),
    )
    assert fit.to_dict()["shares"] == [[1.0, 0.8], [0.95, 0.9], [0.9, 0.9], [0.85, 0.9]]


def test_an_unscaled_plan_has_nothing_to_calibrate():
    plan = _plan(8.0).fixed_replicas()
    since, until = MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=2)
    assert fit_targets(plan, _traffic(0.5, 2, 200, 20), since=since, until=until, share=0.97) == []
