import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from profiles import get_model
from profiles.profile import load_profile, save_profile
from recommend.backtest import ReplayOptions
from recommend.calibrate import FIT_FIELDS, METRICS, Deployed, calibration_document, compare, comparison_dict
from recommend.calibrate import calibrate as fit
from recommend.roofline import StepModel, efficiency_for, with_profile
from tracefit import __version__
from tracefit.backtest_data import read_measured
from tracefit.options import TIMESTAMP, as_utc, db_option, json_option, print_json, print_table, stderr

WINDOWS_S = {"day": 86400.0, "hour": 3600.0}


def parse_deployed(values: tuple[str, ...]) -> dict:
    """A JSON file, or KEY=VALUE pairs (repeatable and/or comma-separated) -> dict."""
    if len(values) == 1 and values[0].endswith(".json"):
        try:
            return json.loads(Path(values[0]).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise click.BadParameter(f"{values[0]}: {exc}", param_hint="--deployed") from exc
    out = {}
    for item in (part for value in values for part in value.split(",") if part.strip()):
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use KEY=VALUE, e.g. gpu=h100", param_hint="--deployed")
        out[key.strip()] = value.strip()
    return out


@click.command()
@db_option
@click.option("--model", required=True, help="Model as logged (and the catalog model unless --deployed names one).")
@click.option(
    "--deployed",
    multiple=True,
    required=True,
    metavar="KEY=VALUE|FILE.json",
    help="What served the log: gpu, tp, weights, kv, max_model_len, max_num_seqs, "
    "max_num_batched_tokens, replicas [, model, engine] as pairs or a JSON file.",
)
@click.option("--since", type=TIMESTAMP, callback=as_utc, help="First arrival to use (UTC) [default: all].")
@click.option("--until", type=TIMESTAMP, callback=as_utc, help="Arrivals before this (UTC) [default: all].")
@click.option(
    "--window",
    type=click.Choice(list(WINDOWS_S)),
    default="day",
    show_default=True,
    help="Compare percentiles per UTC day or hour.",
)
@click.option(
    "--fit",
    "fields",
    default=",".join(FIT_FIELDS),
    show_default=True,
    help="Efficiency fields to fit (comma-separated; profiles/profile_calibration.py FITTABLE).",
)
@click.option("--no-fit", is_flag=True, help="Only compare the current model with the measurements.")
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Measured profile (or earlier calibration) to start from.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=0),
    default=3000,
    show_default=True,
    help="Simulated requests per window at most (slices beyond it; 0 = whole windows).",
)
@click.option("--max-evals", type=click.IntRange(min=1), default=60, show_default=True, help="Replays the fit may run.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the calibration here; predict/roofline/backtest take it with --profile.",
)
@json_option
def calibrate(
    db, model, deployed, since, until, window, fields, no_fit, profile_path, max_requests, max_evals, out, as_json
):
    """Compare predicted with measured latencies of a known deployment; fit efficiency factors.

    The logged arrivals of each window are replayed with the deployed config; the predicted TTFT p50/p95,
    TPOT p50 and E2E p50 are compared with the measured ones over the same requests (MAPE per metric),
    then a few efficiency factors are fitted (least squares on log error) and the error shown again.

    \b
    Example:
      tracefit calibrate --db demo/tracefit.duckdb --model llama-3.1-70b \\
          --deployed gpu=h100,tp=4,weights=fp8,kv=fp8,max_model_len=32768,max_num_seqs=256,max_num_batched_tokens=8192,replicas=2 \\
          --out llama70b-h100.calibration.json
      tracefit predict --model llama-3.1-70b --gpu h100 --tp 4 --batch 8 --isl 1024 --osl 128 --profile llama70b-h100.calibration.json

    A log whose load varies (hours or days at different rates) also sizes the host's work per running request a
    step: add step_overhead_per_seq_s to --fit (e.g. --fit hbm_fraction,step_overhead_per_seq_s,request_overhead_s).
    """
    values = parse_deployed(deployed)
    dep_spec = Deployed.from_dict(values, default_model=get_model(values.get("model") or model).name)
    measured, unsampled = read_measured(db, model, since, until)
    options = ReplayOptions(max_requests=max_requests, exact_routing=unsampled)
    dep = dep_spec.config.deployment(dep_spec.model, dep_spec.engine)
    dep = with_profile(dep, load_profile(profile_path)) if profile_path else dep
    window_s = WINDOWS_S[window]
    stderr.print(
        f"{measured.traffic.arrival_s.size:,} logged requests; replaying "
        f"{'the whole stream' if unsampled else 'one replica' + chr(39) + 's share'} per {window}"
    )
    if no_fit:
        before = compare(measured, dep_spec, step_model=StepModel(dep), window_s=window_s, options=options)
        doc = {
            "model": dep_spec.model,
            "deployed": dep_spec.config.to_dict(),
            "efficiency": efficiency_for(dep).source,
            "before": comparison_dict(before),
        }
        return _show(doc, as_json)
    cal = fit(
        measured,
        dep_spec,
        base=efficiency_for(dep),
        fields=tuple(f.strip() for f in fields.split(",")),
        window_s=window_s,
        options=options,
        max_evals=max_evals,
    )
    doc = calibration_document(
        cal,
        dep_spec,
        window_s=window_s,
        created_utc=datetime.now(UTC).isoformat(),
        command=" ".join(["tracefit", *sys.argv[1:]]),
        tracefit_version=__version__,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
    )
    if out:
        save_profile(doc, out)
        stderr.print(f"wrote {out}; use it with --profile {out}")
    _show(
        {
            "model": doc["model"],
            "deployed": doc["deployed"],
            "factors": doc["factors"],
            "base": doc["base"],
            "fit": doc["fit"],
            **doc["error"],
        },
        as_json,
    )


def _show(doc: dict, as_json: bool) -> None:
    if as_json:
        print_json(doc)
        return
    rows = [
        {"metric": k, **{f"mape_{when}": doc[when]["mape"][k] for when in ("before", "after") if when in doc}}
        for k in METRICS
    ]
    print_table(rows, title=f"predicted vs measured ({doc['model']}, {len(doc['before']['windows'])} windows)")
    if "factors" in doc:
        print_table(
            [{"field": k, "base": doc["base"][k], "fitted": v} for k, v in doc["factors"].items()],
            title="efficiency factors",
        )
