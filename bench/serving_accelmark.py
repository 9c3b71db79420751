"""The simulator against AccelMark's online runs: one vLLM harness at Poisson rates on five GPU types (never fitted).

Reads bench/data/published_accelmark.csv and bench/data/accelmark_prompt_tokens.csv (bench/accelmark_rows.py:
vLLM 0.7.3 in process, Llama-3-8B on one A100-40GB, A100-80GB, H100, H200 or L4 and Llama-3-70B on 8 x A100-40GB
or 8 x H200, at 5/25/100 and 2/5/10/25 requests a second) and simulates every run as AccelMark's loadgen drove it:
the first 300 (8B) or 200 (70B) prompts in order, Poisson arrivals from Python's `random.Random(42)`
`expovariate` drawn level after level and run after run as loadgen/loadgen.py draws them, 3 runs a level, TTFT and
TPOT ((E2E - TTFT) / (output - 1)) percentiles over the pooled requests.
Engine: vLLM 0.7.3 is the V0 engine (`vllm-v0.6`'s step costs) at its defaults for `AsyncEngineArgs` with
max_model_len 4096 (no chunked prefill, so prefill steps run alone and take up to max(4096, 2048) tokens;
max_num_seqs 256; paged KV in 16-token blocks at gpu_memory_utilization 0.9, the memory model's capacity); in
process, so no HTTP front end.
Lengths: each prompt's `input_tokens` plus the chat template's tokens (the engine's mean prompt, from the offline
runs that state it, less the dataset's mean over the same 100 prompts). Outputs are greedy with max_tokens 512,
and no file states them per request: each run's mean is its offline scenario's (output tok/s x elapsed / 100),
and the outputs are drawn once (seed 0) as a share at the 512 cap and the rest uniform below it, the share set by
that mean (outputs are the same on every GPU). TPOT p90/p99 depend on that assumed spread; TTFT p50 and TPOT p50
mostly on the mean.
  --calibrated  what a log at two loads buys: per submission, the host costs (Efficiency.step_overhead_s,
            step_overhead_per_seq_s, request_overhead_s) chosen on its two lowest levels' TPOT p50 and TTFT p50,
            the higher levels predicted with them (held out by load).
Usage: .venv/bin/python bench/serving_accelmark.py [--calibrated]   (~1 s; --calibrated ~1 min on 2 cores)
"""

import csv
import dataclasses
import functools
import itertools
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from recommend.deployment import deployment  # noqa: E402
from recommend.engine_config import engine_fields  # noqa: E402
from recommend.roofline import StepModel, efficiency_for  # noqa: E402
from recommend.simulate import EngineSpec, simulate  # noqa: E402

TABLE = HERE / "data" / "published_accelmark.csv"
PROMPTS = HERE / "data" / "accelmark_prompt_tokens.csv"
ENGINE = "vllm-v0.6"  # vLLM V0's step costs (0.7.3 runs V0 unless VLLM_USE_V1=1)
MAX_MODEL_LEN = 4096  # suites A and B
MAX_TOKENS = 512  # the runner's SamplingParams(max_tokens=512, temperature=0)
MAX_NUM_SEQS = 256  # vLLM V0's default (the runner passes max_num_seqs to its offline LLM only)
# vLLM V1 (engine `vllm`; the 0.20.1 runner) chunks prompts into steps of this many tokens mixed with decodes. The
# in-process default is not stated by any file here: a light level, where no batch limit binds, is all it is used for.
V1_TOKENS = 2048
SEED = 42  # loadgen.SAMPLE_SEED
RUNS = 3  # suites A and B num_runs
REQUESTS = {"A": 300, "B": 200}  # online_request_count
OFFLINE_PROMPTS = 100  # the offline scenario's request_count, over which the per-run means are stated
STEP_GRID_MS = tuple(x / 2 for x in range(0, 31))  # 0-15 ms a step (the V0 profile's own: 2 ms)
PER_SEQ_GRID_US = tuple(range(0, 310, 10))  # 0-300 us a running sequence a step (the V0 profile's own: 30)
REQUEST_GRID_MS = tuple(range(0, 41))  # 0-40 ms a request
METRICS = ("ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99", "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99")


def load() -> list[dict]:
    with open(TABLE, newline="") as f:
        return list(csv.DictReader(f))


@functools.cache
def prompt_tokens() -> np.ndarray:
    """The dataset's prompt token counts in order (read once: every simulation of a level takes them)."""
    with open(PROMPTS, newline="") as f:
        return np.array([int(r["input_tokens"]) for r in csv.DictReader(f)])


def template_tokens(rows: list[dict]) -> int:
    """Tokens the chat template adds to every prompt: the engine's mean prompt (runs that state it) less the
    dataset's own mean over the same first 100 prompts."""
    seen = [float(r["mean_prompt_tokens"]) for r in rows if r["mean_prompt_tokens"]]
    return round(float(np.median(seen)) - float(prompt_tokens()[:OFFLINE_PROMPTS].mean()))


def outputs(n: int, mean: float) -> np.ndarray:
    """n greedy output lengths with this mean: a share at MAX_TOKENS, the rest uniform on 1..MAX_TOKENS-1."""
    rng = np.random.default_rng(0)
    capped = rng.random(n) < (mean - MAX_TOKENS / 2) / (MAX_TOKENS / 2)
    return np.where(capped, MAX_TOKENS, rng.integers(1, MAX_TOKENS, n))


def arrivals(levels: list[float], n: int) -> dict[float, list[np.ndarray]]:
    """Each level's RUNS arrival sequences, drawn in loadgen's order from one random.Random(SEED)."""
    rng = random.Random(SEED)
    return {
        q: [np.array(list(itertools.accumulate(rng.expovariate(q) for _ in range(n)))) for _ in range(RUNS)]
        for q in levels
    }


def simulated(
    group: list[dict], template: int, level: float | None = None, engine: str = ENGINE, **overrides
) -> dict[float, dict[str, float]]:
    """One submission's levels simulated (or only `level`, on the arrivals loadgen drew for it after the levels
    before it): its metrics by QPS; overrides are Efficiency fields, e.g. a calibration's. engine: ENGINE (V0, its
    prefill steps alone) or `vllm` (V1: prompts chunked into V1_TOKENS a step with the decodes)."""
    r = group[0]
    n = REQUESTS[r["suite"]]
    dep = deployment(model=r["model"], gpu=r["gpu"], tp=int(r["tp"]), engine=engine, weights=r["weights"])
    eff = dataclasses.replace(efficiency_for(dep), **overrides)
    v0 = engine == ENGINE
    spec = EngineSpec(
        max_num_seqs=MAX_NUM_SEQS,
        max_num_batched_tokens=max(MAX_MODEL_LEN, 2048) if v0 else V1_TOKENS,
        max_model_len=MAX_MODEL_LEN,
        **{**engine_fields(dep, eff), **({"mixed_prefill": False} if v0 else {})},
    )
    prompt = prompt_tokens()[:n] + template
    output = outputs(n, float(r["mean_output_tokens"]))
    step_s = StepModel(dep, eff).step_s
    out = {}
    for qps, runs in arrivals([float(x["qps"]) for x in group], n).items():
        if level is not None and qps != level:
            continue
        results = [simulate(a, prompt, output, engine=spec, step_s=step_s) for a in runs]
        ttft = np.concatenate([x.ttft_ms for x in results])
        tpot = np.concatenate([x.tpot_ms for x in results])
        tpot = tpot[~np.isnan(tpot)]
        out[qps] = {
            **{f"ttft_ms_p{p}": float(np.percentile(ttft, p)) for p in (50, 90, 99)},
            **{f"tpot_ms_p{p}": float(np.percentile(tpot, p)) for p in (50, 90, 99)},
        }
    return out


def submissions(rows: list[dict]) -> list[list[dict]]:
    """The rows of each submission (one machine, one suite), in QPS order."""
    groups = defaultdict(list)
    for r in rows:
        groups[(r["suite"], r["gpu"], r["tp"], r["version"])].append(r)
    return [sorted(g, key=lambda r: float(r["qps"])) for g in groups.values()]


def errors(rows: list[dict]) -> list[tuple[dict, str, float, float]]:
    """(row, metric, measured, simulated) for every row and metric."""
    template = template_tokens(rows)
    out = []
    for group in submissions(rows):
        sim = simulated(group, template)
        out += [(r, m, float(r[m]), sim[float(r["qps"])][m]) for r in group for m in METRICS]
    return out


def calibration(group: list[dict], template: int) -> dict[str, float]:
    """What a user's log at two loads fixes, on the submission's two lowest levels: the step overhead that puts the
    lightest level's TPOT p50 on the measured one, the cost per running sequence a step that does the same at the
    next level (the batch is larger there), the step overhead again with it, and the per-request overhead that
    matches the lightest level's TTFT p50 (grids STEP_GRID_MS, PER_SEQ_GRID_US, REQUEST_GRID_MS; the closest
    log ratio wins)."""

    def miss(row: dict, metric: str, **fields) -> float:
        got = simulated(group, template, float(row["qps"]), **fields)[float(row["qps"])][metric]
        return abs(np.log(got / float(row[metric])))

    light, busier = group[0], group[1]
    fit = {}
    for field, grid, row, metric in (
        ("step_overhead_s", STEP_GRID_MS, light, "tpot_ms_p50"),
        ("step_overhead_per_seq_s", PER_SEQ_GRID_US, busier, "tpot_ms_p50"),
        ("step_overhead_s", STEP_GRID_MS, light, "tpot_ms_p50"),
        ("request_overhead_s", REQUEST_GRID_MS, light, "ttft_ms_p50"),
    ):
        scale = 1e-6 if field == "step_overhead_per_seq_s" else 1e-3
        fit[field] = min((v * scale for v in grid), key=lambda v: miss(row, metric, **{**fit, field: v}))
    return fit


def calibrated(rows: list[dict]) -> str:
    """--calibrated: each submission's host costs chosen on its two lowest levels, the others predicted with them."""
    template = template_tokens(rows)
    lines = [
        "| GPU (suite) | step ms | per sequence us | request ms | held-out level | TTFT p50 before | after | "
        "TPOT p50 before | after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    before, after = defaultdict(list), defaultdict(list)
    for group in submissions(rows):
        fit = calibration(group, template)
        base, tuned = simulated(group, template), simulated(group, template, **fit)
        for r in group[2:]:
            q = float(r["qps"])
            cells = []
            for m in ("ttft_ms_p50", "tpot_ms_p50"):
                b, a = base[q][m] / float(r[m]) - 1, tuned[q][m] / float(r[m]) - 1
                before[m].append(abs(b))
                after[m].append(abs(a))
                cells += [f"{b:+.0%}", f"{a:+.0%}"]
            lines.append(
                f"| {r['gpu']} x{r['tp']} ({r['suite']}) | {fit['step_overhead_s'] * 1e3:.1f} | "
                f"{fit['step_overhead_per_seq_s'] * 1e6:.0f} | {fit['request_overhead_s'] * 1e3:.0f} | {r['qps']} QPS | "
                f"{' | '.join(cells)} |"
            )
    lines += ["", "| held-out levels | median APE before | after |", "|---|---|---|"]
    lines += [f"| {m} | {np.median(before[m]):.0%} | {np.median(after[m]):.0%} |" for m in before]
    return "\n".join(lines)


def main() -> None:
    rows = load()
    if "--calibrated" in sys.argv:
        print(calibrated(rows))
        return
    found = errors(rows)
    print(f"chat template: {template_tokens(rows)} tokens a prompt\n")
    print("| suite | GPU | TP | QPS | metric | measured | simulated | error |\n|---|---|---|---|---|---|---|---|")
    for r, m, want, got in found:
        print(
            f"| {r['suite']} | {r['gpu']} | {r['tp']} | {r['qps']} | {m} | {want:,.1f} | {got:,.1f} | "
            f"{got / want - 1:+.0%} |"
        )
    print("\n| metric | rows | median APE | p90 APE | signed median |\n|---|---|---|---|---|")
    for m in METRICS:
        e = np.array([got / want - 1 for _, mm, want, got in found if mm == m])
        print(
            f"| {m} | {e.size} | {np.median(np.abs(e)) * 100:.0f}% | {np.percentile(np.abs(e), 90) * 100:.0f}% | "
            f"{np.median(e) * 100:+.0f}% |"
        )
    print("\n| GPU (suite) | TTFT p50 signed, by QPS | TPOT p50 signed, by QPS |\n|---|---|---|")
    by = defaultdict(lambda: defaultdict(list))
    for r, m, want, got in found:
        if m in ("ttft_ms_p50", "tpot_ms_p50"):
            by[(r["gpu"], r["suite"], r["tp"])][m].append(f"{r['qps']}: {got / want - 1:+.0%}")
    for (gpu, suite, tp), ms in by.items():
        print(f"| {gpu} x{tp} ({suite}) | {', '.join(ms['ttft_ms_p50'])} | {', '.join(ms['tpot_ms_p50'])} |")


if __name__ == "__main__":
    main()
