-- In-flight requests and KV tokens sampled every $step_s seconds, reconstructed from latencies.
-- A request is in flight from arrival to its end (e2e_ms, else ttft_ms + tpot_ms·(output−1)).
-- Its KV tokens, from first token (ttft_ms, else arrival) to end, are prompt + tokens generated so
-- far, growing linearly: kv(t) = a + b·t with b = generated tokens per second. Each request adds
-- +a,+b at first token and −a,−b at end, so kv(t) = Σa + t·Σb over events up to t (exact).
-- params: $model, $since, $until, $step_s (seconds)
-- columns: sample_ts (UTC), regime_id, in_flight_requests, in_flight_kv_tokens (as logged)
WITH scope AS (
    SELECT arrival_ts, epoch(arrival_ts) AS t0_s, prompt_tokens, output_tokens,
           coalesce(ttft_ms, 0) / 1000.0 AS ft_s,
           coalesce(e2e_ms, ttft_ms + tpot_ms * greatest(output_tokens - 1, 0)) / 1000.0 AS end_s
    FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ)
    WHERE coalesce(e2e_ms, ttft_ms + tpot_ms * greatest(output_tokens - 1, 0)) IS NOT NULL
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
steps AS (
    SELECT t_s, sum(sum(d_req)) OVER w AS req, sum(sum(d_a)) OVER w AS a, sum(sum(d_b)) OVER w AS b
    FROM events GROUP BY t_s
    WINDOW w AS (ORDER BY t_s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
grid AS (
    SELECT unnest(range(0, (SELECT ceil(last_s - origin_s) FROM base)::BIGINT + 1, $step_s::BIGINT))::DOUBLE AS t_s
)
SELECT to_timestamp((SELECT origin_s FROM base) + g.t_s) AS sample_ts,
       h.regime_id,
       coalesce(st.req, 0)::BIGINT AS in_flight_requests,
       greatest(coalesce(st.a + g.t_s * st.b, 0), 0) AS in_flight_kv_tokens
FROM grid g
ASOF LEFT JOIN steps st ON g.t_s >= st.t_s
LEFT JOIN mined_hour_of_week h
       ON h.model = $model AND h.how_cell = tf_how_cell(to_timestamp((SELECT origin_s FROM base) + g.t_s))
ORDER BY g.t_s
