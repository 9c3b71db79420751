-- Requests and non-ok requests per distinct prompt length (input to a tie-aware Spearman rank
-- correlation between prompt_tokens and failing, computed from these counts).
-- reads: the TEMP table tf_scope_rows of the mining run (mine_scope_rows.sql)
-- params: none
-- columns: prompt_tokens, requests, non_ok
SELECT prompt_tokens, count(*) AS requests,
       count(*) FILTER (WHERE status_code <> 0) AS non_ok  -- not 'ok'
FROM tf_scope_rows
GROUP BY prompt_tokens
ORDER BY prompt_tokens
