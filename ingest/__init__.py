"""Read request logs of any supported format into the one canonical request schema.

`open_log(path, ReadOptions(...))` detects the format and yields `Batch`es of canonical
rows plus the rows it rejected (with a reason). Prompt and response text never leaves
this package: readers select only the columns the canonical schema needs.
"""

from ingest.errors import IngestError
from ingest.reader import Batch, LogFile, ReadOptions, open_log
from ingest.schema import REQUEST_SCHEMA, STATUSES, TOKEN_LATENCY_SCHEMA

__all__ = [
    "Batch",
    "IngestError",
    "LogFile",
    "REQUEST_SCHEMA",
    "ReadOptions",
    "STATUSES",
    "TOKEN_LATENCY_SCHEMA",
    "open_log",
]
