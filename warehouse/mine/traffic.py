"""Mining steps about traffic shape: hour-of-week, regimes, minutes, lengths, patterns."""

import duckdb
import numpy as np
import polars as pl

from warehouse.mine.options import MineOptions
from warehouse.mine.regimes import Regimes, find_regimes
from warehouse.mine.spans import DAYS, regime_labels, spans
from warehouse.mine.store import Source, insert


def mine_regimes(con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions) -> Regimes:
    """Hour-of-week cells -> regimes; stores mined_hour_of_week and mined_regime_spans."""
    cells = src.query("mine_hour_cells", opts.scope_params(model))
    regimes = find_regimes(
        cells, k_min=opts.regimes_k_min, k_max=opts.regimes_k_max, min_run_hours=opts.regime_min_run_hours
    )
    idx = cells["how_cell"].to_numpy()
    insert(
        con,
        "mined_hour_of_week",
        model,
        cells.drop("rps_p50_real").with_columns(
            weekday=pl.Series([DAYS[c // 24] for c in idx], dtype=pl.String),
            hour=pl.Series(idx % 24, dtype=pl.Int32),
            regime_id=pl.Series(regimes.labels[idx], dtype=pl.Int32),
        ),
    )
    rows = [
        {"regime_id": s.regime, "label": s.label, "days": list(s.days), "start_hour": s.start_hour, "hours": s.hours}
        for s in spans(regimes.labels)
    ]
    insert(
        con,
        "mined_regime_spans",
        model,
        pl.DataFrame(
            rows,
            schema={
                "regime_id": pl.Int32,
                "label": pl.String,
                "days": pl.List(pl.String),
                "start_hour": pl.Int32,
                "hours": pl.Int32,
            },
        ),
    )
    return regimes


def mine_traffic(con: duckdb.DuckDBPyConnection, src: Source, model: str, opts: MineOptions, regimes: Regimes) -> None:
    """Minutes, per-regime traffic, length quantiles, histogram and patterns (after mine_regimes)."""
    params = opts.scope_params(model)
    insert(con, "mined_minutes", model, src.query("mine_minutes", params))
    traffic = src.query("mine_regime_traffic", params)
    labels = regime_labels(regimes.labels)
    cells = {r: np.flatnonzero(regimes.labels == r).tolist() for r in labels}
    insert(
        con,
        "mined_regimes",
        model,
        traffic.with_columns(
            label=pl.Series([labels.get(r, "") for r in traffic["regime_id"]], dtype=pl.String),
            cells=pl.Series([cells.get(r, []) for r in traffic["regime_id"]], dtype=pl.List(pl.Int32)),
            hours_per_week=pl.Series([len(cells.get(r, [])) for r in traffic["regime_id"]], dtype=pl.Int32),
        ),
    )
    insert(con, "mined_quantiles", model, src.query("mine_quantiles", params))
    insert(
        con,
        "mined_length_histogram",
        model,
        src.query("mine_histogram", {**params, "bin_tokens": opts.histogram_bin_tokens}).with_columns(
            binning=pl.lit("log2" if opts.histogram_bin_tokens is None else "linear")
        ),
    )
    insert(
        con,
        "mined_patterns",
        model,
        src.query(
            "mine_patterns",
            {**params, "prompt_long_tokens": opts.prompt_long_tokens, "output_long_tokens": opts.output_long_tokens},
        ),
    )
