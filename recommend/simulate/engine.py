"""Discrete-event simulation of continuous-batching engine replicas fed with a window's traffic.

Scheduler (vLLM v1, per replica; recommend/simulate/replica.py): an FCFS waiting queue; at
most max_num_seqs running; each step has a budget of max_num_batched_tokens shared by the
decodes (1 token per running sequence, scheduled first) and prefill chunks of the newest
requests (chunked prefill); KV cache in blocks of block_tokens; when a step cannot allocate,
the newest running request is preempted (recompute: its KV is dropped, it goes back to the
head of the queue and later prefills prompt + generated tokens again), and no request is
admitted in that step (with reserve_full_length, TensorRT-LLM's default, a request is admitted
only when its whole prompt + output fits beside the running ones' reservations, and nothing is
preempted). Requests with prompt + output tokens > max_model_len are rejected up
front and reported. With num_scheduler_steps N > 1 (vLLM v0.6 multi-step), waiting requests
are admitted only at the end of a window of N decode steps (or when nothing is decoding); a step
with prefill starts a new window. R replicas get arrivals by least-loaded routing (fewest outstanding
requests, ties to the lowest index). Step durations come from the caller's
`step_s(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens) -> seconds`.

Simplified on purpose: no prefix caching; recompute preemption only (no swap); one block size
and no watermark; outputs run to their logged length (no early stop, no max_tokens cap); no
scheduling, detokenisation or network overhead beyond step_s and a fixed per-request
`request_overhead_s` added to TTFT and E2E; a step's tokens all appear at the
step's end; decode-only stretches are computed in closed form where step_s is affine in the
decode context (exact to ~1e-10 relative; KV occupancy averaged as if blocks were allocated
evenly within a stretch). Least-loaded routing is greedy: adding a replica can make a given
trace's tail slightly worse (ties go to the lowest index, which may be mid-decode).
"""

import inspect
import math
from dataclasses import dataclass

import numpy as np

from recommend.errors import RecommendError
from recommend.simulate.reference import ReferenceReplica
from recommend.simulate.replica import Replica, Requests
from recommend.simulate.traffic import replica_share
from recommend.slo import Slo, SloError

__all__ = ["EngineSpec", "Percentiles", "SimResult", "SimulateError", "goodput_share", "replica_share", "simulate"]


class SimulateError(RecommendError, ValueError):
    """A simulation cannot run with these inputs; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineSpec:
    """One replica's engine knobs (vLLM names) and its KV cache size."""

    max_num_seqs: int
    max_num_batched_tokens: int  # per step, decodes + prefill chunks
    max_model_len: int  # prompt + output tokens; longer requests are rejected
    kv_capacity_tokens: int  # KV cache of one replica (all TP ranks), tokens
    block_tokens: int = 16  # vLLM's default block_size
    # vLLM v0.6 `--num-scheduler-steps N` (multi-step scheduling, github.com/vllm-project/vllm/pull/7000):
    # the scheduler runs once per window of N decode steps, so a request arriving mid-window waits for
    # the window to end before its prefill is scheduled. 1 = schedule every step (vLLM V1, SGLang).
    num_scheduler_steps: int = 1
    # True: prefill chunks ride in the same step as the running decodes (vLLM V1, V0 with chunked
    # prefill, SGLang --enable-mixed-chunk). False: a step with prefill runs prefills alone and the
    # decodes wait for the next step (vLLM V0's default scheduler below 32K context; SGLang's default).
    mixed_prefill: bool = True
    # True: TensorRT-LLM's default capacity scheduler, GUARANTEED_NO_EVICT ("guarantee that a started
    # request is never paused"; nvidia.github.io/TensorRT-LLM performance-tuning-guide/useful-runtime-flags,
    # SchedulerConfig): a request is admitted only when the blocks of its prompt plus all its output fit
    # beside what the running requests still reserve, so nothing is ever preempted. False: vLLM, which
    # admits on the prompt's blocks and preempts (recompute) when decodes run out.
    reserve_full_length: bool = False
    # True: the scheduler forms step n + 1 while step n runs (SGLang's overlap scheduler, default since v0.4:
    # lmsys.org/blog/2024-12-04-sglang-v0-4 'zero-overhead batch scheduler'; TensorRT-LLM's PyTorch backend,
    # "At step n, the system launches GPU computation for step n+1 without waiting for CPU tasks ... from step
    # n", nvidia.github.io/TensorRT-LLM/latest/features/overlap-scheduler.html). A request that arrives after a
    # busy step started is admitted in the step after the next one; an idle engine admits at once.
    overlap_schedule: bool = False
    # Seconds each request spends outside the step loop (front end: HTTP, tokenise, detokenise, stream;
    # Efficiency.request_overhead_s): added to its TTFT and E2E, it never delays the engine's schedule.
    request_overhead_s: float = 0.0

    def __post_init__(self):
        for name in (
            "max_num_seqs",
            "max_num_batched_tokens",
            "max_model_len",
            "kv_capacity_tokens",
            "block_tokens",
            "num_scheduler_steps",
        ):
            if getattr(self, name) < 1:
                raise SimulateError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.request_overhead_s >= 0:
            raise SimulateError(f"request_overhead_s must be >= 0, got {self.request_overhead_s}")
        if self.max_num_batched_tokens < self.max_num_seqs:
            raise SimulateError(
                "max_num_batched_tokens must be >= max_num_seqs (vLLM refuses "
                "to start otherwise); raise the token budget"
            )
        if self.kv_capacity_tokens // self.block_tokens * self.block_tokens < self.max_model_len:
            raise SimulateError(
                "the KV cache cannot hold one max_model_len request (vLLM "
                "refuses to start); lower max_model_len or add KV memory"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Percentiles:
    """Continuous (numpy 'linear') quantiles of one latency over admitted requests."""

    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SimResult:
    # Per request, in input order; NaN where rejected. tpot_ms is (e2e - ttft) / (output - 1),
    # NaN for 1-token outputs; queue_ms is arrival -> start of the first step that scheduled it.
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    e2e_ms: np.ndarray
    queue_ms: np.ndarray
    replica: np.ndarray  # int, -1 where rejected
    rejected: np.ndarray  # bool: prompt + output tokens > max_model_len
    ttft: Percentiles
    tpot: Percentiles
    e2e: Percentiles
    goodput: float  # share of all requests (rejected ones miss) meeting every SLO; NaN if none
    output_tok_s: float  # output tokens / span_s
    span_s: float  # first arrival -> last finish
    mean_batch_seqs: float  # sequences per step, averaged over steps
    kv_mean_share: float  # used KV blocks / capacity, time-averaged over span_s and replicas
    kv_peak_share: float
    queue_mean_ms: float
    rejected_count: int
    preemptions: int
    recomputed_tokens: int  # KV tokens dropped by preemption and computed again
    prefill_tokens: int  # prompt tokens computed in prefill steps, recomputation included
    decode_tokens: int  # tokens computed in decode steps
    generated_tokens: int
    steps: int

    def stat_ms(self, key: str) -> float:
        """'ttft_p95_ms'-style key -> that quantile (any percentile, not just the stored ones)."""
        slo = _slo(key)
        values = getattr(self, f"{slo.metric}_ms")
        values = values[~np.isnan(values)]
        return float(np.percentile(values, slo.percentile)) if values.size else math.nan


def simulate(
    arrival_s,
    prompt_tokens,
    output_tokens,
    *,
    engine: EngineSpec,
    step_s,
    replicas: int = 1,
    slo: dict[str, float] | None = None,
    exact_steps: bool = False,
    reference: bool = False,
) -> SimResult:
    """Simulate `replicas` engines serving these requests (arrival times in s, any order).

    step_s(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens) -> s > 0; it
    also gets prefill_seqs (sequences prefilling in the step) where it has a parameter of that
    name, as `roofline.StepModel.step_s` does. Decode-only stretches assume it is convex in
    decode_ctx_tokens (see decode.py); `exact_steps=True` calls it on every step
    instead. `reference=True` runs the naive per-sequence stepper (tests and bench only).
    """
    arrival = np.asarray(arrival_s, dtype=np.float64)
    prompt = np.asarray(prompt_tokens, dtype=np.int64)
    output = np.asarray(output_tokens, dtype=np.int64)
    _check_inputs(arrival, prompt, output, replicas)
    rejected = prompt + output > engine.max_model_len
    req = Requests(arrival, prompt, output)
    order = [int(i) for i in np.argsort(arrival, kind="stable") if not rejected[i]]
    seqs = takes_prefill_seqs(step_s)
    if reference:
        reps = [ReferenceReplica(engine, step_s, req, seqs) for _ in range(replicas)]
    else:
        reps = [Replica(engine, step_s, req, seqs, exact_steps) for _ in range(replicas)]
    replica = _route(reps, req, order)
    return summarise(req, reps, replica, rejected, output, slo or {}, engine.request_overhead_s)


def goodput_share(ttft_ms, tpot_ms, e2e_ms, slo: dict[str, float]) -> float:
    """Share of requests whose every SLO metric is <= its threshold (NaN TTFT = rejected = miss;
    NaN TPOT = 1-token output = meets). `slo` keys: 'ttft_p95_ms', 'tpot_p99_ms', 'e2e_p95_ms'…"""
    if not slo:
        return math.nan
    ok = ~np.isnan(np.asarray(ttft_ms))
    values = {"ttft": ttft_ms, "tpot": tpot_ms, "e2e": e2e_ms}
    for key, limit_ms in slo.items():
        v = np.asarray(values[_slo(key).metric])
        ok &= np.isnan(v) | (v <= limit_ms)
    return float(ok.mean()) if ok.size else math.nan


def takes_prefill_seqs(step_s) -> bool:
    """Whether step_s takes `prefill_seqs` (then replicas pass it)."""
    try:
        return "prefill_seqs" in inspect.signature(step_s).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _slo(key) -> Slo:
    try:
        return Slo.of(key)
    except SloError as exc:
        raise SimulateError(str(exc)) from exc


def _check_inputs(arrival, prompt, output, replicas):
    if not (arrival.shape == prompt.shape == output.shape and arrival.ndim == 1):
        raise SimulateError(
            "arrival_s, prompt_tokens and output_tokens must be 1-D and equal "
            f"length, got shapes {arrival.shape}, {prompt.shape}, {output.shape}"
        )
    if replicas < 1:
        raise SimulateError(f"replicas must be >= 1, got {replicas}")
    if not np.isfinite(arrival).all():
        raise SimulateError("arrival_s has NaN or infinite values; drop those requests first")
    bad = int(((prompt < 1) | (output < 1)).sum())
    if bad:
        raise SimulateError(
            f"{bad} requests have prompt_tokens or output_tokens < 1; filter failed or empty requests before simulating"
        )


def _route(reps, req, order):
    """Least-loaded routing at each arrival; returns the replica index per request."""
    replica = np.full(len(req.arrival_s), -1, dtype=np.int64)
    if len(reps) == 1:
        reps[0].incoming.extend(order)
        replica[order] = 0
    else:
        for i in order:
            for rep in reps:
                rep.advance(req.arrival_s[i])
            loads = [rep.load(req.arrival_s[i]) for rep in reps]
            r = loads.index(min(loads))
            reps[r].incoming.append(i)
            replica[i] = r
    for rep in reps:
        rep.advance(math.inf)
    return replica


def _percentiles(values_ms):
    v = values_ms[~np.isnan(values_ms)]
    if not v.size:
        return Percentiles(p50_ms=math.nan, p90_ms=math.nan, p95_ms=math.nan, p99_ms=math.nan, mean_ms=math.nan)
    p50, p90, p95, p99 = np.percentile(v, [50, 90, 95, 99])
    return Percentiles(
        p50_ms=float(p50), p90_ms=float(p90), p95_ms=float(p95), p99_ms=float(p99), mean_ms=float(v.mean())
    )


def summarise(req, reps, replica, rejected, output, slo, request_overhead_s=0.0) -> SimResult:
    """The run's SimResult from the replicas' per-request times (rejected: never admitted)."""

    def seconds(values):
        a = np.asarray(values, dtype=np.float64)
        return np.where(rejected, math.nan, a)

    arrival, finish = np.asarray(req.arrival_s), seconds(req.finish_s)
    # The front end's per-request time (outside the step loop) lengthens what the client sees, not the schedule.
    ttft_ms = (seconds(req.first_s) - arrival + request_overhead_s) * 1e3
    e2e_ms = (finish - arrival + request_overhead_s) * 1e3
    queue_ms = (seconds(req.sched_s) - arrival) * 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        tpot_ms = np.where(output > 1, (e2e_ms - ttft_ms) / (output - 1), math.nan)
    admitted = ~rejected
    span_s = float(finish[admitted].max() - arrival[admitted].min()) if admitted.any() else 0.0
    steps = sum(r.steps for r in reps)
    capacity_blocks = reps[0].total_blocks
    return SimResult(
        ttft_ms=ttft_ms,
        tpot_ms=tpot_ms,
        e2e_ms=e2e_ms,
        queue_ms=queue_ms,
        replica=replica,
        rejected=rejected,
        ttft=_percentiles(ttft_ms),
        tpot=_percentiles(tpot_ms),
        e2e=_percentiles(e2e_ms),
        goodput=goodput_share(ttft_ms, tpot_ms, e2e_ms, slo),
        output_tok_s=float(output[admitted].sum() / span_s) if span_s > 0 else math.nan,
        span_s=span_s,
        mean_batch_seqs=sum(r.batch_seqs for r in reps) / steps if steps else math.nan,
        kv_mean_share=(
            sum(r.block_s for r in reps) / (capacity_blocks * span_s * len(reps)) if span_s > 0 else math.nan
        ),
        kv_peak_share=max(r.peak_blocks for r in reps) / capacity_blocks,
        queue_mean_ms=float(np.nanmean(queue_ms)) if admitted.any() else math.nan,
        rejected_count=int(rejected.sum()),
        preemptions=sum(r.preemptions for r in reps),
        recomputed_tokens=sum(r.recomputed_tokens for r in reps),
        prefill_tokens=sum(r.prefill_tokens for r in reps),
        decode_tokens=sum(r.decode_tokens for r in reps),
        generated_tokens=sum(r.generated_tokens for r in reps),
        steps=steps,
    )
