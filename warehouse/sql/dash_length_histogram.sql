-- Dashboard lengths: joint prompt×output log2 histogram per model. Mined rows
-- (mined_length_histogram, binning log2) for mined models; computed from requests for the others.
-- Bins [lo, hi) in tokens: lo = 2^k, 0 tokens in [0, 1).
-- params: none
-- columns: model, prompt_tokens_lo, prompt_tokens_hi, output_tokens_lo, output_tokens_hi (tokens),
--   requests, origin (mined | requests)
WITH mined AS (
    SELECT model, prompt_tokens_lo, prompt_tokens_hi, output_tokens_lo, output_tokens_hi, requests
    FROM mined_length_histogram WHERE binning = 'log2'
),
binned AS (
    SELECT model,
           CASE WHEN prompt_tokens < 1 THEN 0 ELSE 2 ** floor(log2(prompt_tokens)) END::BIGINT AS prompt_tokens_lo,
           CASE WHEN output_tokens < 1 THEN 0 ELSE 2 ** floor(log2(output_tokens)) END::BIGINT AS output_tokens_lo
    FROM requests
    WHERE model NOT IN (SELECT model FROM mined)
)
SELECT *, 'mined' AS origin FROM mined
UNION ALL
SELECT model, prompt_tokens_lo, greatest(2 * prompt_tokens_lo, 1) AS prompt_tokens_hi,
       output_tokens_lo, greatest(2 * output_tokens_lo, 1) AS output_tokens_hi,
       count(*) AS requests, 'requests' AS origin
FROM binned
GROUP BY ALL
ORDER BY model, prompt_tokens_lo, output_tokens_lo
