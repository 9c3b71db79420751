"""A realistic synthetic production log for the demo and tests.

Several models and tenants; diurnal and weekly seasonality with bursts; heavy-tailed
prompt/output lengths mixing chat, RAG and code; per-tenant shared prompt prefixes (512-token
blocks); one abusive tenant sending near-max-context prompts all day; a latency regression
planted on one day. The log is a 1-in-8 sample (SAMPLE_RATE) of a service that runs each model
on DEPLOYMENTS[model].replicas = 8 replicas with random routing, so the sampled requests are,
statistically, one replica's share: their latencies are what tracefit's own simulator
(recommend/simulate/engine.py, roofline step times) gives for one replica serving them, each step
twice as slow on the regression day (a bad driver or config push); requests slower than
TIMEOUT_MS end as timeouts.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from recommend.engine_config import EngineConfig
from recommend.simulate import simulate

BLOCK_TOKENS = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    name: str
    model: str
    share: float  # of all requests
    prompt_median: float  # tokens, lognormal median
    prompt_sigma: float
    output_median: float
    output_sigma: float
    system_blocks: int  # shared prefix blocks per tenant


WORKLOADS = (
    Workload(
        name="chat",
        model="llama-3.1-70b",
        share=0.55,
        prompt_median=600,
        prompt_sigma=1.0,
        output_median=220,
        output_sigma=0.9,
        system_blocks=1,
    ),
    Workload(
        name="rag",
        model="llama-3.1-8b",
        share=0.25,
        prompt_median=3500,
        prompt_sigma=0.5,
        output_median=150,
        output_sigma=0.6,
        system_blocks=2,
    ),
    Workload(
        name="code",
        model="qwen2.5-7b",
        share=0.20,
        prompt_median=1800,
        prompt_sigma=0.8,
        output_median=40,
        output_sigma=1.1,
        system_blocks=3,
    ),
)
MAX_CONTEXT = 32_768
TIMEOUT_MS = 120_000.0
REGRESSION_SLOWDOWN = 2.0
SAMPLE_RATE = 0.125  # the log holds 1 in 8 real requests: ingest with --sample-rate 0.125
# What "production" ran during the demo week, per model (the demo's ground truth).
DEPLOYMENTS = {
    "llama-3.1-70b": EngineConfig(
        gpu="h100",
        tp=4,
        weights="fp8",
        kv="fp8",
        max_model_len=MAX_CONTEXT,
        max_num_seqs=256,
        max_num_batched_tokens=8192,
        replicas=8,
    ),
    "llama-3.1-8b": EngineConfig(
        gpu="h100",
        tp=1,
        weights="bf16",
        kv="bf16",
        max_model_len=MAX_CONTEXT,
        max_num_seqs=256,
        max_num_batched_tokens=8192,
        replicas=8,
    ),
    "qwen2.5-7b": EngineConfig(
        gpu="l40s",
        tp=1,
        weights="bf16",
        kv="bf16",
        max_model_len=MAX_CONTEXT,
        max_num_seqs=128,
        max_num_batched_tokens=4096,
        replicas=8,
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticLog:
    requests: pl.DataFrame
    regression_day: datetime  # UTC midnight of the day with doubled TTFT
    abusive_tenant: str


def generate(
    days: int = 7, seed: int = 42, mean_rps: float = 0.5, start: datetime = datetime(2025, 3, 3, tzinfo=UTC)
) -> SyntheticLog:
    rng = np.random.default_rng(seed)
    arrivals_s = _arrivals(rng, days, mean_rps)
    n = arrivals_s.size
    kind = rng.choice(len(WORKLOADS), size=n, p=[w.share for w in WORKLOADS])
    tenants = np.array([f"tenant-{i:02d}" for i in range(24)])
    weights = 1.0 / np.arange(1, 25) ** 1.1  # Zipf-like: a few heavy tenants
    tenant_idx = rng.choice(24, size=n, p=weights / weights.sum())
    prompt, output = _lengths(rng, kind)
    abusive = "tenant-17"
    abuse = tenant_idx == 17
    prompt[abuse] = rng.integers(30_000, MAX_CONTEXT - 600, size=abuse.sum())
    day = (arrivals_s // 86_400).astype(int)
    regression_day = min(4, days - 1)
    models = np.array([w.model for w in WORKLOADS])[kind]
    ttft, tpot, e2e = _latencies(arrivals_s, prompt, output, models, day == regression_day)
    status = np.where(e2e > TIMEOUT_MS, "timeout", "ok")
    status = np.where(rng.random(n) < 0.002, "error", status)  # a trickle of server errors
    frame = pl.DataFrame(
        {
            "request_id": [f"req-{seed}-{i:08d}" for i in range(n)],
            "timestamp": pl.Series(np.round(arrivals_s * 1e6).astype(np.int64)).cast(pl.Duration("us")) + start,
            "model": models,
            "tenant": tenants[tenant_idx],
            "prompt_tokens": prompt,
            "output_tokens": output,
            "ttft_ms": np.round(ttft, 2),
            "tpot_ms": np.round(tpot, 3),
            "e2e_ms": np.round(e2e, 2),
            "status": status,
            "workload": np.array([w.name for w in WORKLOADS])[kind],
            "tenant_idx": tenant_idx,
            "system_blocks": np.array([w.system_blocks for w in WORKLOADS])[kind],
        }
    )
    frame = _with_prefix_blocks(frame).drop("workload", "tenant_idx", "system_blocks")
    return SyntheticLog(requests=frame, regression_day=start + timedelta(days=regression_day), abusive_tenant=abusive)


def _arrivals(rng: np.random.Generator, days: int, mean_rps: float) -> np.ndarray:
    """Seconds from start: a Poisson process whose rate follows day and week, plus bursts."""
    minutes = np.arange(days * 1440)
    hour = (minutes % 1440) / 60
    weekday = (minutes // 1440) % 7
    diurnal = 1 + 0.8 * np.cos((hour - 15) / 24 * 2 * np.pi)  # peak 15:00 UTC
    weekly = np.where(weekday >= 5, 0.45, 1.0)
    bursts = np.where(rng.random(minutes.size) < 0.004, rng.uniform(3, 8, minutes.size), 1.0)
    rate_per_min = mean_rps * 60 * diurnal * weekly * bursts / np.mean(diurnal * weekly)
    counts = rng.poisson(rate_per_min)
    starts = np.repeat(minutes * 60.0, counts)
    return np.sort(starts + rng.uniform(0, 60, counts.sum()))


def _lengths(rng: np.random.Generator, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prompt = np.empty(kind.size, dtype=np.int64)
    output = np.empty(kind.size, dtype=np.int64)
    for i, w in enumerate(WORKLOADS):
        sel = kind == i
        prompt[sel] = rng.lognormal(np.log(w.prompt_median), w.prompt_sigma, sel.sum())
        output[sel] = rng.lognormal(np.log(w.output_median), w.output_sigma, sel.sum())
    prompt = np.clip(prompt, 16, MAX_CONTEXT - 4096)
    return prompt, np.clip(output, 1, 4096)


def _latencies(arrivals_s, prompt, output, models, regressed):
    """Per-request TTFT/TPOT/E2E (ms): one replica of each model's deployment serving the sampled
    requests (its share); the regression day runs on its own with steps REGRESSION_SLOWDOWN x slower."""
    ttft, tpot, e2e = (np.full(prompt.size, np.nan) for _ in range(3))
    for model, config in DEPLOYMENTS.items():
        engine, step_model = config.simulation_parts(model)
        for slow in (False, True):
            sel = np.flatnonzero((models == model) & (regressed == slow))
            if not sel.size:
                continue
            factor = REGRESSION_SLOWDOWN if slow else 1.0

            def step_s(
                prefill_tokens,
                prefill_ctx_tokens,
                decode_seqs,
                decode_ctx_tokens,
                prefill_seqs=1,
                _f=factor,
                _m=step_model,
            ):
                return _f * _m.step_s(prefill_tokens, prefill_ctx_tokens, decode_seqs, decode_ctx_tokens, prefill_seqs)

            result = simulate(arrivals_s[sel], prompt[sel], output[sel], engine=engine, step_s=step_s, replicas=1)
            ttft[sel], tpot[sel], e2e[sel] = result.ttft_ms, result.tpot_ms, result.e2e_ms
    return ttft, tpot, e2e


def _with_prefix_blocks(frame: pl.DataFrame) -> pl.DataFrame:
    """Each prompt = the tenant's shared system blocks + blocks of its own (512 tokens each)."""
    blocks = pl.col("prompt_tokens") // BLOCK_TOKENS  # only full blocks can be cached
    n_shared = pl.min_horizontal(pl.col("system_blocks"), blocks)
    shared = pl.int_ranges(0, n_shared) + pl.col("tenant_idx") * 1000
    own_start = 1_000_000 + pl.col("own_offset")
    own = pl.int_ranges(own_start, own_start + blocks - n_shared)
    return (
        frame.with_columns(own_offset=(blocks - n_shared).cum_sum().shift(1, fill_value=0))
        .with_columns(prefix_block_ids=pl.concat_list(shared, own))
        .drop("own_offset")
    )
