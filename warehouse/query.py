"""Ad-hoc read-only queries and the named analytic SQL files under sql/."""

import os

import duckdb
import polars as pl

from warehouse.db import SQL_DIR, WarehouseError, connect, db_path


def read_only_query(db: str | os.PathLike | None, query: str) -> tuple[list[str], list[tuple]]:
    """Run `query` on a read-only connection: writes fail with a clear message."""
    path = db_path(db)
    if path.exists():
        connect(path).close()  # bring an older file's schema up to date first
    con = connect(path, read_only=True)
    try:
        result = con.execute(query)
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {exc}".replace("\n", " ")) from exc
    finally:
        con.close()


def sql_text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise WarehouseError(f"no analytic query named {name!r} in {SQL_DIR}")
    return path.read_text()


def run_sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pl.DataFrame:
    """Run `sql/<name>.sql` with bound parameters and return a polars frame (via Arrow)."""
    try:
        return con.sql(sql_text(name), params=params or None).pl()
    except duckdb.Error as exc:
        raise WarehouseError(f"{name}.sql failed: {exc}".replace("\n", " ")) from exc


__all__ = ["read_only_query", "run_sql", "sql_text"]
