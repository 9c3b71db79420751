-- Recommender input: each window's length quantiles and prompt + output counts on a 256-token grid.
-- params: $model (VARCHAR), $cells (INTEGER[] hour-of-week cells), $windows (INTEGER[] window index per cell),
--   $since, $until (ISO timestamps or NULL = open: the mined range, recommend_mined_scope.sql)
-- columns: window_id, requests (logged), real_requests (logged / sample rate),
--   grid_len_tokens (INTEGER[]: ceil((prompt + output) / 256) * 256,
--   at least 256), grid_requests (BIGINT[] requests per grid length, same order),
--   prompt_{p50,p90,p95,p99,p999,max,mean}, output_{...} (tokens, continuous quantiles)
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
),
scoped AS (
    SELECT w.window_id, s.prompt_tokens, s.output_tokens, s.weight,
           greatest(ceil((s.prompt_tokens + s.output_tokens) / 256.0), 1)::INTEGER * 256 AS grid_len
    FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
    JOIN cell_window w ON w.how_cell = s.how_cell
    WHERE s.prompt_tokens >= 1 AND s.output_tokens >= 1
),
grid AS (
    SELECT window_id, list(grid_len ORDER BY grid_len) AS grid_len_tokens, list(n ORDER BY grid_len) AS grid_requests
    FROM (SELECT window_id, grid_len, count(*) AS n FROM scoped GROUP BY ALL) GROUP BY window_id
),
stats AS (
    SELECT window_id, count(*) AS requests, sum(weight) AS real_requests,
           quantile_cont(prompt_tokens, [0.5, 0.9, 0.95, 0.99, 0.999]) AS pq, max(prompt_tokens) AS prompt_max,
           avg(prompt_tokens) AS prompt_mean,
           quantile_cont(output_tokens, [0.5, 0.9, 0.95, 0.99, 0.999]) AS oq, max(output_tokens) AS output_max,
           avg(output_tokens) AS output_mean
    FROM scoped GROUP BY window_id
)
SELECT s.window_id, s.requests, s.real_requests, g.grid_len_tokens, g.grid_requests,
       pq[1] AS prompt_p50, pq[2] AS prompt_p90, pq[3] AS prompt_p95, pq[4] AS prompt_p99, pq[5] AS prompt_p999,
       prompt_max, prompt_mean,
       oq[1] AS output_p50, oq[2] AS output_p90, oq[3] AS output_p95, oq[4] AS output_p99, oq[5] AS output_p999,
       output_max, output_mean
FROM stats s JOIN grid g USING (window_id)
ORDER BY s.window_id
