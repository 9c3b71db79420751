"""The `tracefit` command line: each command parses, calls one library function, prints."""

import click

from ingest import IngestError
from profiles import ProfilesError
from recommend.errors import RecommendError
from tracefit import __version__
from tracefit.commands import demo, ingest, sql, summary
from tracefit.commands import backtest as backtest_cmd
from tracefit.commands import calibrate as calibrate_cmd
from tracefit.commands import dashboard as dashboard_cmd
from tracefit.commands import export as export_cmd
from tracefit.commands import mine as mine_cmd
from tracefit.commands import nightly as nightly_cmd
from tracefit.commands import predict as predict_cmd
from tracefit.commands import profile as profile_cmd
from tracefit.commands import recommend as recommend_cmd
from tracefit.commands import roofline as roofline_cmd
from warehouse import WarehouseError

DOMAIN_ERRORS = (IngestError, WarehouseError, ProfilesError, RecommendError)


class Group(click.Group):
    """Turns domain errors into a one-line message and exit code 1."""

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
      tracefit summary
      tracefit sql "SELECT model, count(*) FROM requests GROUP BY ALL"
    """


for command in (ingest.ingest, sql.sql, summary.summary, demo.demo, mine_cmd.mine, predict_cmd.predict, roofline_cmd.roofline,
                dashboard_cmd.dashboard, profile_cmd.profile, export_cmd.export_cmd, nightly_cmd.nightly,
                backtest_cmd.backtest, calibrate_cmd.calibrate, recommend_cmd.recommend):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="tracefit")
