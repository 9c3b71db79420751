-- Ingest runs, newest first.
-- params: none
-- columns: run_id, path, format, source, status, sample_rate, timestamps, rows_read,
--   rows_loaded, rows_rejected, rows_duplicate, finished_at (UTC)
SELECT run_id, path, format, source, status, sample_rate, timestamps, rows_read, rows_loaded,
       rows_rejected, rows_duplicate, finished_at
FROM ingest_runs
ORDER BY run_id DESC
