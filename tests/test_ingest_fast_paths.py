"""The normaliser's shortcuts for clean values give what the general path gives for messy ones."""

from datetime import UTC, datetime

import polars as pl

from ingest import ReadOptions
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
    assert got == {1: "ok", 2: "ok", 3: "error", 4: "error", 5: "timeout", 6: "timeout",
                   7: "rejected", 8: "rejected", 9: "cancelled"}
    assert con.execute("SELECT source_row, reason FROM rejected_rows").fetchall() == [
        (10, "unknown status 'exploded'")]
    assert result.rows_read == 10 == result.rows_loaded + result.rows_rejected


def test_timestamps_with_edge_spaces_parse_as_trimmed(tmp_path):
    # only text with a space at an edge is trimmed; '2025-03-03 ' fails DuckDB's cast untrimmed
    path = tmp_path / "ts.csv"
    stamps = ["2025-03-03 ", " 2025-03-03T10:00:00Z", "  2025-03-03T10:00:00.5+0000  ", "2025-03-03T10:00:00Z"]
    path.write_text("timestamp,prompt_tokens,output_tokens\n" + "".join(f'"{s}",1,1\n' for s in stamps))
    result, con = load(path, model="m")
    got = dict(con.execute("SELECT source_row, epoch_us(arrival_ts) FROM requests").fetchall())
    expected = [datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 3, 10, tzinfo=UTC),
                datetime(2025, 3, 3, 10, 0, 0, 500000, tzinfo=UTC), datetime(2025, 3, 3, 10, tzinfo=UTC)]
    assert got == {i + 1: round(ts.timestamp() * 1e6) for i, ts in enumerate(expected)}
    assert result.rows_loaded == 4


def test_parquet_rows_keep_their_source_row_across_row_groups(tmp_path):
    # 300,000 rows in 125,000-row groups (polars' default size): DuckDB loads them unordered into
    # 122,880-row groups, so each row must still carry its own file row number
    n = 300_000
    path = tmp_path / "big.parquet"
    pl.DataFrame({
        "request_id": pl.int_range(n, eager=True).cast(pl.String).str.zfill(7),
        "arrival_offset_s": pl.int_range(n, eager=True).cast(pl.Float64) / 10,
        "prompt_tokens": pl.int_range(n, eager=True) % 1000 + 1,
        "output_tokens": pl.int_range(n, eager=True) % 7 + 1,
    }).write_parquet(path, row_group_size=125_000)
    result, con = load(path, model="m")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n, 0)
    # row r (1-based) has id r-1, offset (r-1)/10 s from the anchor, prompt (r-1) % 1000 + 1
    (mismatched,) = con.execute(
        "SELECT count(*) FROM requests WHERE CAST(request_id AS BIGINT) <> source_row - 1 "
        "OR epoch_us(arrival_ts) - epoch_us(TIMESTAMPTZ '2024-01-01 00:00:00+00') <> (source_row - 1) * 100000 "
        "OR prompt_tokens <> (source_row - 1) % 1000 + 1").fetchone()
    assert mismatched == 0
    assert con.execute("SELECT count(DISTINCT source_row), min(source_row), max(source_row) FROM requests"
                       ).fetchone() == (n, 1, n)
