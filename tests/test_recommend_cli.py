"""`tracefit recommend` end to end on a tiny seeded warehouse: the plan exports and the dashboards read it."""

import json
import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from click.testing import CliRunner

import warehouse
from dashboards import plan as dash_plan
from recommend.export import export, parse_plan
from tracefit.cli import cli
from tracefit.recommend_data import windows_traffic
from warehouse.mine import MineOptions, mine

T0 = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    """2 days of a 1% sample: ~1 logged req/min at night, ~6 in the day (real ~1.7 / 10 req/s)."""
    rng, rows = random.Random(42), []
    for minute in range(2 * 24 * 60):
        busy = 9 <= (minute // 60) % 24 < 21
        for _ in range(rng.randint(3, 9) if busy else rng.randint(0, 2)):
            rows.append(
                (T0 + timedelta(minutes=minute, seconds=rng.random() * 60), rng.randint(50, 3000), rng.randint(1, 600))
            )
    path = tmp_path_factory.mktemp("rec") / "two_days.duckdb"
    con = warehouse.connect(path)
    con.execute(
        "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
        "column_map, status, started_at) VALUES (1, 'x', 'x', 'generic', 's', 0.01, 'absolute', '{}', "
        "'loaded', now())"
    )
    frame = pl.DataFrame(
        {
            "ingest_run_id": 1,
            "source": "s",
            "request_id": [f"r{i}" for i in range(len(rows))],
            "arrival_ts": [r[0] for r in rows],
            "model": "chat",
            "prompt_tokens": [r[1] for r in rows],
            "output_tokens": [r[2] for r in rows],
            "status": "ok",
            "source_row": list(range(len(rows))),
        }
    )
    con.register("tf_rows", frame.to_arrow())
    con.execute("INSERT INTO requests BY NAME SELECT * FROM tf_rows")
    con.unregister("tf_rows")
    mine(con, MineOptions())
    con.close()
    return path


def test_windows_read_real_rates_and_peak_span(two_days):
    with warehouse.connect(two_days, read_only=True) as con:
        ws = windows_traffic(con, "chat", windows="fixed:12h")
    assert len(ws) == 14 and ws[0].label == "Mon 00–12" and ws[0].cells == tuple(range(12))
    busy = ws[1]  # Mon 12–24: 12:00–21:00 busy, ~6 logged/min = ~10 req/s real at 1%
    assert busy.sample_rate == 0.01 and 5 < busy.rps_mean_real < 12
    assert busy.peak_arrival_s.size and busy.peak_arrival_s.max() < 3600
    assert busy.grid_requests.sum() == busy.requests
    assert ws[5].empty and ws[5].requests == 0  # Wed 12–24: nothing logged


def test_recommend_cli_writes_an_exportable_plan(two_days, tmp_path):
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        cli,
        [
            "recommend",
            "--db",
            str(two_days),
            "--model",
            "chat",
            "--as",
            "llama-3.1-8b",
            "--gpu",
            "l40s",
            "--gpu",
            "h100-sxm",
            "--windows",
            "fixed:12h",
            "--max-gpus",
            "2",
            "--slo",
            "ttft_p95_ms=1500",
            "--price",
            "l40s=1.0",
            "--workers",
            "2",  # windows on forked workers (recommend.parallel)
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan["model"] == "llama-3.1-8b" and plan["traffic_model"] == "chat"
    assert plan["slo"] == {"ttft_p95_ms": 1500.0, "tpot_p95_ms": 100.0}
    busy = plan["windows"][1]
    assert set(busy) >= {"window", "traffic", "config", "predicted", "cost", "coverage", "reasons", "alternatives"}
    assert busy["screening"]["candidates"] >= 500 and busy["meets_slo"]
    assert busy["predicted"]["ttft_ms"]["p95"] <= 1500 and busy["predicted"]["source"] == "simulated"
    assert len(busy["reasons"]) == 8 and any("bound" in r for r in busy["reasons"])
    assert busy["reasons"][-1].startswith("scaler target")  # --scale-calibrate 0.97 by default
    assert busy["coverage"]["admitted_share"] == 1.0  # every prompt + output <= 3600 fits the grid length
    assert plan["windows"][5]["config"]["replicas"] == 1  # no traffic: one replica kept warm
    s = plan["summary"]
    assert s["gpu_hours_per_week"] <= s["static_peak_gpu_hours_per_week"] and 0 <= s["savings_pct"] < 100
    parsed = parse_plan(plan)
    assert len(parsed.windows) == 14 and parsed.windows[1].config.replicas == busy["config"]["replicas"]
    assert export(parsed, "vllm")
    assert dash_plan.pareto(plan).height >= 2 and dash_plan.schedule(plan).height == 168


def test_unmined_model_is_a_one_line_error(two_days):
    result = CliRunner().invoke(cli, ["recommend", "--db", str(two_days), "--model", "nope"])
    assert result.exit_code == 1 and "tracefit mine" in result.output
