"""Closed-loop serving prediction: N clients, each sending its next request when its last one ends.

This is the genai-perf `--concurrency N` / vLLM `--max-concurrency N` / llmperf setting: N requests of I
prompt tokens and exactly O output tokens always outstanding. The engine is simulated (continuous batching,
KV blocks, the engine's admission) with `simulate_closed_loop`, ROUNDS requests per client; the first round
(every client at t = 0) is left out, the rest is the steady state.

Benchmarks do not leave the first round out: genai-perf starts every client at t = 0 and reports the
requests that end in its first three consecutive measurement windows that each saw one end (`window_s`), so
with long requests much of what it reports is that first burst. `window_s` predicts what such a benchmark
shows (bench/serving_closed_loop.py). `prompts` predicts the other kind, `vllm bench serve` / `sglang.bench_serving
--max-concurrency N --num-prompts P`: P requests sent in order through N slots, every one of them counted, over
the run from the first send to the last token (`simulate_fixed_concurrency`; bench/serving_fixed_concurrency.py).
"""

import os
from dataclasses import asdict, dataclass

import numpy as np

from profiles import Efficiency
from recommend.deployment import Deployment
from recommend.engine_config import engine_fields
from recommend.errors import RecommendError
from recommend.parallel import fork_map
from recommend.predict import caveat, kv_fit_seqs
from recommend.roofline import StepModel, efficiency_for
from recommend.simulate import (
    EngineSpec,
    SimulateError,
    measurement,
    simulate_closed_loop,
    simulate_fixed_concurrency,
)

ROUNDS = 4
MAX_BENCHMARK_ROUNDS = 2000  # requests per client a `window_s` prediction may simulate
# Sequences and prompt tokens one step may batch, where the engine's own limit is not given: vLLM's
# max_num_seqs default 256, TensorRT-LLM's max_batch_size 256 and max_num_tokens 8192 (trtllm-serve docs);
# SGLang's chunked_prefill_size 8192 (the engine catalog's max_batched_tokens holds the rest).
MAX_NUM_SEQS = 256
SERVING_MAX_BATCHED_TOKENS = 8192
# Benchmark clients whose random dataset `prompts` follows (bench_lengths).
BENCH_CLIENTS = ("vllm", "sglang")
SGLANG_BENCH_SEED = 1  # sglang.bench_serving --seed default

# What published closed-loop runs say about this prediction (bench/RESULTS.md 'Serving at fixed concurrency'):
# 787 genai-perf runs of NIM's TensorRT-LLM backend (Llama-3 8B/70B, A100/H100, TP 1-8, 1-250 clients), each
# simulated as genai-perf measured it (`window_s`). The vLLM/SGLang runs at 1-8 req/s (bench/RESULTS.md
# 'Serving') put their TTFT p50 7-29% low as well.
TTFT_UNDER_LOAD_CAVEAT = (
    "TTFT is the least certain figure: simulated as genai-perf measured them, 718 steady published closed-loop "
    "runs (NIM TensorRT-LLM; Llama-3 8B/70B, A100/H100) put the TTFT mean off by a median 27% (p95: 13%), "
    "low by 16-30% at 1-10 clients and by 20-37% at 150-250 (vLLM/SGLang runs at 1-8 req/s: 7-29% low; "
    "SGLang 0.5.5's median TTFT: -6% at 8 at a time, -29% at 32); see bench/RESULTS.md 'Serving at fixed "
    "concurrency'"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingPrediction:
    ttft_mean_ms: float
    ttft_p95_ms: float
    itl_mean_ms: float  # (E2E - TTFT) / (output - 1), per request, averaged (genai-perf's inter-token latency)
    e2e_mean_ms: float
    output_tok_s: float  # requests_s x output tokens
    requests_s: float  # steady state: clients / mean E2E (Little's law); window_s, prompts: as the benchmark counts
    mean_batch_seqs: float  # sequences per engine step, over the whole run
    kv_peak_share: float  # most KV blocks in use / capacity
    max_num_seqs: int
    max_num_batched_tokens: int
    kv_capacity_tokens: int
    caveat: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None or k != "caveat"}


def engine_spec(
    dep: Deployment,
    isl: int,
    osl: int,
    max_num_seqs: int = MAX_NUM_SEQS,
    max_num_batched_tokens: int | None = None,
    efficiency: Efficiency | None = None,
) -> EngineSpec:
    """The engine's serving knobs (defaults where not given), per attention rank (expert parallelism runs one
    batch per rank); TensorRT-LLM admits a request only when its whole length fits (GUARANTEED_NO_EVICT),
    vLLM and SGLang on its prompt."""
    default_tokens = max(max_num_seqs, min(dep.engine.max_batched_tokens, SERVING_MAX_BATCHED_TOKENS))
    tokens = max_num_batched_tokens or default_tokens
    return EngineSpec(
        max_num_seqs=max_num_seqs * dep.attention_ranks,
        max_num_batched_tokens=tokens * dep.attention_ranks,
        max_model_len=isl + osl,
        reserve_full_length=dep.engine.name.startswith("trtllm"),
        **engine_fields(dep, efficiency or efficiency_for(dep)),
    )


def served_engine(dep: Deployment, isl: int, osl: int, max_num_seqs: int, max_num_batched_tokens, efficiency):
    """The engine a serving prediction simulates and its step time: `engine_spec`'s knobs (a bad one a
    RecommendError), `efficiency`'s (default the deployment's) step costs; raises if one request cannot fit."""
    kv_fit_seqs(dep, isl + osl)
    efficiency = efficiency or efficiency_for(dep)
    try:
        spec = engine_spec(dep, isl, osl, max_num_seqs, max_num_batched_tokens, efficiency)
    except SimulateError as exc:
        raise RecommendError(str(exc)) from exc
    return spec, StepModel(dep, efficiency).step_s


def served_lengths(client: str, isl: int, osl: int, prompts: int) -> tuple:
    """`bench_lengths`' prompts and outputs as the engine runs them: a drawn output of 0 still runs its prefill."""
    prompt, output = bench_lengths(client, isl, osl, prompts)
    return prompt, np.maximum(output, 1)


def predict_closed_loop(
    dep: Deployment,
    *,
    clients: int,
    isl: int,
    osl: int,
    max_num_seqs: int = MAX_NUM_SEQS,
    max_num_batched_tokens: int | None = None,
    efficiency: Efficiency | None = None,
    window_s: float | None = None,
    prompts: int | None = None,
    client: str = "vllm",
) -> ServingPrediction:
    """The steady state of `clients` closed-loop clients; the engine's knobs default as `engine_spec` says,
    its step times and per-request overhead from `efficiency` (default the deployment's).

    window_s: instead of the steady state, what a benchmark measuring from its start reports: every client
    sends at t = 0; time is cut into windows of `window_s` seconds from then (perf_analyzer: 1.2 x its
    --measurement-interval), and the summary covers the requests `simulate.measurement.reported` says.
    prompts: instead of either, what vllm bench serve / sglang.bench_serving report for `prompts` requests sent
    in order through `clients` slots (--max-concurrency, --num-prompts): all of them, over the whole run, their
    lengths as `client`'s random dataset draws them (bench_lengths)."""
    if clients < 1 or isl < 1 or osl < 1 or max_num_seqs < 1:
        raise RecommendError(
            f"clients, isl, osl and max_num_seqs must be >= 1 (got {clients}, {isl}, {osl}, {max_num_seqs})"
        )
    if window_s is not None and not window_s > 0:
        raise RecommendError(f"window_s must be > 0 seconds, got {window_s}")
    if prompts is not None and (prompts < 1 or window_s is not None):
        raise RecommendError(f"prompts must be >= 1 and without window_s (got {prompts}, window_s {window_s})")
    spec, step_s = served_engine(dep, isl, osl, max_num_seqs, max_num_batched_tokens, efficiency)
    if prompts is not None:  # every request counts; the run lasts from the first send to the last token
        prompt, output = served_lengths(client, isl, osl, prompts)
        run = simulate_fixed_concurrency(prompt, output, clients, engine=spec, step_s=step_s)
        res = run.result
        ttft, e2e, tpot = res.ttft_ms, res.e2e_ms, res.tpot_ms
        requests_s = prompts / run.duration_s
        output_tok_s = float(output.sum()) / run.duration_s
    else:
        loop, measured = _measured(clients, isl, osl, spec, step_s, window_s)
        res = loop.result
        ttft, e2e, tpot = res.ttft_ms[measured], res.e2e_ms[measured], res.tpot_ms[measured]
        if window_s is None:
            requests_s = clients / (float(e2e.mean()) / 1e3)  # Little's law over the steady rounds
        else:  # genai-perf's: reported requests over the time from the first one's send to the last one's end
            start_s = loop.arrival_s[measured]
            requests_s = int(measured.sum()) / float((start_s + e2e / 1e3).max() - start_s.min())
        output_tok_s = requests_s * osl
    e2e_mean_s = float(e2e.mean()) / 1e3
    return ServingPrediction(
        ttft_mean_ms=float(ttft.mean()),
        ttft_p95_ms=float(np.percentile(ttft, 95)),
        itl_mean_ms=float(np.nanmean(tpot)) if osl > 1 else 0.0,
        e2e_mean_ms=e2e_mean_s * 1e3,
        output_tok_s=output_tok_s,
        requests_s=requests_s,
        caveat=serving_caveat(dep, isl, osl),
        **engine_summary(res, spec),
    )


def engine_summary(res, spec: EngineSpec) -> dict:
    """What a serving prediction says of the simulated engine itself: its mean batch, peak KV use and knobs."""
    return dict(
        mean_batch_seqs=res.mean_batch_seqs,
        kv_peak_share=res.kv_peak_share,
        max_num_seqs=spec.max_num_seqs,
        max_num_batched_tokens=spec.max_num_batched_tokens,
        kv_capacity_tokens=spec.kv_capacity_tokens,
    )


def bench_lengths(client: str, isl: int, osl: int, prompts: int, range_ratio: float = 0.0) -> tuple:
    """Prompt and output lengths a benchmark client's random dataset sends, in order, at its default seed.

    vllm (`vllm bench serve --dataset-name random`): lengths in [L (1 - r), L (1 + r)], so at its default
    --random-range-ratio 0 every prompt is isl tokens and every output osl (other ratios are refused). sglang (`sglang.bench_serving
    --dataset-name random`, python/sglang/bench_serving.py sample_random_requests): numpy's legacy generator
    seeded with its --seed (default 1), prompts randint(max(int(isl r), 1), isl + 1) and outputs
    randint(int(osl r), osl + 1), so at its default r = 0 uniform over 1..isl and 0..osl (an output of 0 still
    runs its prefill: the simulator runs it as 1 token). bench/serving_fixed_concurrency.py checks the sglang
    draws against 17 published runs' token totals."""
    if client not in BENCH_CLIENTS:
        raise RecommendError(f"client must be one of {', '.join(BENCH_CLIENTS)}, got {client!r}")
    if client == "vllm":
        if range_ratio:
            raise RecommendError("vllm bench serve's draws at a non-zero --random-range-ratio are not modelled")
        return np.full(prompts, isl), np.full(prompts, osl)
    legacy = np.random.RandomState(SGLANG_BENCH_SEED)  # noqa: NPY002 - the client's own generator, draw for draw
    prompt = legacy.randint(max(int(isl * range_ratio), 1), isl + 1, size=prompts)
    return prompt, legacy.randint(int(osl * range_ratio), osl + 1, size=prompts)


def predict_closed_loops(jobs: list[dict], workers: int | None = None) -> list[ServingPrediction]:
    """`predict_closed_loop(**job)` for each job, in order, on `workers` processes (default: every CPU);
    the jobs are independent simulations."""
    return fork_map(_predict_job, jobs, workers or os.cpu_count() or 1)


def _predict_job(_, job: dict) -> ServingPrediction:
    return predict_closed_loop(**job)


def _measured(clients: int, isl: int, osl: int, spec: EngineSpec, step_s, window_s: float | None):
    """The closed loop and which of its requests the summary covers: rounds >= 1 (the steady state), or what a
    benchmark with `window_s` windows reports (`measurement.reported`), with rounds enough to settle it."""
    rounds = ROUNDS
    while True:
        loop = simulate_closed_loop(clients, rounds, isl, osl, engine=spec, step_s=step_s)
        if window_s is None:
            return loop, loop.round >= 1
        end_s = loop.arrival_s + loop.result.e2e_ms / 1e3
        last_s = end_s.reshape(clients, rounds)[:, -1]
        mask = measurement.reported(end_s, known_s=float(last_s.min()), window_s=window_s)
        if mask is not None:
            return loop, mask
        # at the quickest client's pace so far, past the first windows that could settle it and one window past
        # the slowest client's last end, one round spare
        horizon_s = max(last_s.max() + window_s, (measurement.WINDOWS + 1) * window_s)
        rounds = max(rounds + 1, int(np.ceil(horizon_s / (last_s.min() / rounds))) + 1)
        if rounds > MAX_BENCHMARK_ROUNDS:
            raise RecommendError(
                f"a benchmark with {window_s:g} s windows would need over {MAX_BENCHMARK_ROUNDS} requests per "
                f"client of {isl} + {osl} tokens to report; use shorter windows"
            )


def serving_caveat(dep: Deployment, isl: int, osl: int, lead: str = TTFT_UNDER_LOAD_CAVEAT) -> str:
    """What published runs say this serving prediction misses: TTFT under load (`lead`), and `predict.caveat`'s."""
    known = caveat(dep, isl + osl)
    return "; ".join([lead] + ([known] if known else []))


CURVE_KEYS = ("ttft_mean_ms", "ttft_p95_ms", "itl_mean_ms", "e2e_mean_ms", "output_tok_s", "mean_batch_seqs")


def serving_curve(dep: Deployment, *, clients: tuple[int, ...], isl: int, osl: int, **knobs) -> list[dict]:
    """The latency-throughput curve: one row per client count (CURVE_KEYS, and output tok/s per GPU), each a
    `predict_closed_loop` with the same knobs, simulated on every CPU. The rows share one caveat:
    `serving_caveat`."""
    points = predict_closed_loops([dict(dep=dep, clients=n, isl=isl, osl=osl, **knobs) for n in clients])
    return [
        {"clients": n, **{k: getattr(p, k) for k in CURVE_KEYS}, "output_tok_s_per_gpu": p.output_tok_s / dep.tp}
        for n, p in zip(clients, points)
    ]
