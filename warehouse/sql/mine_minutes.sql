-- Arrivals per UTC minute from the first to the last arrival (empty minutes as 0).
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: minute_ts (UTC), regime_id, requests, rps, rps_real (req/s), prompt_tokens_per_s,
--   output_tokens_per_s (as logged), tokens_per_s_real (prompt + output, real scale),
--   non_ok (requests with status <> 'ok'), prompt_tokens_mean (tokens; NULL in empty minutes)
WITH scope AS (
    SELECT * FROM tf_scope_rows
),
counts AS (
    SELECT minute, count(*) AS requests, sum(weight) AS real_requests,
           sum(prompt_tokens) AS prompt_tokens, sum(output_tokens) AS output_tokens,
           sum(weight * (prompt_tokens + output_tokens)) AS real_tokens,
           count(*) FILTER (WHERE status_code <> 0) AS non_ok  -- not 'ok'
    FROM scope GROUP BY ALL
),
grid AS (
    SELECT unnest(generate_series(min(minute), max(minute))) AS minute FROM counts
)
SELECT to_timestamp(g.minute * 60) AS minute_ts, h.regime_id,
       coalesce(c.requests, 0) AS requests,
       coalesce(c.requests, 0) / 60.0 AS rps,
       coalesce(c.real_requests, 0) / 60.0 AS rps_real,
       coalesce(c.prompt_tokens, 0) / 60.0 AS prompt_tokens_per_s,
       coalesce(c.output_tokens, 0) / 60.0 AS output_tokens_per_s,
       coalesce(c.real_tokens, 0) / 60.0 AS tokens_per_s_real,
       coalesce(c.non_ok, 0) AS non_ok,
       c.prompt_tokens / c.requests AS prompt_tokens_mean
FROM grid g
LEFT JOIN counts c USING (minute)
LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = tf_how_cell(to_timestamp(g.minute * 60))
ORDER BY g.minute
