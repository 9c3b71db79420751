"""Measured GPU profiles: the versioned JSON file `tracefit profile measure` writes, and where they live.

A profile is what one device achieved, raw: every row is identity columns (what was run: kernel,
model, shape, dtype, sizes) plus stats (median_s, min_s, max_s, repeats, samples_s) and the rates
derived from them. Nothing here imports torch; profiles/measure*.py writes these files, the rest of
tracefit only reads them (vidur: GPU offline, CPU online).

Top-level keys of schema version 1:
  schema, schema_version  "tracefit.profile", 1
  created_utc, command, tracefit_version, elapsed_s
  device       name, kind (cuda|cpu), catalog_gpu (profiles.gpus name or null), memory_gib, driver,
               cuda, torch, clocks (MHz, null where unreadable), compute_capability, sm_count,
               llc_bytes, gpu_count, host
  reference    peak_tflops {dtype: TFLOP/s}, hbm_tb_s, interconnect_gb_s, source: the peaks the
               fractions are taken against (datasheet when catalog_gpu is known, else measured maxima)
  settings     quick, repeats, warmup, rotate_bytes, seed, dtypes, models, shape_divisor
  measurements lists of rows, each identity columns + stats (median_s, min_s, max_s, repeats, samples_s):
               hbm               kernel (copy|read), dtype, bytes (read + written) | gb_s
               gemm              model, shape, dtype, m, m_kernel, n, k, calls_per_step, flops, bytes,
                                 rotations | tflops, roofline_fraction
               attention_prefill model, dtype, heads, kv_heads, head_dim, seq_tokens, flops | tflops
               attention_decode  model, dtype, heads, kv_heads, head_dim, batch, ctx_tokens, kv_bytes,
                                 flops | gb_s
               overhead          kernel (tiny_add), kernels_per_sample (median_s is per kernel)
               allreduce         ranks, backend, dtype, bytes | alg_gb_s, bus_gb_s
  skipped      [{what, reason}]: everything asked for but not measured (fp8 on CPU, all-reduce on 1 GPU)
"""

import json
import os
from functools import lru_cache
from pathlib import Path

from profiles import profile_calibration as calibration
from profiles.errors import ProfilesError
from profiles.gpus import get_gpu

SCHEMA = "tracefit.profile"
SCHEMA_VERSION = 1
TABLES = ("hbm", "gemm", "attention_prefill", "attention_decode", "overhead", "allreduce")
SHIPPED_DIR = Path(__file__).resolve().parent / "data"
USER_DIR_ENV = "TRACEFIT_PROFILES"


class ProfileError(ProfilesError):
    """A profile file is missing, unreadable, of another schema, or cannot be measured."""


def user_dir() -> Path:
    """$TRACEFIT_PROFILES, else $XDG_CONFIG_HOME/tracefit/profiles, else ~/.config/tracefit/profiles."""
    if os.environ.get(USER_DIR_ENV):
        return Path(os.environ[USER_DIR_ENV]).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "tracefit" / "profiles"


def validate(doc: dict, where: str = "profile") -> dict:
    """The document itself when it is a readable profile (or calibration, profiles/profile_calibration.py);
    ProfileError saying what is wrong otherwise."""
    if isinstance(doc, dict) and doc.get("schema") == calibration.SCHEMA:
        return _validate_calibration(doc, where)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ProfileError(f'{where}: not a tracefit profile (no "schema": "{SCHEMA}")')
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ProfileError(
            f"{where}: schema_version {version!r} is newer than this tracefit reads "
            f"({SCHEMA_VERSION}); upgrade tracefit or re-measure"
        )
    missing = [k for k in ("device", "reference", "measurements") if not isinstance(doc.get(k), dict)]
    missing += [f"measurements.{t}" for t in TABLES if not isinstance(doc.get("measurements", {}).get(t, []), list)]
    if missing or not doc["device"].get("name"):
        raise ProfileError(f"{where}: profile lacks {', '.join(missing) or 'device.name'}; re-measure it")
    return doc


def _validate_calibration(doc: dict, where: str) -> dict:
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > calibration.SCHEMA_VERSION:
        raise ProfileError(
            f"{where}: calibration schema_version {version!r} is newer than this tracefit reads "
            f"({calibration.SCHEMA_VERSION}); upgrade tracefit or re-run tracefit calibrate"
        )
    if missing := calibration.problems(doc):
        raise ProfileError(f"{where}: calibration lacks or mis-states {', '.join(missing)}; re-run tracefit calibrate")
    return doc


def load_profile(path: str | Path) -> dict:
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ProfileError(f"{path}: no such profile; `tracefit profile list` shows the known ones") from exc
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc})") from exc
    doc = validate(doc, str(path))
    doc.setdefault("path", str(path))
    return doc


def save_profile(doc: dict, path: str | Path) -> Path:
    """Write atomically (temp file + rename), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(validate(doc), indent=1) + "\n")
    os.replace(tmp, path)
    return path


def catalog_name(device_name: str) -> str | None:
    """profiles.gpus name for what torch calls the device ("NVIDIA H100 80GB HBM3" -> "h100-sxm")."""
    try:
        return get_gpu(device_name).name
    except ProfilesError:
        return None


def summary(doc: dict) -> dict:
    """One row for `tracefit profile list`."""
    device, counts = doc["device"], {t: len(doc.get("measurements", {}).get(t, [])) for t in TABLES}
    return {
        "gpu": device["name"],
        "catalog_gpu": device.get("catalog_gpu"),
        "kind": device.get("kind"),
        "created_utc": doc.get("created_utc"),
        "quick": doc.get("settings", {}).get("quick"),
        "models": ",".join(doc.get("settings", {}).get("models", [])),
        "rows": sum(counts.values()),
        "schema_version": doc["schema_version"],
    }


def list_profiles(dirs: tuple[tuple[str, Path], ...] | None = None) -> list[dict]:
    """Shipped (profiles/data/*.json) then user profiles; unreadable files appear with an `error`."""
    rows = []
    for origin, folder in dirs or (("shipped", SHIPPED_DIR), ("user", user_dir())):
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                rows.append({"origin": origin, "path": str(path), **summary(load_profile(path))})
            except ProfileError as exc:
                rows.append({"origin": origin, "path": str(path), "error": str(exc)})
    return rows


@lru_cache(maxsize=64)
def _cached(path: str, mtime_ns: int) -> dict:
    return load_profile(path)


def shipped_profile_for(gpu: str) -> dict | None:
    """The newest shipped profile measured on this catalog GPU, or None (profiles/data/ may be empty)."""
    paths = sorted(SHIPPED_DIR.glob("*.json")) if SHIPPED_DIR.is_dir() else []
    found = [
        doc for doc in (_cached(str(p), p.stat().st_mtime_ns) for p in paths) if doc["device"].get("catalog_gpu") == gpu
    ]
    return max(found, key=lambda d: d.get("created_utc") or "") if found else None
