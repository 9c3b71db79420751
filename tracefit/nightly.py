"""The nightly job: inbox -> ingest -> mine -> recommend -> backtest yesterday -> dashboards -> run
report, one run at a time.

Idempotent: when the warehouse and the settings are what the last report saw, it changes
nothing and says so. Reports live in OUT/runs/<stamp>/report.json; the newest `keep` stay.
"""

import glob
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import warehouse
from dashboards.site import build_site
from ingest import ReadOptions
from ingest.reader import LOG_SUFFIXES, log_files
from recommend.plan import read_plan_json
from tracefit import lock
from tracefit.nightly_config import ConfigError, NightlyConfig
from tracefit.nightly_plan import backtest_yesterday, plan_models
from tracefit.site_data import gather
from warehouse.inputs import nightly as nightly_inputs
from warehouse.load import ingest_paths
from warehouse.mine.options import MineOptions
from warehouse.mine.run import mine


@dataclass(frozen=True, slots=True, kw_only=True)
class NightlyResult:
    status: str  # done | unchanged
    report: dict
    report_path: Path | None
    bad_input: bool  # some inbox file could not be read

    def to_dict(self) -> dict:
        return {**asdict(self), "report_path": str(self.report_path) if self.report_path else None}


def inbox_files(patterns: tuple[str, ...]) -> list[Path]:
    files: set[Path] = set()
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            files |= set(log_files(path))
        else:
            files |= {Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file()}
    if not files:
        raise ConfigError(
            f"inbox {list(patterns)} holds no log files ({', '.join(sorted(LOG_SUFFIXES))}, "
            "or one of them compressed: .gz, .bz2, .xz, .zst)"
        )
    return sorted(files)


def run_nightly(
    config: NightlyConfig, say: Callable[[str], None] = lambda _: None, wait_s: float = 0.0
) -> NightlyResult:
    out = config.out_path
    held = lock.acquire(Path(f"{config.db}.lock"), wait_s=wait_s)
    try:
        if held.stale_holder:
            say(f"cleared a stale lock left by a killed run ({held.stale_holder})")
        return _run(config, say, out, wait_s)
    finally:
        held.release()


def _run(config: NightlyConfig, say, out: Path, wait_s: float = 0.0) -> NightlyResult:
    started = datetime.now(UTC)
    files = inbox_files(config.inbox)
    with warehouse.connect(config.db, wait_s=wait_s) as con:  # an ingest may hold the file
        say(f"ingest: {len(files)} inbox files")
        options = ReadOptions(format=config.format, source=config.source)
        ingested = [r.to_dict() for r in ingest_paths(con, files, options, config.sample_rate)]
        fingerprint = _fingerprint(con, config)
        previous = latest_report(out)
        if previous and previous.get("fingerprint") == fingerprint:
            report = {"status": "unchanged", "previous_run": previous["run"], "ingest": ingested}
            return NightlyResult(status="unchanged", report=report, report_path=None, bad_input=_bad(ingested))
        say("mine")
        mined = [
            asdict(m) for m in mine(con, MineOptions(), progress=say) if not config.models or m.model in config.models
        ]
        alerts = nightly_inputs.alerts(con)
        report = _report(started, fingerprint, ingested, mined, alerts, previous)
        run_dir = _run_dir(out, started)
        previous_dir = out / "runs" / previous["run"] if previous else None
        if config.recommend:
            models = [m["model"] for m in mined if m["status"] != "empty"]
            report["plans"] = plan_models(con, config, models, run_dir, previous_dir, say)
            report["backtest"] = backtest_yesterday(con, report["plans"], previous_dir, say)
        plan = _first_plan(report)
        if config.dashboard:
            say("dashboards")
            site = build_site(gather(con, warehouse_name=str(config.db), plan=plan, report=report), out / "site")
            report["site"] = str(out / "site" / "index.html")
            report["pages"] = len(site.pages)
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = run_dir / "report.json"
    _write_atomic(path, json.dumps(report, indent=2, default=str))
    _prune(out / "runs", config.keep)
    return NightlyResult(status="done", report=report, report_path=path, bad_input=_bad(ingested))


def _report(started, fingerprint, ingested, mined, alerts, previous) -> dict:
    previous_alerts = {_alert_key(a) for a in (previous or {}).get("alerts", [])}
    return {
        "run": started.strftime("%Y%m%dT%H%M%SZ"),
        "status": "done",
        "started": started.isoformat(timespec="seconds"),
        "fingerprint": fingerprint,
        "previous_run": previous["run"] if previous else None,
        "ingest": ingested,
        "mine": mined,
        "alerts": alerts,
        "new_alerts": [a for a in alerts if _alert_key(a) not in previous_alerts],
    }


def _first_plan(report: dict) -> dict | None:
    """The plan the site shows: the first planned model's (the site has one plan page)."""
    for entry in report.get("plans", []):
        if entry["status"] == "planned":
            return read_plan_json(entry["plan"])
    return None


def _alert_key(alert: dict) -> str:
    return f"{alert['kind']}|{alert['model']}|{alert['subject']}|{alert['day']}"


def _fingerprint(con, config: NightlyConfig) -> str:
    data = nightly_inputs.fingerprint_data(con)
    settings = json.dumps(asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(json.dumps([data, settings], default=str).encode()).hexdigest()[:20]


def _bad(ingested: list[dict]) -> bool:
    return any(f["status"] == "failed" for f in ingested)


def _run_dir(out: Path, started: datetime) -> Path:
    path = out / "runs" / started.strftime("%Y%m%dT%H%M%SZ")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)  # readers see the old file or the whole new one, never a part


def latest_report(out: Path) -> dict | None:
    reports = sorted((out / "runs").glob("*/report.json"))
    for path in reversed(reports):
        try:
            return json.loads(path.read_text())
        except ValueError:
            continue  # a report cut short by a killed run: ignore it
    return None


def _prune(runs: Path, keep: int) -> None:
    for old in sorted(p for p in runs.iterdir() if p.is_dir())[:-keep]:
        shutil.rmtree(old)
