-- Recommender input: the time range the model's latest mining run covered, so a plan reads only the
-- traffic it was mined from (a backtest's held-out week stays out of the plan).
-- params: $model (VARCHAR, as logged)
-- columns: since_iso, until_iso (VARCHAR ISO UTC timestamps, [since, until); since = the first mined
--   arrival when `mine` had no --since, until = 1 µs after the last mined arrival when it had no --until)
SELECT strftime(coalesce(since_ts, first_arrival_ts) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f+00:00') AS since_iso,
       strftime(coalesce(until_ts, last_arrival_ts + INTERVAL 1 MICROSECOND) AT TIME ZONE 'UTC',
                '%Y-%m-%dT%H:%M:%S.%f+00:00') AS until_iso
FROM mine_runs
WHERE model = $model
ORDER BY finished_at DESC, mine_run_id DESC
LIMIT 1
