"""The hindsight bound: fewest replicas per scaler piece and the GPU-hours frontier (recommend/backtest/oracle.py)."""

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommend.backtest import Traffic, backtest
from recommend.backtest.oracle import (
    Hindsight,
    PieceBound,
    frontier,
    hindsight,
    least_meeting,
    rechecked,
    scaler_gap,
    to_dict,
)
from tests.test_recommend_autoscale import MONDAY, steady
from tests.test_recommend_scale_targets import _plan


def _traffic(rate_rps: float, hours: int, prompt_tokens: int, output_tokens: int) -> Traffic:
    arrival = steady([rate_rps] * hours)
    return Traffic.from_arrays(arrival, np.full(arrival.size, prompt_tokens), np.full(arrival.size, output_tokens))


def _asking(threshold: int):
    """meets(r) = r >= threshold, recording each r asked."""
    asked = []

    def meets(r: int) -> bool:
        asked.append(r)
        return r >= threshold

    return meets, asked


def test_least_meeting_gallops_from_the_start_and_bisects():
    meets, asked = _asking(5)
    assert least_meeting(1, 20, meets, start=12) == 5
    # 12 meets; down 11 (1), 9 (2), 5 (4) meet, 1 (8) misses; bisect (1, 5): 3 misses, 4 misses
    assert asked == [12, 11, 9, 5, 1, 3, 4]
    meets, asked = _asking(5)
    assert least_meeting(1, 20, meets, start=2) == 5
    assert asked == [2, 3, 5, 4]  # 2 misses; up 3 (1) misses, 5 (2) meets; bisect (3, 5): 4 misses


def test_least_meeting_at_the_ends_of_the_range():
    assert least_meeting(1, 20, _asking(25)[0], start=4) is None  # misses even at 20
    assert least_meeting(3, 20, _asking(0)[0], start=8) == 3  # meets at the floor
    assert least_meeting(1, 20, _asking(20)[0], start=4) == 20  # only the top meets
    assert least_meeting(1, 1, _asking(2)[0], start=1) is None


@given(
    lo=st.integers(1, 10),
    width=st.integers(0, 40),
    threshold=st.integers(0, 60),
    at=st.floats(0, 1),
)
def test_least_meeting_finds_the_threshold_of_any_monotone_verdict(lo, width, threshold, at):
    hi = lo + width
    start = lo + round(at * width)
    expected = max(lo, threshold) if threshold <= hi else None
    assert least_meeting(lo, hi, _asking(threshold)[0], start=start) == expected


def _piece(*, least, scaler, meets, floor=1, ceiling=4, top=8, hours=1.0, tp=1):
    return PieceBound(
        start_s=0.0,
        hours=hours,
        window=0,
        floor=floor,
        ceiling=ceiling,
        top=top,
        scaler=scaler,
        scaler_meets=meets,
        least=least,
        gpus=tuple(tp * r for r in range(floor, top + 1)),
        replays=1,
    )


def test_the_frontier_lifts_the_cheapest_pieces_first():
    pieces = (
        _piece(least=1, scaler=2, meets=True),  # meets at its floor: lift 0
        _piece(least=3, scaler=2, meets=False),  # lift 3 - 1 = 2 GPU-h
        _piece(least=6, scaler=4, meets=False),  # lift 5, beyond the ceiling of 4
        _piece(least=None, scaler=4, meets=False),  # misses even at 8
        _piece(least=1, scaler=3, meets=None),  # nothing counted: not judged, at its floor
    )
    result = Hindsight(pieces=pieces, static_peak_gpu_hours=5 * 8.0)  # 5 h at 8 GPUs
    # floors: 5 x 1 GPU-h = 5. Judged: 4 pieces. Share 1.0 needs 4 met: out of reach (one unfixable).
    # 0.75 -> 3 met: 5 + 0 + 2 + 5 = 12 GPU-h (70% saved); 0.5 -> 2 met: 5 + 0 + 2 = 7 (82.5%)
    points = frontier(result, (1.0, 0.75, 0.5))
    assert [(p.reachable, p.pieces_met, p.gpu_hours) for p in points] == [
        (False, 3, None),
        (True, 3, 12.0),
        (True, 2, 7.0),
    ]
    assert points[1].savings_pct == pytest.approx(70.0) and points[0].savings_pct is None
    # up to the scaler's ceiling the third piece cannot be met either: 0.75 is out of reach
    assert [(p.reachable, p.gpu_hours) for p in frontier(result, (0.75, 0.5), ceiling=True)] == [
        (False, None),
        (True, 7.0),
    ]
    gap = scaler_gap(result)
    # under-sized: pieces 2 (3 vs 2: +1 GPU-h) and 3 (6 vs 4: +2, beyond the ceiling); over-sized: piece 1 (2 vs 1)
    assert gap == {
        "judged": 4,
        "scaler_met": 1,
        "under_sized": 2,
        "under_sized_beyond_ceiling": 1,
        "under_sized_gpu_hours_short": 3.0,
        "unfixable": 1,
        "over_sized": 1,
        "over_sized_gpu_hours_spare": 1.0,
        "exact": 0,
    }
    assert result.scaler_gpu_hours == 2 + 2 + 4 + 4 + 3
    assert rechecked(result) == {}  # not rechecked


def test_rechecked_counts_unfixable_pieces_as_misses_at_their_floor():
    met = _piece(least=2, scaler=3, meets=True)
    met = replace(
        met,
        recheck=(
            ("scaler", 3, True),
            ("least", 2, False),
            ("least x 1.25", 3, True),
            ("least x 1.5", 3, True),
            ("least x 2", 4, True),
            ("top", 8, True),
        ),
    )
    lost = replace(_piece(least=None, scaler=4, meets=False), recheck=(("scaler", 4, False), ("top", 8, True)))
    result = Hindsight(pieces=(met, lost), static_peak_gpu_hours=16.0)  # 2 h at 8 GPUs
    # scaler: 3 + 4 GPU-h, 1 of 2 met; least: 2 + 1 (the unfixable piece at its floor), 0 of 2 met;
    # x 1.25 and x 1.5: 3 + 1, x 2: 4 + 1; 1 of 2 met; top: 8 + 8, both met (the second on this draw)
    assert {k: (v["meets_share"], v["gpu_hours"]) for k, v in rechecked(result).items()} == {
        "scaler": (0.5, 7.0),
        "least": (0.0, 3.0),
        "least x 1.25": (0.5, 4.0),
        "least x 1.5": (0.5, 4.0),
        "least x 2": (0.5, 5.0),
        "top": (1.0, 16.0),
    }
    assert rechecked(result)["least"]["savings_pct"] == pytest.approx(100 * (1 - 3 / 16))


def test_hindsight_finds_the_replicas_the_scaler_missed():
    # 2 h at 16 req/s of 3,000-token prompts + 100 output tokens; the scaler (ratio 1, planned 16 req/s a
    # replica) runs 1 replica, at which the p95 TTFT misses 2 s, and 2 meet it (tests/test_recommend_scale_targets.py
    # derives both from the H100's prefill rate). Judged 01:15, 01:30, 01:45; floor 1, ceiling = top = 20.
    plan, traffic = _plan(16.0), _traffic(16.0, 2, 3000, 100)
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=2)
    result = hindsight(plan, traffic, since=since, until=until, recheck_seed=7)
    assert [(p.scaler, p.scaler_meets, p.least, p.top) for p in result.pieces] == [(1, False, 2, 20)] * 3
    # another draw of the traffic: the same verdicts; least x 1.25, x 1.5, x 2 = ceil(2.5), 3, 4 replicas; top 20
    assert [p.recheck for p in result.pieces] == [
        (
            ("scaler", 1, False),
            ("least", 2, True),
            ("least x 1.25", 3, True),
            ("least x 1.5", 3, True),
            ("least x 2", 4, True),
            ("top", 20, True),
        )
    ] * 3
    assert [p.replays for p in result.pieces] == [2] * 3  # 1 misses, 2 meets
    # the scaler's verdicts are the backtest's (same pieces, same seeds)
    assert [h.stats.meets_slo for h in backtest(plan, traffic, since=since, until=until).hours] == [False] * 3
    # 3 pieces of 0.25 h: scaler 0.75 GPU-h; hindsight 1.5 (2 replicas); static peak 20 x 0.75 = 15
    assert result.scaler_gpu_hours == pytest.approx(0.75) and result.static_peak_gpu_hours == pytest.approx(15.0)
    (best,) = frontier(result, (1.0,))
    assert best.gpu_hours == pytest.approx(1.5) and best.savings_pct == pytest.approx(90.0)
    doc = to_dict(result)
    assert doc["summary"]["under_sized"] == 3 and doc["summary"]["under_sized_gpu_hours_short"] == pytest.approx(0.75)
    assert doc["frontier"]["scaler_ceiling"][0]["gpu_hours"] == pytest.approx(1.5)
    # 3 pieces of 0.25 h at 1, 2, 3, 3, 4, 20 replicas: 0.75, 1.5, 2.25, 2.25, 3, 15 GPU-h of the static peak's 15
    assert {k: (v["meets_share"], v["gpu_hours"], v["savings_pct"]) for k, v in doc["recheck"].items()} == {
        "scaler": (0.0, 0.75, 95.0),
        "least": (1.0, 1.5, 90.0),
        "least x 1.25": (1.0, 2.25, 85.0),
        "least x 1.5": (1.0, 2.25, 85.0),
        "least x 2": (1.0, 3.0, 80.0),
        "top": (1.0, 15.0, 0.0),
    }


def test_a_piece_no_replica_count_fixes_is_unfixable():
    # 5,000-token prompts on a 4,096-token max_model_len: every request is rejected (infinitely slow) at
    # any replica count, so p95 TTFT misses from 1 replica to 20
    plan, traffic = _plan(16.0), _traffic(0.5, 2, 5000, 10)
    since, until = MONDAY + timedelta(hours=1, minutes=15), MONDAY + timedelta(hours=1, minutes=30)
    (piece,) = hindsight(plan, traffic, since=since, until=until).pieces
    assert (piece.scaler, piece.scaler_meets, piece.least) == (1, False, None)
    assert piece.replays == 6  # 1; up 2, 4, 8, 16 miss; then the top, 20 (clamped) misses
    # twice the static-peak plan's 20 GPUs: the search goes on to 40 TP-1 replicas (1; 2, 4, 8, 16, 32; 40)
    (further,) = hindsight(plan, traffic, since=since, until=until, gpus_x=2).pieces
    assert (further.top, further.least, further.replays) == (40, None, 7)
