import click

from profiles import ENGINES
from recommend.deployment import WEIGHT_BYTES, deployment
from recommend.roofline import efficiency_for
from recommend.roofline_table import roofline_report
from tracefit.commands.profile import apply_profile, profile_option
from tracefit.options import json_option, print_json, print_table


@click.command()
@click.option("--model", required=True, help="Catalog name, Hugging Face id or path to a config.json.")
@click.option("--gpu", required=True, help="GPU name, e.g. h100, a100-80gb-sxm, l40s.")
@click.option("--tp", "--gpus", "tp", type=int, default=1, show_default=True, help="Tensor-parallel GPUs.")
@click.option("--weights", type=click.Choice(list(WEIGHT_BYTES)), default="bf16", show_default=True)
@click.option("--kv", type=click.Choice(["bf16", "fp16", "fp8"]), default="bf16", show_default=True)
@click.option("--engine", type=click.Choice(list(ENGINES)), default="vllm", show_default=True)
@click.option("--ctx", type=int, default=1024, show_default=True, help="Context tokens per sequence in the table.")
@profile_option
@json_option
def roofline(model, gpu, tp, weights, kv, engine, ctx, profile_path, as_json):
    """Show the roofline: ridge point, compute-bound decode batch, latency floor, decode over batch.

    The decode table gives each batch's step time, tokens/s, what bounds its linear layers, the share of the step
    the engine's host takes (scheduling and input preparation, per step and per running sequence: where it grows,
    a bigger batch buys little) and whether the KV cache holds the batch.

    \b
    Examples:
      tracefit roofline --model llama-3-8b --gpu h100
      tracefit roofline --model mixtral-8x7b --gpu a100 --tp 2 --weights fp8 --json
      tracefit roofline --model llama-3.1-8b --gpu h100 --profile h100.json
    """
    dep = apply_profile(deployment(model=model, gpu=gpu, tp=tp, weights=weights, kv=kv, engine=engine), profile_path)
    report = {**roofline_report(dep, ctx_tokens=ctx), "efficiency": efficiency_for(dep).source}
    if as_json:
        print_json(report)
        return
    summary = {k: v for k, v in report.items() if k != "decode"}
    print_table([{"field": k, "value": v} for k, v in summary.items()], title="roofline")
    rows = [{**r, "kv_fits": "yes" if r["kv_fits"] else "no"} for r in report["decode"]]
    print_table(rows, title=f"decode step at {ctx} context tokens per sequence")
