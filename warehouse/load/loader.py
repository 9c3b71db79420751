"""Raw relations -> requests and rejected rows of one run: DuckDB scans a Parquet file itself; other
formats arrive as polars batches read in a worker thread. Per-token gaps are staged for the run."""

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import duckdb

from ingest import LogFile
from ingest.arrival import arrival_facts, arrival_facts_sql
from ingest.normalize import Context, Normalizer
from warehouse.db import WarehouseError, fetch_one
from warehouse.load.batches import IdOrder, ahead, distinct_ids, row_groups

RAW = "tf_raw"  # the raw relation (a TEMP view of a Parquet scan, or a registered batch) the ingest SQL reads
REQUEST_COLUMNS = (
    "source, request_id, arrival_ts, model, tenant, prompt_tokens, output_tokens, "
    "cached_prompt_tokens, ttft_ms, tpot_ms, e2e_ms, status, error_code, prefix_block_ids, source_row"
)


class Loader:
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


def load_parquet(loader: Loader, log: LogFile) -> bool:
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


def _scan_parquet(loader: Loader, log: LogFile) -> bool:
    con = loader.con
    (rows,) = fetch_one(con, f"SELECT count(*) FROM ({log.parquet_scan()})")
    with ThreadPoolExecutor(1) as pool:
        distinct = pool.submit(distinct_ids, log.request_ids()) if log.has_request_ids else None
        con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {log.parquet_scan()}")
        norm = loader.normalizer()  # facts of the whole file
        step = log.options.batch_rows
        for first in range(0, rows, step):
            end = min(rows, first + step)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {log.parquet_scan(first, end)}")
            loader.load(norm, end - first)
        return distinct.result() if distinct else False


def load_batches(loader: Loader, log: LogFile) -> bool:
    """Polars reads raw batches in a worker thread while DuckDB normalises and loads the previous one."""
    con = loader.con
    batches = ahead(log.raw_batches())
    loader.pending.append(batches)
    order = IdOrder()
    for raw in batches:
        con.register(RAW, row_groups(raw))
        loader.load(loader.normalizer(), raw.height)
        con.unregister(RAW)
        if log.has_request_ids:
            order.see(raw.get_column("request_id"))
    return order.distinct and log.has_request_ids
