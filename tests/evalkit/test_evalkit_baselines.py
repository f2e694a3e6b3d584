"""Shortcut baselines (adaptcost.evalkit.scoring.baselines) on generated items: the frequency baseline
sits near chance, over dataset seeds (a property test), and so do atmosphere and co-occurrence
where the distractors are matched on them."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptcost.evalkit.scoring.baselines import Corpus, atmosphere_quantifier, frequency, shortcut_credits
from adaptcost.evalkit.datasets.paper import semantic, syllogism
from adaptcost.evalkit.scoring.credit import chance

INFERENCE = ("rephrasing", "reversal", "syllogism", "category")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_frequency_baseline_near_chance_on_semantic(seed):
    dataset = semantic(seed, n_categories=40, n_docs=50)
    items = [i for i in dataset.items if i.split in INFERENCE]
    credits = shortcut_credits(dataset, items)["frequency"]
    # ~300-700 items in ~150-350 clusters: a 0.1 band is about 3 standard errors
    assert abs(float(np.mean(credits)) - chance(items)) < 0.1
    for split in ("syllogism", "category"):
        rows = [k for k, i in enumerate(items) if i.split == split]
        if len(rows) >= 40:
            assert float(np.mean(credits[rows])) < chance([items[k] for k in rows]) + 0.15


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_syllogism_shortcuts_score_chance_exactly(seed):
    dataset = syllogism(seed, n_pairs=24)
    credits = shortcut_credits(dataset, dataset.items)
    for name in ("frequency", "cooccurrence", "atmosphere"):
        assert float(np.mean(credits[name])) == pytest.approx(0.25), name


def test_baselines_find_a_planted_shortcut():
    # a frequency cue the baseline must exploit: the answer word occurs 5 times, distractors once
    from adaptcost.evalkit.datasets.paper import Item

    corpus = Corpus(["zorb zorb zorb zorb zorb", "blik", "trum", "vosk"])
    item = Item("x", "syllogism", "trained", "gruds are", (" blik.", " zorb.", " trum.", " vosk."), 1, "", ())
    assert frequency([item], corpus).tolist() == [1.0]
    assert atmosphere_quantifier(["All a are b.", "No b are c."]) == "no"
    assert atmosphere_quantifier(["Some a are b.", "All b are c."]) == "some"
