-- Dashboard lengths: share of the four query patterns per model (whole range). Mined rows
-- (mined_patterns, regime_id NULL) for mined models; computed with the same thresholds for others.
-- params: $prompt_long_tokens, $output_long_tokens (a prompt/output this long or longer is "long")
-- columns: model, pattern (long_short | long_long | short_long | short_short), requests,
--   share (of the model's requests, 0..1)
WITH mined AS (
    SELECT model, pattern, requests, share FROM mined_patterns WHERE regime_id IS NULL
),
counts AS (
    SELECT model,
           CASE WHEN prompt_tokens >= $prompt_long_tokens THEN 'long' ELSE 'short' END || '_' ||
           CASE WHEN output_tokens >= $output_long_tokens THEN 'long' ELSE 'short' END AS pattern,
           count(*) AS requests
    FROM requests
    WHERE model NOT IN (SELECT model FROM mined)
    GROUP BY ALL
)
SELECT * FROM mined
UNION ALL
SELECT model, pattern, requests, requests / sum(requests) OVER (PARTITION BY model) AS share FROM counts
ORDER BY model, pattern
