"""Short and sampled logs: what a sample measures (recommend/sampling.py) and a plan from one real hour."""

import json
import math
from datetime import UTC, datetime

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from recommend.sampling import logged_needed, resolution_s, sample_reason
from tracefit.cli import cli


def test_resolution_is_the_interval_holding_384_logged_requests():
    assert logged_needed() == pytest.approx(384.146, abs=1e-3)  # (1.959964 / 0.1)^2
    assert resolution_s(200.0, 0.01) == pytest.approx(192.07, abs=0.01)  # 384.146 / (200 x 0.01 logged/s)
    assert resolution_s(200.0, 1.0) == pytest.approx(1.92, abs=0.01)
    assert resolution_s(200.0, 0.0025, tolerance=0.2) == pytest.approx(192.07, abs=0.01)  # (1.96/0.2)^2 / 0.5
    assert math.isinf(resolution_s(0.0, 0.01))
    assert "3.2 min" in sample_reason(200.0, 0.01) and "not in it" in sample_reason(200.0, 0.01)
    assert "1.9 s" in sample_reason(200.0, 1.0) and "replayed as logged" in sample_reason(200.0, 1.0)


def test_one_real_hour_gets_a_plan_with_the_fallback_headroom_named(shared_data, tmp_path):
    """One hour of ServeGen chat-large (Tue 2025-03-04 12:00-13:00, 1,801 logged at 0.25%): no other
    day to measure forecast error from, so the plan says it used the fallback headroom."""
    hour = pl.read_parquet(shared_data / "servegen" / "chat-large-2w.parquet").filter(
        pl.col("ts").is_between(
            datetime(2025, 3, 4, 12, tzinfo=UTC), datetime(2025, 3, 4, 13, tzinfo=UTC), closed="left"
        )
    )
    assert hour.height == 1801
    hour.write_parquet(tmp_path / "hour.parquet")
    db, plan = str(tmp_path / "w.duckdb"), tmp_path / "plan.json"
    for args in (
        ["ingest", str(tmp_path / "hour.parquet"), "--sample-rate", "0.0025"],
        ["mine"],
        ["recommend", "--model", "chat-large", "--as", "qwen2.5-72b", "--out", str(plan)],
    ):
        out = CliRunner().invoke(cli, [*args, "--db", db])
        assert out.exit_code == 0, out.output
    doc = json.loads(plan.read_text())
    [w] = doc["windows"]
    assert w["traffic"]["headroom"] == 0.1 and w["traffic"]["forecast_error"]["hours"] == 0
    assert any("fallback headroom 0.10 (--headroom)" in r for r in w["reasons"])
    # 1,801 logged in an hour = 0.5 logged/s: 384.146 / 0.5003 = 768 s measure a rate within ±10%
    assert w["traffic"]["sample_resolution_s"] == pytest.approx(384.146 / (1801 / 3600), rel=0.01)
    assert w["meets_slo"] and w["config"]["replicas"] >= 1


def test_a_plan_from_a_1pct_sample_holds_on_the_full_traffic(shared_data, tmp_path):
    """20 minutes of chat-large-6h-full (Tue 2025-03-04 10:00-10:20, every request: 201,035) and its
    deterministic 1% sample (hash(request_id) % 100 = 0: 1,980 rows, --sample-rate 0.01): the sample's
    plan, replayed on every request (sub-second bursts as logged), meets the SLO with 0.9-1.25x the
    full log's GPUs (bench/sampled.py: the same on all six hours)."""
    full = tmp_path / "full.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM '{shared_data / 'servegen' / 'chat-large-6h-full.parquet'}' "
        "WHERE ts >= '2025-03-04 10:00:00+00' AND ts < '2025-03-04 10:20:00+00') TO '" + str(full) + "'"
    )
    sample = tmp_path / "sample.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{full}' WHERE hash(request_id) % 100 = 0) TO '{sample}'")
    plans = {}
    for name, log, rate in (("full", full, "1"), ("sample", sample, "0.01")):
        db, plans[name] = str(tmp_path / f"{name}.duckdb"), tmp_path / f"{name}.json"
        for args in (
            ["ingest", str(log), "--sample-rate", rate],
            ["mine"],
            ["recommend", "--model", "chat-large", "--as", "qwen2.5-72b", "--out", str(plans[name])],
        ):
            out = CliRunner().invoke(cli, [*args, "--db", db])
            assert out.exit_code == 0, out.output
    gpus = {
        n: max(w["config"]["tp"] * w["config"]["replicas"] for w in json.loads(p.read_text())["windows"])
        for n, p in plans.items()
    }
    assert 0.9 <= gpus["sample"] / gpus["full"] <= 1.25
    out = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--plan",
            str(plans["sample"]),
            "--db",
            str(tmp_path / "full.duckdb"),
            "--since",
            "2025-03-04T10:00:00",
            "--until",
            "2025-03-04T10:20:00",
            "--fixed-replicas",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)["summary"]
    assert summary["requests_real"] > 200_000 and summary["windows_meeting_slo_share"] == 1.0
    [w] = json.loads(plans["sample"].read_text())["windows"]
    # ~167 req/s x 0.01 = 1.65 logged/s: 384 logged requests take ~230 s
    assert 200 < w["traffic"]["sample_resolution_s"] < 260
