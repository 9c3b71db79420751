import pytest

from profiles import get_gpu
from profiles.fp8_conversion import fp8_elements_s


def test_conversion_rate_is_two_elements_per_conversion_at_sixteen_per_sm_clock():
    # H100 SXM: 989.5e12 FLOP/s / 4096 FLOP per SM clock = 2.41577e11 SM clocks/s (132 SMs at 1.83 GHz),
    # x 2 x 16 = 7.73047e12 elements/s; L40S: 362.05e12 / 1024 x 32 = 1.131406e13
    assert fp8_elements_s(get_gpu("h100")) == pytest.approx(989.5e12 / 4096 * 32, rel=1e-12)
    assert fp8_elements_s(get_gpu("h100")) == pytest.approx(7.73047e12, rel=1e-6)
    assert fp8_elements_s(get_gpu("l40s")) == pytest.approx(1.131406e13, rel=1e-6)


def test_no_rate_without_fp8_or_a_listing():
    assert fp8_elements_s(get_gpu("a100-80gb-sxm")) is None  # no FP8
    assert fp8_elements_s(get_gpu("b200")) is None  # FP8, but SMs and clock not listed here
