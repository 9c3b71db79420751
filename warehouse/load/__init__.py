"""Load log files into the warehouse: one transaction per file, every row accounted for.

rows_read = rows_loaded + rows_rejected + rows_duplicate, per file, always. A file whose
content hash was loaded before is skipped; a killed load leaves the warehouse as it was.
Per-token gaps are staged and stored only for the rows that survive de-duplication.
"""

from warehouse.load.files import FileResult, ingest_file, ingest_paths

__all__ = ["FileResult", "ingest_file", "ingest_paths"]
