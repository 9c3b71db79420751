-- Recommender input: each window's bulk requests over the planning range, to size bulk throughput
-- (recommend/bulk_plan.py: the busiest deadline-long span's bulk tokens / the deadline).
-- Reads the relation tf_bulk_seconds (recommend_bulk_seconds.sql's frame, passed by warehouse/inputs/recommend.py).
-- params: $model (VARCHAR, as logged), $cells (INTEGER[] hour-of-week cells), $windows (INTEGER[] window
--   index per cell), $since, $until (ISO timestamps or NULL = open: the mined range)
-- columns: window_id, arrival_s (DOUBLE epoch seconds UTC), prompt_tokens, output_tokens (tokens, >= 1),
--   weight (real requests per logged one, 1 / sample rate)
WITH cell_window AS (
    SELECT unnest($cells::INTEGER[]) AS how_cell, unnest($windows::INTEGER[]) AS window_id
)
SELECT w.window_id, epoch_us(s.arrival_ts) / 1e6 AS arrival_s, s.prompt_tokens, s.output_tokens, s.weight
FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
JOIN cell_window w ON w.how_cell = s.how_cell
SEMI JOIN tf_bulk_seconds b ON b.tenant IS NOT DISTINCT FROM s.tenant
    AND b.second = epoch_us(s.arrival_ts) // 1000000
WHERE s.prompt_tokens >= 1 AND s.output_tokens >= 1
ORDER BY w.window_id, s.arrival_ts, s.prompt_tokens, s.output_tokens, s.weight  -- a total order: same plan every run
