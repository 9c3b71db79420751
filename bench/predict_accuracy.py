"""How close `tracefit predict` comes to published static-batch measurements, in-sample and held out.

Reads bench/data/published_runs.csv (every row cites its source), predicts e2e_s for each row and
reports absolute percentage error (APE) of e2e latency: median and p90 per GPU x engine x TP, per
GPU, per engine and overall, twice:
  in-sample              the shipped defaults (profiles/efficiency.py, profiles/engines.py), which were fit on this table;
  leave-one-source-out   the fitted defaults are refit on GRID with one source table left out at a
                         time (lowest MAPE on the others) and that table is predicted by the refit,
                         so no row is predicted by parameters that saw its table.
A source is one published table: its URL plus the table named before ':' in `measured`.
Usage: .venv/bin/python bench/predict_accuracy.py [--rows] [--validate ALL_RESULTS_CSV] [--offline]
(prints markdown; ~7 s)

--validate reads argonne-lcf/LLM-Inference-Bench's Plots/All_results.csv (BSD-3-Clause; not stored in
this repository: `git show 4211f5d:Plots/All_results.csv` in a clone) and prints a VALIDATION-ONLY table:
those rows never set a parameter (no grid point is chosen on them), because they match the description
of the issue's own held-out rows. See `validation_rows`.

--offline predicts bench/data/published_offline.csv (bench/offline_rows.py: dstack's vLLM benchmark_throughput
runs of Llama-3.1-405B FP8 on 8 x H100 SXM and on 8 and 4 x MI300X, every prompt handed over at once; never
fitted) as static batches on `vllm-v0.6` (both ran vLLM V0, 0.6.3 and 0.6.4) and prints a VALIDATION-ONLY
table by deployment and by whether the batch's KV fits, with each deployment's unexplained time per decode step.
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

from profiles import ENGINES, Engine  # noqa: E402
from recommend.deployment import deployment  # noqa: E402
from recommend.predict_table import predict_rows, read_table  # noqa: E402
from recommend.roofline import latency_floor_s_per_token  # noqa: E402

TABLE = HERE / "data" / "published_runs.csv"
# The defaults fit on this table (profiles/efficiency.py, profiles/engines.py), each over values around its fit.
GRID = {
    "hbm_fraction": (0.80, 0.85, 0.90),
    "gemm_fraction": (0.60, 0.70, 0.80),
    "moe_gemm_fraction": (0.6, 0.8, 1.0),
}


def source_of(row: dict) -> str:
    """One published table: its URL, plus the table named before ':' in `measured` where one is."""
    table = row["measured"].split(":")[0] if ":" in row["measured"] else ""
    return f"{row['source']} {table}".strip()


def signed_errors(rows: list[dict], engines: dict[str, Engine] | None = None) -> np.ndarray:
    """predicted / measured - 1 per row (rows that cannot be predicted raise: the table is curated)."""
    out = []
    for r in predict_rows(rows, engines):
        if "error" in r:
            raise SystemExit(f"ERROR {r['model']} {r['gpu']}: {r['error']}")
        out.append(r["e2e_s"] / float(r["row_e2e_s"]) - 1)
    return np.asarray(out)


def applies(field: str, engine: Engine) -> bool:
    """Hardware fractions apply to every engine; the MoE fraction to grouped-GEMM engines (not 1.0). (The
    TensorRT-LLM static engines' per-layer and per-sequence costs are fit on NVIDIA's v0.9 sweep, which has
    the small-batch decode this table lacks, together with this table: bench/predict_sweep.py --fit, which holds
    out by GPU.)"""
    if field == "moe_gemm_fraction":
        return engine.efficiency.moe_gemm_fraction != 1.0
    return True


def engines_with(params: dict) -> dict[str, Engine]:
    """Every catalog engine with the grid's fields replaced where they apply."""
    out = {}
    for name, e in ENGINES.items():
        fields = {k: v for k, v in params.items() if applies(k, e)}
        out[name] = dataclasses.replace(e, efficiency=dataclasses.replace(e.efficiency, **fields))
    return out


def held_out(rows: list[dict]) -> tuple[np.ndarray, list[str]]:
    """Leave-one-source-out: per source, the grid point with the lowest MAPE on the other sources."""
    combos = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    err = np.array([signed_errors(rows, engines_with(c)) for c in combos])  # combos x rows
    sources = np.array([source_of(r) for r in rows])
    full = int(np.argmin(np.abs(err).mean(axis=1)))
    out, picks = (
        np.zeros(len(rows)),
        [f"| (none: all tables, the shipped defaults' fit) | {len(rows)} | {combos[full]} |"],
    )
    for s in dict.fromkeys(sources):
        test = sources == s
        best = int(np.argmin(np.abs(err[:, ~test]).mean(axis=1)))
        out[test] = err[best, test]
        picks.append(f"| {s} | {test.sum()} | {combos[best]} |")
    return out, picks


def stats(ape: np.ndarray) -> str:
    return f"{np.median(ape) * 100:.1f}% | {np.percentile(ape, 90) * 100:.1f}%"


def table(title: str, keys: list[tuple], ins: np.ndarray, loso: np.ndarray) -> list[str]:
    groups = defaultdict(list)
    for i, k in enumerate(keys):
        groups[k].append(i)
    lines = [
        f"| {title} | rows | in-sample median | in-sample p90 | held-out median | held-out p90 |",
        "|---|---|---|---|---|---|",
    ]
    for k in sorted(groups):
        idx = groups[k]
        lines.append(f"| {' '.join(map(str, k))} | {len(idx)} | {stats(ins[idx])} | {stats(loso[idx])} |")
    return lines


# LLM-Inference-Bench hardware -> catalog GPU: Polaris (ALCF) nodes hold 4x A100-SXM4-40GB
# (docs.alcf.anl.gov/polaris/hardware-overview/machine-overview/); the JLSE H100 node's nvidia-smi reads
# "NVIDIA H100 80GB HBM3" (their llama.cpp/H100/README.MD) = SXM; JLSE GH200 = the 96 GB HBM3 part.
VALIDATION_GPUS = {"Nvidia A100 GPU": "a100-40gb-sxm", "Nvidia H100 GPU": "h100-sxm", "Nvidia GH200 GPU": "gh200"}
# Their TensorRT-LLM runs: v0.12.0 on GH200 (TensorRT-LLM/GH200/README.MD checks it out) and v0.11.0 on A100 and
# H100 (TensorRT-LLM/{A100/Benchmarking_Throughput,H100}/requirements.txt pin tensorrt_llm==0.11.0): paged KV, XQA
# on, the C++ executor (ModelRunnerCpp) -> `trtllm-cpp` (session 18; `trtllm` before). Their
# vLLM pins the requirements of vLLM v0.5.4-v0.6 (vLLM/A100/Throughput_measurement/requirements-cuda.txt:
# xformers 0.0.27.post2, vllm-flash-attn 2.6.1) -> `vllm-v0.6`.
VALIDATION_ENGINES = {"vLLM": "vllm-v0.6", "TensorRT-LLM": "trtllm-cpp"}
# How each harness fills a batch (@4211f5d). TensorRT-LLM: run_power.py / run_precision*.py `generate_input` copy one
# prompt ("France" x max_input_length) batch_size times, decoded greedily (utils.py --top_k default 1), so an MoE
# batch routes like one sequence. vLLM: benchmark_throughput.py draws every sequence's prompt ids at random.
IDENTICAL_PROMPTS = {"vLLM": False, "TensorRT-LLM": True}


def validation_rows(path: Path) -> tuple[list[dict], dict[str, int]]:
    """LLM-Inference-Bench static batches (fp16, ISL = OSL, `Latency` = e2e s of the whole batch) on NVIDIA
    GPUs with vLLM/TensorRT-LLM and a catalog model; plus counts of rows left out and why. A row faster than
    its weights can be streamed once per output token at datasheet bandwidth is physically impossible as
    stated (e.g. 0.05 s for 16 x 2048 tokens of Qwen2-7B) and is left out as a measurement error."""
    rows, dropped = [], defaultdict(int)
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["Hardware"] not in VALIDATION_GPUS or r["Framework"] not in VALIDATION_ENGINES:
                continue
            row = {
                "model": r["Model"],
                "gpu": VALIDATION_GPUS[r["Hardware"]],
                "tp": r["Num of Hardware"],
                "engine": VALIDATION_ENGINES[r["Framework"]],
                "weights": "fp16",
                "kv": "fp16",
                "batch": r["Batch Size"],
                "isl": r["Input Output Length"],
                "osl": r["Input Output Length"],
                "e2e_s": r["Latency"],
                "identical_prompts": str(IDENTICAL_PROMPTS[r["Framework"]]).lower(),
                "source": "argonne-lcf/LLM-Inference-Bench@4211f5d Plots/All_results.csv",
            }
            try:
                dep = deployment(
                    model=row["model"],
                    gpu=row["gpu"],
                    tp=int(row["tp"]),
                    engine=row["engine"],
                    weights="fp16",
                    kv="fp16",
                )
            except Exception:  # noqa: BLE001 - a model not in the catalog
                dropped["model not in the catalog"] += 1
                continue
            if float(row["e2e_s"]) < int(row["osl"]) * latency_floor_s_per_token(dep):
                dropped["faster than the weight-streaming floor"] += 1
                continue
            rows.append(row)
    return rows, dict(dropped)


def validation_table(path: Path) -> list[str]:
    rows, dropped = validation_rows(path)
    done = [r for r in predict_rows(rows) if "error" not in r]
    ape = np.abs(np.array([r["e2e_s"] / float(r["row_e2e_s"]) - 1 for r in done]))
    dropped["does not fit (KV or weights)"] = len(rows) - len(done)
    lines = [
        f"VALIDATION ONLY, never fitted: {len(done)} LLM-Inference-Bench rows ({path.name}); left out: {dropped}\n"
    ]
    for title, keys in (
        ("GPU engine TP", [(r["gpu"], r["engine"], f"tp{r['tp']}") for r in done]),
        ("GPU", [(r["gpu"],) for r in done]),
        ("engine", [(r["engine"],) for r in done]),
        ("all", [("all",) for _ in done]),
    ):
        groups = defaultdict(list)
        for i, k in enumerate(keys):
            groups[k].append(i)
        lines += [f"| {title} | rows | validation median | validation p90 |", "|---|---|---|---|"]
        lines += [f"| {' '.join(map(str, k))} | {len(v)} | {stats(ape[v])} |" for k, v in sorted(groups.items())]
        lines.append("")
    return lines


OFFLINE = HERE / "data" / "published_offline.csv"
OFFLINE_ENGINE = "vllm-v0.6"  # both runs' vLLM is V0 (0.6.3 on H100, the 0.6.4 ROCm build on MI300X)


def offline_table() -> list[str]:
    """--offline: the dstack 405B rows, signed and absolute errors by deployment and by KV fit, and the time per
    decode step the prediction leaves unexplained ((measured - predicted) / output tokens, median over the rows
    whose KV fits) next to the host-issue bound of an eager step (EAGER_HOST_S_PER_LAYER x layers)."""
    rows = [{**r, "engine": OFFLINE_ENGINE} for r in read_table(OFFLINE)]
    done = list(predict_rows(rows))
    bad = [r for r in done if "error" in r]
    if bad:
        raise SystemExit(f"ERROR {bad[0]['gpu']} {bad[0]['batch']}: {bad[0]['error']}")
    groups = defaultdict(list)
    for r in done:
        key = (r["gpu"], f"tp{r['tp']}", r["checkpoint"], "eager" if r["enforce_eager"] == "1" else "graphs")
        groups[key].append(r)
    lines = [
        f"VALIDATION ONLY, never fitted: {len(done)} vLLM benchmark_throughput runs of Llama-3.1-405B FP8 "
        f"({OFFLINE.name}), predicted as static batches on `{OFFLINE_ENGINE}`\n",
        "| GPU | TP | checkpoint | steps | rows | KV fits: rows, signed median, median APE | waves: rows, signed "
        "median | unexplained ms per decode step (KV fits) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, rs in sorted(groups.items()):
        err = np.array([r["e2e_s"] / float(r["row_e2e_s"]) - 1 for r in rs])
        fits = np.array([bool(r["kv_fits"]) for r in rs])
        gap_ms = [(float(r["row_e2e_s"]) - r["e2e_s"]) / int(r["osl"]) * 1e3 for r, f in zip(rs, fits) if f]
        waves = f"{(~fits).sum()}, {np.median(err[~fits]) * 100:+.0f}%" if (~fits).any() else "0"
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {len(rs)} | {fits.sum()}, "
            f"{np.median(err[fits]) * 100:+.0f}%, {np.median(np.abs(err[fits])) * 100:.0f}% | {waves} | "
            f"{np.median(gap_ms):.1f} |"
        )
    lines += ["", "| rows | median APE | p90 APE |", "|---|---|---|"]
    ape = np.abs([r["e2e_s"] / float(r["row_e2e_s"]) - 1 for r in done])
    lines.append(f"| all {len(done)} | {stats(ape)} |")
    return lines


def main(show_rows: bool) -> None:
    rows = read_table(TABLE)
    err = signed_errors(rows)
    if show_rows:
        for r, e in zip(predict_rows(rows), err):
            print(
                f"{r['engine']:13} {r['model']:13} {r['gpu']:14} tp{r['tp']} {r['weights']:4} b{r['batch']:>5} "
                f"{r['isl']:>5}/{r['osl']:<5} measured {float(r['row_e2e_s']):8.3f}s predicted "
                f"{r['e2e_s']:8.3f}s {e * 100:+6.1f}%"
            )
    loso, picks = held_out(rows)
    ins, loso = np.abs(err), np.abs(loso)
    n_sources = len(picks) - 1
    print(
        f"e2e_s absolute percentage error, {len(rows)} rows from {n_sources} source tables; held-out = "
        f"leave-one-source-out refit over {GRID}\n"
    )
    for title, keys in (
        ("GPU engine TP", [(r["gpu"], r["engine"], f"tp{r['tp']}") for r in rows]),
        ("GPU", [(r["gpu"],) for r in rows]),
        ("engine", [(r["engine"],) for r in rows]),
        ("all", [("all",) for _ in rows]),
    ):
        print("\n".join(table(title, keys, ins, loso)) + "\n")
    print("| held-out source table | rows | refit on the other tables |\n|---|---|---|")
    print("\n".join(picks))


if __name__ == "__main__":
    if "--offline" in sys.argv:
        print("\n".join(offline_table()))
    elif "--validate" in sys.argv:
        print("\n".join(validation_table(Path(sys.argv[sys.argv.index("--validate") + 1]))))
    else:
        main("--rows" in sys.argv)
