"""Benchmark run summaries: aggregates of a run, not request records. Recognised to say what to load.

A summary read as a log loads a handful of fake "requests" (one per metric or run) or nothing; each
tool also writes, or can be asked to write, the per-request records tracefit reads (issue #19).
Recognised by the keys (JSON, JSON Lines) or header (CSV) that the tool writes.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    tool: str
    looks: Callable[[set[str], str], bool]  # (columns or top-level keys, container) -> is it this summary
    fix: str  # what to load instead


SUMMARIES = (
    Summary(
        tool="vLLM `bench serve --save-result` / SGLang `bench_serving`",
        looks=lambda keys, _: (
            bool({"mean_ttft_ms", "median_ttft_ms"} & keys)
            and ("completed" in keys or "request_throughput" in keys)
            and not {"ttfts", "itls"} & keys
        ),
        fix="rerun the benchmark with --save-detailed (vLLM) or --output-details (SGLang), which add "
        "the per-request input_lens, output_lens, ttfts and itls",
    ),
    Summary(
        tool="AIPerf / genai-perf (profile_export_aiperf.json, profile_export_genai_perf.json)",
        looks=lambda keys, container: (
            container in ("json", "jsonl")
            and ({"records", "input_config"} <= keys or {"time_to_first_token", "input_config"} <= keys)
        ),
        fix="ingest the per-request export beside it: AIPerf's profile_export.jsonl or genai-perf's "
        "profile_export.json",
    ),
    Summary(
        tool="AIPerf / genai-perf (profile_export_aiperf.csv, profile_export_genai_perf.csv)",
        looks=lambda keys, container: container == "csv" and {"Metric", "avg", "p99"} <= keys,
        fix="ingest the per-request export beside it: AIPerf's profile_export.jsonl or genai-perf's "
        "profile_export.json",
    ),
    Summary(
        tool="llmperf (*_summary.json)",
        looks=lambda keys, _: "num_concurrent_requests" in keys and any(k.startswith("results_") for k in keys),
        fix="ingest the run's *_individual_responses.json beside it (keep this file there: its concurrency "
        "rebuilds the arrival times)",
    ),
    Summary(
        tool="inference-perf (summary_lifecycle_metrics.json, stage_*_lifecycle_metrics.json)",
        looks=lambda keys, container: container == "json" and {"load_summary", "successes", "failures"} <= keys,
        fix="rerun with report.request_lifecycle.per_request: true in its config and ingest the "
        "per_request_lifecycle_metrics.json it writes",
    ),
)


def summary_of(columns: list[str], container: str) -> Summary | None:
    """The run summary a file with these columns (or top-level keys) is, if any."""
    keys = set(columns)
    return next((s for s in SUMMARIES if s.looks(keys, container)), None)
