"""Latency SLOs as percentiles ("ttft_p95_ms" = 95th-percentile time to first token, ms) and defaults.

The one place an SLO is parsed: KEY = (ttft|tpot|e2e)_p<Q>_ms with 0 < Q <= 100 (e.g. p99.9), and on
the command line KEY=MS with MS > 0. The simulator and the backtest judge any percentile; the
recommender plans for the ones its traffic statistics hold (PLANNED_PERCENTILES).

Defaults, and why:
- ttft_p95_ms = 1000: Nielsen's 1 s limit ("Response Times: The 3 Important Limits", 1993) — about
  the longest a reply can take to start without breaking the user's flow of thought.
- tpot_p95_ms = 100: 10 tokens/s at the 95th percentile. Adults read English non-fiction silently at
  238 words/min (Brysbaert 2019, "How many words do we read per minute?", meta-analysis of 190
  studies) = 3.97 words/s; at 0.75 words per token (OpenAI's rule of thumb) that is 5.3 tokens/s,
  i.e. 189 ms/token. 100 ms keeps even the slow 5% of streams ~1.9x ahead of an average reader.
No end-to-end SLO by default: chat outputs vary 100x in length, so E2E is a poor promise.
"""

import dataclasses
import math
import re
from dataclasses import dataclass

from recommend.errors import RecommendError

DEFAULT_SLO = {"ttft_p95_ms": 1000.0, "tpot_p95_ms": 100.0}
PLANNED_PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
_KEY = re.compile(r"^(ttft|tpot|e2e)_p(\d+(?:\.\d+)?)_ms$")


class SloError(RecommendError, ValueError):
    """An SLO key or KEY=MS item that does not parse."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Slo:
    """One latency SLO: the `percentile`th percentile of `metric` at most `limit_ms`."""

    key: str  # as written, e.g. "ttft_p95_ms"
    metric: str  # ttft | tpot | e2e
    percentile: float  # 0 < q <= 100
    limit_ms: float = math.nan  # NaN: a key alone, no limit given

    @classmethod
    def of(cls, key: str, limit_ms: float = math.nan) -> "Slo":
        """'tpot_p99_ms' -> Slo(metric='tpot', percentile=99.0, ...); SloError for anything else."""
        key = key.strip()
        m = _KEY.match(key)
        if not m or not 0 < float(m.group(2)) <= 100:
            raise SloError(
                f"SLO {key!r} not understood; use ttft|tpot|e2e _p<percentile> _ms, "
                "e.g. ttft_p95_ms=1000 or tpot_p99_ms=80"
            )
        return cls(key=key, metric=m.group(1), percentile=float(m.group(2)), limit_ms=float(limit_ms))

    @classmethod
    def parse(cls, item: str) -> "Slo":
        """'ttft_p95_ms=1000' (a --slo value) -> Slo(key='ttft_p95_ms', ..., limit_ms=1000.0)."""
        key, sep, value = item.partition("=")
        if not sep:
            raise SloError(f"--slo {item!r}: write KEY=MS, e.g. --slo ttft_p95_ms=1000")
        slo = cls.of(key)
        try:
            limit_ms = float(value)
        except ValueError as exc:
            raise SloError(f"--slo {item!r}: {value!r} is not a number of milliseconds") from exc
        if not limit_ms > 0:
            raise SloError(f"--slo {item!r}: the limit must be > 0 ms")
        return dataclasses.replace(slo, limit_ms=limit_ms)


def slo_key(key: str) -> tuple[str, float]:
    """'tpot_p99_ms' -> ('tpot', 99.0) for a percentile the recommender plans for; SloError otherwise."""
    slo = Slo.of(key)
    if slo.percentile not in PLANNED_PERCENTILES:
        raise SloError(
            f"SLO {key!r}: the recommender plans for p50|p90|p95|p99|p99.9 only, "
            "e.g. ttft_p95_ms=1000 or tpot_p99_ms=80"
        )
    return slo.metric, slo.percentile


def parse_limits(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """["ttft_p95_ms=800", ...] -> {"ttft_p95_ms": 800.0, ...}, any percentile, nothing added."""
    return {slo.key: slo.limit_ms for slo in map(Slo.parse, items)}


def parse_slo(items: list[str] | tuple[str, ...], defaults: dict[str, float] | None = None) -> dict[str, float]:
    """["ttft_p95_ms=800", ...] over the defaults, for the recommender; a metric given at any percentile
    replaces the default for that metric (giving ttft_p99_ms drops the default ttft_p95_ms)."""
    given = parse_limits(items)
    metrics = {slo_key(k)[0] for k in given}
    base = {k: v for k, v in (DEFAULT_SLO if defaults is None else defaults).items() if slo_key(k)[0] not in metrics}
    return {**base, **given}
