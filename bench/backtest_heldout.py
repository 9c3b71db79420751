"""Do the sizing rules hold off ServeGen's two weeks? A plan from the first part of a log, replayed on the rest.

Logs (../shared/data/README.md): the Azure LLM inference traces 2023 (one hour each of a code and a
conversation service; plan from the first 30 minutes, replay the last 30) and ServeGen chat-large at
full scale (chat-large-6h-full: every request, the tenants' sub-second bursts; plan from 08:00-11:00,
replay 11:00-14:00). Each log is planned twice, with the sizing rules before issue 20's second round
(`--forecast-on requests --scale-on requests --bulk-pacing fixed`) and with the defaults (token-load
forecast, engine-load scaler, bulk into spare capacity), and each plan replayed with its scaler.
A short log has no other day to measure forecast error from: the plans use the fallback headroom and
say so (issue 20 item 5).

    .venv/bin/python bench/backtest_heldout.py               # ~10 min on 2 busy cores; writes the section
    .venv/bin/python bench/backtest_heldout.py --no-write
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli import tracefit  # noqa: E402
from results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
BEFORE = ("--forecast-on", "requests", "--scale-on", "requests", "--bulk-pacing", "fixed")
# (name, file, ingest args, model as logged, catalog model, plan until, replay since, replay until)
LOGS = (
    (
        "Azure 2023 conversation",
        DATA / "azure-llm-2023" / "AzureLLMInferenceTrace_conv.csv",
        (),
        None,
        "llama-3.1-70b",
        "2023-11-16T18:45:00",
        "2023-11-16T18:45:00",
        "2023-11-16T19:20:00",
    ),
    (
        "Azure 2023 code",
        DATA / "azure-llm-2023" / "AzureLLMInferenceTrace_code.csv",
        (),
        None,
        "llama-3.1-70b",
        "2023-11-16T18:45:00",
        "2023-11-16T18:45:00",
        "2023-11-16T19:20:00",
    ),
    (
        "ServeGen chat-large, full scale",
        DATA / "servegen" / "chat-large-6h-full.parquet",
        ("--sample-rate", "1"),
        "chat-large",
        "qwen2.5-72b",
        "2025-03-04T11:00:00",
        "2025-03-04T11:00:00",
        "2025-03-04T14:00:00",
    ),
)
KEYS = (
    "windows_meeting_slo_share",
    "hours_meeting_slo_share",
    "slo_attainment",
    "gpu_hours",
    "static_peak_gpu_hours",
    "savings_pct",
    "requests_real",
    "bulk_share",
    "bulk_deadline_attainment",
    "worst_class",
)


def logged_model(db: str) -> str:
    doc = json.loads(tracefit("summary", "--db", db, "--json"))
    return doc["models"][0]["model"]


def run_log(tmp: Path, name, path, ingest, model, as_model, plan_until, since, until) -> list[dict]:
    db = str(tmp / "log.duckdb")
    tracefit("ingest", str(path), "--db", db, *ingest)
    model = model or logged_model(db)
    tracefit("mine", "--db", db, "--until", plan_until)
    rows = []
    for variant, extra in (("before (requests)", BEFORE), ("after (defaults)", ())):
        plan = str(tmp / "plan.json")
        tracefit("recommend", "--db", db, "--model", model, "--as", as_model, "--out", plan, *extra)
        doc = json.loads(Path(plan).read_text())
        start = time.perf_counter()
        out = json.loads(tracefit("backtest", "--plan", plan, "--db", db, "--since", since, "--until", until, "--json"))
        rows.append(
            {
                "log": name,
                "variant": variant,
                "seconds": time.perf_counter() - start,
                "max_gpus": max(w["config"]["tp"] * w["config"]["replicas"] for w in doc["windows"]),
                "headroom": [w["traffic"]["headroom"] for w in doc["windows"]],
                **{k: out["summary"].get(k) for k in KEYS},
            }
        )
    Path(db).unlink()
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for log in LOGS:
            rows += run_log(Path(tmp), *log)
            shutil.rmtree(Path(tmp), ignore_errors=True)
            Path(tmp).mkdir(exist_ok=True)
    print(json.dumps(rows, indent=1))
    if not a.no_write:
        write_section("backtest-heldout", markdown(rows))


def markdown(rows: list[dict]) -> str:
    lines = "\n".join(
        f"| {r['log']} | {r['variant']} | {r['max_gpus']} | {r['windows_meeting_slo_share']:.3f} | "
        f"{r['hours_meeting_slo_share']:.3f} | {r['slo_attainment']:.4f} | {r['gpu_hours']:,.1f} | "
        f"{r['savings_pct']:.1f}% | {r['requests_real']:,.0f} | {r['worst_class']} |"
        for r in rows
    )
    return f"""## Backtest off ServeGen's two weeks: Azure 2023 and ServeGen at full scale (plan the start, replay the rest)

Command: `.venv/bin/python bench/backtest_heldout.py` (plan from the log's first part: Azure 18:45 of
2023-11-16 is 30 min into each hour-long trace, ServeGen full scale 08:00-11:00; replay the rest with
the plan's scaler). "before" = `--forecast-on requests --scale-on requests --bulk-pacing fixed`
(the sizing rules before this round), "after" = the defaults. One log, one day: every plan uses the
fallback headroom (--headroom 0.1) and says so in its reasons.

| log | sizing | max GPUs | windows meeting SLO | pieces meeting SLO | SLO attainment | GPU-hours | savings vs static peak | real requests replayed | worst class |
|---|---|---|---|---|---|---|---|---|---|
{lines}

Both rule sets make the same plan on these logs, and that is the finding: a log of one hour or one
morning has no other day of its day type, so neither the request rate's nor the token load's forecast
error can be measured (both plans use and name the fallback headroom, issue 20 item 5); the Azure plans
from 30 minutes have no scaler (its ratio needs a lookback of an hour before each measured interval, so
the window runs its ceiling: savings 0); ServeGen at full scale holds no bulk under the default rule (its
largest one-second tenant burst, 438 requests, is 2.2x the median rate against the rule's 20x) and the
replayed three hours run at the window's ceiling. What differs on multi-day logs (bulk pacing, the
token-load ceiling) is measured in the section above.
"""


if __name__ == "__main__":
    main()
