"""Polars batches on their way into DuckDB: read ahead in a thread, handed over as whole row groups,
and watched for strictly increasing ids (then the duplicate count can be skipped)."""

import queue
import threading
from collections.abc import Iterable, Iterator

import polars as pl
import pyarrow as pa

from ingest.raw_sql import MAX_VALUE_CHARS


def distinct_ids(batches: Iterator[pl.Series]) -> bool:
    order = IdOrder()
    for ids in batches:
        if not order.see(ids):
            return False
    return True


class IdOrder:
    """Whether the raw id batches seen so far are strictly increasing (then their ids are distinct)."""

    def __init__(self) -> None:
        self.distinct, self.last = True, None

    def see(self, ids: pl.Series) -> bool:
        if self.distinct and ids.len():
            self.distinct, self.last = _increasing(ids, self.last), ids[-1]
        return self.distinct


def ahead(batches: Iterable, depth: int = 1) -> Iterator:
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


def row_groups(frame: pl.DataFrame, rows: int = 122_880) -> pa.Table:
    """`frame` as Arrow record batches of one DuckDB row group each (zero-copy slices): DuckDB
    scans an Arrow table one record batch per thread, so a single 1M-row chunk loads on one core.
    Strings stay polars' string views: the default large_string copies every string (~0.15-0.3 CPU s
    per 1M CSV rows) for the same insert cost."""
    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)
