-- What a mining run would read: size and freshness of one model's scope.
-- params: $model, $since, $until (ISO timestamps or NULL = open)
-- columns: requests, first_arrival_ts, last_arrival_ts (UTC), latest_ingest_run_id,
--   with_latency (requests with ttft_ms or e2e_ms), with_any_latency (… or tpot_ms),
--   with_prefix (requests with prefix_block_ids),
--   prefix_block_tokens (tokens per block; NULL when unknown or mixed), min_sample_rate,
--   sample_rates (distinct sample rates of the scope's runs), max_tokens (longest prompt or output),
--   without_arrivals, runs_without_arrivals (requests and runs logged with no arrival times:
--   ingest_runs.timestamps = 'missing', e.g. llmperf without its summary; all arrive at --start)
SELECT
    count(*) AS requests,
    min(s.arrival_ts) AS first_arrival_ts,
    max(s.arrival_ts) AS last_arrival_ts,
    max(s.ingest_run_id) AS latest_ingest_run_id,
    count(*) FILTER (WHERE s.ttft_ms IS NOT NULL OR s.e2e_ms IS NOT NULL) AS with_latency,
    count(*) FILTER (WHERE s.ttft_ms IS NOT NULL OR s.e2e_ms IS NOT NULL OR s.tpot_ms IS NOT NULL)
        AS with_any_latency,
    count(*) FILTER (WHERE len(s.prefix_block_ids) > 0) AS with_prefix,
    CASE WHEN count(DISTINCT s.prefix_block_tokens) = 1 THEN min(s.prefix_block_tokens) END
        AS prefix_block_tokens,
    min(s.sample_rate) AS min_sample_rate,
    count(DISTINCT s.sample_rate) AS sample_rates,
    greatest(max(s.prompt_tokens), max(s.output_tokens)) AS max_tokens,
    count(*) FILTER (WHERE s.run_timestamps = 'missing') AS without_arrivals,
    count(DISTINCT s.ingest_run_id) FILTER (WHERE s.run_timestamps = 'missing') AS runs_without_arrivals
FROM tf_scope($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) s
