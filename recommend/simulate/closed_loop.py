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
completion, whoever's it was, and the run ends with the slots draining.
"""

import heapq
from dataclasses import dataclass

import numpy as np

from recommend.simulate.engine import EngineSpec, SimResult, SimulateError, simulate

# Far enough after any pass's last finish that a not-yet-known arrival cannot touch the requests before it.
_UNKNOWN_S = 1e9


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
    passes: int  # simulate() calls until the send times stopped moving

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
    tol_s: float = 1e-9,
    max_passes: int | None = None,
) -> FixedConcurrencyResult:
    """The requests (prompt_tokens[j], output_tokens[j]) sent in order through `concurrency` slots: the first
    `concurrency` at t = 0 (`stagger_s` apart), request j after them when the (j - concurrency + 1)-th request
    to finish has its last token, plus `stagger_s` (see the module docstring). Solved as a fixed point of
    `simulate` like `simulate_closed_loop`; max_passes defaults to one more than the number of requests."""
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
    first = min(concurrency, n)
    arrival = np.full(n, _UNKNOWN_S)
    arrival[:first] = stagger_s * np.arange(first)
    for passes in range(1, (max_passes or n + 1) + 1):
        known = arrival < _UNKNOWN_S  # always a prefix: a request is sent only after earlier ones are
        res = simulate(arrival[known], prompt[known], output[known], engine=engine, step_s=step_s)
        end = np.full(n, np.inf)
        end[known] = arrival[known] + res.e2e_ms / 1e3
        nxt = _send_times(end, arrival[:first], stagger_s)
        moved = float(np.abs(nxt - arrival).max())
        arrival = nxt
        if moved <= tol_s:
            return FixedConcurrencyResult(result=res, arrival_s=arrival, passes=passes)
    raise SimulateError(
        f"{n} requests through {concurrency} slots did not settle in {passes} passes "
        f"(send times still moving by {moved:.3g} s); raise max_passes or tol_s"
    )


def _send_times(end: np.ndarray, start: np.ndarray, stagger_s: float) -> np.ndarray:
    """Send times given every request's last-token time (inf: not known yet): the first len(start) at `start`,
    request j after them at the (j - len(start) + 1)-th smallest end among requests 0..j-1 (every request
    ends after it was sent, so the ends popped before j's turn are the smallest so far). Slots freed at the
    same instant send `stagger_s` apart, as a client's event loop handles their streams one at a time."""
    first = len(start)
    out = np.full(len(end), _UNKNOWN_S)
    out[:first] = start
    ends = list(end[:first])
    heapq.heapify(ends)
    last, tied = None, 0
    for j in range(first, len(end)):
        freed = heapq.heappop(ends)
        if not np.isfinite(freed):
            break
        tied = tied + 1 if freed == last else 0
        last = freed
        out[j] = freed + tied * stagger_s
        heapq.heappush(ends, end[j])
    return out
