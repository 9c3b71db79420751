-- Dashboard provenance: the ingest runs whose rows the warehouse holds, oldest first.
-- params: none
-- columns: run_id, path, format, source, sample_rate (0..1], rows_loaded,
--   finished_at (ISO-8601 UTC text)
SELECT run_id, path, format, source, sample_rate, rows_loaded,
       strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M UTC') AS finished_at
FROM ingest_runs
WHERE status = 'loaded'
ORDER BY run_id
