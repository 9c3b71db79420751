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
"""

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
