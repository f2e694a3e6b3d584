"""Per-arm shortcut baselines beside every cell, and claims only from splits that can carry one
(scoring.runner pooling, results.comparisons, results.curvesfile, stats.support), on hand-built
datasets and results whose every number is worked out below."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.decision.curves import load_curves, read_curves_document
from adaptcost.evalkit.datasets.paper import Dataset, Doc, Item
from adaptcost.evalkit.results.comparisons import paired_comparisons, split_table, verdicts
from adaptcost.evalkit.results.curvesfile import dump, to_curves_document
from adaptcost.evalkit.scoring.runner import EvalConfig, EvalResult, Record, arm_baselines, baseline_source, pool_cells
from adaptcost.evalkit.stats import support as claim_support
from adaptcost.evalkit.stats.paired import holm, paired_test
from adaptcost.evalkit.stats.support import ClaimBar, support


# ---------------------------------------------------------------- the claim bar


def test_support_counts_items_per_form_seeds_and_clusters():
    # 40 items per form from 3 seeds in 12 clusters: the bar exactly
    units = [(form, seed, f"c{k % 4}") for seed in range(3) for form in ("trained", "question") for k in range(40 // 3 + (seed == 0))]
    found = support(units)
    assert found.items_per_form == {"trained": 14 + 13 + 13, "question": 40}
    assert found.seeds == 3 and found.clusters == 12  # c0..c3 under each seed: a name is a cluster within its seed
    assert found.carries_claim and found.reason is None
    # one item fewer in one form: below the bar, said with the numbers
    short = support(units[1:])
    assert not short.carries_claim
    assert short.reason == ("39 items per form from 3 dataset seeds, 12 clusters "
                            "(a claim needs >= 40 items per form from >= 3 seeds and >= 10 clusters)")
    # the semantic category split: 8 items (4 per form), 1 seed, 2 clusters
    category = support([(f, 0, c) for f in ("trained", "question") for c in ("a", "a", "b", "b")])
    assert category.reason.startswith("4 items per form from 1 dataset seed, 2 clusters")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["trained", "question"]), st.integers(0, 4), st.integers(0, 30)), max_size=300))
def test_support_carries_exactly_at_the_bar_and_more_never_hurts(units):
    found = support(units)
    per_form = [sum(1 for u in units if u[0] == f) for f in {u[0] for u in units}]
    expected = (min(per_form, default=0) >= 40 and len({u[1] for u in units}) >= 3
                and len({(u[1], u[2]) for u in units}) >= 10)
    assert found.carries_claim == expected and (found.reason is None) == expected
    if expected:  # adding items never takes a split below the bar
        assert support(units + [("trained", 9, "new")]).carries_claim


# ---------------------------------------------------------------- per-arm baselines


def tiny_dataset() -> Dataset:
    """One document; three category items ("X are" -> red or blue); a global oracle whose
    augmentations say "red" twice and "blue" once; the held-out oracle withholds k2 ("Feps are blue")."""
    items = tuple(Item(f"i{k}", "category", "trained", prompt, ("red", "blue"), answer, "rule", ("f1",), f"c{k}", f"k{k}")
                  for k, (prompt, answer) in enumerate((("Wugs are", 0), ("Feps are", 1), ("Toves are", 0)), start=1))
    augmented = ("Wugs are red.", "Feps are blue.", "Toves are red.")
    return Dataset("semantic", 0, {}, (Doc("d1", "Blickets are red. Daxes are blue.", ("f1",)),), items,
                   {"f1": "Blickets are red."}, {}, {"d1": augmented},
                   ("blickets", "daxes", "wugs", "feps", "toves"),
                   {"Wugs are red.": ("k1",), "Feps are blue.": ("k2",), "Toves are red.": ("k3",)}, ("k2",))


def tiny_result() -> EvalResult:
    dataset = tiny_dataset()
    result = EvalResult("mock", EvalConfig(datasets=("semantic",), retrievers=("words",)), {})
    result.items[("semantic", 0)] = list(dataset.items)
    result.baselines[("semantic", 0)] = arm_baselines(dataset, {}, {"i1": 1.0, "i2": 0.0, "i3": 0.5})
    every = {"i1": 1.0, "i2": 1.0, "i3": 1.0}
    result.records = [
        Record("semantic", 0, "finetune", "", 1.0, dict(every)),
        Record("semantic", 0, "icl", "", 1.0, {"i1": 1.0}, icl_share=1.0),
        Record("semantic", 0, "finetune+global", "covers", 1.0, dict(every)),
        Record("semantic", 0, "finetune+global", "covers", 1.0, dict(every), aug_share=0.5),
        Record("semantic", 0, "finetune+global", "held-out", 1.0, {"i2": 0.0}),
    ]
    result.cells = pool_cells(result)
    return result


def cell(result, strategy, variant="", aug_share=None):
    return next(c for c in result.cells if c.strategy == strategy and c.variant == variant and c.form == "all"
                and c.aug_share == aug_share)


def test_every_cell_gets_the_baselines_of_its_own_arms_texts():
    result = tiny_result()
    # documents: "red" once, "blue" once -> frequency ties (0.5 credit each); no prompt entity
    # (wugs, feps, toves) is in a document -> co-occurrence ties too; prior: mean(1, 0, 0.5)
    plain = cell(result, "finetune")
    # options ("red", "blue"), keys 0, 1, 0: the best fixed position (0) is right on 2 of 3, the
    # longer option ("blue") on 1 of 3, the shorter on 2 of 3; no syllogism -> no quantifier cues
    assert plain.baselines == {"frequency": 0.5, "least_frequency": 0.5, "cooccurrence": 0.5, "least_cooccurrence": 0.5,
                               "quantifier_cue": None, "atmosphere": None, "position": 0.6667, "longest": 0.3333,
                               "shortest": 0.6667, "prior": 0.5}
    assert plain.baselines_from == "documents"
    # icl is scored on i1 alone: the documents' cues on that item; prior 1
    # (position 1: one item; its answer "red" is the shorter option)
    assert cell(result, "icl").baselines == {"frequency": 0.5, "least_frequency": 0.5, "cooccurrence": 0.5,
                                             "least_cooccurrence": 0.5, "quantifier_cue": None, "atmosphere": None,
                                             "position": 1.0, "longest": 0.0, "shortest": 1.0, "prior": 1.0}
    # global covers: red 3 times, blue twice -> frequency picks red: i1 1, i2 0, i3 1 -> 2/3;
    # each entity shares its own augmentation with its answer: the covers oracle states every
    # item's proposition (keys k1-k3), so co-occurrence there is the knowledge, not a cue: none
    covers = cell(result, "finetune+global", "covers")
    # (least frequent: the complement, 1/3)
    assert covers.baselines == {"frequency": 0.6667, "least_frequency": 0.3333, "cooccurrence": None,
                                "least_cooccurrence": None, "quantifier_cue": None, "atmosphere": None,
                                "position": 0.6667, "longest": 0.3333, "shortest": 0.6667, "prior": 0.5}
    assert covers.baselines_from == "finetune+global (covers)"
    # half its augmentations: the covers texts' cues, said so
    half = cell(result, "finetune+global", "covers", 0.5)
    assert half.baselines == covers.baselines
    assert half.baselines_from == "finetune+global (covers) (all its augmentations; the arm trains on 0.5 of them)"
    # held-out: scored on i2 (its key withheld); texts red 3, blue 1 -> frequency picks red: 0;
    # "feps" is in no text -> co-occurrence ties: 0.5; prior of i2: 0
    held = cell(result, "finetune+global", "held-out")
    # (least frequent picks blue: 1; one item, answer "blue" the longer option)
    held_baselines = {"frequency": 0.0, "least_frequency": 1.0, "cooccurrence": 0.5, "least_cooccurrence": 0.5,
                      "quantifier_cue": None, "atmosphere": None, "position": 1.0, "longest": 1.0, "shortest": 0.0,
                      "prior": 0.0}
    assert held.baselines == held_baselines
    assert held.baselines_from == "finetune+global (held-out)"
    # plain fine-tuning on half the documents: the baselines of all of them, said so
    assert baseline_source("finetune", "", 0.5) == ("documents", "documents (all documents; the arm trains on 0.5 of them)")
    dumped = held.to_dict()
    assert dumped["baselines"] == held.baselines and dumped["baselines_from"] == "finetune+global (held-out)"


def test_split_table_puts_each_arms_baselines_and_chance_beside_it():
    (row,) = split_table(tiny_result())
    assert row["baselines"]["frequency"] == 0.5  # the documents' cues over the split's items
    arms = row["arms"]
    assert arms["finetune+global (covers)"]["baselines"]["frequency"] == 0.6667
    assert arms["finetune+global (held-out)"]["baselines"]["frequency"] == 0.0
    assert arms["finetune+global (held-out)"]["baselines"]["least_frequency"] == 1.0
    assert all(a["chance"] == 0.5 for a in arms.values())
    # 3 items (all trained form) from 1 seed in 3 clusters: descriptive, the table says why
    assert row["support"] == {"items_per_form": {"trained": 3}, "dataset_seeds": 1, "clusters": 3, "carries_claim": False,
                              "descriptive": row["descriptive"]}
    assert row["descriptive"].startswith("3 items per form from 1 dataset seed, 3 clusters")
    assert arms["finetune"]["descriptive"].startswith("semantic category: 3 items per form")


# ---------------------------------------------------------------- claims only from splits that carry one


def claims_result() -> EvalResult:
    """reversal: 14 facts per seed x 3 seeds, two forms (42 items per form, 42 clusters): carries
    a claim. syllogism: 5 syllogisms on seed 0 only, two forms: descriptive. icl knows a fact
    where (seed + fact) % 7 != 0 (12 of 14 per seed), finetune the other 2; both know every syllogism but one."""
    result = EvalResult("mock", EvalConfig(datasets=("semantic",), seeds=(0, 1, 2), retrievers=("words",)), {})
    credits: dict = {"icl": {}, "finetune": {}, "base": {}}
    for seed in range(3):
        items = []
        for fact in range(14):
            for form in ("trained", "question"):
                item = Item(f"r{fact}{form[0]}", "reversal", form, "p", ("a", "b"), 0, "rule", (f"f{fact}",), f"f{fact}", f"r{fact}")
                items.append(item)
                known = (seed + fact) % 7 != 0
                credits["icl"][(seed, item.id)] = float(known)
                credits["finetune"][(seed, item.id)] = float(not known)
                credits["base"][(seed, item.id)] = 0.5
        if seed == 0:
            for category in range(5):
                for form in ("trained", "question"):
                    item = Item(f"c{category}{form[0]}", "syllogism", form, "p", ("a", "b"), 0, "rule", ("f0",), f"k{category}", f"c{category}")
                    items.append(item)
                    credits["icl"][(0, item.id)] = float(category > 0)
                    credits["finetune"][(0, item.id)] = 0.0
                    credits["base"][(0, item.id)] = 0.5
        result.items[("semantic", seed)] = items
    for arm, table in credits.items():
        for seed in range(3):
            result.records.append(Record("semantic", seed, arm, "", 1.0, {i: v for (s, i), v in table.items() if s == seed},
                                         icl_share=1.0 if arm == "icl" else None))
    result.cells = pool_cells(result)
    return result


def test_a_split_below_the_bar_is_kept_out_of_the_tests_and_the_holm_family(monkeypatch):
    result = claims_result()
    paired = paired_comparisons(result)
    assert {p["split"] for p in paired} == {"reversal"}  # syllogism: 10 items, 1 seed, 5 clusters
    assert {(p["a"], p["b"]) for p in paired} == {("icl", "finetune"), ("icl", "base"), ("finetune", "base")}
    # the Holm family is the reversal comparisons alone: recompute it from the tests themselves
    items = {(s, i.id): i for (_, s), its in result.items.items() for i in its}
    keys = sorted(k for k in items if items[k].split == "reversal")
    arms = {r.strategy: {} for r in result.records}
    for r in result.records:
        arms[r.strategy].update({(r.seed, i): v for i, v in r.credits.items()})
    clusters = [f"{s}:{items[(s, i)].cluster}" for s, i in keys]
    raw = {(a, b): paired_test([arms[a][k] for k in keys], [arms[b][k] for k in keys], clusters, 0).p
           for a, b in (("icl", "finetune"), ("icl", "base"), ("finetune", "base"))}
    expected = dict(zip(raw, holm(list(raw.values()))))
    assert {(p["a"], p["b"]): p["p_holm"] for p in paired} == pytest.approx({k: round(v, 4) for k, v in expected.items()}, abs=1e-4)
    # icl 36 of 42 facts (6/7), finetune 6 (1/7): +5/7 over 42 clusters
    icl_vs_ft = next(p for p in paired if (p["a"], p["b"]) == ("icl", "finetune"))
    assert icl_vs_ft["n"] == 84 and icl_vs_ft["clusters"] == 42 and icl_vs_ft["difference"] == pytest.approx(5 / 7, abs=1e-4)
    # let the syllogism split in: the family grows to 6 and the reversal p-values are adjusted more
    monkeypatch.setattr(claim_support, "CLAIM_BAR", ClaimBar(items=5, seeds=1, clusters=5))
    wider = paired_comparisons(result)
    assert len(wider) == 6 and {p["split"] for p in wider} == {"reversal", "syllogism"}
    before = {(p["a"], p["b"]): p["p_holm"] for p in paired}
    after = {(p["a"], p["b"]): p["p_holm"] for p in wider if p["split"] == "reversal"}
    assert all(after[k] >= before[k] for k in before) and after != before


def test_descriptive_rows_in_the_accuracy_table_and_the_verdicts(tmp_path):
    result = claims_result()
    # icl with half the corpus in context too: a sweep (icl_share 0.5, 1) per split
    result.records += [Record(r.dataset, r.seed, "icl", "", 1.0, dict(r.credits), icl_share=0.5)
                       for r in result.records if r.strategy == "icl"]
    result.cells = pool_cells(result)
    doc = to_curves_document(result)
    syllogism = doc["accuracy"]["icl"]["syllogism"]
    assert syllogism["descriptive"] == ("semantic syllogism: 5 items per form from 1 dataset seed, 5 clusters "
                                       "(a claim needs >= 40 items per form from >= 3 seeds and >= 10 clusters)")
    assert "descriptive" not in doc["accuracy"]["icl"]["reversal"]
    assert "semantic: above chance (p_holm=" in doc["accuracy"]["icl"]["reversal"]["basis"]
    # a claim on a descriptive split is not tested, and says why (no claim either way)
    (said,) = [v for v in verdicts(doc["paired"], doc["splits"]) if " syllogism:" in v]
    assert "icl 80% vs finetune 0%: descriptive only, not tested (semantic syllogism: 5 items per form" in said
    assert [v for v in doc["verdicts"] if " reversal:" in v][0].endswith(": supported")
    claims = doc["checks"]["claims"]
    assert claims["bar"] == {"min_items_per_form": 40, "min_dataset_seeds": 3, "min_clusters": 10}
    assert [(s["split"], s["carries_claim"]) for s in claims["splits"]] == [("reversal", True), ("syllogism", False)]
    # the cells carry the same reason; the file round-trips through recommend's loader
    assert {m["descriptive"] is None for m in doc["measurements"] if m["split"] == "reversal"} == {True}
    assert all(m["descriptive"] for m in doc["measurements"] if m["split"] == "syllogism")
    sweeps = {c["question_type"]: c for c in doc["curves"] if c["x"] == "icl_share"}
    assert sweeps["syllogism"]["descriptive"].startswith("semantic syllogism: 5 items per form")
    assert "descriptive" not in sweeps["reversal"]
    path = tmp_path / "curves.yaml"
    path.write_text(dump(doc))
    curves = load_curves(path)
    assert curves.table["icl"]["reversal"].mean == pytest.approx(6 / 7, abs=1e-4)
    assert read_curves_document(path)["accuracy"]["icl"]["syllogism"]["descriptive"] == syllogism["descriptive"]


def test_a_row_pools_only_the_datasets_that_carry_a_claim():
    # the same reversal items under a second dataset name with one seed: the pooled reversal row
    # keeps the carrying dataset and names the other
    result = claims_result()
    items = [i for i in result.items[("semantic", 0)] if i.split == "reversal"][:4]
    result.items[("syllogism", 0)] = items
    result.records.append(Record("syllogism", 0, "icl", "", 1.0, {i.id: 0.0 for i in items}, icl_share=1.0))
    result.cells = pool_cells(result)
    row = to_curves_document(result)["accuracy"]["icl"]["reversal"]
    assert "descriptive" not in row and row["n"] == 84 and row["mean"] == pytest.approx(6 / 7, abs=1e-4)
    assert "syllogism left out, descriptive only (syllogism reversal: 2 items per form from 1 dataset seed" in row["basis"]
    assert np.isclose(row["chance"], 0.5)


def test_eval_show_prints_each_arms_baselines_and_the_descriptive_splits():
    from rich.console import Console

    from adaptcost.cli.views import print_curves

    console = Console(record=True, width=200, color_system=None)
    print_curves(console, to_curves_document(tiny_result()))
    text = " ".join(console.export_text().split())
    # each arm's best shortcut from its own texts (worked out in the test above; a tie goes to the
    # name last in the alphabet: finetune's position and shortest are both 67%) and its prior
    assert "finetune 100% (44%–100%) 3 3 best shortcut shortest 67%, prior 50%" in text
    assert "finetune+global (covers) 100% (44%–100%) 3 3 best shortcut shortest 67%, prior 50%" in text
    assert "finetune+global (held-out) 0% (0%–79%) 1 1 best shortcut position 100%, prior 0%" in text
    # the split's reason once, in its title (not repeated on every arm)
    assert text.count("descriptive only: 3 items per form from 1 dataset seed") == 1


def test_model_written_augmentations_get_baselines_from_what_the_model_wrote():
    dataset = tiny_dataset()
    # the model wrote "red" twice: with the document, red 3 times, blue once -> frequency picks red
    jobs = {(1.0, "finetune+global", "model", None): (["Blickets are red.", "Daxes are blue.", "Wugs are red.", "Toves are red."],
                                                      2, list(dataset.items))}
    table = arm_baselines(dataset, jobs, {})["finetune+global (model)"]
    assert table["ids"] == ["i1", "i2", "i3"] and list(table["frequency"]) == [1.0, 0.0, 1.0]
    assert np.isnan(table["prior"]).all()  # no prior given for these items
