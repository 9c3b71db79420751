"""Container readers: CSV/TSV, JSON Lines, JSON arrays and Parquet, in bounded batches.

Each reader yields polars frames holding only the requested source columns plus `__row`
(1-based data row, line or record number) and, for JSON, `__invalid` (why a record could
not be parsed). Columns not asked for — prompt and response text — are never kept.
Nested formats go through `document_batches`: each JSON document is flattened by the
format's own function, which reads only the fields it needs.
"""

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

ROW = "__row"
INVALID = "__invalid"
SKIP = "__skip"  # a nested record that is not a request (e.g. a tool-call span): counted, not a row
KEY_SAMPLE_RECORDS = 10_000  # JSON columns are the keys of the first records


def csv_header(path: Path, separator: str) -> list[str]:
    return (
        pl.scan_csv(path, separator=separator, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)
        .collect_schema()
        .names()
    )


def csv_batches(
    path: Path, columns: list[str], separator: str, batch_rows: int, numbers: dict[str, pl.DataType] | None = None
) -> Iterator[pl.DataFrame]:
    """`columns` as text, except `numbers` (column -> Int64 / Float64), parsed by the CSV reader as
    long as every value in them parses: a typed parse skips building a string per value, and
    DuckDB then skips casting it (bench/RESULTS.md, ingest). When a value does not parse, the
    rows not yet yielded are read again as text (the prefix is re-scanned, not re-yielded), so
    the value is rejected downstream with its reason."""
    done = 0  # rows yielded so far
    if numbers:
        try:
            for batch in _csv_scan(path, columns, separator, numbers).collect_batches(chunk_size=batch_rows):
                done += batch.height
                yield batch
            return
        except pl.exceptions.PolarsError:  # a value that is not a number of its column's type (or a
            pass  # file polars cannot read: the text scan below then raises it as before)
    yield from _csv_scan(path, columns, separator).filter(pl.col(ROW) > done).collect_batches(chunk_size=batch_rows)


def _csv_scan(
    path: Path, columns: list[str], separator: str, numbers: dict[str, pl.DataType] | None = None
) -> pl.LazyFrame:
    lf = pl.scan_csv(
        path,
        separator=separator,
        infer_schema=False,
        schema_overrides=numbers,
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    return lf.with_row_index(ROW, offset=1).select(pl.col(ROW).cast(pl.Int64), *columns)


def parquet_columns(path: Path) -> list[str]:
    return pl.scan_parquet(path).collect_schema().names()


def parquet_batches(path: Path, columns: list[str], batch_rows: int) -> Iterator[pl.DataFrame]:
    lf = pl.scan_parquet(path).with_row_index(ROW, offset=1)
    yield from lf.select(pl.col(ROW).cast(pl.Int64), *columns).collect_batches(chunk_size=batch_rows)


def jsonl_first_keys(path: Path, max_lines: int = KEY_SAMPLE_RECORDS) -> list[str]:
    """The keys of the first `max_lines` lines' records (~70 ms): optional fields often first appear
    after a few hundred lines; one first seen later is read when named with --map."""
    keys: dict[str, None] = {}
    with open(path, "rb") as fh:
        for _, line in zip(range(max_lines), fh):
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
    return list(keys)


def jsonl_batches(path: Path, columns: list[str], batch_rows: int) -> Iterator[pl.DataFrame]:
    """`columns` of each line's record, about `batch_rows` lines a batch, numbered by line (blank
    lines are skipped but counted). A block of whole lines is parsed by polars at once; only a
    block with a blank or unparsable line goes line by line."""
    for first, lines, block in _line_blocks(path, batch_rows):
        frame = _parse_block(block, columns)
        if frame is not None and frame.height == lines:  # one record a line: numbers are contiguous
            yield frame.with_columns(
                pl.int_range(first, first + lines, dtype=pl.Int64).alias(ROW), pl.lit(None, pl.String).alias(INVALID)
            ).select(ROW, *columns, INVALID)
            continue
        numbered = [(n, line.rstrip(b"\r")) for n, line in enumerate(block.split(b"\n"), start=first) if line.strip()]
        yield _parse_jsonl([line for _, line in numbered], [n for n, _ in numbered], columns)


def _line_blocks(path: Path, batch_rows: int) -> Iterator[tuple[int, int, bytes]]:
    """(number of the block's first line, lines in it, whole lines as bytes), about `batch_rows`
    lines a block (sized by the bytes per line of the file's first 64 KiB, at most 256 MiB)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        fh.seek(0)
        size = max(1 << 12, min(batch_rows * max(1, len(head) // max(1, head.count(b"\n"))), 1 << 28))
        first = 1
        while block := fh.read(size):
            if not block.endswith(b"\n"):
                block += fh.readline()  # up to the end of the line (or of the file)
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            yield first, lines, block
            first += lines


def _parse_block(block: bytes, columns: list[str], sample_lines: int = 1000) -> pl.DataFrame | None:
    """The block's records (`columns` only) when polars parses every line; None otherwise. Types
    come from the first `sample_lines` lines (a full inference costs a second pass); where a column
    is absent or null there, its type is not one polars enforces (`_enforced`), or a later value
    does not fit, the whole block is inferred."""
    try:
        end = 0
        for _ in range(sample_lines):
            end = block.find(b"\n", end) + 1 or len(block)
            if end == len(block):
                break
        sample = pl.read_ndjson(io.BytesIO(block[:end]), infer_schema_length=None)
        schema = {name: sample.schema.get(name) for name in columns}
        if all(_enforced(dtype) for dtype in schema.values()):
            with contextlib.suppress(pl.exceptions.PolarsError):
                return pl.read_ndjson(io.BytesIO(block), schema=schema)
        return _select(pl.read_ndjson(io.BytesIO(block), infer_schema_length=None), columns)
    except Exception:  # noqa: BLE001 - any parse problem: the caller goes line by line
        return None


def _enforced(dtype: pl.DataType | None) -> bool:
    """Whether polars, given this type, raises on a later value that does not fit it: a Null inside
    (a list empty in the sample) turns later values into nulls, and a Struct drops later fields."""
    if dtype is None or dtype == pl.Null or isinstance(dtype, pl.Struct):
        return False
    return _enforced(dtype.inner) if isinstance(dtype, (pl.List, pl.Array)) else True


def _parse_jsonl(lines: list[bytes], numbers: list[int], columns: list[str]) -> pl.DataFrame:
    try:  # fast path: every line a well-typed object
        frame = pl.read_ndjson(io.BytesIO(b"\n".join(lines)), infer_schema_length=None)
        if frame.height == len(lines):
            return _select(frame, columns).with_columns(
                pl.Series(ROW, numbers, pl.Int64), pl.lit(None, pl.String).alias(INVALID)
            )
    except Exception:  # noqa: BLE001 - any parse problem: fall back to per-line parsing
        pass
    records, invalid = [], []
    for line in lines:
        try:
            record = json.loads(line)
            problem = None if isinstance(record, dict) else "record is not a JSON object"
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            record, problem = None, f"invalid JSON: {exc.__class__.__name__}"
        records.append(record if problem is None else {})
        invalid.append(problem)
    return records_frame(records, columns, numbers, invalid)


def json_records(path: Path, list_keys: tuple[str, ...] = ()) -> list:
    """The records of a JSON file: a top-level list, or the list under one of `list_keys`."""
    with open(path, "rb") as fh:
        data = json.load(fh)
    if isinstance(data, dict):
        for key in list_keys:
            if isinstance(data.get(key), list):
                return data[key]
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of request records")
    return data


def json_documents(path: Path, container: str) -> Iterator[tuple[object, str | None]]:
    """(document, problem) per JSON document: the whole file (json) or each line (jsonl)."""
    if container == "json":
        with open(path, "rb") as fh:
            yield json.load(fh), None
        return
    with open(path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                yield json.loads(line), None
            except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
                yield None, f"invalid JSON: {exc.__class__.__name__}"


def document_batches(
    path: Path,
    container: str,
    to_records: Callable[[object], list[dict]],
    columns: list[str],
    batch_rows: int,
    skipped: dict[str, int] | None = None,
) -> Iterator[pl.DataFrame]:
    """Nested formats: each document becomes flat records (numbered 1.. across the file).

    A document that cannot be parsed or flattened becomes one record carrying its problem,
    so it is rejected and counted, never dropped. A record marked `SKIP` (what it is) is not a
    request: it is counted in `skipped` by that kind, not read as a row.
    """
    batch: list[dict] = []
    number = 0
    for doc, problem in json_documents(path, container):
        try:
            found = [{INVALID: problem}] if problem else to_records(doc)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            found = [{INVALID: f"malformed document: {exc.__class__.__name__}"}]
        if skipped is not None:
            for record in found:
                if isinstance(record, dict) and SKIP in record:
                    skipped[record[SKIP]] = skipped.get(record[SKIP], 0) + 1
        batch += [r for r in found if not (isinstance(r, dict) and SKIP in r)]
        while len(batch) >= batch_rows:
            yield _document_frame(batch[:batch_rows], columns, number)
            number, batch = number + batch_rows, batch[batch_rows:]
    if batch:
        yield _document_frame(batch, columns, number)


def _document_frame(records: list[dict], columns: list[str], before: int) -> pl.DataFrame:
    numbers = list(range(before + 1, before + 1 + len(records)))
    invalid = [r.get(INVALID) if isinstance(r, dict) else None for r in records]
    return records_frame(records, columns, numbers, invalid)


def records_frame(
    records: list, columns: list[str], numbers: list[int] | None = None, invalid: list[str | None] | None = None
) -> pl.DataFrame:
    """Build a frame from Python records, keeping only `columns`; mixed types become strings."""
    numbers = numbers or list(range(1, len(records) + 1))
    invalid = list(invalid or [None] * len(records))
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            records[i], invalid[i] = {}, invalid[i] or "record is not a JSON object"
    series = [_column(name, [r.get(name) for r in records]) for name in columns]
    return pl.DataFrame([pl.Series(ROW, numbers, pl.Int64), *series, pl.Series(INVALID, invalid, pl.String)])


def _column(name: str, values: list) -> pl.Series:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int, float}:
        return pl.Series(name, values, pl.Float64 if float in kinds else pl.Int64, strict=False)
    if kinds == {list}:
        inner = {type(x) for v in values if v is not None for x in v}
        if inner <= {int}:
            return pl.Series(name, values, pl.List(pl.Int64), strict=False)
        if inner <= {int, float}:
            return pl.Series(name, values, pl.List(pl.Float64), strict=False)
    return pl.Series(name, [v if v is None or isinstance(v, str) else json.dumps(v) for v in values], pl.String)


def _select(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    have = set(frame.columns)
    return frame.select([pl.col(c) if c in have else pl.lit(None).alias(c) for c in columns])
