"""The registry of log formats: how each is detected and which columns become which fields.

A format names its container and maps source columns to raw fields (see `fields`);
`fixup` adds format-specific meaning (BurstGPT: zero response tokens = failed request).
Nested formats (benchmark exports, OTLP spans) add `records`: one parsed JSON document ->
flat records whose keys are raw fields (identity `columns`), including `itl_ms_list`.
`detect` is tried in registry order on the file's column names (for JSON, the document's
top-level keys too); `generic` comes last.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingest import formats_bench as bench
from ingest import formats_gateway as gateway
from ingest import formats_k8s_bench as k8s_bench
from ingest import formats_llmperf as llmperf
from ingest import formats_otel as otel
from ingest.closed_loop import ClosedLoop
from ingest.fields import match_columns


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    name: str
    container: str  # csv | jsonl | json | parquet | any
    description: str
    example: str
    columns: dict[str, str] = field(default_factory=dict)  # source column -> raw field
    required: frozenset[str] = frozenset()  # source columns whose presence identifies it
    fixup: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    prefix_block_tokens: int | None = None  # tokens per prefix block id
    json_list_keys: tuple[str, ...] = ()
    records: Callable[[object], list[dict]] | None = None  # JSON document -> flat records
    # closed-loop benchmark without arrival times: (the file as given, the file read) -> its loop, or why
    # none was found and how to give it (ingest/closed_loop.py)
    concurrency: Callable[[Path, Path], ClosedLoop | str] | None = None

    def accepts(self, container: str) -> bool:
        if self.records:  # a document may sit on one line (jsonl) or span the file (json)
            return container in ("json", "jsonl")
        return self.container in (container, "any")

    def detect(self, columns: list[str]) -> bool:
        return bool(self.required) and self.required <= set(columns)

    def resolve(self, columns: list[str], overrides: dict[str, str]) -> dict[str, str]:
        """Source column -> raw field for this file: the format's own map, else synonyms."""
        mapping = {c: f for c, f in self.columns.items() if c in columns}
        if not self.columns:
            mapping = match_columns(columns)
        for column, raw in overrides.items():
            mapping = {c: f for c, f in mapping.items() if f != raw}
            mapping[column] = raw
        return mapping


def _burstgpt_fixup(raw: pl.DataFrame) -> pl.DataFrame:
    # BurstGPT logs a failed request as one with zero response tokens.
    failed = pl.col("output_tokens").cast(pl.Float64, strict=False) == 0
    return raw.with_columns(status=pl.when(failed).then(pl.lit("error")).otherwise(pl.lit("ok")))


def _nested(
    name: str,
    description: str,
    example: str,
    required: set[str],
    records: Callable[[object], list[dict]],
    fields: tuple[str, ...],
    concurrency: Callable[[Path, Path], ClosedLoop | str] | None = None,
) -> Format:
    return Format(
        name=name,
        container="json",
        description=description,
        example=example,
        required=frozenset(required),
        records=records,
        columns={f: f for f in fields},
        concurrency=concurrency,
    )


NESTED = [
    _nested(
        "genai-perf",
        "NVIDIA genai-perf / Perf Analyzer profile_export.json (ns request and "
        "response timestamps -> TTFT, ITL by position; one response with text = one output token)",
        "tracefit ingest artifacts/my-run/profile_export.json --model llama-3-8b --prompt-tokens 128",
        {"experiments"},
        bench.genai_perf_records,
        bench.GENAI_PERF_FIELDS,
    ),
    _nested(
        "aiperf",
        "NVIDIA AIPerf profile_export.jsonl, 0.1.x and later schemas (metadata + "
        "metrics per request, inter_chunk_latency -> ITL by position)",
        "tracefit ingest artifacts/my-run/profile_export.jsonl --model llama-3-8b",
        {"metadata", "metrics"},
        bench.aiperf_records,
        bench.AIPERF_FIELDS,
    ),
    _nested(
        "sglang-bench",
        "SGLang bench_serving --output-file x.jsonl --output-details "
        "(per-request input_lens, output_lens, ttfts, itls in s)",
        "tracefit ingest sglang_random.jsonl --model llama-3-8b",
        {"sharegpt_output_len", "input_lens", "output_lens", "ttfts", "itls"},
        bench.serve_bench_records,
        bench.SERVE_BENCH_FIELDS,
    ),
    _nested(
        "vllm-bench",
        "vLLM bench serve --save-result --save-detailed JSON (input_lens, "
        "output_lens, ttfts, itls in s, start_times where present)",
        "tracefit ingest vllm-4.0qps-Llama-3-8B-20250101-120000.json",
        {"input_lens", "output_lens", "ttfts", "itls"},
        bench.serve_bench_records,
        bench.SERVE_BENCH_FIELDS,
    ),
    _nested(
        "guidellm",
        "GuideLLM benchmarks.json (per-request start, first/last token and end times; successful/incomplete/errored)",
        "tracefit ingest benchmarks.json",
        {"benchmarks"},
        bench.guidellm_records,
        bench.GUIDELLM_FIELDS,
    ),
    _nested(
        "inference-perf",
        "inference-perf per_request_lifecycle_metrics.json (report.request_lifecycle.per_request: "
        "start/end and output token times in perf_counter s -> TTFT, ITL by position; error.error_type)",
        "tracefit ingest reports-20260101-120000/per_request_lifecycle_metrics.json --model llama-3-8b",
        {"start_time", "end_time", "info", "error"},
        k8s_bench.inference_perf_records,
        k8s_bench.INFERENCE_PERF_FIELDS,
    ),
    _nested(
        "genai-bench",
        "genai-bench per-run JSON in its experiment folder (individual_request_metrics: ttft, tpot, "
        "e2e_latency in its _time_unit, token counts, error_code; no timestamps: arrivals rebuilt from "
        "its aggregated_metrics.num_concurrency)",
        "tracefit ingest experiments/my-run/D100_100_text-to-text_num_concurrency_4_time_61s.json --model llama-3-8b",
        {"aggregated_metrics", "individual_request_metrics"},
        k8s_bench.genai_bench_records,
        k8s_bench.GENAI_BENCH_FIELDS,
        k8s_bench.genai_bench_concurrency,
    ),
    _nested(
        "otel-genai",
        "OpenTelemetry GenAI spans as OTLP/JSON (resourceSpans; gen_ai.request.model, "
        "gen_ai.usage.*, span start/end, gen_ai.response.time_to_first_chunk; OpenInference LLM spans: "
        "llm.model_name, llm.token_count.*)",
        "tracefit ingest otel-traces.json --source prod-gateway",
        {"resourceSpans"},
        otel.otel_records,
        otel.OTEL_FIELDS,
    ),
    _nested(
        "openai-usage",
        "OpenAI-style response log JSONL (id, created, model, usage{...})",
        "tracefit ingest responses.jsonl --tenant team-a",
        {"model", "usage"},
        gateway.openai_records,
        gateway.OPENAI_FIELDS,
    ),
]
LITELLM = Format(
    name="litellm",
    container="any",
    description="LiteLLM proxy spend logs, CSV/JSON (startTime, completionStartTime, endTime, "
    "prompt/completion tokens, team_id or api_key as tenant, status)",
    example="tracefit ingest LiteLLM_SpendLogs.csv",
    columns=gateway.LITELLM_COLUMNS,
    required=frozenset({"startTime", "endTime", "prompt_tokens", "completion_tokens"}),
    fixup=gateway.litellm_fixup,
)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            name="azure",
            container="csv",
            description="Azure LLM inference trace 2023/2024 (TIMESTAMP, ContextTokens, GeneratedTokens)",
            example="tracefit ingest AzureLLMInferenceTrace_code.csv --model azure-code",
            columns={"TIMESTAMP": "arrival_ts", "ContextTokens": "prompt_tokens", "GeneratedTokens": "output_tokens"},
            required=frozenset({"TIMESTAMP", "ContextTokens", "GeneratedTokens"}),
        ),
        Format(
            name="mooncake",
            container="jsonl",
            description="Mooncake trace JSONL (timestamp ms offset, input_length, output_length, hash_ids of 512-token blocks)",
            example="tracefit ingest conversation_trace.jsonl --start 2024-06-03T00:00:00Z",
            columns={
                "timestamp": "arrival_offset_ms",
                "input_length": "prompt_tokens",
                "output_length": "output_tokens",
                "hash_ids": "prefix_block_ids",
            },
            required=frozenset({"timestamp", "input_length", "output_length"}),
            prefix_block_tokens=512,
        ),
        Format(
            name="burstgpt",
            container="csv",
            description="BurstGPT CSV (Timestamp s offset, Model, Request tokens, Response tokens; 0 response "
            "tokens = failed; v2.0's Elapsed time = e2e s)",
            example="tracefit ingest BurstGPT_1.csv",
            # v2.0 (BurstGPT_3.csv) adds Session ID and Elapsed time: submission to the complete
            # response, in whole seconds (HPMLL/BurstGPT README, "Schema")
            columns={
                "Timestamp": "arrival_offset_s",
                "Model": "model",
                "Request tokens": "prompt_tokens",
                "Response tokens": "output_tokens",
                "Elapsed time": "e2e_s",
            },
            required=frozenset({"Timestamp", "Request tokens", "Response tokens"}),
            fixup=_burstgpt_fixup,
        ),
        Format(
            name="llmperf",
            container="json",
            description="llmperf *_individual_responses.json (no timestamps: arrivals rebuilt from the "
            "concurrency in its *_summary.json beside it; no model: use --model)",
            example="tracefit ingest out/llama_individual_responses.json --model llama-3-8b",
            columns=llmperf.COLUMNS,
            required=frozenset({"ttft_s", "end_to_end_latency_s", "number_input_tokens"}),
            fixup=llmperf.fixup,
            concurrency=llmperf.summary_concurrency,
        ),
        Format(
            name="aibrix",
            container="jsonl",
            description="AIBrix benchmark client log (start_time monotonic s, ttft/tpot/latency s); text dropped",
            example="tracefit ingest output.jsonl --model my-model",
            columns={
                "start_time": "arrival_offset_s",
                "prompt_tokens": "prompt_tokens",
                "output_tokens": "output_tokens",
                "ttft": "ttft_s",
                "tpot": "tpot_s",
                "latency": "e2e_s",
            },
            required=frozenset({"prompt_tokens", "output_tokens", "latency", "throughput"}),
        ),
        *NESTED,
        LITELLM,
        Format(
            name="generic",
            container="any",
            description="CSV/TSV, JSON Lines or Parquet with common column names (see --map)",
            example="tracefit ingest requests.parquet --map tenant=customer_name",
        ),
    ]
}


def detect_format(columns: list[str], container: str) -> Format:
    for fmt in FORMATS.values():
        if fmt.accepts(container) and fmt.detect(columns):
            return fmt
    return FORMATS["generic"]
