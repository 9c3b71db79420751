-- In-flight requests and KV tokens sampled every $step_s seconds, reconstructed from latencies.
-- A request is in flight from arrival to its end (e2e_ms, else ttft_ms + tpot_ms·(output−1)).
-- Its KV tokens, from first token (ttft_ms, else arrival) to end, are prompt + tokens generated so
-- far, growing linearly: kv(t) = a + b·t with b = generated tokens per second. Each request adds
-- +a,+b at first token and −a,−b at end, so kv(t) = Σa + t·Σb over events up to t (exact).
-- Requests of runs logged without arrival times (has_arrival false: all at --start) are left out: their
-- in-flight count would be the whole run at once (`tracefit mine` notes how many, warehouse/mine/run.py).
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model, $step_s (seconds)
-- columns: sample_ts (UTC), regime_id, in_flight_requests, in_flight_kv_tokens (as logged)
WITH scope AS (
    SELECT arrival_ts, epoch(arrival_ts) AS t0_s, prompt_tokens, output_tokens,
           coalesce(ttft_ms, 0) / 1000.0 AS ft_s,
           coalesce(e2e_ms, ttft_ms + tpot_ms * greatest(output_tokens - 1, 0)) / 1000.0 AS end_s
    FROM tf_scope_rows
    WHERE has_arrival AND coalesce(e2e_ms, ttft_ms + tpot_ms * greatest(output_tokens - 1, 0)) IS NOT NULL
),
base AS (SELECT min(t0_s) AS origin_s, max(t0_s + end_s) AS last_s FROM scope),
requests AS (
    SELECT s.t0_s - base.origin_s AS arrive_s, s.t0_s - base.origin_s + s.ft_s AS first_s,
           s.t0_s - base.origin_s + greatest(s.end_s, s.ft_s) AS end_s,
           CASE WHEN s.end_s > s.ft_s THEN greatest(s.output_tokens - 1, 0) / (s.end_s - s.ft_s)
                ELSE 0 END AS b, s.prompt_tokens, s.output_tokens
    FROM scope s, base
),
events AS (
    SELECT arrive_s AS t_s, 1 AS d_req, 0.0 AS d_a, 0.0 AS d_b FROM requests
    UNION ALL
    SELECT first_s, 0, prompt_tokens + least(output_tokens, 1) - b * first_s, b FROM requests
    UNION ALL
    SELECT end_s, -1, -(prompt_tokens + least(output_tokens, 1) - b * first_s), -b FROM requests
),
grid AS (
    SELECT unnest(range(0, ceil(last_s - origin_s)::BIGINT + 1, $step_s::BIGINT))::DOUBLE AS t_s FROM base
),
-- grid points join the events with zero deltas, ordered after events at the same instant
timeline AS (
    SELECT t_s, 0 AS is_sample, sum(d_req) AS d_req, sum(d_a) AS d_a, sum(d_b) AS d_b FROM events GROUP BY t_s
    UNION ALL
    SELECT t_s, 1, 0, 0.0, 0.0 FROM grid
),
sampled AS (
    SELECT t_s, is_sample,
           sum(d_req) OVER w AS in_flight_requests,
           sum(d_a) OVER w + t_s * sum(d_b) OVER w AS in_flight_kv_tokens
    FROM timeline
    WINDOW w AS (ORDER BY t_s, is_sample ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
cells AS (SELECT how_cell, regime_id FROM mined_hour_of_week WHERE model = $model)
SELECT s.sample_ts, c.regime_id, s.in_flight_requests, s.in_flight_kv_tokens
FROM (SELECT to_timestamp(base.origin_s + t_s) AS sample_ts, in_flight_requests::BIGINT AS in_flight_requests,
             round(greatest(in_flight_kv_tokens, 0), 3) AS in_flight_kv_tokens
      FROM sampled, base WHERE is_sample = 1) s
LEFT JOIN cells c ON c.how_cell = tf_how_cell(s.sample_ts)
ORDER BY s.sample_ts
