"""From a measured profile to the `Efficiency` the roofline uses: curves interpolated from raw rows.

Every fraction is achieved rate / the profile's own reference peak (its datasheet when the device is
in the GPU catalog, else its measured maxima), so a profile of GPU X applied to GPU X reproduces the
measured times, and applied elsewhere transfers the shape of its curves.
  gemm      over tokens M: sum(calls x FLOPs) / (sum(calls x median_s) x peak) across the model's
            shapes (QKV, O, gate/up, down per layer; LM head once); time is interpolated linearly in M
  prefill   causal attention over context length L: 4 x heads x head_dim x L^2/2 FLOPs / (s x peak)
  decode    attention over KV bytes read per kernel (batch x context x K and V): bytes / (s x HBM);
            time is interpolated linearly in bytes on the lower convex hull of the medians, so the
            step time stays convex in decode context (recommend/simulate/decode.py relies on it)
  hbm       best of D2D copy and read-only reduction GB/s (weight streaming, KV writes)
  overhead  median tiny-kernel time x KERNELS_PER_LAYER (norms, rotary, activation, residual, KV write)
Fields a profile does not measure (engine step overhead, all-reduce on one GPU) keep the engine's value.
"""

import dataclasses
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from profiles import profile_calibration as calibration
from profiles.efficiency import Efficiency
from profiles.profile import ProfileError
from profiles.profile_calibration import calibrated_efficiency

KERNELS_PER_LAYER = 6  # non-GEMM, non-attention kernels per layer (2 norms, rotary, act, residual, KV write)


@dataclass(frozen=True, slots=True)
class Knots:
    """y(x) piecewise linear through (xs, ys) with xs ascending and ys > 0. Left of xs[0]: ys[0].
    Right of xs[-1]: constant, or (extend) a line of slope max(last segment's, ys[-1] / xs[-1]), so
    y / x never drops below its value at the last knot (no extrapolated efficiency beyond the
    measured one) and a convex y stays convex. A call is one bisect and one multiply-add: step_s
    calls it in the simulator's hot loop."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    extend: bool = False
    lines: tuple[tuple[float, float], ...] = field(init=False)  # (intercept, slope) left of xs[0], ..., right

    def __post_init__(self):
        xs, ys = self.xs, self.ys
        slopes = [(ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]) for i in range(1, len(xs))]
        lines = [(ys[0], 0.0)] + [(ys[i] - b * xs[i], b) for i, b in enumerate(slopes)]
        last = max([ys[-1] / xs[-1], *slopes[-1:]]) if self.extend else 0.0
        object.__setattr__(self, "lines", (*lines, (ys[-1] - last * xs[-1], last)))

    def __call__(self, x: float) -> float:
        a, b = self.lines[bisect_right(self.xs, x)]
        return a + b * x


def lower_convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain, lower half: the greatest convex function below the points."""
    hull: list[tuple[float, float]] = []
    for p in sorted(points):
        while (
            len(hull) >= 2
            and (
                (hull[-1][0] - hull[-2][0]) * (p[1] - hull[-2][1]) - (hull[-1][1] - hull[-2][1]) * (p[0] - hull[-2][0])
            )
            <= 0
        ):
            hull.pop()
        hull.append(p)
    return hull


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfiledEfficiency(Efficiency):
    gemm_seconds: Knots  # M -> M / efficiency (time-like, linear between measured M)
    prefill: Knots | None  # context tokens -> fraction of bf16 peak
    decode_seconds: Knots | None  # KV bytes per kernel -> bytes / efficiency (convex)
    profile_path: str = ""

    def gemm_efficiency(self, tokens: float) -> float:
        return tokens / self.gemm_seconds(tokens)

    def attention_efficiency(self, ctx_tokens: float) -> float:
        return self.prefill(ctx_tokens) if self.prefill else self.attention_fraction

    def kv_efficiency(self, kv_bytes: float) -> float:
        return kv_bytes / self.decode_seconds(kv_bytes) if self.decode_seconds and kv_bytes > 0 else self.hbm_fraction


def _pick(rows: list[dict], model: str | None) -> list[dict]:
    """Rows of `model` when the profile measured it, else every model's rows."""
    own = [r for r in rows if r.get("model") == model]
    return own or rows


def gemm_curve(doc: dict, dtype: str, model: str | None = None) -> list[tuple[int, float]]:
    """[(M, fraction of `dtype` peak)] aggregated over the model's shapes, weighted by calls per step."""
    peak = doc["reference"]["peak_tflops"].get(dtype)
    rows = _pick([r for r in doc["measurements"]["gemm"] if r["dtype"] == dtype], model)
    flops, seconds = defaultdict(float), defaultdict(float)
    for r in rows:
        flops[r["m"]] += r["calls_per_step"] * r["flops"]
        seconds[r["m"]] += r["calls_per_step"] * r["median_s"]
    return [(m, flops[m] / (seconds[m] * peak * 1e12)) for m in sorted(flops)] if peak else []


def prefill_curve(doc: dict, model: str | None = None) -> list[tuple[int, float]]:
    peak = doc["reference"]["peak_tflops"]["bf16"] * 1e12
    rows = _pick(doc["measurements"]["attention_prefill"], model)
    return sorted((r["seq_tokens"], r["flops"] / (r["median_s"] * peak)) for r in rows)


def decode_curve(doc: dict, model: str | None = None) -> list[tuple[float, float]]:
    """[(KV bytes per kernel, fraction of reference HBM)] on the convex hull of measured times."""
    hbm = doc["reference"]["hbm_tb_s"] * 1e12
    rows = sorted((r["kv_bytes"], r["median_s"] * hbm) for r in _pick(doc["measurements"]["attention_decode"], model))
    running, monotone = 0.0, []
    for x, y in rows:  # reading more bytes never takes less time: noise below that is dropped
        running = max(running, y)
        monotone.append((x, running))
    return [(x, x / y) for x, y in lower_convex_hull(monotone)]


def hbm_fraction(doc: dict) -> float | None:
    rates = [r["gb_s"] for r in doc["measurements"]["hbm"]]
    return max(rates) / (doc["reference"]["hbm_tb_s"] * 1e3) if rates else None


def layer_overhead_s(doc: dict) -> float | None:
    rows = [r["median_s"] for r in doc["measurements"]["overhead"] if r["kernel"] == "tiny_add"]
    return rows[0] * KERNELS_PER_LAYER if rows else None


def allreduce_fit(doc: dict) -> tuple[float, float] | None:
    """(latency_s at the smallest size, bus GB/s at the largest as a fraction of one link direction)."""
    rows = sorted(doc["measurements"]["allreduce"], key=lambda r: r["bytes"])
    link = doc["reference"].get("interconnect_gb_s")
    if not rows or not link:
        return None
    return rows[0]["median_s"], rows[-1]["bus_gb_s"] / (link / 2)


def profiled_efficiency(doc: dict, *, base: Efficiency, weights: str = "bf16", model: str | None = None) -> Efficiency:
    """`base` (the engine's efficiency) with every field the profile measured replaced by its curve;
    a calibration document (profiles/profile_calibration.py) replaces its fitted fields instead."""
    if doc.get("schema") == calibration.SCHEMA:
        return calibrated_efficiency(doc, base)
    dtype = "fp8" if weights == "fp8" and gemm_curve(doc, "fp8", model) else "bf16"
    gemm = gemm_curve(doc, dtype, model)
    if not gemm:
        raise ProfileError(f"{doc.get('path', 'profile')}: no {dtype} GEMM rows; re-measure with --dtypes bf16")
    prefill, decode = prefill_curve(doc, model), decode_curve(doc, model)
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(Efficiency)}
    fields.update(
        hbm_fraction=hbm_fraction(doc) or base.hbm_fraction,
        gemm_fraction=max(e for _, e in gemm),
        attention_fraction=base.attention_fraction,
        layer_overhead_s=layer_overhead_s(doc) or base.layer_overhead_s,
    )
    if (fit := allreduce_fit(doc)) is not None:
        fields.update(allreduce_latency_s=fit[0], allreduce_fraction=fit[1])
    fields["source"] = (
        f"profile {doc.get('path', '')} ({doc['device']['name']}, {doc.get('created_utc')}); "
        f"gemm {dtype}; engine fields from {base.source}"
    )
    return ProfiledEfficiency(
        **fields,
        profile_path=str(doc.get("path", "")),
        gemm_seconds=Knots(tuple(float(m) for m, _ in gemm), tuple(m / e for m, e in gemm), extend=True),
        prefill=Knots(*map(tuple, zip(*prefill))) if prefill else None,
        decode_seconds=Knots(tuple(x for x, _ in decode), tuple(x / e for x, e in decode), extend=True)
        if decode
        else None,
    )
