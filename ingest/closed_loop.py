"""Arrivals of a closed-loop benchmark run, rebuilt from its latencies (llmperf, genai-bench).

Such a client runs `clients` loops, each sending its next request when its last one ended, and writes
requests as they complete, with their latencies but no start times. A format's `concurrency` hook
says how many clients (and where it read that); the reader then gives each request the start that
the loop implies: the earliest-free client's last end, plus `idle_s`.
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

LATENCY_FIELDS = (("e2e_s", 1.0), ("e2e_ms", 1e-3))  # raw latency field, seconds per unit


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedLoop:
    clients: int
    idle_s: float = 0.0  # between a client's end of one request and its next start
    source: str  # where `clients` was read, for the ingest note: "num_concurrent_requests in x_summary.json"
    idle_source: str = "no idle time"  # how `idle_s` was found, for the same note


def idle_s_to_fill(clients: int, duration_s: float, latency_sum_s: float, requests: int) -> float:
    """The idle time between a client's requests that makes the rebuilt run last as long as the tool
    measured it: clients × duration = the requests' latencies + requests × idle (0 when they fill it)."""
    return max(0.0, (clients * duration_s - latency_sum_s) / requests)


def closed_loop_arrivals(batches: Iterator[pl.DataFrame], loop: ClosedLoop) -> Iterator[pl.DataFrame]:
    """Each batch with `arrival_offset_s`: requests in completion order, each starting `loop.idle_s`
    after the earliest-free client ended its previous one. A request with no latency (a failure that
    recorded none) takes no client time."""
    free_s = [0.0] * loop.clients  # when each client is free again (a heap)
    for raw in batches:
        starts = []
        for latency_s in _latencies_s(raw):
            start = heapq.heappop(free_s) + loop.idle_s
            starts.append(start)
            heapq.heappush(free_s, start + (latency_s if latency_s is not None and latency_s >= 0 else 0.0))
        yield raw.with_columns(pl.Series("arrival_offset_s", starts, pl.Float64))


def _latencies_s(raw: pl.DataFrame) -> list[float | None]:
    name, seconds = next((f for f in LATENCY_FIELDS if f[0] in raw.columns), LATENCY_FIELDS[0])
    return (raw.get_column(name).cast(pl.Float64, strict=False) * seconds).to_list()
