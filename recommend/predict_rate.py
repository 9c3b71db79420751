"""Open-loop serving prediction: requests arriving at a rate, whatever the engine's pace.

This is `vllm bench serve --request-rate R --num-prompts P` (and vLLM's older benchmark_serving.py,
`sglang.bench_serving --request-rate R`): P requests, the first sent at t = 0 and each next one after an
exponential gap of mean 1 / R seconds (the clients' default burstiness 1: a Poisson process), every one of
them counted, throughput over the run from the first send to the last token; R = inf sends them all at once.
The engine is simulated as for a closed loop (predict_serving.engine_spec: continuous batching, KV blocks, the
engine's admission), the prompts as the client's random dataset draws them (predict_serving.bench_lengths).
The gaps are drawn from a fixed seed, not the client's own draws: at hundreds of prompts a different draw
moves the means by a few percent, the tails more.
"""

import math
import os
from dataclasses import asdict, dataclass

import numpy as np

from profiles import Efficiency
from recommend.deployment import Deployment
from recommend.errors import RecommendError
from recommend.parallel import fork_map
from recommend.predict_serving import MAX_NUM_SEQS, engine_summary, served_engine, served_lengths, serving_caveat
from recommend.simulate import simulate

RATE_SEED = 0  # the exponential gaps' generator
DEFAULT_PROMPTS = 1000  # vllm bench serve --num-prompts default

# What published runs at a request rate say about this prediction (bench/RESULTS.md 'Serving'): never fitted,
# TensorRT-LLM v0.14 behind Triton (Llama-3.1-8B/70B on H100/H200, QPS 2-32 and all at once) has its ITL mean
# within 8% (median) and its TTFT mean 14% low, 3-8 ms at every load; the SGLang v0.3 / vLLM v0.6 runs at 4-8
# req/s put the TTFT p50 7-29% low.
RATE_TTFT_CAVEAT = (
    "TTFT is the least certain figure: at published request rates (TensorRT-LLM v0.14 behind Triton, QPS 2-32; "
    "SGLang v0.3 / vLLM v0.6 at 4-8 req/s) the simulated TTFT ran 7-29% low, a few milliseconds a request that "
    "the server adds (fit it from your own log: tracefit calibrate --fit request_overhead_s), while the ITL mean "
    "held within 8% (median); see bench/RESULTS.md 'Serving'"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RatePrediction:
    rate_s: float  # requests a second offered (inf: all at once)
    ttft_mean_ms: float
    ttft_p50_ms: float
    ttft_p99_ms: float
    itl_mean_ms: float  # (E2E - TTFT) / (output - 1), per request, averaged
    tpot_p50_ms: float
    e2e_mean_ms: float
    e2e_p50_ms: float
    output_tok_s: float  # output tokens over the run, first send to last token
    requests_s: float  # requests completed over the same time
    mean_batch_seqs: float  # sequences per engine step, over the whole run
    kv_peak_share: float  # most KV blocks in use / capacity
    max_num_seqs: int
    max_num_batched_tokens: int
    kv_capacity_tokens: int
    caveat: str

    def to_dict(self) -> dict:
        return asdict(self) | {"rate_s": rate_value(self.rate_s)}


def rate_value(rate_s: float) -> float | str:
    """A rate as JSON carries it: 'inf' for all at once (JSON has no infinity)."""
    return "inf" if math.isinf(rate_s) else rate_s


def arrivals_s(rate_s: float, prompts: int) -> np.ndarray:
    """Send times of `prompts` requests at `rate_s` a second: 0, then exponential gaps (seeded); all 0 at inf."""
    if not rate_s > 0:
        raise RecommendError(f"the request rate must be > 0 a second (or inf), got {rate_s}")
    if math.isinf(rate_s):
        return np.zeros(prompts)
    gaps = np.random.default_rng(RATE_SEED).exponential(1.0 / rate_s, size=prompts - 1)
    return np.concatenate(([0.0], np.cumsum(gaps)))


def predict_rate(
    dep: Deployment,
    *,
    rate_s: float,
    isl: int,
    osl: int,
    prompts: int = DEFAULT_PROMPTS,
    max_num_seqs: int = MAX_NUM_SEQS,
    max_num_batched_tokens: int | None = None,
    efficiency: Efficiency | None = None,
    client: str = "vllm",
) -> RatePrediction:
    """What a serving benchmark reports for `prompts` requests sent at `rate_s` a second (module docstring); the
    engine's knobs default as `predict_serving.engine_spec` says, its step times and per-request overhead from
    `efficiency` (default the deployment's)."""
    if prompts < 1 or isl < 1 or osl < 1 or max_num_seqs < 1:
        raise RecommendError(
            f"prompts, isl, osl and max_num_seqs must be >= 1 (got {prompts}, {isl}, {osl}, {max_num_seqs})"
        )
    arrival = arrivals_s(rate_s, prompts)
    spec, step_s = served_engine(dep, isl, osl, max_num_seqs, max_num_batched_tokens, efficiency)
    prompt, output = served_lengths(client, isl, osl, prompts)
    res = simulate(arrival, prompt, output, engine=spec, step_s=step_s)
    return RatePrediction(
        rate_s=rate_s,
        ttft_mean_ms=res.ttft.mean_ms,
        ttft_p50_ms=res.ttft.p50_ms,
        ttft_p99_ms=res.ttft.p99_ms,
        itl_mean_ms=res.tpot.mean_ms if osl > 1 else 0.0,
        tpot_p50_ms=res.tpot.p50_ms if osl > 1 else 0.0,
        e2e_mean_ms=res.e2e.mean_ms,
        e2e_p50_ms=res.e2e.p50_ms,
        output_tok_s=res.output_tok_s,
        requests_s=prompts / res.span_s if res.span_s > 0 else math.nan,
        caveat=rate_caveat(dep, isl, osl),
        **engine_summary(res, spec),
    )


def rate_caveat(dep: Deployment, isl: int, osl: int) -> str:
    """What published runs say this prediction misses: TTFT at a rate, and `predict.caveat`'s."""
    return serving_caveat(dep, isl, osl, lead=RATE_TTFT_CAVEAT)


RATE_CURVE_KEYS = ("ttft_mean_ms", "ttft_p99_ms", "itl_mean_ms", "e2e_mean_ms", "output_tok_s", "requests_s")


def rate_curve(dep: Deployment, *, rates_s: tuple[float, ...], isl: int, osl: int, **knobs) -> list[dict]:
    """One row per request rate (RATE_CURVE_KEYS and the mean batch), each a `predict_rate` with the same knobs,
    simulated on every CPU. The rows share one caveat (`predict_rate`'s)."""
    jobs = [dict(dep=dep, rate_s=r, isl=isl, osl=osl, **knobs) for r in rates_s]
    points = fork_map(_rate_job, jobs, os.cpu_count() or 1)
    return [
        {"rate_s": rate_value(r), **{k: getattr(p, k) for k in RATE_CURVE_KEYS}, "mean_batch_seqs": p.mean_batch_seqs}
        for r, p in zip(rates_s, points)
    ]


def _rate_job(_, job: dict) -> RatePrediction:
    return predict_rate(**job)
