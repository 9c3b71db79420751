"""Write bench/data/published_accelmark.csv and bench/data/accelmark_prompt_tokens.csv from AccelMark's results.

AccelMark (github.com/FreedomIntelligence/AccelMark at SOURCE's commit, Apache-2.0) runs one harness on many
accelerators; a result under results/verified/ was reproduced on the same hardware within 5%. Used here: its
NVIDIA reference runner (runners/nvidia_vllm_47f5d58e: vLLM 0.7.3, `AsyncLLMEngine` in process, no HTTP, default
engine arguments but gpu_memory_utilization 0.9 and max_model_len 4096; greedy, max_tokens 512) on suite A
(Llama-3-8B-Instruct bf16, one GPU) and suite B (Llama-3-70B-Instruct bf16, TP over the GPUs), online scenario:
the dataset's first 300 (A) / 200 (B) prompts sent with Poisson arrivals at each QPS level, 3 runs a level, TTFT
and TPOT ((total - TTFT) / (output - 1)) percentiles over the pooled requests (loadgen/loadgen.py).
Kept: GPUs the catalog has. Per result, the mean prompt and output tokens the engine saw come from the same
submission's offline scenario (its first 100 prompts at once: output tok/s and total tok/s x elapsed / 100; older
submissions state output tok/s only, so their prompt mean is left blank).
The prompts' text is not stored: only datasets/sharegpt_standard_v1/requests.jsonl's `input_tokens` of the first
300 prompts, in order. Usage (a clone at SOURCE's commit, or its mirror's files):
  .venv/bin/python bench/accelmark_rows.py ACCELMARK_CLONE
"""

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "https://github.com/FreedomIntelligence/AccelMark/blob/5797fc4/"
RUNNER = "nvidia_vllm_47f5d58e"
SUITES = {"A": "llama-3-8b", "B": "llama-3-70b"}  # suites/suite_*/suite.json model_id
GPUS = {  # the result's chip name -> catalog GPU
    "NVIDIA A100-SXM4-40GB": "a100-40gb-sxm",
    "NVIDIA A100-SXM4-80GB": "a100-80gb-sxm",
    "NVIDIA H100 80GB HBM3": "h100-sxm",
    "NVIDIA H200": "h200",
    "NVIDIA L4": "l4",
}
DATASET = "datasets/sharegpt_standard_v1/requests.jsonl"
PROMPTS = 300  # suite A's online_request_count (suite B sends the first 200)
METRICS = ("ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99", "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99")
COLUMNS = [
    "suite",
    "engine",
    "version",
    "model",
    "gpu",
    "tp",
    "weights",
    "qps",
    "mean_prompt_tokens",
    "mean_output_tokens",
    *METRICS,
    "source",
]


def rows(clone: Path) -> list[dict]:
    out = []
    for folder in sorted((clone / "results" / "verified").iterdir()):
        suite = next((s for s in SUITES if f"_suite_{s}_{RUNNER}_" in folder.name), None)
        online = folder / "online" / "result.json"
        if suite is None or not online.is_file():
            continue
        result = json.loads(online.read_text())
        gpu = GPUS.get(result["chip"]["name"])
        if gpu is None:
            continue
        offline = json.loads((folder / "offline" / "result.json").read_text())["metrics"]["offline"]
        first = offline["results_by_concurrency"][0]  # all 100 prompts at once, whatever the concurrency label
        output = first["throughput_tokens_per_sec"] * first["elapsed_seconds_median"] / 100
        total = first.get("throughput_tokens_per_sec_total")  # older submissions report output tok/s only
        prompt = (
            f"{(total - first['throughput_tokens_per_sec']) * first['elapsed_seconds_median'] / 100:.1f}"
            if total
            else ""
        )
        for level in result["metrics"]["online"]["results_by_qps"]:
            out.append(
                dict(
                    suite=suite,
                    engine="vllm",
                    version=result["software"]["framework_version"],
                    model=SUITES[suite],
                    gpu=gpu,
                    tp=result["task"]["parallelism"]["tensor_parallel_size"],
                    weights=result["model"]["precision"].lower(),
                    qps=level["target_qps"],
                    mean_prompt_tokens=prompt,
                    mean_output_tokens=f"{output:.1f}",
                    **{m: level[m] for m in METRICS},
                    source=f"{SOURCE}results/verified/{folder.name}/online/result.json",
                )
            )
    return out


def prompt_tokens(clone: Path) -> list[int]:
    with open(clone / DATASET) as f:
        return [int(json.loads(line)["input_tokens"]) for line in list(f)[:PROMPTS]]


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    clone = Path(sys.argv[1])
    with open(HERE / "data" / "published_accelmark.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows(clone))
    with open(HERE / "data" / "accelmark_prompt_tokens.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["request_id", "input_tokens", "source"])
        w.writerows((i, n, f"{SOURCE}{DATASET}") for i, n in enumerate(prompt_tokens(clone)))


if __name__ == "__main__":
    main()
