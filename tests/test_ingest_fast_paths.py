"""The normaliser's shortcuts for clean values give what the general path gives for messy ones."""

import json
from datetime import UTC, datetime
from itertools import accumulate

import polars as pl

from ingest import ReadOptions
from ingest.containers import ROW, _line_blocks, _parse_block, csv_batches
from warehouse.db import connect
from warehouse.load import ingest_paths


def load(path, **kw):
    con = connect(path.parent / f"{path.stem}.duckdb")
    (result,) = ingest_paths(con, [path], ReadOptions(**kw))
    return result, con


def test_status_words_as_written_or_padded_and_cased_agree(tmp_path):
    # a known word as written skips lower(trim()); padded, cased, tabbed and numeric spellings take it
    path = tmp_path / "status.csv"
    rows = ["ok", " OK ", "error", "Error\t", "timeout", "TIMEOUT", "429", " 503 ", "Cancelled", "exploded"]
    path.write_text("prompt_tokens,output_tokens,status\n" + "".join(f'1,1,"{s}"\n' for s in rows))
    result, con = load(path, model="m")
    got = dict(con.execute("SELECT source_row, status FROM requests").fetchall())
    assert got == {
        1: "ok",
        2: "ok",
        3: "error",
        4: "error",
        5: "timeout",
        6: "timeout",
        7: "rejected",
        8: "rejected",
        9: "cancelled",
    }
    assert con.execute("SELECT source_row, reason FROM rejected_rows").fetchall() == [(10, "unknown status 'exploded'")]
    assert result.rows_read == 10 == result.rows_loaded + result.rows_rejected


def test_timestamps_with_edge_spaces_parse_as_trimmed(tmp_path):
    # only text with a space at an edge is trimmed; '2025-03-03 ' fails DuckDB's cast untrimmed
    path = tmp_path / "ts.csv"
    stamps = ["2025-03-03 ", " 2025-03-03T10:00:00Z", "  2025-03-03T10:00:00.5+0000  ", "2025-03-03T10:00:00Z"]
    path.write_text("timestamp,prompt_tokens,output_tokens\n" + "".join(f'"{s}",1,1\n' for s in stamps))
    result, con = load(path, model="m")
    got = dict(con.execute("SELECT source_row, epoch_us(arrival_ts) FROM requests").fetchall())
    expected = [
        datetime(2025, 3, 3, tzinfo=UTC),
        datetime(2025, 3, 3, 10, tzinfo=UTC),
        datetime(2025, 3, 3, 10, 0, 0, 500000, tzinfo=UTC),
        datetime(2025, 3, 3, 10, tzinfo=UTC),
    ]
    assert got == {i + 1: round(ts.timestamp() * 1e6) for i, ts in enumerate(expected)}
    assert result.rows_loaded == 4


def test_parquet_rows_keep_their_source_row_across_row_groups(tmp_path):
    # 300,000 rows in 125,000-row groups (polars' default size): DuckDB loads them unordered into
    # 122,880-row groups, so each row must still carry its own file row number
    n = 300_000
    path = tmp_path / "big.parquet"
    pl.DataFrame(
        {
            "request_id": pl.int_range(n, eager=True).cast(pl.String).str.zfill(7),
            "arrival_offset_s": pl.int_range(n, eager=True).cast(pl.Float64) / 10,
            "prompt_tokens": pl.int_range(n, eager=True) % 1000 + 1,
            "output_tokens": pl.int_range(n, eager=True) % 7 + 1,
        }
    ).write_parquet(path, row_group_size=125_000)
    result, con = load(path, model="m")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n, 0)
    # row r (1-based) has id r-1, offset (r-1)/10 s from the anchor, prompt (r-1) % 1000 + 1
    (mismatched,) = con.execute(
        "SELECT count(*) FROM requests WHERE CAST(request_id AS BIGINT) <> source_row - 1 "
        "OR epoch_us(arrival_ts) - epoch_us(TIMESTAMPTZ '2024-01-01 00:00:00+00') <> (source_row - 1) * 100000 "
        "OR prompt_tokens <> (source_row - 1) % 1000 + 1"
    ).fetchone()
    assert mismatched == 0
    assert con.execute(
        "SELECT count(DISTINCT source_row), min(source_row), max(source_row) FROM requests"
    ).fetchone() == (n, 1, n)


def _numbers_csv(path, n):
    # row r (1-based): prompt (r-1) % 1000, ttft (r-1) ms written in seconds; row n-1's prompt
    # '12.5' and row n's '7.0' do not parse as integers, so the reader falls back to text there
    prompts = [str(i % 1000) for i in range(n)]
    prompts[n - 2], prompts[n - 1] = "12.5", "7.0"
    path.write_text(
        "prompt_tokens,output_tokens,ttft_s\n" + "".join(f"{p},3,{i / 1000}\n" for i, p in enumerate(prompts))
    )


def test_csv_numbers_fall_back_to_text_from_the_batch_that_does_not_parse(tmp_path):
    n = 300_000
    path = tmp_path / "numbers.csv"
    _numbers_csv(path, n)
    numbers = {"prompt_tokens": pl.Int64, "ttft_s": pl.Float64}
    batches = list(csv_batches(path, ["prompt_tokens", "ttft_s"], ",", 100_000, numbers))
    rows = pl.concat([b.select(ROW) for b in batches]).to_series()
    assert rows.to_list() == list(range(1, n + 1))  # every row once, in order, across the switch
    assert batches[0].schema["prompt_tokens"] == pl.Int64 and batches[0].schema["ttft_s"] == pl.Float64
    assert batches[-1].schema["prompt_tokens"] == pl.String
    assert batches[-1]["prompt_tokens"].tail(2).to_list() == ["12.5", "7.0"]


def test_csv_typed_and_text_batches_load_the_same_values(tmp_path):
    n = 300_000
    path = tmp_path / "numbers.csv"
    _numbers_csv(path, n)
    result, con = load(path, model="m", batch_rows=100_000)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n - 1, 1)
    assert con.execute("SELECT source_row, reason FROM rejected_rows").fetchall() == [
        (n - 1, "prompt_tokens is not an integer: '12.5'")
    ]
    # sum of (r-1) % 1000 over 300 full cycles = 300 * 499,500; minus rows n-1 (998) and n (999), plus 7
    # ttft: sum of 0..n-1 minus row n-1's n-2
    prompt, ttft, wrong = con.execute(
        "SELECT sum(prompt_tokens), sum(round(ttft_ms)), count(*) FILTER (WHERE prompt_tokens <> "
        "CASE WHEN source_row = $n THEN 7 ELSE (source_row - 1) % 1000 END OR round(ttft_ms) <> source_row - 1) "
        "FROM requests",
        {"n": n},
    ).fetchone()
    assert prompt == 300 * 499_500 - 998 - 999 + 7
    assert ttft == n * (n - 1) // 2 - (n - 2)
    assert wrong == 0


def _messy_jsonl(path, n=3000):
    # line i+1 holds request r{i}; from line 1201 on a column the first 1000 lines lack; line 1501's
    # prompt is a float; lines 2001-2002 are blank; line 2501 is broken; odd lines end in CRLF;
    # line 2801 carries a 20 kB field the reader never selects (a line longer than a block)
    lines = []
    for i in range(n):
        record = {"request_id": f"r{i}", "arrival_offset_s": i, "prompt_tokens": 10 + i % 7, "output_tokens": 5}
        if i >= 1200:
            record["cached_prompt_tokens"] = 3
        if i == 1500:
            record["prompt_tokens"] = 12.0
        if i == 2800:
            record["prompt"] = "x" * 20_000
        line = json.dumps(record)
        if i in (2000, 2001):
            line = "" if i == 2000 else "  "
        if i == 2500:
            line = '{"request_id": "r2500", oops'
        lines.append(line + ("\r\n" if i % 2 else "\n"))
    path.write_text("".join(lines), newline="")


def test_jsonl_blocks_are_whole_lines_numbered_from_one(tmp_path):
    path = tmp_path / "messy.jsonl"
    _messy_jsonl(path)
    blocks = list(_line_blocks(path, 100))
    assert b"".join(b for _, _, b in blocks) == path.read_bytes()
    assert all(b.endswith(b"\n") and n == b.count(b"\n") for _, n, b in blocks) and len(blocks) > 10
    assert [first for first, _, _ in blocks] == list(accumulate([1] + [n for _, n, _ in blocks[:-1]]))
    assert sum(n for _, n, _ in blocks) == 3000


def test_jsonl_blocks_parse_fast_or_line_by_line_alike(tmp_path):
    path = tmp_path / "messy.jsonl"
    _messy_jsonl(path)
    result, con = load(path, model="m", batch_rows=1000)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2998, 2997, 1)
    assert con.execute("SELECT source_row, reason FROM rejected_rows").fetchall() == [
        (2501, "invalid JSON: JSONDecodeError")
    ]
    wrong = con.execute(
        "SELECT count(*) FROM requests WHERE source_row <> CAST(request_id[2:] AS BIGINT) + 1 "
        "OR prompt_tokens <> CASE WHEN source_row = 1501 THEN 12 ELSE 10 + (source_row - 1) % 7 END "
        "OR cached_prompt_tokens IS DISTINCT FROM CASE WHEN source_row > 1200 THEN 3 END "
        # offsets in seconds from the default --start, 2024-01-01 00:00 UTC = 1,704,067,200 s
        "OR epoch_us(arrival_ts) <> 1704067200000000 + (source_row - 1) * 1000000"
    ).fetchone()[0]
    assert wrong == 0


def test_a_jsonl_block_takes_types_from_its_first_lines_unless_a_later_value_differs():
    lines = [{"p": i, "c": 3} for i in range(30)]
    block = lambda rows: "".join(json.dumps(r) + "\n" for r in rows).encode()  # noqa: E731
    typed = _parse_block(block(lines), ["p", "c"], sample_lines=10)
    assert typed.schema == {"p": pl.Int64, "c": pl.Int64} and typed["p"].to_list() == list(range(30))
    # a float after the sample: the block is inferred whole, nothing is lost
    later_float = _parse_block(block(lines[:20] + [{"p": 20.5, "c": 3}] + lines[21:]), ["p", "c"], sample_lines=10)
    assert later_float.schema["p"] == pl.Float64 and later_float["p"][20] == 20.5 and later_float.height == 30
    # a column first seen after the sample
    late_column = _parse_block(block([{"p": i} for i in range(15)] + lines[15:]), ["p", "c"], sample_lines=10)
    assert late_column["c"].to_list() == [None] * 15 + [3] * 15
    # lists empty in the sample (List(Null)) would turn later ids into nulls: the block is inferred whole
    ids = _parse_block(block([{"h": []} for _ in range(15)] + [{"h": [7, 8]}]), ["h"], sample_lines=10)
    assert ids["h"].to_list()[-1] == [7, 8]
    # a blank line: fewer records than lines, so the caller numbers them line by line
    assert _parse_block(block(lines[:5]) + b"\n" + block(lines[5:]), ["p", "c"], sample_lines=10).height == 30
    assert _parse_block(b'{"p": 1}\n{"p": oops\n', ["p"]) is None


def test_json_array_columns_include_keys_first_seen_late(tmp_path):
    # an optional field that first appears at record 61 is still read
    records = [
        {"prompt_tokens": 10, "output_tokens": 5} | ({"cached_prompt_tokens": 4} if i >= 60 else {}) for i in range(100)
    ]
    path = tmp_path / "late.json"
    path.write_text(json.dumps(records))
    result, con = load(path, model="m")
    assert result.rows_loaded == 100
    assert con.execute("SELECT count(cached_prompt_tokens), sum(cached_prompt_tokens) FROM requests").fetchone() == (
        40,
        160,
    )
