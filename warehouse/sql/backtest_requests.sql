-- Backtest / calibration: the logged requests of some models in [since, until), to replay.
-- params: models (VARCHAR[], names as logged), since (TIMESTAMPTZ, inclusive), until (TIMESTAMPTZ,
--   exclusive)
-- columns: arrival_s (DOUBLE, epoch seconds UTC), prompt_tokens, output_tokens (tokens, both >= 1),
--   sample_rate (the request's ingest run's share of real traffic, (0, 1]), status (ok | error | ...),
--   ttft_ms, tpot_ms, e2e_ms (measured latencies in ms, NULL where not logged), bulk (BOOLEAN: the
--   request's (tenant, second) is in the relation tf_bulk_seconds: recommend_bulk_seconds.sql's frame
--   for the plan's rule, passed to this query by warehouse/inputs/requests.py)
SELECT epoch_us(r.arrival_ts) / 1e6 AS arrival_s, r.prompt_tokens, r.output_tokens, r.sample_rate,
       r.status, r.ttft_ms, r.tpot_ms, r.e2e_ms, b.second IS NOT NULL AS bulk
FROM tf_logged($models::VARCHAR[], $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) r
LEFT JOIN tf_bulk_seconds b ON b.tenant IS NOT DISTINCT FROM r.tenant
    AND b.second = epoch_us(r.arrival_ts) // 1000000
WHERE r.prompt_tokens > 0 AND r.output_tokens > 0
ORDER BY r.arrival_ts
