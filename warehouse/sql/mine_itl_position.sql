-- Inter-token latency by output-token position, log2 buckets [lo, hi) of token_index (>= 1).
-- params: $model, $since, $until
-- columns: token_index_lo, token_index_hi, samples, itl_ms_p50/_p95/_p99 (ms, quantile_cont)
WITH itl AS (
    SELECT (2 ** floor(log2(greatest(t.token_index, 1))))::INTEGER AS token_index_lo, t.itl_ms
    FROM request_token_latencies t
    SEMI JOIN tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
        ON s.source = t.source AND s.request_id = t.request_id
)
SELECT token_index_lo, 2 * token_index_lo AS token_index_hi, count(*) AS samples,
       quantile_cont(itl_ms, 0.5) AS itl_ms_p50, quantile_cont(itl_ms, 0.95) AS itl_ms_p95,
       quantile_cont(itl_ms, 0.99) AS itl_ms_p99
FROM itl
GROUP BY token_index_lo
ORDER BY token_index_lo
