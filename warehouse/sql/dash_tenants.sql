-- Dashboard tenants: volume and lengths per model and tenant (NULL tenant as '(none)'). Mined rows
-- (mined_tenants, with outlier flags) for mined models; computed for others (outlier NULL).
-- params: none
-- columns: model, tenant, requests, prompt_tokens, output_tokens (token sums),
--   prompt_tokens_p50, prompt_tokens_p99 (tokens), outlier (NULL | length | rate | length+rate)
WITH mined AS (
    SELECT model, tenant, requests, prompt_tokens, output_tokens, prompt_tokens_p50, prompt_tokens_p99, outlier
    FROM mined_tenants
)
SELECT * FROM mined
UNION ALL
SELECT model, coalesce(tenant, '(none)') AS tenant, count(*) AS requests,
       sum(prompt_tokens)::BIGINT AS prompt_tokens, sum(output_tokens)::BIGINT AS output_tokens,
       quantile_cont(prompt_tokens, 0.5) AS prompt_tokens_p50,
       quantile_cont(prompt_tokens, 0.99) AS prompt_tokens_p99, NULL::VARCHAR AS outlier
FROM requests
WHERE model NOT IN (SELECT model FROM mined)
GROUP BY ALL
ORDER BY model, requests DESC, tenant
