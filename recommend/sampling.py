"""What a sampled log can show: the shortest interval whose request rate it measures within ±10%.

A log that keeps each real request with probability p (the ingest --sample-rate) holds, of an interval
of T seconds at a real rate of λ req/s, N ~ Poisson(λ p T) requests (thinning a Poisson stream; a
burstier stream only widens this), so the rate N / (p T) has a relative standard error of 1 / sqrt(N).
Within ±`tolerance` at 95% confidence (z = 1.96) needs N >= (1.96 / tolerance)^2 = 384 logged requests
at ±10%, i.e. T >= 384 / (λ p). Bursts shorter than that (a tenant's sub-second dumps) are not in the
log at all: the simulator replays such a log per minute as a Poisson stream (recommend/simulate/arrivals.py),
and an unsampled log (p = 1) as it came. bench/RESULTS.md "Sampled logs" measures what that costs.
"""

import math

Z95 = 1.959964  # two-sided 95% normal quantile


def logged_needed(tolerance: float = 0.1) -> float:
    """Logged requests an interval must hold for its rate to be within ±tolerance (95%)."""
    return (Z95 / tolerance) ** 2


def resolution_s(rps_real: float, sample_rate: float, tolerance: float = 0.1) -> float:
    """Shortest interval (s) whose rate the log measures within ±tolerance at 95%; inf without traffic."""
    logged_rps = rps_real * sample_rate
    return logged_needed(tolerance) / logged_rps if logged_rps > 0 else math.inf


def sample_reason(rps_real: float, sample_rate: float) -> str:
    """One sentence for the plan's reasons: what the log's sample can and cannot show."""
    t = resolution_s(rps_real, sample_rate)
    if not math.isfinite(t):
        return "no traffic logged: the log measures no rate"
    what = "every request is logged" if sample_rate >= 1 else f"the log holds {sample_rate:.3g} of the requests"
    return (
        f"{what}: at {rps_real:,.0f} req/s it measures a rate within ±10% (95%) over {_duration(t)} or "
        f"longer ({logged_needed():.0f} logged requests); shorter bursts are "
        + (
            "in the log and replayed as logged"
            if sample_rate >= 1
            else "not in it and are planned as a Poisson stream at each minute's rate"
        )
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"
