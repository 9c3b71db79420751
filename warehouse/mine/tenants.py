"""Tenants whose lengths or rate are outliers against the other tenants.

Method: modified z-score (Iglewicz & Hoaglin 1993) z = 0.6745·(v − median)/MAD over the tenants
with at least `min_requests` requests, on log1p(prompt_tokens_p50) (the "max-context prompts all
day" case) and on log(rps_peak_real) (the "hammers us" case); |z| >= z_min flags the tenant.
"""

import numpy as np
import polars as pl


def modified_z(values: np.ndarray) -> np.ndarray:
    median = np.median(values)
    mad = np.median(np.abs(values - median))
    if mad == 0:
        return np.zeros_like(values, dtype=float)
    return 0.6745 * (values - median) / mad


def flag_outliers(tenants: pl.DataFrame, *, z_min: float = 3.5, min_requests: int = 20) -> pl.DataFrame:
    """Add prompt_robust_z, rate_robust_z and outlier (null | length | rate | length+rate)."""
    eligible = tenants["requests"].to_numpy() >= min_requests
    prompt_z = np.full(tenants.height, np.nan)
    rate_z = np.full(tenants.height, np.nan)
    if eligible.sum() >= 3:
        prompt = np.log1p(tenants["prompt_tokens_p50"].fill_null(0).to_numpy()[eligible])
        rate = np.log(np.maximum(tenants["rps_peak_real"].fill_null(0).to_numpy()[eligible], 1e-9))
        prompt_z[eligible], rate_z[eligible] = modified_z(prompt), modified_z(rate)
    kinds = [_kind(p, r, z_min) for p, r in zip(prompt_z, rate_z, strict=True)]
    return tenants.with_columns(
        prompt_robust_z=pl.Series(prompt_z).fill_nan(None),
        rate_robust_z=pl.Series(rate_z).fill_nan(None),
        outlier=pl.Series(kinds, dtype=pl.String),
    )


def _kind(prompt_z: float, rate_z: float, z_min: float) -> str | None:
    parts = [name for name, z in (("length", prompt_z), ("rate", rate_z)) if not np.isnan(z) and z >= z_min]
    return "+".join(parts) or None
