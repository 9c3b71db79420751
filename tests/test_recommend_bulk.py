"""Traffic classes: the bulk classifier (SQL), bulk throughput sizing, FIFO admission and the deadline,
and that bulk requests load the engines without counting in interactive SLO attainment."""

import dataclasses
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import warehouse
from recommend.backtest import Traffic, backtest
from recommend.backtest.bulk import admit, bulk_stats
from recommend.backtest.plan import read_plan, segments
from recommend.bulk_plan import admit_rate
from recommend.traffic_class import BulkRule
from tracefit.backtest_data import read_requests
from tracefit.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def _warehouse(tmp_path, rows, sample_rate="0.5"):
    """rows: (tenant, seconds after Monday 00:00 UTC)."""
    frame = pl.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(len(rows))],
            "timestamp": [datetime.fromtimestamp(MONDAY.timestamp() + s, UTC) for _, s in rows],
            "model": ["chat"] * len(rows),
            "tenant": [t for t, _ in rows],
            "prompt_tokens": [100] * len(rows),
            "output_tokens": [10] * len(rows),
        }
    )
    path, db = tmp_path / "log.parquet", tmp_path / "w.duckdb"
    frame.write_parquet(path)
    out = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db), "--sample-rate", sample_rate])
    assert out.exit_code == 0, out.output
    return db


def test_bulk_classifier_counts_real_requests_per_tenant_second(tmp_path):
    # sample rate 0.5: each logged request = 2 real ones. Second 10: A sends 5 logged = 10 real req/s
    # (>= 8: bulk), B sends 3 = 6 real (< 8: interactive). Second 20: A sends 1 = 2 real (interactive).
    # C is a listed batch tenant: its lone request at second 30 is bulk.
    rows = (
        [("A", 10.1 + i / 10) for i in range(5)]
        + [("B", 10.05 + i / 10) for i in range(3)]
        + [("A", 20.5), ("C", 30.5)]
    )
    db = _warehouse(tmp_path, rows)
    rule = BulkRule(burst_rps=8.0, tenants=("C",))
    with warehouse.connect(db, read_only=True) as con:
        frame = read_requests(con, ["chat"], MONDAY, datetime(2025, 3, 4, tzinfo=UTC), rule)
        off = read_requests(con, ["chat"], MONDAY, datetime(2025, 3, 4, tzinfo=UTC), None)
        tenants = con.sql("SELECT tenant FROM requests ORDER BY arrival_ts").pl()["tenant"].to_list()
    flags = dict(zip(zip(tenants, frame["arrival_s"].round(2).to_list()), frame["bulk"].to_list()))
    assert sum(v for (t, _), v in flags.items() if t == "A") == 5  # the 5 of second 10, not the one of second 20
    assert not any(v for (t, _), v in flags.items() if t == "B")
    assert flags[("C", round(MONDAY.timestamp() + 30.5, 2))]
    # a threshold of 10 still holds A's 10 real req/s (>=); 10.5 does not
    with warehouse.connect(db, read_only=True) as con:
        at10 = read_requests(con, ["chat"], MONDAY, datetime(2025, 3, 4, tzinfo=UTC), BulkRule(burst_rps=10.0))
        above = read_requests(con, ["chat"], MONDAY, datetime(2025, 3, 4, tzinfo=UTC), BulkRule(burst_rps=10.5))
    assert at10["bulk"].sum() == 5 and above["bulk"].sum() == 0
    assert off["bulk"].sum() == 0  # no rule: every request interactive


def test_a_burst_must_be_seen_in_at_least_five_logged_requests(tmp_path):
    # sample rate 0.1: D's 4 logged requests in second 40 stand for 40 real (>= 8) but are too few to
    # show a burst (MIN_BURST_LOGGED = 5); E's 5 in second 50 are bulk
    rows = [("D", 40.1 + i / 10) for i in range(4)] + [("E", 50.1 + i / 10) for i in range(5)]
    db = _warehouse(tmp_path, rows, sample_rate="0.1")
    with warehouse.connect(db, read_only=True) as con:
        frame = read_requests(con, ["chat"], MONDAY, datetime(2025, 3, 4, tzinfo=UTC), BulkRule(burst_rps=8.0))
    assert frame["bulk"].to_list() == [False] * 4 + [True] * 5


def test_admit_rate_is_the_slowest_fifo_rate_meeting_the_deadline():
    # 1000 tokens at t=0 and 1000 at t=50, deadline 100 s. Spans: 1 s holds 1000 -> 1000/101 = 9.90;
    # 60 s holds both -> 2000/160 = 12.5; 300 s -> 2000/400 = 5. The second dump binds: 12.5 tokens/s.
    arrival = np.array([0.0, 50.0])
    rate, span_s, start_s = admit_rate(arrival, np.array([1000.0, 1000.0]), 100.0)
    assert rate == pytest.approx(12.5) and span_s == 60.0 and start_s == 0.0
    assert admit_rate(arrival[:1], np.array([1000.0]), 100.0)[0] == pytest.approx(1000 / 101)


def _plan(admit_tok_s, deadline_s=3600.0):
    plan = read_plan(json.loads((FIXTURES / "plan_backtest_monday.json").read_text()))
    return dataclasses.replace(
        plan,
        bulk=BulkRule(burst_rps=1.0, deadline_s=deadline_s),
        windows=tuple(dataclasses.replace(w, bulk_admit_tok_s=admit_tok_s) for w in plan.windows),
    )


def test_fifo_admission_and_deadline_attainment_by_hand():
    # three bulk requests at 10:00:00, 100 tokens each (60 + 40), admitted at 100 tokens/s: they start
    # admitting at 0, 1, 2 s and reach the engines mid-way, at 0.5, 1.5, 2.5 s; an interactive one is untouched.
    t0 = datetime(2025, 3, 3, 10, tzinfo=UTC).timestamp()
    traffic = Traffic.from_arrays([t0, t0, t0, t0 + 7], [60] * 4, [40] * 4, bulk=[True, True, True, False])
    plan = _plan(100.0)
    pieces, _ = segments(plan, MONDAY, datetime(2025, 3, 4, tzinfo=UTC))
    moved, adm = admit(traffic, plan, pieces)
    assert adm.wait_s.tolist() == pytest.approx([0.5, 1.5, 2.5])
    assert sorted(moved.arrival_s - t0) == pytest.approx([0.5, 1.5, 2.5, 7.0])
    # completion = wait + engine time; with 0.4 s of engine time and a 2 s deadline, 2 of 3 meet it
    stats = bulk_stats(adm, adm.wait_s + 0.4, np.ones(3, bool), interactive_real=1.0, deadline_s=2.0, admit_tok_s=100.0)
    assert stats.deadline_attainment == pytest.approx(2 / 3) and stats.share == pytest.approx(3 / 4)
    assert stats.completion_p95_s == pytest.approx(2.9)  # the largest of three (inverted CDF)


def test_spare_pacing_admits_into_the_capacity_interactive_traffic_leaves():
    # the 10-11 piece's window was planned for 1,000 interactive tokens/s; 1 req/s of 200 + 100 tokens
    # arrives (busiest 5 min: 300 tokens/s), so 700 are spare: bulk is admitted at 100 + 700 = 800 tokens/s.
    # 8 bulk requests of 100 tokens at 10:00:00 start at k / 8 s and reach the engines at k / 8 + 1 / 16;
    # with fixed pacing at k + 0.5 (100 tokens/s)
    t0 = datetime(2025, 3, 3, 10, tzinfo=UTC).timestamp()
    ticks = t0 - 300 + 0.5 + np.arange(3900.0)
    traffic = Traffic.from_arrays(
        np.concatenate([ticks, np.full(8, t0)]),
        np.r_[np.full(3900, 200), np.full(8, 60)],
        np.r_[np.full(3900, 100), np.full(8, 40)],
        bulk=np.r_[np.zeros(3900, bool), np.ones(8, bool)],
    )
    fixed = _plan(100.0)
    spare = dataclasses.replace(
        fixed, windows=tuple(dataclasses.replace(w, planned_tok_s=1000.0) for w in fixed.windows)
    )
    pieces, _ = segments(spare, MONDAY, datetime(2025, 3, 4, tzinfo=UTC))
    _, adm = admit(traffic, spare, pieces)
    assert adm.wait_s.tolist() == pytest.approx([k / 8 + 1 / 16 for k in range(8)])
    _, adm = admit(traffic, dataclasses.replace(spare, bulk=dataclasses.replace(spare.bulk, pacing="fixed")), pieces)
    assert adm.wait_s.tolist() == pytest.approx([k + 0.5 for k in range(8)])


def test_a_window_admitting_nothing_holds_bulk_until_one_does():
    # the Mon 09-18 window admits 100 tokens/s, "rest" nothing: a request at 08:30 waits until 09:00
    plan = read_plan(json.loads((FIXTURES / "plan_backtest_monday.json").read_text()))
    plan = dataclasses.replace(
        plan, windows=(dataclasses.replace(plan.windows[0], bulk_admit_tok_s=100.0), plan.windows[1])
    )
    t = datetime(2025, 3, 3, 8, 30, tzinfo=UTC).timestamp()
    pieces, _ = segments(plan, MONDAY, datetime(2025, 3, 4, tzinfo=UTC))
    _, adm = admit(Traffic.from_arrays([t], [60], [40], bulk=[True]), plan, pieces)
    assert adm.wait_s.tolist() == pytest.approx([1800 + 0.5])


def _interactive(rate_per_s=0.5, hours=1, seed=7):
    rng = np.random.default_rng(seed)
    start = datetime(2025, 3, 3, 10, tzinfo=UTC).timestamp()
    arrival = start + np.sort(rng.uniform(0, hours * 3600, int(rate_per_s * hours * 3600)))
    return arrival, rng.integers(200, 1500, arrival.size), rng.integers(20, 300, arrival.size)


def test_bulk_loads_the_engines_but_is_not_judged_by_the_slo():
    arrival, prompt, output = _interactive()
    since, until = datetime(2025, 3, 3, 10, tzinfo=UTC), datetime(2025, 3, 3, 11, tzinfo=UTC)
    dump_t = since.timestamp() + 600
    plan = _plan(admit_tok_s=60_000.0)  # ~60k tokens/s over 2 replicas: far past what they serve
    alone = backtest(plan, Traffic.from_arrays(arrival, prompt, output), since=since, until=until)
    n = 20_000  # a dump of 20,000 requests of 2,500 tokens in one second, admitted over ~830 s
    mixed = Traffic.from_arrays(
        np.concatenate([arrival, dump_t + np.arange(n) / n]),
        np.concatenate([prompt, np.full(n, 2000)]),
        np.concatenate([output, np.full(n, 500)]),
        bulk=np.concatenate([np.zeros(arrival.size, bool), np.ones(n, bool)]),
    )
    both = backtest(plan, mixed, since=since, until=until)
    # interactive requests only in the SLO numbers: the same real count with and without the dump
    assert both.overall.requests_real == pytest.approx(alone.overall.requests_real) == arrival.size
    assert both.bulk.requests_real == n and both.bulk.share == pytest.approx(n / (n + arrival.size))
    # ...but the dump took engine time from them
    assert alone.overall.percentiles_ms["ttft_p95_ms"] < both.overall.percentiles_ms["ttft_p95_ms"]
    assert alone.overall.slo_attainment > both.overall.slo_attainment
    assert alone.bulk.requests_real == 0 and math.isnan(alone.bulk.deadline_attainment)
    # 20,000 x 2,500 tokens at 60,000 tokens/s: the last starts admitting ~833 s after the dump, within the hour
    assert both.bulk.wait_p95_s == pytest.approx(0.95 * n * 2500 / 60_000, rel=0.01)
