-- Export: the logged requests of some models in [since, until), for replay traces (Mooncake JSONL).
-- params: models (VARCHAR[], names as logged), since (TIMESTAMPTZ or NULL = from the first),
--   until (TIMESTAMPTZ or NULL = to the last; exclusive)
-- columns: arrival_ts (UTC), prompt_tokens, output_tokens (tokens), prefix_block_ids (BIGINT[] or NULL),
--   prefix_block_tokens (tokens per prefix block id, from the ingest run; NULL when unknown)
SELECT r.arrival_ts, r.prompt_tokens, r.output_tokens, r.prefix_block_ids, r.prefix_block_tokens
FROM tf_logged($models::VARCHAR[], $since::TIMESTAMPTZ, $until::TIMESTAMPTZ) r
WHERE r.prompt_tokens > 0
ORDER BY r.arrival_ts
