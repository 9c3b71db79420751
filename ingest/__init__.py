"""Read request logs of any supported format into the one canonical request schema.

`open_log(path, ReadOptions(...))` detects the format and gives the file's raw fields —
a Parquet scan DuckDB runs itself, or polars batches — and `ingest.normalize` the SQL that turns
them into canonical rows plus the rows it rejects (with a reason). Prompt and response text never
leaves this package: readers select only the columns the canonical schema needs. `readable(path)`
gives the file's content hash and, for a compressed log (gzip, bzip2, xz, zstd), its decompressed
copy for as long as it is read.
"""

from ingest.compression import readable
from ingest.errors import IngestError
from ingest.reader import LogFile, ReadOptions, open_log
from ingest.schema import REQUEST_SCHEMA, STATUSES, TOKEN_LATENCY_SCHEMA

__all__ = [
    "IngestError",
    "LogFile",
    "REQUEST_SCHEMA",
    "ReadOptions",
    "STATUSES",
    "TOKEN_LATENCY_SCHEMA",
    "open_log",
    "readable",
]
