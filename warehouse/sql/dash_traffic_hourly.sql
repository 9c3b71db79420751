-- Dashboard seasonality: real requests/s per UTC hour and model, with the mined regime of the
-- hour's hour-of-week cell (regime NULL and label '(not mined)' before `tracefit mine`).
-- params: none
-- columns: hour_ts (UTC), model, rps_real (req/s, real scale = requests / sample_rate / 3600),
--   regime_id, regime (label, e.g. "weekdays 09–18")
WITH hourly AS (
    SELECT r.model, date_trunc('hour', r.arrival_ts) AS hour_ts, sum(r.weight) / 3600.0 AS rps_real
    FROM tf_logged(NULL::VARCHAR[], NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ) r
    GROUP BY ALL
)
SELECT h.hour_ts, h.model, h.rps_real, w.regime_id,
       coalesce(g.regime_id::VARCHAR || ': ' || g.label, '(not mined)') AS regime
FROM hourly h
LEFT JOIN mined_hour_of_week w ON w.model = h.model AND w.how_cell = tf_how_cell(h.hour_ts)
LEFT JOIN mined_regimes g ON g.model = h.model AND g.regime_id = w.regime_id
ORDER BY h.model, h.hour_ts
