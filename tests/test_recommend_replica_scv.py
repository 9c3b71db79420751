"""The screen's queueing wait comes from one replica's own arrival stream (recommend/queueing.py), not the
fleet's: a random split thins a bursty stream toward Poisson."""

import dataclasses

import numpy as np
import pytest

from recommend.queueing import Workload, metrics
from recommend.screen import screen
from recommend.search_space import SearchSpace, deployments, knob_grid
from recommend.window_traffic import PlanTraffic
from tests.test_recommend_search import HAND_WORKLOAD


def test_one_replica_queues_on_its_own_share_of_a_bursty_stream():
    # logged gap SCV 4 at 10 logged req/s: a replica taking 2 req/s sees the log thinned to 0.2, so its gaps'
    # SCV is 0.2 x 4 + 0.8 = 1.6 (a geometric sum of gaps); at 20 req/s it sees more than the log holds
    # (a Poisson process at the log's minute rate beyond it) and keeps the logged 4
    w = dataclasses.replace(HAND_WORKLOAD, rps_real=50.0, arrival_scv=4.0, whole_log_rps=10.0)
    assert w.replica_scv(2.0) == pytest.approx(1.6)
    assert w.replica_scv(20.0) == pytest.approx(4.0)
    # a Workload built without the logged rate keeps the logged gaps' SCV
    assert dataclasses.replace(w, whole_log_rps=0.0).replica_scv(2.0) == pytest.approx(4.0)
    # the hand case of tests/test_recommend_search.py (SCV 1: wait 0.81693 s, + 33.33 ms + 100 ms prefill) with
    # ca2 1.6: Kingman's factor (1.6 + 1) / 2 = 1.3 instead of 1 -> 1.3 x 0.81693 + 0.13333 = 1.19535 s
    coeff = dict(a=0.010, b=0.001, p=0.1, batch=64, w=w)
    ttft = metrics(2.0, **coeff, budget=2048, prefill_q={95.0: 0.1}, key=("ttft", 95.0))
    assert ttft == pytest.approx(1195.35, rel=1e-4)


def test_the_logged_rate_a_replica_would_need_to_see_every_request():
    rng = np.random.default_rng(7)
    n = 45000  # 45000 logged over 900 s, no bulk: 50 req/s
    t = PlanTraffic(
        arrival_s=np.sort(rng.uniform(0.0, 900.0, n)),
        prompt_tokens=rng.integers(500, 3000, n),
        output_tokens=rng.integers(50, 400, n),
        span_s=900.0,
        sample_rate=1.0,
        scale=1.0,
    )
    assert Workload.of(t).whole_log_rps == pytest.approx(50.0)
    sampled = dataclasses.replace(t, sample_rate=0.01)  # the same log as a 1% sample: still 50 logged req/s
    assert Workload.of(sampled).whole_log_rps == pytest.approx(50.0)


def _screened_replicas(arrival_s: np.ndarray) -> int:
    n = arrival_s.size
    traffic = PlanTraffic(
        arrival_s=arrival_s,
        prompt_tokens=np.full(n, 1500),
        output_tokens=np.full(n, 200),
        span_s=900.0,
        sample_rate=1.0,
        scale=1.0,
    )
    space = SearchSpace(gpus=("l40s",), max_num_seqs=(64,), max_num_batched_tokens=(2048,))
    slo = {"ttft_p95_ms": 500.0, "tpot_p95_ms": 50.0}
    r = screen(deployments("llama-3.1-8b", space), knob_grid(space), Workload.of(traffic), max_model_len=8192, slo=slo)
    return r.ranked[0].config.replicas


def test_a_fully_logged_bursty_stream_is_screened_like_a_smooth_one_at_the_same_rate():
    # 50 req/s either way: spread evenly at random, or in bursts of 25 requests within 10 ms every 0.5 s (gap
    # SCV ~25, clipped to 4). Split over the replicas (18) each sees 1/18 of it: ca2 1 + 3 / 18 = 1.17, not 4
    rng = np.random.default_rng(3)
    smooth = np.sort(rng.uniform(0.0, 900.0, 45000))
    bursty = np.sort((np.arange(1800)[:, None] * 0.5 + rng.uniform(0.0, 0.01, (1800, 25))).ravel())
    assert (
        Workload.of(
            PlanTraffic(
                arrival_s=bursty,
                prompt_tokens=np.ones(45000),
                output_tokens=np.ones(45000),
                span_s=900.0,
                sample_rate=1.0,
                scale=1.0,
            )
        ).arrival_scv
        == 4.0
    )
    smooth_r, bursty_r = _screened_replicas(smooth), _screened_replicas(bursty)
    assert smooth_r >= 4 and smooth_r <= bursty_r <= smooth_r + 1
