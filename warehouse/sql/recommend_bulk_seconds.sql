-- Traffic classes: the (tenant, second) buckets whose requests are bulk (batch) traffic — the one place
-- the classification is decided (recommend/traffic_class.py documents the rule and its defaults). A
-- bucket is bulk when the tenant sent >= $burst_rps real requests (logged / sample rate) in that UTC
-- epoch second, seen as >= $min_logged logged requests, or the tenant is in $tenants. The tracefit root registers the result as the relation
-- tf_bulk_seconds (warehouse/inputs/recommend.py register_bulk_seconds) for the plan's range and the backtest's
-- range alike; recommend_*.sql and backtest_requests.sql join it. Requests without a tenant form one.
-- params: $models (VARCHAR[], names as logged), $since, $until (ISO timestamps or NULL = open),
--   $burst_rps (DOUBLE real req/s, NULL = no burst rule), $min_logged (INTEGER), $tenants (VARCHAR[], may be empty)
-- columns: tenant (VARCHAR, NULL = untenanted), second (BIGINT, epoch seconds UTC),
--   real_requests (DOUBLE, logged / sample rate), real_tokens (DOUBLE, prompt + output tokens / sample rate)
SELECT r.tenant, epoch_us(r.arrival_ts) // 1000000 AS second, sum(1.0 / i.sample_rate) AS real_requests,
       sum((r.prompt_tokens + r.output_tokens) / i.sample_rate) AS real_tokens
FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
WHERE list_contains($models::VARCHAR[], r.model)
  AND ($since::TIMESTAMPTZ IS NULL OR r.arrival_ts >= $since::TIMESTAMPTZ)
  AND ($until::TIMESTAMPTZ IS NULL OR r.arrival_ts < $until::TIMESTAMPTZ)
GROUP BY ALL
HAVING ($burst_rps::DOUBLE IS NOT NULL AND sum(1.0 / i.sample_rate) >= $burst_rps::DOUBLE
        AND count(*) >= $min_logged::INTEGER)
    OR list_contains($tenants::VARCHAR[], r.tenant)
ORDER BY second, tenant
