-- Dashboard concurrency: in-flight requests and KV tokens per model and $bucket_s-second bucket,
-- as logged. Mined models: means/maxima of mined_concurrency's minutes. Others: time-averaged from
-- requests with a known end (e2e_ms, else ttft_ms + tpot_ms·(output−1)): a request counts for the
-- seconds it overlaps the bucket, holding prompt + output/2 KV tokens on average (an approximation:
-- the mined table integrates the exact ramp from first token on). Runs logged without arrival
-- times (ingest_runs.timestamps = 'missing': all at --start) are left out, as mining does.
-- params: $bucket_s (seconds, a multiple of 60)
-- columns: model, bucket_ts (UTC), in_flight_requests_mean, in_flight_requests_max (NULL unmined),
--   in_flight_kv_tokens_mean (tokens), origin (mined | requests)
WITH mined AS (
    SELECT model, to_timestamp(floor(epoch(minute_ts) / $bucket_s) * $bucket_s) AS bucket_ts,
           avg(in_flight_requests_mean) AS in_flight_requests_mean,
           max(in_flight_requests_max)::DOUBLE AS in_flight_requests_max,
           avg(in_flight_kv_tokens_mean) AS in_flight_kv_tokens_mean, 'mined' AS origin
    FROM mined_concurrency GROUP BY ALL
),
spans AS (
    SELECT r.model, epoch(r.arrival_ts) AS start_s,
           epoch(r.arrival_ts)
               + coalesce(r.e2e_ms, r.ttft_ms + r.tpot_ms * greatest(r.output_tokens - 1, 0)) / 1000.0 AS end_s,
           r.prompt_tokens + r.output_tokens / 2.0 AS kv_tokens
    FROM tf_logged(NULL::VARCHAR[], NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ) r
    WHERE coalesce(r.e2e_ms, r.ttft_ms + r.tpot_ms * greatest(r.output_tokens - 1, 0)) IS NOT NULL
      AND r.run_timestamps <> 'missing'
      AND r.model NOT IN (SELECT model FROM mined)
),
pieces AS (
    SELECT model, kv_tokens, b AS bucket_s0,
           least(end_s, b + $bucket_s) - greatest(start_s, b) AS overlap_s
    FROM (SELECT *, unnest(range((floor(start_s / $bucket_s) * $bucket_s)::BIGINT,
                                 (floor(end_s / $bucket_s) * $bucket_s)::BIGINT + 1, $bucket_s::BIGINT)) AS b
          FROM spans)
)
SELECT * FROM mined
UNION ALL
SELECT model, to_timestamp(bucket_s0) AS bucket_ts,
       sum(overlap_s) / $bucket_s AS in_flight_requests_mean, NULL::DOUBLE AS in_flight_requests_max,
       sum(overlap_s * kv_tokens) / $bucket_s AS in_flight_kv_tokens_mean, 'requests' AS origin
FROM pieces
WHERE overlap_s > 0
GROUP BY ALL
ORDER BY model, bucket_ts
