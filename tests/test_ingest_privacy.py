"""Prompt and response text never reaches the warehouse file: a byte-level search."""

import json

import pytest

import warehouse
from ingest import ReadOptions
from warehouse.load import ingest_paths


def distinctive_snippets(path, count=40):
    """Runs of five plain words from prompts and responses: unique to the text, and spelled the
    same in the JSON source and in any copy of it."""
    snippets = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        for text in (record["input"][0]["content"], record["output"]):
            words = text.split(" ")
            for i in range(len(words) - 5):
                run = words[i : i + 5]
                if all(w.isalpha() for w in run) and sum(map(len, run)) > 20:
                    snippets.append(" ".join(run))
                    break
    return snippets[:count]


def test_aibrix_text_never_stored(shared_data, tmp_path):
    log = shared_data / "aibrix-client/output.jsonl"
    snippets = distinctive_snippets(log)
    assert len(snippets) >= 20
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        (result,) = ingest_paths(con, [log], ReadOptions(model="m"))
        con.execute("CHECKPOINT")
        assert result.rows_loaded == 52
        rejected_values = [v for (v,) in con.execute("SELECT field_values FROM rejected_rows").fetchall()]
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for snippet in snippets:
        assert snippet.encode() not in data, snippet
        assert all(snippet not in v for v in rejected_values)
    # the search itself can fail: the same snippets are found in the source file
    source = log.read_bytes()
    assert all(s.encode() in source for s in snippets)


@pytest.mark.parametrize("column", ["prompt", "response", "messages", "text"])
def test_text_columns_are_never_selected(tmp_path, column):
    path = tmp_path / "log.csv"
    path.write_text(
        f"timestamp,prompt_tokens,output_tokens,{column}\n"
        "2025-01-01T00:00:00Z,10,2,TOPSECRET-PAYLOAD\n"
        "2025-01-01T00:00:01Z,-1,2,TOPSECRET-PAYLOAD\n"
    )
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        (result,) = ingest_paths(con, [path], ReadOptions())
        con.execute("CHECKPOINT")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert b"TOPSECRET" not in db.read_bytes()
