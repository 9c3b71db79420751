-- The columns every mining step reads, one row per request in scope: `tracefit mine` stores this
-- once per model as the TEMP table tf_scope_rows (mine_*.sql read it; one join with ingest_runs
-- instead of one per step). Latency, tenant and status columns are kept whether or not set.
-- Minute and hour-of-week come from integer arithmetic on epoch microseconds (UTC; 1970-01-01 was a
-- Thursday, isodow 4): same values as date_trunc('minute', ·) and tf_how_cell, ~10× cheaper (no ICU).
-- params: $model, $since, $until
-- columns: arrival_ts, minute_ts (UTC, start of the arrival's minute), how_cell (0..167, INTEGER),
--   weight (real requests per logged one), prompt_tokens, output_tokens (tokens), status, tenant,
--   ttft_ms, tpot_ms, e2e_ms (ms)
SELECT r.arrival_ts,
       to_timestamp(epoch_us(r.arrival_ts) // 60000000 * 60) AS minute_ts,
       (((epoch_us(r.arrival_ts) // 86400000000 + 3) % 7) * 24 + (epoch_us(r.arrival_ts) // 3600000000) % 24)::INTEGER
           AS how_cell,
       1.0 / i.sample_rate AS weight, r.prompt_tokens, r.output_tokens, r.status, r.tenant, r.ttft_ms, r.tpot_ms,
       r.e2e_ms
FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
WHERE r.model = $model
  AND ($since::TIMESTAMPTZ IS NULL OR r.arrival_ts >= $since::TIMESTAMPTZ)
  AND ($until::TIMESTAMPTZ IS NULL OR r.arrival_ts < $until::TIMESTAMPTZ)
