-- Dashboard latency: change points found by `tracefit mine` (empty before mining).
-- params: none
-- columns: model, metric (a mined_latency_daily column), day (DATE, UTC), kind (spike | step),
--   value, baseline (metric's unit, ms), ratio (value / baseline)
SELECT model, metric, day, kind, value, baseline, ratio
FROM mined_change_points
ORDER BY model, day, metric
