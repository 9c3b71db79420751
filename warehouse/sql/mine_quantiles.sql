-- {count, mean, min, p25..p999, max} per metric, for the whole scope (regime_id NULL) and per regime.
-- Lengths over all requests; latencies (ttft_ms, tpot_ms, e2e_ms) over status 'ok' only.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: regime_id, metric, count, mean, min, p25, p50, p75, p90, p95, p99, p999, max
--   (tokens or ms as the metric name says; quantile_cont; count 0 when the metric has no values)
WITH scope AS (
    SELECT * FROM (SELECT s.*, h.regime_id FROM tf_scope_rows s
      LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = s.how_cell)
),
long AS (
    SELECT regime_id, m.metric,
           CASE m.metric
               WHEN 'prompt_tokens' THEN prompt_tokens
               WHEN 'output_tokens' THEN output_tokens
               WHEN 'total_tokens' THEN prompt_tokens + output_tokens
               WHEN 'ttft_ms' THEN CASE WHEN status = 'ok' THEN ttft_ms END
               WHEN 'tpot_ms' THEN CASE WHEN status = 'ok' THEN tpot_ms END
               WHEN 'e2e_ms' THEN CASE WHEN status = 'ok' THEN e2e_ms END
           END::DOUBLE AS value
    FROM scope
    CROSS JOIN (VALUES ('prompt_tokens'), ('output_tokens'), ('total_tokens'),
                       ('ttft_ms'), ('tpot_ms'), ('e2e_ms')) m(metric)
),
agg AS (
    SELECT regime_id, metric, count(value) AS count, avg(value) AS mean, min(value) AS min,
           quantile_cont(value, [0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) AS q, max(value) AS max
    FROM long
    GROUP BY GROUPING SETS ((metric), (regime_id, metric))
)
SELECT regime_id, metric, count, mean, min, q[1] AS p25, q[2] AS p50, q[3] AS p75, q[4] AS p90,
       q[5] AS p95, q[6] AS p99, q[7] AS p999, max
FROM agg
ORDER BY regime_id NULLS FIRST, metric
