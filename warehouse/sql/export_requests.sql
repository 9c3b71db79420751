-- Export: the logged requests of some models in [since, until), for replay traces (Mooncake JSONL).
-- params: models (VARCHAR[], names as logged), since (TIMESTAMPTZ or NULL = from the first),
--   until (TIMESTAMPTZ or NULL = to the last; exclusive)
-- columns: arrival_ts (UTC), prompt_tokens, output_tokens (tokens), prefix_block_ids (BIGINT[] or NULL),
--   prefix_block_tokens (tokens per prefix block id, from the ingest run; NULL when unknown)
SELECT r.arrival_ts, r.prompt_tokens, r.output_tokens, r.prefix_block_ids, i.prefix_block_tokens
FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
WHERE list_contains($models::VARCHAR[], r.model)
  AND ($since::TIMESTAMPTZ IS NULL OR r.arrival_ts >= $since::TIMESTAMPTZ)
  AND ($until::TIMESTAMPTZ IS NULL OR r.arrival_ts < $until::TIMESTAMPTZ)
  AND r.prompt_tokens > 0
ORDER BY r.arrival_ts
