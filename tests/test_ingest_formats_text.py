"""Prompt, response and error text in the format fixtures never reaches the DuckDB file."""

from formats_fixtures import FIXTURES, LOG_FIXTURES

import warehouse
from ingest import ReadOptions
from warehouse.load import ingest_paths

MARKER = b"SECRET-"  # every prompt, response and error message in the fixtures carries it


def test_no_fixture_text_is_stored(tmp_path):
    fixtures = [FIXTURES / name for name in LOG_FIXTURES]
    carrying = [p.name for p in fixtures if MARKER in p.read_bytes()]
    assert len(carrying) == 8, carrying  # the test can fail: all eight fixtures hold text
    db = tmp_path / "text.duckdb"
    with warehouse.connect(db) as con:
        results = ingest_paths(con, fixtures, ReadOptions(prompt_tokens=128))
        assert all(r.status == "loaded" for r in results), [r.message for r in results]
        assert sum(r.rows_rejected for r in results) > 0  # rejected rows' values are stored too
        assert not _text_columns_holding(con, MARKER.decode())
        con.execute("CHECKPOINT")
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("text.duckdb"))
    assert stored and MARKER not in stored


def _text_columns_holding(con, needle: str) -> list[str]:
    """Every VARCHAR column of every table, searched in SQL (compression cannot hide a match)."""
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
    ).fetchall()
    return [
        f"{t}.{c}"
        for t, c in columns
        if con.execute(f'SELECT count(*) FROM "{t}" WHERE contains("{c}", $n)', {"n": needle}).fetchall()[0][0]
    ]
