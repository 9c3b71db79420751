"""One replica's share of a window's real traffic, built from a (sampled) log of that window.

A log sampled at `sample_rate` of a service, planned at `traffic_scale` times today's traffic
and spread over `replicas` engines, gives each replica m = traffic_scale / (sample_rate *
replicas) requests per logged request. m <= 1: each logged request is kept with probability m
(Bernoulli thinning = random routing). m > 1: each logged request is kept and gets floor(m) - 1
or floor(m) more copies (on average m - 1) with the same lengths, at times drawn uniformly
between it and the next logged arrival, so the rate follows the log's own rate curve at the
log's time resolution and is locally Poisson (as a superposition of many users is).

Assumption: random routing, not least-loaded. A random split hands each replica the full
burstiness of a thinned stream, whereas least-loaded routing steers arrivals away from busy
replicas, so one replica fed this share queues more than any replica behind a least-loaded
router: TTFT and queueing tails come out pessimistic (safe for capacity planning), the mean
load, batch size, TPOT and throughput per replica about right. For small cases
`simulate(..., replicas=R)` routes the full stream exactly instead.
"""

import numpy as np


def replica_share(
    arrival_s,
    prompt_tokens,
    output_tokens,
    *,
    replicas: int = 1,
    sample_rate: float = 1.0,
    traffic_scale: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arrival_s, prompt_tokens, output_tokens) that one replica of `replicas` sees, sorted."""
    if not 0 < sample_rate <= 1:
        raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
    if traffic_scale <= 0 or replicas < 1:
        raise ValueError(f"need traffic_scale > 0 and replicas >= 1, got {traffic_scale}, {replicas}")
    order = np.argsort(np.asarray(arrival_s, dtype=np.float64), kind="stable")
    arrival = np.asarray(arrival_s, dtype=np.float64)[order]
    prompt = np.asarray(prompt_tokens)[order]
    output = np.asarray(output_tokens)[order]
    rng = np.random.default_rng(seed)
    m = traffic_scale / (sample_rate * replicas)
    copies = np.floor(m).astype(np.int64) + (rng.random(arrival.size) < m - np.floor(m))
    source = np.repeat(np.arange(arrival.size), copies)
    rank = np.arange(source.size) - np.repeat(np.cumsum(copies) - copies, copies)
    gap_s = _gaps_s(arrival)[source]
    times = arrival[source] + np.where(rank > 0, rng.random(source.size) * gap_s, 0.0)
    keep = np.argsort(times, kind="stable")
    return times[keep], prompt[source][keep], output[source][keep]


def _gaps_s(arrival):
    """Gap to the next logged arrival; the last one gets the mean gap (0 for one request)."""
    if arrival.size < 2:
        return np.zeros(arrival.size)
    gaps = np.diff(arrival)
    return np.append(gaps, gaps.mean())
