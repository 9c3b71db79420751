-- What the warehouse holds, as a value that changes whenever new requests are loaded.
-- params: none
-- columns: loaded_runs (count), last_run_id, requests (count)
SELECT (SELECT count(*) FROM ingest_runs WHERE status IN ('loaded', 'truncated')) AS loaded_runs,
       (SELECT coalesce(max(run_id), 0) FROM ingest_runs WHERE status IN ('loaded', 'truncated')) AS last_run_id,
       (SELECT count(*) FROM requests) AS requests
