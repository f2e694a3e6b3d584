"""Statistics of per-item credits (adaptcost.evalkit.stats): Wilson intervals, cluster bootstrap,
paired permutation tests, Holm, minimum detectable difference."""

import numpy as np
import pytest

from adaptcost.evalkit.stats.intervals import cluster_bootstrap, interval, wilson
from adaptcost.evalkit.stats.paired import holm, minimum_detectable_difference, paired_test


def test_wilson_of_zero_and_all_is_not_degenerate():
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-3)  # 0/10 is not [0, 0]
    low, high = wilson(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=1e-3)
    assert wilson(5, 10)[0] < 0.5 < wilson(5, 10)[1]


def test_interval_is_the_union_and_never_zero_width():
    est = interval([0.0] * 10, [f"c{k}" for k in range(10)])
    assert est.mean == 0 and est.low == 0 and est.high == pytest.approx(0.2775, abs=1e-3)
    assert est.bootstrap == (0.0, 0.0)  # the bootstrap alone would say [0, 0]


def test_cluster_bootstrap_treats_a_cluster_as_one_draw():
    # 20 facts, two forms each that always agree: the cluster interval is as wide as 20 draws,
    # the item-level one (40 independent draws) narrower
    values = np.repeat([1.0] * 10 + [0.0] * 10, 2)
    clusters = np.repeat([f"f{k}" for k in range(20)], 2)
    low_c, high_c = cluster_bootstrap(values, clusters, seed=1)
    low_i, high_i = cluster_bootstrap(values, [str(k) for k in range(40)], seed=1)
    assert (high_c - low_c) > (high_i - low_i) * 1.2


def test_identical_arms_are_not_significant():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 60).astype(float)
    test = paired_test(a, a.copy(), [f"f{k // 2}" for k in range(60)], labels=("icl", "finetune"))
    assert test.p == 1.0 and not test.significant and test.difference == 0
    assert test.reads() == "no significant difference between icl and finetune"


def test_paired_test_detects_a_clear_difference_and_respects_clusters():
    a = np.array([1.0] * 40)
    b = np.array([0.0] * 40)
    many = paired_test(a, b, [f"f{k}" for k in range(40)])
    assert many.significant and many.p < 0.001 and many.reads().endswith("(significant)")
    # the same 40 items in 4 clusters: at most 1 in 8 sign patterns is as extreme -> not significant
    few = paired_test(a, b, [f"c{k % 4}" for k in range(40)])
    assert few.p == pytest.approx(2 / 16) and not few.significant


def test_holm_adjusts_in_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]


def test_minimum_detectable_difference():
    assert minimum_detectable_difference(20) == pytest.approx(0.443, abs=0.002)  # the "about 44 points"
    assert minimum_detectable_difference(400) < 0.1
