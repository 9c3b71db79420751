"""Replaying a sampled log: does a 0.25% sample's replay say what the full traffic would? (issue 20 item 4)

chat-large-6h-full.parquet logs every request of ServeGen chat-large on 2025-03-04 08:00-14:00 UTC. Its
0.25% sample (`hash(request_id) % 400 = 0`, DuckDB's hash: what a log sampled at 0.0025 holds) is replayed
the way backtest and the recommender replay a sampled log (recommend/simulate/arrivals.py
replica_arrivals: one replica's share rebuilt at the real rate from the sample's bins), and the full log
the way a full log is replayed (exact thinning: each request reaches the simulated replica with
probability 1 / replicas). Per 15-minute piece, one replica of a fixed config, 60 s warm-up:
  all    every request, qwen2.5-72b TP-2 fp8 on H100 SXM at each of --replicas-all replicas
  long   the long-prompt class (prompt > 4,096 tokens, 2.1% of requests; what a length-routed pool of
         its own serves), TP-4 fp8 at each of --replicas-long replicas: a thin stream in the sample
         (~0.5 logged requests a minute)
Variants of where the sample's lengths are drawn from (the rate follows the sample's minutes in all):
each minute's own logged requests (length_requests = 1: the model before, still the planner's), bins of
>= 200 logged requests (LENGTH_BIN_REQUESTS, what backtest judges with now) and the whole piece. Each is drawn with --seeds seeds,
at each of --replicas-all / --replicas-long (fewer replicas: nearer the SLO's edge). Reported per stream and variant: the median and p90 over pieces (and seeds) of
|log(sampled p95 / full p95)| for TTFT and TPOT, the mean ratio, and the share of pieces whose SLO
verdict (ttft_p95_ms <= 1000 and tpot_p95_ms <= 100) agrees with the full log's.

    .venv/bin/python bench/sampled_replay.py                # ~2 min on 2 busy cores; writes 'sampled-replay'
    .venv/bin/python bench/sampled_replay.py --no-write --seeds 1 --replicas-all 48 --replicas-long 24
"""

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# bench/recommend.py would shadow the `recommend` package: this folder goes on the path after it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from recommend.engine_config import EngineConfig  # noqa: E402
from recommend.simulate import replica_arrivals, simulate  # noqa: E402
from recommend.simulate.arrivals import LENGTH_BIN_REQUESTS  # noqa: E402
from recommend.simulate.traffic import replica_share  # noqa: E402

sys.path.append(str(HERE))
from results import write_section  # noqa: E402

LOG = ROOT.parent / "shared" / "data" / "servegen" / "chat-large-6h-full.parquet"
MODEL, RATE, PIECE_S, WARMUP_S = "qwen2.5-72b", 0.0025, 900.0, 60.0
SLO = {"ttft": 1000.0, "tpot": 100.0}
LONG_TOKENS = 4096
VARIANTS = {
    "each minute's own lengths (before; the planner's)": 1,
    f"lengths from bins of >= {LENGTH_BIN_REQUESTS} logged requests (now, the judge's)": LENGTH_BIN_REQUESTS,
    "lengths from the whole piece": 10**9,
}


def load(where: str, sampled: bool):
    """(arrival s from the log's start, prompt, output) of the full log or its 0.25% sample."""
    where = f"{where} AND input_tokens >= 1 AND output_tokens >= 1"  # as ingest keeps them
    keep = f"{where} AND hash(request_id) % 400 = 0" if sampled else where
    rows = duckdb.sql(
        f"SELECT epoch_ms(ts) / 1000.0, input_tokens, output_tokens FROM '{LOG}' WHERE {keep} ORDER BY ts"
    ).fetchnumpy()
    a, p, o = (np.asarray(v) for v in rows.values())
    return a - 1741075200.0, p.astype(np.int64), o.astype(np.int64)  # 2025-03-04 08:00 UTC


def config(tp: int) -> tuple:
    c = EngineConfig(
        gpu="h100-sxm", tp=tp, weights="fp8", kv="fp8", max_model_len=32768, max_num_seqs=256,
        max_num_batched_tokens=4096,
    )  # fmt: skip
    spec, step = c.simulation_parts(MODEL)
    return spec, step.step_s


def p95s(stream, lo: float, a: float, engine) -> tuple[float, float]:
    """(p95 TTFT ms, p95 TPOT ms) of the requests arriving in [a, a + PIECE_S) of a replica stream
    that starts at lo (warm-up before a)."""
    arrival, prompt, output = stream
    spec, step_s = engine
    result = simulate(arrival, prompt, output, engine=spec, step_s=step_s)
    mine = (arrival >= a - lo) & (arrival < a - lo + PIECE_S)
    ttft, tpot = result.ttft_ms[mine], result.tpot_ms[mine]
    ttft = np.where(result.rejected[mine], np.inf, ttft)
    return float(np.quantile(ttft, 0.95)), float(np.nanquantile(tpot, 0.95))


def window(log, lo: float, hi: float):
    a, p, o = log
    i, j = np.searchsorted(a, [lo, hi])
    return a[i:j] - lo, p[i:j], o[i:j]


def run_stream(name: str, where: str, replicas: int, tp: int, seeds: int) -> dict:
    full, sample = load(where, False), load(where, True)
    engine = config(tp)
    rows = {v: [] for v in VARIANTS}
    for k in range(int(6 * 3600 / PIECE_S)):
        a = k * PIECE_S
        lo = max(a - WARMUP_S, 0.0)
        fa, fp, fo = window(full, lo, a + PIECE_S)
        truth = p95s(replica_share(fa, fp, fo, replicas=replicas, seed=k), lo, a, engine)
        sa, sp, so = window(sample, lo, a + PIECE_S)
        for variant, length_requests in VARIANTS.items():
            for s in range(seeds):
                stream = replica_arrivals(
                    sa, sp, so, span_s=a + PIECE_S - lo, replicas=replicas, sample_rate=RATE, scale=1.0,
                    seed=1000 * k + s, length_requests=length_requests,
                )  # fmt: skip
                rows[variant].append((truth, p95s(stream, lo, a, engine)))
        print(f"{name}: piece {k + 1}/24", file=sys.stderr)
    return {
        "name": name,
        "replicas": replicas,
        "tp": tp,
        "logged_per_min": sample[0].size / 360.0,
        "full_per_min": full[0].size / 360.0,
        "variants": {v: summary(r) for v, r in rows.items()},
    }


def summary(rows: list) -> dict:
    truth = np.array([t for t, _ in rows])
    got = np.array([g for _, g in rows])
    out = {}
    for i, metric in enumerate(("ttft", "tpot")):
        err = np.abs(np.log(got[:, i] / truth[:, i]))
        out[metric] = {
            "median_abs_log": float(np.median(err)),
            "p90_abs_log": float(np.quantile(err, 0.9)),
            "mean_ratio": float(np.mean(got[:, i] / truth[:, i])),
        }
    meets = lambda v: (v[:, 0] <= SLO["ttft"]) & (v[:, 1] <= SLO["tpot"])  # noqa: E731
    out["verdict_agreement"] = float(np.mean(meets(truth) == meets(got)))
    out["full_meets"] = float(np.mean(meets(truth)))
    out["sampled_meets"] = float(np.mean(meets(got)))
    out["pieces"] = len(rows)
    return out


def markdown(streams: list[dict], seeds: int, wall_s: float) -> str:
    def pct(x: float) -> str:
        return f"{100 * (np.exp(x) - 1):.0f}%"

    rows = "\n".join(
        f"| {s['name']} (TP-{s['tp']} x {s['replicas']}; {s['logged_per_min']:.1f} logged / min of "
        f"{s['full_per_min']:,.0f}) | {v} | {pct(r['ttft']['median_abs_log'])} / {pct(r['ttft']['p90_abs_log'])} | "
        f"{r['ttft']['mean_ratio']:.2f} | {pct(r['tpot']['median_abs_log'])} / {pct(r['tpot']['p90_abs_log'])} | "
        f"{r['verdict_agreement']:.3f} | {r['full_meets']:.3f} / {r['sampled_meets']:.3f} |"
        for s in streams
        for v, r in s["variants"].items()
    )
    return f"""## Sampled replay: a 0.25% sample's replay against the full log's, per 15 minutes

Command: `.venv/bin/python bench/sampled_replay.py --seeds {seeds}` ({wall_s:.0f} s). chat-large-6h-full.parquet
(every request, 2025-03-04 08:00-14:00 UTC) against its 0.25% sample (`hash(request_id) % 400 = 0`), 24
pieces of 15 minutes, one replica of qwen2.5-72b fp8 (H100 SXM, 4,096-token chunks) per piece, the full log
thinned exactly, the sample rebuilt by `replica_arrivals` ({seeds} seed(s) per piece). Error = |sampled p95 /
full p95 - 1| as the median / p90 over pieces and seeds (from |log ratio|); verdict = ttft_p95_ms <= 1000 and
tpot_p95_ms <= 100.

| stream | sample's bins | p95 TTFT error median / p90 | mean ratio | p95 TPOT error median / p90 | verdict agrees | meets: full / sampled |
|---|---|---|---|---|---|---|
{rows}

{READING}
"""


READING = """Reading (measured 2026-12-05, the table above):
- **Every request (~26 logged a minute):** drawing each minute's lengths from its own ~26 logged requests made
  the sampled replay pessimistic near the SLO's edge: at 48 / 40 replicas its p95 TTFT averaged 1.5x / 3.4x the
  full log's (p90 error 181% / 357%), and it met the SLO in 0.77 / 0.52 of the pieces where the full log meets
  0.96 / 0.75. Lengths from bins of >= 200 logged requests (about 8 minutes) bring that to 1.1x / 1.4x (p90
  81% / 88%) and 0.92 / 0.69, and the verdict agrees in 0.88 / 0.81 of pieces instead of 0.77 / 0.73; with
  room (64 replicas) nothing changes. The whole piece's lengths (the last row of each group) are no better
  than bins of 200, so the default keeps 200: enough to measure the share beyond the p95 prompt to +-30%.
  The rate still follows the sample's minutes in every variant.
- **What uses the bins:** the replays that judge a plan (`tracefit backtest`, its hindsight). Planning (the
  recommender's simulations and the scaler calibration's replays of history) keeps each minute's own lengths
  (PLAN_LENGTH_BIN_REQUESTS): planned with the bins too, week 2's walk met 0.920 of hours against 0.936 for
  the same GPU-hours (bench/backtest_tried.md, session 11), so that pessimism is a margin the plans use.
- **The long-prompt class alone (~0.6 logged a minute):** the sample cannot show this stream's real
  sub-15-minute bursts. Both variants say the SLO is met more often than the full log does (0.29-0.52 of
  pieces against 0.04-0.33), the length bins a little more so, though their p95 TTFT is nearer on average
  (1.0-1.4x against 1.2-3.1x). A pool planned for such a thin stream from a 0.25% sample needs headroom
  the sample cannot measure: length routing (bench/backtest_routes.py) is not planned from samples here.
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas-all", type=int, nargs="+", default=[64, 48, 40])
    p.add_argument("--replicas-long", type=int, nargs="+", default=[32, 24, 16])
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    start = time.perf_counter()
    streams = [run_stream("all", "true", r, 2, a.seeds) for r in a.replicas_all] + [
        run_stream("long prompts", f"input_tokens > {LONG_TOKENS}", r, 4, a.seeds) for r in a.replicas_long
    ]
    text = markdown(streams, a.seeds, time.perf_counter() - start)
    print(text)
    if not a.no_write:
        write_section("sampled-replay", text)


if __name__ == "__main__":
    main()
