-- Recommender input: the interactive requests of one window's peak span (recommend_window_peaks.sql),
-- read over the span's arrival range only, so DuckDB skips the row groups outside it (zone maps):
-- at 248M rows, one full scan less per recommend. Bulk requests (the relation tf_bulk_seconds, as in
-- recommend_window_peaks.sql) are left out.
-- params: $model (VARCHAR, as logged), $cells, $windows (as in recommend_window_peaks.sql),
--   $window_id (INTEGER), $span_start (ISO timestamp, start of the span), $since, $until (ISO
--   timestamps: the span's [start, end) within the mined range)
-- columns: window_id, span_start (UTC, start of the span), arrival_s (s from span_start),
--   prompt_tokens, output_tokens (tokens, both >= 1), sample_rate (ingest run's share of real traffic)
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
)
SELECT w.window_id, $span_start::TIMESTAMPTZ AS span_start,
       epoch(s.arrival_ts) - epoch($span_start::TIMESTAMPTZ) AS arrival_s,
       s.prompt_tokens, s.output_tokens, 1.0 / s.weight AS sample_rate
FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
JOIN cell_window w ON w.how_cell = s.how_cell AND w.window_id = $window_id
ANTI JOIN tf_bulk_seconds b ON b.tenant IS NOT DISTINCT FROM s.tenant
    AND b.second = epoch_us(s.arrival_ts) // 1000000
WHERE s.prompt_tokens >= 1 AND s.output_tokens >= 1
ORDER BY s.arrival_ts, s.prompt_tokens, s.output_tokens, s.weight  -- a total order: same plan every run
