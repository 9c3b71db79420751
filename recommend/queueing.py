"""Analytic model of one continuous-batching replica under load (the screening approximation).

Decode steps cost d(N) = a + b*N seconds for N running sequences (secant of the roofline step
time between batch 1 and the largest batch the replica can hold, so it over-estimates in
between: step_s is convex in N). A request adds p seconds of prefill work to the steps that
carry its chunks and b seconds to each of its O decode steps, so at arrival rate lam per replica
the share of time spent on marginal work is u = lam * (p + b*O) and the mean step lasts
    T = a / (1 - u)                                  (s; TPOT is about T)
with N = lam * O * T sequences running (Little). N <= B (max_num_seqs and KV capacity) gives the
replica's capacity  mu = B / (O*a + B*(p + b*O))  req/s. Queueing before admission is Kingman's
G/G/1 with the replica as one server of rate mu and an exponential tail:
    wait_q = (ca2 + cs2) / 2 * max(0, ln(rho / (1 - q))) / (mu - lam),  rho = lam / mu
ca2 is the replica's own arrival stream's (Workload.replica_scv), not the fleet's: a random split over R
replicas thins the stream, and thinning a renewal stream with gap SCV c2 to a share s leaves
s x c2 + 1 - s (the gap is a geometric sum of gaps). One replica's requests are the logged ones thinned
(recommend/simulate/arrivals.py) while it sees fewer than the log holds, m = lam / logged req/s <= 1, and
a Poisson process at the log's per-minute rate beyond, so ca2 = 1 + (logged gap SCV - 1) x min(1, m).
With the fleet's SCV a fully logged bursty service (ServeGen's 6 full-scale hours: SCV >= 4) was screened
at 16% more replicas than its 0.01 sample, which the simulator then accepted (bench/RESULTS.md 'Sampled logs').
TTFT_q = wait_q + T (the running step) + n_chunks(P_q) * T + prefill work of P_q;
TPOT_q = TPOT_TAIL[q] * T; E2E_q = TTFT_q + O_q * T. Screening only ranks and sizes; the
simulator (recommend/verify.py) decides.
"""

import math
from dataclasses import dataclass

import numpy as np

from recommend.window_traffic import PlanTraffic

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
# TPOT percentile / mean step time: steps that carry prefill chunks are longer and short outputs
# average over few steps. Read off simulations of the ServeGen and Azure chat traces (bench/).
TPOT_TAIL = {50.0: 1.0, 90.0: 1.1, 95.0: 1.2, 99.0: 1.4, 99.9: 1.7}
SERVICE_SCV = 1.0  # squared CV of service demand (Kingman's cs^2), exponential-like


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """Length and arrival statistics of the planned span (from PlanTraffic)."""

    rps_real: float  # planned real req/s (scaled)
    prompt_mean: float  # tokens
    output_mean: float
    decode_ctx_tokens: float  # mean context of a decoding sequence, time-weighted: E[O(P+O/2)] / E[O]
    prompt_q: dict  # percentile -> tokens
    output_q: dict
    arrival_scv: float  # squared CV of the logged inter-arrival gaps, clipped to [1, 4]
    whole_log_rps: float = 0.0  # req/s per replica (both classes) at which it sees every logged request;
    # 0 = not known: a replica sees the logged gaps' SCV as it is

    def replica_scv(self, lam):
        """Squared CV of the arrival gaps at one replica taking `lam` req/s (arrays ok)."""
        lam = np.asarray(lam, np.float64)
        share = np.minimum(1.0, lam / self.whole_log_rps) if self.whole_log_rps > 0 else np.ones_like(lam)
        return 1.0 + (self.arrival_scv - 1.0) * share

    @classmethod
    def of(cls, t: PlanTraffic) -> "Workload":
        p, o = t.prompt_tokens.astype(np.float64), t.output_tokens.astype(np.float64)
        if p.size == 0:
            zeros = dict.fromkeys(PERCENTILES, 0.0)
            return cls(
                rps_real=0.0,
                prompt_mean=0.0,
                output_mean=1.0,
                decode_ctx_tokens=0.0,
                prompt_q=zeros,
                output_q=dict(zeros),
                arrival_scv=1.0,
            )
        gaps = np.diff(t.arrival_s)
        scv = float(gaps.var() / gaps.mean() ** 2) if gaps.size > 1 and gaps.mean() > 0 else 1.0
        # admitted bulk loads the replicas too: means over both classes, each by its rate; the length
        # percentiles (what the latency SLO judges) stay the interactive ones
        w_i, w_b = t.rps_real, t.bulk_rps_real
        bp, bo = t.bulk_prompt_tokens.astype(np.float64), t.bulk_output_tokens.astype(np.float64)

        def mean(interactive: np.ndarray, bulk: np.ndarray) -> float:
            return (
                float((w_i * interactive.mean() + w_b * bulk.mean()) / (w_i + w_b))
                if w_b > 0
                else float(interactive.mean())
            )

        output_mean = mean(o, bo)
        logged_rps = p.size / t.span_s if t.span_s else 0.0
        return cls(
            rps_real=w_i + w_b,
            prompt_mean=mean(p, bp),
            output_mean=output_mean,
            decode_ctx_tokens=mean(o * (p + o / 2), bo * (bp + bo / 2)) / output_mean,
            prompt_q=dict(zip(PERCENTILES, np.percentile(p, PERCENTILES).tolist(), strict=True)),
            output_q=dict(zip(PERCENTILES, np.percentile(o, PERCENTILES).tolist(), strict=True)),
            arrival_scv=min(max(scv, 1.0), 4.0),
            whole_log_rps=logged_rps * (w_i + w_b) / w_i if logged_rps and w_i else 0.0,
        )


def chunks(prompt_tokens: float, budget_tokens: int) -> int:
    return max(1, math.ceil(prompt_tokens / budget_tokens))


def prefill_work_s(step, prompt_tokens: float, budget_tokens: int, decode_seqs: int, ctx_tokens: float) -> float:
    """Seconds a prompt adds to the steps carrying its chunks (beyond those steps' decode work)."""
    n = chunks(prompt_tokens, budget_tokens)
    chunk = prompt_tokens / n
    base = step.step_s(0, 0, decode_seqs, decode_seqs * ctx_tokens)
    return sum(step.step_s(chunk, chunk * (i + 1), decode_seqs, decode_seqs * ctx_tokens) - base for i in range(n))


def metrics(lam, *, a, b, p, batch, w: Workload, budget, prefill_q: dict, key: tuple[str, float]):
    """Estimated `key` = (metric, percentile) latency in ms at `lam` req/s per replica (arrays ok);
    inf where lam >= capacity."""
    metric, q = key
    lam = np.asarray(lam, dtype=np.float64)
    c = p + b * w.output_mean
    mu = batch / (w.output_mean * a + batch * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        step_s = np.where(lam < mu, a / (1.0 - lam * c), np.inf)
        if metric == "tpot":
            return step_s * TPOT_TAIL.get(q, 1.7) * 1e3
        rho = lam / mu
        wait_s = (
            (w.replica_scv(lam) + SERVICE_SCV)
            / 2
            * np.maximum(0.0, np.log(np.maximum(rho, 1e-300) / (1 - q / 100)))
            / (mu - lam)
        )
        n_chunks = np.maximum(1.0, np.ceil(w.prompt_q[q] / budget))
        ttft_s = wait_s + step_s * (1 + n_chunks) + prefill_q[q]
        if metric == "ttft":
            return np.where(lam < mu, ttft_s * 1e3, np.inf)
        return np.where(lam < mu, (ttft_s + w.output_q[q] * step_s) * 1e3, np.inf)


def capacity_rps(*, a, b, p, batch, w: Workload):
    """Requests/s one replica sustains with `batch` sequences running (mu above)."""
    return batch / (w.output_mean * a + batch * (p + b * w.output_mean))
