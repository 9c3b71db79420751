"""Simulating engines: a window's requests through continuous-batching replicas, one pool or two.

    result = simulate(arrival_s, prompt_tokens, output_tokens, engine=EngineSpec(...), step_s=...)

engine.py (replicas, routing, results), replica.py (one replica's scheduler), decode.py (decode-only
stretches in closed form), disagg.py (prefill and decode pools), traffic.py and arrivals.py (one
replica's share of a log), closed_loop.py (clients that send their next request when their last one
ends, or a fixed list of prompts through N slots), measurement.py (which of those requests a benchmark
tool reports), reference.py (the naive stepper the fast one is checked against).
"""

from recommend.simulate import measurement
from recommend.simulate.arrivals import replica_arrivals
from recommend.simulate.closed_loop import (
    ClosedLoopResult,
    FixedConcurrencyResult,
    simulate_closed_loop,
    simulate_fixed_concurrency,
)
from recommend.simulate.disagg import DisaggResult, simulate_disagg
from recommend.simulate.engine import EngineSpec, SimResult, SimulateError, goodput_share, simulate
from recommend.simulate.traffic import replica_share

__all__ = [
    "ClosedLoopResult",
    "DisaggResult",
    "FixedConcurrencyResult",
    "EngineSpec",
    "SimResult",
    "SimulateError",
    "goodput_share",
    "measurement",
    "replica_arrivals",
    "replica_share",
    "simulate",
    "simulate_closed_loop",
    "simulate_disagg",
    "simulate_fixed_concurrency",
]
