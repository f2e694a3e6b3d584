"""Intervals for per-item credits.

Items are not independent: a fact's two question forms, a category's inferences, share what the
model knows. So resampling works on clusters (a fact, a syllogism, a category).

- `wilson`: the Wilson score 95% interval of a proportion (0/10 -> [0, 0.28], never [0, 0]);
- `cluster_bootstrap`: a percentile interval of the mean, resampling whole clusters;
- `interval`: the reported interval, the union of the two (the more cautious at every n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval; `successes` may be fractional (tie-shared credit)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def cluster_sums(values: np.ndarray, clusters: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    names = sorted(set(clusters))
    index = {c: k for k, c in enumerate(names)}
    sums = np.zeros(len(names))
    sizes = np.zeros(len(names))
    for v, c in zip(values, clusters):
        sums[index[c]] += v
        sizes[index[c]] += 1
    return sums, sizes


def cluster_bootstrap(values: Sequence[float], clusters: Sequence[str], seed: int = 0,
                      resamples: int = 2000) -> tuple[float, float]:
    """Percentile 95% interval of the mean, resampling clusters with replacement."""
    values = np.asarray(values, float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    sums, sizes = cluster_sums(values, clusters)
    rng = np.random.default_rng(seed)
    draw = rng.integers(0, len(sums), size=(resamples, len(sums)))
    means = sums[draw].sum(axis=1) / sizes[draw].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (float(low), float(high))


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int
    clusters: int
    wilson: tuple[float, float]
    bootstrap: tuple[float, float]

    def to_dict(self) -> dict:
        return {"mean": round(self.mean, 4), "low": round(self.low, 4), "high": round(self.high, 4), "n": self.n,
                "clusters": self.clusters, "wilson": [round(v, 4) for v in self.wilson],
                "cluster_bootstrap": [round(v, 4) for v in self.bootstrap]}


def interval(values: Sequence[float], clusters: Sequence[str], seed: int = 0) -> Estimate:
    """Mean credit with the union of the Wilson and the cluster-bootstrap 95% intervals."""
    values = np.asarray(values, float)
    if values.size == 0:
        nan = float("nan")
        return Estimate(nan, nan, nan, 0, 0, (nan, nan), (nan, nan))
    w = wilson(float(values.sum()), values.size)
    b = cluster_bootstrap(values, clusters, seed)
    mean = float(values.mean())
    return Estimate(mean, min(w[0], b[0], mean), max(w[1], b[1], mean), int(values.size), len(set(clusters)), w, b)
