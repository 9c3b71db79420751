"""What a mining run covers and the knobs it takes, with documented defaults."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MineOptions:
    since: datetime | None = None  # arrival_ts >= since (UTC when naive)
    until: datetime | None = None  # arrival_ts < until
    # Query patterns: a prompt of >= 1024 tokens is "long" (a few pages of context, where prefill
    # starts to dominate TTFT); an output of >= 256 tokens is "long" (a paragraph or more of text).
    prompt_long_tokens: int = 1024
    output_long_tokens: int = 256
    histogram_bin_tokens: int | None = None  # None = log2 bins
    regimes_k_min: int = 2
    regimes_k_max: int = 6
    regime_min_run_hours: int = 2  # shorter runs of a regime are merged into a neighbour
    concurrency_step_s: int = 1
    ttft_bucket_tokens: int = 256  # prompt bucket of the aggregated TTFT-vs-prompt fit
    cache_blocks: tuple[int, ...] = (256, 1024, 4096, 16384)
    outlier_z: float = 3.5  # modified z-score (Iglewicz & Hoaglin 1993) beyond which a tenant is an outlier
    tenant_min_requests: int = 20  # tenants with fewer requests are never flagged

    def scope_params(self, model: str) -> dict:
        """Bound parameters shared by every mine_*.sql file (timestamps as ISO text: no pytz)."""
        return {"model": model, "since": _iso(self.since), "until": _iso(self.until)}

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_iso, sort_keys=True)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"
