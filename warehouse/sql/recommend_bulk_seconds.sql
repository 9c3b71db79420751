-- Traffic classes: the (tenant, second) buckets whose requests are bulk (batch) traffic — the one place
-- the classification is decided (recommend/traffic_class.py documents the rule and its defaults). A
-- bucket is bulk when the tenant sent >= $burst_rps real requests (logged / sample rate) in that UTC
-- epoch second, seen as >= $min_logged logged requests, or the tenant is in $tenants. The frame is passed as the relation tf_bulk_seconds
-- (warehouse/inputs/recommend.py) to the queries that split bulk from interactive traffic, for the plan's
-- range and the backtest's range alike (recommend_*.sql, backtest_requests.sql). Requests without a tenant form one.
-- params: $models (VARCHAR[], names as logged), $since, $until (ISO timestamps or NULL = open),
--   $burst_rps (DOUBLE real req/s, NULL = no burst rule), $min_logged (INTEGER), $tenants (VARCHAR[], may be empty)
-- columns: tenant (VARCHAR, NULL = untenanted), second (BIGINT, epoch seconds UTC),
--   real_requests (DOUBLE, logged / sample rate), real_tokens (DOUBLE, prompt + output tokens / sample rate),
--   real_prompt_tokens, real_output_tokens (DOUBLE, each / sample rate)
SELECT r.tenant, epoch_us(r.arrival_ts) // 1000000 AS second, sum(r.weight) AS real_requests,
       sum((r.prompt_tokens + r.output_tokens) / r.sample_rate) AS real_tokens,
       sum(r.prompt_tokens / r.sample_rate) AS real_prompt_tokens, sum(r.output_tokens / r.sample_rate) AS real_output_tokens
FROM tf_logged($models::VARCHAR[], $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) r
GROUP BY ALL
HAVING ($burst_rps::DOUBLE IS NOT NULL AND sum(r.weight) >= $burst_rps::DOUBLE
        AND count(*) >= $min_logged::INTEGER)
    OR list_contains($tenants::VARCHAR[], r.tenant)
ORDER BY second, tenant
