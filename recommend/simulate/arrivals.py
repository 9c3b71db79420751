"""The requests one of R replicas sees, built from a sampled log of the planned span.

m = scale / (sample_rate * R) real requests per logged request reach one replica (random split).
m <= 1: Bernoulli thinning of the log (recommend/simulate/traffic.py replica_share; exact).
m > 1: a Poisson process whose rate follows the log's rate in BIN_S bins (logged count / bin x m),
lengths drawn with replacement from the logged requests of the same bin (of the whole span when the
bin holds none). Why not replica_share's copies: with a sparse log (0.25%: one logged request every
few seconds) it places m copies of a request in the gap to the next logged one, so the rate swings
as m / gap and the copies share one length — bursts of identical prompts the real stream, a
superposition of many users, does not have. A minute is the finest scale a 0.25% sample of a
~200 req/s service resolves (~30 logged requests per minute).
"""

import numpy as np

from recommend.simulate.traffic import replica_share

BIN_S = 60.0


def replica_arrivals(
    arrival_s,
    prompt_tokens,
    output_tokens,
    *,
    span_s: float,
    replicas: int,
    sample_rate: float,
    scale: float,
    seed: int = 0,
):
    """(arrival_s sorted, prompt_tokens, output_tokens) of one replica over [0, span_s)."""
    arrival = np.asarray(arrival_s, np.float64)
    prompt, output = np.asarray(prompt_tokens, np.int64), np.asarray(output_tokens, np.int64)
    m = scale / (sample_rate * replicas)
    if m <= 1 or arrival.size == 0:
        return replica_share(
            arrival, prompt, output, replicas=replicas, sample_rate=sample_rate, traffic_scale=scale, seed=seed
        )
    rng = np.random.default_rng(seed)
    edges = np.arange(0.0, span_s + BIN_S, BIN_S)
    which = np.clip(np.searchsorted(edges, arrival, side="right") - 1, 0, edges.size - 2)
    counts = np.bincount(which, minlength=edges.size - 1)
    width = np.minimum(edges[1:], span_s) - edges[:-1]  # the last bin may be short
    draws = rng.poisson(counts * m)  # expected real arrivals per bin = logged count x m
    bins = np.repeat(np.arange(counts.size), draws)
    times = edges[:-1][bins] + rng.random(bins.size) * width[bins]
    pick = _same_bin(rng, which, counts, bins)
    order = np.argsort(times, kind="stable")
    return times[order], prompt[pick][order], output[pick][order]


def _same_bin(rng, which, counts, bins):
    """For each new request in bin b, the index of a logged request of bin b, uniformly."""
    by_bin = np.argsort(which, kind="stable")
    start = np.cumsum(counts) - counts
    offset = (rng.random(bins.size) * counts[bins]).astype(np.int64)
    return by_bin[start[bins] + np.minimum(offset, np.maximum(counts[bins] - 1, 0))]
