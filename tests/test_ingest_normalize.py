"""Row-level validation: each bad value is rejected with a reason, good rows are exact."""

from datetime import UTC, datetime

import polars as pl

from ingest import ReadOptions, open_log

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
    log = open_log(path, ReadOptions(**kw))
    batches = list(log.batches())
    good = pl.concat([b.requests for b in batches])
    bad = pl.concat([b.rejected for b in batches])
    return log, good, bad, sum(b.rows_read for b in batches)


def test_each_bad_value_gets_its_reason(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY_CSV)
    log, good, bad, read = read_all(path)
    assert log.format.name == "generic"
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
    path.write_text('{"ts": 1741000000, "input_tokens": 10, "completion_tokens": 3, '
                    '"ttft_s": 0.25, "latency_s": 1.5, "prompt": "secret words"}\n')
    _, good, bad, _ = read_all(path, model="m")
    assert bad.height == 0
    row = good.row(0, named=True)
    # 1741000000 s since epoch = 2025-03-03T11:06:40Z
    assert row["arrival_ts"] == datetime(2025, 3, 3, 11, 6, 40, tzinfo=UTC)
    assert (row["ttft_ms"], row["e2e_ms"], row["model"]) == (250.0, 1500.0, "m")
    assert "secret words" not in str(good.to_dicts())


def test_relative_offsets_are_anchored_at_start(tmp_path):
    path = tmp_path / "trace.jsonl"
    path.write_text('{"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1, 2]}\n'
                    '{"timestamp": 1500, "input_length": 700, "output_length": 6, "hash_ids": [1, 3]}\n')
    start = datetime(2024, 6, 3, tzinfo=UTC)
    log, good, _, _ = read_all(path, start=start)
    assert log.format.name == "mooncake" and log.timestamps == "relative"
    assert good["arrival_ts"].to_list() == [start, datetime(2024, 6, 3, 0, 0, 1, 500000, tzinfo=UTC)]
    assert good["prefix_block_ids"].to_list() == [[1, 2], [1, 3]]


def test_invalid_json_lines_are_rejected_not_fatal(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"timestamp": 0, "input_length": 6, "output_length": 5}\n'
                    '{"timestamp": 1, "input_length": \n'
                    '\n'
                    '[1, 2]\n'
                    '{"timestamp": 2, "input_length": "x", "output_length": 5}\n')
    _, good, bad, read = read_all(path)
    assert read == 4 and good.height == 1  # blank line 3 is not a row
    assert dict(zip(bad["source_row"], bad["reason"])) == {
        2: "invalid JSON: JSONDecodeError",
        4: "record is not a JSON object",
        5: "prompt_tokens is not a number: 'x'",
    }


def test_fixed_iso_utc_timestamps_parse_like_the_general_parser():
    from ingest.normalize import ISO_UTC_US, _iso_utc_us

    # fast path = slices of "YYYY-MM-DDTHH:MM:SS.ffffff[Z|+00:00]"; Feb 29 2023 does not exist -> null
    texts = ["2025-03-03T00:00:00.151203+0000", "2024-02-29 23:59:59.000001Z",
             "2023-02-29T00:00:00.000000", "2025-03-03T07:08:09.000010+00:00", None]
    frame = pl.DataFrame({"t": texts}).select(
        matches=pl.col("t").is_null() | pl.col("t").str.contains(ISO_UTC_US),
        fast=_iso_utc_us(pl.col("t")))
    assert frame["matches"].all()
    assert frame["fast"].to_list() == [
        datetime(2025, 3, 3, 0, 0, 0, 151203, tzinfo=UTC), datetime(2024, 2, 29, 23, 59, 59, 1, tzinfo=UTC),
        None, datetime(2025, 3, 3, 7, 8, 9, 10, tzinfo=UTC), None]
    # an hour of 24 is out of the pattern, so such a batch takes the general parser
    assert not pl.Series(["2025-03-03T24:00:00.000000"]).str.contains(ISO_UTC_US).any()
