-- Recommender input: each window's request rate over its mined minutes (mined_minutes; run `tracefit mine`).
-- params: $model (VARCHAR), $cells (INTEGER[] hour-of-week cells), $windows (INTEGER[] window index per cell)
-- columns: window_id, minutes, rps_mean, rps_p50, rps_peak (req/s as logged),
--   rps_mean_real, rps_p50_real, rps_peak_real (req/s of real traffic: ÷ each run's sample_rate)
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
)
SELECT w.window_id, count(*) AS minutes,
       avg(m.rps) AS rps_mean, quantile_cont(m.rps, 0.5) AS rps_p50, max(m.rps) AS rps_peak,
       avg(m.rps_real) AS rps_mean_real, quantile_cont(m.rps_real, 0.5) AS rps_p50_real,
       max(m.rps_real) AS rps_peak_real
FROM mined_minutes m
JOIN cell_window w ON w.how_cell = tf_how_cell(m.minute_ts)
WHERE m.model = $model
GROUP BY w.window_id
ORDER BY w.window_id
