"""How close the continuous-batching simulator comes to published serving measurements.

Reads bench/data/published_serving.csv (one measured metric per row, each citing its source: engine,
version, model, GPU, TP, Poisson request rate or 'inf' for all-at-once, number of prompts), rebuilds
the benchmark's traffic and simulates it with `recommend.simulate` on `roofline.StepModel` steps:
  lengths   ShareGPT prompt/output token counts (../shared/data/length-stats, vidur's sample, Llama-2
            tokenizer) with sglang/vLLM bench_serving's filter (4 <= prompt <= 1024, output >= 4,
            prompt + output <= 2048), scaled so their means match the benchmark's own totals
            (SGLang issue #2097, the same command and seed: 269,081 input and 226,901 output tokens
            over 1,200 prompts: 224.2 and 189.1 per request, Llama-3 tokenizer);
  arrivals  Poisson at the stated rate (seeded), or all at t=0 for 'inf';
  engine    the engine's catalog defaults (max_num_seqs 256, its token budget and block size) and
            the KV capacity the memory model gives for the deployment.
Prints the predicted/measured pairs and the median / p90 absolute percentage error per metric.
Usage: .venv/bin/python bench/serving_accuracy.py   (~1 min on 2 cores)
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from recommend.deployment import deployment  # noqa: E402
from recommend.memory import kv_capacity_tokens  # noqa: E402
from recommend.roofline import StepModel  # noqa: E402
from recommend.simulate import EngineSpec, simulate  # noqa: E402

TABLE = HERE / "data" / "published_serving.csv"
SHAREGPT = HERE.parent.parent / "shared" / "data" / "length-stats" / "sharegpt_8k_filtered_stats_llama2_tokenizer.csv"
MEAN_PROMPT_TOKENS, MEAN_OUTPUT_TOKENS = 269_081 / 1200, 226_901 / 1200  # github.com/sgl-project/sglang/issues/2097
MAX_MODEL_LEN = 4096  # both servers' --max_model_len in the benchmark's commands
SEED = 42


def sharegpt_lengths() -> tuple[np.ndarray, np.ndarray]:
    """Filtered ShareGPT (prompt, output) token counts, scaled to the benchmark's mean lengths."""
    with open(SHAREGPT, newline="") as f:
        pairs = [(int(r["num_prefill_tokens"]), int(r["num_decode_tokens"])) for r in csv.DictReader(f)]
    kept = np.array([(p, o) for p, o in pairs if 4 <= p <= 1024 and o >= 4 and p + o <= 2048], dtype=float)
    prompt, output = kept[:, 0], kept[:, 1]
    return (np.maximum(1, np.round(prompt * MEAN_PROMPT_TOKENS / prompt.mean())).astype(np.int64),
            np.maximum(2, np.round(output * MEAN_OUTPUT_TOKENS / output.mean())).astype(np.int64))


def traffic(rate: str, n: int, lengths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    pick = rng.choice(len(lengths[0]), size=n, replace=False)
    arrival = np.zeros(n) if rate == "inf" else np.cumsum(rng.exponential(1.0 / float(rate), size=n))
    return arrival, lengths[0][pick], lengths[1][pick]


def simulated(run: tuple, lengths) -> dict[str, float]:
    engine, model, gpu, tp, rate, n = run
    dep = deployment(model=model, gpu=gpu, tp=int(tp), engine=engine)
    spec = EngineSpec(max_num_seqs=256, max_num_batched_tokens=min(dep.engine.max_batched_tokens, 8192),
                      max_model_len=MAX_MODEL_LEN, kv_capacity_tokens=kv_capacity_tokens(dep),
                      block_tokens=dep.engine.kv_block_tokens)
    arrival, prompt, output = traffic(rate, int(n), lengths)
    res = simulate(arrival, prompt, output, engine=spec, step_s=StepModel(dep).step_s)
    return {"ttft_p50_ms": res.ttft.p50_ms, "ttft_p95_ms": res.ttft.p95_ms, "ttft_p99_ms": res.ttft.p99_ms,
            "tpot_p50_ms": res.tpot.p50_ms, "e2e_p50_ms": res.e2e.p50_ms,
            "output_tok_s": float(output.sum()) / res.span_s}


def main() -> None:
    with open(TABLE, newline="") as f:
        rows = list(csv.DictReader(f))
    lengths = sharegpt_lengths()
    runs = {}
    ape = defaultdict(list)
    print("| engine | version | model | GPU | TP | rate | metric | measured | simulated | error |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        key = (r["engine"], r["model"], r["gpu"], r["tp"], r["request_rate"], r["num_prompts"])
        if key not in runs:
            runs[key] = simulated(key, lengths)
        got, want = runs[key][r["metric"]], float(r["measured_value"])
        err = got / want - 1
        ape[r["metric"]].append(abs(err))
        print(f"| {r['engine']} | {r['version']} | {r['model']} | {r['gpu']} | {r['tp']} | {r['request_rate']} | "
              f"{r['metric']} | {want:,.1f} | {got:,.1f} | {err * 100:+.0f}% |")
    print("\n| metric | rows | median APE | p90 APE |\n|---|---|---|---|")
    for metric, a in ape.items():
        print(f"| {metric} | {len(a)} | {np.median(a) * 100:.0f}% | {np.percentile(a, 90) * 100:.0f}% |")


if __name__ == "__main__":
    main()
