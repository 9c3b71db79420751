"""How close `tracefit predict` comes to published static-batch measurements.

Reads bench/data/published_runs.csv (every row cites its source), predicts e2e_s for each, and
prints absolute percentage error: median, mean (MAPE), p90, overall and per engine.
Usage: .venv/bin/python bench/predict_accuracy.py [--rows]
"""

import sys
from pathlib import Path

import numpy as np

from recommend.predict_table import predict_rows, read_table

TABLE = Path(__file__).parent / "data" / "published_runs.csv"


def summary(ape: list[float]) -> str:
    a = np.asarray(ape) * 100
    return (f"n={a.size:3d}  median APE {np.median(a):5.1f}%  MAPE {a.mean():5.1f}%  "
            f"p90 APE {np.percentile(a, 90):5.1f}%  max {a.max():5.1f}%")


def main(show_rows: bool) -> None:
    results = list(predict_rows(read_table(TABLE)))
    by_engine: dict[str, list[float]] = {}
    for r in results:
        if "error" in r:
            print(f"ERROR {r['model']} {r['gpu']}: {r['error']}")
            continue
        measured = float(r["row_e2e_s"])
        ape = abs(r["e2e_s"] - measured) / measured
        by_engine.setdefault(r["engine"], []).append(ape)
        if show_rows:
            print(f"{r['engine']:6} {r['model']:13} {r['gpu']:14} tp{r['tp']} {r['weights']:4} b{r['batch']:>5} "
                  f"{r['isl']:>5}/{r['osl']:<5} measured {measured:8.3f}s predicted {r['e2e_s']:8.3f}s "
                  f"{(r['e2e_s'] / measured - 1) * 100:+6.1f}%  waves={r['waves']}")
    for engine, ape in sorted(by_engine.items()):
        print(f"{engine:7} {summary(ape)}")
    print(f"{'all':7} {summary([a for v in by_engine.values() for a in v])}")


if __name__ == "__main__":
    main("--rows" in sys.argv)
