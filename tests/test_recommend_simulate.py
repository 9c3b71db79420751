"""The batching simulator: hand-derived cases, invariants, and the naive stepper as oracle."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommend.simulate import EngineSpec, SimulateError, goodput_share, replica_arrivals, replica_share, simulate
from recommend.simulate.arrivals import length_edges

ROOMY = EngineSpec(
    max_num_seqs=256, max_num_batched_tokens=2048, max_model_len=8192, kv_capacity_tokens=10**9
)  # effectively infinite KV


def const_10ms(pt, pc, ds, dc):
    return 0.010


def affine(pt, pc, ds, dc):
    # 5 ms + 0.01 ms per token computed + 0.001 ms per context token attended
    return 0.005 + 1e-5 * (pt + ds) + 1e-6 * (pc + dc)


def test_single_request_constant_step():
    r = simulate([0.0], [100], [5], engine=ROOMY, step_s=const_10ms)
    # one prefill step emits token 1 at 10 ms; four decode steps emit tokens 2..5
    assert r.ttft_ms[0] == pytest.approx(10.0)
    assert r.e2e_ms[0] == pytest.approx(50.0)
    assert r.tpot_ms[0] == pytest.approx(10.0)  # (50 - 10) / (5 - 1)
    assert (r.steps, r.prefill_tokens, r.decode_tokens, r.generated_tokens) == (5, 100, 4, 5)


def test_request_overhead_adds_to_ttft_and_e2e_and_leaves_the_schedule():
    # two requests 5 ms apart, 10 ms steps: B waits for A's prefill step (arrives mid-step) as before;
    # 4 ms of front end per request adds 4 ms to each TTFT and E2E, nothing to TPOT, queueing or the steps
    spec = EngineSpec(max_num_seqs=256, max_num_batched_tokens=2048, max_model_len=8192, kv_capacity_tokens=10**9)
    front = EngineSpec(
        max_num_seqs=256,
        max_num_batched_tokens=2048,
        max_model_len=8192,
        kv_capacity_tokens=10**9,
        request_overhead_s=0.004,
    )
    plain = simulate([0.0, 0.005], [100, 100], [5, 5], engine=spec, step_s=const_10ms)
    r = simulate([0.0, 0.005], [100, 100], [5, 5], engine=front, step_s=const_10ms)
    np.testing.assert_allclose(plain.ttft_ms, [10, 15])  # B: admitted at 10 ms, prefilled with A's decode
    np.testing.assert_allclose(r.ttft_ms, [14, 19])
    np.testing.assert_allclose(r.e2e_ms, plain.e2e_ms + 4)
    np.testing.assert_allclose(r.tpot_ms, plain.tpot_ms)
    np.testing.assert_allclose(r.queue_ms, plain.queue_ms)
    assert (r.steps, r.span_s) == (plain.steps, plain.span_s)
    with pytest.raises(SimulateError, match="request_overhead_s"):
        EngineSpec(
            max_num_seqs=8,
            max_num_batched_tokens=128,
            max_model_len=64,
            kv_capacity_tokens=1024,
            request_overhead_s=-0.001,
        )


def test_ttft_is_prefill_time_with_chunking_and_infinite_kv():
    # budget 2048: step 1 = A 1000 + B 1000 + C 48; step 2 = 2 decodes + C's other 952
    r = simulate([0.0, 0.0, 0.0], [1000] * 3, [5] * 3, engine=ROOMY, step_s=const_10ms)
    np.testing.assert_allclose(r.ttft_ms, [10, 10, 20])
    np.testing.assert_allclose(r.e2e_ms, [50, 50, 60])
    # alone, a 5000-token prompt takes ceil(5000 / 2048) = 3 steps of 10 ms
    assert simulate([0.0], [5000], [1], engine=ROOMY, step_s=const_10ms).ttft_ms[0] == (pytest.approx(30.0))


def test_single_request_affine_step():
    r = simulate([0.0], [1000], [3], engine=ROOMY, step_s=affine)
    # prefill: 5 + 0.01*1000 + 0.001*1000 = 16 ms; decodes at context 1001, 1002:
    # 5 + 0.01 + 1.001 = 6.011 and 6.012 ms
    assert r.ttft_ms[0] == pytest.approx(16.0)
    assert r.e2e_ms[0] == pytest.approx(16 + 6.011 + 6.012)
    assert r.tpot_ms[0] == pytest.approx((6.011 + 6.012) / 2)


def test_long_decode_stretch_affine_step():
    # 199 decodes at context 1000 + j, j = 1..199: 199 * 6.01 + 0.001 * (199 * 200 / 2) ms
    r = simulate([0.0], [1000], [200], engine=ROOMY, step_s=affine)
    assert r.e2e_ms[0] == pytest.approx(16 + 199 * 6.01 + 19.9, rel=1e-9)
    exact = simulate([0.0], [1000], [200], engine=ROOMY, step_s=affine, exact_steps=True)
    assert exact.e2e_ms[0] == pytest.approx(r.e2e_ms[0], rel=1e-9)


def test_percentiles_are_numpy_linear_and_queueing_counted():
    one_seat = EngineSpec(max_num_seqs=1, max_num_batched_tokens=64, max_model_len=64, kv_capacity_tokens=64)
    r = simulate([0.0] * 4, [8] * 4, [1] * 4, engine=one_seat, step_s=const_10ms)
    np.testing.assert_allclose(r.ttft_ms, [10, 20, 30, 40])  # one at a time
    assert r.ttft.p50_ms == pytest.approx(25.0)
    assert r.ttft.p95_ms == pytest.approx(38.5)  # rank 0.95 * 3 = 2.85 -> 30 + 0.85 * 10
    assert r.stat_ms("ttft_p95_ms") == pytest.approx(38.5)
    assert r.queue_mean_ms == pytest.approx(15.0)  # waits 0, 10, 20, 30
    assert np.isnan(r.tpot_ms).all()  # 1-token outputs have no TPOT
    assert r.mean_batch_seqs == 1.0
    assert r.output_tok_s == pytest.approx(4 / 0.040)


def test_preemption_hand_derived():
    # 4 blocks of 16 tokens. A and B (16-token prompts, 20 outputs) fill them by tick 1; at
    # tick 17 both hold 32 tokens and need a 5th block: B (newest) is evicted with 17 tokens
    # generated. A finishes at tick 20; B then prefills 16 + 17 = 33 tokens (3 blocks) at step
    # 21 (token 18) and decodes tokens 19, 20 in steps 22, 23.
    tiny = EngineSpec(max_num_seqs=8, max_num_batched_tokens=256, max_model_len=64, kv_capacity_tokens=64)
    r = simulate([0.0, 0.0], [16, 16], [20, 20], engine=tiny, step_s=const_10ms)
    np.testing.assert_allclose(r.ttft_ms, [10, 10])
    np.testing.assert_allclose(r.e2e_ms, [200, 230])
    assert (r.preemptions, r.recomputed_tokens, r.steps) == (1, 32, 23)
    assert r.prefill_tokens == 16 + 16 + 33
    assert r.decode_tokens == 19 + 16 + 2  # A: steps 2-20; B: steps 2-17, 22, 23
    assert r.kv_peak_share == 1.0


def test_rejected_over_max_model_len_reported_and_miss_goodput():
    short = EngineSpec(max_num_seqs=4, max_num_batched_tokens=256, max_model_len=100, kv_capacity_tokens=1024)
    r = simulate([0.0, 0.0, 0.0], [60, 50, 10], [41, 50, 1], engine=short, step_s=const_10ms, slo={"ttft_p95_ms": 15.0})
    assert r.rejected.tolist() == [True, False, False]  # 60 + 41 = 101 > 100; 50 + 50 fits
    assert r.rejected_count == 1 and r.replica[0] == -1
    assert np.isnan(r.ttft_ms[0]) and np.isnan(r.e2e_ms[0])
    assert r.goodput == pytest.approx(2 / 3)  # both admitted meet 15 ms; the rejected misses
    assert r.generated_tokens == 51


def test_goodput_applies_every_slo_per_request():
    ttft, tpot, e2e = np.array([100, 300, 100.0]), np.array([20, 20, np.nan]), np.array([1, 1, 1.0])
    slo = {"ttft_p95_ms": 200, "tpot_p99_ms": 30}
    assert goodput_share(ttft, tpot, e2e, slo) == pytest.approx(2 / 3)  # 2nd misses TTFT
    assert goodput_share(ttft, tpot, e2e, {"tpot_p95_ms": 10}) == pytest.approx(1 / 3)
    with pytest.raises(SimulateError, match="ttft_p95_ms"):
        goodput_share(ttft, tpot, e2e, {"ttft_95": 1})


def test_replicas_route_to_least_loaded_and_step_s_gets_prefill_seqs():
    def per_seq(pt, pc, ds, dc, prefill_seqs=1):
        return 0.010 * prefill_seqs if pt else 0.010

    r1 = simulate([0.0, 0.0, 0.0], [10] * 3, [1] * 3, engine=ROOMY, step_s=per_seq)
    np.testing.assert_allclose(r1.ttft_ms, [30, 30, 30])  # one step of 3 prefills
    r3 = simulate([0.0, 0.0, 0.0], [10] * 3, [1] * 3, engine=ROOMY, step_s=per_seq, replicas=3)
    assert r3.replica.tolist() == [0, 1, 2]
    np.testing.assert_allclose(r3.ttft_ms, [10, 10, 10])


def test_multi_step_window_delays_admission_to_the_window_end():
    # A (prompt 10, 20 outputs) prefills in step 1 (0-10 ms), which starts a 4-step window of decodes
    # (steps 2-5, 10-50 ms). B arrives at 15 ms, mid step 2: single-step scheduling admits it at 20 ms
    # (TTFT = 30 - 15 = 15 ms); with num_scheduler_steps=4 it waits for the window's end at 50 ms and
    # its prefill step ends at 60 ms (TTFT 45 ms). A's tokens keep coming one per 10 ms step either way.
    multi = EngineSpec(
        max_num_seqs=256,
        max_num_batched_tokens=2048,
        max_model_len=8192,
        kv_capacity_tokens=10**9,
        num_scheduler_steps=4,
    )
    single = simulate([0.0, 0.015], [10, 10], [20, 2], engine=ROOMY, step_s=const_10ms)
    windowed = simulate([0.0, 0.015], [10, 10], [20, 2], engine=multi, step_s=const_10ms)
    np.testing.assert_allclose(single.ttft_ms, [10, 15])
    np.testing.assert_allclose(windowed.ttft_ms, [10, 45])
    np.testing.assert_allclose(windowed.e2e_ms, single.e2e_ms + [0, 30])  # A: 20 steps in 200 ms
    # an idle engine schedules a lone arrival at once, whatever the window
    assert simulate([0.005], [10], [2], engine=multi, step_s=const_10ms).ttft_ms[0] == pytest.approx(10)


def test_mid_step_arrival_waits_for_the_running_step_half_a_step_on_average():
    # A (prompt 10, 20 outputs) prefills in step 1 (0-10 ms) and decodes in steps 2.. (10-20 ms, ...).
    # B arrives 1, 3, 5, 7 or 9 ms into step 2 (11-19 ms): its prefill starts when step 2 ends at 20 ms,
    # so it waits 9, 7, 5, 3, 1 ms (mean 5 ms = half a step, as for Poisson arrivals) and its first
    # token comes at 30 ms, TTFT 30 - arrival.
    waits = []
    for offset_ms in (1, 3, 5, 7, 9):
        arrival_s = (10 + offset_ms) / 1e3
        r = simulate([0.0, arrival_s], [10, 10], [20, 2], engine=ROOMY, step_s=const_10ms)
        assert r.ttft_ms[1] == pytest.approx(30 - 10 - offset_ms)
        waits.append(r.ttft_ms[1] - 10)  # minus B's own 10 ms step
    assert np.mean(waits) == pytest.approx(5.0)


def test_overlap_scheduler_admits_an_arrival_one_step_later_and_an_idle_engine_at_once():
    # A (prompt 10, 20 outputs) prefills in step 1 (0-10 ms) and decodes from 10 ms on. The overlap scheduler
    # plans step n + 1 when step n starts. B arriving at 11 ms, during step 2 (10-20), missed step 3's plan,
    # made at 10 ms: it prefills in step 4 (30-40), TTFT 29 ms, one step more than without overlap (19 ms).
    # B arriving as step 2 starts (10 ms) missed step 2's plan (made at 0) and prefills in step 3: TTFT 20 ms
    # instead of 10. Alone on an idle engine a request starts at once either way.
    lagged = dataclasses.replace(ROOMY, overlap_schedule=True)
    for arrival_ms, plain_ms, lag_ms in ((11, 19, 29), (10, 10, 20)):
        args = ([0.0, arrival_ms / 1e3], [10, 10], [20, 2])
        assert simulate(*args, engine=ROOMY, step_s=const_10ms).ttft_ms[1] == pytest.approx(plain_ms)
        assert simulate(*args, engine=lagged, step_s=const_10ms).ttft_ms[1] == pytest.approx(lag_ms)
    alone = simulate([0.005], [10], [3], engine=lagged, step_s=const_10ms)
    assert alone.ttft_ms[0] == pytest.approx(10) and alone.e2e_ms[0] == pytest.approx(30)


def test_unmixed_engine_runs_prefills_alone_and_decodes_wait():
    # A (prompt 10, 20 outputs) prefills in step 1 (0-10 ms) and decodes from step 2. B arrives at 15 ms.
    # Mixed: step 3 (20-30 ms) holds A's decode and B's prefill. Unmixed (vLLM V0, SGLang defaults):
    # step 3 is B's prefill alone, A waits, so A's 19 decodes end one 10 ms step later (e2e 210 ms);
    # B's first token still comes at 30 ms and its second with A's next decode at 40 ms.
    unmixed = EngineSpec(
        max_num_seqs=256, max_num_batched_tokens=2048, max_model_len=8192, kv_capacity_tokens=10**9, mixed_prefill=False
    )
    mixed = simulate([0.0, 0.015], [10, 10], [20, 2], engine=ROOMY, step_s=const_10ms)
    alone = simulate([0.0, 0.015], [10, 10], [20, 2], engine=unmixed, step_s=const_10ms)
    np.testing.assert_allclose(mixed.e2e_ms, [200, 25])
    np.testing.assert_allclose(alone.e2e_ms, [210, 25])
    np.testing.assert_allclose(alone.ttft_ms, mixed.ttft_ms)
    assert (alone.steps, alone.decode_tokens) == (mixed.steps + 1, mixed.decode_tokens)


def test_engine_spec_refuses_what_vllm_refuses():
    with pytest.raises(SimulateError, match="max_num_batched_tokens"):
        EngineSpec(max_num_seqs=256, max_num_batched_tokens=128, max_model_len=64, kv_capacity_tokens=1024)
    with pytest.raises(SimulateError, match="KV cache"):
        EngineSpec(max_num_seqs=8, max_num_batched_tokens=128, max_model_len=2048, kv_capacity_tokens=1024)
    with pytest.raises(SimulateError, match="output_tokens < 1"):
        simulate([0.0], [10], [0], engine=ROOMY, step_s=const_10ms)


def test_no_evict_admits_only_what_can_finish_and_never_preempts():
    # KV for 100 tokens (block 1); two requests of 10 prompt + 60 output tokens at t = 0, 1 ms steps.
    # vLLM admits both on their prompts (20 tokens), and when decoding fills the cache (2 x 50 tokens by
    # the 46th step) preempts the newer one. TensorRT-LLM's GUARANTEED_NO_EVICT admits the second only
    # when 70 + 70 fits beside the first's reservation, i.e. after the first finishes: 1 prefill step and
    # 59 decode steps, so it is scheduled at 60 ms and finishes at 120 ms, and nothing is recomputed.
    spec = dict(max_num_seqs=4, max_num_batched_tokens=64, max_model_len=100, kv_capacity_tokens=100, block_tokens=1)
    one_ms = lambda *_: 1e-3  # noqa: E731
    vllm = simulate([0.0, 0.0], [10, 10], [60, 60], engine=EngineSpec(**spec), step_s=one_ms)
    assert vllm.preemptions >= 1
    trt = simulate([0.0, 0.0], [10, 10], [60, 60], engine=EngineSpec(**spec, reserve_full_length=True), step_s=one_ms)
    assert trt.preemptions == 0 and trt.recomputed_tokens == 0
    assert trt.queue_ms.tolist() == pytest.approx([0.0, 60.0]) and trt.e2e_ms.tolist() == pytest.approx([60.0, 120.0])


@st.composite
def workloads(draw, max_n=25):
    block = draw(st.sampled_from([1, 4, 16]))
    max_len = draw(st.integers(16, 400))
    seqs = draw(st.integers(1, 8))
    engine = EngineSpec(
        max_num_seqs=seqs,
        max_num_batched_tokens=draw(st.integers(seqs, 400)),
        max_model_len=max_len,
        block_tokens=block,
        kv_capacity_tokens=-(-max_len // block) * block + draw(st.integers(0, 600)),
        num_scheduler_steps=draw(st.sampled_from([1, 1, 4])),
        mixed_prefill=draw(st.booleans()),
        reserve_full_length=draw(st.booleans()),
        overlap_schedule=draw(st.booleans()),
    )
    n = draw(st.integers(1, max_n))
    span_s = draw(st.sampled_from([0.01, 0.5, 5.0]))
    arrival = sorted(draw(st.lists(st.floats(0, span_s), min_size=n, max_size=n)))
    prompt = draw(st.lists(st.integers(1, max_len), min_size=n, max_size=n))
    output = draw(st.lists(st.integers(1, max_len), min_size=n, max_size=n))
    a, b, c = draw(st.floats(1e-4, 0.02)), draw(st.floats(0, 1e-4)), draw(st.floats(0, 1e-5))
    return engine, np.array(arrival), np.array(prompt), np.array(output), (a, b, c)


def step_fn(coef):
    a, b, c = coef
    return lambda pt, pc, ds, dc: a + b * (pt + ds) + c * (pc + dc)


@settings(max_examples=200, deadline=None)
@given(workloads(), st.integers(1, 3))
def test_every_request_finishes_or_is_rejected_and_tokens_are_conserved(w, replicas):
    engine, arrival, prompt, output, coef = w
    r = simulate(arrival, prompt, output, engine=engine, step_s=step_fn(coef), replicas=replicas)
    admitted = ~r.rejected
    assert (r.rejected == (prompt + output > engine.max_model_len)).all()
    assert np.isfinite(r.e2e_ms[admitted]).all() and (r.replica[admitted] >= 0).all()
    assert (r.queue_ms[admitted] >= 0).all() and (r.ttft_ms[admitted] > r.queue_ms[admitted]).all()
    assert (r.e2e_ms[admitted] >= r.ttft_ms[admitted]).all()
    assert r.generated_tokens == output[admitted].sum()
    # each admitted request computes its prompt and all outputs but the last, plus what
    # preemption threw away
    assert r.prefill_tokens + r.decode_tokens == ((prompt + output - 1)[admitted].sum() + r.recomputed_tokens)
    if r.preemptions == 0:
        assert r.prefill_tokens == prompt[admitted].sum() and r.recomputed_tokens == 0
    if admitted.any():
        assert 0 <= r.kv_mean_share <= r.kv_peak_share * (1 + 1e-9) and r.kv_peak_share <= 1


@settings(max_examples=150, deadline=None)
@given(workloads(), st.integers(1, 3))
def test_fast_replica_matches_the_naive_stepper(w, replicas):
    engine, arrival, prompt, output, coef = w
    args = dict(engine=engine, step_s=step_fn(coef), replicas=replicas)
    naive = simulate(arrival, prompt, output, reference=True, **args)
    for fast in (
        simulate(arrival, prompt, output, **args),
        simulate(arrival, prompt, output, exact_steps=True, **args),
    ):
        for name in ("ttft_ms", "e2e_ms", "queue_ms"):
            np.testing.assert_allclose(
                getattr(fast, name), getattr(naive, name), rtol=1e-9, atol=1e-9
            )  # ms; float noise near 0
        assert fast.replica.tolist() == naive.replica.tolist()
        for name in ("steps", "preemptions", "recomputed_tokens", "prefill_tokens", "decode_tokens", "kv_peak_share"):
            assert getattr(fast, name) == getattr(naive, name), name
        # closed-form stretches spread block allocations evenly, within 2 blocks per decoder
        slack = 2 * engine.max_num_seqs / (engine.kv_capacity_tokens // engine.block_tokens)
        assert fast.kv_mean_share == pytest.approx(naive.kv_mean_share, abs=slack + 1e-9, nan_ok=True)


@settings(max_examples=100, deadline=None)
@given(workloads(max_n=12), st.integers(1, 11))
def test_more_replicas_approach_the_solo_ttft_bound(w, replicas):
    # Greedy least-loaded routing is not monotone from R to R + 1 on every trace (ties can
    # land on a replica mid-decode), but no request beats its TTFT when alone, and with a
    # replica per request every request gets it: p95 TTFT at R = n is never worse than at R.
    engine, arrival, prompt, output, coef = w
    step = step_fn(coef)
    solo = np.array([simulate([0.0], [p], [o], engine=engine, step_s=step).ttft_ms[0] for p, o in zip(prompt, output)])
    few = simulate(arrival, prompt, output, engine=engine, step_s=step, replicas=replicas)
    many = simulate(arrival, prompt, output, engine=engine, step_s=step, replicas=len(arrival))
    ok = ~few.rejected
    assert (few.ttft_ms[ok] >= solo[ok] * (1 - 1e-9)).all()
    np.testing.assert_allclose(many.ttft_ms[ok], solo[ok], rtol=1e-9)
    assert many.ttft.p95_ms <= few.ttft.p95_ms * (1 + 1e-9) or not ok.any()


def test_replica_share_thins_and_multiplies_a_sampled_log():
    arrival = np.array([0.0, 1.0, 3.0, 4.0])
    prompt, output = np.array([10, 20, 30, 40]), np.array([1, 2, 3, 4])
    same = replica_share(arrival[::-1], prompt[::-1], output[::-1])
    for got, want in zip(same, (arrival, prompt, output)):
        np.testing.assert_array_equal(got, want)  # m = 1: the log itself, sorted
    # a 25% sample on one replica: m = 4 copies of each request, extras inside its next gap
    t, p, o = replica_share(arrival, prompt, output, sample_rate=0.25, seed=1)
    assert t.size == 16 and sorted(p.tolist()) == sorted(prompt.tolist() * 4)
    last_gap = 4.0 / 3  # mean gap
    for start, gap, tokens in zip(arrival, [1.0, 2.0, 1.0, last_gap], prompt):
        mine = t[p == tokens]
        assert mine.min() == start and (mine <= start + gap).all()
    # 2x growth over 8 replicas: m = 0.25, a random quarter of the logged requests
    t, p, _ = replica_share(np.arange(4000.0), np.arange(4000), np.ones(4000), replicas=8, traffic_scale=2.0, seed=3)
    assert set(t.tolist()) <= set(np.arange(4000.0).tolist()) and 900 < t.size < 1100


def test_length_edges_merge_minutes_until_each_bin_holds_enough_logged_requests():
    # per minute: 3, 2, 1, 4, 0 logged requests; at 3 a bin: [0, 60) 3, [60, 180) 3, [180, 300) 4 (the
    # empty last minute joins the bin before it)
    arrival = np.array([1.0, 2, 3, 61, 62, 125, 200, 201, 202, 203])
    np.testing.assert_array_equal(length_edges(arrival, 300.0, 3), [0.0, 60.0, 180.0, 300.0])
    np.testing.assert_array_equal(length_edges(arrival, 300.0, 200), [0.0, 300.0])  # fewer than 200: one bin
    # 1: every minute holding a request is its own bin (an empty minute joins the next one, the last the one before)
    np.testing.assert_array_equal(length_edges(arrival, 300.0, 1), [0.0, 60.0, 120.0, 180.0, 300.0])


def test_sampled_replica_stream_draws_lengths_from_the_length_bin_not_the_minute():
    # a 0.25% sample: 200 logged requests a minute for 2 minutes, minute 0 all 100-token prompts, minute 1
    # all 9000-token ones; 40 replicas (m = 10 real requests per logged one reach the replica)
    arrival = np.concatenate([np.linspace(0, 59, 200), np.linspace(60, 119, 200)])
    prompt = np.repeat([100, 9000], 200)
    args = dict(span_s=120.0, replicas=40, sample_rate=0.0025, scale=1.0, seed=5)
    t, p, _ = replica_arrivals(arrival, prompt, np.ones(400, np.int64), length_requests=1, **args)
    assert set(p[t < 60].tolist()) == {100} and set(p[t >= 60].tolist()) == {9000}  # each minute's own
    t, p, _ = replica_arrivals(arrival, prompt, np.ones(400, np.int64), length_requests=200, **args)
    assert set(p[t < 60].tolist()) == {100} and set(p[t >= 60].tolist()) == {9000}  # 200 a minute: the same
    t, p, _ = replica_arrivals(arrival, prompt, np.ones(400, np.int64), length_requests=400, **args)
    assert 3000 < t.size < 5000  # ~400 x 10 at the log's rate
    for first_minute in (True, False):  # one bin of both minutes: each minute draws from both halves
        share_long = np.mean(p[(t < 60) == first_minute] == 9000)
        assert 0.4 < share_long < 0.6


def test_simulate_accepts_unsorted_arrivals_and_reports_in_input_order():
    r = simulate([0.5, 0.0], [10, 10], [1, 3], engine=ROOMY, step_s=const_10ms)
    np.testing.assert_allclose(r.ttft_ms, [10, 10])
    np.testing.assert_allclose(r.e2e_ms, [10, 30])
    assert math.isclose(r.span_s, 0.51)
