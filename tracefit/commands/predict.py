import json
import sys
from pathlib import Path

import click

from profiles import ENGINES
from recommend.deployment import WEIGHT_BYTES, deployment
from recommend.predict import predict_static
from recommend.predict_rate import DEFAULT_PROMPTS, predict_rate, rate_caveat, rate_curve, rate_value
from recommend.predict_serving import BENCH_CLIENTS, MAX_NUM_SEQS, predict_closed_loop, serving_caveat, serving_curve
from recommend.predict_table import predict_rows, read_table
from recommend.roofline import efficiency_for
from tracefit.commands.profile import apply_profile, profile_option
from tracefit.options import json_option, print_json, print_table


class NumberList(click.ParamType):
    """`32` or `1,8,32,128`: comma-separated numbers of one kind, each passing the kind's rule."""

    def __init__(self, name: str, cast, noun: str, rule: str, check):
        self.name, self.cast, self.noun, self.rule, self.check = name, cast, noun, rule, check

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            values = tuple(self.cast(v) for v in str(value).split(","))
        except ValueError:
            self.fail(f"{value!r} is not a {self.noun} or a comma-separated list of them", param, ctx)
        if not all(self.check(v) for v in values):
            self.fail(f"{self.noun}s must be {self.rule}, got {value!r}", param, ctx)
        return values


CLIENT_COUNTS = NumberList("N[,N...]", int, "client count", ">= 1", lambda n: n >= 1)
REQUEST_RATES = NumberList("R[,R...]", float, "request rate", "> 0 a second (or inf)", lambda r: r > 0)


@click.command()
@click.option("--model", help="Catalog name, Hugging Face id or path to a config.json.")
@click.option("--gpu", help="GPU name, e.g. h100, a100-80gb-sxm, l40s.")
@click.option("--tp", "--gpus", "tp", type=int, default=1, show_default=True, help="Tensor-parallel GPUs.")
@click.option(
    "--ep",
    is_flag=True,
    help="MoE only: expert parallelism over the --tp GPUs (data-parallel attention, experts split "
    "whole, all-to-all dispatch/combine) instead of tensor-parallel experts.",
)
@click.option("--weights", type=click.Choice(list(WEIGHT_BYTES)), default="bf16", show_default=True)
@click.option("--kv", type=click.Choice(["bf16", "fp16", "fp8"]), default="bf16", show_default=True)
@click.option("--engine", type=click.Choice(list(ENGINES)), default="vllm", show_default=True)
@click.option("--batch", type=int, help="Requests submitted at once (static batch).")
@click.option(
    "--identical-prompts",
    is_flag=True,
    help="With --batch: the batch is one prompt copied --batch times and decoded greedily, as some benchmark "
    "harnesses build it; an MoE model's sequences then all route to the same experts.",
)
@click.option(
    "--clients",
    type=CLIENT_COUNTS,
    help="Instead of --batch: this many clients, each sending its next request when its last one ends "
    "(genai-perf --concurrency); predicts the steady state by simulating the engine. A list (1,8,32,128) "
    "prints the latency-throughput curve.",
)
@click.option(
    "--rate",
    type=REQUEST_RATES,
    help="Instead of --batch or --clients: requests a second arriving whatever the engine's pace (`vllm bench "
    "serve --request-rate R`: exponential gaps, the first at t = 0; inf sends all at once), --num-prompts of them "
    f"[default: {DEFAULT_PROMPTS}], every one counted. A list (1,4,16,inf) prints the latency-load curve.",
)
@click.option("--max-num-seqs", type=int, help="With --clients or --rate: sequences the engine batches [default: 256].")
@click.option(
    "--max-num-batched-tokens",
    type=int,
    help="With --clients or --rate: tokens one engine step may batch [default: 8192, or the engine's smaller limit].",
)
@click.option(
    "--benchmark-window-s",
    type=click.FloatRange(min=0, min_open=True),
    help="With --clients: predict what a genai-perf / perf_analyzer run reports instead of the steady state: "
    "every client starts at once, and the requests ending in its first three consecutive windows of this many "
    "seconds that each saw one end count (1.2 x its --measurement-interval: 12 for 10000 ms).",
)
@click.option(
    "--num-prompts",
    type=click.IntRange(min=1),
    help="With --clients: predict what `vllm bench serve` / `sglang.bench_serving --max-concurrency N --num-prompts "
    "P` report instead of the steady state: P requests sent in order through the N slots, all of them counted, "
    "throughput over the run from the first send to the last token. With --rate: the requests sent.",
)
@click.option(
    "--client",
    type=click.Choice(BENCH_CLIENTS),
    default="vllm",
    show_default=True,
    help="With --num-prompts or --rate: the client whose random dataset the prompts follow. vllm (`vllm bench "
    "serve`): every prompt --isl tokens, every output --osl; sglang (`sglang.bench_serving`): uniform over 1..--isl "
    "and 0..--osl, drawn as its default --seed 1 draws them.",
)
@click.option("--isl", type=int, help="Prompt tokens per request.")
@click.option("--osl", type=int, help="Output tokens per request.")
@click.option(
    "--table",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns model,gpu,tp,weights,kv,engine,batch,isl,osl (optional ep, identical_prompts; clients "
    "instead of batch for a closed loop, with num_prompts and client for a benchmark client's run; rate instead for "
    "requests a second, with num_prompts); prints JSON Lines.",
)
@profile_option
@json_option
def predict(
    model,
    gpu,
    tp,
    ep,
    weights,
    kv,
    engine,
    batch,
    identical_prompts,
    clients,
    rate,
    max_num_seqs,
    max_num_batched_tokens,
    benchmark_window_s,
    num_prompts,
    client,
    isl,
    osl,
    table,
    profile_path,
    as_json,
):
    """Predict a benchmark, a static batch or N clients in a closed loop: TTFT, TPOT, E2E, throughput.

    B requests of I prompt tokens, all submitted at once, each generating exactly O tokens (vLLM
    benchmark_latency / TensorRT-LLM static benchmark). If the KV cache cannot hold B sequences the
    result says `kv_fits: false` with a `reason` and times the run in waves (exit code 0); if the
    weights or one sequence do not fit at all, the command fails with a one-line error. With --table,
    one JSON object per CSV row (JSON Lines); rows that cannot be evaluated carry an `error` field.

    With --clients N instead of --batch: N clients each keep one request of I in / O out outstanding
    (genai-perf --concurrency N, vLLM --max-concurrency N). The engine is simulated with continuous
    batching at its default knobs (256 sequences, 8192 tokens a step, the engine's admission and KV
    cache) and the steady state reported: TTFT mean and p95, ITL mean, E2E mean, throughput. To compare with
    a genai-perf run, --benchmark-window-s predicts what it reports: its first burst included; to compare
    with `vllm bench serve` / `sglang.bench_serving`, --num-prompts P predicts their P-request run.

    With --rate R instead: requests arriving at R a second whatever the engine's pace (`vllm bench serve
    --request-rate R`, Poisson), --num-prompts of them: TTFT mean / p50 / p99, ITL mean, TPOT p50, E2E,
    throughput over the run. A rate above what the engine sustains shows as a TTFT that grows with the run.

    \b
    Examples:
      tracefit predict --model meta-llama/Meta-Llama-3-8B --gpu h100 --batch 8 --isl 1024 --osl 128
      tracefit predict --model llama-3-70b --gpu h100 --tp 4 --weights fp8 --batch 64 --isl 2048 --osl 256 --json
      tracefit predict --model qwen3-235b-a22b --gpu h200 --tp 8 --ep --weights fp8 --batch 256 --isl 1000 --osl 1000
      tracefit predict --model mixtral-8x7b --gpu h100 --tp 4 --weights fp16 --engine trtllm --batch 64 --isl 512 --osl 512 --identical-prompts
      tracefit predict --model llama-3.1-8b --gpu h100 --clients 32 --isl 2000 --osl 200
      tracefit predict --model llama-3.1-70b --gpu h100 --tp 4 --clients 1,8,32,128 --isl 1000 --osl 200
      tracefit predict --model llama-3.1-8b --gpu h100 --clients 300 --isl 500 --osl 500 --max-num-seqs 128
      tracefit predict --model llama-3.1-8b --gpu h100 --clients 64 --isl 2000 --osl 200 --benchmark-window-s 12
      tracefit predict --model qwen2.5-3b --gpu gh200 --engine sglang --clients 32 --num-prompts 200 --isl 512 --osl 128 --client sglang
      tracefit predict --model llama-3.1-8b --gpu h100 --rate 8 --num-prompts 500 --isl 467 --osl 256
      tracefit predict --model llama-3.1-70b --gpu h200 --tp 4 --engine trtllm-cpp --rate 2,8,16,32,inf --isl 467 --osl 256 --max-num-seqs 2048
      tracefit predict --table my_benchmarks.csv > predictions.jsonl
      tracefit predict --model llama-3.1-8b --gpu h100 --batch 8 --isl 1024 --osl 128 --profile h100.json
    """
    if table:
        if profile_path:
            raise click.UsageError("--profile applies to one prediction, not --table")
        if identical_prompts:
            raise click.UsageError("--identical-prompts applies to one prediction; a --table row says it in its column")
        for row in predict_rows(read_table(table)):
            sys.stdout.write(json.dumps(row) + "\n")
        return
    if sum(x is not None for x in (batch, clients, rate)) > 1:
        raise click.UsageError(
            "give one of --batch (a static batch), --clients (a closed loop) or --rate (an open loop)"
        )
    if identical_prompts and batch is None:
        raise click.UsageError("--identical-prompts applies to a static batch (--batch)")
    serving = clients is not None or rate is not None
    if not serving and (max_num_seqs or max_num_batched_tokens or num_prompts):
        raise click.UsageError(
            "--max-num-seqs, --max-num-batched-tokens and --num-prompts apply to --clients or --rate"
        )
    if benchmark_window_s and clients is None:
        raise click.UsageError("--benchmark-window-s applies to --clients N")
    if client != "vllm" and not (num_prompts or rate):
        raise click.UsageError("--client applies to --num-prompts or --rate (the benchmark client's prompt list)")
    if benchmark_window_s and num_prompts:
        raise click.UsageError(
            "give --benchmark-window-s (a genai-perf run) or --num-prompts (a vllm bench serve run), not both"
        )
    if clients:  # one count: a point; several: the curve
        load = ("clients", clients[0] if len(clients) == 1 else list(clients))
    elif rate:
        load = ("rate_s", rate_value(rate[0]) if len(rate) == 1 else [rate_value(r) for r in rate])
    else:
        load = ("batch", batch)
    missing = [f"--{n}" for n, v in (("model", model), ("gpu", gpu), load, ("isl", isl), ("osl", osl)) if v is None]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or give --table FILE.csv)")
    dep = apply_profile(
        deployment(model=model, gpu=gpu, tp=tp, weights=weights, kv=kv, engine=engine, ep=ep), profile_path
    )
    result = {
        "model": dep.model.name,
        "gpu": dep.gpu.name,
        "tp": tp,
        "ep": ep,
        "weights": weights,
        "kv": kv,
        "engine": engine,
        "efficiency": efficiency_for(dep).source,
        load[0]: load[1],
        "isl": isl,
        "osl": osl,
    }
    engine_knobs = dict(max_num_seqs=max_num_seqs or MAX_NUM_SEQS, max_num_batched_tokens=max_num_batched_tokens)
    if rate is not None:
        knobs = dict(engine_knobs, prompts=num_prompts or DEFAULT_PROMPTS, client=client)
        result |= {"num_prompts": knobs["prompts"], "client": client}
        if len(rate) > 1:
            curve = rate_curve(dep, rates_s=rate, isl=isl, osl=osl, **knobs)
            result |= {"curve": curve, "caveat": rate_caveat(dep, isl, osl)}
            _show_curve(result, f"serving at request rates: {dep.model.name} on {tp} x {dep.gpu.name}", as_json)
            return
        result |= predict_rate(dep, rate_s=rate[0], isl=isl, osl=osl, **knobs).to_dict()
    elif clients is not None:
        knobs = dict(engine_knobs, window_s=benchmark_window_s, prompts=num_prompts, client=client)
        if benchmark_window_s:
            result["benchmark_window_s"] = benchmark_window_s
        if num_prompts:
            result |= {"num_prompts": num_prompts, "client": client}
        if len(clients) > 1:
            curve = serving_curve(dep, clients=clients, isl=isl, osl=osl, **knobs)
            result |= {"curve": curve, "caveat": serving_caveat(dep, isl, osl)}
            _show_curve(result, f"closed-loop serving curve: {dep.model.name} on {tp} x {dep.gpu.name}", as_json)
            return
        result |= predict_closed_loop(dep, clients=clients[0], isl=isl, osl=osl, **knobs).to_dict()
    else:
        if identical_prompts:
            result["identical_prompts"] = True
        result |= predict_static(dep, batch=batch, isl=isl, osl=osl, identical_prompts=identical_prompts).to_dict()
    if as_json:
        print_json(result)
        return
    flat = {k: v for k, v in result.items() if not isinstance(v, dict) and k != "caveat"}
    flat.update({f"bound_{k}": v for k, v in result.get("bound", {}).items()})
    flat.update(result.get("breakdown", {}))
    if rate:
        title = f"serving prediction ({rate[0]:g} requests a second)"
    else:
        title = f"closed-loop serving prediction ({clients[0]} clients)" if clients else "static-batch prediction"
    print_table([{"field": k, "value": v} for k, v in flat.items()], title=title)
    if "caveat" in result:
        click.echo(f"caveat: {result['caveat']}")


def _show_curve(result: dict, title: str, as_json: bool) -> None:
    """A curve prediction: the whole result as JSON, or its curve as a table and the caveat under it."""
    if as_json:
        print_json(result)
        return
    print_table(result["curve"], title=title)
    click.echo(f"caveat: {result['caveat']}")
