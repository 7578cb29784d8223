"""The reference's own helpers: correct rounding and ULP distances."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from activations import _reference as ref
from activations._dtypes import FORMATS, round_to


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_rounding_to_float32_and_float16_matches_numpy(v: float) -> None:
    with np.errstate(over="ignore"):
        for name in ("float16", "float32"):
            want = float(np.array(v).astype(name))
            got = ref.round_to_format(v, FORMATS[name])
            assert got == want and math.copysign(1, got) == math.copysign(1, want)
            assert round_to(v, name) == want


def test_bfloat16_rounding_ties_to_even() -> None:
    # 1 + 2**-8 is halfway between 1 and 1 + 2**-7: ties to even gives 1.
    assert ref.round_to_format(1 + 2**-8, FORMATS["bfloat16"]) == 1.0
    assert ref.round_to_format(1 + 3 * 2**-8, FORMATS["bfloat16"]) == 1 + 2**-6
    assert round_to(1 + 3 * 2**-8, "bfloat16") == 1 + 2**-6


@pytest.mark.parametrize(
    ("got", "want", "ulps"),
    [
        (1.0, 1.0, 0.0),
        (1.0 + 2**-52, 1.0, 1.0),
        (math.nan, math.nan, 0.0),
        (0.0, math.nan, math.inf),
        (math.inf, math.inf, 0.0),
        (1e308, math.inf, math.inf),
    ],
)
def test_ulp_error(got: float, want: float, ulps: float) -> None:
    assert ref.ulp_error(got, want, FORMATS["float64"], 2**-10) == ulps


def test_ulp_error_uses_the_floor_near_zero() -> None:
    # 1e-20 away from a reference of 0 is far below one ULP of the floor 2**-10.
    assert ref.ulp_error(1e-20, 0.0, FORMATS["float32"], 2**-10) < 1e-6


def test_reference_values_at_known_points() -> None:
    p = {"approximate": False}
    assert float(ref.value("gelu", 1.0, p, "float64")) == pytest.approx(
        0.8413447460685429, rel=1e-15
    )
    assert ref.value("gelu", -math.inf, p, "float64") == 0.0
    assert math.copysign(1, ref.value("gelu", -0.0, p, "float64")) == -1
    assert float(ref.derivative("selu", 0.0, {}, "float64")) == pytest.approx(1.7580993408473766)
