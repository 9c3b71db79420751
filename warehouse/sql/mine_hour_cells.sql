-- Hour-of-week profile: the clustering features of each observed cell.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: none
-- columns: how_cell (0 = Mon 00 UTC .. 167), hours_observed (calendar hours of this cell between
--   the first and last arrival), requests, rps_real, tokens_per_s_real (real scale, mean over the
--   observed hours), rps_p50_real (median minute rate, empty minutes counted as 0),
--   prompt_tokens_p50/_p90, output_tokens_p50/_p90 (tokens, quantile_cont from counts)
WITH scope AS NOT MATERIALIZED (  -- read by several steps below: scan the TEMP table each time, never copy it
    SELECT * FROM tf_scope_rows
),
-- minute: minutes since the epoch (UTC), minute // 60 its hour
minutes AS (
    SELECT minute, sum(weight) AS real_requests
    FROM scope GROUP BY ALL
),
grid AS (
    SELECT g.minute, tf_how_cell(to_timestamp(g.minute * 60)) AS how_cell,
           coalesce(m.real_requests, 0) / 60.0 AS rps_real
    FROM (SELECT unnest(generate_series(min(minute) // 60 * 60, max(minute))) AS minute FROM minutes) g
    LEFT JOIN minutes m USING (minute)
),
hours AS (
    SELECT how_cell, count(DISTINCT minute // 60) AS hours_observed,
           quantile_cont(rps_real, 0.5) AS rps_p50_real
    FROM grid GROUP BY how_cell
),
-- integer lengths: quantiles from (cell, value) counts (tf_length_lists, 0007)
lists AS (
    SELECT k AS how_cell, is_output, vals, ends FROM tf_length_lists('tf_scope_rows', how_cell)
),
lengths AS (
    SELECT how_cell,
           any_value([tf_quantile_cont_counts(vals, ends, 0.5), tf_quantile_cont_counts(vals, ends, 0.9)])
               FILTER (WHERE is_output = 0) AS pq,
           any_value([tf_quantile_cont_counts(vals, ends, 0.5), tf_quantile_cont_counts(vals, ends, 0.9)])
               FILTER (WHERE is_output = 1) AS oq
    FROM lists GROUP BY how_cell
),
cells AS (
    SELECT how_cell, count(*) AS requests, sum(weight) AS real_requests,
           sum(weight * (prompt_tokens + output_tokens)) AS real_tokens
    FROM scope GROUP BY how_cell
)
SELECT h.how_cell, h.hours_observed::INTEGER AS hours_observed,
       coalesce(c.requests, 0) AS requests,
       coalesce(c.real_requests, 0) / (h.hours_observed * 3600.0) AS rps_real,
       coalesce(c.real_tokens, 0) / (h.hours_observed * 3600.0) AS tokens_per_s_real,
       h.rps_p50_real,
       l.pq[1] AS prompt_tokens_p50, l.pq[2] AS prompt_tokens_p90,
       l.oq[1] AS output_tokens_p50, l.oq[2] AS output_tokens_p90
FROM hours h LEFT JOIN cells c USING (how_cell) LEFT JOIN lengths l USING (how_cell)
ORDER BY h.how_cell
