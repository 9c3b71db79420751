"""What the recommender knows about one window's traffic: filled by the tracefit root from the
warehouse (recommend/ never opens it), or built by hand in tests.

Rates are real traffic (logged rate / sample rate). The peak arrays are the window's busiest
logged span (the peak hour by default, warehouse/sql/recommend_window_requests.sql), as logged:
one row per sampled request, times in s from the span start. The peak span holds interactive requests
only; bulk requests (recommend/traffic_class.py) are planned as throughput: `bulk` below.
"""

from dataclasses import dataclass, field

import numpy as np

from recommend.bulk_plan import BulkLoad
from recommend.errors import RecommendError
from recommend.forecast import ForecastError

PLAN_SPAN_S = 900.0  # capacity is planned for the busiest 15 minutes of the peak span


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class WindowTraffic:
    label: str
    cells: tuple[int, ...]  # hour-of-week cells, 0 = Monday 00:00 UTC
    sample_rate: float  # share of real requests the log holds, (0, 1]
    requests: int = 0  # logged requests in the window over the mined range
    rps_mean_real: float = 0.0  # over the window's minutes, req/s
    rps_p50_real: float = 0.0
    rps_peak_real: float = 0.0  # busiest minute
    prompt_tokens: dict = field(default_factory=dict)  # {"p50", "p90", "p95", "p99", "p999", "max", "mean"}
    output_tokens: dict = field(default_factory=dict)
    grid_len_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 256-token grid lengths
    grid_requests: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # requests needing each
    peak_start: str | None = None  # ISO UTC start of the peak span
    peak_span_s: float = 3600.0
    peak_arrival_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # s from peak_start, sorted
    peak_prompt_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    peak_output_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    forecast_error: ForecastError | None = None  # measured on the planning data (recommend/forecast.py)
    load_forecast_error: ForecastError | None = None  # the same on the hourly token load (tokens/s)
    bulk: BulkLoad | None = None  # the window's bulk traffic (recommend/bulk_plan.py), None = none

    def __post_init__(self):
        if not 0 < self.sample_rate <= 1:
            raise RecommendError(f"window {self.label!r}: sample_rate must be in (0, 1], got {self.sample_rate}")
        n = len(self.peak_arrival_s)
        if not n == len(self.peak_prompt_tokens) == len(self.peak_output_tokens):
            raise RecommendError(f"window {self.label!r}: peak arrays differ in length")

    @property
    def hours_per_week(self) -> int:
        return len(self.cells)

    @property
    def peak_rps_real(self) -> float:
        """Real req/s of the whole peak span (logged count / span / sample rate)."""
        return len(self.peak_arrival_s) / self.peak_span_s / self.sample_rate if self.peak_span_s else 0.0

    @property
    def peak_tok_s_real(self) -> float:
        """Real prompt + output tokens/s of the whole peak span."""
        tokens = float(np.sum(self.peak_prompt_tokens) + np.sum(self.peak_output_tokens))
        return tokens / self.peak_span_s / self.sample_rate if self.peak_span_s else 0.0

    def sizing_error(self, forecast_quantile: float | None, forecast_on: str) -> ForecastError | None:
        """The forecast error a window's headroom comes from (recommend/recommender.py window_headroom):
        the token load's with forecast_on "tokens" when measured, else the rate's; None when turned off."""
        if forecast_quantile is None:
            return None
        if forecast_on == "tokens" and self.load_forecast_error is not None:
            return self.load_forecast_error
        return self.forecast_error

    @property
    def empty(self) -> bool:
        return len(self.peak_arrival_s) == 0


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PlanTraffic:
    """The span capacity is planned for (the busiest PLAN_SPAN_S of the peak span), scaled."""

    arrival_s: np.ndarray  # logged arrivals, s from the span start, sorted
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    span_s: float
    sample_rate: float
    scale: float  # traffic_scale x (1 + headroom)
    bulk_admit_tok_s: float = 0.0  # bulk prompt + output tokens/s admitted to the fleet (x traffic_scale)
    bulk_prompt_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # bulk lengths to draw
    bulk_output_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def rps_real(self) -> float:
        """Planned req/s of real traffic: logged count / span / sample rate x scale."""
        return len(self.arrival_s) / self.span_s / self.sample_rate * self.scale if self.span_s else 0.0

    @property
    def bulk_rps_real(self) -> float:
        """Bulk req/s admitted to the fleet: admitted tokens/s / the mean bulk request's tokens."""
        tokens = self.bulk_prompt_tokens.sum() + self.bulk_output_tokens.sum()
        return self.bulk_admit_tok_s * self.bulk_prompt_tokens.size / tokens if tokens else 0.0


def densest_span(arrival_s: np.ndarray, span_s: float) -> tuple[int, int, float]:
    """(first, stop, start_s) of the `span_s`-long interval holding the most sorted arrivals."""
    if arrival_s.size == 0:
        return 0, 0, 0.0
    stops = np.searchsorted(arrival_s, arrival_s + span_s, side="left")
    i = int(np.argmax(stops - np.arange(arrival_s.size)))
    return i, int(stops[i]), float(arrival_s[i])


def plan_traffic(
    w: WindowTraffic, *, traffic_scale: float = 1.0, headroom: float = 0.0, span_s: float = PLAN_SPAN_S
) -> PlanTraffic:
    span = min(span_s, w.peak_span_s)
    i, j, start = densest_span(np.asarray(w.peak_arrival_s, np.float64), span)
    bulk = w.bulk
    return PlanTraffic(
        arrival_s=np.asarray(w.peak_arrival_s[i:j], np.float64) - start,
        prompt_tokens=np.asarray(w.peak_prompt_tokens[i:j], np.int64),
        output_tokens=np.asarray(w.peak_output_tokens[i:j], np.int64),
        span_s=span,
        sample_rate=w.sample_rate,
        scale=traffic_scale * (1.0 + headroom),
        bulk_admit_tok_s=bulk.admit_tok_s * traffic_scale if bulk else 0.0,
        bulk_prompt_tokens=bulk.prompt_tokens if bulk else np.zeros(0, np.int64),
        bulk_output_tokens=bulk.output_tokens if bulk else np.zeros(0, np.int64),
    )
