"""The replica scaler in a backtest: each piece's replicas as the plan's scaler would have set them.

The scaler (recommend/autoscale.py) decides an interval's replicas at its start - delay_s from the
interactive real rate it saw in the lookback, and from whether the bulk admission queue held work then
(recommend/backtest/bulk.py Admission.queued; the admission rate is the window's, independent of the
replicas); its signal is the window's unit: engine load (busy s/s, the window's LoadWeights) or, for
older plans, real req/s. A plan's seasonal floor (recommend/seasonal.py) holds each piece of an hour-of-week
window at least at its slot's floor replicas: the exported cron trigger starts delay_s before the slot, so
the floor serves from the piece's start (dated start/end windows get no cron trigger, so no floor). It sees only the replayed log: minutes before the first logged request are not data, so a
decision whose lookback starts before it keeps the window's planned replicas (max_replicas).
"""

import dataclasses
import math

import numpy as np

from recommend.autoscale import LoadWeights, MinuteRates
from recommend.backtest.bulk import Admission
from recommend.backtest.plan import BacktestPlan, Segment
from recommend.backtest.replay import ReplayOptions, Traffic


def interactive_rates(
    traffic: Traffic, options: ReplayOptions, end_s: float, load: LoadWeights | None = None
) -> MinuteRates:
    """Real interactive req/s per minute from the first logged request to end_s (busy s/s with `load`)."""
    keep = ~traffic.bulk
    sample = (
        np.full(int(keep.sum()), options.sample_rate) if options.sample_rate is not None else traffic.sample_rate[keep]
    )
    arrival = traffic.arrival_s[keep]
    start = math.ceil(float(traffic.arrival_s[0]) / 60.0) * 60.0 if traffic.arrival_s.size else end_s
    weight = options.traffic_scale / sample
    if load is not None:
        weight = weight * load.load_s(traffic.prompt_tokens[keep], traffic.output_tokens[keep])
    return MinuteRates.from_arrivals(arrival, weight, start, end_s)


def scaled(
    plan: BacktestPlan, pieces: list[Segment], traffic: Traffic, adm: Admission, options: ReplayOptions
) -> list[Segment]:
    """`pieces` with the scaler's replicas (unchanged when the plan does not scale)."""
    if not plan.scaled or not pieces:
        return pieces
    policy = plan.autoscale
    series: dict = {}  # one minute series per signal unit (None = requests, else the window's weights)

    def rates(load: LoadWeights | None) -> MinuteRates:
        if load not in series:
            series[load] = interactive_rates(traffic, options, pieces[-1].end_s, load)
        return series[load]

    out = []
    for s in pieces:
        scaling = plan.windows[s.window].scaling
        if scaling is None:
            out.append(s)
            continue
        decided = math.floor(s.start_s / policy.interval_s) * policy.interval_s - policy.delay_s
        # the floor's cron triggers: up before the slot starts; hour-of-week windows only (the export's)
        floor = plan.floor.at(s.start_s) if plan.floor and plan.windows[s.window].hours is not None else 0.0
        replicas = scaling.replicas(policy, rates(scaling.load).signal(decided, policy), adm.queued(decided), floor)
        out.append(dataclasses.replace(s, replicas=replicas))
    return out
