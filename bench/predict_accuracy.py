"""How close `tracefit predict` comes to published static-batch measurements.

Reads bench/data/published_runs.csv (every row cites its source), predicts e2e_s for each, and
prints absolute percentage error: median, mean (MAPE), p90, overall and per engine, with the
shipped defaults (in-sample: they were fit on this table). `--held-out` also refits the fitted
defaults on a small grid with one source table left out at a time and predicts that table with
the refit (leave-one-source-out), so no row is predicted by parameters that saw it.
Usage: .venv/bin/python bench/predict_accuracy.py [--rows] [--held-out]
"""

import dataclasses
import itertools
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

from profiles import ENGINES, Engine  # noqa: E402
from recommend.predict_table import predict_rows, read_table  # noqa: E402

TABLE = HERE / "data" / "published_runs.csv"
# The defaults fit on this table (profiles/efficiency.py), each over values around its fit.
GRID = {"hbm_fraction": (0.80, 0.85, 0.90), "gemm_fraction": (0.70, 0.80, 0.90),
        "layer_overhead_s": (40e-6, 60e-6, 80e-6), "moe_gemm_fraction": (0.4, 0.6, 0.8, 1.0)}


def summary(ape: list[float]) -> str:
    a = np.asarray(ape) * 100
    return (f"n={a.size:3d}  median APE {np.median(a):5.1f}%  MAPE {a.mean():5.1f}%  "
            f"p90 APE {np.percentile(a, 90):5.1f}%  max {a.max():5.1f}%")


def source_of(row: dict) -> str:
    """One published table: its URL, plus the table named before ':' in `measured` where one is."""
    table = row["measured"].split(":")[0] if ":" in row["measured"] else ""
    return f"{row['source']} {table}".strip()


def signed_errors(rows: list[dict], engines: dict[str, Engine] | None = None) -> list[float]:
    """predicted / measured - 1 per row (rows that cannot be predicted raise: the table is curated)."""
    out = []
    for r in predict_rows(rows, engines):
        if "error" in r:
            raise SystemExit(f"ERROR {r['model']} {r['gpu']}: {r['error']}")
        out.append(r["e2e_s"] / float(r["row_e2e_s"]) - 1)
    return out


def engines_with(params: dict) -> dict[str, Engine]:
    """Every catalog engine with the grid's fields replaced (MoE fraction only where not 1.0)."""
    out = {}
    for name, e in ENGINES.items():
        fields = {k: v for k, v in params.items() if k != "moe_gemm_fraction" or e.efficiency.moe_gemm_fraction != 1.0}
        out[name] = dataclasses.replace(e, efficiency=dataclasses.replace(e.efficiency, **fields))
    return out


def held_out(rows: list[dict]) -> tuple[list[float], list[str]]:
    """Leave-one-source-out: per source, the grid point with the lowest MAPE on the other sources."""
    combos = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    err = np.array([signed_errors(rows, engines_with(c)) for c in combos])  # combos x rows
    sources = np.array([source_of(r) for r in rows])
    full = int(np.argmin(np.abs(err).mean(axis=1)))
    out, picks = np.zeros(len(rows)), [f"{'(all sources: in-sample grid optimum)':70} n={len(rows):2d} {combos[full]}"]
    for s in dict.fromkeys(sources):
        test = sources == s
        best = int(np.argmin(np.abs(err[:, ~test]).mean(axis=1)))
        out[test] = err[best, test]
        picks.append(f"{s[:70]:70} n={test.sum():2d} refit {combos[best]}")
    return list(out), picks


def main(show_rows: bool, show_held_out: bool) -> None:
    rows = read_table(TABLE)
    err = signed_errors(rows)
    if show_rows:
        for r, e in zip(predict_rows(rows), err):
            print(f"{r['engine']:6} {r['model']:13} {r['gpu']:14} tp{r['tp']} {r['weights']:4} b{r['batch']:>5} "
                  f"{r['isl']:>5}/{r['osl']:<5} measured {float(r['row_e2e_s']):8.3f}s predicted "
                  f"{r['e2e_s']:8.3f}s {e * 100:+6.1f}%  waves={r['waves']}")
    engines = [r["engine"] for r in rows]
    print("in-sample (shipped defaults)")
    for engine in sorted(set(engines)):
        print(f"  {engine:13} {summary([abs(e) for e, n in zip(err, engines) if n == engine])}")
    print(f"  {'all':13} {summary([abs(e) for e in err])}")
    if show_held_out:
        ho, picks = held_out(rows)
        print(f"leave-one-source-out ({len(picks) - 1} sources; grid {GRID})")
        for p in picks:
            print(f"  {p}")
        for engine in sorted(set(engines)):
            print(f"  {engine:13} {summary([abs(e) for e, n in zip(ho, engines) if n == engine])}")
        print(f"  {'all':13} {summary([abs(e) for e in ho])}")


if __name__ == "__main__":
    main("--rows" in sys.argv, "--held-out" in sys.argv)
