-- Share of the four query patterns, whole scope (regime_id NULL) and per regime.
-- long prompt: prompt_tokens >= $prompt_long_tokens; long output: output_tokens >= $output_long_tokens.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model, $prompt_long_tokens, $output_long_tokens
-- columns: regime_id, pattern (long_short | long_long | short_long | short_short), requests,
--   share (of the window's requests, 0..1)
-- per hour-of-week cell first (at most 168 × 4 groups), then per regime: no string or join per request
WITH cells AS (
    SELECT how_cell, prompt_tokens >= $prompt_long_tokens AS long_prompt,
           output_tokens >= $output_long_tokens AS long_output, count(*) AS requests
    FROM tf_scope_rows GROUP BY ALL
),
counts AS (
    SELECT h.regime_id,
           CASE WHEN long_prompt THEN 'long' ELSE 'short' END || '_' ||
           CASE WHEN long_output THEN 'long' ELSE 'short' END AS pattern,
           sum(c.requests)::BIGINT AS requests
    FROM cells c LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = c.how_cell
    GROUP BY GROUPING SETS ((pattern), (regime_id, pattern))
),
grid AS (
    SELECT w.regime_id, p.pattern
    FROM (SELECT DISTINCT regime_id FROM counts) w
    CROSS JOIN (VALUES ('long_short'), ('long_long'), ('short_long'), ('short_short')) p(pattern)
)
SELECT g.regime_id, g.pattern, coalesce(c.requests, 0) AS requests,
       coalesce(c.requests, 0) / sum(coalesce(c.requests, 0)) OVER (PARTITION BY g.regime_id) AS share
FROM grid g
LEFT JOIN counts c ON c.regime_id IS NOT DISTINCT FROM g.regime_id AND c.pattern = g.pattern
ORDER BY g.regime_id NULLS FIRST, g.pattern
