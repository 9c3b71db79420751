"""llmperf (ray-project/llmperf) *_individual_responses.json: per-request latencies, no timestamps.

llmperf's `inter_token_latency_s` is its own figure (about e2e / output tokens: TTFT included), not a
time per output token: tracefit does not keep it and stores tpot = (e2e − ttft) / (output − 1), as for
every format. The file has no arrival times. llmperf runs `num_concurrent_requests` closed-loop
clients, each sending its next request when the last one ends, and writes requests as they complete;
with that concurrency (from the run's `*_summary.json` beside the file) the arrivals are rebuilt the
same way (ingest/closed_loop.py): each request starts when the earliest-free client finished its
previous one, plus the idle time that makes the run last as long as llmperf measured.
"""

import json
from pathlib import Path

import polars as pl

from ingest.closed_loop import ClosedLoop, idle_s_to_fill
from ingest.compression import plain_name

COLUMNS = {
    "ttft_s": "ttft_s",
    "end_to_end_latency_s": "e2e_s",
    "number_input_tokens": "prompt_tokens",
    "number_output_tokens": "output_tokens",
    "error_code": "error_code",
}
INDIVIDUAL = "_individual_responses.json"


def fixup(raw: pl.DataFrame) -> pl.DataFrame:
    """Status from `error_code` (null, 0 or empty on success); tpot from e2e, ttft and output tokens."""
    code = pl.col("error_code").cast(pl.String)
    ok = code.is_null() | code.is_in(["", "0", "None", "null"])
    number = {c: pl.col(c).cast(pl.Float64, strict=False) for c in ("ttft_s", "e2e_s", "output_tokens")}
    tpot = (number["e2e_s"] - number["ttft_s"]) / (number["output_tokens"] - 1)
    return raw.with_columns(
        status=pl.when(ok).then(pl.lit("ok")).otherwise(pl.lit("error")),
        error_code=pl.when(ok).then(None).otherwise(code),
        tpot_s=pl.when(number["output_tokens"] > 1).then(tpot),
    )


def summary_concurrency(path: Path, data: Path) -> ClosedLoop | str:
    """The run's closed loop, from llmperf's `<name>_summary.json` beside `<name>_individual_responses.json`
    (`path`, as given; `data` is its decompressed copy, not needed here), or why there is none.

    The idle time makes the rebuilt run as long as llmperf measured it: clients × duration = the
    requests' latencies + idle, with duration = completed requests / `results_num_completed_requests_per_min`
    and the latencies' sum = completed × `results_end_to_end_latency_s_mean` (0 when either is missing)."""
    name = plain_name(path)
    if not name.endswith(INDIVIDUAL):
        return f"name the file *{INDIVIDUAL}, as llmperf does, with its *_summary.json beside it"
    summary = path.with_name(name[: -len(INDIVIDUAL)] + "_summary.json")
    try:
        doc = json.loads(summary.read_text())
        clients = doc.get("num_concurrent_requests")
    except (OSError, ValueError, AttributeError):
        return f"put the run's {summary.name} beside the file to rebuild them from its concurrency"
    if type(clients) is not int or clients <= 0:
        return f"{summary.name} has no num_concurrent_requests (a positive whole number)"
    done, per_min, e2e_s = (
        doc.get(k)
        for k in (
            "results_num_completed_requests",
            "results_num_completed_requests_per_min",
            "results_end_to_end_latency_s_mean",
        )
    )
    idle_s, how = 0.0, "no idle time (the summary has no run length)"
    if all(type(v) in (int, float) and v > 0 for v in (done, per_min, e2e_s)):
        idle_s = idle_s_to_fill(clients, done / per_min * 60.0, done * e2e_s, done)
        how = f"{idle_s:.3f} s idle between a client's requests (the run's measured length)"
    return ClosedLoop(
        clients=clients, idle_s=idle_s, source=f"num_concurrent_requests in {summary.name}", idle_source=how
    )
