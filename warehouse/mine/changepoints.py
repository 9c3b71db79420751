"""Change points in a daily series (e.g. TTFT p95 per day).

Method, stated: on log values (so magnitudes are ratios), robust z = 0.6745·(x − median)/MAD
(Iglewicz & Hoaglin 1993's modified z-score). A *spike* is a single day with |z| >= z_min whose
neighbours are not (the planted-regression case). A *step* is the split point s (segments of at
least `min_days` each) that maximises the between-segment difference of medians, kept when that
difference is >= z_min robust standard deviations of the within-segment residuals. Either kind
must also change the level by at least `min_change` (20%) — a tiny but very regular shift is no
regression.
Needs at least 2·min_days points; a MAD of 0 uses the mean absolute deviation, then no detection.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

METHOD = (
    "modified z-score >= {z} on log daily values (spike); best median split, >= {z} robust SD (step); "
    "both >= 20% change"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePoint:
    day: date
    kind: str  # spike | step
    value: float  # the day's value (spike) or the median after the step
    baseline: float  # median of the series (spike) or before the step
    robust_z: float

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


def _scale(residuals: np.ndarray) -> float:
    mad = float(np.median(np.abs(residuals)))
    return mad / 0.6745 if mad > 0 else float(np.mean(np.abs(residuals))) * 1.2533


def change_points(
    days: list[date], values: list[float | None], *, z_min: float = 3.5, min_days: int = 3, min_change: float = 0.2
) -> list[ChangePoint]:
    pairs = [(d, v) for d, v in zip(days, values, strict=True) if v is not None and v > 0]
    if len(pairs) < 2 * min_days:
        return []
    ds, x = [d for d, _ in pairs], np.log([v for _, v in pairs])
    found = _spikes(ds, x, z_min)
    spike_days = {p.day for p in found}
    keep = [i for i, d in enumerate(ds) if d not in spike_days]
    step = _step([ds[i] for i in keep], x[keep], z_min, min_days)
    found += [step] if step else []
    return [p for p in found if abs(np.log(p.ratio)) >= np.log1p(min_change)]


def _spikes(ds: list[date], x: np.ndarray, z_min: float) -> list[ChangePoint]:
    scale = _scale(x - np.median(x))
    if scale == 0:
        return []
    z = (x - np.median(x)) / scale
    out = []
    for i, zi in enumerate(z):
        neighbours = [z[j] for j in (i - 1, i + 1) if 0 <= j < len(z)]
        if abs(zi) >= z_min and all(abs(n) < z_min for n in neighbours):
            out.append(
                ChangePoint(
                    day=ds[i],
                    kind="spike",
                    value=float(np.exp(x[i])),
                    baseline=float(np.exp(np.median(x))),
                    robust_z=float(zi),
                )
            )
    return out


def _step(ds: list[date], x: np.ndarray, z_min: float, min_days: int) -> ChangePoint | None:
    best = None
    for s in range(min_days, len(x) - min_days + 1):
        before, after = np.median(x[:s]), np.median(x[s:])
        residuals = np.concatenate([x[:s] - before, x[s:] - after])
        scale = _scale(residuals)
        if scale == 0:
            continue
        z = (after - before) / scale
        if abs(z) >= z_min and (best is None or abs(z) > abs(best[1])):
            best = (s, z, before, after)
    if best is None:
        return None
    s, z, before, after = best
    return ChangePoint(
        day=ds[s], kind="step", value=float(np.exp(after)), baseline=float(np.exp(before)), robust_z=float(z)
    )
