"""Open a log file: detect container and format; give its raw fields as a Parquet scan or polars batches."""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest import containers as c
from ingest.closed_loop import ClosedLoop, closed_loop_arrivals
from ingest.compression import plain_name, sha256_of
from ingest.containers import ROW
from ingest.errors import IngestError
from ingest.fields import COUNT_FIELDS, DURATION_FIELDS
from ingest.formats import FORMATS, Format, detect_format
from ingest.normalize import Context
from ingest.summaries import summary_of

# Relative or missing timestamps start here unless --start says otherwise (a Monday, so
# hour-of-week mining of anchored traces lines up with a real week).
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)
NO_ARRIVALS = (
    "no arrival times: every request arrives at --start, so rates and in-flight counts of this run mean nothing"
)
SUFFIX_CONTAINER = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
LOG_SUFFIXES = frozenset(SUFFIX_CONTAINER) - {".txt"}  # what a folder's log files are named


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadOptions:
    format: str = "auto"
    column_map: dict[str, str] = field(default_factory=dict)  # source column -> raw field
    start: datetime = DEFAULT_START
    model: str | None = None  # fills a missing model; overrides when the file has none
    tenant: str | None = None
    prompt_tokens: int | None = None  # fills a missing prompt token count (genai-perf over HTTP)
    source: str | None = None  # de-duplication namespace; default: the file's stem
    batch_rows: int = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFile:
    path: Path  # as given: named in messages and recorded with the run
    data: Path  # the file read: `path`, or its decompressed copy (ingest/compression.py)
    format: Format
    container: str
    separator: str
    sha256: str
    mapping: dict[str, str]  # source column -> raw field
    source: str
    anchor: datetime | None  # set when timestamps were relative or missing
    timestamps: str  # absolute | relative | missing
    has_request_ids: bool
    options: ReadOptions
    columns: tuple[str, ...] = ()  # the columns (or a nested format's record keys) the file has
    cut_row: int | None = None  # a truncated file's last row, cut short (its `__row`)
    truncated: bool = False  # the file ends in the middle of a line
    skipped: dict[str, int] = field(default_factory=dict)  # records that are not requests, by kind (filled as read)
    closed_loop: ClosedLoop | None = None  # a closed-loop run's clients: arrivals rebuilt from its latencies
    notes: tuple[str, ...] = ()  # what the loaded numbers rest on beyond the columns (ingest_runs.notes)

    @property
    def native(self) -> bool:
        """Whether DuckDB reads the file itself (Parquet with no format fixup): no Python per row."""
        return self.container == "parquet" and self.format.fixup is None and self.format.records is None

    def parquet_scan(self, first_row: int | None = None, end_row: int | None = None) -> str:
        """SQL of the raw relation (`__row` + raw fields) of a native file, rows [first_row, end_row)
        (0-based; DuckDB prunes row groups outside the range)."""
        fields = ", ".join(f"{_quote(column)} AS {_quote(raw)}" for column, raw in self.mapping.items())
        path = "'" + str(self.data).replace("'", "''") + "'"
        where = (
            ""
            if first_row is None
            else f" WHERE file_row_number >= {int(first_row)} AND file_row_number < {int(end_row)}"
        )
        return (
            f"SELECT CAST(file_row_number + 1 AS BIGINT) AS {ROW}{', ' if fields else ''}{fields} "
            f"FROM read_parquet({path}, file_row_number = true){where}"
        )

    def raw_batches(self) -> Iterator[pl.DataFrame]:
        """Raw fields (renamed from source columns, format fixups applied) in bounded batches."""
        try:
            batches = self._fixed_batches()
            yield from closed_loop_arrivals(batches, self.closed_loop) if self.closed_loop else batches
        except (pl.exceptions.PolarsError, OSError, ValueError, RecursionError) as exc:
            raise IngestError(
                f"{self.path}: cannot read as {self.container} ({_describe(exc)}); "
                "check the file is complete and its --format"
            ) from exc

    def _fixed_batches(self) -> Iterator[pl.DataFrame]:
        for raw in self._raw_batches():
            raw = raw.rename(self.mapping)
            raw = self.format.fixup(raw) if self.format.fixup else raw
            # 128-bit integers (huge JSON numbers) have no Arrow type: as text they still fail checks
            yield raw.with_columns(pl.col(pl.Int128, pl.UInt128).cast(pl.String))

    def request_ids(self) -> Iterator[pl.Series]:
        """The raw request ids of a native file, in file order and bounded batches."""
        column = next(c for c, raw in self.mapping.items() if raw == "request_id")
        lf = pl.scan_parquet(self.data).select(pl.col(column))
        for batch in lf.collect_batches(chunk_size=self.options.batch_rows):
            yield batch.to_series()

    def context(self) -> Context:
        opts = self.options
        return Context(
            source=self.source,
            anchor=opts.start,
            cut_row=self.cut_row,
            model=opts.model or Path(plain_name(self.path)).stem,
            model_override=opts.model is not None and "model" not in self.mapping.values(),
            tenant=opts.tenant,
            prompt_tokens=opts.prompt_tokens,
        )

    def _csv_numbers(self) -> dict[str, pl.DataType]:
        """Source columns the CSV reader parses as numbers: token counts and latencies."""
        kinds = dict.fromkeys(COUNT_FIELDS, pl.Int64) | dict.fromkeys(DURATION_FIELDS, pl.Float64)
        return {column: kinds[raw] for column, raw in self.mapping.items() if raw in kinds}

    def _raw_batches(self) -> Iterator[pl.DataFrame]:
        columns = list(self.mapping)
        rows = self.options.batch_rows
        if self.format.records:
            yield from c.document_batches(self.data, self.container, self.format.records, columns, rows, self.skipped)
        elif self.container == "csv":
            yield from c.csv_batches(self.data, columns, self.separator, rows, self._csv_numbers())
        elif self.container == "parquet":
            yield from c.parquet_batches(self.data, columns, rows)
        elif self.container == "jsonl":
            yield from c.jsonl_batches(self.data, columns, rows)
        else:
            records = c.json_records(self.data, self.format.json_list_keys)
            for start in range(0, len(records), rows):
                numbers = list(range(start + 1, start + 1 + len(records[start : start + rows])))
                yield c.records_frame(records[start : start + rows], columns, numbers)


def log_files(folder: Path) -> list[Path]:
    """The log files under `folder` (recursively, by name, compressed or not), sorted."""
    return sorted(
        p for p in Path(folder).rglob("*") if p.is_file() and Path(plain_name(p)).suffix.lower() in LOG_SUFFIXES
    )


def open_log(
    path: str | Path, options: ReadOptions = ReadOptions(), data: Path | None = None, sha256: str | None = None
) -> LogFile:
    """The log at `path`, read from `data` (its decompressed copy, ingest/compression.py) when given,
    whose content hash `sha256` is, when given."""
    path = Path(path)
    if path.is_dir():
        raise IngestError(
            f"{path}: a folder with no log files ({', '.join(sorted(LOG_SUFFIXES))}, or one of "
            f"them compressed); name the files to load, e.g. {path}/*.log"
        )
    if not path.is_file():
        raise IngestError(f"{path}: no such file; give a path to a log file")
    data = data or path
    try:
        container, separator = _container(data)
        columns = _columns(data, container, separator)
        sha = sha256 or sha256_of(data)
    except (OSError, ValueError, RecursionError, pl.exceptions.PolarsError) as exc:
        raise IngestError(
            f"{path}: cannot read ({exc.__class__.__name__}: {_describe(exc)}); "
            "check the file is a complete CSV, JSON Lines, JSON or Parquet file"
        ) from exc
    summary = summary_of(columns, container)
    if summary:
        raise IngestError(
            f"{path}: a run summary of {summary.tool}: aggregates, not per-request records, so "
            f"nothing to load; {summary.fix}"
        )
    fmt = _format(options.format, columns, container, path)
    if fmt.records:
        try:
            columns = _record_keys(data, container, fmt)
        except (ValueError, RecursionError) as exc:
            raise IngestError(
                f"{path}: cannot read as {container} ({_describe(exc)}); check the file is complete and its --format"
            ) from exc
    mapping = fmt.resolve(columns, options.column_map)
    raws = set(mapping.values())
    timestamps = (
        "absolute"
        if "arrival_ts" in raws
        else "relative"
        if raws & {"arrival_offset_s", "arrival_offset_ms"}
        else "missing"
    )
    closed_loop, notes = None, []
    cut_row = _cut_row(data, container, separator, len(columns))
    if cut_row is not None:
        line = cut_row + (container == "csv")
        cut_row = None if fmt.records else cut_row  # a nested format rejects the cut document itself
        notes.append(
            f"truncated: the file ends in the middle of line {line:,} (not loaded); line {line - 1:,} is "
            "the last complete one. Loading the complete file later stores each request once"
        )
    if fmt.concurrency and timestamps == "missing":
        loop = fmt.concurrency(path, data)
        if isinstance(loop, ClosedLoop):
            closed_loop, timestamps = loop, "relative"
            notes.append(
                f"arrivals rebuilt from {loop.clients} closed-loop clients ({loop.source}), each request's "
                f"latency in the file's order and {loop.idle_source}"
            )
        else:
            notes.append(f"{NO_ARRIVALS}; {loop}")
    elif timestamps == "missing":  # e.g. vLLM bench serve results without start_times
        notes.append(f"{NO_ARRIVALS}; `tracefit mine` skips this run's in-flight counts")
    return LogFile(
        path=path,
        data=data,
        format=fmt,
        container=container,
        separator=separator,
        sha256=sha,
        mapping=mapping,
        source=options.source or Path(plain_name(path)).stem,
        anchor=None if timestamps == "absolute" else options.start,
        timestamps=timestamps,
        has_request_ids="request_id" in raws,
        options=options,
        columns=tuple(columns),
        closed_loop=closed_loop,
        cut_row=cut_row,
        truncated=any(n.startswith("truncated") for n in notes),
        notes=tuple(notes),
    )


def _cut_row(path: Path, container: str, separator: str, fields: int) -> int | None:
    """The `__row` of the file's last line when the file ends in the middle of it: no newline at the
    end, and the line is not a whole record (JSON Lines: not valid JSON; CSV: fewer fields than the
    header). None for a complete file."""
    if container not in ("csv", "jsonl"):
        return None
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return None
        fh.seek(max(0, size - (1 << 20)))
        tail = fh.read()
        if tail.endswith(b"\n"):
            return None
        last = tail.rsplit(b"\n", 1)[-1]
        fh.seek(0)
        newlines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    if container == "jsonl":
        try:
            json.loads(last)
            return None
        except (ValueError, RecursionError):
            return newlines + 1  # lines are numbered from 1, blank ones included
    text = last.decode("utf-8", "replace").rstrip("\r")
    cells = next(csv.reader([text], delimiter=separator), [])
    return newlines if newlines and len(cells) < fields else None  # data rows follow the header line


def _format(name: str, columns: list[str], container: str, path: Path) -> Format:
    if name == "auto":
        return detect_format(columns, container)
    if name not in FORMATS:
        raise IngestError(f"{path}: unknown --format {name!r}; known: auto, {', '.join(FORMATS)}")
    if not FORMATS[name].accepts(container):
        raise IngestError(
            f"{path}: --format {name} reads JSON or JSON Lines, this file looks like "
            f"{container}; check the file or pick another --format"
        )
    return FORMATS[name]


def _record_keys(path: Path, container: str, fmt: Format, max_records: int = 1000) -> list[str]:
    """The raw fields a nested format's first records carry (its columns, for the mapping)."""
    keys: dict[str, None] = {}
    seen = 0
    for doc, problem in c.json_documents(path, container):
        if problem is None:
            try:
                records = fmt.records(doc)
            except (TypeError, ValueError, KeyError, AttributeError, IndexError):
                records = []
            for record in records[:max_records]:
                keys.update(dict.fromkeys(k for k in record if k in fmt.columns))
            seen += len(records)
        if seen >= max_records:
            break
    return list(keys)


def _container(path: Path) -> tuple[str, str]:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"PAR1"):
        return "parquet", ","
    container = SUFFIX_CONTAINER.get(path.suffix.lower())
    text = head.lstrip()
    if container in (None, "json", "jsonl") and text[:1] in (b"{", b"["):
        first = text.split(b"\n", 1)[0]
        container = "jsonl" if text[:1] == b"{" and _is_json_object(first) else "json"
    container = container or "csv"
    first_line = head.split(b"\n", 1)[0]
    tsv = path.suffix.lower() == ".tsv" or first_line.count(b"\t") > first_line.count(b",")
    return container, "\t" if tsv else ","


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply (over ~1000 levels)"
    return str(exc)


def _columns(path: Path, container: str, separator: str) -> list[str]:
    if container == "csv":
        return c.csv_header(path, separator)
    if container == "parquet":
        return c.parquet_columns(path)
    if container == "jsonl":
        return c.jsonl_first_keys(path)
    with open(path, "rb") as fh:
        document = json.load(fh)
    records = document if isinstance(document, list) else []
    keys: dict[str, None] = {}
    if isinstance(document, dict):  # nested formats are recognised by their top-level keys
        keys.update(dict.fromkeys(document))
        lists = (document[k] for f in FORMATS.values() for k in f.json_list_keys if isinstance(document.get(k), list))
        records = next(lists, [])  # a JSON document may hold its records under a key
    for record in records[: c.KEY_SAMPLE_RECORDS]:
        keys.update(dict.fromkeys(record) if isinstance(record, dict) else {})
    return list(keys)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
