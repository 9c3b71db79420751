-- Dashboard overview: traffic per UTC hour and model, as logged (not scaled by sample rate).
-- params: none
-- columns: hour_ts (UTC, start of the hour), model, requests, prompt_tokens, output_tokens
--   (token sums), non_ok (requests with status <> 'ok'), non_ok_share (0..1)
SELECT date_trunc('hour', arrival_ts) AS hour_ts, model,
       count(*) AS requests,
       sum(prompt_tokens)::BIGINT AS prompt_tokens,
       sum(output_tokens)::BIGINT AS output_tokens,
       count(*) FILTER (WHERE status <> 'ok') AS non_ok,
       count(*) FILTER (WHERE status <> 'ok') / count(*) AS non_ok_share
FROM requests
GROUP BY ALL
ORDER BY hour_ts, model
