-- TTFT against prompt length, aggregated for the robust per-day slope fit: per UTC day and
-- prompt bucket of $bucket_tokens tokens, the median TTFT (status 'ok').
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $bucket_tokens
-- columns: day (DATE), prompt_tokens_mid (bucket centre, tokens), ttft_ms_p50 (ms), requests
SELECT DATE '1970-01-01' + (epoch_us(arrival_ts) // 86400000000)::INTEGER AS day,  -- UTC day
       (floor(prompt_tokens / $bucket_tokens) + 0.5) * $bucket_tokens AS prompt_tokens_mid,
       quantile_cont(ttft_ms, 0.5) AS ttft_ms_p50,
       count(*) AS requests
FROM tf_scope_rows
WHERE status_code = 0 AND ttft_ms IS NOT NULL  -- 'ok'
GROUP BY ALL
ORDER BY day, prompt_tokens_mid
