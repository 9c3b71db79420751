"""Which requests a benchmark reports: perf_analyzer's time windows, as genai-perf drives it.

perf_analyzer (triton-inference-server/perf_analyzer, inference_profiler.cc: ProfileHelper, Measure,
ValidLatencyMeasurement) starts its load and then measures back-to-back windows of 1.2 x
--measurement-interval (genai-perf's course runs: 10 s -> windows at 0, 12, 24, 36 s in their per-request
exports). A window holds the requests that ended in it; a window where none ended is an error. It stops
once WINDOWS windows in a row each held one (its stability window; genai-perf's --stability-percentage 999
accepts any such three) and reports the requests of those windows; it gives up after MAX_WINDOWS
(--max-trials). So a closed loop is reported from its t = 0 burst on, not from its steady state.
"""

import numpy as np

WINDOWS = 3
MAX_WINDOWS = 10


def reported(end_s: np.ndarray, known_s: float, window_s: float) -> np.ndarray | None:
    """Mask of the requests (last tokens at `end_s`, load started at 0) the benchmark reports, or None if the
    ends known so far do not settle it: only windows wholly before `known_s` count (a request not yet
    simulated ends after it). Never stable within MAX_WINDOWS: the first WINDOWS windows that held an end."""
    window = np.floor(np.asarray(end_s) / window_s).astype(np.int64)
    known = int(np.floor(known_s / window_s))
    ended = np.bincount(window[window < known], minlength=known) > 0
    for first in range(min(known, MAX_WINDOWS) - WINDOWS + 1):
        if ended[first : first + WINDOWS].all():
            return (window >= first) & (window < first + WINDOWS)
    if known >= MAX_WINDOWS and ended.sum() >= WINDOWS:
        return np.isin(window, np.flatnonzero(ended)[:WINDOWS])
    return None
