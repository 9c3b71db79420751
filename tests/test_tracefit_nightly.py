"""The nightly job end to end on the demo's synthetic week: findings, idempotency, the lock."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tracefit.cli import cli
from tracefit.lock import LockBusy, acquire
from tracefit.nightly import run_nightly
from tracefit.nightly_config import ConfigError, NightlyConfig, load
from tracefit.synthetic import generate

DAYS = 6  # the regression is planted on day index 4 (2025-03-07), one normal day follows


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inbox")
    log = generate(days=DAYS, seed=7, mean_rps=0.2)
    log.requests.write_parquet(folder / "day-logs.parquet")
    return folder, log


def config_for(tmp_path, folder, **kw):
    return NightlyConfig(
        inbox=(str(folder),), db=str(tmp_path / "w.duckdb"), out=str(tmp_path / "out"), source="prod", **kw
    )


@pytest.mark.slow
def test_nightly_finds_the_planted_regression_and_abusive_tenant_then_is_idempotent(tmp_path, inbox):
    folder, log = inbox
    config = config_for(tmp_path, folder)
    first = run_nightly(config)
    assert first.status == "done" and not first.bad_input
    alerts = first.report["alerts"]
    regression_days = {a["day"] for a in alerts if a["kind"] == "latency_change" and a["subject"].startswith("ttft")}
    assert regression_days == {log.regression_day.date()}
    outliers = {a["subject"] for a in alerts if a["kind"] == "tenant_outlier" and a["detail"].startswith("length")}
    assert outliers == {log.abusive_tenant}
    assert first.report_path.is_file() and (tmp_path / "out/site/index.html").is_file()
    again = run_nightly(config)
    assert again.status == "unchanged" and again.report_path is None
    assert [r["status"] for r in again.report["ingest"]] == ["skipped"]
    assert len(list((tmp_path / "out/runs").iterdir())) == 1


def test_concurrent_run_is_refused_with_exit_75(tmp_path, inbox):
    folder, _ = inbox
    lock_path = tmp_path / "w.duckdb.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from tracefit.lock import acquire; "
                f"acquire(Path({str(lock_path)!r})); print('held', flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(
            cli, ["nightly", "--inbox", str(folder), "--db", str(tmp_path / "w.duckdb"), "--out", str(tmp_path / "out")]
        )
        assert result.exit_code == 75
        assert f"pid {holder.pid}" in result.output
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing: the next taker sees a stale lock and clears it
    held = acquire(lock_path)
    try:
        assert held.stale_holder["pid"] == holder.pid
        with pytest.raises(LockBusy):
            acquire(lock_path)
    finally:
        held.release()


def test_bad_config_exits_2_with_the_key(tmp_path):
    cfg = tmp_path / "tracefit.toml"
    cfg.write_text('inbox = ["/nowhere/*.csv"]\nbogus_key = 1\n')
    result = CliRunner().invoke(cli, ["nightly", "--config", str(cfg)])
    assert result.exit_code == 2 and "bogus_key" in result.output
    with pytest.raises(ConfigError, match="no inbox"):
        load(None, {})


def test_unreadable_inbox_file_exits_2_but_loads_the_rest(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.csv").write_text("timestamp,prompt_tokens,output_tokens\n2025-03-03T00:00:00Z,10,2\n")
    (folder / "broken.parquet").write_bytes(b"PAR1 garbage")
    result = CliRunner().invoke(
        cli,
        [
            "nightly",
            "--inbox",
            str(folder),
            "--db",
            str(tmp_path / "w.duckdb"),
            "--out",
            str(tmp_path / "out"),
            "--no-dashboard",
            "--json",
        ],
    )
    assert result.exit_code == 2, result.output
    files = {os.path.basename(f["path"]): f["status"] for f in json.loads(result.stdout)["report"]["ingest"]}
    assert files == {"good.csv": "loaded", "broken.parquet": "failed"}


def test_config_file_and_flags_merge(tmp_path):
    cfg = tmp_path / "tracefit.toml"
    cfg.write_text('[tracefit]\ninbox = "/logs/*.parquet"\nkeep = 3\nslo = { ttft_p95_ms = 500 }\n')
    config = load(cfg, {"keep": 7, "db": None})
    assert (config.inbox, config.keep, config.slo) == (("/logs/*.parquet",), 7, {"ttft_p95_ms": 500})
