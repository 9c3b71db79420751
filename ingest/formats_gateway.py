"""Gateway and API logs: LiteLLM proxy spend logs, OpenAI-style response/usage JSONL.

LiteLLM_SpendLogs (CSV/JSON export of the proxy's table): request_id, api_key (hashed),
team_id, model, prompt_tokens, completion_tokens, startTime, endTime, completionStartTime
(first chunk; equals endTime when not streamed), status ("success" | "failure"). The proxy's
Postgres table holds UTC times without a zone, to the millisecond (`2026-12-05 11:25:23.62`). The
`messages`, `response` and `metadata` columns hold text and are never selected.

OpenAI-style usage log: one response object per line, `{id, created, model, usage}` (Chat
Completions: usage.prompt_tokens / completion_tokens / prompt_tokens_details.cached_tokens;
Responses API: created_at, status, usage.input_tokens / output_tokens /
input_tokens_details.cached_tokens). `choices` / `output` (text) are never read.
"""

import polars as pl

LITELLM_COLUMNS = {
    "request_id": "request_id",
    "startTime": "arrival_ts",
    "model": "model",
    "prompt_tokens": "prompt_tokens",
    "completion_tokens": "output_tokens",
    "status": "status",
    "team_id": "tenant",
    "api_key": "api_key",
    "endTime": "end_ts",
    "completionStartTime": "first_token_ts",
}
OPENAI_FIELDS = (
    "request_id",
    "arrival_ts",
    "model",
    "tenant",
    "prompt_tokens",
    "output_tokens",
    "cached_prompt_tokens",
    "status",
)
RESPONSE_STATUS = {
    "completed": "ok",
    "incomplete": "ok",
    "failed": "error",
    "cancelled": "cancelled",
    "in_progress": "cancelled",
    "queued": "cancelled",
}


def litellm_fixup(raw: pl.DataFrame) -> pl.DataFrame:
    """TTFT = completionStartTime − startTime, e2e = endTime − startTime; tenant = team, else key.

    A call that was not streamed has completionStartTime = endTime: no TTFT (LiteLLM's own TTFT
    queries leave those rows out the same way), so no TPOT either. A streamed call's TPOT is
    (e2e − TTFT) / (output_tokens − 1), as in every format.
    """
    start, first, end = _utc(raw, "arrival_ts"), _utc(raw, "first_token_ts"), _utc(raw, "end_ts")
    ttft = pl.when(first == end).then(None).otherwise(_ms_between(start, first))
    out = raw.with_columns(ttft_ms=ttft, e2e_ms=_ms_between(start, end))
    if "output_tokens" in raw.columns:
        output = pl.col("output_tokens").cast(pl.Float64, strict=False)
        tpot = pl.when(output > 1).then((pl.col("e2e_ms") - pl.col("ttft_ms")) / (output - 1))
        out = out.with_columns(tpot_ms=tpot)
    if "api_key" in raw.columns:
        tenant = pl.col("tenant") if "tenant" in raw.columns else pl.lit(None, pl.String)
        out = out.with_columns(tenant=pl.coalesce(_blank_to_null(tenant), _blank_to_null(pl.col("api_key"))))
    return out.drop([c for c in ("api_key", "end_ts", "first_token_ts") if c in out.columns])


def _utc(raw: pl.DataFrame, name: str) -> pl.Expr:
    if name not in raw.columns:
        return pl.lit(None, pl.Datetime("us", "UTC"))
    dtype = raw.schema[name]
    if isinstance(dtype, pl.Datetime):
        col = pl.col(name).cast(pl.Datetime("us", dtype.time_zone))
        return col.dt.convert_time_zone("UTC") if dtype.time_zone else col.dt.replace_time_zone("UTC")
    text = pl.col(name).cast(pl.String).str.strip_chars().str.replace(" ", "T")
    return text.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")


def _ms_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    return (end - start).dt.total_microseconds() / 1000.0


def _blank_to_null(col: pl.Expr) -> pl.Expr:
    text = col.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def openai_records(doc: dict) -> list[dict]:
    usage = doc.get("usage")
    if not isinstance(usage, dict):
        usage = {}
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    status = doc.get("status")
    return [
        {
            "request_id": doc.get("id"),
            "arrival_ts": doc.get("created", doc.get("created_at")),
            "model": doc.get("model"),
            "tenant": doc.get("user"),
            "prompt_tokens": usage.get("prompt_tokens", usage.get("input_tokens")),
            "output_tokens": usage.get("completion_tokens", usage.get("output_tokens")),
            "cached_prompt_tokens": details.get("cached_tokens") if isinstance(details, dict) else None,
            "status": RESPONSE_STATUS.get(status, status) if isinstance(status, str) else "ok",
        }
    ]
