-- Recommender input: interactive real request rate and token rates per UTC minute of the mined range
-- (mined_minutes less the bulk requests of the relation tf_bulk_seconds: recommend_bulk_seconds.sql's
-- frame, passed by warehouse/inputs/recommend.py); the autoscaler's planning data (recommend/autoscale.py).
-- params: $model (VARCHAR, as logged)
-- columns: minute_s (BIGINT, epoch seconds UTC of the minute's start),
--   rps_real (DOUBLE, real interactive req/s averaged over the minute; minutes without requests are 0),
--   prompt_tok_s_real, output_tok_s_real (DOUBLE, real interactive prompt / output tokens per second; the
--   minute's logged token rate x its real / logged request ratio)
WITH bulk AS (
    SELECT second // 60 AS minute, sum(real_requests) AS real_requests, sum(real_prompt_tokens) AS prompt_tokens,
           sum(real_output_tokens) AS output_tokens
    FROM tf_bulk_seconds GROUP BY ALL
),
minutes AS (
    SELECT epoch(minute_ts)::BIGINT AS minute_s, rps_real,
           CASE WHEN rps > 0 THEN rps_real / rps ELSE 0.0 END AS scale,
           prompt_tokens_per_s, output_tokens_per_s
    FROM mined_minutes WHERE model = $model
)
SELECT m.minute_s,
       greatest(m.rps_real - coalesce(b.real_requests, 0.0) / 60.0, 0.0) AS rps_real,
       greatest(m.prompt_tokens_per_s * m.scale - coalesce(b.prompt_tokens, 0.0) / 60.0, 0.0) AS prompt_tok_s_real,
       greatest(m.output_tokens_per_s * m.scale - coalesce(b.output_tokens, 0.0) / 60.0, 0.0) AS output_tok_s_real
FROM minutes m LEFT JOIN bulk b ON b.minute = m.minute_s // 60
ORDER BY m.minute_s
