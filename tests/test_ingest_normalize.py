"""Row-level validation: each bad value is rejected with a reason, good rows are exact."""

from datetime import UTC, datetime

import polars as pl

from ingest import ReadOptions
from warehouse.db import connect
from warehouse.load import ingest_paths

MESSY_CSV = """\
request_id,timestamp,model,tenant,prompt_tokens,output_tokens,ttft_ms,e2e_ms,status
a,2025-03-03T10:00:00Z,m1,t1,100,20,50,400,ok
b,2025-03-03T10:00:01Z,m1,,abc,20,50,400,ok
c,2025-03-03T10:00:02Z,m1,t1,-5,20,50,400,ok
d,not-a-time,m1,t1,100,20,50,400,ok
e,2025-03-03T10:00:04Z,m1,t1,100,20,500,400,ok
f,2025-03-03T10:00:05Z,m1,t1,100,20.5,50,400,ok
g,2025-03-03T10:00:06Z,m1,t1,100,20,50,400,exploded
h,2025-03-03T10:00:07Z,m1,t1,100,20,,,429
i,2025-03-03T10:00:08Z,,t2,100,,50,400,ok
"""


def read_all(path, **kw):
    """Ingest `path` into a fresh warehouse: (file result, loaded rows, rejected rows, rows read)."""
    con = connect(path.parent / f"{path.stem}.duckdb")
    (result,) = ingest_paths(con, [path], ReadOptions(**kw))
    good = con.sql("SELECT * EXCLUDE (ingest_run_id), epoch_us(arrival_ts) AS arrival_us FROM requests").pl()
    good = good.with_columns(arrival_ts=pl.from_epoch("arrival_us", "us").dt.replace_time_zone("UTC"))
    bad = con.sql("SELECT source_row, reason, field_values FROM rejected_rows").pl()
    return result, good, bad, result.rows_read


def test_each_bad_value_gets_its_reason(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY_CSV)
    log, good, bad, read = read_all(path)
    assert log.format == "generic"
    assert read == 9 == good.height + bad.height
    reasons = dict(zip(bad["source_row"], bad["reason"]))
    assert reasons == {
        2: "prompt_tokens is not a number: 'abc'",
        3: "prompt_tokens is negative: '-5'",
        4: "unparsable arrival timestamp: 'not-a-time'",
        5: "ttft_ms > e2e_ms",
        6: "output_tokens is not an integer: '20.5'",
        7: "unknown status 'exploded'",
        9: "missing output_tokens",
    }
    assert sorted(good["request_id"]) == ["a", "h"]
    row_a = good.filter(pl.col("request_id") == "a").row(0, named=True)
    assert row_a["arrival_ts"] == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert (row_a["prompt_tokens"], row_a["output_tokens"], row_a["ttft_ms"], row_a["e2e_ms"]) == (100, 20, 50.0, 400.0)
    row_h = good.filter(pl.col("request_id") == "h").row(0, named=True)
    assert row_h["status"] == "rejected"  # HTTP 429 = throttled
    assert row_h["ttft_ms"] is None


def test_rejected_rows_keep_field_values_as_json(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY_CSV)
    _, _, bad, _ = read_all(path)
    values = bad.filter(pl.col("source_row") == 2)["field_values"].str.json_decode().item()
    assert values["prompt_tokens"] == "abc" and values["request_id"] == "b"


def test_units_and_synonyms_seconds_become_ms(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"ts": 1741000000, "input_tokens": 10, "completion_tokens": 3, '
        '"ttft_s": 0.25, "latency_s": 1.5, "prompt": "secret words"}\n'
    )
    _, good, bad, _ = read_all(path, model="m")
    assert bad.height == 0
    row = good.row(0, named=True)
    # 1741000000 s since epoch = 2025-03-03T11:06:40Z
    assert row["arrival_ts"] == datetime(2025, 3, 3, 11, 6, 40, tzinfo=UTC)
    assert (row["ttft_ms"], row["e2e_ms"], row["model"]) == (250.0, 1500.0, "m")
    assert "secret words" not in str(good.to_dicts())


def test_relative_offsets_are_anchored_at_start(tmp_path):
    path = tmp_path / "trace.jsonl"
    path.write_text(
        '{"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1, 2]}\n'
        '{"timestamp": 1500, "input_length": 700, "output_length": 6, "hash_ids": [1, 3]}\n'
    )
    start = datetime(2024, 6, 3, tzinfo=UTC)
    log, good, _, _ = read_all(path, start=start)
    assert log.format == "mooncake"
    assert good["arrival_ts"].to_list() == [start, datetime(2024, 6, 3, 0, 0, 1, 500000, tzinfo=UTC)]
    assert good["prefix_block_ids"].to_list() == [[1, 2], [1, 3]]


def test_invalid_json_lines_are_rejected_not_fatal(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"timestamp": 0, "input_length": 6, "output_length": 5}\n'
        '{"timestamp": 1, "input_length": \n'
        "\n"
        "[1, 2]\n"
        '{"timestamp": 2, "input_length": "x", "output_length": 5}\n'
    )
    _, good, bad, read = read_all(path)
    assert read == 4 and good.height == 1  # blank line 3 is not a row
    assert dict(zip(bad["source_row"], bad["reason"])) == {
        2: "invalid JSON: JSONDecodeError",
        4: "record is not a JSON object",
        5: "prompt_tokens is not a number: 'x'",
    }


def test_timestamp_spellings_are_utc_instants(tmp_path):
    # an offset is applied (+02:00 -> 2 h earlier in UTC), no offset means UTC, 7 fraction digits are
    # cut to microseconds, and an impossible date (Feb 29 2023) is rejected
    path = tmp_path / "ts.csv"
    path.write_text(
        "timestamp,prompt_tokens,output_tokens\n"
        "2025-03-03T10:00:00+02:00,1,1\n2025-03-03 08:00:00,1,1\n"
        "2023-11-16 18:15:46.6805900,1,1\n2023-02-29T00:00:00.000000,1,1\n"
        "1741000000,1,1\n"
    )
    _, good, bad, _ = read_all(path, model="m")
    assert good.sort("source_row")["arrival_ts"].to_list() == [
        datetime(2025, 3, 3, 8, tzinfo=UTC),
        datetime(2025, 3, 3, 8, tzinfo=UTC),
        datetime(2023, 11, 16, 18, 15, 46, 680590, tzinfo=UTC),
    ]
    # one number among date strings is not an epoch here: the column is text, so it does not parse
    assert dict(zip(bad["source_row"], bad["reason"])) == {
        4: "unparsable arrival timestamp: '2023-02-29T00:00:00.000000'",
        5: "unparsable arrival timestamp: '1741000000'",
    }


def test_typed_parquet_columns_get_the_same_checks(tmp_path):
    path = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "request_id": ["a", "b", "c", "d"],
            "timestamp": pl.Series([0, 1, 2, 3]).cast(pl.Datetime("ms")),  # naive = UTC
            "prompt_tokens": [100, -1, 5, 3_000_000_000],
            "output_tokens": [20, 1, 1, 1],
            "ttft_ms": [50.0, 1.0, float("inf"), 1.0],
        }
    ).write_parquet(path)
    _, good, bad, read = read_all(path, model="m")
    assert read == 4 and good["request_id"].to_list() == ["a"]
    assert good["arrival_ts"].to_list() == [datetime(1970, 1, 1, tzinfo=UTC)]
    assert dict(zip(bad["source_row"], bad["reason"])) == {
        2: "prompt_tokens is negative: '-1'",
        3: "ttft_ms is not finite",
        4: "prompt_tokens is implausibly large: '3000000000'",
    }


def test_an_error_code_without_a_status_marks_the_request_failed(tmp_path):
    # no status column: the error code decides; 0 / none / null are how some logs say "no error"
    path = tmp_path / "codes.csv"
    path.write_text(
        "request_id,timestamp,prompt_tokens,output_tokens,error_code\n"
        "a,2025-03-03T10:00:00Z,10,5,\n"
        "b,2025-03-03T10:00:01Z,10,5,500\n"
        "c,2025-03-03T10:00:02Z,10,5,0\n"
        "d,2025-03-03T10:00:03Z,10,5,RateLimitError\n"
    )
    _, good, _, _ = read_all(path)
    statuses = dict(zip(good["request_id"], zip(good["status"], good["error_code"])))
    assert statuses == {"a": ("ok", None), "b": ("error", "500"), "c": ("ok", "0"), "d": ("error", "RateLimitError")}


def test_an_empty_status_with_an_error_code_is_an_error(tmp_path):
    path = tmp_path / "empty_status.csv"
    path.write_text(
        "request_id,timestamp,prompt_tokens,output_tokens,status,error_code\n"
        "a,2025-03-03T10:00:00Z,10,5,,timeout_error\n"
        "b,2025-03-03T10:00:01Z,10,5,ok,\n"
        "c,2025-03-03T10:00:02Z,10,5,,\n"
    )
    _, good, _, _ = read_all(path)
    assert dict(zip(good["request_id"], good["status"])) == {"a": "error", "b": "ok", "c": "ok"}
