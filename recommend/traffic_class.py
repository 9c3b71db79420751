"""Traffic classes: interactive requests (judged by the latency SLO) and bulk (batch) requests
(judged by a completion deadline), as batch APIs and vLLM `--scheduling-policy priority` split them.

Rule (decided in one place, warehouse/sql/recommend_bulk_seconds.sql, for the plan's range and the
backtest's alike, with the parameters the plan records): a request is bulk when its tenant sent at
least `burst_rps` real requests (logged / sample rate) in the same one-second bucket (UTC epoch
second), or its tenant is one of `tenants`. Everything else is interactive.

Default burst_rps = BURST_MEDIAN_MULTIPLE x the median real rate of the service over the planning
range (mined minutes): one tenant sending, within one second, what the whole service receives in 20
typical seconds is a dump, not people typing. Derived from the regenerated ServeGen chat-large data
(2026-12-05): in the unsampled six hours (chat-large-6h-full.parquet, median 198 req/s) the largest
one-second burst of one tenant is 438 requests (2.2x the median; the 99.99th percentile of tenant-
seconds 212), so 20x leaves 9x above any real interactive burst; in the 0.25% two-week sample (median
186 req/s -> 3,720 real req/s = 9.3 logged requests in one second) a tenant at 438 req/s logs 1.1 per
second on average, and reaches 10 with probability ~1e-7 per second (Poisson). What lies above it there:
three tenants' dumps of 10-38 logged requests in a second (4,000-15,200 real; client 73 most), 0.4% of
the log's requests. (The earlier 100x was set on a file whose bursts were 400x too large.)

A burst must also be seen: at least MIN_BURST_LOGGED logged requests in the second. On a sparse sample
one logged request already "is" 1 / sample_rate real ones (100 real req/s at 1%), which says nothing
about a burst; at 5 the count's relative error is 1 / sqrt(5) = 45%, and a tenant logging one request
per second on average reaches 5 in a given second with probability 0.4% (Poisson).

Default deadline_s = 3600: Anthropic's Message Batches say most batches finish within 1 hour (the
hard limit there and in OpenAI's Batch API is 24 h); planning for the hour keeps bulk work inside the
window it arrived in and leaves the 24 h contract a 24x margin.
"""

from dataclasses import dataclass

from recommend.errors import RecommendError

BURST_MEDIAN_MULTIPLE = 20.0
MIN_BURST_LOGGED = 5
DEFAULT_DEADLINE_S = 3600.0
PACING = ("spare", "fixed")


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkRule:
    burst_rps: float | None  # real requests from one tenant in one second that make them bulk; None = no burst rule
    tenants: tuple[str, ...] = ()  # tenants whose every request is bulk
    deadline_s: float = DEFAULT_DEADLINE_S  # arrival -> last token, bulk requests
    source: str = ""  # how burst_rps was chosen, for the plan's reader
    pacing: str = "spare"  # admission: "spare" (the planned rate + the capacity interactive traffic leaves
    # unused) or "fixed" (the planned rate); recommend/backtest/bulk.py. Plans without it: "fixed"

    def __post_init__(self):
        if self.burst_rps is not None and self.burst_rps <= 0:
            raise RecommendError(
                f"--bulk-burst-rps must be > 0 (0 on the command line turns the rule off), got {self.burst_rps}"
            )
        if self.pacing not in PACING:
            raise RecommendError(f"--bulk-pacing must be one of {', '.join(PACING)}, got {self.pacing!r}")
        if self.deadline_s <= 0:
            raise RecommendError(f"--bulk-deadline-s must be > 0, got {self.deadline_s}")

    @property
    def active(self) -> bool:
        return self.burst_rps is not None or bool(self.tenants)

    def sql_params(self) -> dict:
        """Bound parameters of recommend_bulk_seconds.sql."""
        return {"burst_rps": self.burst_rps, "min_logged": MIN_BURST_LOGGED, "tenants": list(self.tenants)}

    def to_dict(self) -> dict:
        return {
            "burst_rps": self.burst_rps,
            "tenants": list(self.tenants),
            "deadline_s": self.deadline_s,
            "source": self.source,
            "pacing": self.pacing,
            "rule": "bulk = the tenant sent >= burst_rps real requests in the same "
            "UTC second, or the tenant is listed; bulk is judged by deadline_s, not the latency SLO",
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "BulkRule | None":
        """The plan's "bulk" entry; None for plans written before traffic classes (all interactive)."""
        if not data:
            return None
        burst = data.get("burst_rps")
        return cls(
            burst_rps=float(burst) if burst is not None else None,
            tenants=tuple(str(t) for t in data.get("tenants") or ()),
            deadline_s=float(data.get("deadline_s") or DEFAULT_DEADLINE_S),
            source=str(data.get("source", "")),
            pacing=str(data.get("pacing") or "fixed"),
        )


def default_burst_rps(median_rps_real: float) -> float:
    """BURST_MEDIAN_MULTIPLE x the service's median real req/s (module docstring says why)."""
    return BURST_MEDIAN_MULTIPLE * median_rps_real
