-- Dashboard lengths: quantiles of prompt and output tokens per model (whole range).
-- Mined rows (mined_quantiles, regime_id NULL) for mined models; computed for the others.
-- params: none
-- columns: model, metric (prompt_tokens | output_tokens), count, mean, p50, p90, p99, max (tokens)
WITH mined AS (
    SELECT model, metric, count, mean, p50, p90, p99, max
    FROM mined_quantiles
    WHERE regime_id IS NULL AND metric IN ('prompt_tokens', 'output_tokens')
),
long AS (
    SELECT model, 'prompt_tokens' AS metric, prompt_tokens AS tokens FROM requests
    UNION ALL
    SELECT model, 'output_tokens', output_tokens FROM requests
)
SELECT * FROM mined
UNION ALL
SELECT model, metric, count(*) AS count, avg(tokens) AS mean,
       quantile_cont(tokens, 0.5) AS p50, quantile_cont(tokens, 0.9) AS p90,
       quantile_cont(tokens, 0.99) AS p99, max(tokens)::DOUBLE AS max
FROM long
WHERE model NOT IN (SELECT model FROM mined)
GROUP BY ALL
ORDER BY model, metric DESC
