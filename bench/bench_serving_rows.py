"""Write bench/data/published_bench_serving.csv from `sglang.bench_serving` result files (JSON lines).

The files are benchmarks/results/agg_*.jsonl of github.com/TonyLi15/sglang-benchmark at SOURCE's commit
(2025-12-19): SGLang 0.5.5.post3 (each file's `server_info.version`) serving Qwen2.5-3B-Instruct on one GH200
(the repository's aggregated server on its GH200 node cg1n1, scripts/10_run_agg_server.sh: `launch_server
--mem-fraction-static 0.9`, every other flag at its default as `server_info` lists it), loaded by
`sglang.bench_serving --dataset-name random --request-rate inf --max-concurrency C --num-prompts P`
(scripts/23_bench_agg.sh). Every value is copied as the file states it (times in ms, throughputs per s);
`kv_tokens` is the server's own KV cache size (`internal_states[0].memory_usage.token_capacity`). Usage (the
files from `git show` of a clone at SOURCE's commit, in one folder):
  .venv/bin/python bench/bench_serving_rows.py results/agg_*.jsonl > bench/data/published_bench_serving.csv
"""

import csv
import json
import sys
from pathlib import Path

SOURCE = "https://github.com/TonyLi15/sglang-benchmark/blob/8864250/benchmarks/results/"
GPU = "gh200"  # the aggregated server's node (README 'Architecture Overview'; scripts/00_common.sh PREFILL_HOST)
WEIGHTS = {"auto": "bf16"}  # `--dtype auto`: the checkpoint's bfloat16 (config.json torch_dtype)
KV = {"auto": "bf16"}  # `--kv-cache-dtype auto`: the model's dtype
METRICS = (
    "mean_ttft_ms",
    "median_ttft_ms",
    "p99_ttft_ms",
    "mean_tpot_ms",
    "median_tpot_ms",
    "p99_tpot_ms",
    "median_itl_ms",
    "mean_e2e_latency_ms",
    "median_e2e_latency_ms",
    "output_throughput",
    "request_throughput",
    "duration",
)
COLUMNS = [
    "engine",
    "version",
    "model",
    "gpu",
    "tp",
    "weights",
    "kv",
    "dataset",
    "isl",
    "osl",
    "range_ratio",
    "num_prompts",
    "concurrency",
    "total_input_tokens",
    "total_output_tokens",
    "chunked_prefill_size",
    "mixed_chunk",
    "overlap_schedule",
    "kv_tokens",
    *METRICS,
    "source",
]


def row(path: Path) -> dict:
    (line,) = path.read_text().splitlines()  # one run per file
    r = json.loads(line)
    info = r["server_info"]
    assert r["backend"] == "sglang" and r["dataset_name"] == "random" and r["request_rate"] == float("inf")
    assert r["completed"] == r["num_prompts"] if "num_prompts" in r else True
    return {
        "engine": "sglang",
        "version": info["version"],
        "model": info["model_path"],
        "gpu": GPU,
        "tp": info["tp_size"],
        "weights": WEIGHTS[info["dtype"]],
        "kv": KV[info["kv_cache_dtype"]],
        "dataset": "random",
        "isl": r["random_input_len"],
        "osl": r["random_output_len"],
        "range_ratio": r["random_range_ratio"],
        "num_prompts": r["completed"],
        "concurrency": r["max_concurrency"],
        "total_input_tokens": r["total_input_tokens"],
        "total_output_tokens": r["total_output_tokens"],
        "chunked_prefill_size": info["chunked_prefill_size"],
        "mixed_chunk": int(info["enable_mixed_chunk"]),
        "overlap_schedule": int(not info["disable_overlap_schedule"]),
        "kv_tokens": info["internal_states"][0]["memory_usage"]["token_capacity"],
        **{k: f"{r[k]:.3f}" for k in METRICS},
        "source": SOURCE + path.name,
    }


def main(paths: list[str]) -> None:
    out = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    out.writeheader()
    for p in sorted(paths):
        out.writerow(row(Path(p)))


if __name__ == "__main__":
    main(sys.argv[1:])
