"""Raw field names, the column synonyms that map onto them, and `--map` parsing.

A raw field is a canonical field, optionally with the unit the source uses
(`ttft_s` → `ttft_ms` × 1000). Formats and `--map` rename source columns to raw fields;
`normalize` turns raw fields into canonical columns.
"""

import re

from ingest.errors import IngestError

# raw field -> source column names seen in the wild (compared after `_key`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "request_id": ("request_id", "requestid", "req_id", "id", "uuid", "trace_id", "call_id"),
    "arrival_ts": (
        "arrival_ts",
        "arrival_time",
        "arrival",
        "timestamp",
        "ts",
        "time",
        "start_time",
        "starttime",
        "created",
        "created_at",
        "request_timestamp",
        "request_time",
        "date",
    ),
    "arrival_offset_s": ("arrived_at", "arrival_offset_s", "offset_s"),
    "arrival_offset_ms": ("arrival_offset_ms", "offset_ms"),
    "model": ("model", "model_name", "model_id", "engine", "deployment"),
    "tenant": (
        "tenant",
        "tenant_id",
        "client",
        "client_id",
        "customer",
        "customer_id",
        "user",
        "user_id",
        "api_key",
        "team",
        "team_id",
        "org",
        "org_id",
        "organization",
        "project",
    ),
    "prompt_tokens": (
        "prompt_tokens",
        "input_tokens",
        "context_tokens",
        "contexttokens",
        "num_prefill_tokens",
        "input_length",
        "input_len",
        "prompt_len",
        "prompt_length",
        "request_tokens",
        "isl",
        "num_input_tokens",
        "number_input_tokens",
        "n_input_tokens",
    ),
    "output_tokens": (
        "output_tokens",
        "completion_tokens",
        "generated_tokens",
        "generatedtokens",
        "num_decode_tokens",
        "output_length",
        "output_len",
        "response_tokens",
        "osl",
        "num_output_tokens",
        "number_output_tokens",
        "n_output_tokens",
    ),
    "cached_prompt_tokens": ("cached_prompt_tokens", "cached_tokens", "prompt_cached_tokens"),
    "ttft_ms": ("ttft_ms", "time_to_first_token_ms", "first_token_latency_ms"),
    "ttft_s": ("ttft_s", "ttft_sec", "time_to_first_token_s"),
    "tpot_ms": ("tpot_ms", "time_per_output_token_ms", "itl_ms", "inter_token_latency_ms", "mean_itl_ms"),
    "tpot_s": ("tpot_s", "tpot_sec", "inter_token_latency_s", "time_per_output_token_s"),
    "e2e_ms": ("e2e_ms", "e2e_latency_ms", "latency_ms", "end_to_end_latency_ms", "duration_ms", "request_latency_ms"),
    "e2e_s": ("e2e_s", "e2e_latency_s", "latency_s", "end_to_end_latency_s", "duration_s", "request_latency_s"),
    "status": ("status", "status_code", "http_status", "state", "outcome", "finish_reason"),
    "error_code": ("error_code", "error_type"),
    "prefix_block_ids": ("prefix_block_ids", "hash_ids", "block_hashes", "prefix_hashes"),
}

RAW_FIELDS = tuple(SYNONYMS)
UNIT_SCALE_TO_MS = {"ms": 1.0, "s": 1000.0}
COUNT_FIELDS = ("prompt_tokens", "output_tokens", "cached_prompt_tokens")  # integers
DURATION_FIELDS = tuple(f"{stem}_{unit}" for stem in ("ttft", "tpot", "e2e") for unit in UNIT_SCALE_TO_MS)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


_LOOKUP = {_key(s): field for field, names in SYNONYMS.items() for s in names}


def match_columns(columns: list[str]) -> dict[str, str]:
    """Source column -> raw field, by synonym; the first column wins for each field."""
    found: dict[str, str] = {}
    for col in columns:
        field = _LOOKUP.get(_key(col))
        if field and field not in found.values():
            found[col] = field
    return found


def parse_map(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`["ttft_s=TimeToFirst", ...]` -> {source column: raw field}."""
    out: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise IngestError(f"--map {item!r}: expected CANONICAL=SOURCE, e.g. --map prompt_tokens=n_in")
        if field not in SYNONYMS:
            known = ", ".join(RAW_FIELDS)
            raise IngestError(f"--map {item!r}: unknown field {field!r}; known fields: {known}")
        out[column] = field
    return out
