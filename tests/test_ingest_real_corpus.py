"""Files written by the tools themselves (tests/fixtures/real, provenance in its README), checked
against the numbers each tool reports about them: its own summary file or its own test expectations,
never numbers re-derived the way tracefit loads them."""

import csv
import io
import json
import lzma
from pathlib import Path

import pytest

from ingest import ReadOptions
from warehouse.load import ingest_paths
from warehouse.mine import MineOptions, mine
from warehouse.query import run_sql

REAL = Path(__file__).parent / "fixtures" / "real"


def load(con, name: str, **options):
    (result,) = ingest_paths(con, [REAL / name], ReadOptions(**options))
    return result


def one(con, sql: str, params: dict | None = None):
    return con.execute(sql, params or {}).fetchall()[0]


def test_aiperf_0_1_profile_export_matches_its_own_summary(con):
    # AIPerf 0.1.1's example run: 100 requests at concurrency 100, 10% cancelled
    result = load(con, "aiperf-0.1.1_profile_export.jsonl.xz")
    summary = json.loads((REAL / "aiperf-0.1.1_profile_export_aiperf.json").read_text())["records"]
    assert (result.status, result.format, result.rows_read, result.rows_rejected) == ("loaded", "aiperf", 100, 0)
    # request_count 89 and error_request_count 11 (all RequestCancellationError, code 499)
    assert con.execute("SELECT status, count(*) FROM requests GROUP BY ALL ORDER BY 1").fetchall() == [
        ("cancelled", summary["error_request_count"]["avg"]),
        ("ok", summary["request_count"]["avg"]),
    ]
    ok = "FROM requests WHERE status = 'ok'"
    ttft, e2e, tpot, prompt, output = one(
        con, f"SELECT avg(ttft_ms), avg(e2e_ms), avg(tpot_ms), avg(prompt_tokens), sum(output_tokens) {ok}"
    )
    assert ttft == pytest.approx(summary["ttft"]["avg"])  # 2343.219 ms
    assert e2e == pytest.approx(summary["request_latency"]["avg"])  # 9059.655 ms
    assert tpot == pytest.approx(summary["inter_token_latency"]["avg"])  # 27.763 ms
    assert prompt == summary["input_sequence_length"]["avg"]  # 550
    assert output == summary["total_osl"]["avg"]  # 21,624 tokens, reasoning included
    # every inter-chunk gap, by position: AIPerf counts 21,537 of them, mean 27.755 ms
    gaps, mean_gap = one(con, "SELECT count(*), avg(itl_ms) FROM request_token_latencies")
    assert gaps == summary["inter_chunk_latency"]["count"]
    assert mean_gap == pytest.approx(summary["inter_chunk_latency"]["avg"])
    first_ns = one(con, "SELECT epoch_ns(min(arrival_ts)) FROM requests")[0]  # stored to the microsecond
    assert first_ns == pytest.approx(summary["min_request_timestamp"]["avg"], abs=1e3)


AIPERF_13 = "aiperf-0.13.0_profile_export_mock-server_cancel25.jsonl"


def test_aiperf_0_13_profile_export_matches_its_own_summary(con):
    # AIPerf 0.13.0 `aiperf profile --endpoint-type chat --streaming --request-rate 4 --request-count 20
    # --request-cancellation-rate 25` against the mock server in capture/: metadata.request_start_ns,
    # metrics.time_to_first_token ...; 6 of 20 cancelled 0.3 s after being sent (error code 499)
    result = load(con, AIPERF_13, model="mock-llm")
    summary = json.loads((REAL / "aiperf-0.13.0_profile_export_aiperf_mock-server_cancel25.json").read_text())
    assert summary["aiperf_version"] == "0.13.0"  # its metrics at the top level, no `records`
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "aiperf", 20, 0)
    assert con.execute("SELECT status, error_code, count(*) FROM requests GROUP BY ALL ORDER BY 1").fetchall() == [
        ("cancelled", "RequestCancellationError", summary["error_request_count"]["avg"]),  # 6
        ("ok", None, summary["request_count"]["avg"]),  # 14
    ]
    ok = "FROM requests WHERE status = 'ok'"
    assert one(con, f"SELECT sum(prompt_tokens), sum(output_tokens) {ok}") == (
        summary["total_isl"]["avg"],  # 3,584: AIPerf's own tokenizer's count (256 each), not the server's usage
        summary["total_osl"]["avg"],  # 896
    )
    # a cancelled request keeps only its input length: no output, no times
    assert one(
        con, "SELECT sum(prompt_tokens), sum(output_tokens), count(ttft_ms) FROM requests WHERE status = 'cancelled'"
    ) == (summary["error_isl"]["avg"] * summary["error_isl"]["count"], 0, 0)
    for column, metric in (
        ("ttft_ms", "time_to_first_token"),
        ("e2e_ms", "request_latency"),
        ("tpot_ms", "inter_token_latency"),
    ):
        got = one(con, f"SELECT avg({column}), median({column}), quantile_cont({column}, 0.99) {ok}")
        want = summary[metric]
        assert got == pytest.approx((want["avg"], want["p50"], want["p99"]))  # TTFT 30.81, 30.16, 35.65 ms as printed
    gaps = one(
        con, "SELECT count(*), avg(itl_ms), median(itl_ms), quantile_cont(itl_ms, 0.99) FROM request_token_latencies"
    )
    icl = summary["inter_chunk_latency"]  # 882 gaps = 14 x 63
    assert gaps == pytest.approx((icl["count"], icl["avg"], icl["p50"], icl["p99"]))
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("absolute",)


def by_row(con, *columns: str) -> list[tuple]:
    return con.execute(f"SELECT {', '.join(columns)} FROM requests ORDER BY source_row").fetchall()


def test_genai_perf_openai_chat_stream_matches_genai_perf_own_test(con):
    # genai-perf's test_openai_llm_profile_data: TTFT [5-1, 7-2] = [4, 5] ns; request latency
    # [12-1, 15-2] = [11, 13] ns (its per-request throughput 3/11, 6/13); input lengths [3, 4]
    result = load(con, "genai-perf-0.0.x_openai_chat_profile_export.json")
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "genai-perf", 2)
    rows = by_row(con, "round(ttft_ms * 1e6)", "round(e2e_ms * 1e6)", "prompt_tokens", "output_tokens")
    assert [r[:3] for r in rows] == [(4, 11, 3), (5, 13, 4)]  # ns; prompts estimated, flagged:
    assert "prompt_tokens estimated" in result.message
    # output lengths: genai-perf re-tokenizes the text, [3, 6]; tracefit counts content chunks (one
    # token each, as a server streams them): "I", " like", " dogs" = 3 agrees; "I", "don't",
    # "cook food" are 3 chunks of 6 tokens, batched in the test's data as no server streams them
    assert [r[3] for r in rows] == [3, 3]
    # genai-perf's inter-token latency of request 1: ((12 - 1) - 4) / (3 - 1) = 3.5 ns
    assert by_row(con, "tpot_ms * 1e6")[0][0] == pytest.approx(3.5)


def test_genai_perf_triton_matches_genai_perf_own_test(con):
    # test_triton_llm_profile_data: TTFT [2, 2] and [2, 3]; input lengths [3, 4] both experiments;
    # inter-token latency of the first request (8 - 1 - 2) / (3 - 1) = 2.5
    load(con, "genai-perf-0.0.x_triton_profile_export.json")
    rows = by_row(con, "round(ttft_ms * 1e6)", "prompt_tokens", "output_tokens", "tpot_ms * 1e6")
    assert [r[0] for r in rows] == [2, 2, 2, 3]
    assert [r[1] for r in rows] == [3, 4, 3, 4]
    # output lengths [3, 6] and [4, 6] by genai-perf's tokenizer; chunks agree where each is one word
    assert [r[2] for r in rows][0::2] == [3, 4]
    assert rows[0][3] == pytest.approx(2.5)


def test_llmperf_groq_run_matches_its_own_summary(con):
    # llmperf-leaderboard's Groq llama2-70b run: 150 requests, 5 concurrent, 550 -> 150 tokens
    result = load(con, "llmperf_groq-70b_individual_responses.json", model="llama2-70b")
    summary = json.loads((REAL / "llmperf_groq-70b_summary.json").read_text())
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "llmperf", 150)
    assert result.rows_loaded == summary["results_num_completed_requests"]
    count, ttft, e2e, prompt, output, errors = one(
        con,
        "SELECT count(*), avg(ttft_ms), avg(e2e_ms), "
        "avg(prompt_tokens), avg(output_tokens), count(*) FILTER "
        "(WHERE status <> 'ok') FROM requests",
    )
    assert ttft == pytest.approx(summary["results_ttft_s_mean"] * 1e3)  # 227.860 ms
    assert e2e == pytest.approx(summary["results_end_to_end_latency_s_mean"] * 1e3)  # 815.108 ms
    assert (prompt, output, errors) == (
        summary["results_number_input_tokens_mean"],
        summary["results_number_output_tokens_mean"],
        summary["results_number_errors"],
    )
    # tpot is the time per output token after the first, as in every format; not llmperf's
    # inter_token_latency_s (0.00588 s on the first request, TTFT included): (0.890 - 0.298) / 149
    assert by_row(con, "tpot_ms")[0][0] == pytest.approx((0.8900090400129557 - 0.297977801412344) / 149 * 1e3)
    # arrivals rebuilt from 5 closed-loop clients: never more than 5 in flight (not 150 at once), and
    # the run lasts as long as llmperf measured it (150 requests at 176.74 a minute: 50.9 s), within 2%
    in_flight = one(
        con,
        "SELECT max(n) FROM (SELECT (SELECT count(*) FROM requests b WHERE b.arrival_ts <= "
        "a.arrival_ts AND b.arrival_ts + to_microseconds(CAST(b.e2e_ms * 1000 AS BIGINT)) > "
        "a.arrival_ts) AS n FROM requests a)",
    )[0]
    assert in_flight == summary["num_concurrent_requests"]
    span_s = one(
        con,
        "SELECT epoch(max(arrival_ts + to_microseconds(CAST(e2e_ms * 1000 AS BIGINT))) "
        "- min(arrival_ts)) FROM requests",
    )[0]
    assert span_s == pytest.approx(150 / summary["results_num_completed_requests_per_min"] * 60, rel=0.02)
    assert "arrivals rebuilt from 5 closed-loop clients" in result.message


def test_llmperf_without_its_summary_says_it_has_no_arrival_times(tmp_path, con):
    path = tmp_path / "groq_individual_responses.json"
    path.write_bytes((REAL / "llmperf_groq-70b_individual_responses.json").read_bytes())
    (result,) = ingest_paths(con, [path], ReadOptions(model="llama2-70b"))
    assert result.status == "loaded" and result.message.startswith("no arrival times")
    assert one(con, "SELECT timestamps, notes FROM ingest_runs") == ("missing", result.message)


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("aiperf-0.1.1_profile_export_aiperf.json", "AIPerf's profile_export.jsonl"),
        ("aiperf-0.1.1_profile_export_aiperf.csv", "AIPerf's profile_export.jsonl"),
        # AIPerf 0.13.0: the metrics at the top level (schema_version 1.4), no `records`
        ("aiperf-0.13.0_profile_export_aiperf_mock-server_cancel25.json", "AIPerf's profile_export.jsonl"),
        # vLLM 0.34.0 --save-result without --save-detailed still keeps per-request `latencies` and `queue_times`
        ("vllm-0.34.0_bench_serve_save-result_mock-server.json", "--save-detailed (vLLM)"),
        ("llmperf_groq-70b_summary.json", "*_individual_responses.json"),
        # SGLang bench_serving without --output-details, its `"request_rate": Infinity` (not strict JSON) read
        ("sglang_deepseek-v2_bench_serving_summary.jsonl", "--output-details (SGLang)"),
    ],
)
def test_a_run_summary_is_recognised_and_says_what_to_load(con, name, fix):
    result = load(con, name)
    assert result.status == "failed" and "a run summary of" in result.message and fix in result.message
    assert one(con, "SELECT count(*) FROM requests") == (0,)


def test_guidellm_benchmarks_match_its_own_per_request_figures(con):
    result = load(con, "guidellm-0.x_benchmarks_stripped.json")
    request = json.loads((REAL / "guidellm-0.x_benchmarks_stripped.json").read_text())["benchmarks"][0]["requests"][
        "successful"
    ][0]
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "guidellm", 1)
    row = one(con, "SELECT ttft_ms, e2e_ms, tpot_ms, prompt_tokens, output_tokens, status, model FROM requests")
    assert row[:3] == pytest.approx(
        (request["time_to_first_token_ms"], request["request_latency"] * 1e3, request["inter_token_latency_ms"])
    )  # 21.28 ms, 689.18 ms, 5.258 ms
    assert row[3:] == (request["prompt_tokens"], request["output_tokens"], "ok", "example_model")
    text = one(
        con,
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE '%Elizabeth%'",
    )
    assert text == (0,)


GUIDELLM_08 = "guidellm-0.8.1_benchmarks_mock-server.json.xz"


def test_guidellm_0_8_benchmarks_match_its_own_metrics(con):
    # GuideLLM 0.8.1 `guidellm run`, constant 4 requests/s, 20 requests, against the mock server in capture/:
    # per-request info.timings.{request_start, first_token_iteration, last_token_iteration, request_end}
    result = load(con, GUIDELLM_08)
    bench = json.loads(lzma.open(REAL / GUIDELLM_08).read())["benchmarks"][0]
    metrics = {k: v["successful"] for k, v in bench["metrics"].items() if isinstance(v, dict) and "successful" in v}
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "guidellm", 20, 0)
    count, prompt, output, model = one(
        con,
        "SELECT count(*), sum(prompt_tokens), sum(output_tokens), any_value(model) FROM requests WHERE status = 'ok'",
    )
    assert count == bench["metrics"]["request_totals"]["successful"]  # 20
    assert (prompt, output) == (metrics["prompt_token_count"]["total_sum"], metrics["output_token_count"]["total_sum"])
    assert model == bench["config"]["backend"]["model"]  # mock-llm
    # GuideLLM's means; its ITL is weighted by each request's output tokens - 1, all 63 here, so a plain mean
    ttft, e2e, tpot = one(con, "SELECT avg(ttft_ms), avg(e2e_ms), avg(tpot_ms) FROM requests")
    assert ttft == pytest.approx(metrics["time_to_first_token_ms"]["mean"])  # 31.247 ms
    assert e2e == pytest.approx(metrics["request_latency"]["mean"] * 1e3)  # 762.977 ms
    assert tpot == pytest.approx(metrics["inter_token_latency_ms"]["mean"])  # 11.605 ms
    # its percentiles are sample values, the first whose cumulative share reaches p: of 20, p90 the 18th,
    # p95 the 19th, p99 the largest, p50 the 11th (ten shares of 0.05 sum to just under 0.5 in floats)
    for column, key, scale in (("ttft_ms", "time_to_first_token_ms", 1), ("e2e_ms", "request_latency", 1e3)):
        values = [r[0] for r in con.execute(f"SELECT {column} FROM requests ORDER BY 1").fetchall()]
        p = metrics[key]["percentiles"]
        assert [values[10], values[17], values[18], values[19]] == pytest.approx(
            [p["p50"] * scale, p["p90"] * scale, p["p95"] * scale, p["p99"] * scale]
        )
    # Unix-second timings: the first arrival is the benchmark's start
    assert one(con, "SELECT epoch(min(arrival_ts)) FROM requests")[0] == pytest.approx(bench["start_time"], abs=1e-6)
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("absolute",)
    text = bench["requests"]["successful"][0]["output"][:30]  # prompts and replies are in the file, never stored
    assert one(
        con,
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE $t",
        {"t": f"%{text}%"},
    ) == (0,)


def test_guidellm_0_8_errored_requests_match_its_own_metrics(con):
    # the same run with the mock started with --max-prompt-tokens 93: 8 of 20 answered HTTP 400, which
    # GuideLLM lists under requests.errored with no request_end, no token timings and no output tokens
    name = "guidellm-0.8.1_benchmarks_mock-server_400s.json.xz"
    result = load(con, name)
    bench = json.loads(lzma.open(REAL / name).read())["benchmarks"][0]
    metrics = bench["metrics"]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 20, 0)
    rows = con.execute(
        "SELECT status, count(*), sum(prompt_tokens), sum(output_tokens), count(ttft_ms), count(e2e_ms), avg(ttft_ms) "
        "FROM requests GROUP BY ALL ORDER BY 1"
    ).fetchall()
    errored, ok = rows
    assert errored[:6] == (
        "error",
        metrics["request_totals"]["errored"],  # 8
        metrics["prompt_token_count"]["errored"]["total_sum"],  # 2,048: GuideLLM's own count, 256 each
        0,
        metrics["time_to_first_token_ms"]["errored"]["count"],  # 0
        0,  # GuideLLM's request_latency is None without request_end
    )
    assert ok[:4] == (
        "ok",
        metrics["request_totals"]["successful"],  # 12
        metrics["prompt_token_count"]["successful"]["total_sum"],  # 1,099
        metrics["output_token_count"]["successful"]["total_sum"],  # 768
    )
    assert ok[6] == pytest.approx(metrics["time_to_first_token_ms"]["successful"]["mean"])


VLLM = "vllm-0.8.3_benchmark_serving_llama-3.3-70b_qps1.json.xz"


def test_vllm_benchmark_serving_matches_its_own_summary(con):
    # vLLM 0.8.3 benchmark_serving.py --save-result (per-request arrays, no start_times): Llama-3.3-70B,
    # ShareGPT, 1 request/s, 200 requests; the summary fields in the same file are vLLM's own numbers
    result = load(con, VLLM)
    with lzma.open(REAL / VLLM) as fh:
        run = json.load(fh)
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "vllm-bench", 200, 0)
    ok, prompt, output, model = one(
        con,
        "SELECT count(*) FILTER (WHERE status = 'ok'), sum(prompt_tokens), "
        "sum(output_tokens), any_value(model) FROM requests",
    )
    assert (ok, prompt, output) == (run["completed"], run["total_input_tokens"], run["total_output_tokens"])
    assert model == run["model_id"]  # meta-llama/Llama-3.3-70B-Instruct
    ttft = one(con, "SELECT avg(ttft_ms), median(ttft_ms), quantile_cont(ttft_ms, 0.99) FROM requests")
    assert ttft == pytest.approx((run["mean_ttft_ms"], run["median_ttft_ms"], run["p99_ttft_ms"]))  # 65.26 56.37 143.80
    itl = one(con, "SELECT avg(itl_ms), median(itl_ms), quantile_cont(itl_ms, 0.99) FROM request_token_latencies")
    assert itl == pytest.approx((run["mean_itl_ms"], run["median_itl_ms"], run["p99_itl_ms"]))  # 24.48 24.31 42.96
    # vLLM's TPOT divides the latency it measured at the stream's end; tracefit's e2e is TTFT + the gaps
    tpot = one(con, "SELECT avg(tpot_ms), median(tpot_ms) FROM requests")
    assert tpot == pytest.approx((run["mean_tpot_ms"], run["median_tpot_ms"]), rel=1e-6)  # 24.56 24.54
    # this vLLM writes no start_times: said so, and the run is marked as having no arrival times
    assert result.message.startswith("no arrival times")
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("missing",)
    text = run["generated_texts"][0][:20]  # the generated text is not stored anywhere
    assert one(
        con,
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE $t",
        {"t": f"%{text}%"},
    ) == (0,)


VLLM_034 = "vllm-0.34.0_bench_serve_save-detailed_mock-server_400s.json"


def test_vllm_0_34_bench_serve_save_detailed_matches_its_own_summary(con):
    # vLLM 0.34.0 `vllm bench serve --backend vllm --dataset-name random --num-prompts 20 --request-rate 4
    # --percentile-metrics ttft,tpot,itl,e2el --save-result --save-detailed` against the mock server in
    # capture/, started with --max-prompt-tokens 260: 4 of 20 answered HTTP 400
    result = load(con, VLLM_034)
    run = json.loads((REAL / VLLM_034).read_text())
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "vllm-bench", 20, 0)
    ok, failed, prompt, output, model = one(
        con,
        "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'error'), "
        "sum(prompt_tokens) FILTER (WHERE status = 'ok'), sum(output_tokens), any_value(model) FROM requests",
    )
    assert (ok, failed, prompt, output) == (
        run["completed"],  # 16
        run["failed"],  # 4
        run["total_input_tokens"],  # 2,120 (the server's usage counts)
        run["total_output_tokens"],  # 1,024
    )
    assert model == run["model_id"]  # mock-llm
    # a failed request ("Bad Request"): output 0, ttft 0.0 and itls [] in the file; no times stored
    assert one(
        con, "SELECT count(ttft_ms), count(e2e_ms), sum(output_tokens) FROM requests WHERE status = 'error'"
    ) == (
        0,
        0,
        0,
    )
    ok = "FROM requests WHERE status = 'ok'"
    for column, metric in (("ttft_ms", "ttft"), ("tpot_ms", "tpot"), ("e2e_ms", "e2el")):
        got = one(con, f"SELECT avg({column}), median({column}), quantile_cont({column}, 0.99) {ok}")
        assert got == pytest.approx((run[f"mean_{metric}_ms"], run[f"median_{metric}_ms"], run[f"p99_{metric}_ms"]))
    # printed: TTFT 34.95 / 38.34 / 46.31 ms, TPOT 11.46 / 11.60 / 13.03, E2EL 757.19 / 768.47 / 848.76
    itl = one(con, "SELECT avg(itl_ms), median(itl_ms), quantile_cont(itl_ms, 0.99) FROM request_token_latencies")
    assert itl == pytest.approx((run["mean_itl_ms"], run["median_itl_ms"], run["p99_itl_ms"]))  # 11.46 10.58 45.93
    # start_times (time.perf_counter s, failed requests too): arrivals relative to --start, in the file's spacing
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("relative",)
    offsets = [r[0] for r in by_row(con, "epoch(arrival_ts) - epoch(min(arrival_ts) OVER ())")]
    assert offsets == pytest.approx([t - min(run["start_times"]) for t in run["start_times"]], abs=1e-6)
    text = run["generated_texts"][0][:30]  # the generated text is not stored anywhere
    assert one(
        con,
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE $t",
        {"t": f"%{text}%"},
    ) == (0,)


SGLANG = "sglang-0.5.9_bench_serving_output-details_mock-server.jsonl"
SGLANG_RUNS = [
    # (file, what bench_serving printed: successful requests, input tokens, generated tokens, mean / median TTFT ms)
    (SGLANG, 20, 8277, 885, 93.75, 91.78),  # 4 requests/s
    # 8 requests/s; the mock answered HTTP 400 to the 3 prompts it counted over 800 tokens
    ("sglang-0.5.9_bench_serving_output-details_mock-server_400s.jsonl", 17, 6748, 778, 90.73, 89.49),
]


@pytest.mark.parametrize(
    ("name", "completed", "prompt_tokens", "output_tokens", "mean_ttft", "median_ttft"), SGLANG_RUNS
)
def test_sglang_bench_serving_output_details_matches_its_own_summary(
    con, name, completed, prompt_tokens, output_tokens, mean_ttft, median_ttft
):
    # SGLang 0.5.9 bench_serving --backend sglang-oai --dataset-name random --num-prompts 20 --output-details,
    # run against the mock server in capture/: one line, bench_serving's summary fields and its per-request
    # arrays side by side; the summary fields are SGLang's own numbers, over its successful requests
    result = load(con, name, model="mock-llm")
    run = json.loads((REAL / name).read_text())
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "sglang-bench", 20, 0)
    ok, prompt, output = one(
        con, "SELECT count(*), sum(prompt_tokens), sum(output_tokens) FROM requests WHERE status = 'ok'"
    )
    assert (ok, prompt, output) == (run["completed"], run["total_input_tokens"], run["total_output_tokens"])
    assert (ok, prompt, output) == (completed, prompt_tokens, output_tokens)
    # a failed request (its `errors` entry is the HTTP reason and body) is an error with no tokens or times
    failed = [i for i, error in enumerate(run["errors"]) if error]
    assert one(
        con,
        "SELECT count(*), sum(prompt_tokens), sum(output_tokens), count(ttft_ms), count(e2e_ms) FROM requests "
        "WHERE status = 'error'",
    ) == (len(failed), sum(run["input_lens"][i] for i in failed) if failed else None, 0 if failed else None, 0, 0)
    ttft = one(
        con, "SELECT avg(ttft_ms), median(ttft_ms), quantile_cont(ttft_ms, 0.99) FROM requests WHERE status = 'ok'"
    )
    assert ttft == pytest.approx((run["mean_ttft_ms"], run["median_ttft_ms"], run["p99_ttft_ms"]))
    assert ttft[:2] == pytest.approx((mean_ttft, median_ttft), abs=0.005)  # as printed, to 2 decimals
    itl = one(
        con,
        "SELECT avg(itl_ms), median(itl_ms), quantile_cont(itl_ms, 0.95), quantile_cont(itl_ms, 0.99) "
        "FROM request_token_latencies",
    )
    assert itl == pytest.approx((run["mean_itl_ms"], run["median_itl_ms"], run["p95_itl_ms"], run["p99_itl_ms"]))
    # SGLang's latency ends at the stream's `data: [DONE]`, tracefit's e2e at the last token (TTFT + the gaps,
    # the file has no per-request latency); the mock sends [DONE] right after the last token
    e2e_tpot = one(con, "SELECT avg(e2e_ms), median(e2e_ms), avg(tpot_ms), median(tpot_ms) FROM requests")
    assert e2e_tpot == pytest.approx(
        (run["mean_e2e_latency_ms"], run["median_e2e_latency_ms"], run["mean_tpot_ms"], run["median_tpot_ms"]), rel=1e-3
    )
    # bench_serving keeps each request's start time but does not write it: no arrival times, said so
    assert result.message.startswith("no arrival times")
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("missing",)
    for text in (run["generated_texts"][0][:30], *(run["errors"][i][:30] for i in failed)):  # no text is stored
        assert one(
            con,
            "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE $t",
            {"t": f"%{text}%"},
        ) == (0,)


LITELLM = "litellm-1.108.7_LiteLLM_SpendLogs_mock-server.csv.xz"


def test_litellm_spend_logs_export_matches_litellm_own_columns(con):
    # 12 LiteLLM_SpendLogs rows built by litellm 1.108.7's proxy code (get_logging_payload, as its DB
    # writer calls it) for calls to the mock server, stored in the table its migrations create, exported
    # with psql's \copy ... CSV HEADER (capture/litellm_spend_logs.sh); every fourth call not streamed
    result = load(con, LITELLM)
    with lzma.open(REAL / LITELLM, "rt", newline="") as fh:
        rows = {r["request_id"]: r for r in csv.DictReader(io.StringIO(fh.read()))}
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "litellm", 12, 0)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT request_id, model, tenant, prompt_tokens, output_tokens, status, ttft_ms, e2e_ms, tpot_ms FROM requests"
        ).fetchall()
    }
    assert got.keys() == rows.keys()
    for request_id, row in rows.items():
        model, tenant, prompt, output, status, ttft, e2e, _ = got[request_id]
        own = (row["model"], row["team_id"], int(row["prompt_tokens"]), int(row["completion_tokens"]), row["status"])
        assert (model, tenant, prompt, output, status) == own[:4] + ("ok",) and own[4] == "success"
        # LiteLLM's own request_duration_ms is int(end - start) before Postgres keeps each time to the ms
        assert abs(e2e - int(row["request_duration_ms"])) <= 1
        # not streamed: completionStartTime = endTime, no TTFT (LiteLLM's own TTFT queries skip such rows)
        assert (ttft is None) == (row["completionStartTime"] == row["endTime"])
    assert sum(ttft is None for *_, ttft, _e2e, _tpot in got.values()) == 3  # calls 4, 8 and 12
    # chatcmpl-7ac367e3...: startTime 11:26:39.196, completionStartTime 39.234, endTime 39.45 (Postgres
    # drops the trailing zero), 24 output tokens: TTFT 38 ms, e2e 254 ms, TPOT (254 - 38) / 23 = 9.391 ms
    assert got["chatcmpl-7ac367e334104c5ebce1f801"][5:] == pytest.approx((38.0, 254.0, 216 / 23))
    assert got["chatcmpl-6853f9ab66e2408583e1700c"][5:] == (None, 525.0, None)  # not streamed: e2e only


def in_flight_max(con, model: str) -> float | None:
    return one(con, "SELECT max(in_flight_requests_max) FROM mined_concurrency_windows WHERE model = $m", {"m": model})[
        0
    ]


def test_mining_skips_runs_without_arrival_times_and_says_so(tmp_path, con):
    # the vLLM run above has no arrival times: all 200 requests sit at --start, so its in-flight
    # count would be 200 at once; mining leaves its concurrency out and says why
    load(con, VLLM)
    (run,) = mine(con, MineOptions())
    assert run.has_latency and in_flight_max(con, run.model) is None
    assert run.notes == (
        "concurrency: 200 requests of 1 ingested run without arrival times left out (every one "
        "arrives at --start: its in-flight count would be the whole run at once)",
    )
    # llmperf's Groq run twice: with its summary (arrivals rebuilt from 5 clients) and without (none):
    # the in-flight maximum is the rebuilt run's 5, not 150 + 5
    plain = tmp_path / "groq_individual_responses.json"
    plain.write_bytes((REAL / "llmperf_groq-70b_individual_responses.json").read_bytes() + b"\n")  # another file
    load(con, "llmperf_groq-70b_individual_responses.json", model="llama2-70b")
    ingest_paths(con, [plain], ReadOptions(model="llama2-70b", source="groq-copy"))
    runs = {r.model: r for r in mine(con, MineOptions(), "llama2-70b")}
    assert in_flight_max(con, "llama2-70b") == 5
    assert runs["llama2-70b"].notes[0].startswith("concurrency: 150 requests of 1 ingested run without")


def test_dashboard_concurrency_of_unmined_runs_leaves_out_runs_without_arrival_times(con):
    load(con, VLLM)  # no arrival times: not 200 requests in flight at once
    load(con, "llmperf_groq-70b_individual_responses.json", model="llama2-70b")  # rebuilt from 5 clients
    rows = run_sql(con, "dash_concurrency", {"bucket_s": 60})
    assert set(rows["model"]) == {"llama2-70b"} and rows["in_flight_requests_mean"].max() <= 5


OPENAI = [
    # (file, the response's id, created, model, usage: prompt, output, cached) as the API returned them
    (
        "openai-python-1.54_chat-completion_gpt-4o-mini.json",
        "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q",
        1731368630,
        "gpt-4o-mini-2024-07-18",
        12,
        5,
        0,
    ),
    (
        "openai-python_responses_gpt-4o-mini.json",
        "resp_08bcd983e14520af0069e2f3ee9f748191af5a1d2b897cdbfe",
        1776481262,
        "gpt-4o-mini-2024-07-18",
        22,
        22,
        0,
    ),
]


@pytest.mark.parametrize(("name", "request_id", "created", "model", "prompt", "output", "cached"), OPENAI)
def test_openai_responses_recorded_by_the_otel_instrumentation_tests(
    con, name, request_id, created, model, prompt, output, cached
):
    # OpenTelemetry's openai-v2 instrumentation tests replay these recorded API responses and expect
    # gen_ai.usage.input_tokens / output_tokens = the response's usage, gen_ai.response.id = its id
    result = load(con, name)
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "openai-usage", 1)
    row = one(
        con,
        "SELECT request_id, epoch(arrival_ts), model, prompt_tokens, output_tokens, "
        "cached_prompt_tokens, status FROM requests",
    )
    assert row == (request_id, created, model, prompt, output, cached, "ok")


def test_burstgpt_1_first_rows_match_what_another_reader_pinned(con):
    # BurstGPT_1.csv's first 400 rows (HPMLL/BurstGPT data, kept by GitM-Labs/runtime as a test slice).
    # GitM's own self-test pins on this slice: 400 rows read, 17 with zero request tokens, span 37,269 s,
    # request tokens p50 353 / p95 1,638 and response tokens p50 238 / p95 841 over those 383 rows
    # (its docs print whole tokens: 1,638.8 and 841.7 with the continuous quantile)
    result = load(con, "burstgpt-1_first400.csv")
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "burstgpt", 400, 0)
    span_s, models = one(
        con,
        "SELECT epoch(max(arrival_ts)) - epoch(min(arrival_ts)), "
        "string_agg(DISTINCT model, ',' ORDER BY model) FROM requests",
    )
    assert (span_s, models) == (37_269, "ChatGPT,GPT-4")
    # BurstGPT's README: a response of zero tokens is a failed request; all 17 here are 0 in and 0 out
    assert one(
        con, "SELECT count(*) FILTER (WHERE status <> 'ok'), count(*) FILTER (WHERE prompt_tokens = 0) FROM requests"
    ) == (17, 17)
    quantiles = one(
        con,
        "SELECT quantile_cont(prompt_tokens, [0.5, 0.95]), quantile_cont(output_tokens, [0.5, 0.95]) "
        "FROM requests WHERE prompt_tokens > 0",
    )
    assert [int(q) for qs in quantiles for q in qs] == [353, 1638, 238, 841]


OTEL = [
    # (file, traceId:spanId, startTimeUnixNano, endTimeUnixNano, model, usage: prompt, output, cached).
    # Each is one chat call exported over OTLP by the instrumentation named, against a mock OpenAI
    # server whose one response carries usage prompt_tokens 412, completion_tokens 27, cached_tokens 256
    # (Grace/genai-interlingua testdata/capture/mockopenai.py); the instrumentation copied those counts
    # into its own attributes
    (
        # opentelemetry-instrumentation-openai-v2 2.4b0: gen_ai.usage.input_tokens / output_tokens,
        # no cache attribute
        "otel-genai_openai-v2-2.4b0_chat.json",
        "053074667b1113278073667614bb3e19:03491beea3cb073d",
        1_788_792_074_027_616_000,
        1_788_792_074_047_335_000,
        "gpt-4o-mini",
        412,
        27,
        None,
    ),
    (
        # openinference-instrumentation-openai 0.1.58: llm.token_count.prompt / completion /
        # prompt_details.cache_read and llm.model_name (the response's model), no gen_ai.* at all
        "otel-openinference-openai-0.1.58_chat.json",
        "9ed94f9bdc36b397e11c51f77d49e01a:e9856d6fe698c4f2",
        1_788_787_518_970_589_000,
        1_788_787_518_993_675_000,
        "gpt-4o-mini-2024-07-18",
        412,
        27,
        256,
    ),
    (
        # OpenLLMetry (traceloop-sdk 0.62.3): the openai.chat span with gen_ai.usage.* and
        # cache_read.input_tokens, inside a support_triage.workflow span that carries no gen_ai.* (not a row)
        "otel-openllmetry-openai-0.62.3_workflow.json",
        "77d66be22a4ffc8149309684b3a319f7:76a26812b532f640",
        1_788_789_263_812_545_000,
        1_788_789_263_838_423_000,
        "gpt-4o-mini",
        412,
        27,
        256,
    ),
    (
        # LiteLLM's OpenTelemetry callback: litellm_request with gen_ai.usage.input_tokens / output_tokens
        # and its raw_gen_ai_request child (llm.openai.*, no gen_ai.*: not a second row). LiteLLM writes
        # the cached 256 only inside metadata.usage_object (a Python repr), so no cache count is read
        "otel-litellm_proxy_chat.json",
        "b1d8ae1b3fb8f0217735e4f3496c3bdf:a5f632a15409374f",
        1_788_787_663_735_867_904,
        1_788_787_664_472_495_104,
        "gpt-4o-mini",
        412,
        27,
        None,
    ),
]


@pytest.mark.parametrize(("name", "request_id", "start_ns", "end_ns", "model", "prompt", "output", "cached"), OTEL)
def test_otel_spans_captured_from_instrumentation_libraries(
    con, name, request_id, start_ns, end_ns, model, prompt, output, cached
):
    result = load(con, name)
    assert (result.status, result.format, result.rows_loaded, result.rows_rejected) == ("loaded", "otel-genai", 1, 0)
    row = one(
        con,
        "SELECT request_id, epoch_ns(arrival_ts), e2e_ms, model, prompt_tokens, output_tokens, "
        "cached_prompt_tokens, status, ttft_ms FROM requests",
    )
    # e2e is the span's duration (19.719, 23.086, 25.878, 736.6272 ms); a non-streamed call has no TTFT
    assert row[0] == request_id and row[2:] == ((end_ns - start_ns) / 1e6, model, prompt, output, cached, "ok", None)
    assert row[1] == pytest.approx(start_ns, abs=1e3)  # stored to the microsecond
    # both spans carry the prompt and the reply (gen_ai.input.messages, input.value ...): none is stored
    text = one(
        con,
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, model, tenant, error_code) LIKE '%A-1187%'",
    )
    assert text == (0,)
