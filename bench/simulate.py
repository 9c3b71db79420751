"""Simulator speed: recommend.simulate vs the naive per-sequence stepper on the same traces.

Real one-hour traces (../shared/data), roofline step times (recommend.roofline.StepModel).
For each trace: the simulator (median of --repeats), the same with exact_steps=True (one
step_s call per step), and the naive stepper of recommend/simulate/reference.py (one run; the
baseline), which must agree on every request's E2E. Reports the speedup, requests simulated per
second, and what a full recommendation's simulation phase would take (168 windows x 5
candidates on 2 cores).

    .venv/bin/python bench/simulate.py [--repeats 5]
    .venv/bin/python bench/simulate.py --replica candidate.py   # its Replica vs today's, same run

--replica FILE times the simulator with the Replica (and Requests) of FILE, a candidate
recommend/simulate/replica.py, against today's: alternating runs in one process on the same traces,
after checking both give identical results (plain, exact_steps, 3 replicas). It writes the
"simulate-replica" section.
"""

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the recommend package: keep this folder off the path until it is imported
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from recommend.deployment import deployment  # noqa: E402
from recommend.memory import kv_capacity_tokens  # noqa: E402
from recommend.roofline import StepModel  # noqa: E402
from recommend.simulate import EngineSpec, replica_share, simulate  # noqa: E402
from recommend.simulate import engine as sim_engine  # noqa: E402
from recommend.simulate import replica as sim_replica  # noqa: E402

sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WINDOWS, CANDIDATES, CORES = 168, 5, 2


def azure(kind):
    frame = pl.read_csv(DATA / "azure-llm-2023" / f"AzureLLMInferenceTrace_{kind}.csv", try_parse_dates=True)
    ts = frame["TIMESTAMP"].dt.epoch("us").to_numpy()
    return ((ts - ts.min()) / 1e6, frame["ContextTokens"].to_numpy(), frame["GeneratedTokens"].to_numpy())


def servegen_peak_hour(replicas):
    """The busiest hour of the 0.25% ServeGen sample, as one replica's share of the full rate."""
    frame = pl.read_parquet(DATA / "servegen" / "chat-large-2w.parquet").with_columns(
        hour=pl.col("ts").dt.truncate("1h")
    )
    busiest = frame["hour"].value_counts(sort=True)["hour"][0]
    peak = frame.filter(pl.col("hour") == busiest)
    ts = peak["ts"].dt.epoch("ms").to_numpy()
    return replica_share(
        (ts - ts.min()) / 1e3,
        peak["input_tokens"].to_numpy(),
        peak["output_tokens"].to_numpy(),
        replicas=replicas,
        sample_rate=0.0025,
        seed=0,
    )


def engine_for(dep, kv_divisor=1, max_model_len=32_768):
    kv = kv_capacity_tokens(dep) // kv_divisor
    return EngineSpec(
        max_num_seqs=256,
        max_num_batched_tokens=8192,
        max_model_len=min(max_model_len, kv // 16 * 16),
        kv_capacity_tokens=kv,
    )


def scenarios():
    small = deployment(model="llama-3.1-8b", gpu="h100-sxm")
    large = deployment(model="llama-3.1-70b", gpu="h100-sxm", tp=4)
    conv = azure("conv")
    yield "Azure conv 1 h -> 1 replica, llama-3.1-8b, H100", conv, small, engine_for(small)
    yield ("Azure code 1 h -> 1 replica, llama-3.1-8b, H100", azure("code"), small, engine_for(small))
    yield (
        "Azure conv 1 h, KV cut to 1/20 (preempts)",
        conv,
        small,
        engine_for(small, kv_divisor=20, max_model_len=8192),
    )
    yield ("ServeGen peak h (bursty), 1 of 2000 replicas, 70b TP4", servegen_peak_hour(2000), large, engine_for(large))


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.process_time()  # CPU seconds: the machine is shared with other jobs
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def against(path: Path, repeats: int) -> None:
    """Today's Replica vs the one in `path`: identical results, then CPU time alternating runs."""
    found = importlib.util.spec_from_file_location("candidate_replica", path)
    candidate = importlib.util.module_from_spec(found)
    found.loader.exec_module(candidate)

    def run(module, trace, **kw):
        sim_engine.Replica, sim_engine.Requests = module.Replica, module.Requests
        try:
            return simulate(*trace, **kw)
        finally:
            sim_engine.Replica, sim_engine.Requests = sim_replica.Replica, sim_replica.Requests

    rows, ratios = [], []
    for name, trace, dep, engine_spec in scenarios():
        run_kw = dict(engine=engine_spec, step_s=StepModel(dep).step_s, slo={"ttft_p95_ms": 1000, "tpot_p95_ms": 100})
        for extra in ({}, {"exact_steps": True}, {"replicas": 3}):
            a, b = (run(m, trace, **run_kw, **extra) for m in (sim_replica, candidate))
            for f in a.__slots__:
                x, y = getattr(a, f), getattr(b, f)
                same = np.array_equal(x, y, equal_nan=True) if isinstance(x, np.ndarray) else x == y
                assert same, f"{name} {extra}: {f} differs"
        today, cand = [], []
        for _ in range(repeats):  # alternating, so load on the shared machine hits both
            today.append(timed(lambda: run(sim_replica, trace, **run_kw), 1)[0])
            cand.append(timed(lambda: run(candidate, trace, **run_kw), 1)[0])
        t0, t1 = statistics.median(today), statistics.median(cand)
        ratios.append(t1 / t0)
        rows.append(f"| {name} | {trace[0].size:,} | {t0 * 1e3:.0f} | {t1 * 1e3:.0f} | {t1 / t0:.3f} |")
        print(rows[-1], file=sys.stderr)
    publish(
        "simulate-replica",
        [
            "## Simulator: today's Replica vs a candidate",
            "",
            f"Command: `.venv/bin/python bench/simulate.py --replica {path.name} --repeats {repeats}` (medians "
            "of process CPU time, runs alternating in one process; results identical on every trace, plain, "
            "exact_steps and 3 replicas).",
            "",
            "| trace | requests | today ms | candidate ms | candidate / today |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"Geometric mean candidate / today: {float(np.exp(np.mean(np.log(ratios)))):.3f}.",
        ],
    )


def publish(section: str, lines: list[str]) -> None:
    markdown = "\n".join(lines)
    write_section(section, markdown)
    print(markdown)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--replica", type=Path, help="a candidate recommend/simulate/replica.py to time against today's"
    )
    args = parser.parse_args()
    if args.replica:
        return against(args.replica, args.repeats)
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
        rows.append(
            f"| {name} | {arrival.size:,} | {fast.steps:,} | {fast.preemptions:,} | "
            f"{fast.ttft.p95_ms:.0f} | {fast.tpot.p95_ms:.1f} | {fast_s * 1e3:.0f} | "
            f"{exact_s * 1e3:.0f} | {naive_s:.1f} | {naive_s / fast_s:.0f}x | "
            f"{arrival.size / fast_s / 1e3:.0f}k | {err:.0e} | {phase_s:.0f} |"
        )
        print(rows[-1], file=sys.stderr)
    publish(
        "simulate",
        [
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
        ],
    )


if __name__ == "__main__":
    main()
