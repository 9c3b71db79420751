"""The continuous-batching simulator against published closed-loop (fixed-concurrency) serving runs.

Reads bench/data/published_closed_loop.csv (bench/closed_loop_rows.py: 787 genai-perf runs of NIM's
TensorRT-LLM backend, Llama-3-8B/70B on A100/H100, TP 1-8, concurrency 1-250, never used to fit anything) and
simulates each run as it was driven and measured (recommend.predict_serving.predict_closed_loop, `window_s`):
`concurrency` clients, each sending its next request when its last one ended, all starting at t = 0, and the
requests genai-perf reported: those ending in perf_analyzer's first three consecutive 12 s windows that each
saw one end (recommend.simulate.measurement), burst included. Engine knobs: TensorRT-LLM's defaults, as NIM's
engine build is not in the file: max_batch_size 256 and max_num_tokens 8192 (trtllm-build / trtllm-serve
docs), GUARANTEED_NO_EVICT admission, KV from the memory model with fp8 KV for the fp8 runs (TensorRT-LLM's
FP8 recipe quantizes the KV cache too: examples/llama `--kv_cache_dtype fp8`). Step times from
`roofline.StepModel` with each `--engine` profile (default both of ENGINES: trtllm, trtllm-xqa).
Compared: TTFT mean and p95, ITL mean (genai-perf's inter-token latency: (E2E - TTFT) / (output - 1) per
request, averaged), E2E mean, output tok/s (reported requests x output tokens / their span). Prints median /
p90 |error| per metric, signed medians per deployment and per concurrency, and the c = 1 inter-token gap
against context (one client: nothing but the engine's own decode step), and what choosing by the simulation
would have got (`choices`: per model, GPU, shape and SLO, the run with the most tok/s per GPU meeting it,
simulated pick vs measured best).
  --calibrated  per deployment, the efficiencies `tracefit calibrate` fits (HBM and GEMM shares, per-request
            overhead; grid CALIBRATION_GRID) chosen on its runs at <= 10 clients by the least squared log error of
            TTFT and ITL means, then its steady runs at 25-250 clients predicted: what a user's own light-load
            benchmark buys at heavy load.
  --host-per-seq US[,US...]  the steady runs again with US microseconds of host work per running sequence per
            step added to the profile (Efficiency.step_overhead_per_seq_s), per model: a cost chosen on one
            model is judged on the other.
Usage: .venv/bin/python bench/serving_closed_loop.py [--engine trtllm[,trtllm-xqa]] [--calibrated]
       [--host-per-seq 10,20,30,40] (simulations on every CPU: ~40 s on 2 cores; --calibrated ~8 min;
       --host-per-seq ~20 s a value)
"""

import csv
import dataclasses
import itertools
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from profiles import get_model  # noqa: E402
from recommend.deployment import deployment  # noqa: E402
from recommend.predict_serving import predict_closed_loops  # noqa: E402
from recommend.roofline import efficiency_for  # noqa: E402

TABLE = HERE / "data" / "published_closed_loop.csv"
# trtllm: today's TensorRT-LLM profile (v1.0 PyTorch backend, CUDA graphs; what `predict --engine trtllm` uses);
# trtllm-xqa: the C++ runtime's of the v0.9 static tables (kernels launched per layer, XQA decode), closer in
# age to these runs, but with its contiguous, exactly-sized KV (memory fraction 1.0) instead of paged KV.
ENGINES = ("trtllm", "trtllm-xqa")
STEADY_TOLERANCE = 0.05
# perf_analyzer's window: 1.2 x --measurement-interval. The course ran genai-perf with `--measurement-interval
# 10000` (notebook 03); its own per-request exports (artifacts/*concurrency{1,2,5}/200_50.json at the same
# commit) hold windows at 0, 12, 24 and 36 s from the first send and the requests that ended by 36 s.
WINDOW_S = 12.0
SLOS = ((20.0, 1000.0), (35.0, 2000.0), (60.0, 5000.0))  # (ITL mean, TTFT mean) ms: interactive .. batch
METRICS = ("ttft_mean_ms", "ttft_p95_ms", "itl_mean_ms", "e2e_mean_ms", "output_tok_s")


def load(path: Path = TABLE) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def steady(r: dict) -> bool:
    """Whether the measurement saw a steady closed loop: clients = throughput x mean E2E (Little's law) within
    STEADY_TOLERANCE. Long requests at high concurrency outlast genai-perf's windows, which then hold the
    earlier, less queued requests (up to 48% fewer clients in the product)."""
    clients = float(r["request_s"]) * float(r["e2e_mean_ms"]) / 1e3
    return abs(clients / int(r["concurrency"]) - 1) <= STEADY_TOLERANCE


def row_deployment(r: dict, engine: str):
    return deployment(
        model=r["model"], gpu=r["gpu"], tp=int(r["tp"]), weights=r["weights"], kv=r["weights"], engine=engine
    )


def job(r: dict, engine: str, efficiency=None) -> dict:
    """`predict_closed_loop`'s arguments for the run: what genai-perf reported (`WINDOW_S` windows)."""
    dep = row_deployment(r, engine)
    clients, isl, osl = int(r["concurrency"]), int(r["isl"]), int(r["osl"])
    return dict(dep=dep, clients=clients, isl=isl, osl=osl, efficiency=efficiency, window_s=WINDOW_S)


def simulated(r: dict, engine: str = "trtllm", efficiency=None) -> dict[str, float]:
    """The run's metrics as `predict_closed_loop` predicts what genai-perf reported."""
    return simulated_rows([(r, efficiency)], engine)[0]


def simulated_rows(rows: list[tuple[dict, object]], engine: str) -> list[dict[str, float]]:
    """`simulated` for each (run, efficiency or None), in order, on every CPU (independent simulations)."""
    preds = predict_closed_loops([job(r, engine, eff) for r, eff in rows])
    return [{m: getattr(p, m) for m in METRICS} for p in preds]


# `--calibrated`: a user's own light-load runs fit the efficiencies `tracefit calibrate` fits, heavy load is predicted
FIT_MAX_CLIENTS = 10
CALIBRATION_GRID = {
    "hbm_fraction": (0.6, 0.7, 0.8, 0.9, 1.0),
    "gemm_fraction": (0.25, 0.4, 0.55, 0.7, 0.85),
    "request_overhead_s": (0.0, 0.002, 0.005, 0.010),
}


def fit_efficiency(train: list[dict], engine: str):
    """The grid point with the least squared log error of TTFT and ITL means over `train` (one deployment)."""
    base = efficiency_for(row_deployment(train[0], engine))
    grid = [
        dataclasses.replace(base, **dict(zip(CALIBRATION_GRID, values)))
        for values in itertools.product(*CALIBRATION_GRID.values())
    ]
    sims = iter(simulated_rows([(r, eff) for eff in grid for r in train], engine))
    best, best_loss = base, float("inf")
    for eff in grid:
        loss = 0.0
        for r in train:
            sim = next(sims)
            loss += sum(np.log(sim[m] / float(r[m])) ** 2 for m in ("ttft_mean_ms", "itl_mean_ms"))
        if loss < best_loss:
            best, best_loss = eff, loss
    return best


def calibrated(rows: list[dict], engine: str) -> list[str]:
    """Per deployment: fit on its runs with <= FIT_MAX_CLIENTS clients, predict its steady runs with more."""
    deployments = defaultdict(list)
    for r in rows:
        deployments[(r["model"], r["gpu"], "tp" + r["tp"], r["weights"])].append(r)
    metrics = ("ttft_mean_ms", "ttft_p95_ms", "itl_mean_ms", "output_tok_s")
    lines = [
        "| deployment | fitted hbm / gemm / request ms | held-out runs | "
        + " | ".join(f"{m} before -> after" for m in metrics)
        + " |",
        "|---|---|---|" + "---|" * len(metrics),
    ]
    before_all, after_all = defaultdict(list), defaultdict(list)
    for key, rs in sorted(deployments.items()):
        train = [r for r in rs if int(r["concurrency"]) <= FIT_MAX_CLIENTS]
        test = [r for r in rs if int(r["concurrency"]) > FIT_MAX_CLIENTS and steady(r)]
        eff = fit_efficiency(train, engine)
        both = simulated_rows([(r, None) for r in test] + [(r, eff) for r in test], engine)
        sims = list(zip(test, both[: len(test)], both[len(test) :]))
        cells = []
        for m in metrics:
            before = [abs(base[m] / float(r[m]) - 1) for r, base, _ in sims]
            after = [abs(fit[m] / float(r[m]) - 1) for r, _, fit in sims]
            before_all[m] += before
            after_all[m] += after
            cells.append(f"{np.median(before) * 100:.0f}% -> {np.median(after) * 100:.0f}%")
        fitted = f"{eff.hbm_fraction:.2f} / {eff.gemm_fraction:.2f} / {eff.request_overhead_s * 1e3:.0f}"
        lines.append(f"| {' '.join(key)} | {fitted} | {len(test)} | " + " | ".join(cells) + " |")
    total = " | ".join(
        f"{np.median(before_all[m]) * 100:.1f}% -> {np.median(after_all[m]) * 100:.1f}%" for m in metrics
    )
    lines.append(f"| all (median abs error) | | {len(before_all[metrics[0]])} | {total} |")
    return lines


def errors(runs: list[tuple[dict, dict[str, float]]]) -> list[tuple[dict, dict[str, float]]]:
    """(row, signed relative error per metric) for every (row, simulated metrics)."""
    return [(r, {m: sim[m] / float(r[m]) - 1 for m in METRICS}) for r, sim in runs]


def meets(metrics: dict[str, float], slo: tuple[float, float]) -> bool:
    itl_ms, ttft_ms = slo
    return metrics["itl_mean_ms"] <= itl_ms and metrics["ttft_mean_ms"] <= ttft_ms


def tok_s_per_gpu(r: dict, metrics: dict) -> float:
    return float(metrics["output_tok_s"]) / int(r["tp"])


def choices(runs, slos=SLOS) -> list[str]:
    """What a planner picking by the simulation would have got: per model, GPU, shape and SLO, the run
    (TP, dtype, clients) with the most output tok/s per GPU among those meeting the SLO, by the simulation
    and by the measurement; regret = 1 - measured tok/s per GPU of the simulated pick / the measured best."""
    groups = defaultdict(list)
    for r, sim in runs:
        measured = {m: float(r[m]) for m in METRICS}
        groups[(r["model"], r["gpu"], r["isl"], r["osl"])].append((r, measured, sim))
    lines = [
        "| SLO: ITL mean / TTFT mean | cases | same TP + dtype | simulated pick misses the SLO measured "
        "| pick's measured latency / SLO, median (worst) | median regret of the others | worst regret |",
        "|---|---|---|---|---|---|---|",
    ]
    for slo in slos:
        cases = same = missed = 0
        regrets, over = [], []
        for group in groups.values():
            feasible = [(r, meas) for r, meas, _ in group if meets(meas, slo)]
            picks = [(r, meas, sim) for r, meas, sim in group if meets(sim, slo)]
            if not feasible or not picks:
                continue
            cases += 1
            best, best_meas = max(feasible, key=lambda x: tok_s_per_gpu(*x))
            pick, pick_meas, _ = max(picks, key=lambda x: tok_s_per_gpu(x[0], x[2]))
            same += (pick["tp"], pick["weights"]) == (best["tp"], best["weights"])
            over.append(max(pick_meas["itl_mean_ms"] / slo[0], pick_meas["ttft_mean_ms"] / slo[1]))
            if not meets(pick_meas, slo):
                missed += 1
                continue
            regrets.append(1 - tok_s_per_gpu(pick, pick_meas) / tok_s_per_gpu(best, best_meas))
        lines.append(
            f"| {slo[0]:.0f} ms / {slo[1]:.0f} ms | {cases} | {same} | {missed} | {np.median(over):.2f} ({max(over):.2f}) "
            f"| {np.median(regrets) * 100:.0f}% | {max(regrets) * 100:.0f}% |"
        )
    return lines


def pct(x: float) -> str:
    return f"{x * 100:+.0f}%"


def summary(errs) -> list[str]:
    lines = [
        "| metric | rows | median abs error | p90 | signed median | within 10% | within 25% |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in METRICS:
        e = np.array([d[m] for _, d in errs])
        a = np.abs(e)
        lines.append(
            f"| {m} | {e.size} | {np.median(a) * 100:.1f}% | {np.percentile(a, 90) * 100:.1f}% | {pct(np.median(e))} "
            f"| {(a <= 0.10).mean() * 100:.0f}% | {(a <= 0.25).mean() * 100:.0f}% |"
        )
    return lines


def grouped(errs, key, label: str) -> list[str]:
    groups = defaultdict(list)
    for r, d in errs:
        groups[key(r)].append(d)
    lines = [f"| {label} | rows | " + " | ".join(f"{m} signed median" for m in METRICS) + " |"]
    lines.append("|---|---|" + "---|" * len(METRICS))
    for k in sorted(groups, key=lambda k: tuple(int(x) if str(x).isdigit() else x for x in k)):
        ds = groups[k]
        cells = " | ".join(pct(np.median([d[m] for d in ds])) for m in METRICS)
        lines.append(f"| {' '.join(map(str, k))} | {len(ds)} | {cells} |")
    return lines


def solo_gaps(runs: list[tuple[dict, dict[str, float]]]) -> list[str]:
    """c = 1, per deployment, from (row, simulated) runs: measured - simulated inter-token latency (ms) by
    context, and TTFT at 200 prompt tokens (mean over its output lengths; ms, and us per layer)."""
    shapes = [("200", "200"), ("200", "2000"), ("2000", "2000"), ("7000", "1000")]
    lines = [
        "| deployment | "
        + " | ".join(f"{i}/{o} ITL gap ms" for i, o in shapes)
        + " | 200-token TTFT gap ms (us / layer) |",
        "|---|" + "---|" * (len(shapes) + 1),
    ]
    by_dep, ttft, layers = defaultdict(dict), defaultdict(list), {}
    for r, sim in runs:
        if r["concurrency"] != "1":
            continue
        dep = (r["model"], r["gpu"], "tp" + r["tp"], r["weights"])
        if (r["isl"], r["osl"]) in shapes:
            by_dep[dep][(r["isl"], r["osl"])] = float(r["itl_mean_ms"]) - sim["itl_mean_ms"]
        if r["isl"] == "200":
            ttft[dep].append(float(r["ttft_mean_ms"]) - sim["ttft_mean_ms"])
            layers[dep] = get_model(r["model"]).num_layers
    for dep, gaps in sorted(by_dep.items()):
        gap_ms = float(np.mean(ttft[dep]))
        lines.append(
            f"| {' '.join(dep)} | "
            + " | ".join(f"{gaps[s]:+.2f}" for s in shapes)
            + f" | {gap_ms:+.1f} ({gap_ms / layers[dep] * 1e3:+.0f}) |"
        )
    return lines


def host_per_seq(rows: list[dict], engine: str, costs_us: list[float]) -> list[str]:
    """Per model, median / p90 |error| of the steady runs with `costs_us` of host work per sequence per step."""
    steady_rows = [r for r in rows if steady(r)]
    metrics = ("ttft_mean_ms", "ttft_p95_ms", "itl_mean_ms", "output_tok_s")
    models = sorted({r["model"] for r in steady_rows})
    lines = [
        "| host us / seq / step | " + " | ".join(f"{m} {k}" for m in models for k in metrics) + " |",
        "|---|" + "---|" * (len(models) * len(metrics)),
    ]
    bases = [efficiency_for(row_deployment(r, engine)) for r in steady_rows]
    for us in costs_us:
        errs = defaultdict(list)
        effs = [dataclasses.replace(b, step_overhead_per_seq_s=b.step_overhead_per_seq_s + us * 1e-6) for b in bases]
        for r, sim in zip(steady_rows, simulated_rows(list(zip(steady_rows, effs)), engine)):
            for k in metrics:
                errs[(r["model"], k)].append(abs(sim[k] / float(r[k]) - 1))
        cells = [
            f"{np.median(errs[m, k]) * 100:.1f} / {np.percentile(errs[m, k], 90) * 100:.1f}%"
            for m in models
            for k in metrics
        ]
        lines.append(f"| {us:g} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    engines = sys.argv[sys.argv.index("--engine") + 1] if "--engine" in sys.argv else ",".join(ENGINES)
    rows = load()
    if "--host-per-seq" in sys.argv:
        costs = [float(x) for x in sys.argv[sys.argv.index("--host-per-seq") + 1].split(",")]
        for engine in engines.split(","):
            print(f"### Host work per sequence per step, profile {engine!r} (median / p90 |error|, steady runs)\n")
            print("\n".join(host_per_seq(rows, engine, [0.0, *costs])), end="\n\n")
        return
    if "--calibrated" in sys.argv:
        for engine in engines.split(","):
            print(f"### Calibrated on each deployment's runs at <= {FIT_MAX_CLIENTS} clients, profile {engine!r}\n")
            print("\n".join(calibrated(rows, engine)), end="\n\n")
        return
    for engine in engines.split(","):
        runs = list(zip(rows, simulated_rows([(r, None) for r in rows], engine)))
        errs = errors(runs)
        print(f"### {len(rows)} closed-loop runs ({TABLE.name}), simulated with engine profile {engine!r}\n")
        print("All runs:\n\n" + "\n".join(summary(errs)), end="\n\n")
        held = [(r, d) for r, d in errs if steady(r)]
        print(f"The {len(held)} runs measured in a steady state (Little's law within {STEADY_TOLERANCE:.0%}):\n")
        print("\n".join(summary(held)), end="\n\n")
        print("\n".join(grouped(errs, lambda r: (r["model"], r["gpu"], "tp" + r["tp"], r["weights"]), "deployment")))
        print()
        print("\n".join(grouped(errs, lambda r: (int(r["concurrency"]),), "concurrency")), end="\n\n")
        print("\n".join(solo_gaps(runs)), end="\n\n")
        print("Choosing by the simulation (per model, GPU and shape; TP, dtype and clients among the runs):\n")
        print("\n".join(choices(runs)), end="\n\n")


if __name__ == "__main__":
    main()
