"""Closed-loop serving prediction: N clients, each sending its next request when its last one ends.

This is the genai-perf `--concurrency N` / vLLM `--max-concurrency N` / llmperf setting: N requests of I
prompt tokens and exactly O output tokens always outstanding. The engine is simulated (continuous batching,
KV blocks, the engine's admission) with `simulate_closed_loop`, ROUNDS requests per client; the first round
(every client at t = 0) is left out, the rest is the steady state those tools report.
"""

from dataclasses import asdict, dataclass

import numpy as np

from profiles import Efficiency
from recommend.deployment import Deployment
from recommend.errors import RecommendError
from recommend.memory import kv_capacity_tokens
from recommend.predict import caveat, kv_fit_seqs
from recommend.roofline import StepModel, efficiency_for
from recommend.simulate import EngineSpec, SimulateError, simulate_closed_loop

ROUNDS = 4
# Sequences and prompt tokens one step may batch, where the engine's own limit is not given: vLLM's
# max_num_seqs default 256, TensorRT-LLM's max_batch_size 256 and max_num_tokens 8192 (trtllm-serve docs);
# SGLang's chunked_prefill_size 8192 (the engine catalog's max_batched_tokens holds the rest).
MAX_NUM_SEQS = 256
SERVING_MAX_BATCHED_TOKENS = 8192

# What published closed-loop runs say about this prediction (bench/RESULTS.md 'Serving at fixed concurrency'):
# 787 genai-perf runs of NIM's TensorRT-LLM backend (Llama-3 8B/70B, A100/H100, TP 1-8, 1-250 clients).
# The vLLM/SGLang runs at 1-8 req/s (bench/RESULTS.md 'Serving') put their TTFT p50 10-32% low as well.
TTFT_UNDER_LOAD_CAVEAT = (
    "TTFT is optimistic under load: on 718 steady published closed-loop runs (NIM TensorRT-LLM; Llama-3 8B/70B, "
    "A100/H100) the simulated TTFT mean was low by a median 31%, by 41-59% at 150-250 clients, most for long "
    "prompts (vLLM/SGLang runs at 1-8 req/s: 10-32% low); see bench/RESULTS.md 'Serving at fixed concurrency'"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingPrediction:
    ttft_mean_ms: float
    ttft_p95_ms: float
    itl_mean_ms: float  # (E2E - TTFT) / (output - 1), per request, averaged (genai-perf's inter-token latency)
    e2e_mean_ms: float
    output_tok_s: float  # clients x output tokens / mean E2E (Little's law over the steady rounds)
    requests_s: float
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
        kv_capacity_tokens=kv_capacity_tokens(dep),
        block_tokens=dep.engine.kv_block_tokens,
        reserve_full_length=dep.engine.name.startswith("trtllm"),
        request_overhead_s=(efficiency or efficiency_for(dep)).request_overhead_s,
    )


def predict_closed_loop(
    dep: Deployment,
    *,
    clients: int,
    isl: int,
    osl: int,
    max_num_seqs: int = MAX_NUM_SEQS,
    max_num_batched_tokens: int | None = None,
    efficiency: Efficiency | None = None,
) -> ServingPrediction:
    """The steady state of `clients` closed-loop clients; the engine's knobs default as `engine_spec` says,
    its step times and per-request overhead from `efficiency` (default the deployment's)."""
    if clients < 1 or isl < 1 or osl < 1 or max_num_seqs < 1:
        raise RecommendError(
            f"clients, isl, osl and max_num_seqs must be >= 1 (got {clients}, {isl}, {osl}, {max_num_seqs})"
        )
    kv_fit_seqs(dep, isl + osl)
    efficiency = efficiency or efficiency_for(dep)
    try:
        spec = engine_spec(dep, isl, osl, max_num_seqs, max_num_batched_tokens, efficiency)
    except SimulateError as exc:
        raise RecommendError(str(exc)) from exc
    loop = simulate_closed_loop(clients, ROUNDS, isl, osl, engine=spec, step_s=StepModel(dep, efficiency).step_s)
    res, steady = loop.result, loop.round >= 1
    ttft, e2e, tpot = res.ttft_ms[steady], res.e2e_ms[steady], res.tpot_ms[steady]
    e2e_mean_s = float(e2e.mean()) / 1e3
    return ServingPrediction(
        ttft_mean_ms=float(ttft.mean()),
        ttft_p95_ms=float(np.percentile(ttft, 95)),
        itl_mean_ms=float(np.nanmean(tpot)) if osl > 1 else 0.0,
        e2e_mean_ms=e2e_mean_s * 1e3,
        output_tok_s=clients * osl / e2e_mean_s,
        requests_s=clients / e2e_mean_s,
        mean_batch_seqs=res.mean_batch_seqs,
        kv_peak_share=res.kv_peak_share,
        max_num_seqs=spec.max_num_seqs,
        max_num_batched_tokens=spec.max_num_batched_tokens,
        kv_capacity_tokens=spec.kv_capacity_tokens,
        caveat=serving_caveat(dep, isl, osl),
    )


def serving_caveat(dep: Deployment, isl: int, osl: int) -> str:
    """What published runs say this closed-loop prediction misses: TTFT under load, and `predict.caveat`'s."""
    known = caveat(dep, isl + osl)
    return "; ".join([TTFT_UNDER_LOAD_CAVEAT] + ([known] if known else []))


CURVE_KEYS = ("ttft_mean_ms", "ttft_p95_ms", "itl_mean_ms", "e2e_mean_ms", "output_tok_s", "mean_batch_seqs")


def serving_curve(dep: Deployment, *, clients: tuple[int, ...], isl: int, osl: int, **knobs) -> list[dict]:
    """The latency-throughput curve: one row per client count (CURVE_KEYS, and output tok/s per GPU), each a
    `predict_closed_loop` with the same knobs. The rows share one caveat: `serving_caveat`."""
    rows = []
    for n in clients:
        point = predict_closed_loop(dep, clients=n, isl=isl, osl=osl, **knobs)
        row = {"clients": n, **{k: getattr(point, k) for k in CURVE_KEYS}}
        rows.append(row | {"output_tok_s_per_gpu": point.output_tok_s / dep.tp})
    return rows
