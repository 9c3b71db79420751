"""simulate.measurement: which requests perf_analyzer's time windows report (hand-derived windows of 12 s)."""

import numpy as np

from recommend.simulate import measurement


def test_the_first_three_windows_that_each_saw_an_end_are_reported():
    # ends at 1, 13, 25, 37 s: windows 0, 1, 2, 3; windows 0-2 each hold one, so the request ending at 37 s
    # (window 3) is not reported
    got = measurement.reported(np.array([1.0, 13.0, 25.0, 37.0]), known_s=48.0, window_s=12.0)
    assert got.tolist() == [True, True, True, False]


def test_an_empty_window_restarts_the_count():
    # ends at 1, 30, 40, 50, 62 s: windows 0, 2, 3, 4, 5; window 1 held none, so 2-4 are the first full three
    got = measurement.reported(np.array([1.0, 30.0, 40.0, 50.0, 62.0]), known_s=72.0, window_s=12.0)
    assert got.tolist() == [False, True, True, True, False]


def test_windows_not_yet_closed_settle_nothing():
    # known up to 36 s: windows 0-2 are closed, but window 1 held none; a later request may still end in 3-5
    assert measurement.reported(np.array([1.0, 30.0]), known_s=36.0, window_s=12.0) is None
    # a request known to end at 37 s does not close window 3: a not yet simulated one could still end in it
    assert measurement.reported(np.array([1.0, 13.0, 37.0]), known_s=37.0, window_s=12.0) is None


def test_never_stable_within_max_windows_reports_the_first_three_that_saw_an_end():
    # one end every 25 s: windows 2, 4, 6, 8, 10, 12 (every other one empty); after MAX_WINDOWS = 10 windows
    # perf_analyzer gives up; the simulation reports windows 2, 4 and 6
    ends = 25.0 * np.arange(1, 7)
    got = measurement.reported(ends, known_s=150.0, window_s=12.0)
    assert got.tolist() == [True, True, True, False, False, False]
