"""Latency SLOs as percentiles ("ttft_p95_ms" = 95th-percentile time to first token, ms) and defaults.

Defaults, and why:
- ttft_p95_ms = 1000: Nielsen's 1 s limit ("Response Times: The 3 Important Limits", 1993) — about
  the longest a reply can take to start without breaking the user's flow of thought.
- tpot_p95_ms = 100: 10 tokens/s at the 95th percentile. Adults read English non-fiction silently at
  238 words/min (Brysbaert 2019, "How many words do we read per minute?", meta-analysis of 190
  studies) = 3.97 words/s; at 0.75 words per token (OpenAI's rule of thumb) that is 5.3 tokens/s,
  i.e. 189 ms/token. 100 ms keeps even the slow 5% of streams ~1.9x ahead of an average reader.
No end-to-end SLO by default: chat outputs vary 100x in length, so E2E is a poor promise.
"""

import re

from recommend.errors import RecommendError

DEFAULT_SLO = {"ttft_p95_ms": 1000.0, "tpot_p95_ms": 100.0}
_KEY = re.compile(r"^(ttft|tpot|e2e)_p(50|90|95|99|99\.9)_ms$")


def slo_key(key: str) -> tuple[str, float]:
    """'tpot_p99_ms' -> ('tpot', 99.0); RecommendError for anything else."""
    m = _KEY.match(key.strip())
    if not m:
        raise RecommendError(f"SLO {key!r} not understood; use ttft|tpot|e2e _p50|p90|p95|p99 _ms, "
                             "e.g. ttft_p95_ms=1000 or tpot_p99_ms=80")
    return m.group(1), float(m.group(2))


def parse_slo(items: list[str] | tuple[str, ...], defaults: dict[str, float] | None = None) -> dict[str, float]:
    """["ttft_p95_ms=800", ...] over the defaults; a metric given at any percentile replaces the
    default for that metric (giving ttft_p99_ms drops the default ttft_p95_ms)."""
    given: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise RecommendError(f"--slo {item!r}: write KEY=MS, e.g. --slo ttft_p95_ms=1000")
        slo_key(key)
        try:
            given[key.strip()] = float(value)
        except ValueError as exc:
            raise RecommendError(f"--slo {item!r}: {value!r} is not a number of milliseconds") from exc
        if given[key.strip()] <= 0:
            raise RecommendError(f"--slo {item!r}: the limit must be > 0 ms")
    metrics = {slo_key(k)[0] for k in given}
    base = {k: v for k, v in (DEFAULT_SLO if defaults is None else defaults).items()
            if slo_key(k)[0] not in metrics}
    return {**base, **given}
