from pathlib import Path

import click

from dashboards.site import build_site
from tracefit.options import db_option, json_option, print_json, stderr
from tracefit.site_data import site_data


@click.command()
@db_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for index.html, one page per section and the offline Vega scripts.",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Plan JSON from `tracefit recommend --out plan.json`: adds the Recommendations page.",
)
@click.option("--png", is_flag=True, help="Also write every chart as PNG under OUT/images.")
@click.option("--svg", is_flag=True, help="Also write every chart as SVG under OUT/images.")
@json_option
def dashboard(db, out, plan_path, png, svg, as_json):
    """Write a static, offline HTML dashboard of the warehouse (open OUT/index.html).

    \b
    Example:
      tracefit dashboard --db demo/tracefit.duckdb --out site --png
    """
    result = build_site(site_data(db, plan_path), out, png=png, svg=svg)
    if as_json:
        print_json(result.to_dict())
        return
    stderr.print(
        f"wrote {len(result.pages)} pages with {result.charts} charts"
        + (f" and {len(result.images)} images" if result.images else "")
    )
    click.echo(str(out / "index.html"))
