-- 0004: the hour-of-week cell by integer arithmetic on epoch microseconds, not ICU: the same values as
-- 0002's (isodow(ts AT TIME ZONE 'UTC') - 1) * 24 + hour(...) (1970-01-01 was a Thursday, isodow 4),
-- about 10x cheaper a row — every recommend and backtest scan of tf_scope computes it (bench/RESULTS.md, scale).
CREATE OR REPLACE MACRO tf_how_cell(ts) AS
    ((epoch_us(ts) // 86400000000 + 3) % 7) * 24 + (epoch_us(ts) // 3600000000) % 24;
