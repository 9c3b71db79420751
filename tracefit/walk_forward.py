"""Walk-forward backtest: what `tracefit nightly` promises, measured the way it is used.

For each UTC day D of [since, until): mine every request of the model logged before D (`mine --until D`),
make the plan as `tracefit recommend` would (tracefit/planning.py), then replay D against that plan
(tracefit/backtest_data.py backtest_on). Nothing of D or later reaches the plan: mining is bounded by
`until = D` and the recommender reads only the latest mined range (recommend_mined_scope.sql); the
replay's replica scaler looks back up to an hour before D, as it would in production.

Mining writes mined_* tables, so the walk runs on a private copy of the warehouse file (deleted at
the end; the user's warehouse is only read). Each day is mined afresh from the first logged request,
so day D's plan is the plan a nightly run on D's morning makes: the same mined tables, the same
regimes. The summary pools the days (recommend/backtest/walk.py).
"""

import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import warehouse
from recommend.backtest import ReplayOptions, to_dict, walk_summary
from recommend.plan import write_plan_json
from recommend.slo import DEFAULT_SLO
from tracefit.backtest_data import backtest_on
from tracefit.planning import PlanSettings, make_plan
from warehouse import WarehouseError
from warehouse.mine.options import MineOptions
from warehouse.mine.run import mine_model

# what each day's entry keeps of its backtest summary (the nightly report's backtest entry keeps the same)
DAY_KEYS = (
    "slo_attainment",
    "windows_meeting_slo_share",
    "hours_meeting_slo_share",
    "gpu_hours",
    "static_peak_gpu_hours",
    "savings_pct",
    "requests_real",
    "bulk_requests_real",
    "bulk_share",
    "bulk_deadline_attainment",
    "classes",
    "worst_class",
)


def walk_days(since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of each UTC day of [since, until): its midnight to the next, clipped to the range."""
    day, out = datetime.combine(since.astimezone(UTC).date(), time(), tzinfo=UTC), []
    while day < until:
        out.append((max(day, since), min(day + timedelta(days=1), until)))
        day += timedelta(days=1)
    return out


def walk_forward(
    db: str | Path,
    settings: PlanSettings,
    *,
    since: datetime,
    until: datetime,
    replay: ReplayOptions = ReplayOptions(),
    profile: dict | None = None,
    plans_dir: Path | None = None,
    fixed_replicas: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> dict:
    """{"days": [{day, plan_from, plan, summary}], "summary": walk_summary} for the walk over [since, until);
    `plans_dir` keeps each day's plan as plan-<day>.json."""
    days = walk_days(since, until)
    if not days:
        raise WarehouseError(
            f"no whole or partial day in {since:%Y-%m-%d} .. {until:%Y-%m-%d}; --until must be after --since"
        )
    entries, docs = [], []
    with tempfile.TemporaryDirectory(prefix="tracefit-walk-") as tmp:
        with _private_copy(db, Path(tmp)) as con:
            for i, (day, end) in enumerate(days):
                doc, plan = _walk_day(con, settings, day, end, replay, profile, fixed_replicas, say, i, len(days))
                if plans_dir:
                    plans_dir.mkdir(parents=True, exist_ok=True)
                    write_plan_json(plans_dir / f"plan-{day:%Y-%m-%d}.json", plan)
                docs.append(doc)
                entries.append(day_entry(day.date(), "walk-forward: every request before the day", plan, doc))
    slo = docs[0]["slo"] if docs else dict(settings.options.slo or DEFAULT_SLO)
    return {
        "model": settings.model,
        "since": days[0][0].isoformat(),
        "until": until.isoformat(),
        "slo": slo,
        "days": entries,
        "summary": walk_summary(docs, slo),
    }


def day_entry(day: date, plan_from: str, plan: dict, doc: dict) -> dict:
    """One replayed day as the walk and the nightly report both record it."""
    s = plan.get("summary", {})
    return {
        "day": str(day),
        "plan_from": plan_from,
        "plan": {
            "windows": len(plan.get("windows", [])),
            "gpu_hours_per_week": s.get("gpu_hours_per_week"),
            "max_gpus": max((w["config"]["tp"] * w["config"]["replicas"] for w in plan.get("windows", [])), default=0),
        },
        "summary": {k: doc["summary"].get(k) for k in DAY_KEYS},
    }


def _walk_day(
    con,
    settings: PlanSettings,
    start: datetime,
    end: datetime,
    replay,
    profile,
    fixed_replicas: bool,
    say,
    i: int,
    n: int,
):
    day = datetime.combine(start.date(), time(), tzinfo=UTC)
    say(f"walk-forward {i + 1}/{n} {day:%Y-%m-%d}: mine the requests before it")
    run = mine_model(con, settings.model, MineOptions(until=day))
    if run.status == "empty":
        raise WarehouseError(
            f"no requests of {settings.model} logged before {day:%Y-%m-%d}: the walk needs at "
            "least one earlier hour to plan from; start --since later"
        )
    plan = make_plan(con, settings)
    doc = to_dict(
        backtest_on(
            con,
            plan,
            since=start,
            until=end,
            as_model=settings.as_model,
            slo=None,
            options=replay,
            profile=profile,
            fixed_replicas=fixed_replicas,
        ),
        replay,
    )
    s = doc["summary"]
    say(
        f"walk-forward {i + 1}/{n} {day:%Y-%m-%d}: {s['windows_meeting_slo_share']} of windows and "
        f"{s['hours_meeting_slo_share']} of hours meet the SLO, {s['gpu_hours']:,.0f} GPU-hours "
        f"({s['savings_pct']}% saved), worst class {s['worst_class']}"
    )
    return doc, plan


@contextmanager
def _private_copy(db: str | Path, tmp: Path):
    """The warehouse file (and its WAL) copied into `tmp`, opened read-write; the original is only read."""
    db = Path(db)
    with warehouse.connect(db, read_only=True):  # it exists, is migrated, and no writer holds it
        pass
    copy = tmp / "walk.duckdb"
    shutil.copyfile(db, copy)
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    with warehouse.connect(copy) as con:
        yield con
