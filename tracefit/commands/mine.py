import click

import warehouse
from tracefit.options import TIMESTAMP, as_utc, db_option, json_option, print_json, print_table, stderr
from warehouse.mine import MineOptions, summarize
from warehouse.mine import mine as mine_warehouse


@click.command()
@db_option
@click.option("--model", help="Mine only this model (default: every model).")
@click.option("--since", type=TIMESTAMP, callback=as_utc, help="Only requests arriving at or after this time (UTC).")
@click.option("--until", type=TIMESTAMP, callback=as_utc, help="Only requests arriving before this time (UTC).")
@click.option(
    "--prompt-long-tokens",
    type=int,
    default=1024,
    show_default=True,
    help="Prompts this long or longer are 'long' in the query patterns.",
)
@click.option(
    "--output-long-tokens",
    type=int,
    default=256,
    show_default=True,
    help="Outputs this long or longer are 'long' in the query patterns.",
)
@click.option("--bin-tokens", type=int, help="Linear histogram bins of this many tokens (default: log2 bins).")
@click.option(
    "--cache-blocks",
    default="256,1024,4096,16384",
    show_default=True,
    help="LRU prefix-cache sizes to simulate, in blocks, comma-separated.",
)
@click.option("--force", is_flag=True, help="Re-mine even when the data and options are unchanged.")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Where the requests are read: the warehouse (duckdb) or a Parquet lake on Spark (--lake).",
)
@click.option(
    "--lake",
    metavar="PATH_OR_URI",
    help="Lake written by `tracefit export-lake` (requests/model=*/day=*/), for --engine spark.",
)
@click.option("--master", metavar="URL", help="Spark master [default: SPARK_MASTER, spark-submit's, else local[*]].")
@json_option
def mine(
    db,
    model,
    since,
    until,
    prompt_long_tokens,
    output_long_tokens,
    bin_tokens,
    cache_blocks,
    force,
    engine,
    lake,
    master,
    as_json,
):
    """Mine the warehouse: lengths, seasonal regimes, concurrency, latency drift, errors,
    prefix reuse and tenants, stored as mined_* tables.

    With --engine spark the requests are read from a hive-partitioned Parquet lake on a Spark
    session (pip install 'tracefit[spark]', Java 17) running the same mining SQL, transpiled; the
    mined tables land in --db as without it.

    \b
    Examples:
      tracefit mine --db prod.duckdb
      tracefit mine --model llama-3.1-70b --since 2025-03-03 --until 2025-03-10 --json
      tracefit mine --engine spark --lake s3a://logs/lake --db mined.duckdb --master spark://head:7077
    """
    opts = MineOptions(
        since=since,
        until=until,
        prompt_long_tokens=prompt_long_tokens,
        output_long_tokens=output_long_tokens,
        histogram_bin_tokens=bin_tokens,
        cache_blocks=tuple(int(n) for n in cache_blocks.split(",") if n.strip()),
    )
    if (engine == "spark") != (lake is not None):
        raise click.UsageError("--engine spark reads --lake; --lake needs --engine spark")
    with warehouse.connect(db) as con:
        source = None
        if engine == "spark":
            from warehouse.spark import lake_source

            source = lake_source(lake, con, master=master)
        runs = mine_warehouse(
            con, opts, model, force=force, progress=lambda s: stderr.print(s, highlight=False), source=source
        )
        result = summarize(con, [r.model for r in runs if r.status != "empty"])
    result["notes"] = {r.model: list(r.notes) for r in runs if r.notes}
    if as_json:
        print_json(result)
        return
    print_table(
        [
            {
                "model": r.model,
                "status": r.status,
                "requests": r.requests,
                "latency": r.has_latency,
                "prefix": r.has_prefix,
                "notes": "; ".join(r.notes) or None,
            }
            for r in runs
        ],
        title="mined",
    )
    print_table(
        result["regimes"],
        title="regimes",
        columns=[
            "regime_id",
            "label",
            "hours_per_week",
            "request_share",
            "rps_p50_real",
            "rps_peak_real",
            "interarrival_cv",
            "peak_over_mean",
        ],
    )
    print_table(
        result["change_points"],
        title="latency change points",
        columns=["metric", "day", "kind", "value", "baseline", "ratio"],
    )
    print_table(
        [t for t in result["tenants"] if t["outlier"]],
        title="outlier tenants",
        columns=["tenant", "requests", "prompt_tokens_p50", "rps_peak_real", "outlier"],
    )
