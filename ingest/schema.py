"""The canonical request schema: the one contract between ingest and the warehouse."""

import polars as pl

STATUSES = ("ok", "error", "timeout", "rejected", "cancelled")

# One row per request. Latencies are nullable: many traces have none.
REQUEST_SCHEMA = pl.Schema(
    {
        "source": pl.String,  # dataset name; de-duplication key together with request_id
        "request_id": pl.String,
        "arrival_ts": pl.Datetime("us", "UTC"),
        "model": pl.String,
        "tenant": pl.String,
        "prompt_tokens": pl.Int64,
        "output_tokens": pl.Int64,
        "cached_prompt_tokens": pl.Int64,
        "ttft_ms": pl.Float64,  # arrival -> first output token
        "tpot_ms": pl.Float64,  # mean time per output token after the first
        "e2e_ms": pl.Float64,  # arrival -> last output token
        "status": pl.String,  # one of STATUSES
        "error_code": pl.String,
        "prefix_block_ids": pl.List(pl.Int64),  # one id per fixed-size prompt block
        "source_row": pl.Int64,  # 1-based data row (CSV) / line (JSONL) / record (JSON, Parquet)
    }
)

# Companion table: inter-token latency by output-token position (index 1 = gap between
# output tokens 0 and 1), keyed like its request by (source, request_id).
TOKEN_LATENCY_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "request_id": pl.String,
        "token_index": pl.Int32,
        "itl_ms": pl.Float64,
        "source_row": pl.Int64,  # the request's row: lets loading drop a duplicate's gaps; not stored
    }
)

REJECTED_SCHEMA = pl.Schema(
    {
        "source_row": pl.Int64,
        "reason": pl.String,
        "field_values": pl.String,  # JSON object of the canonical fields' raw values, never text
    }
)
