-- Per tenant (NULL tenant reported as '(none)'): volume, lengths, KV-token-seconds, busiest minute,
-- and share of the peak regime ($peak_regime_id).
-- KV-token-seconds of a request = ∫ kv dt from first token to end, kv = prompt + 1 + b·t
-- (b = generated tokens/s): (prompt + 1)·D + b·D²/2 with D the decode seconds; NULL without latencies.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model, $peak_regime_id
-- columns: tenant, requests, prompt_tokens, output_tokens (token sums), kv_token_seconds,
--   prompt_tokens_p50/_p99, output_tokens_p50 (tokens), rps_peak_real (req/s, busiest minute),
--   peak_regime_request_share, peak_regime_token_share (0..1 of the peak regime's totals)
WITH scope AS NOT MATERIALIZED (  -- read by several steps below: scan the TEMP table each time, never copy it
    SELECT coalesce(tenant, '(none)') AS tenant, regime_id, minute, weight, prompt_tokens, output_tokens,
           (coalesce(e2e_ms, ttft_ms + tpot_ms * greatest(output_tokens - 1, 0)) - coalesce(ttft_ms, 0)) / 1000.0
               AS decode_s
    FROM (SELECT s.*, h.regime_id FROM tf_scope_rows s
      LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = s.how_cell)
),
per_request AS (
    SELECT *, CASE WHEN decode_s > 0
                   THEN (prompt_tokens + 1) * decode_s + greatest(output_tokens - 1, 0) * decode_s / 2
                   WHEN decode_s IS NOT NULL THEN 0 END AS kv_token_seconds
    FROM scope
),
peak_minute AS (
    SELECT tenant, max(real_requests) / 60.0 AS rps_peak_real
    FROM (SELECT tenant, minute, sum(weight) AS real_requests FROM scope GROUP BY ALL)
    GROUP BY tenant
),
-- integer lengths: quantiles from (tenant, value) counts (tf_length_lists, 0007)
lists AS (
    SELECT k AS tenant, is_output, vals, ends FROM tf_length_lists('tf_scope_rows', coalesce(tenant, '(none)'))
),
lengths AS (
    SELECT tenant,
           any_value(tf_quantile_cont_counts(vals, ends, 0.5)) FILTER (WHERE is_output = 0) AS prompt_tokens_p50,
           any_value(tf_quantile_cont_counts(vals, ends, 0.99)) FILTER (WHERE is_output = 0) AS prompt_tokens_p99,
           any_value(tf_quantile_cont_counts(vals, ends, 0.5)) FILTER (WHERE is_output = 1) AS output_tokens_p50
    FROM lists GROUP BY tenant
),
peak AS (
    SELECT count(*) AS requests, sum(prompt_tokens + output_tokens) AS tokens
    FROM scope WHERE regime_id = $peak_regime_id
),
totals AS (
    SELECT tenant, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
           sum(output_tokens) AS output_tokens, sum(kv_token_seconds) AS kv_token_seconds,
           count(*) FILTER (WHERE regime_id = $peak_regime_id) AS peak_requests,
           sum(prompt_tokens + output_tokens) FILTER (WHERE regime_id = $peak_regime_id) AS peak_tokens
    FROM per_request GROUP BY tenant
)
SELECT t.tenant, t.requests, t.prompt_tokens, t.output_tokens, t.kv_token_seconds,
       l.prompt_tokens_p50, l.prompt_tokens_p99, l.output_tokens_p50, pm.rps_peak_real,
       t.peak_requests / peak.requests AS peak_regime_request_share,
       t.peak_tokens / peak.tokens AS peak_regime_token_share
FROM totals t JOIN peak_minute pm USING (tenant) JOIN lengths l USING (tenant), peak
ORDER BY t.requests DESC, t.tenant
