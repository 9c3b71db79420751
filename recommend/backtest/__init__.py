"""Backtests: would a plan have held on the traffic actually logged?

    result = backtest(read_plan(plan_json), Traffic.from_arrays(...), since=..., until=...)
    doc = to_dict(result, options)

run.py (the backtest, piece by piece), plan.py (a plan as the backtest reads it), replay.py and
disagg.py (one piece through the simulator), bulk.py and scaling.py (bulk admission, the replica
scaler), targets.py (the scaler's per-window target calibrated on history), oracle.py (the hindsight bound: the
fewest replicas per piece any scaler could have run), stats.py (what replayed requests say against the SLO), report.py and walk.py (JSON, rows,
walk-forward summaries).
"""

from recommend.backtest.plan import BacktestPlan, read_plan
from recommend.backtest.replay import PieceReplay, ReplayOptions, Traffic, replay_piece
from recommend.backtest.report import classes, to_dict, window_rows, worst_class
from recommend.backtest.run import BacktestResult, backtest
from recommend.backtest.walk import walk_summary

__all__ = [
    "BacktestPlan",
    "BacktestResult",
    "PieceReplay",
    "ReplayOptions",
    "Traffic",
    "backtest",
    "classes",
    "read_plan",
    "replay_piece",
    "to_dict",
    "walk_summary",
    "window_rows",
    "worst_class",
]
