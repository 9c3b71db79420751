"""How far tracefit's rebuilt closed-loop arrivals are from the real ones: genai-bench runs against the
capture mock, whose --arrivals-log recorded when each request reached it (the ground truth genai-bench
does not write).

Each run: `ARRIVALS_LOG=A.jsonl CONCURRENCY=N MAX_REQUESTS=M bash tests/fixtures/real/capture/genai_bench_run.sh OUT`
then

    .venv/bin/python bench/closed_loop_truth.py OUT/genai-bench-run/*_time_*s.json A.jsonl [RUN2 LOG2 ...]

The file lists requests as they returned; the mock's lines, sorted by end, are matched to them by
position (checked: the HTTP 400s fall on the same positions; the killed in-flight requests of the stop
end last and are left over). Offsets are from each side's first start. Rows: tracefit's rebuild (the
reader: the idle time that makes the run last genai-bench's run_duration); the same with no idle time;
and with the true median gap between a start and the last end before it (not in the file).
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

# bench/ holds scripts named like packages (bench/ingest.py): import the real ones
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import polars as pl  # noqa: E402

from ingest.closed_loop import ClosedLoop, closed_loop_arrivals  # noqa: E402
from ingest.reader import open_log  # noqa: E402


def truth(log: Path, statuses: list[str]) -> tuple[list[float], float, int]:
    """True start offsets (s) in the file's order, the median end -> next start gap (s), mismatches."""
    lines = sorted((json.loads(x) for x in log.read_text().splitlines()), key=lambda r: r["end_s"])[: len(statuses)]
    mismatches = sum(str(r["status"]) != ("200" if s == "ok" else s) for r, s in zip(lines, statuses, strict=True))
    t0 = min(r["start_s"] for r in lines)
    ends = sorted(r["end_s"] for r in lines)
    gaps = [s - max(e for e in ends if e <= s) for s in (r["start_s"] for r in lines) if s >= ends[0]]
    return [r["start_s"] - t0 for r in lines], statistics.median(gaps), mismatches


def errors_ms(got: list[float], want: list[float]) -> tuple[float, float, float]:
    err = sorted(abs(g - w) * 1e3 for g, w in zip(got, want, strict=True))
    return statistics.fmean(err), err[int(0.9 * (len(err) - 1))], err[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+", help="RUN.json ARRIVALS.jsonl, repeated")
    args = parser.parse_args()
    print(
        "| clients | requests (400s) | mean e2e ms | rebuild | idle ms | mean |error| ms | p90 | max | last start s (true) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for run, log in zip(args.pairs[0::2], args.pairs[1::2], strict=True):
        lf = open_log(run)
        raw = pl.concat(list(lf.raw_batches()))
        want, gap_s, mismatches = truth(Path(log), raw.get_column("status").to_list())
        doc = json.loads(Path(run).read_text())["aggregated_metrics"]
        loop = lf.closed_loop
        rows = [
            ("tracefit (reader)", loop.idle_s, raw.get_column("arrival_offset_s").to_list()),
            ("no idle time", 0.0, None),
            ("true median gap", gap_s, None),
        ]
        for name, idle_s, got in rows:
            if got is None:
                variant = ClosedLoop(clients=loop.clients, idle_s=idle_s, source=loop.source)
                plain = raw.drop("arrival_offset_s")
                got = next(closed_loop_arrivals(iter([plain]), variant)).get_column("arrival_offset_s").to_list()
            mean, p90, top = errors_ms(got, want)
            print(
                f"| {loop.clients} | {raw.height} ({doc['num_error_requests']}; "
                f"{mismatches} mismatched) | {doc['stats']['e2e_latency']['mean'] * 1e3:.0f} | {name} | {idle_s * 1e3:.1f} | {mean:.1f} | {p90:.1f} | "
                f"{top:.1f} | {got[-1]:.3f} ({want[-1]:.3f}) |"
            )


if __name__ == "__main__":
    main()
