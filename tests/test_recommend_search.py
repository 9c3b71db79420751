"""Recommender pieces with hand-derived numbers: coverage grid, SLOs, the queueing screen, monotonicity,
and a single-request simulation equal to `tracefit predict`."""

import numpy as np
import pytest

from recommend.deployment import deployment
from recommend.engine_config import EngineConfig
from recommend.errors import RecommendError
from recommend.model_len import choose_model_len, grid_counts
from recommend.predict import predict_static
from recommend.queueing import Workload, capacity_rps, metrics, prefill_work_s
from recommend.roofline import StepModel
from recommend.screen import screen
from recommend.search_space import SearchSpace, deployments, knob_grid
from recommend.slo import DEFAULT_SLO, parse_slo
from recommend.verify import verify
from recommend.window_traffic import PlanTraffic
from recommend.windows import fixed, hour_of_week, parse_windows


class LinearStep:
    """step_s = 10 ms + 1 ms per decoding sequence + 0.1 ms per prefill token."""

    def step_s(self, prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs=1):
        return 0.010 + 0.001 * decode_seqs + 0.0001 * prefill_tokens


def test_model_len_grid_and_rejected_share():
    lengths, counts = grid_counts([100, 300, 300, 600, 5000])  # -> 256, 512, 512, 768, 5120
    assert lengths.tolist() == [256, 512, 768, 5120] and counts.tolist() == [1, 2, 1, 1]
    ml = choose_model_len(lengths, counts, 0.8)  # cumulative shares 0.2, 0.6, 0.8, 1.0
    assert (ml.max_model_len, ml.admitted_share) == (768, pytest.approx(0.8))
    ml = choose_model_len(lengths, counts, 0.999)
    assert (ml.max_model_len, ml.admitted_share) == (5120, 1.0)
    capped = choose_model_len(lengths, counts, 0.999, cap_tokens=4096)  # the model's context: 5000 is rejected
    assert (capped.max_model_len, capped.admitted_share) == (4096, pytest.approx(0.8))


def test_slo_parsing_replaces_a_metric_default():
    assert parse_slo([]) == DEFAULT_SLO
    assert parse_slo(["ttft_p99_ms=2000"]) == {"tpot_p95_ms": 100.0, "ttft_p99_ms": 2000.0}
    with pytest.raises(RecommendError):
        parse_slo(["ttft_ms=5"])


def test_windows():
    assert len(hour_of_week()) == 168 and hour_of_week()[33][0] == "Tue 09–10"
    six = fixed(6)
    assert len(six) == 28 and six[3] == ("Mon 18–24", (18, 19, 20, 21, 22, 23))
    assert parse_windows("fixed:6h") == 6
    with pytest.raises(RecommendError):
        fixed(5)


# 1000-token prompts, 100 output tokens, Poisson arrivals: the queueing hand case (tests/test_recommend_replica_scv.py
# reuses it with a bursty arrival stream)
HAND_WORKLOAD = Workload(
    rps_real=0.0,
    prompt_mean=1000,
    output_mean=100,
    decode_ctx_tokens=1050,
    prompt_q={95.0: 1000},
    output_q={95.0: 100},
    arrival_scv=1.0,
)


def test_queueing_hand_derived():
    step = LinearStep()
    # one 1000-token prompt in one 2048-token chunk adds 1000 x 0.1 ms = 100 ms
    assert prefill_work_s(step, 1000, 2048, 8, 500) == pytest.approx(0.1)
    # ... and in 4 chunks of 250 tokens the same 100 ms (linear)
    assert prefill_work_s(step, 1000, 250, 8, 500) == pytest.approx(0.1)
    w = HAND_WORKLOAD
    # a = 11 ms - 1 ms = 10 ms, b = 1 ms, p = 100 ms: c = p + b x O = 0.1 + 0.1 = 0.2 s per request
    # mu = B / (O a + B c) = 64 / (100 x 0.01 + 64 x 0.2) = 64 / 13.8 = 4.6377 req/s
    coeff = dict(a=0.010, b=0.001, p=0.1, batch=64, w=w)
    assert capacity_rps(**coeff) == pytest.approx(64 / 13.8)
    # at 2 req/s: u = 2 x 0.2 = 0.4, step T = 10 ms / 0.6 = 16.67 ms; TPOT p95 = 1.2 x T = 20 ms
    tpot = metrics(2.0, **coeff, budget=2048, prefill_q={95.0: 0.1}, key=("tpot", 95.0))
    assert tpot == pytest.approx(20.0)
    # TTFT p95: rho = 2 / 4.6377 = 0.43125; wait = (1+1)/2 x ln(0.43125 / 0.05) / (4.6377 - 2) = 0.81693 s;
    # + T x (1 + 1 chunk) = 33.33 ms + prefill 100 ms = 0.95026 s
    ttft = metrics(2.0, **coeff, budget=2048, prefill_q={95.0: 0.1}, key=("ttft", 95.0))
    assert ttft == pytest.approx(950.26, rel=1e-4)
    assert metrics(5.0, **coeff, budget=2048, prefill_q={95.0: 0.1}, key=("ttft", 95.0)) == np.inf  # > mu


def _workload(rps):
    p, o = np.full(400, 1500), np.full(400, 300)
    return Workload.of(
        PlanTraffic(
            arrival_s=np.linspace(0, 900, 400),
            prompt_tokens=p,
            output_tokens=o,
            span_s=900.0,
            sample_rate=400 / 900 / rps,
            scale=1.0,
        )
    )


SPACE = SearchSpace(gpus=("h100-sxm", "l40s"), max_num_seqs=(64, 256), max_num_batched_tokens=(2048, 8192))
DEPS = deployments("llama-3.1-8b", SPACE)


def _cheapest(rps, slo):
    r = screen(DEPS, knob_grid(SPACE), _workload(rps), max_model_len=4096, slo=slo)
    assert r.screened == len(DEPS) * 4 and r.ranked[0].meets
    return r.ranked[0]


@pytest.mark.parametrize("low,high", [(5, 10), (10, 40), (40, 160), (160, 640)])
def test_more_traffic_never_fewer_replicas_or_lower_cost(low, high):
    a, b = _cheapest(low, DEFAULT_SLO), _cheapest(high, DEFAULT_SLO)
    assert b.usd_per_hour >= a.usd_per_hour
    same = [
        s
        for s in screen(DEPS, knob_grid(SPACE), _workload(high), max_model_len=4096, slo=DEFAULT_SLO).ranked
        if s.config.to_dict() | {"replicas": 0} == a.config.to_dict() | {"replicas": 0}
    ]
    assert same[0].config.replicas >= a.config.replicas  # the same config needs at least as many


@pytest.mark.parametrize("tight,loose", [(300, 600), (600, 1200), (1200, 5000)])
def test_a_looser_slo_never_costs_more(tight, loose):
    a = _cheapest(200, {"ttft_p95_ms": tight, "tpot_p95_ms": 50})
    b = _cheapest(200, {"ttft_p95_ms": loose, "tpot_p95_ms": 100})
    assert b.usd_per_hour <= a.usd_per_hour


def test_single_request_simulation_equals_predict():
    config = EngineConfig(
        gpu="h100-sxm",
        tp=1,
        weights="bf16",
        kv="bf16",
        max_model_len=4096,
        max_num_seqs=256,
        max_num_batched_tokens=8192,
        replicas=1,
    )
    dep = config.deployment("llama-3.1-8b")
    one = PlanTraffic(
        arrival_s=np.array([0.0]),
        prompt_tokens=np.array([1024]),
        output_tokens=np.array([128]),
        span_s=900.0,
        sample_rate=1.0,
        scale=1.0,
    )
    v = verify(config, StepModel(dep), one, model="llama-3.1-8b", slo=DEFAULT_SLO)
    p = predict_static(deployment(model="llama-3.1-8b", gpu="h100-sxm"), batch=1, isl=1024, osl=128)
    assert v.requests == 3  # the same single request in each of the DRAWS draws
    assert v.predicted["ttft_ms"]["p50"] == pytest.approx(p.ttft_ms, abs=1e-3)  # plan values are rounded to 1 us
    assert v.predicted["e2e_ms"]["p50"] == pytest.approx(p.e2e_s * 1e3, abs=1e-3)
    assert v.predicted["tpot_ms"]["p50"] == pytest.approx(p.tpot_ms, abs=1e-3)


def test_verify_pools_independent_draws_of_the_replica_traffic():
    config = EngineConfig(
        gpu="h100-sxm",
        tp=1,
        weights="bf16",
        kv="bf16",
        max_model_len=32768,
        max_num_seqs=64,
        max_num_batched_tokens=2048,
        replicas=1,
    )
    rng = np.random.default_rng(7)
    n = 400  # a 10% sample of ~4.4 req/s over 15 min, 1 in 50 prompts 24k tokens (the tail the draws disagree on)
    traffic = PlanTraffic(
        arrival_s=np.sort(rng.random(n) * 900),
        span_s=900.0,
        sample_rate=0.1,
        scale=1.0,
        prompt_tokens=np.where(np.arange(n) % 50 == 0, 24000, rng.integers(200, 2000, n)),
        output_tokens=rng.integers(20, 400, n),
    )
    step = StepModel(config.deployment("llama-3.1-8b"))
    one = [
        verify(config, step, traffic, model="llama-3.1-8b", slo=DEFAULT_SLO, seed=s, draws=1)
        for s in (0, 1_000_003, 2_000_006)
    ]
    pooled = verify(config, step, traffic, model="llama-3.1-8b", slo=DEFAULT_SLO, seed=0, draws=3)
    assert pooled.requests == sum(v.requests for v in one)  # draw d uses seed + 1,000,003 d
    for key in DEFAULT_SLO:  # a pooled quantile lies within its parts' quantiles
        parts = [v.slo_ms[key] for v in one]
        assert min(parts) <= pooled.slo_ms[key] <= max(parts)


def test_search_space_resolves_moe_models_on_blackwell_and_mi355x_with_fp4():
    space = SearchSpace(gpus=("b200", "gb200", "b300", "mi355x"), allow_quant=("bf16", "fp8", "nvfp4", "mxfp4"))
    deps = deployments("deepseek-r1", space)
    fits = [d for d in deps if d.step is not None]
    # 671B at 0.5625 B/param (nvfp4) + bf16 embeddings: ~380 GB, so TP4 on 186-288 GB GPUs fits, TP1 does not
    assert {(d.tp, d.weights) for d in fits} >= {(4, "nvfp4"), (8, "fp8")}
    assert all(d.tp > 1 for d in fits if d.weights == "nvfp4")
    step = next(d.step for d in fits if d.gpu == "b200" and d.tp == 8 and d.weights == "nvfp4")
    assert step.decode_step_s(64, 2048) > 0
