"""Per-window engine configs from the mined workload ("seasonal engines"): the library entry point.

    plan = recommend_plan(windows, model="qwen2.5-72b", space=SearchSpace(gpus=("h100-sxm",)),
                          options=RecommendOptions(slo={"ttft_p95_ms": 1000, "tpot_p95_ms": 100}))

For each window: max_model_len from coverage, the busiest 15 minutes of its peak span scaled to
the planned real rate, every candidate screened analytically (recommend/screen.py), the best few
(distinct GPU/TP/dtypes) simulated (recommend/verify.py), the cheapest meeting every SLO chosen;
when none does, the cheapest one gets more replicas (up to `raise_rounds` times) and otherwise
the closest miss is reported. Returns the plan dict (recommend/plan_doc.py documents it).
"""

import dataclasses
import math
from dataclasses import dataclass, field

from profiles import get_model
from recommend.autoscale import AutoscalePolicy
from recommend.errors import RecommendError
from recommend.mix_check import heavier, higher_tp, hold_mix
from recommend.model_len import choose_model_len
from recommend.parallel import fork_map
from recommend.plan_doc import plan_document, window_entry
from recommend.queueing import Workload
from recommend.scale_max import scale_max_value, with_scale_caps
from recommend.screen import Screened, screen
from recommend.search_space import SearchSpace, deployments, knob_grid
from recommend.slo import DEFAULT_SLO
from recommend.traffic_class import BulkRule
from recommend.verify import MAX_REQUESTS, verify
from recommend.window_traffic import PLAN_SPAN_S, WindowTraffic, plan_traffic

# The mix check's defaults (recommend/mix_check.py): prompts x 1.25 on up to 1.25x the GPUs. Off (1, 1) until
# session 11: on held-out week 2 of ServeGen it meets 0.967 / 0.963 of hours (walk / week-ahead) against 0.936 /
# 0.932, every (day, window) pair, 33.6% / 32.5% saved against the defaults' static peak; on development week 1
# 0.991 vs 0.986 for +7.5% GPU-hours (31.4% saved). bench/backtest_tried.md, session 11.
MIX_HEADROOM = 1.25
MIX_GPUS = 1.25
# The replica scaler's signal (recommend/autoscale.py): the engine load since session 12. With the mix check's
# configs, week 2 of ServeGen met 0.973 / 0.978 of hours (walk / week-ahead) on it against 0.967 / 0.963 on the
# request rate, for 5% / 1% fewer GPU-hours; development week 1 0.990 vs 0.991 for 7% more (34.3% saved).
# bench/backtest_tried.md, session 12.
SCALE_SIGNAL = "load"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendOptions:
    slo: dict = field(default_factory=lambda: dict(DEFAULT_SLO))
    coverage: float = 0.999  # share of requests max_model_len must admit
    headroom: float = 0.1  # planned rate x (1 + headroom) when the window has no measured forecast error
    forecast_quantile: float | None = 0.95  # headroom from the window's forecast error at this quantile
    # (recommend/forecast.py; the tracefit root measures it); None = the fixed `headroom`
    forecast_on: str = "tokens"  # the series the headroom is sized on: "tokens" (token load), "requests"
    scale_on: str = SCALE_SIGNAL  # the replica scaler's signal: "load" (engine busy s/s from prompt and output
    # tokens: a heavier length mix gets more replicas) or "requests" (real req/s)
    scale_floor: float = 0.0  # the scaler never runs fewer than this share of the window's ceiling (0: one replica)
    scale_target: float = 1.0  # the scaler loads a replica to this share of the planned (simulated) per-replica rate
    scale_max: str = "ceiling"  # the most the scaler runs when its signal asks for more than the window's
    # ceiling: "ceiling", "static-peak" (the peak window's GPUs) or K >= 1 x the ceiling (recommend/plan_doc.py)
    traffic_scale: float = 1.0  # plan for growth: x today's traffic
    mix_headroom: float = MIX_HEADROOM  # > 1: a config must also meet the SLO with every prompt x this (heavier length
    # mix at the same token load); GPUs are still sized on the planned mix (recommend/mix_check.py)
    mix_gpus: float = MIX_GPUS  # with mix_headroom: the most GPUs a config meeting both mixes may take, x the planned
    simulate_top: int = 3  # distinct deployments simulated per window
    raise_rounds: int = 3  # replica raises tried when no simulated candidate meets the SLO
    max_sim_requests: int = MAX_REQUESTS
    seed: int = 0
    workers: int = 1  # processes (windows are independent)

    def __post_init__(self):
        if not 0 < self.coverage <= 1:
            raise RecommendError(f"--coverage must be in (0, 1], got {self.coverage}")
        if self.forecast_quantile is not None and not 0 < self.forecast_quantile <= 1:
            raise RecommendError(f"--forecast-quantile must be in (0, 1], got {self.forecast_quantile}")
        if self.scale_on not in SCALE_ON:
            raise RecommendError(f"--scale-on must be one of {', '.join(SCALE_ON)}, got {self.scale_on!r}")
        if self.forecast_on not in FORECAST_ON:
            raise RecommendError(f"--forecast-on must be one of {', '.join(FORECAST_ON)}, got {self.forecast_on!r}")
        if not 0 < self.scale_target <= 1:
            raise RecommendError(f"--scale-target must be in (0, 1], got {self.scale_target}")
        scale_max_value(self.scale_max)  # raises on a value that is none of the three
        if not 0 <= self.scale_floor <= 1:
            raise RecommendError(f"--scale-floor must be in [0, 1], got {self.scale_floor}")
        if self.mix_headroom < 1 or self.mix_gpus < 1:
            raise RecommendError(
                f"--mix-headroom and --mix-gpus must be >= 1, got {self.mix_headroom}, {self.mix_gpus}"
            )
        if self.headroom < 0 or self.traffic_scale <= 0:
            raise RecommendError("--headroom must be >= 0 and --traffic-scale > 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    model: str
    engine: str
    deps: list
    grid: list
    options: RecommendOptions
    max_len_tokens: int


FORECAST_ON = ("tokens", "requests")
SCALE_ON = ("load", "requests")
MIN_REPLICA_REQUESTS = 300  # below this a replica's share is too thin for a p95/p99 to mean anything


def recommend_plan(
    windows: list[WindowTraffic],
    *,
    model: str,
    space: SearchSpace | None = None,
    options: RecommendOptions | None = None,
    traffic_model: str | None = None,
    bulk: BulkRule | None = None,
    autoscale: AutoscalePolicy | None = None,
) -> dict:
    """The plan dict for `windows` (traffic of `traffic_model` as logged, performance of catalog `model`);
    `bulk`: the traffic-class rule the windows were read with (recorded in the plan for the backtest);
    `autoscale`: the measured replica-scaling policy (recorded; each window gets its replica range)."""
    space, options = space or SearchSpace(), options or RecommendOptions()
    if not windows:
        raise RecommendError("no windows to plan; mine the warehouse first (`tracefit mine`)")
    run = _Run(
        model=get_model(model).name,
        engine=space.engine,
        deps=deployments(model, space),
        grid=knob_grid(space),
        options=options,
        max_len_tokens=get_model(model).max_position_tokens,
    )
    if not any(d.step is not None for d in run.deps):
        raise RecommendError(next(d.why_not for d in run.deps) + f" (searched TP up to --max-gpus {space.max_gpus})")
    entries = with_scale_caps(_map(run, windows), options.scale_max)
    return plan_document(
        entries,
        model=run.model,
        traffic_model=traffic_model,
        space=space,
        options=options,
        bulk=bulk,
        autoscale=autoscale,
    )


def _map(run: _Run, windows):
    return fork_map(_window, list(enumerate(windows)), run.options.workers, run)


def _window(run: _Run, item: tuple[int, WindowTraffic]) -> dict:
    return recommend_window(run, *item)


def recommend_window(run: _Run, index: int, w: WindowTraffic) -> dict:
    o = run.options
    ml = choose_model_len(w.grid_len_tokens, w.grid_requests, o.coverage, cap_tokens=run.max_len_tokens)
    traffic = plan_traffic(w, traffic_scale=o.traffic_scale, headroom=window_headroom(w, o))
    load = Workload.of(traffic)
    result = screen(run.deps, run.grid, load, max_model_len=ml.max_model_len, slo=o.slo)
    if not result.ranked:
        raise RecommendError(
            f"window {w.label!r}: no candidate holds a {ml.max_model_len}-token request; "
            "raise --max-gpus, allow fp8/int4 (--allow-quant) or lower --coverage"
        )
    if load.rps_real == 0:
        return window_entry(
            w,
            index,
            chosen=result.ranked[0],
            verified=None,
            tried=[],
            result=result,
            load=load,
            model_len=ml,
            options=o,
            traffic=traffic,
        )
    pairs = [
        (s, _verify(run, s, s.config, traffic, index))
        for s in first_distinct(result.ranked, o.simulate_top, _deployment_key)
    ]
    if not any(v.meets for _, v in pairs):
        pairs += _raise_replicas(run, pairs[0][0], traffic, index, pairs[0][1].miss_ratio)
    meeting = [(s, v) for s, v in pairs if v.meets]
    chosen, verified = (
        min(meeting, key=lambda sv: (sv[0].dep.usd_per_hour * sv[1].config.replicas, sv[1].miss_ratio))
        if meeting
        else min(pairs, key=lambda sv: sv[1].miss_ratio)
    )
    mix = None
    if meeting and o.mix_headroom > 1:
        heavy = heavier(traffic, o.mix_headroom, ml.max_model_len)
        mix = hold_mix(
            chosen,
            verified,
            higher_tp(result.ranked, chosen),
            o.mix_headroom,
            planned=lambda s, config: _verify(run, s, config, traffic, index),
            heavy=lambda s, config: _verify(run, s, config, heavy, index),
            max_gpus=o.mix_gpus,
        )
        chosen, verified, pairs = mix.chosen, mix.verified, pairs + mix.tried
    return window_entry(
        w,
        index,
        chosen=chosen,
        verified=verified,
        tried=pairs,
        result=result,
        load=load,
        model_len=ml,
        options=o,
        traffic=traffic,
        mix_note=mix.note if mix else None,
    )


def _verify(run: _Run, s: Screened, config, traffic, index: int):
    o = run.options
    return verify(
        config,
        s.dep.step,
        traffic,
        model=run.model,
        engine=run.engine,
        slo=o.slo,
        max_requests=o.max_sim_requests,
        seed=o.seed + index,
    )


def window_headroom(w: WindowTraffic, o: RecommendOptions) -> float:
    """The measured forecast error's headroom over the peak span when there is one, else `o.headroom`:
    on the token load (planned tokens/s over the peak span's) with forecast_on "tokens", else the rate."""
    fe = w.sizing_error(o.forecast_quantile, o.forecast_on)
    if fe is None or fe.hours == 0:
        return o.headroom
    return fe.headroom(w.peak_tok_s_real if fe.unit == "tokens/s" else w.peak_rps_real)


def _deployment_key(s: Screened) -> tuple:
    return (s.dep.gpu, s.dep.tp, s.dep.weights, s.dep.kv)


def first_distinct(ranked: list, k: int, key) -> list:
    """The first `k` of `ranked` with different key(item)."""
    seen, out = set(), []
    for s in ranked:
        if (item_key := key(s)) not in seen:
            seen.add(item_key)
            out.append(s)
        if len(out) == k:
            break
    return out


def _raise_replicas(run: _Run, s: Screened, traffic, index: int, ratio: float) -> list:
    """More replicas for the cheapest candidate until the simulator says it meets the SLO: each round
    multiplies them by the square root of the simulated miss ratio, clipped to [1.25, 2] (latency
    falls faster than 1/R near saturation, so the full ratio would overshoot)."""
    o, replicas, out = run.options, s.config.replicas, []
    for _ in range(o.raise_rounds):
        replicas = max(replicas + 1, math.ceil(replicas * min(max(math.sqrt(ratio), 1.25), 2.0)))
        if traffic.rps_real * traffic.span_s / replicas < MIN_REPLICA_REQUESTS:
            break  # a latency floor (long prompts, spikes), not capacity: more replicas would not help
        v = _verify(run, s, dataclasses.replace(s.config, replicas=replicas), traffic, index)
        out.append((s, v))
        ratio = v.miss_ratio
        if v.meets:
            break
    return out


__all__ = ["PLAN_SPAN_S", "RecommendOptions", "recommend_plan", "recommend_window"]
