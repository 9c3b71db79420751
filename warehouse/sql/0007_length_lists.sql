-- 0007: the quantile-from-counts step the mining SQL repeats, once. tf_length_lists(rows, group_key):
-- over the relation named `rows` (a mining step passes 'tf_scope_rows'), per value of `group_key` (an
-- expression over its columns: how_cell, coalesce(tenant, '(none)')) and is_output (0 = prompt_tokens,
-- 1 = output_tokens): vals (the distinct lengths, ascending) and ends (cumulative counts: ends[j] =
-- requests with length <= vals[j]), the arguments of tf_quantile_cont_counts (0003). Integer lengths
-- take one hash aggregate per column instead of a sort of every request; not GROUPING SETS (DuckDB
-- would copy the rows into a CTE first). warehouse/dialect.py turns query_table('x') into x for Spark.
-- columns: k (group_key's value), is_output (INTEGER), vals (tokens, ascending), ends (requests)
CREATE MACRO tf_length_lists(rows, group_key) AS TABLE
    SELECT k, is_output, list(value ORDER BY value) AS vals, list(cum ORDER BY value) AS ends
    FROM (SELECT *, sum(c) OVER (PARTITION BY k, is_output ORDER BY value) AS cum
          FROM (SELECT group_key AS k, 0 AS is_output, prompt_tokens AS value, count(*) AS c
                FROM query_table(rows) GROUP BY ALL
                UNION ALL
                SELECT group_key AS k, 1 AS is_output, output_tokens AS value, count(*) AS c
                FROM query_table(rows) GROUP BY ALL))
    GROUP BY ALL;
