"""Sizing on token load: the scaler's engine-load signal and the ceiling from the token load's forecast error."""

from datetime import timedelta

import numpy as np
import pytest

from recommend.autoscale import AutoscalePolicy, LoadWeights, WindowScaling
from recommend.backtest import ReplayOptions, Traffic, backtest, read_plan
from recommend.backtest.scaling import interactive_rates
from recommend.forecast import forecast_error
from recommend.plan_doc import scaling
from recommend.recommender import RecommendOptions, window_headroom
from recommend.window_traffic import WindowTraffic, plan_traffic
from tests.test_recommend_autoscale import MONDAY, T0, scaled_plan, steady, steady_span

WEIGHTS = LoadWeights(prefill_s_per_token=0.001, decode_s_per_token=0.005)


def test_load_is_prefill_plus_decode_seconds_per_request():
    # 1000 x 0.001 + 10 x 0.005 = 1.05 s; 100 x 0.001 + 50 x 0.005 = 0.35 s
    assert WEIGHTS.load_s([1000, 100], [10, 50]).tolist() == pytest.approx([1.05, 0.35])


def test_the_planned_load_per_replica_is_the_spans_busy_seconds_over_the_replicas():
    # 900 requests in 900 s (1 req/s) of prompt 400, output 100: 0.4 + 0.5 = 0.9 busy s each ->
    # 0.9 busy s/s over 4 replicas = 0.225; the request count's rate stays 1 / 4
    w = steady_span(prompt_tokens={"mean": 400.0}, output_tokens={"mean": 100.0})
    s = scaling(plan_traffic(w), 4, w, WEIGHTS)
    assert s.load_per_replica == pytest.approx(0.225) and s.rps_per_replica == pytest.approx(0.25)
    assert s.per_replica == s.load_per_replica
    back = WindowScaling.from_dict(s.to_dict(), 4)  # the plan JSON keeps 6 significant digits
    assert back.load == s.load and back.load_per_replica == pytest.approx(s.load_per_replica)
    assert scaling(plan_traffic(w), 4, w).load is None  # no weights: the scaler counts requests


def test_a_heavier_mix_gets_more_replicas_on_load_than_on_requests():
    # planned: 1 req/s per replica of 400 + 100 tokens = 0.9 busy s/s per replica. Today: 10 req/s of
    # 1,300-token prompts, 100 output: 10 x (1.3 + 0.5) = 18 busy s/s -> 18 / 0.9 = 20 replicas;
    # counting requests, 10 / 1 = 10 replicas, half of what the mix needs
    policy = AutoscalePolicy(ratio=1.0)
    on_load = WindowScaling(min_replicas=1, max_replicas=40, rps_per_replica=1.0, load=WEIGHTS, load_per_replica=0.9)
    on_requests = WindowScaling(min_replicas=1, max_replicas=40, rps_per_replica=1.0)
    assert on_load.replicas(policy, 10 * float(WEIGHTS.load_s(1300, 100)), False) == 20
    assert on_requests.replicas(policy, 10.0, False) == 10


def test_backtest_scales_on_the_load_of_the_replayed_requests():
    # 3 req/s for two hours then 1 req/s, prompt 400 output 20: 0.4 + 0.1 = 0.5 busy s each -> 1.5, then
    # 0.5 busy s/s; 0.5 per replica planned -> 3 replicas while the lookback holds the first two hours,
    # 03:00 (decided 02:55: busiest 15 min = (5 x 1.5 + 10 x 0.5) / 15 = 0.833) -> 2, then 1
    data = scaled_plan()
    data["windows"][0]["autoscale"] = WindowScaling(
        min_replicas=1, max_replicas=8, rps_per_replica=1.0, load=WEIGHTS, load_per_replica=0.5
    ).to_dict()
    plan = read_plan(data)
    arrival = steady([3, 3, 1, 1])
    traffic = Traffic.from_arrays(arrival, np.full(arrival.size, 400), np.full(arrival.size, 20))
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=4)
    result = backtest(plan, traffic, since=since, until=until)
    assert [h.replicas for h in result.hours] == [3] * 7 + [2] + [1] * 3
    # the same requests counted: 3 req/s over rps_per_replica 1 -> 3 as well; twice the prompt (800) needs
    # 0.8 + 0.1 = 0.9 busy s each = 2.7 busy s/s -> 6 replicas on load, still 3 on requests
    heavy = Traffic.from_arrays(arrival, np.full(arrival.size, 800), np.full(arrival.size, 20))
    rates = interactive_rates(heavy, ReplayOptions(), T0 + 2 * 3600, WEIGHTS)
    assert rates.signal(T0 + 2 * 3600, AutoscalePolicy()) == pytest.approx(2.7)
    assert [h.replicas for h in backtest(plan, heavy, since=since, until=until).hours][:7] == [6] * 7


def test_the_ceiling_is_sized_on_the_token_loads_forecast_error():
    # hour 09 on five weekdays, 100 req/s each day, but Friday's prompts are twice as long: token load
    # 100 x 1,000 = 100k tokens/s Mon-Thu, 200k Fri. Requests: no error (ratio 1, planned 100 req/s).
    # Tokens, leave-one-day-out: Mon-Thu 100k / mean(other days: 3 x 100k + 200k) / 4 = 125k -> 0.8
    # (weight 100k each, 400k), Fri 200k / 100k = 2.0 (weight 200k): q 0.95 -> 2.0; busiest fitted hour
    # 120k tokens/s -> planned 240k tokens/s
    day, cell = np.arange(5), np.array([9, 33, 57, 81, 105])
    rps, tok_s = np.full(5, 100.0), np.array([1e5, 1e5, 1e5, 1e5, 2e5])
    by_rate = forecast_error(day, cell, rps, cell)
    by_load = forecast_error(day, cell, tok_s, cell, unit="tokens/s")
    assert by_rate.ratio == pytest.approx(1.0) and by_load.ratio == pytest.approx(2.0)
    assert by_load.planned_rps == pytest.approx(240e3) and by_load.to_dict()["unit"] == "tokens/s"
    # the peak span: 3 logged requests in 10 s at 1% = 30 req/s of 1,000 tokens = 30k tokens/s -> headroom
    # 240k / 30k - 1 = 7 on the load; on the rate 100 / 30 - 1 = 2.33
    w = WindowTraffic(
        label="w",
        cells=tuple(cell),
        sample_rate=0.01,
        peak_span_s=10.0,
        peak_arrival_s=np.array([1.0, 2.0, 3.0]),
        peak_prompt_tokens=np.full(3, 900),
        peak_output_tokens=np.full(3, 100),
        forecast_error=by_rate,
        load_forecast_error=by_load,
    )
    assert w.peak_tok_s_real == pytest.approx(30e3)
    assert window_headroom(w, RecommendOptions()) == pytest.approx(7.0)
    assert window_headroom(w, RecommendOptions(forecast_on="requests")) == pytest.approx(100 / 30 - 1)


def test_a_log_shorter_than_a_week_plans_every_hour_of_the_week():
    # seen: Monday only, hours 0-9 in window "a", 10-23 in "b". Tuesday-Friday take Monday's hours (same
    # day type); Saturday and Sunday have no weekend day seen, so they take Monday's too (nearest any type)
    from recommend.windows import cover_week

    got = cover_week([("a", tuple(range(10))), ("b", tuple(range(10, 24)))])
    assert got[0][1] == tuple(d * 24 + h for d in range(7) for h in range(10))
    assert got[1][1] == tuple(d * 24 + h for d in range(7) for h in range(10, 24))
    # Monday and Saturday 09 seen in different windows: Sunday 09 (cell 153) follows Saturday (same type),
    # Tuesday 09 (33) follows Monday
    got = dict(cover_week([("weekday", (9,)), ("weekend", (129,))]))
    assert 153 in got["weekend"] and 33 in got["weekday"] and len(got["weekday"] + got["weekend"]) == 168


def test_the_scale_floor_is_a_share_of_the_ceiling_rounded_up():
    # 10 replicas, floor 0.45 -> ceil(4.5) = 5; floor 0 -> 1; floor 1 -> the ceiling (fixed replicas)
    w = steady_span()
    assert [scaling(plan_traffic(w), 10, w, floor=f).min_replicas for f in (0.0, 0.45, 1.0)] == [1, 5, 10]
    assert (
        WindowScaling(min_replicas=5, max_replicas=10, rps_per_replica=1.0).replicas(
            AutoscalePolicy(ratio=1.0), 2.0, False
        )
        == 5
    )  # 2 req/s needs 2, the floor holds 5


def test_the_scale_target_loads_a_replica_below_the_simulated_rate():
    # 1 req/s planned over 4 replicas = 0.25 req/s each; at target 0.8 the scaler counts 0.2 per replica:
    # 0.7 req/s (ratio 1) -> ceil(3.5) = 4 replicas instead of ceil(2.8) = 3
    w = steady_span()
    s, edge = scaling(plan_traffic(w), 4, w, target=0.8), scaling(plan_traffic(w), 4, w)
    assert s.rps_per_replica == pytest.approx(0.2)
    assert (
        s.replicas(AutoscalePolicy(ratio=1.0), 0.7, False) == 4
        and edge.replicas(AutoscalePolicy(ratio=1.0), 0.7, False) == 3
    )
