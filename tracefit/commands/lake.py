import click

import warehouse
from tracefit.options import db_option, json_option, print_json, print_table
from warehouse.lake import export_lake


@click.command()
@db_option
@click.option("--out", metavar="DIR", required=True, help="Lake folder to write (requests/, ingest_runs.parquet).")
@click.option("--overwrite", is_flag=True, help="Replace a lake already in --out.")
@json_option
def export_lake_cmd(db, out, overwrite, as_json):
    """Export the warehouse's requests as a hive-partitioned Parquet lake (by model and UTC day) that
    Spark, Trino and DuckDB read; `tracefit mine --engine spark --lake DIR` mines it.

    \b
    Examples:
      tracefit export-lake --db prod.duckdb --out lake
      tracefit mine --engine spark --lake lake --db mined.duckdb
    """
    with warehouse.connect(db) as con:
        result = export_lake(con, out, overwrite=overwrite)
    row = {
        "path": result.path,
        "requests": result.requests,
        "partitions": result.partitions,
        "token_latencies": result.token_latencies,
    }
    if as_json:
        print_json(row)
    else:
        print_table([row], title="lake")
