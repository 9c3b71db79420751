"""One file into the warehouse in one transaction: skipped when loaded before, failed when no row loads.

rows_read = rows_loaded + rows_rejected + rows_duplicate, per file, always; a killed load leaves the
warehouse as it was.
"""

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from ingest import IngestError, LogFile, ReadOptions, open_log, readable
from ingest.diagnose import missing_required, nothing_loaded
from ingest.reader import log_files
from warehouse.db import WarehouseError, fetch_one
from warehouse.load.dedup import drop_duplicates
from warehouse.load.loader import Loader, load_batches, load_parquet
from warehouse.load.runs import insert_run, keep_token_latencies, reasons, replace_runs, swapped_lengths


@dataclass(frozen=True, slots=True, kw_only=True)
class FileResult:
    path: str
    format: str | None
    status: str  # loaded | truncated (loaded, the file ends mid-line) | skipped | failed (no request)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    run_id: int | None = None
    message: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: list[str | Path],
    options: ReadOptions,
    sample_rate: float = 1.0,
    progress: Callable[[str, int], None] | None = None,
    reading: Callable[[str, str, int, int], None] | None = None,
    *,
    force: bool = False,
) -> list[FileResult]:
    """Ingest each file (a folder: its log files); a file that cannot be read fails alone, the others
    still load. `progress(path, rows)` counts rows as they load; `reading(path, what, done, total)`
    reports bytes while a file is hashed or decompressed, before its rows. `force`: a file loaded
    before is loaded again, its earlier rows replaced."""
    if not 0 < sample_rate <= 1:
        raise WarehouseError(f"--sample-rate {sample_rate}: must be in (0, 1], e.g. 0.01 for a 1% sample")
    results = []
    for path in _files(paths):
        if progress:
            progress(str(path), 0)  # the file shows while it is decompressed and hashed, before its rows
        try:
            report = functools.partial(reading, str(path)) if reading else None
            with readable(Path(path), report) as (data, sha256):  # a compressed log: its decompressed copy
                results.append(
                    ingest_file(con, open_log(path, options, data, sha256), sample_rate, progress, force=force)
                )
        except IngestError as exc:
            results.append(FileResult(path=str(path), format=None, status="failed", message=str(exc)))
    return results


def _files(paths: list[str | Path]) -> list[str | Path]:
    """The paths, each folder replaced by its log files (an empty folder stays: it fails, named)."""
    return [file for path in paths for file in ((log_files(path) or [path]) if Path(path).is_dir() else [path])]


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    log: LogFile,
    sample_rate: float = 1.0,
    progress: Callable[[str, int], None] | None = None,
    *,
    force: bool = False,
) -> FileResult:
    """Load one file in one transaction. A file whose every row is rejected fails (nothing stored,
    not marked as ingested); `force` replaces the rows of an earlier load of the same content."""
    previous = [
        run
        for (run,) in con.execute(
            "SELECT run_id FROM ingest_runs WHERE sha256 = $sha AND status IN ('loaded', 'truncated') ORDER BY run_id",
            {"sha": log.sha256},
        ).fetchall()
    ]
    if previous and not force:
        return FileResult(
            path=str(log.path),
            format=log.format.name,
            status="skipped",
            run_id=previous[0],
            message=f"already ingested as run {previous[0]}; --force loads it again, "
            "replacing that run's rows (e.g. with a new --map or --model)",
        )
    (run_id,) = fetch_one(con, "SELECT nextval('ingest_run_seq')")
    loader = Loader(con, run_id, log.context(), lambda rows: progress and progress(str(log.path), rows))
    # An order-preserving insert writes each Parquet row group (e.g. polars' 125,000 rows) as a full
    # DuckDB row group (122,880) plus a tail, and the commit's checkpoint then rewrites the table to
    # merge the tails (~45% of a Parquet load). Unordered, each thread packs full row groups; polars
    # batches are handed over as whole row groups already, so for them it changes little, and one
    # setting serves every load. `source_row` keeps the file order.
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    try:
        replace_runs(con, previous, run_id)
        insert_run(con, run_id, log, sample_rate)
        distinct = load_parquet(loader, log) if log.native else load_batches(loader, log)
        read, rejected = loader.read, loader.rejected
        if rejected == read and (read or missing_required(log)):
            raise _NothingLoaded(nothing_loaded(log, read, reasons(con, run_id)), read)
        # rows without ids have ids of their own content (ingest/normalize.py `_synthesized_id`), distinct within a file
        duplicate = drop_duplicates(
            con, run_id, log.source, log.timestamps == "absolute", log.has_request_ids and not distinct
        )
        if loader.staged_tokens:
            keep_token_latencies(con, run_id)
        loader.warnings += swapped_lengths(con, run_id)
        loaded = read - rejected - duplicate
        notes, status = loader.notes(log), "truncated" if log.truncated else "loaded"
        con.execute(
            "UPDATE ingest_runs SET status = $status, finished_at = now(), rows_read = $r, rows_loaded = $l, "
            "rows_rejected = $j, rows_duplicate = $d, notes = $notes WHERE run_id = $run",
            {"status": status, "r": read, "l": loaded, "j": rejected, "d": duplicate, "notes": notes, "run": run_id},
        )
        con.execute("COMMIT")
    except BaseException as exc:
        loader.stop()
        con.execute("ROLLBACK")
        loader.drop_view()
        if isinstance(exc, IngestError):
            return _failed(con, run_id, log, sample_rate, str(exc), getattr(exc, "rows_read", 0))
        if isinstance(exc, duckdb.Error):
            raise WarehouseError(f"{log.path}: loading failed ({exc}); the warehouse is unchanged") from exc
        raise
    loader.drop_view()
    return FileResult(
        path=str(log.path),
        format=log.format.name,
        status=status,
        rows_read=read,
        rows_loaded=loaded,
        rows_rejected=rejected,
        rows_duplicate=duplicate,
        run_id=run_id,
        message=notes,
    )


def _failed(con, run_id: int, log: LogFile, sample_rate: float, message: str, rows_read: int = 0) -> FileResult:
    """A failed file: its run is recorded (not as loaded: a later run loads it), its rows are not."""
    insert_run(con, run_id, log, sample_rate, status="failed", error=message)
    return FileResult(
        path=str(log.path),
        format=log.format.name,
        status="failed",
        run_id=run_id,
        rows_read=rows_read,
        rows_rejected=rows_read,
        message=message,
    )


class _NothingLoaded(IngestError):
    """Every row of the file was rejected: a failed file, rolled back."""

    def __init__(self, message: str, rows_read: int) -> None:
        super().__init__(message)
        self.rows_read = rows_read
