-- Dashboard latency: inter-token latency by output-token position, log2 buckets [lo, hi).
-- Mined rows (mined_itl_position) for mined models; computed from request_token_latencies for others.
-- params: none
-- columns: model, token_index_lo, token_index_hi, samples, itl_ms_p50, itl_ms_p95, itl_ms_p99 (ms)
WITH mined AS (
    SELECT model, token_index_lo, token_index_hi, samples, itl_ms_p50, itl_ms_p95, itl_ms_p99
    FROM mined_itl_position
),
itl AS (
    SELECT r.model, (2 ** floor(log2(greatest(t.token_index, 1))))::INTEGER AS token_index_lo, t.itl_ms
    FROM request_token_latencies t
    JOIN requests r ON r.source = t.source AND r.request_id = t.request_id
    WHERE r.model NOT IN (SELECT model FROM mined)
)
SELECT * FROM mined
UNION ALL
SELECT model, token_index_lo, 2 * token_index_lo AS token_index_hi, count(*) AS samples,
       quantile_cont(itl_ms, 0.5) AS itl_ms_p50, quantile_cont(itl_ms, 0.95) AS itl_ms_p95,
       quantile_cont(itl_ms, 0.99) AS itl_ms_p99
FROM itl
GROUP BY ALL
ORDER BY model, token_index_lo
