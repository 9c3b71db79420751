"""Walk-forward backtest: each day planned from the days before it only, replayed, pooled; every class judged."""

import json
import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from click.testing import CliRunner

from recommend.backtest import classes, walk_summary, worst_class
from tracefit.cli import cli
from tracefit.walk_forward import walk_days

T0 = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
RECOMMEND = [
    "--model",
    "chat",
    "--as",
    "llama-3.1-8b",
    "--gpu",
    "l40s",
    "--max-gpus",
    "1",
    "--windows",
    "fixed:24h",
    "--slo",
    "ttft_p95_ms=1500",
]


def _log(days: int, *, spike_day: int | None = None, seed: int = 42) -> pl.DataFrame:
    """`days` days of a 1% sample: ~0.5 logged req/min at night, ~2.5 in the day; `spike_day` has 10x that."""
    rng, rows = random.Random(seed), []
    for minute in range(days * 24 * 60):
        busy = 9 <= (minute // 60) % 24 < 21
        n = rng.randint(1, 4) if busy else rng.randint(0, 1)
        for _ in range(n * (10 if minute // 1440 == spike_day else 1)):
            rows.append(
                (T0 + timedelta(minutes=minute, seconds=rng.random() * 60), rng.randint(50, 3000), rng.randint(1, 600))
            )
    return pl.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(len(rows))],
            "timestamp": [r[0] for r in rows],
            "model": "chat",
            "prompt_tokens": [r[1] for r in rows],
            "output_tokens": [r[2] for r in rows],
        }
    )


def _warehouse(tmp_path, name: str, frame: pl.DataFrame):
    log, db = tmp_path / f"{name}.parquet", tmp_path / f"{name}.duckdb"
    frame.write_parquet(log)
    out = CliRunner().invoke(cli, ["ingest", str(log), "--db", str(db), "--sample-rate", "0.01"])
    assert out.exit_code == 0, out.output
    return db


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """Days 1-3 logged, day 3 with a 10x spike; the walk over days 2-3 keeps its plans."""
    tmp = tmp_path_factory.mktemp("walk")
    db = _warehouse(tmp, "three", _log(3, spike_day=2))
    out = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--walk-forward",
            "--db",
            str(db),
            *RECOMMEND,
            "--since",
            "2025-03-04",
            "--until",
            "2025-03-06",
            "--plans-dir",
            str(tmp / "plans"),
            "--max-requests",
            "200",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    return tmp, db, json.loads(out.stdout)


def test_walk_days_are_utc_days_clipped_to_the_range():
    assert walk_days(T0, T0 + timedelta(days=2)) == [
        (T0, T0 + timedelta(days=1)),
        (T0 + timedelta(days=1), T0 + timedelta(days=2)),
    ]
    noon = T0 + timedelta(hours=12)
    assert walk_days(noon, noon + timedelta(hours=18)) == [
        (noon, T0 + timedelta(days=1)),
        (T0 + timedelta(days=1), noon + timedelta(hours=18)),
    ]


def test_a_walked_days_plan_is_what_recommend_makes_without_that_day(walked, tmp_path):
    """No leak: day 3's plan from the walk == `recommend` on a warehouse holding only days 1-2 (the
    10x spike of day 3 would raise the replicas if any of it leaked in)."""
    tmp, _, doc = walked
    db = _warehouse(tmp_path, "two", _log(3, spike_day=2).filter(pl.col("timestamp") < T0 + timedelta(days=2)))
    assert CliRunner().invoke(cli, ["mine", "--db", str(db), "--until", "2025-03-05"]).exit_code == 0
    plan = tmp_path / "plan.json"
    out = CliRunner().invoke(cli, ["recommend", "--db", str(db), *RECOMMEND, "--out", str(plan)])
    assert out.exit_code == 0, out.output
    assert json.loads((tmp / "plans" / "plan-2025-03-05.json").read_text()) == json.loads(plan.read_text())
    assert [d["day"] for d in doc["days"]] == ["2025-03-04", "2025-03-05"]


def test_walk_json_pools_days_and_judges_every_class(walked):
    _, _, doc = walked
    s, days = doc["summary"], doc["days"]
    assert s["days"] == 2 and s["gpu_hours"] == sum(d["summary"]["gpu_hours"] for d in days)
    assert s["requests_real"] == pytest.approx(sum(d["summary"]["requests_real"] for d in days))
    for key in (
        "windows_meeting_slo_share",
        "hours_meeting_slo_share",
        "slo_attainment",
        "static_peak_gpu_hours",
        "savings_pct",
        "bulk_share",
        "bulk_deadline_attainment",
    ):
        assert key in s
    assert [c["class"] for c in s["classes"]][0] == "interactive"
    judged = [c for c in s["classes"] if c["judged"]]
    assert s["worst_class"] == min(judged, key=lambda c: c["attainment"] - c["target"])["class"]


def test_walk_needs_a_model_and_an_earlier_day(walked):
    _, db, _ = walked
    out = CliRunner().invoke(
        cli, ["backtest", "--walk-forward", "--db", str(db), "--since", "2025-03-04", "--until", "2025-03-05"]
    )
    assert out.exit_code == 2 and "--model" in out.output
    out = CliRunner().invoke(
        cli,
        ["backtest", "--walk-forward", "--db", str(db), *RECOMMEND, "--since", "2025-03-03", "--until", "2025-03-04"],
    )
    assert out.exit_code == 1 and "before 2025-03-03" in out.output


def _day(windows, hours, **summary):
    base = {
        "requests_real": 0.0,
        "bulk_requests_real": 0.0,
        "gpu_hours": 0.0,
        "static_peak_gpu_hours": 0.0,
        "simulated_requests": 0,
        "slo_attainment": None,
        "bulk_deadline_attainment": None,
        "bulk_deadline_s": 3600.0,
    }
    return {
        "windows": [{"meets_slo": m} for m in windows],
        "hours": [{"meets_slo": m} for m in hours],
        "summary": {**base, **summary},
    }


def test_walk_summary_by_hand():
    days = [
        _day(
            [True, False],
            [True, True, False, None],
            requests_real=300.0,
            slo_attainment=0.9,
            gpu_hours=10.0,
            static_peak_gpu_hours=20.0,
            bulk_requests_real=100.0,
            bulk_deadline_attainment=0.5,
        ),
        _day(
            [True, None],
            [True, True],
            requests_real=100.0,
            slo_attainment=0.5,
            gpu_hours=5.0,
            static_peak_gpu_hours=10.0,
        ),
    ]
    s = walk_summary(days, {"ttft_p95_ms": 1000.0})
    assert s["windows_meeting_slo_share"] == 2 / 3  # (day, window) pairs with a verdict: T, F, T
    assert s["hours_meeting_slo_share"] == 4 / 5
    assert s["slo_attainment"] == pytest.approx((0.9 * 300 + 0.5 * 100) / 400)  # 0.8
    assert s["gpu_hours"] == 15 and s["static_peak_gpu_hours"] == 30 and s["savings_pct"] == 50
    assert s["bulk_share"] == 100 / 500 and s["bulk_deadline_attainment"] == 0.5
    assert s["days_meeting_slo"] == 1  # day 2's unjudged window does not fail it
    # interactive 0.8 - 0.95 = -0.15; bulk 0.5 - 0.99 = -0.49: bulk is the worst class
    assert s["worst_class"] == "bulk" and [c["met"] for c in s["classes"]] == [False, False]


def test_a_class_under_a_tenth_of_a_percent_is_reported_not_judged():
    rows = classes(
        {
            "requests_real": 99_950.0,
            "bulk_requests_real": 50.0,
            "slo_attainment": 0.97,
            "bulk_deadline_attainment": 0.0,
            "bulk_deadline_s": 3600.0,
        },
        {"tpot_p99_ms": 100.0},
    )
    assert [(r["class"], r["judged"], r["target"]) for r in rows] == [
        ("interactive", True, 0.99),
        ("bulk", False, 0.99),
    ]
    assert worst_class(rows) == "interactive"  # bulk (0.05%) misses every deadline but is not judged


def test_the_scalers_calibrated_targets_come_from_the_days_before_only(walked):
    """The scaler's targets (--scale-calibrate, default 0.97) replay days 1-2 only for day 3: the
    calibration range ends at day 3's midnight (the plan equals `recommend` without day 3: test above)."""
    tmp, _, _ = walked
    plan = json.loads((tmp / "plans" / "plan-2025-03-05.json").read_text())
    scope = plan["autoscale"]["calibrated"]
    # since: the first mined arrival (day 1, 00:02 in this log); until: the walked day's midnight
    assert scope["since"].startswith("2025-03-03T00:") and scope["until"] == "2025-03-05T00:00:00+00:00"
    assert scope["share"] == 0.97
    fit = plan["windows"][0]["autoscale"]["target"]
    assert fit["target"] in [t for t, _ in fit["shares"]] and fit["pieces"] == 96  # Mondays: day 1, 96 15-min pieces
    scaler = plan["windows"][0]["autoscale"]
    rate = scaler.get("load_per_replica") or scaler["rps_per_replica"]  # the signal's unit (load by default)
    assert any(
        r.startswith(f"scaler target {fit['target']:g} x") and f"= {rate:g}" in r for r in plan["windows"][0]["reasons"]
    )
