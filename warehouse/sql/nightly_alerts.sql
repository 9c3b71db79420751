-- What a nightly report flags: latency change points and outlier tenants from the mined tables.
-- params: none
-- columns: kind (latency_change | tenant_outlier), model, subject (metric or tenant),
--   day (DATE of a change point; NULL for tenants), detail (text), ratio (value / baseline,
--   or the tenant's share of the peak regime's tokens)
SELECT 'latency_change' AS kind, model, metric AS subject, day,
       kind || ': ' || round(value, 1) || ' vs baseline ' || round(baseline, 1) AS detail,
       ratio
FROM mined_change_points
UNION ALL
SELECT 'tenant_outlier', model, tenant, NULL,
       outlier || ' outlier: prompt p50 ' || round(prompt_tokens_p50) || ' tokens, '
           || requests || ' requests',
       peak_regime_token_share
FROM mined_tenants
WHERE outlier IS NOT NULL
ORDER BY kind, model, subject, day
