-- Joint prompt×output histogram. Log2 bins [2^k, 2^(k+1)) (0 tokens in [0, 1)) when
-- $bin_tokens is NULL, else linear bins of $bin_tokens tokens.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $bin_tokens (tokens or NULL)
-- columns: prompt_tokens_lo, prompt_tokens_hi, output_tokens_lo, output_tokens_hi (tokens), requests
WITH scope AS (
    SELECT prompt_tokens, output_tokens FROM tf_scope_rows
),
binned AS (
    SELECT
        CASE WHEN $bin_tokens IS NULL
             THEN CASE WHEN prompt_tokens < 1 THEN 0 ELSE 2 ** floor(log2(prompt_tokens)) END
             ELSE floor(prompt_tokens / $bin_tokens) * $bin_tokens END::BIGINT AS prompt_tokens_lo,
        CASE WHEN $bin_tokens IS NULL
             THEN CASE WHEN output_tokens < 1 THEN 0 ELSE 2 ** floor(log2(output_tokens)) END
             ELSE floor(output_tokens / $bin_tokens) * $bin_tokens END::BIGINT AS output_tokens_lo
    FROM scope
)
SELECT prompt_tokens_lo,
       CASE WHEN $bin_tokens IS NULL THEN greatest(2 * prompt_tokens_lo, 1)
            ELSE prompt_tokens_lo + $bin_tokens END::BIGINT AS prompt_tokens_hi,
       output_tokens_lo,
       CASE WHEN $bin_tokens IS NULL THEN greatest(2 * output_tokens_lo, 1)
            ELSE output_tokens_lo + $bin_tokens END::BIGINT AS output_tokens_hi,
       count(*) AS requests
FROM binned
GROUP BY prompt_tokens_lo, output_tokens_lo
ORDER BY prompt_tokens_lo, output_tokens_lo
