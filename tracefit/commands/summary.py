import click

import warehouse
from tracefit.options import db_option, json_option, print_json, print_table
from warehouse.summary import summarize


@click.command()
@db_option
@json_option
def summary(db, as_json):
    """Show what the warehouse holds: per-model traffic and the ingest runs.

    \b
    Example:
      tracefit summary --db prod.duckdb --json
    """
    with warehouse.connect(db) as con:
        result = summarize(con)
    if as_json:
        print_json(result)
        return
    print_table(
        result["models"],
        title="models",
        columns=[
            "model",
            "requests",
            "tenants",
            "first_arrival_ts",
            "last_arrival_ts",
            "prompt_tokens_p50",
            "prompt_tokens_p99",
            "output_tokens_p50",
            "output_tokens_p99",
            "with_latency_share",
            "error_share",
        ],
    )
    print_table(
        result["runs"][:20],
        title="ingest runs (newest 20)",
        columns=["run_id", "path", "format", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate"],
    )
