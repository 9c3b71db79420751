"""llmperf (ray-project/llmperf) *_individual_responses.json: per-request latencies, no timestamps.

llmperf's `inter_token_latency_s` is its own figure (about e2e / output tokens: TTFT included), not a
time per output token: tracefit does not keep it and stores tpot = (e2e − ttft) / (output − 1), as for
every format. The file has no arrival times. llmperf runs `num_concurrent_requests` closed-loop
clients, each sending its next request when the last one ends, and writes requests as they complete;
with that concurrency (from the run's `*_summary.json` beside the file) the arrivals are rebuilt the
same way: each request starts when the earliest-free client finished its previous one, plus the idle
time that makes the run last as long as llmperf measured.
"""

import heapq
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

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


def summary_concurrency(path: Path) -> tuple[int, float, Path] | None:
    """(clients, idle seconds between a client's requests, the summary file) of the run, from
    llmperf's `<name>_summary.json` beside `<name>_individual_responses.json`; None when there is none.

    The idle time makes the rebuilt run as long as llmperf measured it: clients × duration = the
    requests' latencies + idle, with duration = completed requests / `results_num_completed_requests_per_min`
    and the latencies' sum = completed × `results_end_to_end_latency_s_mean` (0 when either is missing)."""
    name = plain_name(path)
    if not name.endswith(INDIVIDUAL):
        return None
    summary = path.with_name(name[: -len(INDIVIDUAL)] + "_summary.json")
    try:
        doc = json.loads(summary.read_text())
        clients = doc.get("num_concurrent_requests")
    except (OSError, ValueError, AttributeError):
        return None
    if type(clients) is not int or clients <= 0:
        return None
    done, per_min, e2e_s = (
        doc.get(k)
        for k in (
            "results_num_completed_requests",
            "results_num_completed_requests_per_min",
            "results_end_to_end_latency_s_mean",
        )
    )
    idle_s = 0.0
    if all(type(v) in (int, float) and v > 0 for v in (done, per_min, e2e_s)):
        idle_s = max(0.0, (clients * done / per_min * 60.0 - done * e2e_s) / done)
    return clients, idle_s, summary


def closed_loop_arrivals(batches: Iterator[pl.DataFrame], clients: int, idle_s: float = 0.0) -> Iterator[pl.DataFrame]:
    """Each batch with `arrival_offset_s`: requests in completion order, `clients` closed-loop
    clients, each request starting `idle_s` after the earliest-free client ended its previous one."""
    free_s = [0.0] * clients  # when each client is free again (a heap)
    for raw in batches:
        starts = []
        for e2e in raw.get_column("e2e_s").cast(pl.Float64, strict=False).to_list():
            start = heapq.heappop(free_s) + idle_s
            starts.append(start)
            heapq.heappush(free_s, start + (e2e if e2e is not None and e2e >= 0 else 0.0))
        yield raw.with_columns(pl.Series("arrival_offset_s", starts, pl.Float64))
