-- Recommender input: each window's length quantiles and prompt + output counts on a 256-token grid.
-- params: $model (VARCHAR), $cells (INTEGER[] hour-of-week cells), $windows (INTEGER[] window index per cell),
--   $since, $until (ISO timestamps or NULL = open: the mined range, recommend_mined_scope.sql)
-- columns: window_id, requests (logged), real_requests (logged / sample rate),
--   grid_len_tokens (INTEGER[]: ceil((prompt + output) / 256) * 256,
--   at least 256), grid_requests (BIGINT[] requests per grid length, same order),
--   prompt_{p50,p90,p95,p99,p999,max,mean}, output_{...} (tokens, continuous quantiles)
-- Lengths are integers: quantiles come from (value, count) pairs (tf_quantile_cont_counts, migration
-- 0003; the same order statistics as quantile_cont), so memory follows distinct lengths, not requests.
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
),
scoped AS NOT MATERIALIZED (  -- read three times below: scanned each time, never copied
    SELECT w.window_id, s.prompt_tokens, s.output_tokens, s.weight
    FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
    JOIN cell_window w ON w.how_cell = s.how_cell
    WHERE s.prompt_tokens >= 1 AND s.output_tokens >= 1
),
grid AS (
    SELECT window_id, list(grid_len ORDER BY grid_len) AS grid_len_tokens, list(n ORDER BY grid_len) AS grid_requests,
           sum(n) AS requests, sum(w) AS real_requests
    FROM (SELECT window_id, greatest(ceil((prompt_tokens + output_tokens) / 256.0), 1)::INTEGER * 256 AS grid_len,
                 count(*) AS n, sum(weight) AS w
          FROM scoped GROUP BY ALL)
    GROUP BY window_id
),
counts AS (
    SELECT window_id, metric, value, sum(c) OVER (PARTITION BY window_id, metric ORDER BY value) AS cum, c
    FROM (SELECT window_id, 'prompt' AS metric, prompt_tokens AS value, count(*) AS c FROM scoped GROUP BY ALL
          UNION ALL
          SELECT window_id, 'output', output_tokens, count(*) FROM scoped GROUP BY ALL)
),
lengths AS (
    SELECT window_id, metric, max(value) AS max, sum(value * c) / sum(c) AS mean,
           list(value ORDER BY value) AS vals, list(cum ORDER BY value) AS ends
    FROM counts GROUP BY window_id, metric
),
stats AS (
    SELECT window_id,
           [tf_quantile_cont_counts(p.vals, p.ends, q) FOR q IN [0.5, 0.9, 0.95, 0.99, 0.999]] AS pq,
           p.max AS prompt_max, p.mean AS prompt_mean,
           [tf_quantile_cont_counts(o.vals, o.ends, q) FOR q IN [0.5, 0.9, 0.95, 0.99, 0.999]] AS oq,
           o.max AS output_max, o.mean AS output_mean
    FROM (SELECT * FROM lengths WHERE metric = 'prompt') p
    JOIN (SELECT * FROM lengths WHERE metric = 'output') o USING (window_id)
)
SELECT g.window_id, g.requests, g.real_requests, g.grid_len_tokens, g.grid_requests,
       pq[1] AS prompt_p50, pq[2] AS prompt_p90, pq[3] AS prompt_p95, pq[4] AS prompt_p99, pq[5] AS prompt_p999,
       prompt_max, prompt_mean,
       oq[1] AS output_p50, oq[2] AS output_p90, oq[3] AS output_p95, oq[4] AS output_p99, oq[5] AS output_p999,
       output_max, output_mean
FROM stats s JOIN grid g USING (window_id)
ORDER BY g.window_id
