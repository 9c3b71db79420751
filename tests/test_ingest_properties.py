"""Conservation over generated messy files: rows read = loaded + rejected + duplicate; JSON Lines blocks
read with sampled types hold what a full inference reads."""

import contextlib
import csv
import io
import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warehouse
from ingest import LogFile, ReadOptions
from ingest.containers import _parse_block
from warehouse.load import ingest_paths

messy_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
number_ish = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "NaN", "1e3", "12.0", " 7 ", "null", "-0"]),
    messy_text,
)
timestamp_ish = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(0, 2 * 10**9).map(str),
    st.sampled_from(["", "yesterday", "2025-13-45T99:00:00Z"]),
    messy_text,
)
row = st.fixed_dictionaries(
    {
        "request_id": st.one_of(st.sampled_from(["r1", "r2", "r3", ""]), messy_text),
        "timestamp": timestamp_ish,
        "model": messy_text,
        "prompt_tokens": number_ish,
        "output_tokens": number_ish,
        "ttft_ms": number_ish,
        "e2e_ms": number_ish,
        "status": st.one_of(st.sampled_from(["ok", "error", "200", "429", "weird"]), messy_text),
    }
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@SETTINGS
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_csv_conservation(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "messy.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with warehouse.connect(":memory:") as con:
        (result,) = ingest_paths(con, [path], ReadOptions(source="fuzz"))
        (stored,) = con.execute("SELECT count(*) FROM requests").fetchall()[0]
        (rejected,) = con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0]
    assert result.rows_read == len(rows)
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    if result.rows_rejected == len(rows):  # no request: a failed file, nothing stored
        assert result.status == "failed" and (stored, rejected) == (0, 0), result
    else:
        assert result.status == "loaded", result.message
        assert (stored, rejected) == (result.rows_loaded, result.rows_rejected)


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10**7), st.floats(), messy_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(messy_text, inner, max_size=3),
    max_leaves=6,
)
json_line = st.one_of(
    st.fixed_dictionaries(
        {"timestamp": json_value, "input_length": json_value, "output_length": json_value, "hash_ids": json_value}
    ).map(json.dumps),
    json_value.map(json.dumps),
    messy_text.filter(lambda s: s.strip() and "\n" not in s and "\r" not in s),
)


@SETTINGS
@given(lines=st.lists(json_line, min_size=1, max_size=30))
def test_jsonl_conservation(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("jsonl") / "messy.jsonl"
    first = json.dumps({"timestamp": 0, "input_length": 5, "output_length": 1})
    lines = [first, *[ln for ln in lines if "\x85" not in ln and "\u2028" not in ln and "\u2029" not in ln]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warehouse.connect(":memory:") as con:
        (result,) = ingest_paths(con, [path], ReadOptions())
    assert result.status == "loaded", result.message
    assert result.rows_read == len([ln for ln in lines if ln.strip()])
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    assert result.rows_loaded >= 1


scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=False), messy_text)
record = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(scalar, st.lists(scalar, max_size=3)), max_size=3)


@SETTINGS
@given(records=st.lists(record, min_size=1, max_size=25), sample_lines=st.integers(1, 5))
def test_jsonl_block_types_from_a_sample_read_what_full_inference_reads(records, sample_lines):
    # a block parsed with its first lines' types holds exactly what polars reads inferring from all
    # lines, or it is None and the caller goes line by line
    block = "".join(json.dumps(r) + "\n" for r in records).encode()
    got = _parse_block(block, ["a", "b", "c"], sample_lines=sample_lines)
    try:
        full = pl.read_ndjson(io.BytesIO(block), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        assert got is None
        return
    if got is not None:
        want = full.select([pl.col(c) if c in full.columns else pl.lit(None).alias(c) for c in "abc"])
        assert got.to_dicts() == want.to_dicts()


count_text = st.one_of(st.integers(-5, 3 * 10**9).map(str), st.sampled_from(["", "+7", "-0", "007", "12.0"]))
duration_text = st.one_of(
    st.floats(allow_nan=True).map(repr),
    st.integers(-5, 10**6).map(str),
    st.sampled_from(["", "1e3", "+7", "-0", "0.5", "1e400", "Infinity"]),
)


@SETTINGS
@given(rows=st.lists(st.tuples(count_text, count_text, duration_text, duration_text), min_size=1, max_size=30))
def test_csv_numbers_parsed_by_the_reader_load_what_text_loads(tmp_path_factory, rows):
    # the CSV reader's typed numbers (ingest/containers.py csv_batches) against the same file read as text
    path = tmp_path_factory.mktemp("csvnum") / "numbers.csv"
    path.write_text("prompt_tokens,output_tokens,ttft_ms,e2e_ms\n" + "".join(",".join(r) + "\n" for r in rows))
    stored = []
    for typed in (True, False):
        with warehouse.connect(":memory:") as con:
            options = ReadOptions(model="m", source="s")
            if typed:
                ingest_paths(con, [path], options)
            else:
                with _text_only():
                    ingest_paths(con, [path], options)
            stored.append(
                (
                    con.execute(
                        "SELECT source_row, prompt_tokens, output_tokens, ttft_ms, e2e_ms "
                        "FROM requests ORDER BY source_row"
                    ).fetchall(),
                    [
                        (row, _reason(reason))
                        for row, reason in con.execute(
                            "SELECT source_row, reason FROM rejected_rows ORDER BY 1"
                        ).fetchall()
                    ],
                )
            )
    assert stored[0] == stored[1]


def _reason(reason: str) -> tuple:
    """A reason with its quoted value as a number where it is one: a typed column quotes -1 as '-1.0'."""
    kind, _, value = reason.partition(": '")
    try:
        number = float(value.rstrip("'"))
    except ValueError:
        return kind, value
    return kind, "nan" if number != number else number


@contextlib.contextmanager
def _text_only():
    """The CSV reader with no typed columns (every value read as text)."""
    original = LogFile._csv_numbers
    LogFile._csv_numbers = lambda self: {}
    try:
        yield
    finally:
        LogFile._csv_numbers = original
