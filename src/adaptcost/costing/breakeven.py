"""Break-even volumes: the queries/day at which two strategies' total costs are equal.

TCO(q) is linear in q except through the prompt-cache hit rate, so two strategies can cross
more than once. The difference is scanned on a log grid of volumes and every sign change is
refined with Brent's method (scipy.optimize.brentq); a pair that never crosses in the range is
reported as such, with the one that stays cheaper.

brentq is scipy's compiled routine (scipy/optimize/_zeros), loaded on its own: importing the
scipy.optimize package runs its __init__, which imports linalg, sparse, fft and special and costs
0.3-0.6 s of a 0.5 s command (bench/cli_latency.py). Where scipy's layout ever differs, the
public ``scipy.optimize.brentq`` is used; both run the same C code, so the roots are the same.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

GridDiff = Callable[[np.ndarray], np.ndarray]
Q_MIN, Q_MAX = 0.01, 1e7  # queries/day searched
GRID_POINTS = 241


@dataclass
class BreakEven:
    a: str
    b: str
    crossings: list[tuple[float, str]] = field(default_factory=list)  # (q, cheaper above q)
    cheaper_throughout: str | None = None  # when there is no crossing
    q_max: float = Q_MAX

    def describe(self) -> list[str]:
        if not self.crossings:
            if self.cheaper_throughout is None:
                return [f"{self.a} and {self.b} cost the same at every volume"]
            other = self.b if self.cheaper_throughout == self.a else self.a
            return [f"no crossing: {self.cheaper_throughout} is cheaper than {other} at every volume up to {self.q_max:,.0f} queries/day"]
        lines = []
        for q, above in self.crossings:
            below = self.b if above == self.a else self.a
            lines.append(f"above {volume_text(q)} queries/day {above} becomes cheaper than {below}")
        return lines

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "crossings": [{"queries_per_day": q, "cheaper_above": above} for q, above in self.crossings],
            "cheaper_throughout": self.cheaper_throughout,
            "searched_up_to_queries_per_day": self.q_max,
            "text": self.describe(),
        }


def volume_text(q: float) -> str:
    """A volume for prose: whole numbers from 10 up, one decimal below (2.2, not 2)."""
    return f"{q:,.0f}" if q >= 10 else f"{q:.1f}"


_SOLVER: list = []  # scipy's compiled brentq once loaded, or None where it cannot be


def _brentq_c():
    """scipy's compiled Brent solver (``scipy.optimize._zeros._brentq``) without importing the
    scipy.optimize package; None where it cannot be loaded that way."""
    if not _SOLVER:
        _SOLVER.append(_load_brentq_c())
    return _SOLVER[0]


def _load_brentq_c():
    module = sys.modules.get("scipy.optimize._zeros")
    if module is None and "scipy.optimize" not in sys.modules:
        import importlib.machinery
        import importlib.util
        import os

        try:
            found = importlib.util.find_spec("scipy")  # finds the package without importing it
            folder = os.path.join(os.path.dirname(found.origin), "optimize")
            path = next(os.path.join(folder, "_zeros" + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES
                        if os.path.isfile(os.path.join(folder, "_zeros" + suffix)))
            loader = importlib.machinery.ExtensionFileLoader("scipy.optimize._zeros", path)
            module = importlib.util.module_from_spec(importlib.util.spec_from_loader("scipy.optimize._zeros", loader))
            loader.exec_module(module)
        except (ImportError, AttributeError, TypeError, StopIteration, OSError):
            return None
    solve = getattr(module, "_brentq", None)
    try:  # the private call convention still holds: (f, a, b, xtol, rtol, maxiter, args, full_output, disp)
        if solve is None or solve(lambda x: x - 0.5, 0.0, 1.0, 1e-12, 1e-12, 100, (), False, True) != 0.5:
            return None
    except Exception:  # noqa: BLE001 - any surprise means: use the public entry point
        return None
    return solve


def brentq(f: Callable[[float], float], a: float, b: float, xtol: float, rtol: float, maxiter: int = 100) -> float:
    """scipy.optimize.brentq(f, a, b, xtol=xtol, rtol=rtol): a root of f in [a, b], where f(a)
    and f(b) differ in sign; a NaN value of f is an error, as there."""
    solve = _brentq_c()
    if solve is None:
        from scipy.optimize import brentq as scipy_brentq

        return scipy_brentq(f, a, b, xtol=xtol, rtol=rtol, maxiter=maxiter)

    def checked(x: float) -> float:  # scipy.optimize's own wrapper (_wrap_nan_raise)
        fx = f(x)
        if math.isnan(fx):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return fx

    return solve(checked, a, b, xtol, rtol, maxiter, (), False, True)


def solve_pair(a: str, b: str, fa: Callable[[float], float], fb: Callable[[float], float],
               q_min: float = Q_MIN, q_max: float = Q_MAX, grid_diff: GridDiff | None = None) -> BreakEven:
    """Every volume in [q_min, q_max] where fa(q) = fb(q).

    `grid_diff`, where given, evaluates fa − fb over the whole grid at once (the vectorized cost
    model, equal to the scalar one); the crossings are then refined on fa and fb themselves.
    """
    grid = np.geomspace(q_min, q_max, GRID_POINTS)
    diff = np.asarray(grid_diff(grid), float) if grid_diff else np.array([fa(q) - fb(q) for q in grid])
    result = BreakEven(a, b, q_max=q_max)
    scale = max(1.0, float(np.max(np.abs(diff))))
    signs = np.sign(np.where(np.abs(diff) < 1e-12 * scale, 0.0, diff))
    last = 0.0  # sign of the last nonzero difference seen
    for i in range(len(grid)):
        if signs[i] == 0:
            following = next((x for x in signs[i + 1:] if x != 0), 0.0)
            if last and following == -last and (i == 0 or signs[i - 1] != 0):
                result.crossings.append((float(grid[i]), b if last < 0 else a))  # exactly on the grid
            continue
        if i + 1 < len(grid) and signs[i + 1] == -signs[i]:
            q = brentq(lambda x: fa(x) - fb(x), grid[i], grid[i + 1], xtol=1e-9, rtol=1e-12)
            result.crossings.append((q, b if signs[i] < 0 else a))
        last = signs[i]
    if not result.crossings:
        nonzero = signs[signs != 0]
        if nonzero.size:
            result.cheaper_throughout = b if nonzero[0] > 0 else a
    return result


def all_pairs(curves: Mapping[str, Callable[[float], float]], q_max: float = Q_MAX,
              grids: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None) -> list[BreakEven]:
    """Break-evens between every pair; `grids` gives each strategy's TCO over an array of volumes."""
    names = list(curves)
    pairs = []
    totals: dict[str, np.ndarray] = {}  # each strategy priced once over the grid every pair is searched on

    def total(name: str, qs: np.ndarray) -> np.ndarray:
        if name not in totals:
            totals[name] = np.asarray(grids[name](qs), float)
        return totals[name]

    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = names[i], names[j]
            diff = (lambda qs, a=a, b=b: total(a, qs) - total(b, qs)) if grids else None
            pairs.append(solve_pair(a, b, curves[a], curves[b], q_max=q_max, grid_diff=diff))
    return pairs
