"""Curves files: bundled ones by name."""

import pytest

from adaptcost.errors import CurvesError


def test_bundled_curves_by_name_and_did_you_mean():
    from adaptcost.decision.curves import bundled_curves, load_curves

    assert {"paper-reference", "smollm2-135m-quick", "smollm2-135m-default"} <= set(bundled_curves())
    measured = load_curves("smollm2-135m-default")
    assert measured.kind == "measured" and measured.path == "smollm2-135m-default (bundled)"
    with pytest.raises(CurvesError, match=r"curves file not found: smollm2-135m-defualt; did you mean smollm2-135m-default"):
        load_curves("smollm2-135m-defualt")
