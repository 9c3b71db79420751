-- 0008: requests meet their ingest run in tf_logged only. tf_logged (0006) also carries the run's
-- timestamps kind as run_timestamps (absolute | relative | missing: 'missing' = logged without arrival
-- times); tf_scope (0002) is tf_logged for one model plus the hour-of-week cell, so it carries
-- sample_rate, prefix_block_tokens and run_timestamps too. The model filter stays an equality on
-- requests.model (DuckDB pushes it into the scan through the join).
CREATE OR REPLACE MACRO tf_logged(models, since_ts, until_ts) AS TABLE
    SELECT r.*, i.sample_rate, 1.0 / i.sample_rate AS weight, i.prefix_block_tokens, i.timestamps AS run_timestamps
    FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
    WHERE (models IS NULL OR list_contains(models, r.model))
      AND (since_ts IS NULL OR r.arrival_ts >= since_ts)
      AND (until_ts IS NULL OR r.arrival_ts < until_ts);

CREATE OR REPLACE MACRO tf_scope(m, since_ts, until_ts) AS TABLE
    SELECT s.*, tf_how_cell(s.arrival_ts) AS how_cell
    FROM tf_logged(NULL::VARCHAR[], since_ts, until_ts) s
    WHERE s.model = m;
