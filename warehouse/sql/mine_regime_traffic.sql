-- Traffic statistics per regime from the stored minute series (mined_minutes) and arrivals.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: regime_id, requests, request_share (0..1), rps_mean_real, rps_p50_real, rps_peak_real
--   (req/s over the regime's minutes; peak = busiest minute), tokens_per_s_mean_real,
--   peak_over_mean (busiest minute / mean minute), interarrival_cv (std/mean of the gaps between
--   consecutive arrivals; a gap belongs to the regime of its later arrival)
WITH minutes AS (
    SELECT regime_id, count(*) AS minutes, sum(requests) AS requests,
           avg(rps_real) AS rps_mean_real, quantile_cont(rps_real, 0.5) AS rps_p50_real,
           max(rps_real) AS rps_peak_real, avg(tokens_per_s_real) AS tokens_per_s_mean_real
    FROM mined_minutes WHERE model = $model GROUP BY regime_id
),
-- sort only the arrival (and its cell); the regime joins after. arrival_us / 1e6 = epoch(arrival_ts), s
gaps AS (
    SELECT how_cell, arrival_us / 1e6 - lag(arrival_us) OVER (ORDER BY arrival_us) / 1e6 AS gap_s
    FROM tf_scope_rows
),
cv AS (
    SELECT h.regime_id, stddev_pop(g.gap_s) / nullif(avg(g.gap_s), 0) AS interarrival_cv
    FROM gaps g LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = g.how_cell
    WHERE g.gap_s IS NOT NULL GROUP BY h.regime_id
)
SELECT m.regime_id, m.requests, m.requests / sum(m.requests) OVER () AS request_share,
       m.rps_mean_real, m.rps_p50_real, m.rps_peak_real, m.tokens_per_s_mean_real,
       m.rps_peak_real / nullif(m.rps_mean_real, 0) AS peak_over_mean, cv.interarrival_cv
FROM minutes m LEFT JOIN cv USING (regime_id)
WHERE m.regime_id IS NOT NULL
ORDER BY m.regime_id
