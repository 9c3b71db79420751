import csv
import sys
from datetime import date, datetime

import click

from tracefit.options import db_option, json_option, print_json, print_table
from warehouse.query import read_only_query


@click.command()
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--limit", type=int, default=1000, show_default=True, help="Rows to print in table mode.")
@db_option
@json_option
def sql(query, as_csv, limit, db, as_json):
    """Run a read-only SQL query on the warehouse.

    \b
    Tables: requests, request_token_latencies, ingest_runs, rejected_rows.
    Examples:
      tracefit sql "SELECT model, count(*) AS n FROM requests GROUP BY ALL"
      tracefit sql "SELECT reason, count(*) FROM rejected_rows GROUP BY ALL" --json
      tracefit sql "SELECT * FROM requests LIMIT 100" --csv > sample.csv
    """
    columns, rows = read_only_query(db, query)
    if as_json:
        print_json([dict(zip(columns, map(_json_value, r))) for r in rows])
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print_table([dict(zip(columns, r)) for r in rows[:limit]], columns=columns)


def _json_value(value):
    """Values JSON has no type for (DECIMAL, INTERVAL, BLOB, UUID) as their text; the rest as they are."""
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool, datetime, date)):
        return value
    return str(value)
