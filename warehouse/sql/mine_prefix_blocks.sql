-- Prefix block ids of each request in arrival order, for the LRU prefix-cache simulation.
-- params: $model, $since, $until
-- columns: regime_id, prefix_block_ids (BIGINT[]; one id per block, equal ids = shared prefix)
SELECT regime_id, prefix_block_ids
FROM tf_scope_regimes($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ)
WHERE len(prefix_block_ids) > 0
ORDER BY arrival_ts, source_row
