"""bench/paper_estimate.py's arithmetic: the epochs a measured curves file's arms needed, and the
paper profile's training hours from them (the timing itself needs the model: run the bench)."""

import importlib.util
from types import SimpleNamespace

import pytest

from builders import ROOT

spec = importlib.util.spec_from_file_location("paper_estimate", ROOT / "bench" / "paper_estimate.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_epochs_needed_reads_the_shipped_default_file():
    epochs = bench.epochs_needed(bench.SHIPPED)
    # checks.trainings: reversal plain arm 18 steps at 3 steps a check on every seed: 6 epochs
    assert epochs[("reversal", "finetune")] == [6.0, 6.0, 6.0]
    # semantic plain arm: 72/12, 91/13, 96/12
    assert epochs[("semantic", "finetune")] == [6.0, 7.0, 8.0]
    # the unsplit arm counts epochs of its pages: 30/3, 30/3, 24/3
    assert epochs[("semantic", "finetune (unsplit)")] == [10.0, 10.0, 8.0]
    # every arm of every dataset, 3 seeds each: 5 + 5 + 6 arms
    assert len(epochs) == 16 and all(len(seen) == 3 for seen in epochs.values())


def test_estimate_sums_seeds_epochs_steps_and_checks():
    until = lambda every: SimpleNamespace(every=every)  # noqa: E731
    by_seed = {0: {"semantic": {"arms": {"finetune": (["a"] * 80, until(10), ""),
                                         "finetune+x": (["a"], None, "cannot be checked: no recall items")}}},
               1: {"semantic": {"arms": {"finetune": (["a"] * 96, until(12), ""),
                                         "finetune+x": (["a"], None, "cannot be checked: no recall items")}}}}
    found = bench.estimate(by_seed, SimpleNamespace(cap_epochs=30), {("semantic", "finetune"): 60.0},
                           {"semantic": 2.0}, {("semantic", "finetune"): [2.0, 4.0]})
    row, skipped = found["rows"]
    # steps per epoch over both seeds: 10 + 12 = 22; an epoch costs 22 x 60 s + one 2-s check per
    # seed = 1,324 s. Fewest (2 epochs): 2,648 s = 0.74 h; most (4): 5,296 s = 1.47 h;
    # cap (30): 39,720 s = 11.03 h
    assert row["steps_per_epoch"] == 22
    assert (row["hours_fewest"], row["hours_most"], row["hours_cap"]) == (0.74, 1.47, 11.03)
    assert found["training_steps"] == {"fewest": 44, "most": 88, "cap": 660}
    assert found["training_hours"] == {"fewest": 0.7, "most": 1.5, "cap": 11.0}
    assert skipped == {"dataset": "semantic", "arm": "finetune+x", "why": "cannot be checked: no recall items"}


def test_an_arm_the_file_never_trained_adds_nothing_but_its_cap():
    by_seed = {0: {"reversal": {"arms": {"finetune": (["a"], SimpleNamespace(every=5), "")}}}}
    found = bench.estimate(by_seed, SimpleNamespace(cap_epochs=2), {("reversal", "finetune"): 1.0},
                           {"reversal": 0.0}, {})
    # no measured epochs: fewest and most unknown (NaN, not summed); the cap: 2 x 5 steps x 1 s
    assert found["training_steps"] == {"fewest": 0, "most": 0, "cap": 10}
    assert found["rows"][0]["hours_cap"] == pytest.approx(10 / 3600, abs=0.005)
