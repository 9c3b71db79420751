"""`tracefit predict` against NVIDIA's own TensorRT-LLM v0.9.0 static-batch sweep; and the fit of the static engines'
fixed costs on it (`--fit`).

The sweep is dataset/trt_llm_0_9_0_dli.csv of NVIDIA DLI's 'Sizing LLM Inference Systems' course notebooks as
kept in github.com/wbing520/ai-performance-engineering (Apache-2.0) at SOURCE: 3,449 TensorRT-LLM v0.9.0
static runs (XQA on, fake weights, one run after one warm-up) of GPT-J 6B, Llama-2 7B/13B/70B, Mistral 7B,
Mixtral 8x7B and Falcon 180B on A100-80GB, H100 SXM, H100 NVL, H200, GH200, L40S and L40, FP8 or fp16
('Mixed'), batch 1-1536, ISL/OSL 128/128, 128/2048, 128/4096, 2048/128, 2048/2048: end-to-end latency and
first-token latency. Not stored here (pass the file from `git show` of a clone at SOURCE's commit).
It is the same release and, by its batch sizes, the same campaign as the v0.9.0 performance.md table that
bench/data/published_runs.csv calibrates on, so it checks the batch sizes and shapes that table left out
(rows of a configuration the table has are counted apart). Left out: runs without a latency (failed), L40
(not in the catalog), pipeline parallel, and Mixtral: with fake weights its router does not spread tokens
over experts as trained weights do, so its step times say nothing about a real deployment.
Each run is predicted as the v0.9.0 table's are: engine `trtllm-xqa`, FP8 weights with FP8 KV, fp16 otherwise.

--fit sets the three fixed costs of the TensorRT-LLM static engines (trtllm-legacy, trtllm-xqa; profiles/engines.py
STATIC_*) that the 211-row calibration table cannot separate (it has no decode at batch 1-8): per layer of a
generation step, per layer of a context (prefill) step, per sequence per step. Grid point with the lowest mean APE
of e2e latency plus mean APE of first-token latency over the runs (the first-token latency pins the context step)
plus mean APE of e2e over the calibration table; and leave-one-GPU-out: each GPU's runs predicted by the grid point
fit without that GPU (its sweep runs and its table rows).
Usage: .venv/bin/python bench/predict_sweep.py trt_llm_0_9_0_dli.csv [--rows] (~2 s) | --fit (~2-3 min on 2 cores)
"""

import csv
import dataclasses
import functools
import itertools
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from profiles import ENGINES, Engine  # noqa: E402
from recommend.deployment import deployment  # noqa: E402
from recommend.errors import RecommendError  # noqa: E402
from recommend.predict import predict_static  # noqa: E402
from recommend.predict_table import predict_rows, read_table  # noqa: E402

SOURCE = (
    "https://github.com/wbing520/ai-performance-engineering/blob/5a4d0c37a3231b2ff8a268df7f129be259c48a48/"
    "code/ch11_inference/inference_gpu_cluster_sizing/dataset/trt_llm_0_9_0_dli.csv"
)
GPUS = {
    "A100-SXM4-80GB": "a100-80gb-sxm",
    "GH200 120GB": "gh200",
    "H100 80GB HBM3": "h100-sxm",
    "H100 NVL": "h100-nvl",
    "H200 141GB HBM3": "h200",
    "L40S": "l40s",
}
MODELS = {
    "GPTJ 6B": "gpt-j-6b",
    "LLaMA v2 7B": "llama-2-7b",
    "LLaMA v2 13B": "llama-2-13b",
    "LLaMA v2 70B": "llama-2-70b",
    "Mistral 7B": "mistral-7b",
    "Falcon 180B": "falcon-180b",
}
CALIBRATION = HERE / "data" / "published_runs.csv"
# The static engines' fixed costs (`--fit`), each over values around its fit; the shipped defaults are the full fit.
STATIC_ENGINES = ("trtllm-legacy", "trtllm-xqa")
FIT_GRID = {
    "layer_overhead_s": (50e-6, 60e-6, 70e-6, 80e-6),
    "context_layer_extra_s": (20e-6, 30e-6, 40e-6, 50e-6, 60e-6, 70e-6),
    "step_overhead_per_seq_s": (5e-6, 10e-6, 15e-6, 20e-6, 25e-6),
}


def sweep_rows(path: Path) -> tuple[list[dict], Counter]:
    """The sweep's runs as prediction inputs with their measured e2e and first-token seconds; and why others
    were left out."""
    rows, left = [], Counter()
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if not r["Latency (ms)"]:
                left["no latency (the run failed)"] += 1
            elif r["GPU"] not in GPUS:
                left[f"{r['GPU']} not in the catalog"] += 1
            elif r["Model"] not in MODELS:
                left[f"{r['Model']} (MoE with fake weights)" if "Mixtral" in r["Model"] else r["Model"]] += 1
            elif r["Pipeline Model Parallel Size"] != "1":
                left["pipeline parallel"] += 1
            else:
                isl, osl = (int(x) for x in r["Input/Output Lengths"].split(","))
                dtype = "fp8" if r["Precision"] == "FP8" else "fp16"
                rows.append(
                    {
                        "model": MODELS[r["Model"]],
                        "gpu": GPUS[r["GPU"]],
                        "tp": int(r["Tensor Model Parallel Size"]),
                        "dtype": dtype,
                        "batch": int(r["Batch Size"]),
                        "isl": isl,
                        "osl": osl,
                        "e2e_s": float(r["Latency (ms)"]) / 1e3,
                        "first_token_ms": float(r["1st Token Latency (ms)"]),
                    }
                )
    return rows, left


@functools.cache
def calibration_keys() -> frozenset[tuple]:
    """The configurations of the calibration table's v0.9.0 rows (read once: `fit` predicts the runs many times)."""
    return frozenset(
        (r["model"], r["gpu"], int(r["tp"]), int(r["batch"]), int(r["isl"]), int(r["osl"]))
        for r in read_table(CALIBRATION)
        if "v0.9.0" in r["source"]
    )


def predicted(rows: list[dict], engines: Mapping[str, Engine] | None = None) -> tuple[list[dict], int]:
    """Rows with signed errors of e2e and first-token latency; and how many do not fit (weights or KV).
    `engines` replaces catalog engines by name (what `fit` tries)."""
    out, unfit = [], 0
    table = calibration_keys()
    for r in rows:
        dep = deployment(
            model=r["model"], gpu=r["gpu"], tp=r["tp"], weights=r["dtype"], kv=r["dtype"], engine="trtllm-xqa"
        ).with_engine_from(engines)
        try:
            p = predict_static(dep, batch=r["batch"], isl=r["isl"], osl=r["osl"])
        except RecommendError:
            unfit += 1
            continue
        key = (r["model"], r["gpu"], r["tp"], r["batch"], r["isl"], r["osl"])
        out.append(
            r
            | {
                "e2e_err": p.e2e_s / r["e2e_s"] - 1,
                "first_token_err": p.ttft_ms / r["first_token_ms"] - 1,
                "in_table": key in table,
                "predicted_e2e_s": p.e2e_s,
            }
        )
    return out, unfit


def batch_band(batch: int) -> str:
    return "1-8" if batch <= 8 else "16-64" if batch <= 64 else "65+"


def ape(errs) -> str:
    """Median | p90 of the absolute errors."""
    a = np.abs(np.asarray(errs))
    return f"{np.median(a) * 100:.1f}% | {np.percentile(a, 90) * 100:.1f}%"


def stats(errs: list[float]) -> str:
    return f"{ape(errs)} | {np.median(errs) * 100:+.0f}%"


def report(done: list[dict]) -> list[str]:
    lines = []
    for title, key in (
        ("GPU", lambda r: r["gpu"]),
        ("model", lambda r: r["model"]),
        ("batch", lambda r: batch_band(r["batch"])),
        ("GPU, batch", lambda r: f"{r['gpu']} {batch_band(r['batch'])}"),
        ("configuration", lambda r: "in the calibration table" if r["in_table"] else "not in it"),
        ("all", lambda r: "all"),
    ):
        groups = defaultdict(list)
        for r in done:
            groups[key(r)].append(r)
        lines += [
            f"| {title} | runs | e2e median APE | p90 | signed median | first token median APE | p90 | signed median |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for k, rs in sorted(groups.items()):
            e2e = stats([r["e2e_err"] for r in rs])
            first = stats([r["first_token_err"] for r in rs])
            lines.append(f"| {k} | {len(rs)} | {e2e} | {first} |")
        lines.append("")
    return lines


def static_engines(params: dict) -> dict[str, Engine]:
    """The static engines with `params` replacing their efficiency fields."""
    return {
        n: dataclasses.replace(ENGINES[n], efficiency=dataclasses.replace(ENGINES[n].efficiency, **params))
        for n in STATIC_ENGINES
    }


def table_errors(table: list[dict], engines: Mapping[str, Engine]) -> np.ndarray:
    """Signed e2e errors of the calibration table's rows (bench/data/published_runs.csv) under `engines`."""
    return np.array([r["e2e_s"] / float(r["row_e2e_s"]) - 1 for r in predict_rows(table, engines)])


def fit(rows: list[dict], grid: Mapping[str, tuple] = FIT_GRID, table: list[dict] | None = None):
    """The grid point with the lowest loss over everything; per GPU, the point fit without that GPU's runs
    (sweep and table); and each sweep run's held-out signed e2e error (by its GPU's point), in row order.

    Loss: mean APE of e2e plus mean APE of first-token latency over the sweep's runs, plus mean APE of e2e over
    the calibration table's rows (default bench/data/published_runs.csv; [] for none), so neither source sets the
    costs against the other. Sweep rows that do not fit (weights or KV) are dropped first."""
    table = read_table(CALIBRATION) if table is None else table
    combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    e2e, first, table_ape, kept = [], [], [], None
    for i, c in enumerate(combos):
        engines = static_engines(c)
        done, _ = predicted(rows, engines)
        kept = kept or done
        e2e.append([r["e2e_err"] for r in done])
        first.append([r["first_token_err"] for r in done])
        table_ape.append(np.abs(table_errors(table, engines)) if table else np.zeros(0))
        print(f"\r  grid point {i + 1}/{len(combos)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    e2e, first, table_ape = np.asarray(e2e), np.asarray(first), np.asarray(table_ape)
    run_loss = np.abs(e2e) + np.abs(first)  # combos x runs

    def loss(runs: np.ndarray, rows_of_table: np.ndarray) -> np.ndarray:
        part = table_ape[:, rows_of_table].mean(axis=1) if rows_of_table.any() else 0.0
        return run_loss[:, runs].mean(axis=1) + part

    gpus = np.array([r["gpu"] for r in kept])
    table_gpus = np.array([r["gpu"] for r in table])
    full = combos[int(np.argmin(loss(np.ones(len(kept), bool), np.ones(len(table), bool))))]
    per_gpu, held = {}, np.zeros(len(kept))
    for g in dict.fromkeys(gpus):
        test = gpus == g
        best = int(np.argmin(loss(~test, table_gpus != g)))
        per_gpu[g] = combos[best]
        held[test] = e2e[best, test]
    return full, per_gpu, held


def fit_report(path: Path) -> list[str]:
    rows, _ = sweep_rows(path)
    full, per_gpu, held = fit(rows)
    shipped, _ = predicted(rows)
    gpus = [r["gpu"] for r in shipped]
    lines = [
        f"Fit of the static engines' fixed costs on {len(shipped)} runs of {path.name} and {CALIBRATION.name}, over {dict(FIT_GRID)}",
        f"full fit (the shipped defaults should equal it): {full}",
        "",
        "| GPU | runs | held-out point (fit on the other GPUs) | held-out e2e median APE | p90 | in-sample (shipped) median | p90 |",
        "|---|---|---|---|---|---|---|",
    ]
    shipped_err = np.array([r["e2e_err"] for r in shipped])
    for g in sorted(per_gpu):
        m = np.array([x == g for x in gpus])
        point = {k: round(v * 1e6, 1) for k, v in per_gpu[g].items()}
        lines.append(f"| {g} | {m.sum()} | {point} (us) | {ape(held[m])} | {ape(shipped_err[m])} |")
    lines.append(f"| all | {len(gpus)} | leave-one-GPU-out | {ape(held)} | {ape(shipped_err)} |")
    return lines


def main(path: Path, show_rows: bool) -> None:
    rows, left = sweep_rows(path)
    done, unfit = predicted(rows)
    if unfit:
        left["does not fit (weights or KV)"] += unfit
    if show_rows:
        for r in done:
            print(
                f"{r['model']:12} {r['gpu']:14} tp{r['tp']} {r['dtype']:4} b{r['batch']:>5} {r['isl']:>5}/{r['osl']:<5} "
                f"measured {r['e2e_s']:8.3f}s predicted {r['predicted_e2e_s']:8.3f}s {r['e2e_err'] * 100:+6.1f}%"
            )
    print(
        f"{len(done)} runs of {path.name} (the static engines' per-layer and per-sequence costs are fit on them; "
        f"held out by GPU: --fit); left out: {dict(left)}\n"
    )
    print("\n".join(report(done)))


if __name__ == "__main__":
    if "--fit" in sys.argv:
        print("\n".join(fit_report(Path(sys.argv[1]))))
    else:
        main(Path(sys.argv[1]), "--rows" in sys.argv)
