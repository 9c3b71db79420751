"""The registry of log formats: how each is detected and which columns become which fields.

A format names its container and maps source columns to raw fields (see `fields`);
`fixup` adds format-specific meaning (BurstGPT: zero response tokens = failed request).
`detect` is tried in registry order on the file's column names; `generic` comes last.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

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


def _error_code_fixup(raw: pl.DataFrame) -> pl.DataFrame:
    # llmperf: `error_code` is null (or 0/empty) on success; anything else is a failed request.
    code = pl.col("error_code").cast(pl.String)
    ok = code.is_null() | code.is_in(["", "0", "None", "null"])
    return raw.with_columns(
        status=pl.when(ok).then(pl.lit("ok")).otherwise(pl.lit("error")),
        error_code=pl.when(ok).then(None).otherwise(code),
    )


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            name="azure",
            container="csv",
            description="Azure LLM inference trace 2023/2024 (TIMESTAMP, ContextTokens, GeneratedTokens)",
            example="tracefit ingest AzureLLMInferenceTrace_code.csv --model azure-code",
            columns={"TIMESTAMP": "arrival_ts", "ContextTokens": "prompt_tokens",
                     "GeneratedTokens": "output_tokens"},
            required=frozenset({"TIMESTAMP", "ContextTokens", "GeneratedTokens"}),
        ),
        Format(
            name="mooncake",
            container="jsonl",
            description="Mooncake trace JSONL (timestamp ms offset, input_length, output_length, hash_ids of 512-token blocks)",
            example="tracefit ingest conversation_trace.jsonl --start 2024-06-03T00:00:00Z",
            columns={"timestamp": "arrival_offset_ms", "input_length": "prompt_tokens",
                     "output_length": "output_tokens", "hash_ids": "prefix_block_ids"},
            required=frozenset({"timestamp", "input_length", "output_length"}),
            prefix_block_tokens=512,
        ),
        Format(
            name="burstgpt",
            container="csv",
            description="BurstGPT CSV (Timestamp s offset, Model, Request tokens, Response tokens; 0 response tokens = failed)",
            example="tracefit ingest BurstGPT_1.csv",
            columns={"Timestamp": "arrival_offset_s", "Model": "model",
                     "Request tokens": "prompt_tokens", "Response tokens": "output_tokens"},
            required=frozenset({"Timestamp", "Request tokens", "Response tokens"}),
            fixup=_burstgpt_fixup,
        ),
        Format(
            name="llmperf",
            container="json",
            description="llmperf *_individual_responses.json (no timestamps or model: use --model, --start)",
            example="tracefit ingest out/llama_individual_responses.json --model llama-3-8b",
            columns={"ttft_s": "ttft_s", "inter_token_latency_s": "tpot_s",
                     "end_to_end_latency_s": "e2e_s", "number_input_tokens": "prompt_tokens",
                     "number_output_tokens": "output_tokens", "error_code": "error_code"},
            required=frozenset({"ttft_s", "end_to_end_latency_s", "number_input_tokens"}),
            fixup=_error_code_fixup,
        ),
        Format(
            name="aibrix",
            container="jsonl",
            description="AIBrix benchmark client log (start_time monotonic s, ttft/tpot/latency s); text dropped",
            example="tracefit ingest output.jsonl --model my-model",
            columns={"start_time": "arrival_offset_s", "prompt_tokens": "prompt_tokens",
                     "output_tokens": "output_tokens", "ttft": "ttft_s", "tpot": "tpot_s",
                     "latency": "e2e_s"},
            required=frozenset({"prompt_tokens", "output_tokens", "latency", "throughput"}),
        ),
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
        if fmt.container in (container, "any") and fmt.detect(columns):
            return fmt
    return FORMATS["generic"]
