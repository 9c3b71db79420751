"""Benchmark clients of Kubernetes serving stacks: inference-perf (kubernetes-sigs), genai-bench (sgl-project).

Like `formats_bench`: one parsed JSON document -> flat records of raw fields, `itl_ms_list` in ms
by output-token position, `__invalid` for a record that cannot be read. Prompts, generated text and
error messages are never read.
"""

import json
import re
from itertools import pairwise
from pathlib import Path

from ingest.closed_loop import ClosedLoop, idle_s_to_fill
from ingest.compression import plain_name
from ingest.containers import INVALID

INFERENCE_PERF_FIELDS = (
    "arrival_offset_s",
    "prompt_tokens",
    "output_tokens",
    "ttft_ms",
    "tpot_ms",
    "e2e_ms",
    "itl_ms_list",
    "status",
    "error_code",
)
GENAI_BENCH_FIELDS = ("prompt_tokens", "output_tokens", "ttft_ms", "tpot_ms", "e2e_ms", "status")
GENAI_BENCH_UNIT_MS = {"s": 1000.0, "ms": 1.0}  # genai_bench/time_units.py: the two --metrics-time-unit values
# genai_bench/cli/cli.py run_name: f"{scenario}_{task}_{iteration_type}_{iteration}_time_{total_run_time}s.json"
GENAI_BENCH_RUN_NAME = re.compile(r"_num_concurrency_([1-9]\d*)_time_\d+s\.json$")
# inference-perf 0.7.0 client/modelserver/openai_client.py: "HTTP Error {status}", else the exception's class
HTTP_ERROR = re.compile(r"HTTP Error (\d{3})")
ERROR_TYPES = {"TimeoutError": "timeout", "CancelledError": "cancelled"}


def _number(value) -> float | None:
    return float(value) if type(value) in (int, float) else None


def inference_perf_records(doc) -> list[dict]:
    """inference-perf per_request_lifecycle_metrics.json (`report.request_lifecycle.per_request: true`):
    a list of {start_time, end_time, info, error}, times in time.perf_counter seconds (relative).

    As inference-perf's summary computes them (reportgen/base.py `compute_request_latency_metrics`):
    e2e = end − start, TTFT = first of info.response_metrics.output_token_times − start, ITL = the
    gaps between them, TPOT = (last − first) / (output tokens − 1), for a streamed answer with over
    one token time. With `per_request_fields.computed_metrics` those token times are the
    tokenizer-corrected ones its summary uses; without it, the raw chunk times (equal when a
    server streams one token a chunk). A failed request has `error.error_type`.
    """
    if not isinstance(doc, list):
        raise ValueError("per_request_lifecycle_metrics.json is a JSON list")
    return [_inference_perf_request(r) for r in doc]


def _inference_perf_request(request) -> dict:
    if not isinstance(request, dict):
        return {INVALID: "request is not a JSON object"}
    info, error = request.get("info") or {}, request.get("error")
    start, end = _number(request.get("start_time")), _number(request.get("end_time"))
    response = info.get("response_metrics") or {}
    record = {
        "arrival_offset_s": start,
        "prompt_tokens": ((info.get("request_metrics") or {}).get("text") or {}).get("input_tokens"),
        "output_tokens": response.get("output_tokens"),
        "status": "ok",
    }
    if start is not None and end is not None:
        record["e2e_ms"] = (end - start) * 1000.0  # a failed request's too: its summary's failures.request_latency
    if isinstance(error, dict):
        kind = str(error.get("error_type") or "error")
        code = HTTP_ERROR.fullmatch(kind)
        # input_tokens is 0 there (counted from the server's usage, which a failure has none of), as its summary's
        return record | {
            "status": code.group(1) if code else ERROR_TYPES.get(kind, "error"),
            "error_code": kind,
            "output_tokens": record["output_tokens"] or 0,
        }
    times = response.get("output_token_times")
    if not isinstance(times, list) or not all(_number(t) is not None for t in times):
        return record | ({} if times is None else {INVALID: "output_token_times is not a list of numbers"})
    if len(times) > 1 and start is not None:
        gaps = [(b - a) * 1000.0 for a, b in pairwise(times)]
        record |= {"ttft_ms": (times[0] - start) * 1000.0, "itl_ms_list": gaps}
        tokens = record["output_tokens"]
        if type(tokens) is int and tokens > 1:
            record["tpot_ms"] = (times[-1] - times[0]) * 1000.0 / (tokens - 1)
    return record


def genai_bench_records(doc: dict) -> list[dict]:
    """genai-bench's per-run JSON (`<scenario>_<task>_num_concurrency_<N>_time_<T>s.json` in its experiment
    folder): aggregated_metrics + individual_request_metrics, latencies in `_time_unit` (s or ms).

    A record has ttft, tpot, e2e_latency, num_input_tokens, num_output_tokens and, for a failure, an
    HTTP `error_code` with every metric null (counted 0 tokens here, as AIPerf's). No start times: a
    closed loop at `num_concurrency`: `genai_bench_concurrency` gives the reader what rebuilds them.
    """
    scale = GENAI_BENCH_UNIT_MS.get(str(doc.get("_time_unit", "s")))
    if scale is None:
        raise ValueError("_time_unit is neither s nor ms")
    requests = doc["individual_request_metrics"]
    if not isinstance(requests, list):
        raise ValueError("individual_request_metrics is not a list")
    return [_genai_bench_request(r, scale) for r in requests]


def _genai_bench_request(request, scale: float) -> dict:
    if not isinstance(request, dict):
        return {INVALID: "request is not a JSON object"}
    record = {
        "prompt_tokens": request.get("num_input_tokens"),
        "output_tokens": request.get("num_output_tokens"),
        "status": "ok",
    }
    for raw, key in (("ttft_ms", "ttft"), ("tpot_ms", "tpot"), ("e2e_ms", "e2e_latency")):
        value = _number(request.get(key))
        record[raw] = value * scale if value is not None else request.get(key)
    code = request.get("error_code")
    if code is not None:  # the message is free text: never read
        record |= {
            "status": str(code),
            "prompt_tokens": record["prompt_tokens"] or 0,
            "output_tokens": record["output_tokens"] or 0,
        }
    return record


def genai_bench_concurrency(path: Path, data: Path) -> ClosedLoop | str:
    """The run's closed loop, or why there is none: genai-bench 0.0.5 (cli/cli.py) starts
    `num_concurrency` locust users at once (spawn rate = the concurrency unless --spawn-rate) with
    locust's default wait_time `constant(0)`, each sending its next request as its last one returns, and
    records each request as it returns (AggregatedMetricsCollector.all_request_metrics: the file's
    order). Every release writes the count as `aggregated_metrics.num_concurrency` (1 in a batch-size
    run, which runs one user) and in the file's name; none writes a request's start or end time or the
    run's wall-clock start (tests/fixtures/real/README.md).

    The idle time makes the rebuilt run last `aggregated_metrics.run_duration` (s in every
    `_time_unit`), as llmperf's: it takes up what the file does not time (the users' own work between
    requests, a failure's round trip, the requests killed in flight at the stop), and it placed
    requests closer to the real arrivals than none (bench/RESULTS.md, 'Closed-loop arrivals')."""
    try:
        doc = json.loads(data.read_bytes())
        run = doc.get("aggregated_metrics") or {}
        clients = run.get("num_concurrency")
    except (ValueError, AttributeError):
        doc, run, clients = {}, {}, None
    if type(clients) is int and clients > 0:
        source = f"aggregated_metrics.num_concurrency in {plain_name(path)}"
    elif named := GENAI_BENCH_RUN_NAME.search(plain_name(path)):
        clients, source = int(named.group(1)), f"num_concurrency_{named.group(1)} in the file's name"
    else:
        return (
            "the file has no aggregated_metrics.num_concurrency and its name no _num_concurrency_<N>_; name "
            "it as genai-bench does (<scenario>_<task>_num_concurrency_<N>_time_<T>s.json) to rebuild them"
        )
    duration_s, requests = run.get("run_duration"), doc.get("individual_request_metrics")
    scale_s = GENAI_BENCH_UNIT_MS.get(str(doc.get("_time_unit", "s")), 1000.0) / 1000.0
    if type(duration_s) not in (int, float) or duration_s <= 0 or not isinstance(requests, list) or not requests:
        return ClosedLoop(clients=clients, source=source, idle_source="no idle time (no run_duration)")
    latency_sum_s = sum(_number(r.get("e2e_latency")) or 0.0 for r in requests if isinstance(r, dict)) * scale_s
    idle_s = idle_s_to_fill(clients, duration_s, latency_sum_s, len(requests))
    how = f"{idle_s:.3f} s idle between a user's requests (the run_duration genai-bench measured)"
    return ClosedLoop(clients=clients, idle_s=idle_s, source=source, idle_source=how)
