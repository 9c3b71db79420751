-- Status shares, whole scope (regime_id NULL) and per regime.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: regime_id, requests, error_share, timeout_share, rejected_share, cancelled_share,
--   non_ok_share (0..1; non_ok = any status other than 'ok'; status_code as in mine_scope_rows.sql)
-- per (hour-of-week cell, status) first (at most 168 × 6 groups), then per regime
WITH cells AS (
    SELECT how_cell, status_code, count(*) AS requests FROM tf_scope_rows GROUP BY ALL
)
SELECT h.regime_id, sum(c.requests)::BIGINT AS requests,
       coalesce(sum(c.requests) FILTER (WHERE c.status_code = 1), 0) / sum(c.requests) AS error_share,
       coalesce(sum(c.requests) FILTER (WHERE c.status_code = 2), 0) / sum(c.requests) AS timeout_share,
       coalesce(sum(c.requests) FILTER (WHERE c.status_code = 3), 0) / sum(c.requests) AS rejected_share,
       coalesce(sum(c.requests) FILTER (WHERE c.status_code = 4), 0) / sum(c.requests) AS cancelled_share,
       coalesce(sum(c.requests) FILTER (WHERE c.status_code <> 0), 0) / sum(c.requests) AS non_ok_share
FROM cells c LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = c.how_cell
GROUP BY GROUPING SETS ((), (h.regime_id))
ORDER BY regime_id NULLS FIRST
