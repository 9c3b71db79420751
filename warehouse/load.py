"""Load log files into the warehouse: one transaction per file, every row accounted for.

rows_read = rows_loaded + rows_rejected + rows_duplicate, per file, always. A file whose
content hash was loaded before is skipped; a killed load leaves the warehouse as it was.
Per-token gaps are staged and stored only for the rows that survive de-duplication.
"""

import contextlib
import functools
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from ingest import IngestError, LogFile, ReadOptions, open_log, readable
from ingest.diagnose import missing_required, nothing_loaded
from ingest.normalize import MAX_VALUE_CHARS, Context, Normalizer, arrival_facts, arrival_facts_sql
from ingest.reader import log_files
from warehouse.db import WarehouseError, fetch_one

RAW = "tf_raw"  # the raw relation (a TEMP view of a Parquet scan, or a registered batch) the ingest SQL reads
REQUEST_COLUMNS = (
    "source, request_id, arrival_ts, model, tenant, prompt_tokens, output_tokens, "
    "cached_prompt_tokens, ttft_ms, tpot_ms, e2e_ms, status, error_code, prefix_block_ids, source_row"
)


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
    loader = _Loader(con, run_id, log.context(), lambda rows: progress and progress(str(log.path), rows))
    # An order-preserving insert writes each Parquet row group (e.g. polars' 125,000 rows) as a full
    # DuckDB row group (122,880) plus a tail, and the commit's checkpoint then rewrites the table to
    # merge the tails (~45% of a Parquet load). Unordered, each thread packs full row groups; polars
    # batches are handed over as whole row groups already, so for them it changes little, and one
    # setting serves every load. `source_row` keeps the file order.
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    try:
        _replace_runs(con, previous, run_id)
        _insert_run(con, run_id, log, sample_rate)
        distinct = _load_parquet(loader, log) if log.native else _load_batches(loader, log)
        read, rejected = loader.read, loader.rejected
        if rejected == read and (read or missing_required(log)):
            raise _NothingLoaded(nothing_loaded(log, read, _reasons(con, run_id)), read)
        # rows without ids have ids of their own content (ingest/normalize.py), distinct within a file
        duplicate = _drop_duplicates(
            con, run_id, log.source, log.timestamps == "absolute", log.has_request_ids and not distinct
        )
        if loader.staged_tokens:
            _keep_token_latencies(con, run_id)
        loader.warnings += _swapped_lengths(con, run_id)
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


class _Loader:
    """Normalises and loads raw relations named RAW into one run, counting what it read."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, run_id: int, ctx: Context, progress: Callable[[int], object]
    ) -> None:
        self.con, self.run_id, self.ctx, self.progress = con, run_id, ctx, progress
        self.read = self.rejected = self.estimated = 0
        self.warnings: list[str] = []
        self.origin_s: float | None = None  # offsets' origin: the first relation's smallest offset
        self.staged_tokens = False
        self.pending: list[Iterator] = []

    def normalizer(self) -> Normalizer:
        types = dict(self.con.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {RAW})").fetchall())
        query = arrival_facts_sql(types, RAW)
        facts = arrival_facts(types, fetch_one(self.con, query) if query else None, self.origin_s)
        self.origin_s = facts.origin_s
        return Normalizer(relation=RAW, types=types, ctx=self.ctx, facts=facts)

    def load(self, norm: Normalizer, rows: int) -> None:
        """Load RAW's `rows` rows: canonical rows, then (only when some failed) the rejected ones."""
        run = {"run": self.run_id}
        (loaded,) = fetch_one(
            self.con,
            f"INSERT INTO requests (ingest_run_id, {REQUEST_COLUMNS}) SELECT $run, * FROM ({norm.requests_sql()})",
            run,
        )
        rejected = 0
        if loaded < rows:
            (rejected,) = fetch_one(
                self.con,
                f"INSERT INTO rejected_rows SELECT $run, source_row, reason, field_values FROM ({norm.rejected_sql()})",
                run,
            )
        if loaded + rejected != rows:
            raise WarehouseError(f"internal: {rows} rows read but {loaded} loaded + {rejected} rejected")
        if tokens := norm.token_latencies_sql():
            self.con.execute(f"CREATE TEMP TABLE IF NOT EXISTS tf_token_stage AS {tokens} LIMIT 0")
            self.con.execute(f"INSERT INTO tf_token_stage {tokens}")
            self.staged_tokens = True
        if "prompt_tokens_estimated" in norm.types and self.ctx.prompt_tokens is None:
            (estimated,) = fetch_one(self.con, f"SELECT count(*) FROM {RAW} WHERE prompt_tokens_estimated")
            self.estimated += estimated
        self.read += rows
        self.rejected += rejected
        self.progress(rows)

    def notes(self, log: LogFile) -> str | None:
        """What the loaded numbers rest on beyond the file's columns (ingest_runs.notes)."""
        notes = list(log.notes)
        notes += [f"skipped {count:,} {kind}" for kind, count in sorted(log.skipped.items())]
        notes += self.warnings
        if self.estimated:
            notes.append(
                f"prompt_tokens estimated from prompt text (characters / 4) for {self.estimated:,} rows; "
                "--prompt-tokens N gives the exact count of a fixed-length run"
            )
        return "; ".join(notes) or None

    def stop(self) -> None:
        for pending in self.pending:
            pending.close()  # stops a reading thread before a rollback

    def drop_view(self) -> None:
        self.con.unregister(RAW)  # a registered batch, if one is left
        self.con.execute(f"DROP VIEW IF EXISTS {RAW}")
        self.con.execute("RESET disabled_optimizers")
        self.con.execute("RESET preserve_insertion_order")


def _load_parquet(loader: _Loader, log: LogFile) -> bool:
    """DuckDB scans the file itself, `batch_rows` rows per statement (progress); returns whether
    the ids are distinct by order (checked by polars on the id column in a thread meanwhile)."""
    con = loader.con
    # DuckDB 2.0 reads Parquet float statistics as "no NaN" even where polars wrote NaNs, and its
    # statistics propagation then folds isnan(x) to false: NaN latencies would load as NaN, not NULL
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
    try:
        return _scan_parquet(loader, log)
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses it; drop_view resets
            con.execute("RESET disabled_optimizers")


def _scan_parquet(loader: _Loader, log: LogFile) -> bool:
    con = loader.con
    (rows,) = fetch_one(con, f"SELECT count(*) FROM ({log.parquet_scan()})")
    with ThreadPoolExecutor(1) as pool:
        distinct = pool.submit(_distinct, log.request_ids()) if log.has_request_ids else None
        con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {log.parquet_scan()}")
        norm = loader.normalizer()  # facts of the whole file
        step = log.options.batch_rows
        for first in range(0, rows, step):
            end = min(rows, first + step)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {log.parquet_scan(first, end)}")
            loader.load(norm, end - first)
        return distinct.result() if distinct else False


def _load_batches(loader: _Loader, log: LogFile) -> bool:
    """Polars reads raw batches in a worker thread while DuckDB normalises and loads the previous one."""
    con = loader.con
    batches = _ahead(log.raw_batches())
    loader.pending.append(batches)
    order = _IdOrder()
    for raw in batches:
        con.register(RAW, _row_groups(raw))
        loader.load(loader.normalizer(), raw.height)
        con.unregister(RAW)
        if log.has_request_ids:
            order.see(raw.get_column("request_id"))
    return order.distinct and log.has_request_ids


def _distinct(batches: Iterator[pl.Series]) -> bool:
    order = _IdOrder()
    for ids in batches:
        if not order.see(ids):
            return False
    return True


class _IdOrder:
    """Whether the raw id batches seen so far are strictly increasing (then their ids are distinct)."""

    def __init__(self) -> None:
        self.distinct, self.last = True, None

    def see(self, ids: pl.Series) -> bool:
        if self.distinct and ids.len():
            self.distinct, self.last = _increasing(ids, self.last), ids[-1]
        return self.distinct


def _insert_run(
    con, run_id: int, log: LogFile, sample_rate: float, status: str = "running", error: str | None = None
) -> None:
    con.execute(
        "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
        "anchor_ts, prefix_block_tokens, column_map, status, error, started_at) VALUES "
        "($run, $path, $sha, $fmt, $source, $rate, $ts, $anchor, $block, $map, $status, $error, now())",
        {
            "run": run_id,
            "path": str(log.path.resolve()),
            "sha": log.sha256,
            "fmt": log.format.name,
            "source": log.source,
            "rate": sample_rate,
            "ts": log.timestamps,
            "anchor": log.anchor,
            "block": log.format.prefix_block_tokens,
            "map": json.dumps(log.mapping),
            "status": status,
            "error": error,
        },
    )


def _failed(con, run_id: int, log: LogFile, sample_rate: float, message: str, rows_read: int = 0) -> FileResult:
    """A failed file: its run is recorded (not as loaded: a later run loads it), its rows are not."""
    _insert_run(con, run_id, log, sample_rate, status="failed", error=message)
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


SWAP_MIN_ROWS = 20
SWAP_RATIO = 4.0  # median output / median prompt above which the columns look swapped


def _swapped_lengths(con, run_id: int) -> list[str]:
    """A warning when prompt and output token columns look swapped: in serving logs the median output
    is shorter than the median prompt (Azure 2023 code 2,048 -> 28 tokens, conversation 1,020 -> 129;
    BurstGPT, Mooncake alike); a median output over SWAP_RATIO x the median prompt rarely is real."""
    n, prompt, output = fetch_one(
        con,
        "SELECT count(*), median(prompt_tokens), median(output_tokens) FROM requests "
        "WHERE ingest_run_id = $run AND status = 'ok'",
        {"run": run_id},
    )
    if n < SWAP_MIN_ROWS or not output or output <= SWAP_RATIO * max(prompt or 0, 1):
        return []
    return [
        f"warning: median output_tokens {output:,.0f} is {output / max(prompt, 1):,.0f}x the median "
        f"prompt_tokens {prompt:,.0f}: are the two columns swapped? (--map prompt_tokens=COLUMN "
        "--map output_tokens=COLUMN, then --force)"
    ]


def _reasons(con, run_id: int) -> list[tuple[str, int]]:
    """This run's rejection reasons, most frequent first (read before the rollback drops them)."""
    return con.execute(
        "SELECT reason, count(*) AS n FROM rejected_rows WHERE ingest_run_id = $run "
        "GROUP BY reason ORDER BY n DESC, reason LIMIT 3",
        {"run": run_id},
    ).fetchall()


def _replace_runs(con, runs: list[int], by: int) -> None:
    """Delete the rows of earlier loads of the same file (--force), inside the new load's transaction."""
    if not runs:
        return
    for table in ("requests", "request_token_latencies", "rejected_rows"):
        con.execute(f"DELETE FROM {table} WHERE list_contains($runs, ingest_run_id)", {"runs": runs})
    con.execute(
        "UPDATE ingest_runs SET status = 'replaced', error = $why WHERE list_contains($runs, run_id)",
        {"runs": runs, "why": f"replaced by run {by} (--force)"},
    )


def _keep_token_latencies(con, run_id: int) -> None:
    """Store the staged gaps of the rows that survived de-duplication (matched by source_row)."""
    con.execute(
        """
        INSERT INTO request_token_latencies
        SELECT $run, t.source, t.request_id, t.token_index, t.itl_ms
        FROM tf_token_stage t
        SEMI JOIN (SELECT source, request_id, source_row FROM requests WHERE ingest_run_id = $run) r
          ON r.source = t.source AND r.request_id = t.request_id AND r.source_row = t.source_row
        ORDER BY t.source_row, t.token_index
        """,
        {"run": run_id},
    )
    con.execute("DROP TABLE tf_token_stage")


def _ahead(batches: Iterable, depth: int = 1) -> Iterator:
    """`batches`, produced in a worker thread at most `depth` ahead of the consumer: polars
    normalises batch k+1 while DuckDB inserts batch k (both release the GIL)."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((done, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            slots.put((done, exc))

    worker = threading.Thread(target=produce, name="tracefit-normalize", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = slots.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            try:
                slots.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()


def _increasing(ids: pl.Series, after: object) -> bool:
    """Whether raw `ids` are strictly increasing, all above `after` (the previous batch's last), none
    missing and (text) none empty or over the length cap: then their canonical ids are all distinct,
    and the duplicate count can be skipped."""
    try:
        if ids.null_count() or (after is not None and not ids[0] > after):
            return False
    except TypeError:  # a batch of another type than the last
        return False
    if ids.dtype == pl.String:
        lengths = ids.str.len_bytes()
        if lengths.min() == 0 or lengths.max() > MAX_VALUE_CHARS:
            return False
    try:
        return ids.len() < 2 or bool((ids.slice(1) > ids.slice(0, ids.len() - 1)).all())
    except (pl.exceptions.PolarsError, TypeError):  # ids of a type without an order
        return False


def _row_groups(frame: pl.DataFrame, rows: int = 122_880) -> pa.Table:
    """`frame` as Arrow record batches of one DuckDB row group each (zero-copy slices): DuckDB
    scans an Arrow table one record batch per thread, so a single 1M-row chunk loads on one core.
    Strings stay polars' string views: the default large_string copies every string (~0.15-0.3 CPU s
    per 1M CSV rows) for the same insert cost."""
    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


def _drop_duplicates(con, run_id: int, source: str, absolute_ts: bool, may_repeat: bool = True) -> int:
    """Delete this run's rows whose (source, request_id) repeats in the run or is already stored.

    Built for scale (bench/scale.py): the within-run window runs only when a hash count finds a
    repeat, and with absolute timestamps the stored side is limited to this run's arrival span
    (zone maps skip the rest), so the cost follows the new file, not the warehouse. The cost: a
    re-logged id whose stored arrival lies outside the new file's span is kept as a new request.
    """
    (repeats,) = (
        fetch_one(
            con,
            "SELECT count(*) FROM (SELECT 1 FROM requests WHERE ingest_run_id = $run "
            "GROUP BY source, request_id HAVING count(*) > 1)",
            {"run": run_id},
        )
        if may_repeat
        else (0,)
    )
    lo, hi = fetch_one(
        con,
        "SELECT epoch_us(min(arrival_ts)), epoch_us(max(arrival_ts)) FROM requests WHERE ingest_run_id = $run",
        {"run": run_id},
    )
    if lo is None:
        return 0
    span = "AND arrival_ts BETWEEN make_timestamptz($lo) AND make_timestamptz($hi)" if absolute_ts else ""
    bounds = {"lo": lo, "hi": hi} if absolute_ts else {}
    (stored,) = fetch_one(
        con,
        f"SELECT count(*) FROM (SELECT 1 FROM requests WHERE ingest_run_id <> $run "
        f"AND source = $source {span} LIMIT 1)",
        {"run": run_id, "source": source, **bounds},
    )
    if not repeats and not stored:  # the usual case: a new file of new requests, nothing to delete
        return 0
    nth = "row_number() OVER (PARTITION BY source, request_id ORDER BY source_row)" if repeats else "1"
    (count,) = fetch_one(
        con,
        f"""
        DELETE FROM requests WHERE rowid IN (
            WITH mine AS (
                SELECT rowid AS rid, source, request_id, {nth} AS nth
                FROM requests WHERE ingest_run_id = $run
            )
            SELECT rid FROM mine WHERE nth > 1
            UNION ALL
            SELECT m.rid FROM mine m
            SEMI JOIN (SELECT source, request_id FROM requests
                       WHERE ingest_run_id <> $run AND source = $source {span}) o
              ON o.source = m.source AND o.request_id = m.request_id
            WHERE m.nth = 1
        )
        """,
        {"run": run_id, "source": source, **bounds},
    )
    return count
