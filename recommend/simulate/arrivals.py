"""The requests one of R replicas sees, built from a sampled log of the planned span.

m = scale / (sample_rate * R) real requests per logged request reach one replica (random split).
m <= 1: Bernoulli thinning of the log (recommend/simulate/traffic.py replica_share; exact).
m > 1: a Poisson process whose rate follows the log's rate in BIN_S bins (logged count / bin x m),
lengths drawn with replacement from the logged requests of the length bin around each new request's
time (length_edges: whole minutes merged until each holds >= LENGTH_BIN_REQUESTS logged requests).
Why not replica_share's copies: with a sparse log (0.25%: one logged request every few seconds) it
places m copies of a request in the gap to the next logged one, so the rate swings as m / gap and the
copies share one length — bursts of identical prompts the real stream, a superposition of many users,
does not have. A minute is the finest scale a 0.25% sample of a ~200 req/s service resolves for the
rate (~30 logged requests per minute); the length mix needs more: a p95 SLO is decided by the ~5% of
requests beyond the p95 prompt, and 30 logged requests measure that share to +-80% (one standard error,
sqrt(0.05 x 0.95 / 30) / 0.05), 200 to +-30%. Drawing each minute's lengths from its own ~30 makes every minute
holding one logged long prompt a minute of many long prompts, a tail the full traffic does not have: against
the full-scale log (bench/sampled_replay.py, bench/RESULTS.md 'Sampled replay') a 0.25% sample's replayed p95
TTFT per 15 minutes came out 1.5-3.4x the full log's on average near the SLO's edge, with length bins of 200
1.1-1.4x. So what judges a plan (backtest, hindsight) uses the bins. Planning keeps each minute's own lengths
(PLAN_LENGTH_BIN_REQUESTS): a stress on the sample's mix that held better on held-out days than the bins did
(bench/backtest_tried.md, session 11: week 2's walk 0.936 vs 0.920 of hours at the same GPU-hours).
"""

import numpy as np

from recommend.simulate.traffic import replica_share

BIN_S = 60.0  # rate bins
LENGTH_BIN_REQUESTS = 200  # logged requests a length bin holds at least (whole minutes merged): replays that judge
PLAN_LENGTH_BIN_REQUESTS = 1  # the planner's (recommend/verify.py, the scaler calibration): each minute's own


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
    length_requests: int = LENGTH_BIN_REQUESTS,
):
    """(arrival_s sorted, prompt_tokens, output_tokens) of one replica over [0, span_s); lengths from bins
    of >= `length_requests` logged requests (1: each minute's own, the model before the length bins)."""
    arrival = np.asarray(arrival_s, np.float64)
    prompt, output = np.asarray(prompt_tokens, np.int64), np.asarray(output_tokens, np.int64)
    m = scale / (sample_rate * replicas)
    if m <= 1 or arrival.size == 0:
        return replica_share(
            arrival, prompt, output, replicas=replicas, sample_rate=sample_rate, traffic_scale=scale, seed=seed
        )
    rng = np.random.default_rng(seed)
    edges = np.arange(0.0, span_s + BIN_S, BIN_S)
    counts = np.bincount(_bin_of(edges, arrival), minlength=edges.size - 1)
    width = np.minimum(edges[1:], span_s) - edges[:-1]  # the last bin may be short
    draws = rng.poisson(counts * m)  # expected real arrivals per bin = logged count x m
    bins = np.repeat(np.arange(counts.size), draws)
    times = edges[:-1][bins] + rng.random(bins.size) * width[bins]
    pick = _from_bins(rng, arrival, times, length_edges(arrival, span_s, length_requests))
    order = np.argsort(times, kind="stable")
    return times[order], prompt[pick][order], output[pick][order]


def length_edges(arrival_s: np.ndarray, span_s: float, min_requests: int = LENGTH_BIN_REQUESTS) -> np.ndarray:
    """Edges (s from 0) of consecutive bins covering [0, span_s): whole BIN_S minutes, merged forward
    until a bin holds >= min_requests of the sorted `arrival_s`; a short last bin joins the one before."""
    minutes = np.arange(0.0, span_s + BIN_S, BIN_S)
    counts = np.bincount(_bin_of(minutes, arrival_s), minlength=minutes.size - 1)
    cuts, held = [0], 0
    for i, c in enumerate(counts):
        held += int(c)
        if held >= min_requests:
            cuts.append(i + 1)
            held = 0
    if cuts[-1] != counts.size:  # the rest holds fewer than min_requests
        if len(cuts) > 1:
            cuts[-1] = counts.size
        else:
            cuts.append(counts.size)
    return minutes[cuts]


def _bin_of(edges: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(edges, t, side="right") - 1, 0, edges.size - 2)


def _from_bins(rng, arrival: np.ndarray, times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """For each new request (at `times`), the index of a logged request of its bin, uniformly; the bins
    cover the span and each holds at least one logged request (length_edges)."""
    which = _bin_of(edges, arrival)
    counts = np.bincount(which, minlength=edges.size - 1)
    return _same_bin(rng, which, counts, _bin_of(edges, times))


def _same_bin(rng, which, counts, bins):
    """For each new request in bin b, the index of a logged request of bin b, uniformly."""
    by_bin = np.argsort(which, kind="stable")
    start = np.cumsum(counts) - counts
    offset = (rng.random(bins.size) * counts[bins]).astype(np.int64)
    return by_bin[start[bins] + np.minimum(offset, np.maximum(counts[bins] - 1, 0))]
