"""Shortcut baselines (adaptcost.evalkit.scoring.baselines) on generated items: every baseline sits at
chance over dataset seeds (property tests), and each finds a planted cue."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptcost.evalkit.scoring.baselines import (BASELINES, Corpus, atmosphere_quantifier, frequency, pooled_shortcuts,
                                                 shortcut_credits)
from adaptcost.evalkit.datasets.paper import semantic, syllogism
from adaptcost.evalkit.scoring.credit import chance

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_semantic_shortcuts_at_chance_in_every_arm(seed):
    # any dataset seed, not only the profiles' (test_evalkit_shortcuts): the twins tie with the
    # answer on every cue in every arm's texts, so every baseline is chance on every split (the
    # position key to within the one-per-group surplus); co-occurrence where the arm's texts
    # state the proposition is the knowledge (left out)
    dataset = semantic(seed, n_categories=20, n_docs=20, items_per_split=4, max_props=2, stated_inherited=0.0)
    for (split, arm), row in pooled_shortcuts([dataset]).items():
        for name in BASELINES:
            if name != "position" and not np.isnan(row[name]):
                assert row[name] == pytest.approx(row["chance"]), (split, arm, name)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_syllogism_shortcuts_score_chance_exactly(seed):
    dataset = syllogism(seed, n_pairs=24)
    items = [i for i in dataset.items if i.split == "syllogism"]
    credits = shortcut_credits(dataset, items)
    for name in ("frequency", "least_frequency", "cooccurrence", "least_cooccurrence", "quantifier_cue",
                 "atmosphere", "longest", "shortest"):
        assert float(np.mean(credits[name])) == pytest.approx(0.25), name


def test_baselines_find_a_planted_shortcut():
    # a frequency cue the baseline must exploit: the answer word occurs 5 times, distractors once
    from adaptcost.evalkit.datasets.paper import Item

    corpus = Corpus(["zorb zorb zorb zorb zorb", "blik", "trum", "vosk"])
    item = Item("x", "syllogism", "trained", "gruds are", (" blik.", " zorb.", " trum.", " vosk."), 1, "", ())
    assert frequency([item], corpus).tolist() == [1.0]
    assert atmosphere_quantifier(["All a are b.", "No b are c."]) == "no"
    assert atmosphere_quantifier(["Some a are b.", "All b are c."]) == "some"


def test_each_new_baseline_finds_its_planted_cue():
    from types import SimpleNamespace

    from adaptcost.evalkit.datasets.paper import Item

    texts = ["All gruds are blik.", "Some gruds are zorb.", "zorb zorb trum", "vosk"]
    dataset = SimpleNamespace(docs=(), vocabulary=("gruds", "blik", "zorb", "trum", "vosk", "plenk"), facts={})
    # the quantifier cue: only blik is named in a premise starting with the stem's "all"
    quant = Item("q", "syllogism", "trained", "All gruds are", (" blik.", " zorb.", " trum.", " vosk."), 0, "", ())
    # least frequent: plenk never occurs (zorb 3 times, trum once)
    rare = Item("r", "recall", "trained", "gruds are", (" zorb.", " plenk.", " trum."), 1, "", ())
    # least co-occurring with "gruds": vosk shares no text with it (blik and zorb one each)
    far = Item("c", "recall", "trained", "gruds are", (" blik.", " vosk.", " zorb."), 1, "", ())
    # longest option: the answer is the only 6-letter word
    long_ = Item("l", "recall", "trained", "gruds are", (" blik.", " plenkt.", " trum."), 1, "", ())
    credits = shortcut_credits(dataset, [quant, rare, far, long_], texts)
    assert credits["quantifier_cue"][0] == 1.0 and np.isnan(credits["quantifier_cue"][1])
    assert credits["least_frequency"][1] == 1.0
    assert credits["least_cooccurrence"][2] == 1.0 and credits["cooccurrence"][2] == 0.0
    assert credits["longest"][3] == 1.0 and credits["shortest"][3] == 0.0
    # position: within each split the best fixed key; the recall answers sit at 1, 1, 1 -> key 1 is always right
    assert credits["position"].tolist() == [1.0, 1.0, 1.0, 1.0]
