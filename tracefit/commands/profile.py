import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from profiles.names import squash
from profiles.profile import SHIPPED_DIR, USER_DIR_ENV, list_profiles, load_profile, save_profile, user_dir
from profiles.profile_efficiency import decode_curve, gemm_curve, hbm_fraction, layer_overhead_s, prefill_curve
from recommend.deployment import Deployment
from recommend.roofline import with_profile
from tracefit.options import json_option, print_json, print_table, stderr

profile_option = click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Measured profile (tracefit profile measure) to take efficiencies from [default: a shipped "
    "profile of this GPU if any, else the engine's calibrated defaults].",
)


def apply_profile(dep: Deployment, profile_path: Path | None) -> Deployment:
    """`dep` with the profile's efficiencies (predict/roofline --profile); notes a GPU mismatch on stderr."""
    if profile_path is None:
        return dep
    doc = load_profile(profile_path)
    if doc["device"].get("catalog_gpu") != dep.gpu.name:
        stderr.print(
            f"note: {profile_path} was measured on {doc['device']['name']}, not {dep.gpu.name}: "
            f"its efficiency curves are applied to the {dep.gpu.name} datasheet peaks"
        )
    return with_profile(dep, doc)


@click.group()
def profile():
    """Measure a GPU with torch, and inspect the stored profiles predict/roofline use (--profile).

    \b
    Example:
      tracefit profile measure --model llama-3.1-8b --device cuda:0 --out h100.json
      tracefit predict --model llama-3.1-8b --gpu h100 --batch 8 --isl 1024 --osl 128 --profile h100.json
    """


@profile.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    default=["llama-3.1-8b"],
    show_default=True,
    help="Model whose GEMM and attention shapes to measure (repeatable; catalog name, HF id, config.json).",
)
@click.option("--device", default="cuda:0", show_default=True, help="torch device: cuda:N or cpu.")
@click.option(
    "--dtypes",
    default="bf16,fp8",
    show_default=True,
    help="GEMM dtypes; fp8 (torch._scaled_mm) is skipped, and recorded as skipped, where unsupported.",
)
@click.option("--quick", is_flag=True, help="Fewer sizes and repeats; on CPU also shapes / 8 (seconds, for tests).")
@click.option("--threads", type=int, help="CPU only: torch threads (default 1 with --quick).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Profile file to write [default: a new file in the user profile dir, env {USER_DIR_ENV}].",
)
def measure(models, device, dtypes, quick, threads, out):
    """Measure HBM, GEMM, attention and per-kernel overhead on one device; write a profile (JSON).

    Needs torch (pip install 'tracefit[measure]'). CUDA events, warm-up, rotating random inputs larger
    than the last-level cache, medians over repeats. A full GPU profile takes a few minutes.

    \b
    Examples:
      tracefit profile measure --model llama-3.1-8b --device cuda:0 --out profiles/data/h100-sxm.json
      tracefit profile measure --device cpu --quick --out /tmp/cpu.json
    """
    from profiles.measure import measure as run  # imports torch: only this command pays for it

    doc = run(
        models=list(models),
        device=device,
        dtypes=tuple(d.strip() for d in dtypes.split(",") if d.strip()),
        quick=quick,
        threads=threads,
        command=" ".join(["tracefit", *sys.argv[1:]]),
        log=lambda line: stderr.print(line),
    )
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        out = user_dir() / f"{doc['device']['catalog_gpu'] or squash(doc['device']['name'])}-{stamp}.json"
    path = save_profile(doc, out)
    stderr.print(f"wrote {path} ({doc['elapsed_s']:.1f} s); inspect it with `tracefit profile show {path}`")
    click.echo(str(path))


def profile_summary(doc: dict) -> dict:
    """What `profile show` prints: device, reference peaks and the efficiency curves derived from the rows."""
    curves = {d: [{"m": m, "fraction": f} for m, f in gemm_curve(doc, d)] for d in doc["reference"]["peak_tflops"]}
    return {
        "path": doc.get("path"),
        "created_utc": doc.get("created_utc"),
        "command": doc.get("command"),
        "device": doc["device"],
        "reference": doc["reference"],
        "settings": doc.get("settings", {}),
        "hbm_gb_s": {r["kernel"]: r["gb_s"] for r in doc["measurements"]["hbm"]},
        "hbm_fraction": hbm_fraction(doc),
        "layer_overhead_s": layer_overhead_s(doc),
        "gemm_fraction_by_m": {d: c for d, c in curves.items() if c},
        "prefill_fraction_by_tokens": [{"seq_tokens": t, "fraction": f} for t, f in prefill_curve(doc)],
        "decode_hbm_fraction_by_kv_bytes": [{"kv_bytes": x, "fraction": f} for x, f in decode_curve(doc)],
        "rows": {t: len(rows) for t, rows in doc["measurements"].items()},
        "skipped": doc.get("skipped", []),
    }


@profile.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def show(file, as_json):
    """Summarise a profile: device, reference peaks, and achieved fractions of peak by size.

    \b
    Example:
      tracefit profile show profiles/data/h100-sxm.json
    """
    s = profile_summary(load_profile(file))
    if as_json:
        print_json(s)
        return
    d = s["device"]
    head = {
        "path": s["path"],
        "device": d["name"],
        "catalog_gpu": d.get("catalog_gpu"),
        "kind": d["kind"],
        "memory_gib": d.get("memory_gib"),
        "driver": d.get("driver"),
        "cuda": d.get("cuda"),
        "torch": d["torch"],
        "clocks": d.get("clocks"),
        "created_utc": s["created_utc"],
        "reference": s["reference"]["source"],
        "quick": "yes" if s["settings"].get("quick") else "no",
        **{f"hbm_{k}_gb_s": v for k, v in s["hbm_gb_s"].items()},
        "hbm_fraction": s["hbm_fraction"],
        "layer_overhead_s": s["layer_overhead_s"],
    }
    print_table([{"field": k, "value": v} for k, v in head.items()], title="profile")
    for dtype, curve in s["gemm_fraction_by_m"].items():
        print_table(curve, title=f"GEMM {dtype}: fraction of {s['reference']['peak_tflops'][dtype]:.4g} TFLOP/s")
    print_table(s["prefill_fraction_by_tokens"], title="prefill attention: fraction of bf16 peak")
    print_table(s["decode_hbm_fraction_by_kv_bytes"], title="decode attention: fraction of HBM (convex hull)")
    if s["skipped"]:
        print_table(s["skipped"], title="skipped")


@profile.command(name="list")
@json_option
def list_(as_json):
    """List shipped profiles (profiles/data/) and user profiles ($TRACEFIT_PROFILES or ~/.config/tracefit/profiles).

    \b
    Example:
      tracefit profile list --json
    """
    rows = list_profiles()
    if as_json:
        print_json(rows)
        return
    if not rows:
        stderr.print(
            f"no profiles: {SHIPPED_DIR} ships none yet and {user_dir()} holds none; "
            "measure one with `tracefit profile measure`"
        )
        return
    print_table(rows, title="profiles")
