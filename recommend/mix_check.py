"""An engine config that also holds on a heavier length mix (`recommend --mix-headroom K`).

The recommender picks each window's config on the planned span's length mix; a day whose prompts run
longer than any planning day (ServeGen chat-large, Sunday 2025-03-16: p95 prompt 6,744 tokens against
<= 3,029 on every planning day, bench/RESULTS.md "backtest") then misses on the long prompts' own
prefill, which more replicas of the same config barely shorten (in replay, the same GPUs as TP-4
replicas met more of its hours than TP-2). With K > 1 the chosen config is simulated once more at its
replicas with every prompt x K (clipped so prompt + output fits max_model_len) at the same token load
(fewer requests: replicas and the scaler are sized on the load, and more load at the same replicas is a
capacity miss any config has; at the same request rate x1.5 prompts put 7 of 8 planned fleets at
1.4-24x the SLO). When it misses there, the best screened configs of the next higher-TP deployments
(`higher_tp`) are tried on the same GPUs (replicas = GPUs / TP, rounded up): the cheapest that meets the
SLO on both the heavier and the planned mix is chosen. On ServeGen none did (TP-4 on the same GPUs runs
twice the requests per replica and misses TPOT on the planned mix). With `--mix-gpus M` > 1, where
nothing on the same GPUs meets both, the chosen config and those alternatives are tried on M x the GPUs
(2025-03-16's 10-02 UTC window: TP-4 on 1.25x the GPUs meets both mixes at K 1.5, TP-2 on 1.5x does
not). When none meets both, the planned choice stands; the plan's reason says which happened.
On by default since session 11 (K 1.25, M 1.25: recommend/recommender.py MIX_HEADROOM, MIX_GPUS; measured in
bench/backtest_tried.md); K 1 turns it off.
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from recommend.window_traffic import PlanTraffic


@dataclass(frozen=True, slots=True, kw_only=True)
class MixChoice:
    chosen: object  # Screened
    verified: object  # Verified on the planned mix
    tried: list  # extra (Screened, Verified) pairs simulated on the planned mix
    note: str  # the plan's reason


def heavier(t: PlanTraffic, k: float, max_model_len: int) -> PlanTraffic:
    """`t` with every prompt x k (rounded; prompt + output <= max_model_len) at the same token load: the
    request rate x (planned tokens / heavier tokens), so the check sees the mix, not more load."""
    prompt = np.rint(t.prompt_tokens * k).astype(np.int64)
    prompt = np.maximum(np.minimum(prompt, max_model_len - t.output_tokens), t.prompt_tokens)
    before, after = int(t.prompt_tokens.sum()), int(prompt.sum())
    output = int(t.output_tokens.sum())
    rate = (before + output) / (after + output) if after + output else 1.0
    return dataclasses.replace(t, prompt_tokens=prompt, scale=t.scale * rate)


def hold_mix(chosen, verified, alternatives: list, k: float, *, planned, heavy, max_gpus: float = 1.0) -> MixChoice:
    """The config to run: `chosen` (met the SLO as planned, `verified`) when heavy(s, config) meets too;
    else the cheapest of `alternatives` (Screened) run on the same GPUs that meets heavy(s, config) and
    planned(s, config); else (max_gpus > 1) the cheapest of chosen and `alternatives` on max_gpus x its GPUs
    meeting both; else `chosen`. planned/heavy return a Verified."""
    h = heavy(chosen, verified.config)
    if h.meets:
        return MixChoice(chosen=chosen, verified=verified, tried=[], note=_note(k, chosen, verified, h, "holds"))
    gpus = verified.config.replicas * chosen.dep.tp
    tried, best = [], None
    steps = [(1.0, alternatives)] + ([(max_gpus, [chosen, *alternatives])] if max_gpus > 1 else [])
    for share, candidates in steps:
        good = []
        for s in candidates:
            config = dataclasses.replace(s.config, replicas=math.ceil(gpus * share / s.dep.tp))
            hv = heavy(s, config)
            best = min(best or (s, hv), (s, hv), key=lambda sh: sh[1].miss_ratio)
            if hv.meets:
                v = planned(s, config)
                tried.append((s, v))
                if v.meets:
                    good.append((s, v, hv))
        if good:
            s, v, hv = min(good, key=lambda g: (g[0].dep.usd_per_hour * g[1].config.replicas, g[2].miss_ratio))
            on = "the same GPUs" if share == 1.0 else f"{share:g}x its GPUs (--mix-gpus)"
            why = f"misses; {_name(s, v)} on {on} meets both (heavier mix at {hv.miss_ratio:.2f}), chosen"
            return MixChoice(chosen=s, verified=v, tried=tried, note=_note(k, chosen, verified, h, why))
    up = f" or {max_gpus:g}x them" if max_gpus > 1 else ""
    why = f"none of {len(alternatives)} other configs on its {gpus} GPUs{up} meets both mixes"
    if best:
        why += f" (the closest on the heavier mix: {_name(*best)} at {best[1].miss_ratio:.2f})"
    why += "; chosen on the planned mix"
    return MixChoice(chosen=chosen, verified=verified, tried=tried, note=_note(k, chosen, verified, h, why))


def higher_tp(ranked: list, chosen, *, deployments: int = 2, knobs: int = 2) -> list:
    """The screened candidates a heavier mix may need instead of `chosen`: of the first `deployments`
    (GPU, TP, weights, KV) in `ranked` with a higher TP than chosen's (a prompt's prefill split over more
    GPUs), the first `knobs` distinct (max_num_seqs, max_num_batched_tokens) each."""
    out, seen = [], {}
    for s in ranked:
        if s.dep.gpu != chosen.dep.gpu or s.dep.tp <= chosen.dep.tp:
            continue
        dep = (s.dep.tp, s.dep.weights, s.dep.kv)
        if dep not in seen and len(seen) == deployments:
            continue
        knob = (s.config.max_num_seqs, s.config.max_num_batched_tokens)
        if knob not in seen.setdefault(dep, set()) and len(seen[dep]) < knobs:
            seen[dep].add(knob)
            out.append(s)
    return out


def _note(k: float, s, v, h, outcome: str) -> str:
    return (
        f"mix check (--mix-headroom {k:g}): with every prompt x{k:g} at the same token load {_name(s, v)} "
        f"simulates at {h.miss_ratio:.2f} of the SLO, {outcome}"
    )


def _name(s, v) -> str:
    c = v.config
    return f"{c.replicas}x TP{s.dep.tp} {s.dep.weights}/{s.dep.kv} ({c.max_num_seqs} seqs, {c.max_num_batched_tokens} tokens)"
