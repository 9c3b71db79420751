-- Dashboard provenance: the ingest runs whose rows the warehouse holds, oldest first (truncated: the
-- file ended mid-line and its complete lines were loaded).
-- params: none
-- columns: run_id, path, format, source, status (loaded | truncated), sample_rate (0..1], rows_loaded,
--   finished_at (ISO-8601 UTC text)
SELECT run_id, path, format, source, status, sample_rate, rows_loaded,
       strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M UTC') AS finished_at
FROM ingest_runs
WHERE status IN ('loaded', 'truncated')
ORDER BY run_id
