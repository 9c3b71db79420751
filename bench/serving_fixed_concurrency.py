"""The simulator against published fixed-concurrency runs of a list of prompts (`sglang.bench_serving`).

Reads bench/data/published_bench_serving.csv (bench/bench_serving_rows.py: 17 runs of SGLang 0.5.5.post3 serving
Qwen2.5-3B-Instruct on one GH200, 50-200 prompts at 8, 32 or 200 at a time; never used to fit anything) and
simulates each run as the tool drove it (recommend.simulate.simulate_fixed_concurrency): the prompts sent in order
through `concurrency` slots, each slot's next prompt sent when its request ends, the run's duration from the first
send to the last token. The lengths are the ones bench_serving drew (recommend.predict_serving.bench_lengths: its
random dataset under its default `--seed 1`, numpy's legacy generator, python/sglang/bench_serving.py
`sample_random_requests`), which reproduce every file's total input and output tokens exactly
(tests/test_bench_serving_fixed_concurrency.py). A drawn output of 0
tokens still runs its prefill and is simulated as 1 token.
Engine knobs: what `tracefit predict --engine sglang` simulates (recommend.predict_serving.engine_spec: the
`sglang` profile's mixed chunk off and overlap scheduler on, which each file's `server_info` is checked to
state, page size 1, the memory model's KV cache, printed beside the server's own token_capacity), with the
file's chunked_prefill_size as the token budget and no running-request cap below the concurrency
(max_running_requests unset).
Compared, per run, as bench_serving reports them: TTFT mean / median / p99, TPOT median ((E2E - TTFT) / (output
- 1) per request of 2+ tokens), E2E median, output tok/s (total output tokens / duration). Prints median / p90
|error| per metric and signed medians per concurrency.
  --calibrated  the per-request time outside the step loop (EngineSpec.request_overhead_s, what `tracefit
            calibrate` fits per deployment) chosen on the runs at 8 at a time (grid OVERHEAD_GRID_MS, least
            squared log error of median TTFT), the runs at 32 and 200 at a time predicted with it: what a
            user's own light-load benchmark buys at heavier load.
Usage: .venv/bin/python bench/serving_fixed_concurrency.py [--calibrated]   (~1 s; --calibrated ~10 s)
"""

import csv
import dataclasses
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from recommend.deployment import deployment  # noqa: E402
from recommend.memory import kv_capacity_tokens  # noqa: E402
from recommend.predict_serving import bench_lengths, engine_spec  # noqa: E402
from recommend.roofline import StepModel, efficiency_for  # noqa: E402
from recommend.simulate import simulate_fixed_concurrency  # noqa: E402

TABLE = HERE / "data" / "published_bench_serving.csv"
MAX_RUNNING = 4096  # no running-request cap below any run's concurrency (max_running_requests unset)
OVERHEAD_GRID_MS = tuple(range(0, 41))
CALIBRATE_ON = "8"  # concurrency of the runs the overhead is chosen on
METRICS = (
    "mean_ttft_ms",
    "median_ttft_ms",
    "p99_ttft_ms",
    "median_tpot_ms",
    "median_e2e_latency_ms",
    "output_throughput",
)


def load() -> list[dict]:
    with open(TABLE, newline="") as f:
        return list(csv.DictReader(f))


def lengths(r: dict) -> tuple[np.ndarray, np.ndarray]:
    """The prompt and output lengths bench_serving drew for the run, in the order it sent them."""
    return bench_lengths("sglang", int(r["isl"]), int(r["osl"]), int(r["num_prompts"]), float(r["range_ratio"]))


def row_deployment(r: dict):
    return deployment(
        model=r["model"], gpu=r["gpu"], tp=int(r["tp"]), engine=r["engine"], weights=r["weights"], kv=r["kv"]
    )


def simulated(r: dict, request_overhead_s: float | None = None) -> dict[str, float]:
    """The run simulated: its metrics as bench_serving computes them; request_overhead_s (`--calibrated`) in
    place of the engine's own front-end time a request (None: the engine's)."""
    dep = row_deployment(r)
    flags = (r["mixed_chunk"] == "1", r["overlap_schedule"] == "1")
    if flags != (dep.engine.mixed_prefill, dep.engine.overlap_schedule):
        raise ValueError(f"{r['source']}: its server's mixed chunk / overlap {flags} are not the engine's defaults")
    prompt, output = lengths(r)
    output = np.maximum(output, 1)
    eff = efficiency_for(dep)
    if request_overhead_s is not None:
        eff = dataclasses.replace(eff, request_overhead_s=request_overhead_s)
    spec = engine_spec(dep, int(r["isl"]), int(r["osl"]), MAX_RUNNING, int(r["chunked_prefill_size"]), eff)
    run = simulate_fixed_concurrency(prompt, output, int(r["concurrency"]), engine=spec, step_s=StepModel(dep).step_s)
    res = run.result
    return {
        "mean_ttft_ms": float(res.ttft_ms.mean()),
        "median_ttft_ms": float(np.median(res.ttft_ms)),
        "p99_ttft_ms": float(np.percentile(res.ttft_ms, 99)),
        "median_tpot_ms": float(np.nanmedian(res.tpot_ms)),
        "median_e2e_latency_ms": float(np.median(res.e2e_ms)),
        "output_throughput": float(output.sum()) / run.duration_s,
    }


def calibrated(rows: list[dict]) -> str:
    """--calibrated: the overhead chosen on the CALIBRATE_ON runs, every run's errors before and after."""
    fit = [r for r in rows if r["concurrency"] == CALIBRATE_ON]

    def loss(ms: int) -> float:
        return sum(np.log(simulated(r, ms / 1e3)["median_ttft_ms"] / float(r["median_ttft_ms"])) ** 2 for r in fit)

    best = min(OVERHEAD_GRID_MS, key=loss)
    lines = [
        f"request overhead chosen on the {len(fit)} runs at {CALIBRATE_ON} at a time: {best} ms "
        f"(grid {OVERHEAD_GRID_MS[0]}-{OVERHEAD_GRID_MS[-1]} ms)\n",
        "| concurrency | runs | metric | median APE before | after |",
        "|---|---|---|---|---|",
    ]
    groups = defaultdict(list)
    for r in rows:
        groups[r["concurrency"]].append(r)
    for c in sorted(groups, key=int):
        before = [simulated(r) for r in groups[c]]
        after = [simulated(r, best / 1e3) for r in groups[c]]
        for k in METRICS:
            want = [float(r[k]) for r in groups[c]]
            b = np.median([abs(x[k] / w - 1) for x, w in zip(before, want)])
            a = np.median([abs(x[k] / w - 1) for x, w in zip(after, want)])
            lines.append(f"| {c}{' (fit)' if c == CALIBRATE_ON else ''} | {len(want)} | {k} | {b:.0%} | {a:.0%} |")
    return "\n".join(lines)


def main() -> None:
    rows = load()
    if "--calibrated" in sys.argv:
        print(calibrated(rows))
        return
    ape, signed = defaultdict(list), defaultdict(list)
    print("| run | concurrency | metric | measured | simulated | error |\n|---|---|---|---|---|---|")
    for r in rows:
        got = simulated(r)
        name = r["source"].rsplit("/", 1)[-1].removesuffix(".jsonl")
        for k in METRICS:
            want = float(r[k])
            err = got[k] / want - 1
            ape[k].append(abs(err))
            signed[(k, int(r["concurrency"]))].append(err)
            print(f"| {name} | {r['concurrency']} | {k} | {want:,.1f} | {got[k]:,.1f} | {err * 100:+.0f}% |")
    print("\n| metric | runs | median APE | p90 APE |\n|---|---|---|---|")
    for k in METRICS:
        a = np.array(ape[k])
        print(f"| {k} | {len(a)} | {np.median(a) * 100:.0f}% | {np.percentile(a, 90) * 100:.0f}% |")
    concurrencies = sorted({c for _, c in signed})
    print("\n| metric | " + " | ".join(f"signed median, {c} at a time" for c in concurrencies) + " |")
    print("|---|" + "---|" * len(concurrencies))
    for k in METRICS:
        cells = [f"{np.median(signed[(k, c)]) * 100:+.0f}% ({len(signed[(k, c)])})" for c in concurrencies]
        print(f"| {k} | " + " | ".join(cells) + " |")
    model_kv = {kv_capacity_tokens(row_deployment(r)) for r in rows}
    server_kv = sorted({int(r["kv_tokens"]) for r in rows})
    print(f"\nKV cache: memory model {sorted(model_kv)} tokens, the server's token_capacity {server_kv}")


if __name__ == "__main__":
    main()
