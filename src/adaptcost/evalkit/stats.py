"""Statistics for per-item credits: intervals, paired tests, detectable differences.

Items are not independent: a fact's two question forms, a category's inferences, share what the
model knows. So resampling and permutation work on clusters (a fact, a syllogism, a category),
and every comparison between two strategies is paired: the same items, each item's difference.

- `wilson`: the Wilson score 95% interval of a proportion (0/10 -> [0, 0.28], never [0, 0]);
- `cluster_bootstrap`: a percentile interval of the mean, resampling whole clusters;
- `interval`: the reported interval, the union of the two (the more cautious at every n);
- `paired_test`: a two-sided paired permutation test (signs of per-cluster differences flipped
  at random, exact when there are at most 16 clusters), with a cluster-bootstrap interval of the
  difference;
- `holm`: Holm's step-down adjustment of a family of p-values;
- `minimum_detectable_difference`: the difference between two strategies that a paired test on
  n items detects with 80% power at the 5% level, taking the worst case p = 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Sequence

import numpy as np

Z95 = 1.959963984540054
Z80 = 0.8416212335729143
ALPHA = 0.05


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval; `successes` may be fractional (tie-shared credit)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _cluster_sums(values: np.ndarray, clusters: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
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
    sums, sizes = _cluster_sums(values, clusters)
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


@dataclass(frozen=True)
class Paired:
    """A paired comparison of arm a against arm b on the same items."""

    a: str
    b: str
    n: int
    clusters: int
    mean_a: float
    mean_b: float
    difference: float  # mean_a - mean_b
    low: float
    high: float
    p: float
    p_holm: float | None = None

    @property
    def significant(self) -> bool:
        p = self.p_holm if self.p_holm is not None else self.p
        return p < ALPHA

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "n": self.n, "clusters": self.clusters, "mean_a": round(self.mean_a, 4),
                "mean_b": round(self.mean_b, 4), "difference": round(self.difference, 4),
                "difference_95": [round(self.low, 4), round(self.high, 4)], "p": round(self.p, 4),
                "p_holm": None if self.p_holm is None else round(self.p_holm, 4), "significant": self.significant,
                "reads": self.reads()}

    def reads(self) -> str:
        """The comparison in words, no stronger than the test."""
        if self.significant:
            return f"{self.a} {'above' if self.difference > 0 else 'below'} {self.b} (significant)"
        return f"no significant difference between {self.a} and {self.b}"


def paired_test(a: Sequence[float], b: Sequence[float], clusters: Sequence[str], seed: int = 0,
                permutations: int = 10000, labels: tuple[str, str] = ("a", "b")) -> Paired:
    """Two-sided paired permutation test of mean(a) - mean(b), flipping the sign of each
    cluster's summed difference (exact over all 2^k sign patterns when k <= 16 clusters)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = a - b
    sums, _ = _cluster_sums(diff, clusters)
    observed = abs(sums.sum())
    k = len(sums)
    if k <= 16:
        signs = np.array(list(product((1.0, -1.0), repeat=k))) if k else np.ones((1, 0))
        stats = np.abs(signs @ sums)
        p = float(np.mean(stats >= observed - 1e-12))
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice((1.0, -1.0), size=(permutations, k))
        stats = np.abs(signs @ sums)
        p = float((1 + np.sum(stats >= observed - 1e-12)) / (permutations + 1))
    low, high = cluster_bootstrap(diff, clusters, seed) if diff.size else (float("nan"),) * 2
    mean = lambda x: float(x.mean()) if x.size else float("nan")  # noqa: E731
    return Paired(labels[0], labels[1], int(diff.size), k, mean(a), mean(b), mean(diff), low, high, p)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted = [0.0] * len(pvalues)
    running = 0.0
    m = len(pvalues)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def minimum_detectable_difference(n: int, p: float = 0.5) -> float:
    """Smallest difference in accuracy a two-sided 5% test detects with 80% power on n items per
    arm (normal approximation, worst case p = 0.5; pairing helps only as far as arms agree)."""
    if n <= 0:
        return float("nan")
    return (Z95 + Z80) * math.sqrt(2 * p * (1 - p) / n)
