"""Where a window's disaggregation would start to pay: the share of long prompts at which the cheapest screened
split costs less than the cheapest screened aggregated config.

"Long" = longer than the window's own p90 prompt (about 10% of its requests). The planned span's requests
are redrawn (same arrival times, seeded) so that SHARES of them are long, lengths drawn from the window's
own long and short requests, and both searches are re-run analytically (recommend/screen.py,
recommend/disagg/screen.py; no simulation, so it is the screening's estimate, not a verified plan).
"""

import dataclasses

import numpy as np

from recommend.disagg.screen import screen_disagg
from recommend.queueing import Workload
from recommend.screen import screen
from recommend.window_traffic import PlanTraffic

SHARES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def long_prompt_mix(t: PlanTraffic, share: float, threshold_tokens: float, seed: int = 0) -> PlanTraffic:
    """`t` with each request redrawn from the long (> threshold) ones with probability `share`, else the short."""
    rng = np.random.default_rng(seed)
    long_idx, short_idx = (
        np.flatnonzero(t.prompt_tokens > threshold_tokens),
        np.flatnonzero(t.prompt_tokens <= threshold_tokens),
    )
    n = t.prompt_tokens.size
    pick = np.where(rng.random(n) < share, rng.choice(long_idx, n), rng.choice(short_idx, n))
    return dataclasses.replace(t, prompt_tokens=t.prompt_tokens[pick], output_tokens=t.output_tokens[pick])


def breakeven(
    t: PlanTraffic, *, deps, grid, budgets, seqs, max_model_len: int, slo: dict, link: str, model: str
) -> dict | None:
    """{"share", "threshold_tokens", "aggregated_usd_per_hour", "disagg_usd_per_hour"} at the first of SHARES
    where the split screens cheaper; {"share": None, ...} when none does; None without enough requests."""
    if t.prompt_tokens.size < 20:
        return None
    threshold = float(np.percentile(t.prompt_tokens, 90))
    if not (t.prompt_tokens > threshold).any():
        return None
    for share in SHARES:
        w = Workload.of(long_prompt_mix(t, share, threshold))
        agg = next(
            (s.usd_per_hour for s in screen(deps, grid, w, max_model_len=max_model_len, slo=slo).ranked if s.meets),
            None,
        )
        split = next(
            (
                s.usd_per_hour
                for s in screen_disagg(
                    deps, budgets, seqs, w, max_model_len=max_model_len, slo=slo, link=link, model=model
                )
                if s.meets
            ),
            None,
        )
        if split is not None and (agg is None or split < agg):
            return {
                "share": share,
                "threshold_tokens": round(threshold),
                "aggregated_usd_per_hour": agg,
                "disagg_usd_per_hour": round(split, 2),
            }
    return {
        "share": None,
        "threshold_tokens": round(threshold),
        "aggregated_usd_per_hour": None,
        "disagg_usd_per_hour": None,
    }
