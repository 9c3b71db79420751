-- Status shares, whole scope (regime_id NULL) and per regime.
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: $model
-- columns: regime_id, requests, error_share, timeout_share, rejected_share, cancelled_share,
--   non_ok_share (0..1; non_ok = any status other than 'ok')
SELECT regime_id, count(*) AS requests,
       avg((status = 'error')::INTEGER) AS error_share,
       avg((status = 'timeout')::INTEGER) AS timeout_share,
       avg((status = 'rejected')::INTEGER) AS rejected_share,
       avg((status = 'cancelled')::INTEGER) AS cancelled_share,
       avg((status <> 'ok')::INTEGER) AS non_ok_share
FROM (SELECT s.*, h.regime_id FROM tf_scope_rows s
      LEFT JOIN mined_hour_of_week h ON h.model = $model AND h.how_cell = s.how_cell)
GROUP BY GROUPING SETS ((), (regime_id))
ORDER BY regime_id NULLS FIRST
