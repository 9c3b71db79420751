-- The columns every mining step reads, one row per request in scope: `tracefit mine` stores this
-- once per model as the TEMP table tf_scope_rows (mine_*.sql read it; one join with ingest_runs
-- instead of one per step). Latency, tenant and status columns are kept whether or not set.
-- params: $model, $since, $until
-- columns: arrival_ts (UTC), how_cell (0..167, INTEGER), weight (real requests per logged one),
--   prompt_tokens, output_tokens (tokens), status, tenant, ttft_ms, tpot_ms, e2e_ms (ms)
SELECT arrival_ts, how_cell::INTEGER AS how_cell, weight, prompt_tokens, output_tokens, status, tenant,
       ttft_ms, tpot_ms, e2e_ms
FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ)
