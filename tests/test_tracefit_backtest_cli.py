"""tracefit backtest / calibrate through a small warehouse: SQL, model matching, JSON keys."""

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from click.testing import CliRunner

from tracefit.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"


def _ingest(tmp_path, db, frame, sample_rate="1.0"):
    path = tmp_path / "log.parquet"
    frame.write_parquet(path)
    out = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db), "--sample-rate", sample_rate])
    assert out.exit_code == 0, out.output


def _log(n=400, seed=42, latencies=False):
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.uniform(0, 4 * 3600, n))  # Monday 2025-03-03 00:00-04:00 UTC
    cols = {
        "request_id": [f"r{i}" for i in range(n)],
        "timestamp": pl.Series((seconds * 1e6).astype(np.int64)).cast(pl.Duration("us"))
        + datetime(2025, 3, 3, tzinfo=UTC),
        "model": ["chat-small"] * n,
        "prompt_tokens": rng.integers(100, 1500, n),
        "output_tokens": rng.integers(20, 300, n),
    }
    if latencies:
        cols |= {"ttft_ms": rng.uniform(50, 150, n), "tpot_ms": rng.uniform(10, 20, n)}
        cols["e2e_ms"] = cols["ttft_ms"] + cols["tpot_ms"] * (cols["output_tokens"] - 1)
    return pl.DataFrame(cols)


def test_backtest_json(tmp_path):
    db = tmp_path / "w.duckdb"
    _ingest(tmp_path, db, _log(), sample_rate="0.1")
    out = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--plan",
            str(FIXTURES / "plan_backtest_monday.json"),
            "--db",
            str(db),
            "--since",
            "2025-03-03",
            "--until",
            "2025-03-03T04:00:00",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert [w["label"] for w in doc["windows"]] == ["rest"]  # hours 0-3 are the 'rest' window
    assert doc["summary"]["gpu_hours"] == 4 and doc["summary"]["static_peak_gpu_hours"] == 8
    assert doc["summary"]["requests_real"] == 4000  # 400 logged at sample rate 0.1
    assert doc["windows"][0]["rejected_share"] == 0


def test_backtest_of_a_model_not_in_the_catalog_says_as(tmp_path):
    db = tmp_path / "w.duckdb"
    _ingest(tmp_path, db, _log(n=50))
    plan = json.loads((FIXTURES / "plan_backtest_monday.json").read_text())
    del plan["model_spec"]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    args = [
        "backtest",
        "--plan",
        str(tmp_path / "plan.json"),
        "--db",
        str(db),
        "--since",
        "2025-03-03",
        "--until",
        "2025-03-03T01:00:00",
    ]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1 and "--as" in out.output
    assert CliRunner().invoke(cli, [*args, "--as", "llama-3.1-8b"]).exit_code == 0


def test_calibrate_compare_only(tmp_path):
    db = tmp_path / "w.duckdb"
    _ingest(tmp_path, db, _log(latencies=True))
    out = CliRunner().invoke(
        cli,
        [
            "calibrate",
            "--db",
            str(db),
            "--model",
            "chat-small",
            "--deployed",
            "model=llama-3.1-8b,gpu=h100,tp=1,weights=bf16,kv=bf16,max_model_len=4096,"
            "max_num_seqs=64,max_num_batched_tokens=4096,replicas=1",
            "--window",
            "hour",
            "--no-fit",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output[out.output.index("{") :])
    assert len(doc["before"]["windows"]) == 4
    assert set(doc["before"]["mape"]) == {"ttft_p50_ms", "ttft_p95_ms", "tpot_p50_ms", "e2e_p50_ms"}


def test_backtest_hindsight_json(tmp_path):
    # 400 logged requests at a 0.1 sample over 00:00-04:00: ~0.28 real req/s of <= 1,500 + 300 tokens, far below
    # one TP-1 replica of the 'rest' window (1 replica, no scaler): each hour meets the SLO at its floor of 1.
    # The peak window (Mon 09-18) runs 2 GPUs, so the static-peak plan spends 2 x 4 = 8 GPU-hours; hindsight
    # needs 1 x 4 = 4 (50% saved) at every share.
    db = tmp_path / "w.duckdb"
    _ingest(tmp_path, db, _log(), sample_rate="0.1")
    args = ["backtest", "--plan", str(FIXTURES / "plan_backtest_monday.json"), "--db", str(db)]
    out = CliRunner().invoke(
        cli, [*args, "--since", "2025-03-03", "--until", "2025-03-03T04:00:00", "--hindsight", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert [(p["floor"], p["ceiling"], p["top"], p["scaler"], p["least"]) for p in doc["pieces"]] == [
        (1, 1, 2, 1, 1)
    ] * 4
    assert doc["summary"]["static_peak_gpu_hours"] == 8.0 and doc["summary"]["exact"] == 4
    assert [(f["share"], f["gpu_hours"], f["savings_pct"]) for f in doc["frontier"]["static_peak_gpus"]] == [
        (s, 4.0, 50.0) for s in (1.0, 0.99, 0.97, 0.95, 0.9)
    ]
    walk = CliRunner().invoke(
        cli, [*args, "--walk-forward", "--since", "2025-03-03", "--until", "2025-03-04", "--hindsight"]
    )
    assert walk.exit_code == 2 and "--hindsight takes one --plan" in walk.output
