-- Dashboard prefix reuse: per model and UTC day, the share of prefix blocks already seen that day
-- (an infinite-cache upper bound on prefix-cache hits: 1 − distinct blocks / blocks looked up).
-- params: none
-- columns: model, day (DATE, UTC), requests_with_prefix, lookup_blocks, distinct_blocks,
--   reuse_share (0..1)
WITH blocks AS (
    SELECT model, (arrival_ts AT TIME ZONE 'UTC')::DATE AS day, request_id, unnest(prefix_block_ids) AS block_id
    FROM requests
    WHERE len(prefix_block_ids) > 0
)
SELECT model, day, count(DISTINCT request_id) AS requests_with_prefix, count(*) AS lookup_blocks,
       count(DISTINCT block_id) AS distinct_blocks,
       1 - count(DISTINCT block_id) / count(*) AS reuse_share
FROM blocks
GROUP BY ALL
ORDER BY model, day
