-- Dashboard overview: one row of headline totals over all requests.
-- params: none
-- columns: requests, prompt_tokens, output_tokens (token sums), models, tenants (distinct counts),
--   non_ok_share (0..1, status <> 'ok'), with_latency_share (0..1, ttft_ms or e2e_ms present),
--   first_arrival, last_arrival (ISO-8601 UTC text; text so no driver needs a time-zone library)
SELECT count(*) AS requests,
       coalesce(sum(prompt_tokens), 0)::BIGINT AS prompt_tokens,
       coalesce(sum(output_tokens), 0)::BIGINT AS output_tokens,
       count(DISTINCT model) AS models,
       count(DISTINCT tenant) AS tenants,
       coalesce(avg((status <> 'ok')::INTEGER), 0) AS non_ok_share,
       coalesce(avg((ttft_ms IS NOT NULL OR e2e_ms IS NOT NULL)::INTEGER), 0) AS with_latency_share,
       strftime(min(arrival_ts) AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M UTC') AS first_arrival,
       strftime(max(arrival_ts) AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M UTC') AS last_arrival
FROM requests
