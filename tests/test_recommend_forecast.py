import math

import numpy as np
import pytest

from recommend.forecast import forecast_error, profile, trend, weighted_quantile
from recommend.recommender import RecommendOptions, window_headroom
from recommend.window_traffic import WindowTraffic

# Hour 09 (cells 9, 33, 57, 81, 105 = Mon..Fri) on five weekdays and hour 09 on Sat/Sun (129, 153).
DAY = np.array([0, 1, 2, 3, 4, 5, 6])
CELL = np.array([9, 33, 57, 81, 105, 129, 153])
RPS = np.array([100.0, 100.0, 100.0, 100.0, 200.0, 50.0, 150.0])


def test_leave_one_day_out_forecast_uses_the_other_days_of_the_same_type():
    # Mon: mean of Tue..Fri = (100 + 100 + 100 + 200) / 4 = 125; Fri: mean of Mon..Thu = 100;
    # Sat: the other weekend day, Sun = 150; Sun: Sat = 50.
    got = profile(DAY, CELL, RPS, leave_out=True)
    assert got.tolist() == [125.0, 125.0, 125.0, 125.0, 100.0, 150.0, 50.0]
    # fitted (no leave-out): weekday mean 600 / 5 = 120, weekend mean 200 / 2 = 100
    assert profile(DAY, CELL, RPS, leave_out=False).tolist() == [120.0] * 5 + [100.0] * 2


def test_window_ratio_is_the_request_weighted_quantile_of_actual_over_forecast():
    # weekday window: ratios 0.8 (x4, weights 100 each = 400) and 2.0 (weight 200); total 600.
    # weighted CDF: 0.8 -> 400/600 = 0.667, 2.0 -> 1.0; q=0.5 -> 0.8, q=0.95 -> 2.0.
    weekday = [9, 33, 57, 81, 105]
    assert forecast_error(DAY, CELL, RPS, weekday, quantile=0.5).ratio == pytest.approx(0.8)
    fe = forecast_error(DAY, CELL, RPS, weekday, quantile=0.95)
    assert fe.ratio == pytest.approx(2.0)
    assert fe.hours == 5
    # busiest forecast hour: the weekday mean 120 req/s; planned 2.0 x 120 = 240
    assert fe.forecast_rps == pytest.approx(120.0)
    assert fe.planned_rps == pytest.approx(240.0)
    # weekend window: Sat 50/150 = 1/3 (w 50), Sun 150/50 = 3 (w 150): q=0.95 -> 3; planned 3 x 100 = 300
    weekend = forecast_error(DAY, CELL, RPS, [129, 153], quantile=0.95)
    assert weekend.ratio == pytest.approx(3.0)
    assert weekend.planned_rps == pytest.approx(300.0)
    assert weekend.to_dict()["ratio"] == 3.0


def test_a_lone_day_type_has_no_forecast_and_plans_the_fitted_rate():
    fe = forecast_error(np.array([0]), np.array([9]), np.array([80.0]), [9])
    assert math.isnan(fe.ratio) and fe.hours == 0 and fe.planned_rps == 80.0
    assert fe.to_dict()["ratio"] is None


def test_weighted_quantile_is_the_inverted_cdf():
    # weights 1, 1, 2 on values 3, 1, 2: CDF 1 -> 0.25, 2 -> 0.75, 3 -> 1.0
    v, w = np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0])
    assert [weighted_quantile(v, w, q) for q in (0.25, 0.5, 0.75, 0.76, 1.0)] == [1.0, 2.0, 2.0, 3.0, 3.0]


def test_headroom_is_planned_over_the_peak_span_rate_clipped_at_zero():
    fe = forecast_error(DAY, CELL, RPS, [9, 33, 57, 81, 105], quantile=0.95)  # planned 240 req/s
    # peak span: 3 logged requests over 10 s at sample rate 0.01 = 30 real req/s -> 240 / 30 - 1 = 7
    w = WindowTraffic(
        label="w",
        cells=(9,),
        sample_rate=0.01,
        peak_span_s=10.0,
        peak_arrival_s=np.array([1.0, 2.0, 3.0]),
        peak_prompt_tokens=np.array([1, 1, 1]),
        peak_output_tokens=np.array([1, 1, 1]),
        forecast_error=fe,
    )
    assert w.peak_rps_real == pytest.approx(30.0)
    assert window_headroom(w, RecommendOptions()) == pytest.approx(7.0)
    assert window_headroom(w, RecommendOptions(forecast_quantile=None, headroom=0.2)) == 0.2
    assert fe.headroom(1000.0) == 0.0  # 240 / 1000 - 1 < 0: never plan below the logged peak span


def test_growth_week_over_week_compares_the_same_hour_of_week_cells():
    # hour 09 of 14 days (Mon 2025-03-03 = day 0): 100 req/s in week 1, 150 in week 2 -> +50% a week
    day = np.arange(14)
    cell = (day % 7) * 24 + 9
    rps = np.where(day < 7, 100.0, 150.0)
    growth, planned, how = trend(day, cell, rps, cell[:7])
    assert growth == pytest.approx(1.5) and planned == pytest.approx(1.5) and how.startswith("week over week")
    fe = forecast_error(day, cell, rps, cell[:7], quantile=0.95)
    assert fe.planned_rps == pytest.approx(fe.forecast_rps * fe.ratio * 1.5)


def test_growth_day_over_day_plans_only_a_trend_beyond_the_scatter():
    # five weekdays growing exactly 10% a day: log ratios on a line (residuals 0, standard error 0):
    # growth = planned = 1.1^7 = 1.9487
    day, cell = np.arange(5), np.arange(5) * 24 + 9
    growth, planned, how = trend(day, cell, 100.0 * 1.1**day, cell)
    assert growth == pytest.approx(1.1**7) and planned == pytest.approx(1.1**7) and how.startswith("day over day")
    # DAY/RPS weekdays 100, 100, 100, 100, 200: log(v / 120) slope 1.3863 / 10 = 0.13863 -> growth
    # exp(0.97041) = 2.639, but the standard error 0.0800 (residual SS 0.1921 / 3 / 10) leaves
    # slope - 2 se = -0.021 < 0: planned 1 (one busy Friday is not a trend)
    growth, planned, _ = trend(DAY[:5], CELL[:5], RPS[:5], CELL[:5])
    assert growth == pytest.approx(2.639, abs=1e-3) and planned == 1.0
    assert trend(np.array([0]), np.array([9]), np.array([80.0]), [9])[:2] == (1.0, 1.0)  # one day: no trend
