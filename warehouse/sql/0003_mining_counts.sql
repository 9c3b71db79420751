-- 0003: exact continuous quantiles from (value, count) pairs, so mining can aggregate integer
-- token lengths with one hash aggregate instead of sorting every request per quantile.
-- vals: the distinct values ascending; ends: cumulative counts (ends[j] = rows with value <= vals[j]);
-- p: 0..1. Same result as quantile_cont over the rows: position rn = (n − 1)·p (0-based, n = ends[-1]),
-- lo/hi = values at floor(rn)/ceil(rn), lo + (hi − lo)·(rn − floor(rn)) (DuckDB's Interpolator; it
-- rounds lo·(1 − d) + hi·d, so the last bit may differ: tests/test_warehouse_mine_units.py).
CREATE MACRO tf_quantile_cont_counts(vals, ends, p) AS
    vals[len(list_filter(ends, lambda e: e <= floor((ends[-1] - 1)::DOUBLE * p::DOUBLE))) + 1]::DOUBLE
    + (vals[len(list_filter(ends, lambda e: e <= ceil((ends[-1] - 1)::DOUBLE * p::DOUBLE))) + 1]::DOUBLE
       - vals[len(list_filter(ends, lambda e: e <= floor((ends[-1] - 1)::DOUBLE * p::DOUBLE))) + 1]::DOUBLE)
      * ((ends[-1] - 1)::DOUBLE * p::DOUBLE - floor((ends[-1] - 1)::DOUBLE * p::DOUBLE));
