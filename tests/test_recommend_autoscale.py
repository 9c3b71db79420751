"""The replica scaler: its signal, its measured ratio, its decisions, and what a backtest charges for it."""

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from recommend.autoscale import AutoscalePolicy, MinuteRates, WindowScaling, interval_starts, measure
from recommend.backtest import Traffic, backtest, to_dict
from recommend.backtest.bulk import Admission
from recommend.backtest.plan import read_plan, segments
from recommend.errors import RecommendError
from recommend.plan_doc import scaling
from recommend.window_traffic import WindowTraffic, plan_traffic

FIXTURES = Path(__file__).parent / "fixtures"
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)
T0 = MONDAY.timestamp()


def steady(rates_by_hour: list[float]) -> np.ndarray:
    """Evenly spaced arrivals, hour h at rates_by_hour[h] req/s (offset half a gap: no minute-edge ties)."""
    out = []
    for h, rate in enumerate(rates_by_hour):
        n = int(rate * 3600)
        out.append(T0 + h * 3600 + (np.arange(n) + 0.5) / rate)
    return np.concatenate(out)


def test_minute_rates_and_busiest_span():
    rates = MinuteRates.from_arrivals(
        np.array([T0 + 1, T0 + 2, T0 + 61, T0 + 200]), np.array([60.0, 60, 120, 6]), T0, T0 + 240
    )
    assert rates.rps.tolist() == [2.0, 2.0, 0.0, 0.1]  # (60 + 60) / 60, 120 / 60, 0, 6 / 60
    assert rates.busiest(T0, T0 + 240, 120) == pytest.approx(2.0)  # minutes 0-1
    assert rates.busiest(T0 + 60, T0 + 240, 120) == pytest.approx(1.0)  # minutes 1-2
    assert math.isnan(rates.busiest(T0 - 60, T0 + 120, 60))  # starts before the data
    dense = MinuteRates.from_minutes(np.array([T0, T0 + 180]), np.array([1.0, 4.0]))
    assert dense.start_s == T0 and dense.rps.tolist() == [1.0, 0.0, 0.0, 4.0]


def test_ratio_measured_on_a_step_by_hand():
    # 10 req/s for two hours, then 20: the scaler (15-min intervals, 5-min delay, 1-h lookback) is
    # surprised by the step once. Interval 02:00: lookback 00:55-01:55 saw 10, its busiest 5 min is 20
    # -> 2.0; 02:15: lookback 01:10-02:10 holds 10 min at 20, busiest 15 min = (5 x 10 + 10 x 20) / 15
    # -> 20 / 16.67 = 1.2; later intervals 1.0; before the step 1.0.
    rates = MinuteRates.from_arrivals(steady([10, 10, 20]), np.ones(int(3600 * 40)), T0, T0 + 3 * 3600)
    worst = measure(rates, AutoscalePolicy(quantile=1.0), T0, T0 + 3 * 3600)
    assert worst.ratio == pytest.approx(2.0)
    # measurable: the lookback in the data (start - 300 - 3600 >= T0) and the interval inside the range:
    # 01:15, 01:30, 01:45 before the step, 02:00 .. 02:45 after
    assert worst.intervals == 7
    median = measure(rates, AutoscalePolicy(quantile=0.5), T0, T0 + 3 * 3600)
    assert median.ratio == pytest.approx(1.0)


def test_decisions_clamp_and_bulk_brings_the_full_fleet():
    policy = AutoscalePolicy(ratio=1.5)
    w = WindowScaling(min_replicas=2, max_replicas=20, rps_per_replica=10.0)
    assert w.replicas(policy, 100.0, False) == 15  # 1.5 x 100 / 10
    assert w.replicas(policy, 1.0, False) == 2 and w.replicas(policy, 1000.0, False) == 20
    assert w.replicas(policy, 100.0, True) == 20  # bulk queued: the fleet the bulk rate was planned on
    assert w.replicas(policy, math.nan, False) == 20  # no lookback: the planned fleet
    assert w.replicas(AutoscalePolicy(), 100.0, False) == 20  # ratio not measured
    assert WindowScaling.from_dict(w.to_dict(), 20) == w
    assert AutoscalePolicy.from_dict(policy.to_dict()) == AutoscalePolicy(ratio=1.5)
    with pytest.raises(RecommendError, match="whole number of minutes"):
        AutoscalePolicy(interval_s=90)


def test_bulk_queue_state():
    adm = Admission(
        arrival_s=np.array([10.0, 12.0, 50.0]),
        engine_s=np.array([11.0, 15.0, 55.0]),
        real=np.ones(3),
        piece=np.zeros(3, int),
        engine_piece=np.zeros(3, int),
        done_s=np.array([12.0, 20.0, 60.0]),
    )
    assert not adm.queued(5.0) and adm.queued(10.0) and adm.queued(19.9)
    assert not adm.queued(20.0) and not adm.queued(49.0) and adm.queued(59.0) and not adm.queued(60.0)


def scaled_plan(**policy) -> dict:
    plan = json.loads((FIXTURES / "plan_backtest_monday.json").read_text())
    window = plan["windows"][1] | {"window": {"label": "all week", "hours": list(range(168))}}
    window["config"] = window["config"] | {"replicas": 8}
    window["autoscale"] = {"min_replicas": 1, "max_replicas": 8, "rps_per_replica": 1.0}
    return plan | {"windows": [window], "autoscale": AutoscalePolicy(ratio=1.0, **policy).to_dict()}


def test_backtest_runs_the_replicas_the_scaler_would_have_chosen():
    plan = read_plan(scaled_plan())
    arrival = steady([3, 3, 1, 1])
    traffic = Traffic.from_arrays(arrival, np.full(arrival.size, 200), np.full(arrival.size, 20))
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=4)
    pieces, _ = segments(plan, since, until)
    assert [p.start_s for p in pieces] == interval_starts(since.timestamp(), until.timestamp(), 900)  # 15-min pieces
    result = backtest(plan, traffic, since=since, until=until)
    # 01:15-02:45 see 3 req/s within their lookback -> 3 replicas (7 pieces); 03:00 (decided 02:55:
    # busiest 15 min = (5 x 3 + 10 x 1) / 15 = 1.67) -> 2; 03:15-03:45 -> 1. 0.25 h each, TP 1.
    assert [h.replicas for h in result.hours] == [3] * 7 + [2] + [1] * 3
    assert result.gpu_hours == pytest.approx(0.25 * (7 * 3 + 2 + 3 * 1))
    doc = to_dict(result)
    assert doc["summary"]["scaling"] == "autoscale" and doc["hours"][7]["replicas"] == 2
    assert doc["windows"][0]["gpus"] == 8 and doc["windows"][0]["mean_gpus"] == pytest.approx(
        26 / 11, rel=1e-5
    )  # JSON keeps 6 digits
    assert result.static_peak_gpu_hours == pytest.approx(8 * 2.75)
    fixed = backtest(plan.fixed_replicas(), traffic, since=since, until=until)
    assert fixed.gpu_hours == pytest.approx(8 * 2.75) and to_dict(fixed)["summary"]["scaling"] == "fixed"
    assert result.overall.requests_real == pytest.approx(fixed.overall.requests_real)


def steady_span(**summaries) -> WindowTraffic:
    """A window whose planned span is 900 s at 1 request/s of 400 prompt + 100 output tokens each;
    `summaries`: the window's own prompt_tokens / output_tokens summaries."""
    return WindowTraffic(
        label="w",
        cells=(0,),
        sample_rate=1.0,
        peak_span_s=900.0,
        peak_arrival_s=np.arange(900.0),
        peak_prompt_tokens=np.full(900, 400),
        peak_output_tokens=np.full(900, 100),
        **summaries,
    )


def test_a_span_lighter_per_request_than_its_window_counts_fewer_requests_per_replica():
    # window: mean 900 + 100 = 1000 tokens per request; its planned span: 400 + 100 = 500 (half as heavy)
    w = steady_span(prompt_tokens={"mean": 900.0}, output_tokens={"mean": 100.0})
    traffic = plan_traffic(w)  # 900 requests in 900 s = 1 req/s
    assert scaling(traffic, 4, w).rps_per_replica == pytest.approx(1.0 / 4 * 0.5)
    heavy = steady_span(prompt_tokens={"mean": 300.0}, output_tokens={"mean": 100.0})
    assert scaling(plan_traffic(heavy), 4, heavy).rps_per_replica == pytest.approx(0.25)  # heavier span: as planned
