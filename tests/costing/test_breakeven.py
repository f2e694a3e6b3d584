import pytest

from adaptcost.costing.breakeven import all_pairs, solve_pair


def test_linear_crossing_golden():
    # a: $1,000 fixed + $0.01/query·day... TCO_a(q) = 1000 + 3.65 q ; TCO_b(q) = 10 q
    # equal at 1000 = 6.35 q → q = 157.48...; above it a (lower slope) is cheaper
    result = solve_pair("a", "b", lambda q: 1000 + 3.65 * q, lambda q: 10 * q)
    assert len(result.crossings) == 1
    q, cheaper_above = result.crossings[0]
    assert q == pytest.approx(1000 / 6.35)
    assert cheaper_above == "a"
    assert result.describe() == ["above 157 queries/day a becomes cheaper than b"]


def test_no_crossing_is_reported_as_such():
    result = solve_pair("a", "b", lambda q: 5 + q, lambda q: 10 + 2 * q)
    assert result.crossings == []
    assert result.cheaper_throughout == "a"
    assert "no crossing: a is cheaper than b" in result.describe()[0]


def test_two_crossings():
    # (q − 10)(q − 1000) changes sign at 10 and at 1,000
    result = solve_pair("a", "b", lambda q: (q - 10) * (q - 1000), lambda q: 0.0)
    assert [round(q, 6) for q, _ in result.crossings] == [10.0, 1000.0]
    assert [above for _, above in result.crossings] == ["a", "b"]


def test_identical_costs():
    result = solve_pair("a", "b", lambda q: 2 * q, lambda q: 2 * q)
    assert result.crossings == [] and result.cheaper_throughout is None
    assert "same" in result.describe()[0]


def test_all_pairs_covers_every_pair_once():
    curves = {"x": lambda q: q, "y": lambda q: 2 * q, "z": lambda q: 3 * q}
    assert [(b.a, b.b) for b in all_pairs(curves)] == [("x", "y"), ("x", "z"), ("y", "z")]


def test_brentq_is_scipys_with_or_without_the_package_import(monkeypatch):
    # breakeven loads scipy's compiled Brent solver without scipy.optimize's __init__; where it
    # cannot, it calls scipy.optimize.brentq. Both give scipy's root, to the bit.
    from scipy.optimize import brentq as scipy_brentq

    from adaptcost.costing import breakeven

    cases = [(lambda x: x**3 - 2 * x - 5, 2.0, 3.0), (lambda x: (x - 10) * (x - 1000), 1.0, 100.0),
             (lambda x: 1000 + 3.65 * x - 10 * x, 0.01, 1e7)]
    expected = [scipy_brentq(f, a, b, xtol=1e-9, rtol=1e-12) for f, a, b in cases]
    assert [breakeven.brentq(f, a, b, xtol=1e-9, rtol=1e-12) for f, a, b in cases] == expected
    monkeypatch.setattr(breakeven, "_SOLVER", [None])  # the fallback: the public entry point
    assert [breakeven.brentq(f, a, b, xtol=1e-9, rtol=1e-12) for f, a, b in cases] == expected


def test_brentq_refuses_a_nan_as_scipy_does():
    from adaptcost.costing import breakeven

    with pytest.raises(ValueError, match="NaN"):
        breakeven.brentq(lambda x: float("nan") if x > 0.5 else -1.0, 0.0, 1.0, xtol=1e-9, rtol=1e-12)
