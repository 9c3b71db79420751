from pathlib import Path

import click

import warehouse
from ingest import ReadOptions
from tracefit.options import json_option, print_json, print_table, stderr
from tracefit.synthetic import generate
from warehouse.load import ingest_paths
from warehouse.summary import summarize


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default="demo",
              show_default=True, help="Folder for the generated log and the warehouse.")
@click.option("--days", type=click.IntRange(1, 28), default=7, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@json_option
def demo(out, days, seed, as_json):
    """Generate a realistic synthetic production log, ingest it and summarise it.

    \b
    Example:
      tracefit demo --out /tmp/demo --days 7
    """
    out.mkdir(parents=True, exist_ok=True)
    log = generate(days=days, seed=seed)
    path = out / f"requests-seed{seed}-{days}d.parquet"
    log.requests.write_parquet(path)
    stderr.print(f"generated {log.requests.height:,} requests over {days} days -> {path}")
    db = out / "tracefit.duckdb"
    with warehouse.connect(db) as con:
        results = ingest_paths(con, [path], ReadOptions(source="demo"))
        summary = summarize(con)
    if as_json:
        print_json({"log": str(path), "db": str(db), "ingest": [r.to_dict() for r in results], **summary})
        return
    print_table([r.to_dict() for r in results], title="ingest",
                columns=["path", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate"])
    print_table(summary["models"], title="traffic per model",
                columns=["model", "requests", "tenants", "prompt_tokens_p50", "prompt_tokens_p99",
                         "output_tokens_p50", "output_tokens_p99", "error_share"])
    stderr.print(f"planted: latency regression on {log.regression_day:%Y-%m-%d}, "
                 f"abusive tenant {log.abusive_tenant}")
    stderr.print(f"warehouse: {db}  —  try: tracefit sql --db {db} \"SELECT tenant, count(*) FROM requests GROUP BY ALL ORDER BY 2 DESC\"")
