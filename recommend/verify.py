"""Check a screened candidate with the simulator on the window's real arrivals.

One replica's share of the planned span (recommend/simulate/traffic.py: a sampled log scaled to
the real rate x traffic_scale x (1 + headroom), split over the replicas) is simulated with the
candidate's engine knobs and roofline step times. To bound the cost, when one replica would see
more than `max_requests` in the span, a representative sub-span is simulated: the one whose logged
count is closest to the span's mean rate (never shorter than MIN_SPAN_S), so a spike inside the
span is neither sought out nor skipped on purpose. The engine starts empty, so requests arriving in the first
WARMUP_SHARE of the simulated span are left out of the percentiles and goodput.
One replica's requests come from recommend/simulate/arrivals.py (thinning, or a Poisson process
following the log's per-minute rate when the sample is scaled up). Bulk traffic the plan admits
(PlanTraffic.bulk_admit_tok_s) joins as a Poisson stream at one replica's share of the admitted rate,
lengths drawn from the window's bulk requests: it loads the engine, but only interactive requests are
judged by the SLO and reported.
The replica's traffic is drawn DRAWS times (independent seeds) and the kept requests of all draws are
pooled before the percentiles: one draw of a 15-minute span is a few hundred to a few thousand
requests, and when rare long prompts set the tail its p95 swings 2-4x from draw to draw (the demo's
70B night window, one replica: TTFT p95 0.6-2.3 s over five seeds), so a single lucky draw would
pass a config that misses on most days.
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.engine_config import EngineConfig
from recommend.roofline import StepModel
from recommend.simulate import SimResult, goodput_share, replica_arrivals, simulate
from recommend.simulate.arrivals import PLAN_LENGTH_BIN_REQUESTS
from recommend.slo import slo_key
from recommend.window_traffic import PlanTraffic

MAX_REQUESTS = 3000  # per draw: ~10-20 us each (bench/RESULTS.md, simulate section)
DRAWS = 3
MIN_SPAN_S = 300.0
WARMUP_SHARE = 0.2
QUANTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class Verified:
    config: EngineConfig
    predicted: dict  # {"ttft_ms": Q, "tpot_ms": Q, "e2e_ms": Q, "goodput", ...}; Q = {"p50", "p90", "p95", "p99"}
    slo_ms: dict  # SLO key -> simulated value, ms
    meets: bool
    miss_ratio: float  # max over SLOs of simulated / limit
    requests: int  # simulated for one replica
    span_s: float


def verify(
    config: EngineConfig,
    step: StepModel,
    traffic: PlanTraffic,
    *,
    model: str,
    engine: str = "vllm",
    slo: dict[str, float],
    max_requests: int = MAX_REQUESTS,
    seed: int = 0,
    draws: int = DRAWS,
) -> Verified:
    spec, step = config.simulation_parts(model, engine, step_model=step)
    runs = [r for d in range(draws) if (r := _draw(config, spec, step, traffic, max_requests, seed + 1_000_003 * d))]
    if not runs:
        return Verified(
            config=config, predicted={}, slo_ms={}, meets=True, miss_ratio=0.0, requests=0, span_s=traffic.span_s
        )
    pooled = _Pooled.of(runs)
    values = {k: _stat(pooled, k) for k in slo}
    ratio = max((values[k] / slo[k] for k in slo), default=0.0)
    ratio = ratio if math.isfinite(ratio) else math.inf
    return Verified(
        config=config,
        predicted=_predicted(pooled, config, slo),
        slo_ms=values,
        meets=ratio <= 1.0,
        miss_ratio=ratio,
        requests=pooled.requests,
        span_s=runs[0].span_s,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """One draw: the simulation, which requests count (interactive, after the warm-up), and the inputs."""

    result: SimResult
    keep: np.ndarray
    prompt: np.ndarray
    output: np.ndarray
    span_s: float


def _draw(config, spec, step, traffic: PlanTraffic, max_requests: int, seed: int) -> _Run | None:
    arrival, prompt, output, span_s = replica_traffic(
        traffic, config.replicas, max_requests, seed, rate_rps=traffic.rps_real + traffic.bulk_rps_real
    )
    arrival, prompt, output, bulk = _with_bulk(traffic, config.replicas, span_s, (arrival, prompt, output), seed)
    if not (~bulk).any():
        return None
    result = simulate(arrival, prompt, output, engine=spec, step_s=step.step_s)
    keep = (arrival >= WARMUP_SHARE * span_s) & ~bulk
    keep = keep if keep.any() else ~bulk  # a handful of requests: keep them all
    return _Run(result=result, keep=keep, prompt=prompt, output=output, span_s=span_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pooled:
    """The counted requests of every draw, and the draws' engine statistics (mean; preemptions summed)."""

    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    e2e_ms: np.ndarray
    queue_ms: np.ndarray
    tokens: float  # prompt + output tokens of every request simulated (warm-up, bulk included)
    output_tokens: float
    seconds: float  # simulated span, all draws
    requests: int
    mean_batch_seqs: float
    kv_peak_share: float
    preemptions: int

    @classmethod
    def of(cls, runs: list[_Run]) -> "_Pooled":
        cat = {
            m: np.concatenate([getattr(r.result, m)[r.keep] for r in runs])
            for m in ("ttft_ms", "tpot_ms", "e2e_ms", "queue_ms")
        }
        return cls(
            **cat,
            tokens=float(sum((r.prompt + r.output).sum() for r in runs)),
            output_tokens=float(sum(r.output.sum() for r in runs)),
            seconds=sum(r.span_s for r in runs),
            requests=sum(int(r.prompt.size) for r in runs),
            mean_batch_seqs=float(np.mean([r.result.mean_batch_seqs for r in runs])),
            kv_peak_share=max(r.result.kv_peak_share for r in runs),
            preemptions=sum(r.result.preemptions for r in runs),
        )


def replica_traffic(
    t: PlanTraffic, replicas: int, max_requests: int, seed: int, *, rate_rps: float, min_span_s: float = MIN_SPAN_S
):
    """(arrival_s, prompt, output, span_s) of 1/replicas of the planned traffic, whose real rate is
    `rate_rps`: at most ~max_requests of it (a representative slice, >= min_span_s, beyond that)."""
    span_s = t.span_s
    per_replica = rate_rps / replicas * span_s
    arrival, prompt, output = t.arrival_s, t.prompt_tokens, t.output_tokens
    if per_replica > max_requests:
        span_s = max(min_span_s, span_s * max_requests / per_replica)
        i, j, start = representative_span(arrival, span_s, len(arrival) * span_s / t.span_s)
        arrival, prompt, output = arrival[i:j] - start, prompt[i:j], output[i:j]
    ok = (prompt >= 1) & (output >= 1)
    a, p, o = replica_arrivals(
        arrival[ok],
        prompt[ok],
        output[ok],
        span_s=span_s,
        replicas=replicas,
        sample_rate=t.sample_rate,
        scale=t.scale,
        seed=seed,
        length_requests=PLAN_LENGTH_BIN_REQUESTS,
    )
    return a, p, o, span_s


def _with_bulk(t: PlanTraffic, replicas: int, span_s: float, interactive, seed: int):
    """The interactive stream plus one replica's share of the admitted bulk stream, merged; and which are bulk."""
    arrival, prompt, output = interactive
    rng = np.random.default_rng(seed + 104729)
    n = rng.poisson(t.bulk_rps_real / replicas * span_s) if t.bulk_rps_real > 0 else 0
    pick = rng.integers(0, max(t.bulk_prompt_tokens.size, 1), n)
    arrival = np.concatenate([arrival, rng.random(n) * span_s])
    prompt = np.concatenate([prompt, t.bulk_prompt_tokens[pick] if n else np.zeros(0, np.int64)])
    output = np.concatenate([output, t.bulk_output_tokens[pick] if n else np.zeros(0, np.int64)])
    bulk = np.arange(arrival.size) >= arrival.size - n
    order = np.argsort(arrival, kind="stable")
    return arrival[order], prompt[order], output[order], bulk[order]


def _stat(pooled: _Pooled, key: str) -> float:
    metric, q = slo_key(key)
    values = getattr(pooled, f"{metric}_ms")
    values = values[~np.isnan(values)]
    return float(np.percentile(values, q)) if values.size else (0.0 if metric == "tpot" else math.inf)


def _quantiles(values: np.ndarray) -> dict:
    v = values[~np.isnan(values)]
    return {name: round(float(np.percentile(v, q)), 3) for name, q in QUANTILES.items()} if v.size else {}


def _predicted(p: _Pooled, config, slo) -> dict:
    """Fleet-level predictions: per-replica tokens/s x replicas; gpu_util = mean batch / max_num_seqs."""
    seconds = max(p.seconds, 1e-9)
    return {
        "ttft_ms": _quantiles(p.ttft_ms),
        "tpot_ms": _quantiles(p.tpot_ms),
        "e2e_ms": _quantiles(p.e2e_ms),
        "goodput": round(goodput_share(p.ttft_ms, p.tpot_ms, p.e2e_ms, slo), 4) if p.ttft_ms.size and slo else None,
        "tok_s": round(p.tokens / seconds * config.replicas, 1),
        "output_tok_s": round(p.output_tokens / seconds * config.replicas, 1),
        "queue_ms_mean": round(float(np.nanmean(p.queue_ms)), 3) if p.queue_ms.size else None,
        "mean_batch_seqs": round(p.mean_batch_seqs, 2),
        "kv_peak_share": round(p.kv_peak_share, 4),
        "preemptions": p.preemptions,
    }


def representative_span(arrival_s: np.ndarray, span_s: float, expected: float) -> tuple[int, int, float]:
    """(first, stop, start_s) of the `span_s` interval starting at an arrival whose count is closest
    to `expected` (ties: the earliest)."""
    if arrival_s.size == 0:
        return 0, 0, 0.0
    stops = np.searchsorted(arrival_s, arrival_s + span_s, side="left")
    i = int(np.argmin(np.abs(stops - np.arange(arrival_s.size) - expected)))
    return i, int(stops[i]), float(arrival_s[i])
