"""Latency drift per day: quantiles (SQL), the robust TTFT-vs-prompt slope, and change points.

Slope: per day, sklearn HuberRegressor (epsilon 1.35, the 95%-efficiency default) of the median
TTFT of each `bucket_tokens` prompt bucket on the bucket centre, weighted by the bucket's
request count — aggregated data, so the fit costs the same at any log size.
"""

import warnings

import numpy as np
import polars as pl
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import HuberRegressor

from warehouse.mine.changepoints import METHOD, change_points

DRIFT_METRICS = (
    "ttft_ms_p50",
    "ttft_ms_p95",
    "ttft_ms_p99",
    "tpot_ms_p50",
    "tpot_ms_p95",
    "ttft_ms_per_1k_prompt_tokens",
)


def ttft_slopes(buckets: pl.DataFrame) -> pl.DataFrame:
    """mine_ttft_by_prompt.sql rows -> day, ttft_ms_per_1k_prompt_tokens, ttft_ms_at_zero_prompt."""
    rows = []
    for (day,), group in buckets.group_by("day", maintain_order=True):
        slope, intercept = _huber(group)
        rows.append({"day": day, "ttft_ms_per_1k_prompt_tokens": slope, "ttft_ms_at_zero_prompt": intercept})
    schema = {"day": pl.Date, "ttft_ms_per_1k_prompt_tokens": pl.Float64, "ttft_ms_at_zero_prompt": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def _huber(group: pl.DataFrame) -> tuple[float | None, float | None]:
    if group.height < 3:
        return None, None
    x = group["prompt_tokens_mid"].to_numpy()[:, None] / 1000.0
    y = group["ttft_ms_p50"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = HuberRegressor(epsilon=1.35, max_iter=500).fit(x, y, sample_weight=group["requests"].to_numpy())
    return float(fit.coef_[0]), float(fit.intercept_)


def daily_change_points(daily: pl.DataFrame, model: str) -> pl.DataFrame:
    """Change points of every DRIFT_METRICS column of the mined_latency_daily rows."""
    rows = []
    days = daily["day"].to_list()
    for metric in DRIFT_METRICS:
        for cp in change_points(days, daily[metric].to_list()):
            rows.append(
                {
                    "model": model,
                    "metric": metric,
                    "day": cp.day,
                    "kind": cp.kind,
                    "value": cp.value,
                    "baseline": cp.baseline,
                    "ratio": cp.ratio,
                    "robust_z": cp.robust_z,
                    "method": METHOD.format(z=3.5),
                }
            )
    schema = {
        "model": pl.String,
        "metric": pl.String,
        "day": pl.Date,
        "kind": pl.String,
        "value": pl.Float64,
        "baseline": pl.Float64,
        "ratio": pl.Float64,
        "robust_z": pl.Float64,
        "method": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def spearman_from_counts(values: np.ndarray, totals: np.ndarray, positives: np.ndarray) -> float | None:
    """Spearman rho between a value and a 0/1 outcome given per-value counts (midranks for ties):
    rank of value v = requests before v + (n_v + 1)/2; rank of outcome 0/1 likewise."""
    n = totals.sum()
    negatives = totals - positives
    n1 = positives.sum()
    if n == 0 or n1 in (0, n) or len(values) < 2:
        return None
    rank_v = np.cumsum(totals) - totals + (totals + 1) / 2.0
    rank_0, rank_1 = (n - n1 + 1) / 2.0, (n - n1) + (n1 + 1) / 2.0
    mean = (n + 1) / 2.0
    cov = (negatives * (rank_v - mean) * (rank_0 - mean) + positives * (rank_v - mean) * (rank_1 - mean)).sum()
    var_v = (totals * (rank_v - mean) ** 2).sum()
    var_y = (n - n1) * (rank_0 - mean) ** 2 + n1 * (rank_1 - mean) ** 2
    return float(cov / np.sqrt(var_v * var_y)) if var_v > 0 else None
