"""Closed-loop load (genai-perf --concurrency): hand-derived schedules."""

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommend.simulate import EngineSpec, SimulateError, simulate, simulate_closed_loop, simulate_fixed_concurrency

ROOMY = EngineSpec(max_num_seqs=256, max_num_batched_tokens=2048, max_model_len=8192, kv_capacity_tokens=10**9)


def const_10ms(pt, pc, ds, dc):
    return 0.010


def test_one_client_sends_each_request_when_the_last_ends_plus_its_think_time():
    # 100-token prompt in one 10 ms step, then 4 decode steps: 50 ms a request, alone on the engine
    loop = simulate_closed_loop(1, 3, 100, 5, engine=ROOMY, step_s=const_10ms, think_s=0.005)
    res = loop.result
    np.testing.assert_allclose(res.e2e_ms, [50, 50, 50])
    np.testing.assert_allclose(res.ttft_ms, [10, 10, 10])
    assert loop.round.tolist() == [0, 1, 2]
    assert res.span_s == pytest.approx(0.160)  # arrivals 0, 55, 110 ms; the last ends at 160 ms


def test_two_clients_on_a_one_request_cache_queue_behind_each_other():
    # KV for 100 tokens, no-evict admission, 10 + 60 tokens a request, 1 ms steps: one request at a time,
    # 60 ms each. A runs 0-60 while B waits; A's second request arrives at 60 behind B (FCFS), which runs
    # 60-120; A's second runs 120-180, B's second (sent at 120) 180-240. Every request after the very first
    # waits 60 ms and runs 60: E2E 120 ms, as Little's law says for 2 clients at one request per 60 ms.
    spec = EngineSpec(
        max_num_seqs=4,
        max_num_batched_tokens=64,
        max_model_len=100,
        kv_capacity_tokens=100,
        block_tokens=1,
        reserve_full_length=True,
    )
    loop = simulate_closed_loop(2, 2, 10, 60, engine=spec, step_s=lambda *_: 1e-3)
    res = loop.result  # (client, round) order: A0, A1, B0, B1
    # (B sends 1 us after A each time: its E2E and queue are 1 us shorter, tolerance 2 us)
    np.testing.assert_allclose(res.e2e_ms, [60, 120, 120, 120], atol=2e-3)
    np.testing.assert_allclose(res.queue_ms, [0, 60, 60, 60], atol=2e-3)
    assert res.span_s == pytest.approx(0.240, abs=2e-6)
    assert loop.passes >= 2  # the second round's arrivals were not known before the first pass


def test_per_request_lengths_follow_client_then_round_order():
    loop = simulate_closed_loop(
        2, 2, [100, 100, 100, 100], [5, 3, 2, 4], engine=ROOMY, step_s=const_10ms, stagger_s=0.0
    )
    # every request decodes alone or beside another at the same 10 ms a step: output tokens x 10 ms
    np.testing.assert_allclose(loop.result.e2e_ms, [50, 30, 20, 40])


def test_clients_sending_together_race_an_idle_engine():
    # two clients at once on an idle engine, 10 ms steps. Exact ties (stagger 0): both prefill in the first
    # step, TTFT 10 ms each. Staggered by 1 us: A's prefill starts alone at 0, B (at 1 us) waits for the next
    # step at 10 ms, which prefills B beside A's first decode: B's TTFT 20 ms - 1 us
    tied = simulate_closed_loop(2, 1, 100, 5, engine=ROOMY, step_s=const_10ms, stagger_s=0.0).result
    np.testing.assert_allclose(tied.ttft_ms, [10, 10])
    raced = simulate_closed_loop(2, 1, 100, 5, engine=ROOMY, step_s=const_10ms).result
    np.testing.assert_allclose(raced.ttft_ms, [10, 20 - 1e-3])


def test_closed_loop_refuses_what_could_never_run():
    with pytest.raises(SimulateError, match="clients and rounds"):
        simulate_closed_loop(0, 3, 100, 5, engine=ROOMY, step_s=const_10ms)
    with pytest.raises(SimulateError, match="think_s"):
        simulate_closed_loop(1, 3, 100, 5, engine=ROOMY, step_s=const_10ms, think_s=-1.0)
    with pytest.raises(SimulateError, match="stagger_s"):
        simulate_closed_loop(1, 3, 100, 5, engine=ROOMY, step_s=const_10ms, stagger_s=-1.0)
    with pytest.raises(SimulateError, match="max_model_len"):
        simulate_closed_loop(1, 3, 9000, 5, engine=ROOMY, step_s=const_10ms)


# Fixed concurrency over a list of prompts (vllm bench serve / sglang.bench_serving --max-concurrency N).


def test_the_third_prompt_takes_the_first_slot_that_frees():
    # 2 slots, 10 ms steps, one 100-token prompt each. A (5 tokens) and B (3 tokens) start together (B 1 us
    # later, so it prefills in the second step: 10-20 ms, then decodes beside A): A ends at 50 ms, B at 40 ms.
    # C goes out when B's slot frees at 40 ms and runs alone after A: 2 tokens, its prefill in the step from
    # 40 ms (beside A's last decode) and one decode: ends at 60 ms.
    run = simulate_fixed_concurrency([100, 100, 100], [5, 3, 2], 2, engine=ROOMY, step_s=const_10ms)
    np.testing.assert_allclose(run.arrival_s, [0, 1e-6, 0.040], atol=1e-9)
    np.testing.assert_allclose(run.result.e2e_ms, [50, 40 - 1e-3, 20], atol=1e-6)
    assert run.duration_s == pytest.approx(0.060)


def test_one_slot_runs_the_list_back_to_back():
    # each request alone: prefill step + (output - 1) decode steps, 10 ms each, sent when the last one ends
    run = simulate_fixed_concurrency([100] * 3, [5, 2, 3], 1, engine=ROOMY, step_s=const_10ms)
    np.testing.assert_allclose(run.result.e2e_ms, [50, 20, 30])
    np.testing.assert_allclose(run.arrival_s, [0, 0.050, 0.070])
    assert run.duration_s == pytest.approx(0.100)


def test_more_slots_than_prompts_sends_everything_at_once():
    run = simulate_fixed_concurrency([100] * 3, [4] * 3, 8, engine=ROOMY, step_s=const_10ms, stagger_s=0.0)
    np.testing.assert_allclose(run.arrival_s, [0, 0, 0])
    np.testing.assert_allclose(run.result.ttft_ms, [10, 10, 10])


def test_slots_freed_together_send_a_stagger_apart():
    # two identical requests end in the same step; the next two go out 0 and 1 us after that instant
    run = simulate_fixed_concurrency([100] * 4, [3] * 4, 2, engine=ROOMY, step_s=const_10ms, stagger_s=0.0)
    np.testing.assert_allclose(run.arrival_s, [0, 0, 0.030, 0.030])
    staggered = simulate_fixed_concurrency([100] * 4, [3] * 4, 2, engine=ROOMY, step_s=const_10ms, stagger_s=1e-3)
    # A at 0 prefills alone (0-10), B at 1 ms waits for the 10-20 step: A ends at 30, B at 40 ms
    np.testing.assert_allclose(staggered.arrival_s, [0, 1e-3, 0.030, 0.040])


def test_fixed_concurrency_refuses_what_could_never_run():
    with pytest.raises(SimulateError, match="concurrency"):
        simulate_fixed_concurrency([100], [5], 0, engine=ROOMY, step_s=const_10ms)
    with pytest.raises(SimulateError, match="one output length per prompt"):
        simulate_fixed_concurrency([100, 100], [5], 2, engine=ROOMY, step_s=const_10ms)
    with pytest.raises(SimulateError, match="max_model_len"):
        simulate_fixed_concurrency([9000], [5], 1, engine=ROOMY, step_s=const_10ms)


def _fixed_point(prompt, output, concurrency, engine, step_s, stagger_s=1e-6):
    """The same run solved the slow way, as the test's oracle: simulate what is known, send each next prompt at
    the (j - concurrency + 1)-th end, repeat until nothing moves (one slot-full of requests settles a pass)."""
    n, first, unknown = len(prompt), min(concurrency, len(prompt)), 1e9
    arrival = np.full(n, unknown)
    arrival[:first] = stagger_s * np.arange(first)
    for _ in range(n + 2):
        known = arrival < unknown
        res = simulate(arrival[known], prompt[known], output[known], engine=engine, step_s=step_s, exact_steps=True)
        end = np.full(n, np.inf)
        end[known] = arrival[known] + res.e2e_ms / 1e3
        nxt, ends, last, tied = arrival.copy(), list(end[:first]), None, 0
        heapq.heapify(ends)
        for j in range(first, n):
            freed = heapq.heappop(ends)
            if not np.isfinite(freed):
                nxt[j:] = unknown
                break
            tied = tied + 1 if last is not None and freed - last < 1e-9 else 0  # one step's end, up to rounding
            last = freed
            nxt[j] = freed + tied * stagger_s
            heapq.heappush(ends, end[j])
        if np.array_equal(nxt, arrival):
            return arrival, res
        arrival = nxt
    raise AssertionError("the oracle did not settle")


@st.composite
def prompt_lists(draw):
    seqs = draw(st.integers(1, 6))
    engine = EngineSpec(
        max_num_seqs=seqs,
        max_num_batched_tokens=draw(st.integers(max(seqs, 64), 400)),
        max_model_len=400,
        block_tokens=draw(st.sampled_from([1, 16])),
        kv_capacity_tokens=draw(st.integers(400, 2000)),
        mixed_prefill=draw(st.booleans()),
        reserve_full_length=draw(st.booleans()),
        overlap_schedule=draw(st.booleans()),
        request_overhead_s=draw(st.sampled_from([0.0, 0.003])),
    )
    n = draw(st.integers(1, 25))
    prompt = np.array(draw(st.lists(st.integers(1, 200), min_size=n, max_size=n)))
    output = np.array(draw(st.lists(st.integers(1, 60), min_size=n, max_size=n)))
    return engine, prompt, output, draw(st.integers(1, 8))


@settings(max_examples=120, deadline=None)
@given(prompt_lists(), st.sampled_from([const_10ms, lambda pt, pc, ds, dc: 0.004 + 2e-5 * (pt + ds) + 1e-7 * dc]))
def test_fixed_concurrency_step_by_step_is_the_fixed_point(w, step_s):
    engine, prompt, output, concurrency = w
    run = simulate_fixed_concurrency(prompt, output, concurrency, engine=engine, step_s=step_s)
    arrival, res = _fixed_point(prompt, output, concurrency, engine, step_s)
    np.testing.assert_allclose(run.arrival_s, arrival, rtol=0, atol=1e-9)
    for name in ("ttft_ms", "e2e_ms", "queue_ms"):
        np.testing.assert_allclose(getattr(run.result, name), getattr(res, name), rtol=1e-9, atol=1e-6)
