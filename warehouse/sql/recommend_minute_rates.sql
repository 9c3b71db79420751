-- Recommender input: interactive real request rate per UTC minute of the mined range (mined_minutes less
-- the bulk requests of the relation tf_bulk_seconds: recommend_bulk_seconds.sql's frame, passed by
-- warehouse/inputs/recommend.py); the autoscaler's planning data (recommend/autoscale.py).
-- params: $model (VARCHAR, as logged)
-- columns: minute_s (BIGINT, epoch seconds UTC of the minute's start),
--   rps_real (DOUBLE, real interactive req/s averaged over the minute; minutes without requests are 0)
WITH bulk AS (
    SELECT second // 60 AS minute, sum(real_requests) AS real_requests FROM tf_bulk_seconds GROUP BY ALL
)
SELECT epoch(m.minute_ts)::BIGINT AS minute_s,
       greatest(m.rps_real - coalesce(b.real_requests, 0.0) / 60.0, 0.0) AS rps_real
FROM mined_minutes m LEFT JOIN bulk b ON b.minute = epoch(m.minute_ts)::BIGINT // 60
WHERE m.model = $model
ORDER BY minute_s
