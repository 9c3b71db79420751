"""Options shared by commands (sqlite-utils style decorators) and output helpers."""

import json
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

stdout = Console()
stdout = stdout if stdout.is_terminal else Console(width=200)  # pipes and CI: don't fold tables
stderr = Console(stderr=True, soft_wrap=True)  # log lines stay whole in files

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TRACEFIT_DB",
    default="tracefit.duckdb",
    show_default=True,
    help="Warehouse file (env TRACEFIT_DB).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object for machines.")


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=_default) + "\n")


def print_table(rows: Iterable[dict], title: str | None = None, columns: list[str] | None = None) -> None:
    rows = list(rows)
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title, show_lines=False, header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    stdout.print(table)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def float_pairs(items: tuple[str, ...], option: str, example: str) -> dict[str, float]:
    """('KEY=1.5', ...) -> {'KEY': 1.5} for repeatable KEY=NUMBER options; a clear error otherwise."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: use KEY=NUMBER, e.g. {example}", param_hint=option)
    return out


# --since/--until/--start: ISO date or time; a naive value means UTC.
TIMESTAMP = click.DateTime(
    ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
)


def as_utc(_ctx, _param, value: datetime | None) -> datetime | None:
    """click callback: a naive timestamp option is UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
