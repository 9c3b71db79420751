-- Dashboard prefix reuse: LRU prefix-cache hit rate by cache size from `tracefit mine`
-- (whole range, regime_id NULL; empty before mining).
-- params: none
-- columns: model, cache_blocks, cache_tokens (NULL when block size unknown), lookup_blocks,
--   hit_blocks, hit_rate (0..1)
SELECT model, cache_blocks, cache_tokens, lookup_blocks, hit_blocks, hit_rate
FROM mined_prefix
WHERE regime_id IS NULL
ORDER BY model, cache_blocks
