-- Status shares, whole scope (regime_id NULL) and per regime.
-- params: $model, $since, $until
-- columns: regime_id, requests, error_share, timeout_share, rejected_share, cancelled_share,
--   non_ok_share (0..1; non_ok = any status other than 'ok')
SELECT regime_id, count(*) AS requests,
       avg((status = 'error')::INTEGER) AS error_share,
       avg((status = 'timeout')::INTEGER) AS timeout_share,
       avg((status = 'rejected')::INTEGER) AS rejected_share,
       avg((status = 'cancelled')::INTEGER) AS cancelled_share,
       avg((status <> 'ok')::INTEGER) AS non_ok_share
FROM tf_scope_regimes($model, $since::TIMESTAMPTZ, $until::TIMESTAMPTZ)
GROUP BY GROUPING SETS ((), (regime_id))
ORDER BY regime_id NULLS FIRST
