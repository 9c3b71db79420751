"""Traffic classes: interactive requests (judged by the latency SLO) and bulk (batch) requests
(judged by a completion deadline), as batch APIs and vLLM `--scheduling-policy priority` split them.

Rule (decided in one place, warehouse/sql/recommend_bulk_seconds.sql, for the plan's range and the
backtest's alike, with the parameters the plan records): a request is bulk when its tenant sent at
least `burst_rps` real requests (logged / sample rate) in the same one-second bucket (UTC epoch
second), or its tenant is one of `tenants`. Everything else is interactive.

Default burst_rps = BURST_MEDIAN_MULTIPLE x the median real rate of the service over the planning
range (mined minutes): one tenant sending, within one second, what the whole service receives in 100
typical seconds is a dump, not people typing. On ServeGen chat-large (median 180 req/s -> 18,000 req/s
= 45 logged requests at the 0.25% sample) the tenants active in > 90% of hours peak at 4-33 logged
requests in a second (1,600-13,200 real), below it; the dumping tenants reach 3,864 (~1.5M real).

Default deadline_s = 3600: Anthropic's Message Batches say most batches finish within 1 hour (the
hard limit there and in OpenAI's Batch API is 24 h); planning for the hour keeps bulk work inside the
window it arrived in and leaves the 24 h contract a 24x margin.
"""

from dataclasses import dataclass

from recommend.errors import RecommendError

BURST_MEDIAN_MULTIPLE = 100.0
DEFAULT_DEADLINE_S = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkRule:
    burst_rps: float | None  # real requests from one tenant in one second that make them bulk; None = no burst rule
    tenants: tuple[str, ...] = ()  # tenants whose every request is bulk
    deadline_s: float = DEFAULT_DEADLINE_S  # arrival -> last token, bulk requests
    source: str = ""  # how burst_rps was chosen, for the plan's reader

    def __post_init__(self):
        if self.burst_rps is not None and self.burst_rps <= 0:
            raise RecommendError(f"--bulk-burst-rps must be > 0 (0 on the command line turns the rule off), "
                                 f"got {self.burst_rps}")
        if self.deadline_s <= 0:
            raise RecommendError(f"--bulk-deadline-s must be > 0, got {self.deadline_s}")

    @property
    def active(self) -> bool:
        return self.burst_rps is not None or bool(self.tenants)

    def sql_params(self) -> dict:
        """Bound parameters of recommend_bulk_seconds.sql."""
        return {"burst_rps": self.burst_rps, "tenants": list(self.tenants)}

    def to_dict(self) -> dict:
        return {"burst_rps": self.burst_rps, "tenants": list(self.tenants), "deadline_s": self.deadline_s,
                "source": self.source, "rule": "bulk = the tenant sent >= burst_rps real requests in the same "
                "UTC second, or the tenant is listed; bulk is judged by deadline_s, not the latency SLO"}

    @classmethod
    def from_dict(cls, data: dict | None) -> "BulkRule | None":
        """The plan's "bulk" entry; None for plans written before traffic classes (all interactive)."""
        if not data:
            return None
        burst = data.get("burst_rps")
        return cls(burst_rps=float(burst) if burst is not None else None,
                   tenants=tuple(str(t) for t in data.get("tenants") or ()),
                   deadline_s=float(data.get("deadline_s") or DEFAULT_DEADLINE_S), source=str(data.get("source", "")))


def default_burst_rps(median_rps_real: float) -> float:
    """BURST_MEDIAN_MULTIPLE x the service's median real req/s (module docstring says why)."""
    return BURST_MEDIAN_MULTIPLE * median_rps_real
