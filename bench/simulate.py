"""Simulator speed: recommend.simulate vs the naive per-sequence stepper on the same traces.

Real one-hour traces (../shared/data), roofline step times (recommend.roofline.StepModel).
For each trace: the simulator (median of --repeats), the same with exact_steps=True (one
step_s call per step), and the naive stepper of recommend/simulate/reference.py (one run; the
baseline), which must agree on every request's E2E. Reports the speedup, requests simulated per
second, and what a full recommendation's simulation phase would take (168 windows x 5
candidates on 2 cores).

    .venv/bin/python bench/simulate.py [--repeats 5]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from recommend.deployment import deployment
from recommend.memory import kv_capacity_tokens
from recommend.roofline import StepModel
from recommend.simulate import EngineSpec, replica_share, simulate

sys.path.insert(0, str(Path(__file__).parent))
from results import write_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WINDOWS, CANDIDATES, CORES = 168, 5, 2


def azure(kind):
    frame = pl.read_csv(DATA / "azure-llm-2023" / f"AzureLLMInferenceTrace_{kind}.csv",
                        try_parse_dates=True)
    ts = frame["TIMESTAMP"].dt.epoch("us").to_numpy()
    return ((ts - ts.min()) / 1e6, frame["ContextTokens"].to_numpy(),
            frame["GeneratedTokens"].to_numpy())


def servegen_peak_hour(replicas):
    """The busiest hour of the 0.25% ServeGen sample, as one replica's share of the full rate."""
    frame = pl.read_parquet(DATA / "servegen" / "chat-large-2w.parquet").with_columns(
        hour=pl.col("ts").dt.truncate("1h"))
    busiest = frame["hour"].value_counts(sort=True)["hour"][0]
    peak = frame.filter(pl.col("hour") == busiest)
    ts = peak["ts"].dt.epoch("ms").to_numpy()
    return replica_share((ts - ts.min()) / 1e3, peak["input_tokens"].to_numpy(),
                         peak["output_tokens"].to_numpy(), replicas=replicas,
                         sample_rate=0.0025, seed=0)


def engine_for(dep, kv_divisor=1, max_model_len=32_768):
    kv = kv_capacity_tokens(dep) // kv_divisor
    return EngineSpec(max_num_seqs=256, max_num_batched_tokens=8192,
                      max_model_len=min(max_model_len, kv // 16 * 16), kv_capacity_tokens=kv)


def scenarios():
    small = deployment(model="llama-3.1-8b", gpu="h100-sxm")
    large = deployment(model="llama-3.1-70b", gpu="h100-sxm", tp=4)
    conv = azure("conv")
    yield "Azure conv 1 h -> 1 replica, llama-3.1-8b, H100", conv, small, engine_for(small)
    yield ("Azure code 1 h -> 1 replica, llama-3.1-8b, H100", azure("code"), small,
           engine_for(small))
    yield ("Azure conv 1 h, KV cut to 1/20 (preempts)", conv, small,
           engine_for(small, kv_divisor=20, max_model_len=8192))
    yield ("ServeGen peak h (bursty), 1 of 2000 replicas, 70b TP4", servegen_peak_hour(2000), large,
           engine_for(large))


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.process_time()  # CPU seconds: the machine is shared with other jobs
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for name, (arrival, prompt, output), dep, engine in scenarios():
        step = StepModel(dep).step_s
        run = dict(engine=engine, step_s=step)
        fast_s, fast = timed(lambda: simulate(arrival, prompt, output, **run), args.repeats)
        exact_s, _ = timed(lambda: simulate(arrival, prompt, output, exact_steps=True, **run), 1)
        naive_s, naive = timed(lambda: simulate(arrival, prompt, output, reference=True, **run), 1)
        ok = ~naive.rejected
        err = float(np.max(np.abs(fast.e2e_ms[ok] / naive.e2e_ms[ok] - 1)))
        assert err < 1e-6, f"{name}: simulator and naive stepper disagree ({err:.1e})"
        phase_s = WINDOWS * CANDIDATES * fast_s / CORES
        rows.append(f"| {name} | {arrival.size:,} | {fast.steps:,} | {fast.preemptions:,} | "
                    f"{fast.ttft.p95_ms:.0f} | {fast.tpot.p95_ms:.1f} | {fast_s * 1e3:.0f} | "
                    f"{exact_s * 1e3:.0f} | {naive_s:.1f} | {naive_s / fast_s:.0f}x | "
                    f"{arrival.size / fast_s / 1e3:.0f}k | {err:.0e} | {phase_s:.0f} |")
        print(rows[-1], file=sys.stderr)
    markdown = "\n".join([
        "## Simulator: `recommend.simulate` vs the naive per-sequence stepper",
        "",
        f"Command: `.venv/bin/python bench/simulate.py --repeats {args.repeats}` (2-core machine "
        "shared with other jobs; medians of process CPU time). Step times: roofline `StepModel`; "
        "max_num_seqs 256, max_num_batched_tokens 8192, block 16. naive = "
        "recommend/simulate/reference.py (vLLM v1 `schedule()` step by step, sequence by "
        "sequence); exact = `exact_steps=True` (one step_s call per step). max rel err = "
        "largest per-request E2E difference to naive. rec. phase = what simulating "
        f"{CANDIDATES} candidates for each of {WINDOWS} such windows takes on {CORES} cores.",
        "",
        "| trace | requests | steps | preemptions | TTFT p95 ms | TPOT p95 ms | simulate ms | "
        "exact ms | naive s | speedup | req/s simulated | max rel err | rec. phase s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Cost scales with events (arrivals, prefill steps, completions), not tokens: about "
        "10-20 us of CPU per request on this (loaded) machine, a third of it in "
        "`StepModel.step_s`. Decode-only "
        "stretches are closed-form, so long outputs are nearly free; the naive stepper's cost "
        "grows with steps x batch instead (hence only ~6x on the short-output "
        "code trace, 20-40x elsewhere). An hour's share of 2-9k requests fits a 60 s recommendation; a 19k-request "
        "share does not, so the config search should simulate the peak 15 minutes of such "
        "windows (or a larger replica count's share).",
    ])
    write_section("simulate", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
