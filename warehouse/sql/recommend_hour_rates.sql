-- Recommender input: interactive real request rate and token load per calendar hour of the mined range
-- (mined_minutes less the bulk requests of the relation tf_bulk_seconds: recommend_bulk_seconds.sql's
-- frame, passed by warehouse/inputs/recommend.py), the forecast-error headroom's data (recommend/forecast.py).
-- params: $model (VARCHAR, as logged)
-- columns: day (INTEGER days since 1970-01-01 UTC), how_cell (INTEGER hour-of-week, 0 = Monday 00 UTC),
--   rps_real (DOUBLE, real interactive req/s averaged over the hour; minutes without requests count 0),
--   tok_s_real (DOUBLE, real interactive prompt + output tokens/s averaged over the hour)
WITH hours AS (
    SELECT epoch(minute_ts)::BIGINT // 3600 AS hour, sum(rps_real) * 60.0 AS real_requests,
           sum(tokens_per_s_real) * 60.0 AS real_tokens
    FROM mined_minutes
    WHERE model = $model
    GROUP BY ALL
),
bulk AS (
    SELECT second // 3600 AS hour, sum(real_requests) AS real_requests, sum(real_tokens) AS real_tokens
    FROM tf_bulk_seconds GROUP BY ALL
)
SELECT (h.hour // 24)::INTEGER AS day,
       (((h.hour // 24 + 3) % 7) * 24 + h.hour % 24)::INTEGER AS how_cell,
       greatest(h.real_requests - coalesce(b.real_requests, 0.0), 0.0) / 3600.0 AS rps_real,
       greatest(h.real_tokens - coalesce(b.real_tokens, 0.0), 0.0) / 3600.0 AS tok_s_real
FROM hours h LEFT JOIN bulk b USING (hour)
ORDER BY day, how_cell
