"""Independent jobs on forked worker processes, results in input order: every process pool in tracefit.

`fork_map(fn, items, workers, shared)` is `[fn(shared, item) for item in items]`, spread over `workers` forked
processes. `shared` (a plan, a trace, a step model: often large, sometimes unpicklable) reaches the workers by
fork, as a module global set just before the pool starts, so only the items and results are pickled. One
process (workers <= 1, or fewer than two items) runs the same calls in this process, so results never depend
on the worker count as long as `fn` is deterministic per item.
"""

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

CHUNKS_PER_WORKER = 4  # items are handed out in chunks, about this many per worker: fewer hand-offs, balanced ends

_SHARED: Any = None  # set in the parent just before forking, read by the workers


def fork_map(fn: Callable[[Any, Any], Any], items: Sequence, workers: int, shared: Any = None) -> list:
    """`[fn(shared, item) for item in items]` on `workers` forked processes, in order."""
    workers = min(workers, len(items))
    if workers <= 1:
        return [fn(shared, item) for item in items]
    global _SHARED
    previous, _SHARED = _SHARED, (fn, shared)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_call, items, chunksize=max(1, len(items) // (CHUNKS_PER_WORKER * workers)))
    finally:
        _SHARED = previous  # a worker's own in-process fork_map leaves its caller's job in place


def _call(item):
    fn, shared = _SHARED
    return fn(shared, item)
