"""Ad-hoc read-only queries and the named analytic SQL files under sql/."""

import datetime as dt
import os

import duckdb
import polars as pl

from warehouse.db import SQL_DIR, WarehouseError, connect, db_path


def read_only_query(db: str | os.PathLike | None, query: str) -> tuple[list[str], list[tuple]]:
    """Run `query` on a read-only connection: writes fail with a clear message.

    Rows come back through Arrow, not DuckDB's Python conversion: that one needs pytz for every
    TIMESTAMPTZ value (DuckDB 2.0), Arrow gives zoneinfo datetimes."""
    path = db_path(db)
    if path.exists():
        connect(path).close()  # bring an older file's schema up to date first
    con = connect(path, read_only=True)
    try:
        relation = con.sql(query)
        if relation is None:  # a statement without a result (SET, PRAGMA ...)
            return [], []
        types = [str(t) for t in relation.types]
        table = relation.to_arrow_table()
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        columns = [_python(values, kind) for values, kind in zip(columns, types)]
        return list(table.column_names), list(zip(*columns))
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {exc}".replace("\n", " ")) from exc
    finally:
        con.close()


def _python(values: list, duck_type: str) -> list:
    """The Python values DuckDB's own conversion gives where Arrow's differ: HUGEINT (e.g. a
    sum of BIGINTs) arrives as a Decimal of scale 0 -> int; INTERVAL as MonthDayNano -> timedelta
    (months as 30 days, DuckDB's own rule)."""
    if duck_type in ("HUGEINT", "UHUGEINT"):
        return [None if v is None else int(v) for v in values]
    if duck_type == "INTERVAL":
        return [
            None if v is None else dt.timedelta(days=v.months * 30 + v.days, microseconds=v.nanoseconds / 1e3)
            for v in values
        ]
    return values


def sql_text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise WarehouseError(f"no analytic query named {name!r} in {SQL_DIR}")
    return path.read_text()


def run_sql(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict | None = None,
    relations: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Run `sql/<name>.sql` with bound parameters and return a polars frame (via Arrow); `relations`
    are frames the file reads by name (its header says which), registered for this query only."""
    for relation, frame in (relations or {}).items():
        con.register(relation, frame.to_arrow())
    try:
        return con.sql(sql_text(name), params=params or None).pl()
    except duckdb.Error as exc:
        raise WarehouseError(f"{name}.sql failed: {exc}".replace("\n", " ")) from exc
    finally:
        for relation in relations or {}:
            con.unregister(relation)


__all__ = ["read_only_query", "run_sql", "sql_text"]
