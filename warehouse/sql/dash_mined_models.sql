-- Dashboard provenance: models that `tracefit mine` has covered (their mined_* rows are used).
-- params: none
-- columns: model
SELECT DISTINCT model FROM mine_runs ORDER BY model
