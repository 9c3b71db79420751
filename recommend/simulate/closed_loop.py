"""Closed-loop load: a fixed number of clients, each sending its next request when its last one ends.

This is how genai-perf / perf_analyzer `--concurrency N`, llmperf and vLLM's `--max-concurrency` load an
engine: N requests are always outstanding, so arrivals depend on completions. The run is solved as a
fixed point of `simulate`: in each pass, client u's request k arrives `think_s` after its request k - 1
finished in the previous pass, and passes repeat until no arrival moves by more than `tol_s`. Round 0
starts all clients at t = 0 (the benchmark tools' burst); callers measuring a steady state leave it out.

Clients whose requests end in the same step would all send again at the same instant, and the simulator
would batch them all into the engine's next step. Real clients get their last tokens one after another
and race the engine: an idle engine starts a step on the first request, the rest wait for the next one.
So client u sends u x `stagger_s` after its last token (default 1 us; from 1 to 100 us no summary figure
of bench/serving_closed_loop.py's 787 runs moves by more than 0.1 point: what matters is that ties break).

`simulate_fixed_concurrency` is the other way benchmark clients hold N requests outstanding: a fixed list
of prompts sent in order through N slots (`vllm bench serve` / `sglang.bench_serving --max-concurrency N
--num-prompts P`: an asyncio semaphore of N over P tasks), so request j >= N goes out at the (j - N + 1)-th
completion, whoever's it was, and the run ends with the slots draining. It runs one replica a step at a time
and sends the next prompt as a request ends (linear in the steps; the fixed point above would re-simulate the
run once per slot-full of requests, quadratic in P / N).
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.simulate.engine import EngineSpec, SimResult, SimulateError, simulate, summarise, takes_prefill_seqs
from recommend.simulate.replica import Replica, Requests

# Far enough after any pass's last finish that a not-yet-known arrival cannot touch the requests before it.
_UNKNOWN_S = 1e9
# Ends closer than this are one step's end (the simulator's ARRIVAL_TIE_S): their slots send stagger_s apart.
_SAME_INSTANT_S = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedLoopResult:
    result: SimResult  # per request in (client, round) order: index = client * rounds + round
    round: np.ndarray  # int, each request's round (0 = the clients' first, all sent at t = 0)
    arrival_s: np.ndarray  # each request's send time (same order); its last token is at arrival + e2e
    passes: int  # simulate() calls until the arrivals stopped moving


def simulate_closed_loop(
    clients: int,
    rounds: int,
    prompt_tokens,
    output_tokens,
    *,
    engine: EngineSpec,
    step_s,
    think_s: float = 0.0,
    stagger_s: float = 1e-6,
    tol_s: float = 1e-9,
    max_passes: int = 500,
) -> ClosedLoopResult:
    """`clients` users x `rounds` requests each, every user's next request sent when its previous ends.

    prompt_tokens / output_tokens: one value for all, or clients * rounds values in (client, round) order.
    """
    if clients < 1 or rounds < 1:
        raise SimulateError(f"clients and rounds must be >= 1, got {clients} and {rounds}")
    if not (think_s >= 0 and stagger_s >= 0):
        raise SimulateError(f"think_s and stagger_s must be >= 0, got {think_s} and {stagger_s}")
    n = clients * rounds
    prompt = np.broadcast_to(np.asarray(prompt_tokens, dtype=np.int64), (n,))
    output = np.broadcast_to(np.asarray(output_tokens, dtype=np.int64), (n,))
    if (prompt + output > engine.max_model_len).any():
        raise SimulateError("a request is longer than max_model_len; its client would never send the next one")
    stagger = stagger_s * np.arange(clients)[:, None]  # per client, before each of its requests
    arrival = np.repeat(stagger, rounds, axis=1)
    arrival[:, 1:] = _UNKNOWN_S + np.arange(1, rounds)
    for passes in range(1, max_passes + 1):
        # requests still at _UNKNOWN_S cannot touch the known ones: simulate the known alone (all, once settled)
        flat = arrival.ravel()
        known = flat < _UNKNOWN_S
        res = simulate(flat[known], prompt[known], output[known], engine=engine, step_s=step_s)
        e2e_s = np.zeros(n)
        e2e_s[known] = res.e2e_ms / 1e3
        seen_s = arrival + e2e_s.reshape(clients, rounds)  # the client has the last token (unknown: still far)
        nxt = arrival.copy()
        nxt[:, 1:] = seen_s[:, :-1] + think_s + stagger
        moved = float(np.abs(nxt - arrival).max())
        arrival = nxt
        if moved <= tol_s:
            return ClosedLoopResult(
                result=res, round=np.tile(np.arange(rounds), clients), arrival_s=arrival.ravel(), passes=passes
            )
    raise SimulateError(
        f"closed loop of {clients} clients did not settle in {max_passes} passes "
        f"(arrivals still moving by {moved:.3g} s); raise max_passes or tol_s"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FixedConcurrencyResult:
    result: SimResult  # per request, in the order they were sent
    arrival_s: np.ndarray  # each request's send time; its last token is at arrival + e2e

    @property
    def duration_s(self) -> float:
        """From the first send to the last token: the benchmark's duration, which its throughputs divide by."""
        return float((self.arrival_s + self.result.e2e_ms / 1e3).max() - self.arrival_s.min())


def simulate_fixed_concurrency(
    prompt_tokens,
    output_tokens,
    concurrency: int,
    *,
    engine: EngineSpec,
    step_s,
    stagger_s: float = 1e-6,
) -> FixedConcurrencyResult:
    """The requests (prompt_tokens[j], output_tokens[j]) sent in order through `concurrency` slots on one
    replica: the first `concurrency` at t = 0 (`stagger_s` apart), each later one when a slot frees, that is
    when a request's last token reaches its client (its end plus the engine's request_overhead_s). Slots freed
    at the same instant send `stagger_s` apart, as a client's event loop handles their streams one at a time."""
    prompt = np.asarray(prompt_tokens, dtype=np.int64).ravel()
    output = np.asarray(output_tokens, dtype=np.int64).ravel()
    n = len(prompt)
    if n < 1 or len(output) != n:
        raise SimulateError(f"need one output length per prompt and at least one request (got {n} and {len(output)})")
    if concurrency < 1:
        raise SimulateError(f"concurrency must be >= 1, got {concurrency}")
    if not stagger_s >= 0:
        raise SimulateError(f"stagger_s must be >= 0, got {stagger_s}")
    if (prompt + output > engine.max_model_len).any():
        raise SimulateError("a request is longer than max_model_len; its slot would never free")
    if (prompt < 1).any() or (output < 1).any():
        raise SimulateError("every request needs prompt_tokens and output_tokens >= 1")
    first = min(concurrency, n)
    req = Requests(np.full(n, math.inf), prompt, output)
    for j in range(first):
        req.arrival_s[j] = stagger_s * j
    # one step a call: every step_s is called as it is (exact_steps), not read off a fitted decode line
    rep = Replica(engine, step_s, req, takes_prefill_seqs(step_s), exact_steps=True)
    rep.incoming.extend(range(first))
    outstanding, sent = list(range(first)), first
    while outstanding:
        pending = rep.incoming[rep.ptr] if rep.ptr < len(rep.incoming) else None
        start_s = rep.now if pending is None else max(rep.now, req.arrival_s[pending])
        # advance(until_s) runs the steps that start before until_s: just past start_s, the one step starting then
        rep.advance(math.nextafter(start_s, math.inf))
        ended = sorted((req.finish_s[i], i) for i in outstanding if req.finish_s[i] >= 0)
        if not ended:
            continue
        done = {i for _, i in ended}
        outstanding = [i for i in outstanding if i not in done]
        last, tied = None, 0
        for end_s, _ in ended:
            if sent == n:
                break
            tied = tied + 1 if last is not None and end_s - last < _SAME_INSTANT_S else 0
            last = end_s
            req.arrival_s[sent] = end_s + engine.request_overhead_s + tied * stagger_s
            rep.incoming.append(sent)
            outstanding.append(sent)
            sent += 1
    rejected = np.zeros(n, dtype=bool)
    res = summarise(req, [rep], np.zeros(n, dtype=np.int64), rejected, output, {}, engine.request_overhead_s)
    return FixedConcurrencyResult(result=res, arrival_s=np.asarray(req.arrival_s))
