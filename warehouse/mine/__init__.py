"""Mining the warehouse: lengths, seasonality, concurrency, latency drift, errors, prefixes, tenants.

Library entry points: `mine(con, MineOptions(...), model=None)` writes the mined_* tables
(warehouse/sql/0002_mining.sql documents every column); `load_windows(con, model)` and
`quantiles(con, model, regime_id)` read them back as frozen dataclasses; `load_table` as frames.
"""

from warehouse.mine.options import MineOptions
from warehouse.mine.read import MinedWindow, Quantiles, load_table, load_windows, quantiles
from warehouse.mine.run import ModelRun, mine
from warehouse.mine.summary import summarize

__all__ = [
    "MineOptions",
    "MinedWindow",
    "ModelRun",
    "Quantiles",
    "load_table",
    "load_windows",
    "mine",
    "quantiles",
    "summarize",
]
