"""BurstGPT CSV: v1.x (BurstGPT_1.csv, six columns) and v2.0 (BurstGPT_3.csv, with Session ID and
Elapsed time). The rows below are the first rows of the real files as quoted by other projects:
BurstGPT_1.csv's in ai-dynamo/dynamo benchmarks/burstgpt_loadgen/README.md, BurstGPT_3.csv's in a
trace preflight note. The real BurstGPT_1.csv's first 400 rows are in tests/fixtures/real
(test_ingest_real_corpus.py)."""

import pytest

from ingest import ReadOptions
from ingest.reader import DEFAULT_START
from warehouse.load import ingest_paths

V1 = (
    "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
    "5,ChatGPT,472,18,490,Conversation log\n45,ChatGPT,1087,230,1317,Conversation log\n"
    "118,GPT-4,417,276,693,Conversation log\n120,GPT-4,300,0,300,API log\n"
)
V2 = (
    "Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
    "19440110.0,1722ac82-0a46-4bf0-aa08-89794e7a2b3f,43,GPT-4,906,446,1352,Conversation log\n"
    "19440161.0,d5983bf9-4b48-497b-892b-a58995247443,2,ChatGPT,36,29,65,Conversation log\n"
    "19440192.0,a5c69b35-4fbc-45e9-955e-18715e376d74,8,GPT-4,1779,123,1902,Conversation log\n"
    "19440254.0,8b74c7d8-1643-4bba-8c69-91cb4548c506,3,ChatGPT,935,178,1113,Conversation log\n"
)


def load(con, tmp_path, text: str):
    path = tmp_path / "BurstGPT.csv"
    path.write_text(text)
    (result,) = ingest_paths(con, [path], ReadOptions())
    rows = con.execute(
        "SELECT epoch(arrival_ts) - epoch($start::TIMESTAMPTZ), model, prompt_tokens, output_tokens, "
        "status, e2e_ms FROM requests ORDER BY source_row",
        {"start": DEFAULT_START},
    ).fetchall()
    return result, rows


def test_v1_offsets_from_the_first_request_and_zero_response_tokens_failed(con, tmp_path):
    result, rows = load(con, tmp_path, V1)
    assert (result.format, result.status, result.rows_loaded) == ("burstgpt", "loaded", 4)
    # Timestamp is seconds from the trace's first midnight: arrivals 5, 45, 118, 120 s -> 0, 40, 113, 115 s
    assert [r[0] for r in rows] == [0, 40, 113, 115]
    assert [r[1:5] for r in rows] == [
        ("ChatGPT", 472, 18, "ok"),
        ("ChatGPT", 1087, 230, "ok"),
        ("GPT-4", 417, 276, "ok"),
        ("GPT-4", 300, 0, "error"),
    ]
    assert {r[5] for r in rows} == {None}  # v1 has no latency


def test_v2_elapsed_time_is_the_end_to_end_latency(con, tmp_path):
    result, rows = load(con, tmp_path, V2)
    assert (result.format, result.status, result.rows_loaded) == ("burstgpt", "loaded", 4)
    assert [r[0] for r in rows] == pytest.approx([0, 51, 82, 144])  # 19440110.0 s is time zero
    assert [r[5] for r in rows] == [43_000, 2_000, 8_000, 3_000]  # Elapsed time s -> e2e ms
    assert [r[2:4] for r in rows] == [(906, 446), (36, 29), (1779, 123), (935, 178)]
    session = con.execute(
        "SELECT count(*) FROM requests WHERE concat_ws(' ', request_id, tenant) LIKE '%1722ac82%'"
    ).fetchall()
    assert session == [(0,)]  # the session id is not a tenant
