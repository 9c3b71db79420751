"""The one SLO grammar (recommend/slo.py): what the recommender, the simulator and the backtest accept."""

import math

import pytest

from recommend.simulate import SimulateError, goodput_share
from recommend.slo import DEFAULT_SLO, Slo, SloError, parse_limits, parse_slo, slo_key


def test_a_key_names_metric_and_percentile():
    assert Slo.of("tpot_p99_ms") == Slo(key="tpot_p99_ms", metric="tpot", percentile=99.0)
    assert math.isnan(Slo.of("tpot_p99_ms").limit_ms)
    assert Slo.of(" e2e_p99.9_ms ", 30_000).percentile == 99.9
    assert Slo.parse("ttft_p95_ms=1000") == Slo(key="ttft_p95_ms", metric="ttft", percentile=95.0, limit_ms=1000.0)


@pytest.mark.parametrize("key", ["ttft_ms", "ttft_95", "itl_p95_ms", "ttft_p0_ms", "ttft_p101_ms", "ttft_p95"])
def test_keys_that_do_not_parse(key):
    with pytest.raises(SloError, match="not understood"):
        Slo.of(key)


@pytest.mark.parametrize(
    "item, says", [("ttft_p95_ms", "KEY=MS"), ("ttft_p95_ms=fast", "not a number"), ("ttft_p95_ms=0", "> 0 ms")]
)
def test_items_that_do_not_parse(item, says):
    with pytest.raises(SloError, match=says):
        Slo.parse(item)


def test_the_simulator_and_backtest_judge_any_percentile_the_recommender_plans_for_its_own():
    assert parse_limits(["ttft_p97_ms=500", "tpot_p95_ms=80"]) == {"ttft_p97_ms": 500.0, "tpot_p95_ms": 80.0}
    # one request at 100 ms, one at 300 ms: a 200 ms limit at p97 passes one of two
    assert goodput_share([100.0, 300.0], [1.0, 1.0], [1.0, 1.0], {"ttft_p97_ms": 200.0}) == 0.5
    assert slo_key("ttft_p99.9_ms") == ("ttft", 99.9)
    with pytest.raises(SloError, match="plans for"):
        slo_key("ttft_p97_ms")
    with pytest.raises(SloError, match="plans for"):
        parse_slo(["ttft_p97_ms=500"])
    with pytest.raises(SimulateError, match="ttft_p95_ms"):
        goodput_share([1.0], [1.0], [1.0], {"ttft": 1.0})
    assert parse_slo([" ttft_p99_ms =2000"]) == {"tpot_p95_ms": DEFAULT_SLO["tpot_p95_ms"], "ttft_p99_ms": 2000.0}
