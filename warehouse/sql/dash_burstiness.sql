-- Dashboard seasonality: burstiness per model and window. Mined regimes (mined_regimes) for mined
-- models; for the others one window "all hours" computed from requests.
-- interarrival_cv = std/mean of gaps between consecutive arrivals (1 = Poisson, > 1 = bursty);
-- peak_over_mean = busiest minute's arrivals / mean arrivals per minute over the range.
-- params: none
-- columns: model, window_label (regime or "all hours"), interarrival_cv, peak_over_mean (ratios), rps_mean_real (req/s)
WITH mined AS (
    SELECT model, regime_id::VARCHAR || ': ' || label AS window_label, interarrival_cv, peak_over_mean, rps_mean_real
    FROM mined_regimes
),
scope AS (
    SELECT r.model, r.arrival_ts, r.weight,
           epoch(r.arrival_ts) - lag(epoch(r.arrival_ts)) OVER (PARTITION BY r.model ORDER BY r.arrival_ts) AS gap_s
    FROM tf_logged(NULL::VARCHAR[], NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ) r
    WHERE r.model NOT IN (SELECT model FROM mined)
),
minutes AS (
    SELECT model, date_trunc('minute', arrival_ts) AS minute_ts, count(*) AS n FROM scope GROUP BY ALL
),
span AS (
    SELECT model, sum(weight) AS real_requests, count(*) AS requests,
           greatest(epoch(max(arrival_ts)) - epoch(min(arrival_ts)), 60) AS span_s,
           stddev_pop(gap_s) / avg(gap_s) AS interarrival_cv
    FROM scope GROUP BY model
)
SELECT * FROM mined
UNION ALL
SELECT s.model, 'all hours' AS window_label, s.interarrival_cv,
       max(m.n) / (s.requests / (s.span_s / 60.0)) AS peak_over_mean,
       s.real_requests / s.span_s AS rps_mean_real
FROM span s JOIN minutes m USING (model)
GROUP BY s.model, s.interarrival_cv, s.requests, s.span_s, s.real_requests
ORDER BY model, window_label
