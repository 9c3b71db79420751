"""OpenTelemetry GenAI spans exported as OTLP/JSON (a file, or one export request per line).

Shape (opentelemetry-proto `ExportTraceServiceRequest`, JSON mapping):
resourceSpans[].scopeSpans[].spans[] with traceId, spanId, startTimeUnixNano,
endTimeUnixNano (int64 as decimal strings), status.code (2 = ERROR) and attributes
[{key, value: {stringValue | intValue | doubleValue | boolValue}}].
Attribute names follow the GenAI semantic conventions, or OpenInference's (Arize Phoenix:
`openinference.span.kind`, `llm.model_name`, `llm.token_count.*`); only the ones below are read, never
`gen_ai.input.messages`, `gen_ai.output.messages`, `input.value`, `output.value`, prompts,
completions or status.message.
A span is an LLM call when it carries a `gen_ai.` attribute and its `gen_ai.operation.name` (if any)
is a generation (chat, text_completion, generate_content), or when its `openinference.span.kind` is
LLM; other GenAI spans (execute_tool, embeddings, invoke_agent, retrievals ...) and other
OpenInference kinds (CHAIN, TOOL, RETRIEVER, EMBEDDING, AGENT ...) are skipped and counted by
operation; spans with neither (HTTP, database, a workflow wrapper) are not rows.
"""

from ingest.containers import INVALID, SKIP

GENERATION = {"chat", "text_completion", "generate_content", "completion"}
OPENINFERENCE_KIND = "openinference.span.kind"

OTEL_FIELDS = (
    "request_id",
    "arrival_ts",
    "model",
    "tenant",
    "prompt_tokens",
    "output_tokens",
    "cached_prompt_tokens",
    "ttft_s",
    "e2e_ms",
    "status",
    "error_code",
)

# raw field -> span attributes, first present wins (older names after newer ones)
ATTRIBUTES = {
    "model": ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name"),
    "prompt_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"),
    "cached_prompt_tokens": ("gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read"),
    "ttft_s": ("gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token"),
    "error_code": ("error.type",),
    "tenant": ("user.id", "enduser.id"),
}
STATUS_ERROR = (2, "STATUS_CODE_ERROR")


def otel_records(doc: dict) -> list[dict]:
    spans = [
        span
        for rs in doc["resourceSpans"]
        for ss in (rs or {}).get("scopeSpans") or []
        for span in (ss or {}).get("spans") or []
    ]
    return [
        _span(s) if isinstance(s, dict) else {INVALID: "span is not a JSON object"}
        for s in spans
        if not isinstance(s, dict) or _is_genai(s)
    ]


def _attribute(span: dict, key: str):
    return next(
        (_value(a.get("value")) for a in span.get("attributes") or [] if isinstance(a, dict) and a.get("key") == key),
        None,
    )


def _is_genai(span: dict) -> bool:
    return any(
        isinstance(a, dict) and (str(a.get("key", "")).startswith("gen_ai.") or a.get("key") == OPENINFERENCE_KIND)
        for a in span.get("attributes") or []
    )


def _span(span: dict) -> dict:
    operation = _attribute(span, "gen_ai.operation.name")
    if operation is not None and str(operation) not in GENERATION:
        return {SKIP: f"{operation} spans (not LLM calls)"}
    kind = _attribute(span, OPENINFERENCE_KIND)
    if kind is not None and str(kind).upper() != "LLM":
        return {SKIP: f"OpenInference {kind} spans (not LLM calls)"}
    attrs = {a.get("key"): _value(a.get("value")) for a in span["attributes"] if isinstance(a, dict)}
    record = {
        field: next((attrs[k] for k in keys if attrs.get(k) is not None), None) for field, keys in ATTRIBUTES.items()
    }
    start, end = _int(span.get("startTimeUnixNano")), _int(span.get("endTimeUnixNano"))
    record["request_id"] = ":".join(str(span.get(k) or "") for k in ("traceId", "spanId"))
    record["arrival_ts"] = start
    record["e2e_ms"] = (end - start) / 1e6 if start is not None and end is not None else None
    code = (span.get("status") or {}).get("code")
    record["status"] = "error" if code in STATUS_ERROR or record["error_code"] else "ok"
    return record


def _value(value):
    # OTLP/JSON AnyValue; int64 travels as a decimal string
    if not isinstance(value, dict):
        return None
    if "intValue" in value:
        return _int(value["intValue"])
    for key in ("doubleValue", "stringValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _int(value) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
