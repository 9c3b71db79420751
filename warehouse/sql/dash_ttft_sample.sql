-- Dashboard latency: a deterministic sample of at most $rows ok requests per model with TTFT, for
-- the TTFT-vs-prompt scatter (rows ranked by a hash of their identity, so reruns pick the same).
-- params: $rows (per model)
-- columns: model, day (DATE, UTC), prompt_tokens (tokens), ttft_ms (ms)
SELECT model, day, prompt_tokens, ttft_ms
FROM (
    SELECT model, (arrival_ts AT TIME ZONE 'UTC')::DATE AS day, prompt_tokens, ttft_ms,
           row_number() OVER (PARTITION BY model ORDER BY hash(source, request_id)) AS pick
    FROM requests
    WHERE status = 'ok' AND ttft_ms > 0 AND prompt_tokens > 0  -- drawn on log axes
)
WHERE pick <= $rows
ORDER BY model, day, prompt_tokens
