-- Dashboard latency: end-to-end latency quantiles (status ok) per model and window. The window is
-- the request's mined regime when the model is mined, else its fixed 6-hour block of the UTC day.
-- params: none
-- columns: model, window_label, window_order (sort key), requests, e2e_ms_p05, e2e_ms_p25,
--   e2e_ms_p50, e2e_ms_p75, e2e_ms_p95 (ms, quantile_cont)
WITH labelled AS (
    SELECT r.model, r.e2e_ms,
           coalesce(g.regime_id::VARCHAR || ': ' || g.label,
                    lpad((hour(r.arrival_ts AT TIME ZONE 'UTC') // 6 * 6)::VARCHAR, 2, '0') || '–' ||
                    lpad((hour(r.arrival_ts AT TIME ZONE 'UTC') // 6 * 6 + 6)::VARCHAR, 2, '0') || ' UTC')
               AS window_label,
           coalesce(g.regime_id, 100 + hour(r.arrival_ts AT TIME ZONE 'UTC') // 6) AS window_order
    FROM requests r
    LEFT JOIN mined_hour_of_week w ON w.model = r.model AND w.how_cell = tf_how_cell(r.arrival_ts)
    LEFT JOIN mined_regimes g ON g.model = r.model AND g.regime_id = w.regime_id
    WHERE r.status = 'ok' AND r.e2e_ms IS NOT NULL
)
SELECT model, window_label, min(window_order) AS window_order, count(*) AS requests,
       quantile_cont(e2e_ms, 0.05) AS e2e_ms_p05, quantile_cont(e2e_ms, 0.25) AS e2e_ms_p25,
       quantile_cont(e2e_ms, 0.5) AS e2e_ms_p50, quantile_cont(e2e_ms, 0.75) AS e2e_ms_p75,
       quantile_cont(e2e_ms, 0.95) AS e2e_ms_p95
FROM labelled
GROUP BY model, window_label
ORDER BY model, window_order
