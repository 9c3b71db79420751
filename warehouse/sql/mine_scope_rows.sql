-- The columns every mining step reads, one row per request in scope, as narrow as the values allow:
-- `tracefit mine` stores them once per model as the TEMP table tf_scope_stored (in memory uncompressed,
-- ~30 B/request instead of ~65 when all were stored) and the steps read the TEMP view tf_scope_rows
-- over it, which adds arrival_us, minute, minute_ts and how_cell (integer arithmetic on epoch
-- microseconds: the same values as date_trunc / tf_how_cell, without ICU) — warehouse/mine/store.py.
-- store.py stores weight only when the scope's runs differ in sample_rate (else one constant), the
-- latency columns only when some are set, and lengths as INTEGER when they fit.
-- params: $model, $since, $until
-- columns: arrival_ts (UTC), weight (real requests per logged one), prompt_tokens, output_tokens
--   (tokens), status_code (UTINYINT: 0 ok, 1 error, 2 timeout, 3 rejected, 4 cancelled, 5 any other),
--   tenant, ttft_ms, tpot_ms, e2e_ms (ms), has_arrival (BOOLEAN: false when the request's run was
--   logged without arrival times, ingest_runs.timestamps = 'missing')
SELECT r.arrival_ts, r.weight, r.prompt_tokens, r.output_tokens,
       CASE r.status WHEN 'ok' THEN 0 WHEN 'error' THEN 1 WHEN 'timeout' THEN 2 WHEN 'rejected' THEN 3
                     WHEN 'cancelled' THEN 4 ELSE 5 END::UTINYINT AS status_code,
       r.tenant, r.ttft_ms, r.tpot_ms, r.e2e_ms, r.run_timestamps <> 'missing' AS has_arrival
FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) r
