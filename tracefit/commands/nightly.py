import sys
from pathlib import Path

import click

from tracefit.lock import LockBusy
from tracefit.nightly import run_nightly
from tracefit.nightly_config import ConfigError, load
from tracefit.options import json_option, print_json, stderr
from warehouse import WarehouseBusy

# Exit codes a scheduler can act on (sysexits.h where one fits).
EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_LOCKED = 0, 2, 70, 75


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file; every key is also a flag below (flags win).",
)
@click.option("--inbox", multiple=True, help="Folder or glob of new log files (repeatable).")
@click.option("--db", help="Warehouse file.")
@click.option("--out", help="Folder for site/ and runs/<stamp>/report.json.")
@click.option("--source", help="De-duplication namespace of the inbox files.")
@click.option("--sample-rate", type=float, help="Fraction of real traffic the logs hold.")
@click.option("--model", "models", multiple=True, help="Model to plan for (repeatable; default all).")
@click.option("--keep", type=int, help="Run reports to keep (default 14).")
@click.option("--no-dashboard", "dashboard", flag_value=False, default=None, help="Skip the site.")
@click.option(
    "--wait",
    "wait_s",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for a concurrent run to finish instead of refusing.",
)
@json_option
def nightly(config_path, inbox, db, out, source, sample_rate, models, keep, dashboard, wait_s, as_json):
    """Run the nightly job: ingest new inbox files, mine, build dashboards, write a run report.

    Running it twice on the same inputs changes nothing and says so. Exit codes: 0 ok,
    2 bad input (config or unreadable log files; readable files still load), 70 internal
    failure, 75 another run holds the lock (or, past --wait, another process writes the warehouse).

    \b
    Example:
      tracefit nightly --config /etc/tracefit.toml
      tracefit nightly --inbox '/var/log/llm/*.parquet' --db /srv/tracefit.duckdb --out /srv/tracefit
    """
    try:
        config = load(
            config_path,
            {
                "inbox": inbox,
                "db": db,
                "out": out,
                "source": source,
                "sample_rate": sample_rate,
                "models": models,
                "keep": keep,
                "dashboard": dashboard,
            },
        )
        result = run_nightly(config, say=lambda msg: stderr.print(f"nightly: {msg}"), wait_s=wait_s)
    except ConfigError as exc:
        stderr.print(f"nightly: bad input: {exc}")
        sys.exit(EXIT_BAD_INPUT)
    except (LockBusy, WarehouseBusy) as exc:
        stderr.print(f"nightly: {exc}")
        sys.exit(EXIT_LOCKED)
    except click.exceptions.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - a scheduler needs one code for "our bug"
        stderr.print_exception()
        stderr.print(f"nightly: internal failure: {exc}")
        sys.exit(EXIT_INTERNAL)
    if as_json:
        print_json(result.to_dict())
    elif result.status == "unchanged":
        click.echo(f"nothing changed since run {result.report['previous_run']}: no new data, same settings")
    else:
        click.echo(f"report: {result.report_path}")
        if "site" in result.report:
            click.echo(f"site:   {result.report['site']}")
    sys.exit(EXIT_BAD_INPUT if result.bad_input else EXIT_OK)
