-- Recommender input: real request rate per calendar hour of the mined range (mined_minutes), the
-- forecast-error headroom's data (recommend/forecast.py).
-- params: $model (VARCHAR, as logged)
-- columns: day (INTEGER days since 1970-01-01 UTC), how_cell (INTEGER hour-of-week, 0 = Monday 00 UTC),
--   rps_real (DOUBLE, real req/s averaged over the hour's 60 minutes; minutes without requests count 0)
SELECT (epoch(date_trunc('hour', minute_ts)) // 86400)::INTEGER AS day,
       tf_how_cell(date_trunc('hour', minute_ts)) AS how_cell,
       sum(rps_real) / 60.0 AS rps_real
FROM mined_minutes
WHERE model = $model
GROUP BY ALL
ORDER BY day, how_cell
