"""Write bench/data/published_closed_loop.csv from NVIDIA's genai-perf export of NIM runs.

The export is dataset/nim.csv of NVIDIA DLI's 'Sizing LLM Inference Systems' course notebooks as kept in
github.com/wbing520/ai-performance-engineering (Apache-2.0) at SOURCE below: 787 genai-perf runs of NIM's
TensorRT-LLM backend ("an older version of NVIDIA NIM", notebook 02) on DGX A100 (A100-SXM4-80GB) and DGX H100,
Llama-3-8B/70B-Instruct, TP 1-8, fp16/bf16/fp8, synthetic fixed lengths (stddev 0, ignore_eos), closed loop at
concurrency 1-250, `--measurement-interval 10000 --stability-percentage 999` (notebook 03). Latencies are
converted from ns to ms; nothing else is changed. Usage (the file from `git show` of a clone at SOURCE's commit):
  .venv/bin/python bench/closed_loop_rows.py nim.csv > bench/data/published_closed_loop.csv
"""

import csv
import sys

SOURCE = (
    "https://github.com/wbing520/ai-performance-engineering/blob/0e25b2e236211ad01ed2221bd2c1cfa5b3f47b55/"
    "code/ch10_inference/inference_gpu_cluster_sizing/dataset/nim.csv"
)
MODELS = {"meta-llama3-8b-instruct": "llama-3-8b", "meta-llama3-70b-instruct": "llama-3-70b"}
GPUS = {"A100-SXM4-80GB": "a100-80gb-sxm", "H100_80GB_HBM3": "h100-sxm"}
NS_METRICS = {  # genai-perf column -> ours, ms
    "time_to_first_token-avg": "ttft_mean_ms",
    "time_to_first_token-p95": "ttft_p95_ms",
    "inter_token_latency-avg": "itl_mean_ms",
    "inter_token_latency-p95": "itl_p95_ms",
    "request_latency-avg": "e2e_mean_ms",
    "request_latency-p95": "e2e_p95_ms",
}
COLUMNS = ["engine", "model", "gpu", "tp", "weights", "isl", "osl", "concurrency", *NS_METRICS.values()]
COLUMNS += ["output_tok_s", "request_s", "source"]


def rows(path: str):
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            assert r["time_to_first_token-unit"] == "ns" and r["input_config-synthetic_input_tokens_stddev"] == "0"
            out = {
                "engine": "nim-trtllm",
                "model": MODELS[r["task_inputs-model"]],
                "gpu": GPUS[r["task_inputs-GPU"]],
                "tp": r["task_inputs-n_gpus"],
                "weights": r["task_inputs-precision"],
                "isl": r["input_config-synthetic_input_tokens_mean"],
                "osl": r["input_config-output_tokens_mean"],
                "concurrency": r["input_config-concurrency"],
                "output_tok_s": f"{float(r['output_token_throughput-avg']):.3f}",
                "request_s": f"{float(r['request_throughput-avg']):.5f}",
                "source": SOURCE,
            }
            out |= {ours: f"{float(r[theirs]) / 1e6:.3f}" for theirs, ours in NS_METRICS.items()}
            yield out


if __name__ == "__main__":
    w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(sys.argv[1]))
