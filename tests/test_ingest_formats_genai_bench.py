"""genai-bench's per-run JSON: a real 0.0.5 file (tests/fixtures/real, made by capture/genai_bench_run.sh)
checked against the aggregated_metrics genai-bench wrote into the same file."""

import json
from pathlib import Path

import pytest

from ingest import ReadOptions
from ingest.formats_k8s_bench import genai_bench_records
from warehouse.load import ingest_paths

REAL = Path(__file__).parent / "fixtures" / "real"
RUN = "genai-bench-0.0.5_N60_20_32_8_text-to-text_num_concurrency_2_time_4s_mock-server_400s.json"


def one(con, sql: str):
    return con.execute(sql).fetchall()[0]


def test_per_request_metrics_match_its_own_aggregates(con):
    # genai-bench 0.0.5 `benchmark --task text-to-text --traffic-scenario "N(60,20)/(32,8)" --num-concurrency 2
    # --max-requests-per-run 20`, against the mock server started with --max-prompt-tokens 30 and --chunked:
    # 28 requests in 4 s, 5 answered HTTP 400
    (result,) = ingest_paths(con, [REAL / RUN], ReadOptions(model="mock-llm"))
    run = json.loads((REAL / RUN).read_text())["aggregated_metrics"]
    stats = run["stats"]  # seconds (`_time_unit` s), over the completed requests
    assert (result.status, result.format, result.rows_read, result.rows_loaded) == ("loaded", "genai-bench", 28, 28)
    rows = con.execute("SELECT status, count(*) FROM requests GROUP BY ALL ORDER BY 1").fetchall()
    assert rows == [("error", run["error_codes_frequency"]["400"]), ("ok", run["num_completed_requests"])]  # 5, 23
    where_ok = "FROM requests WHERE status = 'ok'"
    tokens = one(con, f"SELECT sum(prompt_tokens), sum(output_tokens) {where_ok}")
    assert tokens == (stats["num_input_tokens"]["sum"], stats["num_output_tokens"]["sum"]) == (502, 696)
    for column, metric in (("ttft_ms", "ttft"), ("tpot_ms", "tpot"), ("e2e_ms", "e2e_latency")):
        got = one(con, f"SELECT avg({column}), median({column}), quantile_cont({column}, 0.99) {where_ok}")
        assert got == pytest.approx(tuple(stats[metric][k] * 1e3 for k in ("mean", "p50", "p99")))
    # TTFT mean / p50 / p99 23.31 / 22.83 / 27.92 ms, TPOT 10.46 / 10.03 / 13.08, E2E 331.89 / 342.78 / 478.52
    assert one(con, f"SELECT avg(ttft_ms) {where_ok}")[0] == pytest.approx(23.306, abs=1e-3)
    # a failure has every metric null in the file: no times, 0 tokens; a closed loop with no start times
    assert one(
        con, "SELECT count(ttft_ms), count(e2e_ms), sum(output_tokens) FROM requests WHERE status = 'error'"
    ) == (
        0,
        0,
        0,
    )
    assert one(con, "SELECT timestamps FROM ingest_runs") == ("missing",)


def test_milliseconds_when_the_run_asked_for_them():
    # --metrics-time-unit ms: genai-bench's TimeUnitConverter writes ttft, tpot, e2e_latency × 1000
    doc = {"_time_unit": "ms", "individual_request_metrics": [{"ttft": 25.0, "tpot": 10.0, "e2e_latency": 300.0}]}
    (record,) = genai_bench_records(doc)
    assert (record["ttft_ms"], record["tpot_ms"], record["e2e_ms"]) == (25.0, 10.0, 300.0)
    with pytest.raises(ValueError, match="_time_unit"):
        genai_bench_records(doc | {"_time_unit": "minutes"})
