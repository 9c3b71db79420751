-- What the warehouse holds, per model.
-- params: none
-- columns: model, requests, tenants, first_arrival_ts, last_arrival_ts (UTC),
--   prompt_tokens_p50/_p99, output_tokens_p50/_p99 (tokens; continuous quantiles),
--   with_latency_share, error_share (0..1)
SELECT
    model,
    count(*) AS requests,
    count(DISTINCT tenant) AS tenants,
    min(arrival_ts) AS first_arrival_ts,
    max(arrival_ts) AS last_arrival_ts,
    quantile_cont(prompt_tokens, 0.5) AS prompt_tokens_p50,
    quantile_cont(prompt_tokens, 0.99) AS prompt_tokens_p99,
    quantile_cont(output_tokens, 0.5) AS output_tokens_p50,
    quantile_cont(output_tokens, 0.99) AS output_tokens_p99,
    avg(CASE WHEN e2e_ms IS NOT NULL OR ttft_ms IS NOT NULL THEN 1 ELSE 0 END) AS with_latency_share,
    avg(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS error_share
FROM requests
GROUP BY model
ORDER BY requests DESC, model
