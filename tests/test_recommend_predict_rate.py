"""`tracefit predict --rate`: requests arriving at a rate (open loop), as `vllm bench serve --request-rate` sends them."""

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from recommend.deployment import deployment
from recommend.errors import RecommendError
from recommend.predict_rate import RATE_TTFT_CAVEAT, arrivals_s, predict_rate
from recommend.predict_serving import engine_spec
from recommend.predict_table import predict_rows
from recommend.roofline import StepModel
from recommend.simulate import simulate
from tests.bench_modules import bench_module
from tracefit.cli import cli


def _strict_json(text: str):
    """JSON as other tools read it: no NaN or Infinity."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_arrivals_are_a_poisson_process_from_t0_or_all_at_once():
    t = arrivals_s(4.0, 20_001)
    assert t[0] == 0.0 and np.all(np.diff(t) >= 0)
    # 20,000 exponential gaps of mean 0.25 s: their mean within 2% (its standard error is 0.7%)
    assert np.diff(t).mean() == pytest.approx(0.25, rel=0.02)
    assert np.array_equal(arrivals_s(math.inf, 5), np.zeros(5))
    assert np.array_equal(arrivals_s(4.0, 100), arrivals_s(4.0, 100))  # seeded: the same run twice
    with pytest.raises(RecommendError, match="> 0"):
        arrivals_s(0.0, 10)


def test_a_trickle_of_requests_each_runs_alone_on_the_engine():
    # one request every 100 s on average; the seeded gaps of 4 are 68, 102 and 2.0 s, each longer than a request's
    # 0.92 s, so every one runs alone, as one request simulated by itself
    dep = deployment(model="llama-3.1-8b", gpu="h100-sxm", engine="vllm")
    pred = predict_rate(dep, rate_s=0.01, isl=1000, osl=100, prompts=4)
    alone = simulate([0.0], [1000], [100], engine=engine_spec(dep, 1000, 100), step_s=StepModel(dep).step_s)
    assert pred.ttft_mean_ms == pytest.approx(alone.ttft_ms[0]) == pytest.approx(pred.ttft_p99_ms)
    assert pred.itl_mean_ms == pytest.approx(alone.tpot_ms[0])
    assert pred.e2e_mean_ms == pytest.approx(alone.e2e_ms[0])
    assert pred.mean_batch_seqs == pytest.approx(1.0)
    assert pred.caveat.startswith(RATE_TTFT_CAVEAT)


def test_past_the_engines_pace_the_queue_grows_and_throughput_stops_rising():
    dep = deployment(model="llama-3.1-8b", gpu="h100-sxm", engine="vllm")
    light, heavy, flood = (predict_rate(dep, rate_s=r, isl=500, osl=200, prompts=400) for r in (1.0, 200.0, math.inf))
    assert light.ttft_mean_ms < heavy.ttft_mean_ms < flood.ttft_mean_ms
    assert light.output_tok_s < heavy.output_tok_s
    # 200 a second is past what one H100 finishes (about 60 here): the same throughput as all at once, within 5%
    assert heavy.output_tok_s == pytest.approx(flood.output_tok_s, rel=0.05)
    assert flood.requests_s * 200 == pytest.approx(flood.output_tok_s)


def test_it_is_the_simulation_the_serving_bench_checks_against_tensorrt_llm_behind_triton():
    # bench/serving_accuracy.py's v0.14 row (Llama-3.1-8B on one H100, 467 in / 256 out, QPS 2, 500 requests at
    # trtllm-build's defaults) through predict_rate: the same engine spec and steps, other arrival draws, so within 3%
    m = bench_module("serving_accuracy")
    with open(m.TABLE, newline="") as f:
        row = next(
            r
            for r in csv.DictReader(f)
            if r["version"] == m.V014_TRITON
            and (r["model"], r["gpu"], r["osl"], r["request_rate"], r["metric"])
            == ("llama-3.1-8b", "h100-sxm", "256", "2", "itl_mean_ms")
        )
    bench = m.simulated(row, None)
    dep = deployment(model="llama-3.1-8b", gpu="h100-sxm", engine="trtllm-cpp")
    pred = predict_rate(dep, rate_s=2.0, isl=467, osl=256, prompts=500, max_num_seqs=2048)
    assert pred.itl_mean_ms == pytest.approx(bench["itl_mean_ms"], rel=0.03)
    assert pred.ttft_mean_ms == pytest.approx(bench["ttft_mean_ms"], rel=0.03)


def test_cli_rate_point_curve_and_errors():
    runner = CliRunner()
    base = ["predict", "--model", "llama-3.1-8b", "--gpu", "h100", "--isl", "300", "--osl", "50", "--num-prompts", "60"]
    point = runner.invoke(cli, [*base, "--rate", "4", "--json"])
    assert point.exit_code == 0, point.output
    got = _strict_json(point.output)
    assert (got["rate_s"], got["num_prompts"], got["client"]) == (4.0, 60, "vllm")
    assert got["ttft_p50_ms"] <= got["ttft_p99_ms"] and got["caveat"].startswith(RATE_TTFT_CAVEAT)
    curve = runner.invoke(cli, [*base, "--rate", "1,inf", "--json"])
    assert curve.exit_code == 0, curve.output
    rows = _strict_json(curve.output)["curve"]  # all at once is "inf": JSON has no infinity
    assert [r["rate_s"] for r in rows] == [1.0, "inf"] and rows[0]["ttft_mean_ms"] < rows[1]["ttft_mean_ms"]
    table = runner.invoke(cli, [*base, "--rate", "1,inf"])
    assert table.exit_code == 0 and "serving at request rates" in table.output
    for extra, message in (
        (["--rate", "0"], "must be > 0"),
        (["--rate", "2", "--clients", "4"], "give one of --batch"),
        (["--rate", "2", "--benchmark-window-s", "12"], "--benchmark-window-s applies to --clients"),
    ):
        bad = runner.invoke(cli, [*base, *extra])
        assert bad.exit_code == 2 and message in bad.output


def test_table_rows_take_a_rate_column():
    rows = [
        {"model": "llama-3.1-8b", "gpu": "h100", "isl": "300", "osl": "50", "rate": "inf", "num_prompts": "40"},
        {"model": "llama-3.1-8b", "gpu": "h100", "isl": "300", "osl": "50", "rate": "2", "clients": "4"},
        {"model": "llama-3.1-8b", "gpu": "h100", "isl": "300", "osl": "50", "rate": "2", "identical_prompts": "1"},
    ]
    flood, both, identical = predict_rows(rows)
    assert flood["rate_s"] == "inf" and flood["requests_s"] > 0
    assert "batch, clients or rate (one of them)" in both["error"]
    assert "identical_prompts applies to a static batch" in identical["error"]
