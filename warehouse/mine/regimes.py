"""Seasonal regimes: cluster the hour-of-week cells on (rate, length quantiles).

Regimes are what recurs, so a cell's features are not its own (noisy: one sample per week) but
its day-type hour profile: for each hour of the day, the mean over days of the same type —
weekdays vs weekends when their mean log rate differs by >= `daytype_min_log_diff` (0.25, i.e.
~28%), else all days — smoothed over a circular `smooth_hours` window. Features: log(median
minute rate + 1/60 req/s) (robust to one-minute bursts) and log1p of the prompt/output medians, standardised,
the two length features scaled by `length_weight` (rate is what seasonality is about).
K: KMeans (k-means++, 10 inits, seed 0) for every K in [k_min, k_max], keeping the smallest K whose
silhouette score (Rousseeuw 1987) is within `silhouette_tolerance` (0.03) of the highest: on 168
autocorrelated cells smaller gaps are noise (ServeGen chat-large week 2: K = 6 scored 0.605, K = 2
0.577, while week 1 scored K = 2 highest at 0.681; the tie-break keeps K = 2 in both weeks). Regimes are numbered by ascending mean rate (0 = quietest);
runs shorter than `min_run_hours` are merged into the longer neighbour.
On ServeGen chat-large-2w the weeks agree on 92% of cells (ARI 0.69; tests/test_warehouse_mine_real.py).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from warehouse.mine.spans import runs

CELLS = 168
RATE_FLOOR_RPS = 1 / 60  # one request a minute: keeps log finite for idle cells
FEATURES = ("rps_p50_real", "prompt_tokens_p50", "output_tokens_p50")


@dataclass(frozen=True, slots=True, kw_only=True)
class Regimes:
    labels: np.ndarray  # (168,) regime id per hour-of-week cell, -1 = not observed
    k: int
    silhouette: float | None  # of the chosen K before run merging; None when K = 1 was forced
    criterion: str
    pooling: str  # weekday/weekend | all days


def features(
    cells: pl.DataFrame, *, daytype_min_log_diff: float = 0.25, smooth_hours: int = 3, length_weight: float = 0.3
) -> tuple[np.ndarray, str]:
    """(n_observed_cells, 3) standardised feature matrix and the pooling used."""
    week = np.full((168, len(FEATURES)), np.nan)
    idx = cells["how_cell"].to_numpy()
    for j, name in enumerate(FEATURES):
        values = cells[name].fill_null(strategy="mean").fill_null(0.0).to_numpy()
        week[idx, j] = np.log(values + RATE_FLOOR_RPS) if j == 0 else np.log1p(values)
    days = week.reshape(7, 24, -1)
    split = abs(_nanmean(days[:5, :, 0]) - _nanmean(days[5:, :, 0])) >= daytype_min_log_diff
    groups = [range(5), range(5, 7)] if split else [range(7)]
    profile = np.empty_like(days)
    for group in groups:
        profile[list(group)] = _nanmean(days[list(group)], axis=0)
    half = smooth_hours // 2
    profile = _nanmean(np.stack([np.roll(profile, s, axis=1) for s in range(-half, half + 1)]), axis=0)
    x = profile.reshape(168, -1)[idx]
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    x[:, 1:] *= length_weight
    return x, "weekday/weekend" if split else "all days"


def _nanmean(a: np.ndarray, axis=None):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)


def find_regimes(
    cells: pl.DataFrame,
    *,
    k_min: int = 2,
    k_max: int = 6,
    min_run_hours: int = 2,
    silhouette_tolerance: float = 0.03,
    **feature_options,
) -> Regimes:
    """Cluster `cells` (mine_hour_cells.sql rows) into regimes over the 168-cell week."""
    criterion = f"smallest K within {silhouette_tolerance} of the max silhouette, KMeans K in {k_min}..{k_max}"
    x, pooling = features(cells, **feature_options)
    distinct = len(np.unique(x.round(9), axis=0))
    scored = []  # (k, silhouette, labels), ascending k
    for k in range(k_min, min(k_max, distinct - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)
        scored.append((k, float(silhouette_score(x, labels)), labels))
    best_score, best_labels = None, np.zeros(len(x), dtype=int)
    if scored:
        top = max(score for _, score, _ in scored)
        _, best_score, best_labels = next(s for s in scored if s[1] >= top - silhouette_tolerance)
    week = np.full(CELLS, -1)
    week[cells["how_cell"].to_numpy()] = _by_rate(best_labels, cells["rps_p50_real"].to_numpy())
    week = _renumber(merge_short_runs(week, min_run_hours), cells)
    return Regimes(labels=week, k=int(week.max()) + 1, silhouette=best_score, criterion=criterion, pooling=pooling)


def _by_rate(labels: np.ndarray, rate: np.ndarray) -> np.ndarray:
    order = sorted(set(labels), key=lambda c: rate[labels == c].mean())
    rank = {c: i for i, c in enumerate(order)}
    return np.array([rank[c] for c in labels])


def _renumber(week: np.ndarray, cells: pl.DataFrame) -> np.ndarray:
    """Consecutive ids by ascending mean rate after merging may have emptied a regime."""
    observed = cells["how_cell"].to_numpy()
    rate = np.zeros(CELLS)
    rate[observed] = cells["rps_p50_real"].to_numpy()
    out = week.copy()
    out[observed] = _by_rate(week[observed], rate[observed])
    return out


def merge_short_runs(week: np.ndarray, min_run_hours: int) -> np.ndarray:
    """Relabel runs shorter than `min_run_hours` to their longer neighbour run (earlier on ties),
    shortest first, until none is left or one run remains."""
    week = week.copy()
    while True:
        spans = runs(week)
        short = [i for i, s in enumerate(spans) if s.hours < min_run_hours]
        if len(spans) < 2 or not short:
            return week
        i = min(short, key=lambda j: (spans[j].hours, spans[j].start))
        before, after = spans[i - 1], spans[(i + 1) % len(spans)]
        adjacent = [s for s in (before, after) if _touches(s, spans[i])]
        if not adjacent:
            return week
        target = max(adjacent, key=lambda s: s.hours)
        cells = (spans[i].start + np.arange(spans[i].hours)) % CELLS
        week[cells] = target.regime


def _touches(a, b) -> bool:
    return (a.start + a.hours) % CELLS == b.start or (b.start + b.hours) % CELLS == a.start


def agreement(labels_a: np.ndarray, labels_b: np.ndarray) -> dict:
    """How alike two weekly labelings are, over cells observed in both: adjusted Rand index
    (1 = same partition, ~0 = chance) and the share of cells with the same regime id."""
    both = (labels_a >= 0) & (labels_b >= 0)
    a, b = labels_a[both], labels_b[both]
    return {
        "cells": int(both.sum()),
        "adjusted_rand": float(adjusted_rand_score(a, b)),
        "same_id_share": float((a == b).mean()) if both.any() else None,
    }
