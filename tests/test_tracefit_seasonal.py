"""`recommend --scale-seasonal Q` on a warehouse: the plan records the floor the mined minutes give, the
windows say what it is based on, and export / backtest read it back."""

import json
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from test_tracefit_walk_forward import RECOMMEND, T0, _log, _warehouse

from recommend.plan import parse_plan
from tracefit.cli import cli


@pytest.fixture(scope="module")
def seasonal(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seasonal")
    frame = _log(2)  # Monday and Tuesday
    db = _warehouse(tmp, "two", frame)
    assert CliRunner().invoke(cli, ["mine", "--db", str(db), "--until", "2025-03-05"]).exit_code == 0
    plan = tmp / "plan.json"
    out = CliRunner().invoke(
        cli,
        [
            "recommend",
            "--db",
            str(db),
            *RECOMMEND,
            "--scale-seasonal",
            "1",
            "--scale-calibrate",
            "0",
            "--scale-on",
            "requests",  # the floor in req/s, checked against the log's busiest 5 minutes below
            "--out",
            str(plan),
        ],
    )
    assert out.exit_code == 0, out.output
    return frame, json.loads(plan.read_text())


def busiest_5min_rps(frame: pl.DataFrame, start) -> float:
    """The busiest 5-minute mean real req/s (1% sample: x 100) in the 15 minutes from `start`."""
    minute = ((frame["timestamp"].dt.epoch("s") - int(start.timestamp())) // 60).to_numpy()
    counts = np.bincount(minute[(minute >= 0) & (minute < 15)], minlength=15) * 100 / 60
    return float(np.convolve(counts, np.ones(5), mode="valid").max() / 5)


def test_the_plan_records_the_floor_of_the_mined_minutes(seasonal):
    frame, plan = seasonal
    floor = plan["autoscale"]["floor"]
    assert floor["basis"] == "day type" and floor["days"] == 2 and floor["quantile"] == 1.0
    # q 1 = the busier of Monday's and Tuesday's 09:00 slot (slot 36 of the day), for every weekday
    nine = max(busiest_5min_rps(frame, T0 + timedelta(days=d, hours=9)) for d in (0, 1))
    assert [floor["need"][d * 96 + 36] for d in range(5)] == pytest.approx([nine] * 5, abs=1e-3)
    assert floor["need"][5 * 96 + 36] == 0.0  # no weekend day mined: no floor on Saturday
    for window in plan["windows"]:  # each day's window says what its floor is
        assert any(
            r.startswith("seasonal floor (--scale-seasonal 1)") and "over 2 planning days" in r
            for r in window["reasons"]
        )
    assert parse_plan(plan).floor.need[36] == pytest.approx(nine, abs=1e-3)
