import pytest

from profiles import get_gpu
from profiles.fp8_conversion import fp8_elements_s


def test_conversion_rate_is_two_elements_per_conversion_at_sixteen_per_sm_clock():
    # H100 SXM: 2 x 16 x 132 SMs x 1.98e9 Hz = 8.36352e12 elements/s; L40S: 2 x 16 x 142 x 2.52e9 = 1.145088e13
    assert fp8_elements_s(get_gpu("h100")) == pytest.approx(8.36352e12, rel=1e-12)
    assert fp8_elements_s(get_gpu("l40s")) == pytest.approx(1.145088e13, rel=1e-12)


def test_no_rate_without_fp8_or_a_listing():
    assert fp8_elements_s(get_gpu("a100-80gb-sxm")) is None  # no FP8
    assert fp8_elements_s(get_gpu("b200")) is None  # FP8, but SMs and clock not listed here
