-- Latency per UTC day over requests with status 'ok'.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: none
-- columns: day (DATE, UTC), requests_ok, ttft_ms_p50/_p95/_p99, tpot_ms_p50/_p95 (ms, quantile_cont)
SELECT DATE '1970-01-01' + (epoch_us(arrival_ts) // 86400000000)::INTEGER AS day,  -- UTC day
       count(*) AS requests_ok,
       quantile_cont(ttft_ms, [0.5, 0.95, 0.99]) AS tq,
       quantile_cont(tpot_ms, [0.5, 0.95]) AS pq
FROM tf_scope_rows
WHERE status_code = 0 AND  -- 'ok'
      (ttft_ms IS NOT NULL OR tpot_ms IS NOT NULL)
GROUP BY day
ORDER BY day
