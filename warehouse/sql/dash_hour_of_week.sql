-- Dashboard seasonality: mean real requests/s per model and hour-of-week cell (UTC).
-- Mined rows (mined_hour_of_week) for mined models; computed for the others as real requests
-- (weight 1 / sample_rate) over the calendar hours of that cell between first and last arrival.
-- params: none
-- columns: model, how_cell (0 = Mon 00 UTC .. 167), weekday (Mon..Sun), hour (0..23),
--   rps_real (req/s, real scale), regime_id (NULL when not mined)
WITH mined AS (
    SELECT model, how_cell, hour, rps_real, regime_id FROM mined_hour_of_week
),
scope AS (
    SELECT r.model, r.arrival_ts, r.weight
    FROM tf_logged(NULL::VARCHAR[], NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ) r
    WHERE r.model NOT IN (SELECT model FROM mined)
),
hours AS (
    SELECT model, tf_how_cell(h) AS how_cell, count(*) AS hours_observed
    FROM (SELECT model, unnest(generate_series(date_trunc('hour', min(arrival_ts)),
                                               date_trunc('hour', max(arrival_ts)), INTERVAL 1 HOUR)) AS h
          FROM scope GROUP BY model)
    GROUP BY ALL
),
cells AS (
    SELECT model, tf_how_cell(arrival_ts) AS how_cell, sum(weight) AS real_requests
    FROM scope GROUP BY ALL
),
computed AS (
    SELECT h.model, h.how_cell, h.how_cell % 24 AS hour,
           coalesce(c.real_requests, 0) / (h.hours_observed * 3600.0) AS rps_real, NULL::INTEGER AS regime_id
    FROM hours h LEFT JOIN cells c USING (model, how_cell)
)
SELECT model, how_cell,
       ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][how_cell // 24 + 1] AS weekday,
       hour, rps_real, regime_id
FROM (SELECT * FROM mined UNION ALL SELECT * FROM computed)
ORDER BY model, how_cell
