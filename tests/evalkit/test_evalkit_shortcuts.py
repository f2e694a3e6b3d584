"""No shortcut answers a test (issue 19): for every dataset, every arm's own training texts
(datasets.paper.ARM_TEXTS) and every split, every shortcut baseline (scoring.baselines.BASELINES)
scores at most chance + 10 points, pooled over the profile's dataset seeds (default: 0, 1, 2;
quick: 0) and both forms, per (split, arm).

The one documented exception: co-occurrence (most and least) on an item whose proposition the
arm's texts state (datasets.paper.states_proposition: recall, rephrasing and reversal items, whose
fact the documents state; inference items in a "covers" oracle's texts, which state the
inference). There co-occurrence is the knowledge itself; those items are left out of its mean.
"""

import math

import pytest

from adaptcost.evalkit.datasets import paper as ds
from adaptcost.evalkit.scoring.baselines import BASELINES, pooled_shortcuts

MARGIN = 0.10
PROFILE_SEEDS = {"default": (0, 1, 2), "quick": (0,)}


def shortcut_table(name: str, profile: str) -> dict:
    return pooled_shortcuts([ds.generate(name, seed, profile) for seed in PROFILE_SEEDS[profile]])


def over_chance(table: dict) -> list[str]:
    """Every (split, arm, baseline) above chance + MARGIN, as one line each."""
    bad = []
    for (split, arm), row in table.items():
        for b in BASELINES:
            value = row[b]
            if not math.isnan(value) and value > row["chance"] + MARGIN:
                bad.append(f"{split} · {arm} · {b} = {value:.2f} (chance {row['chance']:.2f}, n {row['n']})")
    return bad


@pytest.mark.parametrize("profile", sorted(PROFILE_SEEDS))
@pytest.mark.parametrize("name", ds.DATASETS)
def test_no_shortcut_above_chance(name, profile):
    table = shortcut_table(name, profile)
    assert table, "no items"
    bad = over_chance(table)
    assert not bad, "\n".join(bad)


def test_a_planted_shortcut_is_caught():
    # the answer made the most frequent option in the documents: the frequency baseline finds it
    import dataclasses

    data = ds.generate("syllogism", 0, "quick")
    item = next(i for i in data.items if i.split == "syllogism")
    answer = item.options[item.answer]
    planted = dataclasses.replace(data, docs=data.docs + (ds.Doc("cue", ("Zorp" + answer) * 5, ()),))
    row = pooled_shortcuts([planted])[("syllogism", "documents")]
    single = pooled_shortcuts([data])[("syllogism", "documents")]
    assert row["frequency"] > single["frequency"]
