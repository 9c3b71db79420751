"""Summary-only benchmark results (vLLM --save-result without --save-detailed, SGLang bench_serving
without --output-details) fail with what to rerun, instead of loading fake requests (issue #19 item 5)."""

import json

from click.testing import CliRunner

from tracefit.cli import cli

# the keys vLLM `bench serve --save-result` writes (vllm/benchmarks/serve.py result_json) without
# --save-detailed, and SGLang bench_serving's (python/sglang/bench_serving.py) without --output-details
VLLM = {
    "date": "20250101-120000",
    "endpoint_type": "vllm",
    "backend": "vllm",
    "model_id": "meta-llama/Llama-3-8B",
    "num_prompts": 200,
    "request_rate": 4.0,
    "duration": 52.1,
    "completed": 200,
    "total_input_tokens": 204800,
    "total_output_tokens": 25600,
    "request_throughput": 3.84,
    "output_throughput": 491.4,
    "mean_ttft_ms": 35.2,
    "median_ttft_ms": 33.0,
    "p99_ttft_ms": 80.1,
    "mean_tpot_ms": 11.5,
    "mean_itl_ms": 11.4,
    "mean_e2el_ms": 1500.0,
}
SGLANG = {
    "backend": "sglang",
    "dataset_name": "random",
    "request_rate": 8.0,
    "max_concurrency": 64,
    "completed": 1000,
    "total_input_tokens": 512000,
    "total_output_tokens": 128000,
    "request_throughput": 7.9,
    "input_throughput": 4040.0,
    "output_throughput": 1011.0,
    "mean_e2e_latency_ms": 2100.0,
    "mean_ttft_ms": 60.0,
    "median_ttft_ms": 55.0,
    "mean_itl_ms": 15.0,
}


def ingest(path, db):
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db), "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)["files"][0]


def test_vllm_save_result_without_details(tmp_path):
    path = tmp_path / "vllm-4.0qps-Llama-3-8B-20250101-120000.json"
    path.write_text(json.dumps(VLLM))
    code, file = ingest(path, tmp_path / "w.duckdb")
    assert (code, file["status"]) == (2, "failed")
    assert "a run summary of vLLM" in file["message"] and "--save-detailed" in file["message"]


def test_sglang_bench_serving_without_output_details(tmp_path):
    path = tmp_path / "sglang_random.jsonl"
    path.write_text(json.dumps(SGLANG) + "\n" + json.dumps(SGLANG | {"request_rate": 16.0}) + "\n")
    code, file = ingest(path, tmp_path / "w.duckdb")
    assert (code, file["status"]) == (2, "failed") and "--output-details" in file["message"]


def test_a_detailed_vllm_result_still_loads(tmp_path):
    detailed = VLLM | {
        "input_lens": [1024, 1000],
        "output_lens": [128, 2],
        "ttfts": [0.03, 0.04],
        "itls": [[0.01] * 127, [0.012]],
        "errors": ["", ""],
    }
    path = tmp_path / "vllm.json"
    path.write_text(json.dumps(detailed))
    code, file = ingest(path, tmp_path / "w.duckdb")
    assert (code, file["status"], file["format"], file["rows_loaded"]) == (0, "loaded", "vllm-bench", 2)
