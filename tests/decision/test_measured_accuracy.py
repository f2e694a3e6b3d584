"""recommend with accuracy measured on the buyer's probes (a curves file's ``probes.accuracy``, from
`adaptcost probe run --arms`): a question type takes the measured figures only where every feasible
strategy has one that can carry a claim (like with like), every output says which types were
measured, and a cell below the bar is named with its reason."""

import dataclasses
import datetime as dt
import json

import pytest
import yaml

from adaptcost.costing.scenario import STRATEGIES, Scenario
from adaptcost.decision.curves import Accuracy, load_curves
from adaptcost.decision.estimate import ModelChoice, estimate
from adaptcost.decision.recommend import recommend
from adaptcost.errors import CurvesError
from builders import AS_OF, EXAMPLES, FLAT, curves_with, invoke, profile


def probed(curves, cells, descriptive=None, used_with="model smollm2 (local)"):
    return dataclasses.replace(curves, probed=cells, probed_descriptive=descriptive or {}, probed_with=used_with)


MEASURED = {"icl": {"recall": Accuracy(0.40, 0.30, 0.50, "arm icl")},
            "rag": {"recall": Accuracy(0.60, 0.50, 0.70, "arm rag", chance=0.25, recall=0.9, k=4)}}


def test_a_type_measured_for_every_candidate_replaces_the_figures():
    curves, lines = probed(curves_with(FLAT), MEASURED).for_candidates(["icl", "rag"], {"recall": 1.0})
    assert curves.table["icl"]["recall"].mean == 0.40 and curves.table["rag"]["recall"].recall == 0.9
    assert curves.table["finetune"]["recall"].mean == 0.70  # not measured: this file's figure stays
    assert curves.probed_used == ("recall",)
    assert lines == ["accuracy measured on this corpus (probe run, with model smollm2 (local)) for recall: icl, rag"]


def test_a_type_not_measured_for_every_candidate_keeps_every_figure():
    descriptive = {("finetune", "recall"): "stopped at the 90-step cap at recall 0.62 < 0.9"}
    curves, lines = probed(curves_with(FLAT), MEASURED, descriptive).for_candidates(
        ["icl", "rag", "finetune", "finetune+local"], {"recall": 1.0})
    # like with like: icl's measured 0.40 would be set against finetune's reference 0.70
    assert curves.table["icl"]["recall"].mean == 0.90 and curves.probed_used == ()
    assert lines == ["recall: the figures measured on this corpus are not used (finetune: stopped at the 90-step cap at "
                     "recall 0.62 < 0.9; finetune+local: not measured); every strategy's recall figure comes from "
                     "test.yaml, so that strategies compare like with like"]


def test_types_are_decided_one_by_one_and_a_file_without_probes_is_untouched():
    cells = {s: {"recall": Accuracy(0.5, 0.4, 0.6, chance=0.25, recall=1.0, k=4)} for s in ("icl", "rag")}
    table = {**FLAT, "icl": {**FLAT["icl"], "reversal": (0.3, 0.2, 0.4)}, "rag": {**FLAT["rag"], "reversal": (0.2, 0.1, 0.3, "", 0.5, 0.8, 4)}}
    curves, lines = probed(curves_with(table), cells).for_candidates(["icl", "rag"], {"recall": 0.5, "reversal": 0.5})
    assert curves.table["icl"]["recall"].mean == 0.5 and curves.table["icl"]["reversal"].mean == 0.3
    assert len(lines) == 1 and "for recall:" in lines[0]  # reversal: nothing measured, nothing to say
    plain = curves_with(FLAT)
    assert plain.for_candidates(["icl"], {"recall": 1.0}) == (plain, [])


def test_recommend_decides_on_the_measured_figures(book):
    every = {s: {"recall": Accuracy(0.5, 0.4, 0.6, chance=0.25, recall=1.0, k=4) if s in ("rag", "finetune+rag")
                 else Accuracy(0.5, 0.4, 0.6)} for s in STRATEGIES}
    every["icl"] = {"recall": Accuracy(0.95, 0.9, 0.99)}
    e = estimate(profile(), book, ModelChoice("tiny"), Scenario(queries_per_day=5000, horizon_days=365), today=dt.date(2026, 11, 25))
    rec = recommend(e, probed(curves_with(FLAT), every), {"recall": 1.0})
    feasible = [s.strategy for s in e.strategies if s.feasible]
    assert "icl" in feasible and rec.quality["icl"].mean == 0.95
    assert all(rec.quality[s].mean == 0.5 for s in feasible if s != "icl")
    assert rec.pick == "icl"  # the only one within 2 points of the best
    assert any(r.startswith("accuracy measured on this corpus (probe run, with model smollm2 (local)) for recall: ")
               for r in rec.reasons)
    assert rec.to_dict()["curves"]["measured_accuracy"] == {"question_types": ["recall"], "with": "model smollm2 (local)",
                                                           "strategies": sorted(STRATEGIES)}


# ---------------------------------------------------------------- the file and the command line


def curves_file(tmp_path, cells):
    """A curves file as `probe run --arms` writes it: retrieval, and the arms' accuracy table."""
    recall = {"retriever": "bm25", "k": 4, "mean": 0.9, "low": 0.8, "high": 0.95, "n": 60}
    document = {"schema": "adaptcost-curves/1", "name": "probes", "kind": "measured", "model": "none",
                "retrieval": {"headline": "bm25", "retrievers": ["bm25"], "ks": [4],
                              "corpus": {"fingerprint": "a" * 64}, "recall_at_k": [recall]},
                "probes": {"backend": "smollm2-135m", "accuracy": cells}}
    path = tmp_path / "curves.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def cell(mean, **extra):
    return {"mean": mean, "low": mean - 0.1, "high": mean + 0.1, "n": 60, "chance": 0.25, **extra}


def test_the_file_is_read_and_checked(tmp_path):
    cells = {"icl": {"recall": cell(0.5), "category": cell(0.4, n=8, descriptive="8 category probes on 3 facts")},
             "rag": {"recall": cell(0.6, recall=0.9, k=4)}}
    curves = load_curves(curves_file(tmp_path, cells))
    assert curves.probed["icl"]["recall"].mean == 0.5 and curves.probed["rag"]["recall"].k == 4
    assert curves.probed_descriptive == {("icl", "category"): "8 category probes on 3 facts"}
    assert curves.probed_with == "smollm2-135m"
    with pytest.raises(CurvesError, match="probes.accuracy.rag.recall: a retrieval cell needs recall"):
        load_curves(curves_file(tmp_path, {"rag": {"recall": cell(0.6)}}))
    with pytest.raises(CurvesError, match="unknown strategy 'icll'; did you mean icl"):
        load_curves(curves_file(tmp_path, {"icll": {"recall": cell(0.6)}}))
    with pytest.raises(CurvesError, match="unknown question type 'multi-hop'"):
        load_curves(curves_file(tmp_path, {"icl": {"multi-hop": cell(0.6)}}))


def test_every_output_names_the_measured_types(tmp_path):
    # the rag cells were measured on recall probes of which 60% were served at k = 4 (the file's
    # recall@4 over all its probes: 0.9); at the scenario's k = 4 the measured figure stands as it is
    cells = {s: {"recall": cell(0.5, **({"recall": 0.6, "k": 4} if "rag" in s else {}))} for s in STRATEGIES}
    cells["icl"]["recall"] = cell(0.8)
    path = curves_file(tmp_path, cells)
    common = ("recommend", "--corpus", EXAMPLES, "--curves", path, "--mix", "recall=1", "--queries-per-day", "5000", *AS_OF)
    table, js, md = (invoke(*common), invoke(*common, "--format", "json"), invoke(*common, "--format", "markdown"))
    for result in (table, js, md):
        assert result.exit_code == 0, result.output
        assert "measured on this corpus" in " ".join(result.stdout.split())
    doc = json.loads(js.stdout)
    feasible = {s["name"]: s for s in doc["strategies"] if s.get("expected_accuracy")}
    # icl measured 0.8; rag 0.5 (moved from its own 0.6 to the file's 0.9 it would read 0.25 + 1.5 × 0.25 = 0.625)
    assert feasible["icl"]["expected_accuracy"]["mean"] == 0.8 and feasible["rag"]["expected_accuracy"]["mean"] == 0.5
    assert doc["curves"]["measured_accuracy"]["question_types"] == ["recall"]
    assert "recall measured on this corpus; accuracy paper-reference" in " ".join(table.stdout.split())
    assert "- quality figures: accuracy measured on this corpus for recall (probe run, smollm2-135m)" in md.stdout
