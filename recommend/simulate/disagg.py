"""Two-pool (disaggregated prefill/decode) simulation, built from the one-pool simulator.

1. Prefill pool: `prefill_replicas` engines (recommend/simulate/engine.py: FCFS queue, chunked prefill under
   max_num_batched_tokens, least-loaded routing) run every request as a 1-token request, as vLLM's
   P/D proxy sends it (max_tokens=1): the request leaves when its prefill step ends.
2. KV transfer (recommend/disagg/transfer.py): `transfer_s(prompt_tokens)` seconds on the links of the
   prefill replica that computed it, one transfer at a time per prefill replica (FIFO: a replica's
   NICs are shared by its requests).
3. Decode pool: `decode_replicas` engines get the request when its KV has landed. Admission allocates
   its prompt's KV blocks and its first step is a decode step over the prompt's context (the KV is
   there, nothing is recomputed): the one-pool simulator runs it with a step time that charges a
   "prefill" chunk as one more decoding sequence of that context and a token budget that never
   chunks a prompt. That step emits the first token; the rest decode with continuous batching.

TTFT = prefill queue + prefill + transfer wait + transfer + decode queue + first decode step;
TPOT and E2E follow from the decode pool. Requests with prompt + output > max_model_len are rejected
(NaN) in both pools. What is left out: prefix caching, transfer/compute overlap layer by layer
(pessimistic for long prompts), and any decode-side backpressure on the prefill pool.
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.simulate.engine import EngineSpec, SimResult, goodput_share, simulate


@dataclass(frozen=True, slots=True, kw_only=True)
class DisaggResult:
    """Per request, in input order (ms; NaN where rejected; TPOT NaN for 1-token outputs)."""

    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    e2e_ms: np.ndarray
    prefill_ms: np.ndarray  # arrival -> prefill done (queue + compute)
    transfer_ms: np.ndarray  # prefill done -> KV landed (link wait + transfer)
    prefill_queue_ms: np.ndarray  # arrival -> first scheduled on a prefill replica
    decode_queue_ms: np.ndarray  # KV landed -> admitted by a decode replica
    rejected: np.ndarray
    prefill: SimResult
    decode: SimResult

    @property
    def queue_ms(self) -> np.ndarray:
        """Time waiting for either pool (the prefill pool's queue + the decode pool's)."""
        return self.prefill_queue_ms + self.decode_queue_ms

    def goodput(self, slo: dict[str, float]) -> float:
        return goodput_share(self.ttft_ms, self.tpot_ms, self.e2e_ms, slo)


GROUP_ERROR = 0.05  # largest relative error of a pool's replicas in a simulated group
MAX_GROUP = 16  # replicas simulated at most; a larger fleet takes the closest ratio a group this size has


def group(prefill_replicas: int, decode_replicas: int) -> tuple[int, int, int]:
    """(g, p, d): simulate p prefill + d decode replicas on 1/g of the traffic instead of the whole fleet.

    The largest g (smallest group) whose p = round(P / g), d = round(D / g) are >= 1 and within
    GROUP_ERROR of P / g and D / g (30P12D -> 1/6: 5P2D; 31P12D -> 1/6: 5P2D, P 3% light; 10P3D -> whole).
    When that group is over MAX_GROUP replicas, the group of at most MAX_GROUP with the smallest error."""

    def error(g):
        p, d = round(prefill_replicas / g), round(decode_replicas / g)
        if p < 1 or d < 1:
            return math.inf
        return max(abs(p * g / prefill_replicas - 1), abs(d * g / decode_replicas - 1))

    gs = range(1, max(prefill_replicas, decode_replicas) * 2 + 1)
    g = max(g for g in gs if error(g) <= GROUP_ERROR)
    if prefill_replicas / g + decode_replicas / g > MAX_GROUP:
        small = [g for g in gs if round(prefill_replicas / g) + round(decode_replicas / g) <= MAX_GROUP]
        g = min(small, key=lambda g: (error(g), g))
    return g, round(prefill_replicas / g), round(decode_replicas / g)


def decode_engine(spec: EngineSpec) -> EngineSpec:
    """The decode pool's spec for the one-pool simulator: a budget that admits whole prompts (their KV
    arrives complete) next to every running sequence's decode token. No request_overhead_s: the prefill
    pool's spec carries it once, in the prefill's end and so in TTFT and E2E."""
    return EngineSpec(
        max_num_seqs=spec.max_num_seqs,
        max_num_batched_tokens=spec.max_num_seqs + spec.max_model_len,
        max_model_len=spec.max_model_len,
        kv_capacity_tokens=spec.kv_capacity_tokens,
        block_tokens=spec.block_tokens,
    )


def decode_step(step_s):
    """Step time of a decode replica: an admitted request's first step is one more decoding sequence
    over its prompt's context (prefill_ctx_tokens), not a prefill."""

    def step(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs=1):
        if prefill_tokens == 0:
            return step_s(0, 0, decode_seqs, decode_ctx_tokens)
        return step_s(0, 0, decode_seqs + prefill_seqs, decode_ctx_tokens + prefill_ctx_tokens)

    return step


def simulate_disagg(
    arrival_s,
    prompt_tokens,
    output_tokens,
    *,
    prefill: EngineSpec,
    prefill_step_s,
    prefill_replicas: int,
    decode: EngineSpec,
    decode_step_s,
    decode_replicas: int,
    transfer_s,
) -> DisaggResult:
    """Simulate the two pools on these requests (arrival times in s). `decode` is the decode pool's
    engine spec as deployed (its token budget is replaced by decode_engine's)."""
    arrival = np.asarray(arrival_s, np.float64)
    prompt, output = np.asarray(prompt_tokens, np.int64), np.asarray(output_tokens, np.int64)
    limit = min(prefill.max_model_len, decode.max_model_len)
    rejected = prompt + output > limit
    keep = ~rejected
    p = simulate(
        arrival[keep],
        prompt[keep],
        np.ones(int(keep.sum()), np.int64),
        engine=prefill,
        step_s=prefill_step_s,
        replicas=prefill_replicas,
    )
    done_s = arrival[keep] + p.e2e_ms / 1e3
    landed_s = _transfers(done_s, p.replica, np.asarray(transfer_s(prompt[keep]), np.float64))
    d = simulate(
        landed_s,
        prompt[keep],
        output[keep],
        engine=decode_engine(decode),
        step_s=decode_step(decode_step_s),
        replicas=decode_replicas,
    )

    def full(values):
        out = np.full(arrival.size, math.nan)
        out[keep] = values
        return out

    first_s = landed_s + d.ttft_ms / 1e3
    return DisaggResult(
        ttft_ms=full((first_s - arrival[keep]) * 1e3),
        tpot_ms=full(d.tpot_ms),
        e2e_ms=full((landed_s + d.e2e_ms / 1e3 - arrival[keep]) * 1e3),
        prefill_ms=full(p.e2e_ms),
        transfer_ms=full((landed_s - done_s) * 1e3),
        prefill_queue_ms=full(p.queue_ms),
        decode_queue_ms=full(d.queue_ms),
        rejected=rejected,
        prefill=p,
        decode=d,
    )


def _transfers(done_s: np.ndarray, replica: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """KV landing times: per prefill replica, transfers one after another in prefill-completion order."""
    landed = np.empty_like(done_s)
    free: dict[int, float] = {}
    for i in np.argsort(done_s, kind="stable"):
        r = int(replica[i])
        start = max(done_s[i], free.get(r, -math.inf))
        landed[i] = free[r] = start + seconds[i]
    return landed
