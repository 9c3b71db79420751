-- What the mining steps read as the TEMP view tf_scope_rows: the stored narrow projection
-- (mine_scope_rows.sql, TEMP table tf_scope_stored) plus columns derived per row on the fly.
-- Minute and hour-of-week come from integer arithmetic on epoch microseconds (UTC; 1970-01-01 was a
-- Thursday, isodow 4): the same values as date_trunc('minute', ·) and tf_how_cell, ~10× cheaper (no ICU).
-- weight: stored, or one value for the scope (TEMP table tf_scope_weight) — store.py picks.
-- params: none
-- columns: the stored ones, arrival_us (epoch µs), minute (minutes since the epoch, BIGINT),
--   minute_ts (UTC, start of the arrival's minute), how_cell (0 = Mon 00 UTC .. 167, INTEGER)
SELECT s.*,
       epoch_us(s.arrival_ts) AS arrival_us,
       epoch_us(s.arrival_ts) // 60000000 AS minute,
       to_timestamp(epoch_us(s.arrival_ts) // 60000000 * 60) AS minute_ts,
       (((epoch_us(s.arrival_ts) // 86400000000 + 3) % 7) * 24 + (epoch_us(s.arrival_ts) // 3600000000) % 24)::INTEGER
           AS how_cell
FROM tf_scope_stored s
