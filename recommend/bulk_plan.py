"""Planning bulk (batch) traffic as throughput: a steady admission rate that meets its deadline.

Bulk requests (recommend/traffic_class.py) wait in a FIFO admission queue that the fleet drains at
`admit_tok_s` real prompt + output tokens per second (a token bucket without burst; replayed by
recommend/backtest/bulk.py). A fluid FIFO queue at rate B finishes admitting the work W that arrived
in [t1, t2] by t2 + D for every t1 <= t2 iff B >= W(t1, t2) / (t2 - t1 + D). The plan takes, per
window, the smallest such B over its bulk requests of the planning range, evaluated on a grid of span
lengths L (SPANS_S: W = the most bulk tokens arriving within any L, B = max_L W / (L + D)): a one-second
dump of V tokens needs V / D, steady bulk needs its mean rate. The engines carry that admitted stream
on top of the interactive traffic (recommend/verify.py simulates both; only interactive requests are
judged by the latency SLO).
"""

from dataclasses import dataclass

import numpy as np

SPANS_S = (1.0, 10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0)
LENGTH_SAMPLE = 4000  # bulk requests kept to draw simulated bulk lengths from


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class BulkLoad:
    requests_logged: int
    real_requests: float
    share: float  # of the window's real requests (interactive + bulk), planning range
    admit_tok_s: float  # real prompt + output tokens/s the fleet admits
    binding_span_s: float  # the span length L that sets admit_tok_s
    binding_start_s: float  # epoch s (UTC) where that span starts
    prompt_tokens: np.ndarray  # a sample of the logged bulk lengths (tokens)
    output_tokens: np.ndarray

    def to_dict(self) -> dict:
        return {
            "requests_logged": self.requests_logged,
            "real_requests": round(self.real_requests, 1),
            "share": round(self.share, 6),
            "admit_tok_s": round(self.admit_tok_s, 1),
            "binding_span_s": self.binding_span_s,
            "binding_start_s": self.binding_start_s,
        }


def admit_rate(arrival_s: np.ndarray, real_tokens: np.ndarray, deadline_s: float) -> tuple[float, float, float]:
    """(B tokens/s, binding span length s, its start epoch s) for sorted arrivals, per the docstring."""
    if arrival_s.size == 0:
        return 0.0, 0.0, 0.0
    cum = np.concatenate([[0.0], np.cumsum(real_tokens)])
    best = (0.0, 0.0, 0.0)
    for span_s in SPANS_S:
        stop = np.searchsorted(arrival_s, arrival_s + span_s, side="left")
        work = cum[stop] - cum[:-1]  # tokens arriving in [t_i, t_i + span)
        i = int(np.argmax(work))
        rate = float(work[i]) / (span_s + deadline_s)
        if rate > best[0]:
            best = (rate, span_s, float(arrival_s[i]))
    return best


def bulk_load(
    arrival_s, prompt_tokens, output_tokens, weight, *, deadline_s: float, window_real_requests: float
) -> BulkLoad | None:
    """The window's bulk load from its logged bulk requests (sorted by arrival); None when there are none."""
    arrival = np.asarray(arrival_s, np.float64)
    if arrival.size == 0:
        return None
    prompt, output = np.asarray(prompt_tokens, np.int64), np.asarray(output_tokens, np.int64)
    weight = np.asarray(weight, np.float64)
    rate, span_s, start_s = admit_rate(arrival, (prompt + output) * weight, deadline_s)
    pick = np.linspace(0, arrival.size - 1, min(arrival.size, LENGTH_SAMPLE)).round().astype(np.int64)
    real = float(weight.sum())
    return BulkLoad(
        requests_logged=int(arrival.size),
        real_requests=real,
        share=real / window_real_requests if window_real_requests else 1.0,
        admit_tok_s=rate,
        binding_span_s=span_s,
        binding_start_s=start_s,
        prompt_tokens=prompt[pick],
        output_tokens=output[pick],
    )
