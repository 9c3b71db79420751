"""Benchmark-client exports: genai-perf, AIPerf, vLLM / SGLang bench serving, GuideLLM.

Each `*_records(document)` turns one parsed JSON document into flat records of raw fields
(see `fields`), plus `itl_ms_list` (inter-token gaps in ms, output-token position 1..n-1)
and `__invalid` for a record that cannot be read. Only numbers, ids and status codes are
kept: prompts and generated text are at most measured (genai-perf: a prompt's length, whether a
streamed chunk has text), error messages are never read.
"""

import json
from itertools import pairwise

from ingest.containers import INVALID

NS_EPOCH_MIN = 1e17  # ns timestamps at least this large are Unix epochs (after 1973)
UNIT_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0, "sec": 1000.0}

GENAI_PERF_FIELDS = (
    "arrival_ts",
    "arrival_offset_ms",
    "prompt_tokens",
    "prompt_tokens_estimated",
    "output_tokens",
    "ttft_ms",
    "e2e_ms",
    "itl_ms_list",
    "status",
)
AIPERF_FIELDS = (
    "request_id",
    "arrival_ts",
    "prompt_tokens",
    "output_tokens",
    "ttft_ms",
    "tpot_ms",
    "e2e_ms",
    "itl_ms_list",
    "status",
    "error_code",
)
SERVE_BENCH_FIELDS = (
    "arrival_offset_s",
    "model",
    "prompt_tokens",
    "output_tokens",
    "ttft_ms",
    "e2e_ms",
    "itl_ms_list",
    "status",
)
GUIDELLM_FIELDS = (
    "request_id",
    "arrival_ts",
    "model",
    "prompt_tokens",
    "output_tokens",
    "ttft_ms",
    "tpot_ms",
    "e2e_ms",
    "status",
)


def _number(value) -> float | None:
    return float(value) if type(value) in (int, float) else None


def _invalid(what: str) -> dict:
    return {INVALID: f"{what} is not a JSON object"}


def genai_perf_records(doc: dict) -> list[dict]:
    """genai-perf / Perf Analyzer profile_export.json: experiments[].requests[] with ns timestamps.

    As genai-perf itself does, only responses that carry generated text count: an OpenAI stream's
    role-only first chunk, an empty final delta and `data: [DONE]` are not tokens. TTFT = first
    content response − request, e2e = last content response − request, ITL = gaps between content
    responses, output tokens = content responses (genai-perf re-tokenizes the text instead; a
    server streams one token a chunk, so the two agree unless chunks were batched). Prompt tokens:
    Triton's `input_lengths`, else `--prompt-tokens`, else estimated offline from the prompt's
    characters (`estimate_tokens`) and flagged. Text is only measured, never kept.
    """
    requests = [r for exp in doc["experiments"] for r in (exp or {}).get("requests") or []]
    stamps = [r.get("timestamp", r.get("request_timestamp")) for r in requests if isinstance(r, dict)]
    epoch = max((s for s in stamps if _number(s) is not None), default=0) >= NS_EPOCH_MIN
    return [_genai_perf_request(r, epoch) for r in requests]


def _genai_perf_request(request, epoch: bool) -> dict:
    if not isinstance(request, dict):
        return _invalid("request")
    sent = request.get("timestamp", request.get("request_timestamp"))
    responses = request.get("response_timestamps") or []
    arrival = "arrival_ts" if epoch else "arrival_offset_ms"  # monotonic clock: ns offsets
    record = {"status": "ok" if responses else "error", **_genai_perf_prompt(request.get("request_inputs"))}
    if _number(sent) is None or not all(_number(t) is not None for t in responses):
        return record | {
            "output_tokens": len(responses),
            INVALID: "request_timestamp/response_timestamps are not numbers",
        }
    outputs = request.get("response_outputs")
    content = (
        [t for t, out in zip(responses, outputs) if _has_content(out)]
        if isinstance(outputs, list) and len(outputs) == len(responses)
        else responses
    )
    record |= {arrival: sent if epoch else sent * 1e-6, "output_tokens": len(content)}
    if content:
        record |= {
            "ttft_ms": (content[0] - sent) / 1e6,
            "e2e_ms": (content[-1] - sent) / 1e6,
            "itl_ms_list": [(b - a) / 1e6 for a, b in pairwise(content)],
        }
    elif responses:  # answered, but with no generated text
        record["e2e_ms"] = (responses[-1] - sent) / 1e6
    return record


def _has_content(output) -> bool:
    """Whether one response carries generated text: an OpenAI SSE chunk with a non-empty delta
    content (chat) or text (completions), or a Triton `text_output`. An unreadable one counts."""
    if not isinstance(output, dict):
        return True
    if "text_output" in output:
        return bool(output["text_output"])
    body = output.get("response")
    if not isinstance(body, str):
        return True
    found = False
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            continue
        try:
            chunk = json.loads(data)
        except ValueError:
            return True
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            text = delta.get("content") if isinstance(delta, dict) else (choice or {}).get("text")
            found = found or bool(text)
    return found


def _genai_perf_prompt(inputs) -> dict:
    """prompt_tokens from Triton's `input_lengths`; else estimated from the prompt text (flagged)."""
    exact = _input_length(inputs)
    if exact is not None:
        return {"prompt_tokens": exact}
    chars = _prompt_chars(inputs)
    if chars is None:
        return {"prompt_tokens": None}
    return {"prompt_tokens": estimate_tokens(chars), "prompt_tokens_estimated": True}


def estimate_tokens(chars: int) -> int:
    """Tokens of `chars` characters of English text: characters / 4 rounded half up, at least 1 (OpenAI's
    rule of thumb, "one token is ~4 characters of English"; genai-perf's own test prompts "This is
    test" and "This is test too" tokenize to 3 and 4 with Llama's tokenizer, as here). An estimate:
    code, CJK text and chat templates count differently."""
    return max(1, (chars + 2) // 4)


def _prompt_chars(inputs) -> int | None:
    """Characters of the prompt text in genai-perf `request_inputs`: an OpenAI payload's messages
    (string content or its text parts) or prompt, or Triton's `text_input`; None when there is none."""
    if not isinstance(inputs, dict):
        return None
    if isinstance(inputs.get("text_input"), str):
        return len(inputs["text_input"])
    try:
        payload = json.loads(inputs.get("payload") or "null")
    except (TypeError, ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    texts = [payload["prompt"]] if isinstance(payload.get("prompt"), str) else []
    for message in payload.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        parts = (
            [content]
            if isinstance(content, str)
            else [p.get("text") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
        )
        texts += [t for t in parts if isinstance(t, str)]
    return sum(map(len, texts)) if texts else None


def _ms(value, scale: float):
    return value * scale if _number(value) is not None else value


def _input_length(inputs) -> int | None:
    # Triton tensorrtllm inputs carry `input_lengths: [n]`; OpenAI payloads carry only text.
    value = inputs.get("input_lengths") if isinstance(inputs, dict) else None
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    return value if type(value) is int else None


def aiperf_records(doc: dict) -> list[dict]:
    """AIPerf profile_export.jsonl: one {metadata, metrics, error} record per line.

    Two schemas: AIPerf 0.1.x (metadata.timestamp_ns; metrics ttft, inter_token_latency, ...)
    and later ones (metadata.request_start_ns; metrics time_to_first_token, ...). A failed or
    cancelled request is stored with its status; a 0.1.x cancellation carries no token counts
    (nothing was sent back): its counts are 0.
    """
    meta, metrics, error = doc.get("metadata") or {}, doc.get("metrics") or {}, doc.get("error")
    if not isinstance(meta, dict) or not isinstance(metrics, dict):
        return [_invalid("metadata/metrics")]
    record = {
        "request_id": meta.get("x_request_id"),
        "arrival_ts": meta.get("request_start_ns", meta.get("timestamp_ns")),
        "prompt_tokens": _metric(metrics, "input_sequence_length", "error_isl"),
        "output_tokens": _metric(metrics, "output_sequence_length", "output_token_count"),
        "ttft_ms": _metric_ms(metrics, "time_to_first_token", "ttft"),
        "tpot_ms": _metric_ms(metrics, "inter_token_latency"),
        "e2e_ms": _metric_ms(metrics, "request_latency"),
        "itl_ms_list": _metric_ms(metrics, "inter_chunk_latency"),
        "status": "ok",
    }
    if isinstance(error, dict):  # error.message is free text: never read
        code = error.get("code")
        cancelled = meta.get("was_cancelled") or error.get("type") == "RequestCancellationError"
        record |= {
            "status": "cancelled" if cancelled else str(code or "error"),
            "error_code": error.get("type"),
            "output_tokens": record["output_tokens"] or 0,
            "prompt_tokens": record["prompt_tokens"] if record["prompt_tokens"] is not None else 0,
        }
    return [record]


def _metric(metrics: dict, *names: str):
    for name in names:
        entry = metrics.get(name)
        if isinstance(entry, dict) and entry.get("value") is not None:
            return entry["value"]
    return None


def _metric_ms(metrics: dict, *names: str):
    entry = next((metrics[n] for n in names if isinstance(metrics.get(n), dict)), None)
    if entry is None:
        return None
    value, scale = entry.get("value"), UNIT_TO_MS.get(str(entry.get("unit", "ms")).lower())
    if scale is None:
        return None
    if isinstance(value, list):
        return [x * scale if _number(x) is not None else x for x in value]
    return _ms(value, scale)


def serve_bench_records(doc: dict) -> list[dict]:
    """vLLM `bench serve --save-result --save-detailed` / SGLang `bench_serving --output-details`.

    Parallel per-request arrays in seconds: input_lens, output_lens, ttfts, itls (list per
    request), start_times (vLLM >= 0.10, time.perf_counter), errors (text: only emptiness is read).
    e2e is TTFT + the gaps; vLLM 0.34's `latencies` (kept even without --save-detailed) is that same
    sum by construction (its latency ends at the last token), so it is not read. A failed request
    has an empty error-free output: its output tokens are 0.
    """
    arrays = {k: doc.get(k) for k in ("input_lens", "output_lens", "ttfts", "itls", "start_times", "errors")}
    if not all(isinstance(v, list) for k, v in arrays.items() if v is not None):
        raise ValueError("per-request fields must be lists")
    count = max(len(v) for v in arrays.values() if v is not None)
    model = doc.get("model_id") or (doc.get("server_info") or {}).get("model_path")
    return [_serve_request(arrays, i, model) for i in range(count)]


def _serve_request(arrays: dict, i: int, model) -> dict:
    def at(key):
        values = arrays[key]
        return values[i] if values is not None and i < len(values) else None

    failed = bool(at("errors"))
    ttft, itls = _number(at("ttfts")), at("itls")
    record = {
        "model": model,
        "prompt_tokens": at("input_lens"),
        "output_tokens": at("output_lens"),
        "status": "error" if failed else "ok",
    }
    if arrays["start_times"] is not None:  # vLLM >= 0.10; older exports have no arrival times
        record["arrival_offset_s"] = at("start_times")
    if not isinstance(itls, list) or not all(_number(x) is not None for x in itls):
        return record | ({} if itls is None else {INVALID: "itls entry is not a list of numbers"})
    if not failed and ttft is not None:
        gaps = [x * 1000.0 for x in itls]
        record |= {"ttft_ms": ttft * 1000.0, "itl_ms_list": gaps, "e2e_ms": ttft * 1000.0 + sum(gaps)}
    return record


GUIDELLM_STATUS = {"successful": "ok", "incomplete": "cancelled", "errored": "error"}


def guidellm_records(doc: dict) -> list[dict]:
    """GuideLLM benchmarks.json: benchmarks[].requests.{successful,incomplete,errored}[].

    Times are Unix seconds: start_time, first_token_time, last_token_time, end_time (to 0.3), or
    info.timings.{request_start, first_token_iteration, last_token_iteration, request_end} (the
    names in the 0.4.0, 0.5.0, 0.6.0, 0.7.0 and 0.8.1 wheels). The model: worker.backend_model (to
    0.3) or config.backend.model (0.8.1).
    """
    out = []
    for bench in doc["benchmarks"]:
        model = _guidellm_model(bench or {})
        groups = (bench or {}).get("requests") or {}
        for group, status in GUIDELLM_STATUS.items():
            out += [_guidellm_request(r, model, status) for r in groups.get(group) or []]
    return out


def _guidellm_model(bench: dict):
    worker, config = bench.get("worker") or {}, bench.get("config") or {}
    return worker.get("backend_model") or (config.get("backend") or {}).get("model")


def _guidellm_request(request, model, status: str) -> dict:
    if not isinstance(request, dict):
        return _invalid("request")
    timings = (request.get("info") or {}).get("timings") or {}
    start = _number(request.get("start_time", timings.get("request_start")))
    first = _number(request.get("first_token_time", timings.get("first_token_iteration")))
    last = _number(request.get("last_token_time", timings.get("last_token_iteration")))
    end = _number(request.get("end_time", timings.get("request_end")))
    out_tokens = request.get("output_tokens")
    record = {
        "request_id": request.get("request_id"),
        "arrival_ts": start,
        "model": model,
        "prompt_tokens": request.get("prompt_tokens"),
        "status": status,
        "output_tokens": out_tokens if out_tokens is not None or status == "ok" else 0,
    }
    if start is not None and first is not None:
        record["ttft_ms"] = (first - start) * 1000.0
    if start is not None and end is not None:
        record["e2e_ms"] = (end - start) * 1000.0
    if first is not None and last is not None and type(out_tokens) is int and out_tokens > 1:
        record["tpot_ms"] = (last - first) * 1000.0 / (out_tokens - 1)  # GuideLLM's ITL
    return record
