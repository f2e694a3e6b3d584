"""The one check of a number read from a file or a flag (adaptcost.limits)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from adaptcost.limits import problem, shown


@given(st.floats(min_value=0, max_value=1e6))
def test_a_finite_number_within_bounds_passes(value):
    assert problem(value, low=0, high=1e6) is None


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-(10**500), max_value=10**500)))
def test_anything_outside_is_one_short_line(value):
    found = problem(value, low=0, high=1e6)
    inside = not (isinstance(value, float) and not math.isfinite(value)) and 0 <= value <= 1e6
    assert (found is None) == inside
    if found is not None:
        assert "\n" not in found and len(found) < 80 and found.endswith(f"got {shown(value)}")


def test_the_messages():
    assert problem(2.5, low=1, whole=True) == "must be a whole number, got 2.5"
    assert problem(3.0, low=1, whole=True) is None
    assert problem(-1, low=0, high=10) == "must be at least 0, got -1"
    assert problem(11, low=0, high=10) == "must lie in [0, 10], got 11"
    assert problem(0, above=0, high=10) == "must be greater than 0, got 0"
    assert problem(11, above=0, high=10) == "must lie in (0, 10], got 11"
    assert problem(float("nan")) == "must be a finite number, got nan"
    assert problem(True) == "must be a number, got True"
    assert problem("5") == "must be a number, got '5'"
    assert shown(10**400) == "a 401-digit number" and shown(-(10**14)) == "-100000000000000" and shown(10**15) == "a 16-digit number"
