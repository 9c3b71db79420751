-- Recommender input: each window's peak logged span of interactive requests (bulk ones, those in
-- the relation tf_bulk_seconds — recommend_bulk_seconds.sql's frame, passed by warehouse/inputs/recommend.py —
-- are left out: they are planned as throughput, recommend_window_bulk.sql). Spans are $span_minutes long,
-- aligned to Monday 00:00 UTC; the peak is the least busy span whose real request count reaches the
-- $peak_quantile quantile of the window's spans (1.0 = the busiest; 0.95 skips rare one-off spikes).
-- Its requests are then read by recommend_window_requests.sql over the span's arrival range only.
-- params: $model (VARCHAR, as logged), $cells (INTEGER[], hour-of-week cells 0..167, 0 = Monday 00 UTC),
--   $windows (INTEGER[], the window index of each cell, same length), $span_minutes (INTEGER, e.g. 60),
--   $peak_quantile (DOUBLE in [0, 1]), $since, $until (ISO timestamps or NULL = open: the mined range,
--   recommend_mined_scope.sql, so held-out traffic loaded later stays out of the plan)
-- columns: window_id, span_start_iso, span_end_iso (VARCHAR ISO UTC, [start, end) of the span)
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
),
spans AS (
    SELECT w.window_id,
           -- spans aligned to Monday 2000-01-03 00:00 UTC (epoch 946857600 s), in integer microseconds (no ICU)
           946857600000000 + (epoch_us(s.arrival_ts) - 946857600000000)
               // ($span_minutes::BIGINT * 60000000) * ($span_minutes::BIGINT * 60000000) AS span_start_us,
           sum(s.weight) AS real_requests
    FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
    JOIN cell_window w ON w.how_cell = s.how_cell
    ANTI JOIN tf_bulk_seconds b ON b.tenant IS NOT DISTINCT FROM s.tenant
        AND b.second = epoch_us(s.arrival_ts) // 1000000
    WHERE s.prompt_tokens >= 1 AND s.output_tokens >= 1
    GROUP BY ALL
),
level AS (
    SELECT window_id, quantile_disc(real_requests, $peak_quantile::DOUBLE) AS real_requests FROM spans GROUP BY ALL
),
peak AS (
    SELECT s.window_id, first(s.span_start_us ORDER BY s.real_requests, s.span_start_us) AS span_start_us  -- ties: earliest
    FROM spans s JOIN level l ON l.window_id = s.window_id AND s.real_requests >= l.real_requests
    GROUP BY s.window_id
)
SELECT window_id,
       strftime(make_timestamptz(span_start_us) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f+00:00') AS span_start_iso,
       strftime(make_timestamptz(span_start_us + $span_minutes::BIGINT * 60000000) AT TIME ZONE 'UTC',
                '%Y-%m-%dT%H:%M:%S.%f+00:00') AS span_end_iso
FROM peak
ORDER BY window_id
