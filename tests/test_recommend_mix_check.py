"""--mix-headroom: the engine config must also meet the SLO on a heavier length mix (recommend/mix_check.py).

A window of one 4,000-token prompt every 30 s (2 output tokens; the heavier mix at the same token load
is one 8,000-token prompt every ~60 s): no request overlaps another on a replica, so every simulated
TTFT is one prompt's prefill, the same for all requests, and its p95 is that prefill
(tests/test_recommend_search.py checks a lone request's simulated TTFT equals `tracefit predict`'s)."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from recommend.deployment import deployment
from recommend.errors import RecommendError
from recommend.mix_check import heavier, higher_tp, hold_mix
from recommend.predict import predict_static
from recommend.queueing import Workload
from recommend.recommender import RecommendOptions
from recommend.screen import screen
from recommend.search_space import SearchSpace, deployments
from recommend.verify import verify
from recommend.window_traffic import PlanTraffic

MODEL = "qwen2.5-72b"
PROMPT_TOKENS, K = 4000, 2.0
TRAFFIC = PlanTraffic(
    arrival_s=np.arange(0.0, 900.0, 30.0),
    prompt_tokens=np.full(30, PROMPT_TOKENS),
    output_tokens=np.full(30, 2),
    span_s=900.0,
    sample_rate=1.0,
    scale=1.0,
)


def _prefill_ms(tp: int, prompt_tokens: int) -> float:
    d = deployment(model=MODEL, gpu="h100-sxm", tp=tp, weights="fp8", kv="fp8")
    return predict_static(d, batch=1, isl=prompt_tokens, osl=2).ttft_ms


def _candidates(slo: dict) -> dict:
    """The screened fp8 TP-2 and TP-4 candidates with an 8,192-token budget (a prompt of 8,000 is one chunk)."""
    space = SearchSpace(max_num_seqs=(64,), max_num_batched_tokens=(8192,))
    deps = [d for d in deployments(MODEL, space) if d.weights == "fp8" and d.kv == "fp8" and d.tp in (2, 4)]
    ranked = screen(deps, [(64, 8192)], Workload.of(TRAFFIC), max_model_len=16384, slo=slo).ranked
    return {s.dep.tp: s for s in ranked}


def _verify(slo):
    return lambda t: lambda s, config: verify(config, s.dep.step, t, model=MODEL, slo=slo)


def _run(slo: dict, tp2_replicas: int):
    c = _candidates(slo)
    tp2 = dataclasses.replace(c[2].config, replicas=tp2_replicas)
    planned, heavy = _verify(slo)(TRAFFIC), _verify(slo)(heavier(TRAFFIC, K, 16384))
    v = planned(c[2], tp2)
    assert v.meets  # the cheaper config meets the SLO on the planned mix
    return hold_mix(c[2], v, [c[4]], K, planned=planned, heavy=heavy)


def test_heavier_scales_prompts_and_clips_to_max_model_len():
    t = PlanTraffic(
        arrival_s=np.array([0.0, 1.0, 2.0]),
        prompt_tokens=np.array([100, 3000, 9000]),
        output_tokens=np.array([10, 10, 500]),
        span_s=900.0,
        sample_rate=0.5,
        scale=1.2,
    )
    h = heavier(t, 1.5, 10000)
    # 150, 4500; 13,500 clipped to 10,000 - 500 = 9,500; outputs and arrivals unchanged
    assert h.prompt_tokens.tolist() == [150, 4500, 9500]
    assert h.output_tokens.tolist() == [10, 10, 500] and h.arrival_s.tolist() == [0.0, 1.0, 2.0]
    # same token load: tokens 12,100 + 520 = 12,620 before, 14,150 + 520 = 14,670 after, so the rate
    # 3 / 900 s / 0.5 x 1.2 = 0.008 req/s x 12,620 / 14,670
    assert h.rps_real == pytest.approx(0.008 * 12620 / 14670)


def test_the_heavy_mix_rules_out_tp2_and_the_same_gpus_run_as_tp4():
    tp2_heavy, tp4_heavy = _prefill_ms(2, 8000), _prefill_ms(4, 8000)
    assert _prefill_ms(2, PROMPT_TOKENS) < tp4_heavy < tp2_heavy  # TP-4 splits the prefill over twice the GPUs
    slo = {"ttft_p95_ms": (tp2_heavy + tp4_heavy) / 2, "tpot_p95_ms": 100.0}
    m = _run(slo, tp2_replicas=3)
    # 3 TP-2 replicas = 6 GPUs -> ceil(6 / 4) = 2 TP-4 replicas, which meet both mixes
    assert m.chosen.dep.tp == 4 and m.verified.config.replicas == 2 and m.verified.meets
    assert m.verified.slo_ms["ttft_p95_ms"] == pytest.approx(_prefill_ms(4, PROMPT_TOKENS), rel=1e-3)
    assert "2x TP4 fp8/fp8 (64 seqs, 8192 tokens) on the same GPUs meets both" in m.note
    assert [(s.dep.tp, v.config.replicas) for s, v in m.tried] == [(4, 2)]


def test_the_planned_choice_stands_when_the_heavy_mix_is_met_or_nothing_meets_it():
    tp2_heavy, tp4_heavy = _prefill_ms(2, 8000), _prefill_ms(4, 8000)
    holds = _run({"ttft_p95_ms": tp2_heavy * 1.05, "tpot_p95_ms": 100.0}, tp2_replicas=3)
    assert holds.chosen.dep.tp == 2 and holds.verified.config.replicas == 3 and holds.tried == []
    # TP-4's heavy prefill above the SLO too (and the planned one below it): nothing meets both
    slo = {"ttft_p95_ms": (tp4_heavy + _prefill_ms(2, PROMPT_TOKENS)) / 2, "tpot_p95_ms": 100.0}
    assert _prefill_ms(4, PROMPT_TOKENS) < slo["ttft_p95_ms"] < tp4_heavy
    none = _run(slo, tp2_replicas=3)
    assert none.chosen.dep.tp == 2 and none.verified.config.replicas == 3
    assert none.tried == []  # TP-4 missed the heavier mix, so it was not simulated on the planned one
    assert "none of 1 other configs on its 6 GPUs meets both mixes (the closest on the heavier mix: 2x TP4" in none.note


def test_mix_headroom_below_one_is_refused():
    with pytest.raises(RecommendError, match="--mix-headroom"):
        RecommendOptions(mix_headroom=0.9)


def test_higher_tp_keeps_the_first_two_higher_tp_deployments_and_two_knob_sets_each():
    def cand(name, tp, kv, seqs, tokens, gpu="h100-sxm"):
        return SimpleNamespace(
            name=name,
            dep=SimpleNamespace(gpu=gpu, tp=tp, weights="fp8", kv=kv),
            config=SimpleNamespace(max_num_seqs=seqs, max_num_batched_tokens=tokens),
        )

    chosen = cand("chosen", 2, "fp8", 256, 4096)
    ranked = [
        chosen,
        cand("tp2 other knobs", 2, "fp8", 512, 4096),  # not a higher TP
        cand("a", 4, "fp8", 1024, 4096),
        cand("b", 4, "fp8", 1024, 4096),  # same knobs as a
        cand("c", 8, "fp8", 512, 4096),
        cand("d", 4, "fp8", 256, 2048),
        cand("e", 4, "fp8", 512, 2048),  # a third knob set of TP-4 fp8
        cand("f", 4, "bf16", 256, 4096),  # a third deployment
        cand("g", 8, "fp8", 256, 2048),
        cand("h", 4, "fp8", 256, 4096, gpu="h200"),  # another GPU type
    ]
    assert [s.name for s in higher_tp(ranked, chosen)] == ["a", "c", "d", "g"]


def test_mix_gpus_tries_the_chosen_and_higher_tp_configs_on_more_gpus_when_the_same_gpus_fail():
    # TP-4's heavier prefill above the SLO: no replica count helps (one prompt at a time, no queueing), so
    # every step is tried: the same 6 GPUs (TP-4: 2 replicas), then 2 x 6 = 12 (TP-2: 6, TP-4: 3)
    tp4_heavy = _prefill_ms(4, 8000)
    slo = {"ttft_p95_ms": (tp4_heavy + _prefill_ms(2, PROMPT_TOKENS)) / 2, "tpot_p95_ms": 100.0}
    c = _candidates(slo)
    planned, heavy = _verify(slo)(TRAFFIC), _verify(slo)(heavier(TRAFFIC, K, 16384))
    calls = []

    def recorded(s, config):
        calls.append((s.dep.tp, config.replicas))
        return heavy(s, config)

    tp2 = dataclasses.replace(c[2].config, replicas=3)
    m = hold_mix(c[2], planned(c[2], tp2), [c[4]], K, planned=planned, heavy=recorded, max_gpus=2.0)
    assert calls == [(2, 3), (4, 2), (2, 6), (4, 3)]
    assert m.chosen is c[2] and m.verified.config.replicas == 3 and m.tried == []
    assert "none of 1 other configs on its 6 GPUs or 2x them meets both mixes" in m.note
