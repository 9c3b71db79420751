"""Pure mining helpers on hand-made inputs: spans and labels, run merging, change points,
the LRU prefix cache, tie-aware Spearman and tenant outliers."""

import random
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from warehouse.mine.changepoints import change_points
from warehouse.mine.drift import spearman_from_counts
from warehouse.mine.prefix import simulate
from warehouse.mine.regimes import merge_short_runs
from warehouse.mine.spans import day_set, regime_labels, runs, spans
from warehouse.mine.tenants import flag_outliers, modified_z


def business_week() -> np.ndarray:
    """Regime 1 on weekdays 09–18 (cells d·24+9 .. d·24+17 for d = 0..4), regime 0 elsewhere."""
    week = np.zeros(168, dtype=int)
    for d in range(5):
        week[d * 24 + 9 : d * 24 + 18] = 1
    return week


def test_business_hours_are_labelled_weekdays_09_18():
    labels = regime_labels(business_week())
    assert labels[1] == "weekdays 09–18"
    # Regime 0: Mon–Thu 18→09 next day (15 h), Fri 18 → Mon 09 (63 h, wraps the week), and
    # Mon 00–09 is the tail of that wrap, so it is not a run of its own.
    assert labels[0] == "Mon–Thu 18–09; Fri 18–Mon 09"


def test_runs_wrap_around_the_week():
    found = runs(business_week())
    # 5 daytime runs + 4 weeknight runs + 1 weekend run that wraps Sunday→Monday.
    assert len(found) == 10
    weekend = max(found, key=lambda r: r.hours)
    assert (weekend.start, weekend.hours) == (4 * 24 + 18, 6 + 48 + 9)


def test_whole_week_single_regime_is_all_week():
    assert [s.label for s in spans(np.zeros(168, dtype=int))] == ["all week"]


def test_day_set_names():
    assert day_set([0, 1, 2, 3, 4]) == "weekdays"
    assert day_set([5, 6]) == "weekends"
    assert day_set([0, 1, 2]) == "Mon–Wed"
    assert day_set([0, 2]) == "Mon, Wed"


def test_short_runs_merge_into_longer_neighbour():
    week = business_week()
    week[12] = 2  # a one-hour blip at Mon 12 inside the business run
    merged = merge_short_runs(week, 2)
    assert (merged == business_week()).all()


def test_planted_spike_is_found_with_its_ratio():
    days = [date(2025, 3, 3) + timedelta(days=i) for i in range(10)]
    rng = random.Random(42)
    values = [100 * (1 + rng.uniform(-0.02, 0.02)) for _ in days]
    values[4] = 200.0
    (cp,) = change_points(days, values)
    # Baseline = median of all ten values (~100), so ratio ≈ 200/100 = 2 within the ±2% jitter.
    assert cp.kind == "spike" and cp.day == date(2025, 3, 7)
    assert 1.95 < cp.ratio < 2.05


def test_level_shift_is_a_step_on_its_first_day():
    days = [date(2025, 3, 3) + timedelta(days=i) for i in range(10)]
    rng = random.Random(42)
    values = [(100 if i < 6 else 150) * (1 + rng.uniform(-0.02, 0.02)) for i in range(10)]
    (cp,) = change_points(days, values)
    assert cp.kind == "step" and cp.day == date(2025, 3, 9)  # index 6
    assert 1.45 < cp.ratio < 1.55  # medians 150/100


def test_flat_series_has_no_change_points():
    days = [date(2025, 3, 3) + timedelta(days=i) for i in range(8)]
    assert change_points(days, [100.0] * 8) == []


def test_lru_prefix_cache_counts_only_the_cached_prefix():
    replay = [(0, [1, 2, 3]), (0, [1, 2, 4]), (1, [5, 2]), (1, [1, 2, 3])]
    big = {h.window: h for h in simulate(replay, 100)}
    # Infinite cache: request 2 hits [1, 2] (2), request 3 misses at 5 (0: block 2 after a miss
    # does not count), request 4 hits [1, 2, 3] (3). Lookups 3 + 3 + 2 + 3 = 11, hits 5.
    assert (big[None].lookup_blocks, big[None].hit_blocks) == (11, 5)
    assert (big[0].hit_blocks, big[1].hit_blocks) == (2, 3)
    small = {h.window: h for h in simulate(replay, 3)}
    # 3 blocks, LRU order oldest→newest: r1 → [1, 2, 3]; r2 hits 1, 2 (2), touches 4 → [1, 2, 4]
    # (3 evicted); r3 misses 5 (0) → [4, 5, 2] (1 evicted); r4 misses 1 (0). Hits 2.
    assert small[None].hit_blocks == 2


def test_spearman_from_counts_matches_ranks_by_hand():
    # Values 1, 2, 3 with (requests, non_ok) = (2, 0), (1, 0), (1, 1): rows x = [1, 1, 2, 3],
    # y = [0, 0, 0, 1]. Midranks x = [1.5, 1.5, 3, 4], y = [2, 2, 2, 4]; mean 2.5.
    # cov = (−1)(−.5)·2 + (.5)(−.5) + (1.5)(1.5) = 1 − .25 + 2.25 = 3
    # var_x = 1 + 1 + .25 + 2.25 = 4.5, var_y = 3·.25 + 2.25 = 3 → rho = 3/√13.5 = 0.8165
    rho = spearman_from_counts(np.array([1, 2, 3]), np.array([2, 1, 1]), np.array([0, 0, 1]))
    assert abs(rho - 3 / 13.5**0.5) < 1e-12


def test_modified_z_flags_the_max_context_tenant():
    # prompt p50s: 9 ordinary tenants near 600 tokens, one at 31000.
    p50 = [560, 580, 590, 600, 600, 610, 620, 640, 650, 31000]
    frame = pl.DataFrame(
        {
            "tenant": [f"t{i}" for i in range(10)],
            "requests": [100] * 10,
            "prompt_tokens_p50": [float(v) for v in p50],
            "rps_peak_real": [1.0] * 10,
        }
    )
    flagged = flag_outliers(frame)
    assert flagged.filter(pl.col("outlier").is_not_null())["tenant"].to_list() == ["t9"]
    assert modified_z(np.array([1.0, 1.0, 1.0])).tolist() == [0.0, 0.0, 0.0]  # MAD 0: no flags


def test_quantile_from_counts_matches_quantile_cont(tmp_path):
    import warehouse

    con = warehouse.connect(tmp_path / "q.duckdb")
    # by hand: rows 1, 1, 2, 10 -> vals [1, 2, 10], ends [2, 3, 4]; p50 at rn = 3·0.5 = 1.5 between
    # index 1 (value 1) and index 2 (value 2) -> 1.5; p90 at rn = 2.7 between 2 and 10 -> 2 + 0.7·8 = 7.6
    hand = con.execute(
        "SELECT tf_quantile_cont_counts([1, 2, 10], [2, 3, 4], 0.5), "
        "tf_quantile_cont_counts([1, 2, 10], [2, 3, 4], 0.9)"
    ).fetchall()[0]
    assert hand == (1.5, pytest.approx(7.6, rel=1e-15))
    rng = random.Random(42)  # groups of 1..60 rows, values with many repeats and wide gaps
    rows = [
        (g, rng.choice([rng.randint(0, 20), rng.randint(0, 100_000)]))
        for g in range(300)
        for _ in range(rng.randint(1, 60))
    ]
    con.execute("CREATE TABLE t (g INTEGER, v BIGINT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    ps = [0.0, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0]
    from_counts = con.execute(
        "WITH c AS (SELECT g, v, count(*) AS c FROM t GROUP BY ALL), "
        "l AS (SELECT g, list(v ORDER BY v) AS vals, list(cum ORDER BY v) AS ends "
        "      FROM (SELECT *, sum(c) OVER (PARTITION BY g ORDER BY v) AS cum FROM c) GROUP BY g) "
        "SELECT g, [tf_quantile_cont_counts(vals, ends, p) FOR p IN $ps] FROM l ORDER BY g",
        {"ps": ps},
    ).fetchall()
    direct = con.execute("SELECT g, quantile_cont(v, $ps) FROM t GROUP BY g ORDER BY g", {"ps": ps}).fetchall()
    assert [g for g, _ in from_counts] == [g for g, _ in direct]
    # same order statistics and interpolation; the last bit may differ (DuckDB interpolates as
    # lo·(1 − d) + hi·d in C++), so compare to 1e-12 relative
    for (_, got), (_, want) in zip(from_counts, direct, strict=True):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
