"""Comparisons between two arms on the same items, and the family they form.

Every comparison between two strategies is paired: the same items, each item's difference, with
permutation and resampling over clusters (a fact, a syllogism, a category), never single items.

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

from .intervals import Z95, cluster_bootstrap, cluster_sums

Z80 = 0.8416212335729143
ALPHA = 0.05


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
    sums, _ = cluster_sums(diff, clusters)
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
