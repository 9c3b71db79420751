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

# command name -> "module:attribute" under tracefit.commands
COMMANDS = {
    "ingest": "ingest:ingest",
    "sql": "sql:sql",
    "summary": "summary:summary",
    "mine": "mine:mine",
    "predict": "predict:predict",
    "roofline": "roofline:roofline",
    "profile": "profile:profile",
    "recommend": "recommend:recommend",
    "backtest": "backtest:backtest",
    "calibrate": "calibrate:calibrate",
    "export": "export:export_cmd",
    "dashboard": "dashboard:dashboard",
    "nightly": "nightly:nightly",
    "demo": "demo:demo",
}


class Group(click.Group):
    """Loads commands lazily and turns domain errors into a one-line message and exit code 1."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"tracefit.commands.{module}"), attribute)

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
