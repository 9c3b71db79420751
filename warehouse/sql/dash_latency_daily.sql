-- Dashboard latency: TTFT percentiles and the TTFT-vs-prompt slope per model and UTC day (status ok).
-- Mined rows (mined_latency_daily: Huber slope) for mined models; computed for the others with an
-- ordinary least-squares slope (regr_slope) — fit says which.
-- params: none
-- columns: model, day (DATE, UTC), requests_ok, ttft_ms_p50, ttft_ms_p95, tpot_ms_p50 (ms),
--   ttft_ms_per_1k_prompt_tokens (ms per 1000 prompt tokens), ttft_ms_at_zero_prompt (ms), fit (huber | ols)
WITH mined AS (
    SELECT model, day, requests_ok, ttft_ms_p50, ttft_ms_p95, tpot_ms_p50,
           ttft_ms_per_1k_prompt_tokens, ttft_ms_at_zero_prompt, 'huber' AS fit
    FROM mined_latency_daily
)
SELECT * FROM mined
UNION ALL
SELECT model, (arrival_ts AT TIME ZONE 'UTC')::DATE AS day, count(*) AS requests_ok,
       quantile_cont(ttft_ms, 0.5) AS ttft_ms_p50, quantile_cont(ttft_ms, 0.95) AS ttft_ms_p95,
       quantile_cont(tpot_ms, 0.5) AS tpot_ms_p50,
       regr_slope(ttft_ms, prompt_tokens) * 1000 AS ttft_ms_per_1k_prompt_tokens,
       regr_intercept(ttft_ms, prompt_tokens) AS ttft_ms_at_zero_prompt, 'ols' AS fit
FROM requests
WHERE status = 'ok' AND (ttft_ms IS NOT NULL OR tpot_ms IS NOT NULL)
  AND model NOT IN (SELECT model FROM mined)
GROUP BY ALL
ORDER BY model, day
