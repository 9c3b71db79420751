"""De-duplication of a new run's requests against itself and the warehouse."""

from warehouse.db import fetch_one


def drop_duplicates(con, run_id: int, source: str, absolute_ts: bool, may_repeat: bool = True) -> int:
    """Delete this run's rows whose (source, request_id) repeats in the run or is already stored.

    Built for scale (bench/scale.py): the within-run window runs only when a hash count finds a
    repeat, and with absolute timestamps the stored side is limited to this run's arrival span
    (zone maps skip the rest), so the cost follows the new file, not the warehouse. The cost: a
    re-logged id whose stored arrival lies outside the new file's span is kept as a new request.
    """
    (repeats,) = (
        fetch_one(
            con,
            "SELECT count(*) FROM (SELECT 1 FROM requests WHERE ingest_run_id = $run "
            "GROUP BY source, request_id HAVING count(*) > 1)",
            {"run": run_id},
        )
        if may_repeat
        else (0,)
    )
    lo, hi = fetch_one(
        con,
        "SELECT epoch_us(min(arrival_ts)), epoch_us(max(arrival_ts)) FROM requests WHERE ingest_run_id = $run",
        {"run": run_id},
    )
    if lo is None:
        return 0
    span = "AND arrival_ts BETWEEN make_timestamptz($lo) AND make_timestamptz($hi)" if absolute_ts else ""
    bounds = {"lo": lo, "hi": hi} if absolute_ts else {}
    (stored,) = fetch_one(
        con,
        f"SELECT count(*) FROM (SELECT 1 FROM requests WHERE ingest_run_id <> $run "
        f"AND source = $source {span} LIMIT 1)",
        {"run": run_id, "source": source, **bounds},
    )
    if not repeats and not stored:  # the usual case: a new file of new requests, nothing to delete
        return 0
    nth = "row_number() OVER (PARTITION BY source, request_id ORDER BY source_row)" if repeats else "1"
    (count,) = fetch_one(
        con,
        f"""
        DELETE FROM requests WHERE rowid IN (
            WITH mine AS (
                SELECT rowid AS rid, source, request_id, {nth} AS nth
                FROM requests WHERE ingest_run_id = $run
            )
            SELECT rid FROM mine WHERE nth > 1
            UNION ALL
            SELECT m.rid FROM mine m
            SEMI JOIN (SELECT source, request_id FROM requests
                       WHERE ingest_run_id <> $run AND source = $source {span}) o
              ON o.source = m.source AND o.request_id = m.request_id
            WHERE m.nth = 1
        )
        """,
        {"run": run_id, "source": source, **bounds},
    )
    return count
