"""Backtest a disaggregated window: replay a piece of logged traffic through both pools (recommend/simulate/disagg.py).

A plan window whose "deployment" is "disaggregated" (recommend/disagg/pick.py) is replayed like an
aggregated one (recommend/backtest/replay.py: real rate, slices of at most max_requests, a warm-up
before each), except that the simulated unit is a group of both pools on 1/g of the traffic
(recommend/simulate/disagg.py group) instead of one replica on 1/R. Under the plan's replica scaler
both pools follow the scaler's ratio to the window's maximum (ceil(P x n / R), ceil(D x n / R)).
GPU-hours count both pools. The warm-up before each slice is warmup_s / (p + d) (at least MIN_WARMUP_S):
a group sees p + d replicas' worth of arrivals, so that keeps the warm-up's request count near an aggregated
replica's, while 10 s still spans several request lifetimes at the group's rate.
"""

import math
from dataclasses import dataclass, replace
from functools import partial

from profiles.links import get_link
from recommend.backtest.replay import (
    PieceReplay,
    ReplayOptions,
    Traffic,
    replay_intervals,
)
from recommend.disagg.transfer import kv_transfer
from recommend.engine_config import EngineConfig
from recommend.roofline import StepModel, with_profile
from recommend.simulate.disagg import group, simulate_disagg

MIN_WARMUP_S = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSplit:
    prefill: EngineConfig
    decode: EngineConfig
    link: str

    @classmethod
    def of_window(cls, window: dict, where: str = "window") -> "PlanSplit | None":
        """The window's split when the plan runs it disaggregated, else None."""
        d = window.get("disagg")
        if window.get("deployment") != "disaggregated" or not d:
            return None
        link = (d.get("transfer") or {}).get("link", "ib-ndr")
        get_link(link)
        return cls(
            prefill=EngineConfig.from_dict(d["prefill"], where=f"{where}.disagg.prefill"),
            decode=EngineConfig.from_dict(d["decode"], where=f"{where}.disagg.decode"),
            link=link,
        )

    @property
    def gpus(self) -> int:
        return self.prefill.gpus + self.decode.gpus

    def scaled(self, replicas: int, of: int) -> tuple[int, int]:
        """Pool sizes when a scaler runs `replicas` of the aggregated ceiling `of` (above it with a
        --scale-max cap: both pools grow by the same share)."""
        if not replicas or replicas == of:
            return self.prefill.replicas, self.decode.replicas
        return (
            max(1, math.ceil(self.prefill.replicas * replicas / of)),
            max(1, math.ceil(self.decode.replicas * replicas / of)),
        )


class SplitParts:
    """Engine specs, step times and the transfer model of each split, built once."""

    def __init__(self, model: str, engine: str, profile: dict | None = None):
        self.model, self.engine, self.profile, self.cache = model, engine, profile, {}

    def __call__(self, split: PlanSplit):
        if split not in self.cache:
            parts = []
            for config in (split.prefill, split.decode):
                dep = config.deployment(self.model, self.engine)
                dep = with_profile(dep, self.profile) if self.profile else dep
                parts += [config.engine_spec(dep), StepModel(dep).step_s]
            transfer = kv_transfer(
                self.model,
                split.decode.kv,
                prefill_gpu=split.prefill.gpu,
                prefill_tp=split.prefill.tp,
                decode_gpu=split.decode.gpu,
                decode_tp=split.decode.tp,
                link=split.link,
            )
            self.cache[split] = (*parts, transfer.seconds)
        return self.cache[split]


def replay_split_piece(
    traffic: Traffic,
    start_s: float,
    end_s: float,
    *,
    split: PlanSplit,
    pools: tuple[int, int],
    parts: SplitParts,
    options: ReplayOptions = ReplayOptions(),
    seed: int = 0,
) -> PieceReplay:
    """As replay.replay_piece, for `pools` = (prefill, decode) replicas of `split`."""
    p_spec, p_step, d_spec, d_step, transfer_s = parts(split)
    g, p, d = group(*pools)
    options = replace(options, warmup_s=max(MIN_WARMUP_S, options.warmup_s / (p + d)))
    run = partial(
        simulate_disagg,
        prefill=p_spec,
        prefill_step_s=p_step,
        prefill_replicas=p,
        decode=d_spec,
        decode_step_s=d_step,
        decode_replicas=d,
        transfer_s=transfer_s,
    )
    return replay_intervals(traffic, start_s, end_s, replicas=g, share=g, options=options, seed=seed, run=run)
