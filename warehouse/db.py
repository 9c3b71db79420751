"""Open the warehouse file and bring its schema up to date.

Schema lives in `sql/NNNN_name.sql`; each file is applied once, in order, inside a
transaction, and recorded in `schema_migrations` (datasette's internal_db pattern).
"""

import os
import re
import time
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
DEFAULT_DB = "tracefit.duckdb"
# DuckDB's default is 80% of RAM; 6 GB keeps a 237M-request mine under bench/scale.py's 8 GB RSS
# target (DuckDB spills to <db>.tmp beyond it). Override with TRACEFIT_MEMORY_LIMIT (e.g. "16GB").
MEMORY_LIMIT = "6GB"
_MIGRATION = re.compile(r"^(\d{4})_(\w+)\.sql$")


class WarehouseError(Exception):
    """The warehouse cannot do what was asked; the message says why and what to do."""


class WarehouseBusy(WarehouseError):
    """Another process has the warehouse file open for writing (DuckDB allows one writer)."""


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("TRACEFIT_DB") or DEFAULT_DB)


def migrations() -> list[tuple[int, str, Path]]:
    found = [(_MIGRATION.match(p.name), p) for p in SQL_DIR.glob("*.sql")]
    return sorted((int(m.group(1)), m.group(2), p) for m, p in found if m)


def connect(
    path: str | os.PathLike | None = None, *, read_only: bool = False, wait_s: float = 0.0, poll_s: float = 0.5
) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating) the warehouse at `path`; read-only opens of a file an older tracefit
    made migrate it first (briefly writable).

    DuckDB lets one process write a file, and no other process open it meanwhile: a busy file
    is retried for up to `wait_s` seconds, then raises WarehouseBusy saying what to do.
    """
    path = db_path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here; run `tracefit ingest` first or pass --db")
    con = _open(path, read_only, wait_s, poll_s)
    if read_only and _version(con) is not None and not _current(con):  # an older tracefit's: migrate, then read
        con.close()
        with _configured(_open(path, False, wait_s, poll_s)) as writer:
            migrate(writer)
        con = _open(path, True, wait_s, poll_s)
    _configured(con)
    if read_only:
        _check_current(con, path)
    else:
        migrate(con)
    return con


def _open(path: Path, read_only: bool, wait_s: float, poll_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            if not _is_lock_conflict(exc):
                raise WarehouseError(f"{path}: cannot open the warehouse ({exc})") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path}: another process is writing the warehouse ({_holder(exc)}); retry when it "
                    "finishes, or pass --wait SECONDS (ingest, nightly) to wait for it"
                ) from None
            time.sleep(poll_s)
    return con


def _configured(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("SET memory_limit = $limit", {"limit": os.environ.get("TRACEFIT_MEMORY_LIMIT", MEMORY_LIMIT)})
    con.execute("SET TimeZone = 'UTC'")  # timestamps without an offset are UTC, whatever the host's zone
    return con


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def _holder(exc: duckdb.Error) -> str:
    found = re.search(r"PID (\d+)", str(exc))
    return f"pid {found.group(1)}" if found else "holder unknown"


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_migrations VALUES ($v, $n, now())", {"v": version, "n": name})
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple | None:
    """First row of a query (draining the result: DuckDB 2 refuses work on an unfinished one)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def _version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest migration applied; None when the file has no tracefit schema."""
    try:
        (have,) = fetch_one(con, "SELECT max(version) FROM schema_migrations")
    except duckdb.Error:
        return None
    return have


def _current(con: duckdb.DuckDBPyConnection) -> bool:
    have = _version(con)
    return have is not None and have >= migrations()[-1][0]


def _check_current(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if _version(con) is None:
        raise WarehouseError(
            f"{path}: not a tracefit warehouse (no schema_migrations table); pass the "
            "warehouse `tracefit ingest` wrote with --db"
        )
    if not _current(con):
        raise WarehouseError(
            f"{path}: the warehouse schema is older than this tracefit and was not migrated; "
            "run `tracefit ingest` on it"
        )
