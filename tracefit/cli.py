"""The `tracefit` command line: each command parses, calls one library function, prints.

Commands load on first use (a registry of module paths), so `tracefit sql` does not pay for
scikit-learn, altair or the simulator.
"""

import importlib

import click

from ingest import IngestError
from profiles import ProfilesError
from recommend.errors import RecommendError
from tracefit import __version__
from warehouse import WarehouseError

DOMAIN_ERRORS = (IngestError, WarehouseError, ProfilesError, RecommendError)

# command name -> ("module:attribute" under tracefit.commands, its one-line summary). The summary is
# the command's own (a test checks): `tracefit --help` lists them without importing every command.
COMMANDS = {
    "ingest": ("ingest:ingest", "Load request logs into the warehouse."),
    "sql": ("sql:sql", "Run a read-only SQL query on the warehouse."),
    "summary": ("summary:summary", "Show what the warehouse holds: per-model traffic and the ingest runs."),
    "mine": (
        "mine:mine",
        "Mine the warehouse: lengths, seasonal regimes, concurrency, latency drift, "
        "errors, prefix reuse and tenants, stored as mined_* tables.",
    ),
    "export-lake": (
        "lake:export_lake_cmd",
        "Export the warehouse's requests as a hive-partitioned Parquet lake "
        "(by model and UTC day) that Spark, Trino and DuckDB read; `tracefit "
        "mine --engine spark --lake DIR` mines it.",
    ),
    "predict": (
        "predict:predict",
        "Predict a benchmark, a static batch or N clients in a closed loop: TTFT, TPOT, E2E, throughput.",
    ),
    "roofline": (
        "roofline:roofline",
        "Show the roofline: ridge point, compute-bound decode batch, latency floor, decode over batch.",
    ),
    "profile": (
        "profile:profile",
        "Measure a GPU with torch, and inspect the stored profiles predict/roofline use (--profile).",
    ),
    "recommend": (
        "recommend:recommend",
        "Recommend per-window engine configs and replica counts that meet the SLOs at the lowest cost.",
    ),
    "backtest": (
        "backtest:backtest",
        "Replay the requests logged in [since, until) against a plan's per-window configs.",
    ),
    "calibrate": (
        "calibrate:calibrate",
        "Compare predicted with measured latencies of a known deployment; fit efficiency factors.",
    ),
    "export": (
        "export:export_cmd",
        "Write a plan as deployable files: engine configs, a replica schedule, a replay trace.",
    ),
    "dashboard": (
        "dashboard:dashboard",
        "Write a static, offline HTML dashboard of the warehouse (open OUT/index.html).",
    ),
    "nightly": (
        "nightly:nightly",
        "Run the nightly job: ingest new inbox files, mine, build dashboards, write a run report.",
    ),
    "demo": ("demo:demo", "Generate a week of production-like traffic and run the nightly job on it."),
}


class Group(click.Group):
    """Loads commands lazily and turns domain errors into a one-line message and exit code 1."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(f"tracefit.commands.{module}"), attribute)

    def format_commands(self, ctx, formatter):
        """The command list from the registry's summaries (importing every command takes ~2 s)."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name, click.Command(name, help=summary).get_short_help_str(limit))
                    for name, (_, summary) in COMMANDS.items()
                ]
            )

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DOMAIN_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tracefit")
def cli():
    """Mine production LLM request logs and recommend inference-engine configs.

    \b
    Typical session:
      tracefit ingest logs/*.parquet --sample-rate 0.01
      tracefit mine
      tracefit recommend --model my-model --gpu h100 --out plan.json
      tracefit dashboard --out site --plan plan.json
      tracefit sql "SELECT model, count(*) FROM requests GROUP BY ALL"
    """


def main() -> None:
    cli(prog_name="tracefit")


if __name__ == "__main__":  # spark-submit runs a .py file: spark-submit .../tracefit/cli.py mine --engine spark ...
    main()
