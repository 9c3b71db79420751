-- 0006: where requests meet the ingest run that loaded them, once. tf_logged(models, since_ts, until_ts):
-- the requests of the models in `models` (VARCHAR[]; NULL = every model), arrival in
-- [since_ts, until_ts) (NULL = open), with their run's sample_rate (share of real requests the log
-- holds), weight = 1 / sample_rate (real requests per logged one) and prefix_block_tokens (tokens per
-- prefix block id, NULL when unknown). tf_scope (0002) is the one-model view of the mining steps.
CREATE MACRO tf_logged(models, since_ts, until_ts) AS TABLE
    SELECT r.*, i.sample_rate, 1.0 / i.sample_rate AS weight, i.prefix_block_tokens
    FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
    WHERE (models IS NULL OR list_contains(models, r.model))
      AND (since_ts IS NULL OR r.arrival_ts >= since_ts)
      AND (until_ts IS NULL OR r.arrival_ts < until_ts);
