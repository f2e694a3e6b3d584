"""Whether a split can carry a claim at all, before any test is run on it.

A paired permutation test over k clusters cannot give a p-value below 2 / 2^k (the two most
extreme sign patterns of 2^k): 4 clusters -> 0.125, 2 clusters -> 0.5, whatever the data. Items
drawn from one dataset seed are one draw of the generator: a difference on them may be that
draw's. So a split (one dataset, pooled over its dataset seeds) feeds a claim only when it has at
least `ClaimBar.items` items in every question form, from at least `ClaimBar.seeds` dataset
seeds, in at least `ClaimBar.clusters` clusters (10 clusters: smallest p 0.002, room for a Holm
family of dozens). Below the bar it is descriptive only: its accuracies are reported, it enters
no paired test and no Holm family.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class ClaimBar:
    items: int = 40  # items per question form
    seeds: int = 3  # dataset seeds
    clusters: int = 10  # clusters (a fact, a syllogism, a category) over all seeds

    def to_dict(self) -> dict:
        return {"min_items_per_form": self.items, "min_dataset_seeds": self.seeds, "min_clusters": self.clusters}


CLAIM_BAR = ClaimBar()


@dataclass(frozen=True)
class Support:
    """What a split holds: items per question form, dataset seeds, clusters (over seeds)."""

    items_per_form: dict[str, int]
    seeds: int
    clusters: int
    bar: ClaimBar = CLAIM_BAR

    @property
    def fewest_items(self) -> int:
        return min(self.items_per_form.values()) if self.items_per_form else 0

    @property
    def carries_claim(self) -> bool:
        return self.fewest_items >= self.bar.items and self.seeds >= self.bar.seeds and self.clusters >= self.bar.clusters

    @property
    def reason(self) -> str | None:
        """None when the split can carry a claim; otherwise what it holds, against the bar."""
        if self.carries_claim:
            return None
        per_form = "item" if self.fewest_items == 1 else "items"
        return (f"{self.fewest_items} {per_form} per form from {self.seeds} dataset seed{'s' if self.seeds != 1 else ''}, "
                f"{self.clusters} cluster{'s' if self.clusters != 1 else ''} (a claim needs >= {self.bar.items} items per form "
                f"from >= {self.bar.seeds} seeds and >= {self.bar.clusters} clusters)")

    def to_dict(self) -> dict:
        return {"items_per_form": dict(sorted(self.items_per_form.items())), "dataset_seeds": self.seeds,
                "clusters": self.clusters, "carries_claim": self.carries_claim, "descriptive": self.reason}


def support(units: Iterable[tuple[str, object, str]], bar: ClaimBar | None = None) -> Support:
    """The support of a split from its items, one (form, dataset seed, cluster) each; a cluster
    is named within its seed (the same name under two seeds is two clusters)."""
    per_form: dict[str, int] = defaultdict(int)
    seeds, clusters = set(), set()
    for form, seed, cluster in units:
        per_form[form] += 1
        seeds.add(seed)
        clusters.add((seed, cluster))
    return Support(dict(per_form), len(seeds), len(clusters), bar or CLAIM_BAR)
