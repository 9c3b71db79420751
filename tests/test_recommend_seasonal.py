"""The scaler's seasonal floor (recommend/seasonal.py): floors derived by hand on tiny histories, the
floor's replicas, the plan round-trip, and the backtest replaying the floor."""

import json
from datetime import timedelta

import numpy as np
import pytest
from test_recommend_autoscale import MONDAY, T0, scaled_plan, steady

from recommend.autoscale import AutoscalePolicy, MinuteRates, WindowScaling
from recommend.backtest import Traffic, backtest
from recommend.backtest.plan import read_plan
from recommend.backtest.targets import with_target
from recommend.errors import RecommendError
from recommend.plan import parse_plan
from recommend.seasonal import SeasonalFloor, floor_reason, seasonal_floor, slot_of_week

POLICY = AutoscalePolicy(ratio=1.0)  # 900 s slots, busiest 300 s
DAY_MIN = 1440


def days_of(minutes: np.ndarray) -> MinuteRates:
    return MinuteRates(start_s=T0, rps=minutes)


def test_slot_of_week_counts_from_monday_utc():
    assert slot_of_week(T0, 900) == 0  # 2025-03-03 00:00 UTC, a Monday
    assert slot_of_week(T0 + 86400 + 15 * 60, 900) == 97  # Tuesday 00:15
    assert slot_of_week(T0 - 1, 900) == 671  # Sunday 23:45-24:00
    assert slot_of_week(T0 + 7 * 86400 + 30 * 60, 900) == 2  # next Monday 00:30


def test_day_type_floor_by_hand():
    # Monday and Tuesday at 10 req/s every minute; Monday 00:05-00:10 at 40, Tuesday 00:00-00:05 at 20.
    # Slot 00:00-00:15's busiest 5-min mean: Monday 40, Tuesday 20 -> median (linear) 30, x growth 1.5 = 45;
    # 00:15-00:30: 10 on both -> 15. Fewer than two weeks: weekdays share their slots of the day, so
    # Wednesday..Friday 00:00 get 45 too; no weekend day in the history -> Saturday, Sunday 0.
    rps = np.full(2 * DAY_MIN, 10.0)
    rps[5:10] = 40.0
    rps[DAY_MIN : DAY_MIN + 5] = 20.0
    floor = seasonal_floor(days_of(rps), POLICY, 0.5, growth=1.5)
    assert floor.basis == "day type" and floor.days == 2 and floor.growth == 1.5
    assert floor.need[0] == pytest.approx(45.0) and floor.need[1] == pytest.approx(15.0)
    assert [floor.need[96 * d] for d in range(7)] == pytest.approx([45.0] * 5 + [0.0, 0.0])
    assert floor.at(T0 + 2 * 86400 + 60) == pytest.approx(45.0)  # Wednesday 00:01
    # quantile 1: the busier day, 40 (no growth)
    assert seasonal_floor(days_of(rps), POLICY, 1.0).need[0] == pytest.approx(40.0)


def test_hour_of_week_floor_with_two_weeks():
    # 14 days at 10 req/s; Monday 00:00-00:05 at 40 in week 1 and 20 in week 2. Two weeks: each slot of the
    # week on its own. q 1: Monday 00:00 = 40, Tuesday 00:00 = 10 (by day type it would be 40).
    rps = np.full(14 * DAY_MIN, 10.0)
    rps[0:5] = 40.0
    rps[7 * DAY_MIN : 7 * DAY_MIN + 5] = 20.0
    floor = seasonal_floor(days_of(rps), POLICY, 1.0)
    assert floor.basis == "hour of week" and floor.days == 14
    assert floor.need[0] == pytest.approx(40.0) and floor.need[96] == pytest.approx(10.0)
    # q 0.5 over Monday 00:00's two values: (40 + 20) / 2
    assert seasonal_floor(days_of(rps), POLICY, 0.5).need[0] == pytest.approx(30.0)


def test_no_whole_slot_no_floor():
    assert seasonal_floor(days_of(np.full(10, 5.0)), POLICY, 0.5) is None  # 10 minutes < one 15-min slot


def test_floor_replicas_within_the_range():
    policy = AutoscalePolicy(ratio=2.0)
    w = WindowScaling(min_replicas=1, max_replicas=10, rps_per_replica=5.0)
    assert w.replicas(policy, 5.0, False) == 2  # 2 x 5 / 5
    assert w.replicas(policy, 5.0, False, floor=31.0) == 7  # ceil(31 / 5 = 6.2) above the reactive 2
    assert w.replicas(policy, 20.0, False, floor=31.0) == 8  # reactive 2 x 20 / 5 = 8 above the floor's 7
    assert w.replicas(policy, 5.0, False, floor=100.0) == 10  # the floor stops at the ceiling
    capped = WindowScaling(min_replicas=1, max_replicas=10, rps_per_replica=5.0, cap_replicas=15)
    assert capped.replicas(policy, 5.0, False, floor=100.0) == 10  # ... also under a --scale-max cap
    assert capped.replicas(policy, 35.0, False, floor=100.0) == 14  # the signal may still ask for more
    assert w.replicas(policy, 5.0, False, floor=0.0) == 2 and w.floor_replicas(0.0) == 1


def one_floor(need: dict[int, float], **keys) -> SeasonalFloor:
    values = [0.0] * 672
    for slot, x in need.items():
        values[slot] = x
    return SeasonalFloor(quantile=0.5, basis="day type", days=5, need=tuple(values), **keys)


def test_floor_round_trips_through_the_plan():
    floor = one_floor({13: 2.5, 671: 1.25}, growth=1.1)
    assert SeasonalFloor.from_dict(json.loads(json.dumps(floor.to_dict()))) == floor
    data = scaled_plan()
    data["autoscale"] = data["autoscale"] | {"floor": floor.to_dict()}
    assert parse_plan(data).floor == floor and read_plan(data).floor == floor
    assert read_plan(data).fixed_replicas().floor is None
    assert parse_plan(scaled_plan()).floor is None  # plans without one
    with pytest.raises(RecommendError, match="one value per 900 s slot"):
        SeasonalFloor(quantile=0.5, basis="day type", days=1, need=(1.0,) * 96)


def test_backtest_replays_the_floor():
    # test_recommend_autoscale's scaler on 3, 3, 1, 1 req/s (1 req/s per replica, ratio 1): 01:15-02:45 run
    # 3 replicas, 03:00 runs 2, 03:15-03:45 run 1. A floor of 2.5 req/s in Monday's slots 13-15
    # (03:15-04:00) holds ceil(2.5 / 1) = 3 replicas there; the reactive count stands elsewhere.
    data = scaled_plan()
    data["autoscale"] = data["autoscale"] | {"floor": one_floor(dict.fromkeys((13, 14, 15), 2.5)).to_dict()}
    arrival = steady([3, 3, 1, 1])
    traffic = Traffic.from_arrays(arrival, np.full(arrival.size, 200), np.full(arrival.size, 20))
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=4)
    result = backtest(read_plan(data), traffic, since=since, until=until)
    assert [h.replicas for h in result.hours] == [3] * 7 + [2] + [3] * 3
    assert result.gpu_hours == pytest.approx(0.25 * (7 * 3 + 2 + 3 * 3))
    # the calibration (recommend/backtest/targets.py) replays its targets with the floor in place
    assert with_target(read_plan(data), {0: 0.5}).floor == read_plan(data).floor is not None
    # a dated window gets no cron trigger from the export, so the replay holds no floor there either
    dated = {"label": "dated", "start": MONDAY.isoformat(), "end": (MONDAY + timedelta(days=1)).isoformat()}
    data["windows"][0]["window"] = dated
    result = backtest(read_plan(data), traffic, since=since, until=until)
    assert [h.replicas for h in result.hours] == [3] * 7 + [2] + [1] * 3


def test_window_reason_names_the_basis_and_the_highest_slot():
    floor = one_floor({4 * 96 + 37: 12.0, 4 * 96 + 38: 6.0})  # Friday 09:15 and 09:30
    window = {"window": {"hours": [4 * 24 + 9]}, "autoscale": {"rps_per_replica": 5.0}}
    why = floor_reason(floor, window)
    # 12 req/s / 5 per replica -> 3 replicas
    assert "0.5 quantile, over 5 planning days" in why and "weekday / weekend" in why
    assert "6.0 .. 12.0 (highest Fri 09:15 UTC = 3 replicas" in why
    assert "no floor here" in floor_reason(floor, {"window": {"hours": [0]}, "autoscale": {}})
