"""A realistic synthetic production log for the demo and tests.

Several models and tenants; diurnal and weekly seasonality with bursts; heavy-tailed
prompt/output lengths mixing chat, RAG and code; per-tenant shared prompt prefixes (512-token
blocks); one abusive tenant sending near-max-context prompts all day; a latency regression
planted on one day. Latencies come from a simple linear service model (stated below), not
from measurements.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

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
    Workload(name="chat", model="llama-3.1-70b", share=0.55, prompt_median=600, prompt_sigma=1.0,
             output_median=220, output_sigma=0.9, system_blocks=1),
    Workload(name="rag", model="llama-3.1-8b", share=0.25, prompt_median=3500, prompt_sigma=0.5,
             output_median=150, output_sigma=0.6, system_blocks=2),
    Workload(name="code", model="qwen2.5-7b", share=0.20, prompt_median=1800, prompt_sigma=0.8,
             output_median=40, output_sigma=1.1, system_blocks=3),
)
MAX_CONTEXT = 32_768


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticLog:
    requests: pl.DataFrame
    regression_day: datetime  # UTC midnight of the day with doubled TTFT
    abusive_tenant: str


def generate(days: int = 7, seed: int = 42, mean_rps: float = 0.5,
             start: datetime = datetime(2025, 3, 3, tzinfo=UTC)) -> SyntheticLog:
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
    ttft, tpot, status = _latencies(rng, prompt, output, arrivals_s, day == regression_day)
    frame = pl.DataFrame({
        "request_id": [f"req-{seed}-{i:08d}" for i in range(n)],
        "timestamp": pl.Series(np.round(arrivals_s * 1e6).astype(np.int64)).cast(pl.Duration("us"))
        + start,
        "model": np.array([w.model for w in WORKLOADS])[kind],
        "tenant": tenants[tenant_idx],
        "prompt_tokens": prompt,
        "output_tokens": output,
        "ttft_ms": np.round(ttft, 2),
        "tpot_ms": np.round(tpot, 3),
        "e2e_ms": np.round(ttft + tpot * np.maximum(output - 1, 0), 2),
        "status": status,
        "workload": np.array([w.name for w in WORKLOADS])[kind],
        "tenant_idx": tenant_idx,
        "system_blocks": np.array([w.system_blocks for w in WORKLOADS])[kind],
    })
    frame = _with_prefix_blocks(frame).drop("workload", "tenant_idx", "system_blocks")
    return SyntheticLog(requests=frame, regression_day=start + timedelta(days=regression_day),
                        abusive_tenant=abusive)


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


def _latencies(rng, prompt, output, arrivals_s, regressed):
    """Service model of the demo deployment: TTFT = 40 ms + 0.12 ms/prompt token + queueing
    (grows with the minute's load), TPOT = 18 ms ± jitter; on the regression day TTFT doubles.
    Requests in overloaded minutes time out more often."""
    minute = (arrivals_s // 60).astype(np.int64)
    load = np.bincount(minute)[minute].astype(float)
    load_ratio = load / np.median(load)
    queue_ms = rng.exponential(15.0 * load_ratio**2)
    ttft = (40.0 + 0.12 * prompt + queue_ms) * np.where(regressed, 2.0, 1.0)
    tpot = 18.0 * (1 + 0.1 * load_ratio) * rng.lognormal(0, 0.08, prompt.size)
    p_fail = np.clip(0.002 + 0.01 * (load_ratio - 2), 0.002, 0.2)
    failed = rng.random(prompt.size) < p_fail
    status = np.where(failed, np.where(rng.random(prompt.size) < 0.7, "timeout", "error"), "ok")
    return ttft, tpot, status


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
