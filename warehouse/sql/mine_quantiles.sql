-- {count, mean, min, p25..p999, max} per metric, for the whole scope (regime_id NULL) and per regime.
-- Lengths over all requests; latencies (ttft_ms, tpot_ms, e2e_ms) over status 'ok' only.
-- Token lengths are integers: their quantiles come from (value, count) pairs (one hash aggregate,
-- tf_quantile_cont_counts in 0003), the same values quantile_cont gives over the rows.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: regime_id, metric, count, mean, min, p25, p50, p75, p90, p95, p99, p999, max
--   (tokens or ms as the metric name says; quantile_cont; count 0 when the metric has no values)
WITH scope AS NOT MATERIALIZED (  -- read by several steps below: scan the TEMP table each time, never copy it
    SELECT s.*, h.regime_id FROM tf_scope_rows s
    LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = s.how_cell
),
pairs AS (
    SELECT regime_id, prompt_tokens, output_tokens, count(*) AS c FROM scope GROUP BY ALL
),
-- all_rows = 1: the whole-scope group (regime_id NULL)
counts AS (
    SELECT grouping(regime_id) AS all_rows, regime_id, metric, value, sum(c) AS c
    FROM (SELECT regime_id, 'prompt_tokens' AS metric, prompt_tokens AS value, c FROM pairs
          UNION ALL SELECT regime_id, 'output_tokens', output_tokens, c FROM pairs
          UNION ALL SELECT regime_id, 'total_tokens', prompt_tokens + output_tokens, c FROM pairs)
    GROUP BY GROUPING SETS ((metric, value), (regime_id, metric, value))
),
tokens AS (
    SELECT all_rows, regime_id, metric, sum(c)::BIGINT AS count, sum(value * c) / sum(c) AS mean,
           min(value)::DOUBLE AS min, max(value)::DOUBLE AS max,
           list(value ORDER BY value) AS vals, list(cum ORDER BY value) AS ends
    FROM (SELECT *, sum(c) OVER (PARTITION BY all_rows, regime_id, metric ORDER BY value) AS cum FROM counts)
    GROUP BY all_rows, regime_id, metric
),
latency_rows AS (
    SELECT regime_id, m.metric,
           CASE m.metric WHEN 'ttft_ms' THEN ttft_ms WHEN 'tpot_ms' THEN tpot_ms WHEN 'e2e_ms' THEN e2e_ms END
               AS value
    FROM (SELECT * FROM scope
          WHERE status_code = 0 AND  -- 'ok'
                (ttft_ms IS NOT NULL OR tpot_ms IS NOT NULL OR e2e_ms IS NOT NULL))
    CROSS JOIN (VALUES ('ttft_ms'), ('tpot_ms'), ('e2e_ms')) m(metric)
),
latency AS (
    SELECT grouping(regime_id) AS all_rows, regime_id, metric, count(value) AS count, avg(value) AS mean,
           min(value) AS min, quantile_cont(value, [0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) AS q,
           max(value) AS max
    FROM latency_rows
    GROUP BY GROUPING SETS ((metric), (regime_id, metric))
),
-- every window reports every latency metric, count 0 when it has none
latency_grid AS (
    SELECT DISTINCT t.all_rows, t.regime_id, m.metric
    FROM tokens t CROSS JOIN (VALUES ('ttft_ms'), ('tpot_ms'), ('e2e_ms')) m(metric)
)
SELECT regime_id, metric, count, mean, min,
       tf_quantile_cont_counts(vals, ends, 0.25) AS p25, tf_quantile_cont_counts(vals, ends, 0.5) AS p50,
       tf_quantile_cont_counts(vals, ends, 0.75) AS p75, tf_quantile_cont_counts(vals, ends, 0.9) AS p90,
       tf_quantile_cont_counts(vals, ends, 0.95) AS p95, tf_quantile_cont_counts(vals, ends, 0.99) AS p99,
       tf_quantile_cont_counts(vals, ends, 0.999) AS p999, max
FROM tokens
UNION ALL
SELECT g.regime_id, g.metric, coalesce(l.count, 0), l.mean, l.min, l.q[1], l.q[2], l.q[3], l.q[4], l.q[5],
       l.q[6], l.q[7], l.max
FROM latency_grid g
LEFT JOIN latency l ON l.all_rows = g.all_rows AND l.regime_id IS NOT DISTINCT FROM g.regime_id
    AND l.metric = g.metric
ORDER BY regime_id NULLS FIRST, metric
