"""recommend with retrieval recall measured on the corpus (a curves file's retrieval section, from
`adaptcost probe run`): RAG's accuracy moves by the one rule (curves.accuracy_at_recall), every
output says so, another corpus is a warning, another k falls back to --retrieval-recall."""

import dataclasses
import datetime as dt
import json

import pytest
import yaml

from adaptcost.corpus.discover import corpus_fingerprint, profile_corpus
from adaptcost.costing.scenario import Scenario
from adaptcost.decision.curves import MeasuredRecall, Retrieval
from adaptcost.decision.estimate import ModelChoice, estimate
from adaptcost.decision.recommend import recommend
from adaptcost.errors import ScenarioError
from builders import AS_OF, EXAMPLES, FLAT, assert_clean_error, curves_with, invoke, profile


def measured(fingerprint, k=4, mean=0.4, n=120, retrievers=("bm25", "minilm")):
    cells = {(r, k): MeasuredRecall(r, k, mean if r == retrievers[0] else 0.9, mean - 0.1, mean + 0.1, n) for r in retrievers}
    return dataclasses.replace(curves_with(FLAT), retrieval=Retrieval(retrievers[0], tuple(retrievers), (1, 2, k, 8),
                                                                       fingerprint, cells))


def rec_with(book, curves, retriever=None, **scenario):
    e = estimate(profile(), book, ModelChoice("tiny"), Scenario(queries_per_day=5000, horizon_days=365, **scenario),
                 today=dt.date(2026, 11, 25))
    return recommend(e, curves, {"recall": 1.0}, retriever=retriever)


def own_fingerprint():
    return corpus_fingerprint((d.path, d.sha256) for d in profile().documents)


def test_measured_recall_replaces_the_assumption(book):
    rec = rec_with(book, measured(own_fingerprint()), retrieval_recall=0.9)
    # FLAT's rag cell: 0.80 (0.70–0.90) at recall 0.8, chance 0.25; at the measured 0.4 the part above
    # guessing halves: 0.25 + 0.4 / 0.8 × (0.80 − 0.25) = 0.525 (low 0.475, high 0.575);
    # finetune+rag 0.82 at 0.8: 0.25 + 0.5 × 0.57 = 0.535
    assert (rec.quality["rag"].mean, rec.quality["rag"].low, rec.quality["rag"].high) == pytest.approx((0.525, 0.475, 0.575))
    assert rec.quality["finetune+rag"].mean == pytest.approx(0.535)
    assert rec.quality["icl"].mean == pytest.approx(0.90)  # no recall in its cell: unchanged
    line = next(r for r in rec.reasons if "recall measured" in r)
    assert "recall measured on this corpus (120 probes)" in line and "bm25 recall@4" in line
    assert "in place of --retrieval-recall 0.9" in line
    assert rec.recall == {"source": "measured", "curves": "test.yaml", "retriever": "bm25", "k": 4, "recall": 0.4,
                          "low": 0.3, "high": 0.5, "probes": 120, "same_corpus": True}
    assert not any("another corpus" in w for w in rec.estimate.warnings)


def test_the_retriever_asked_for(book):
    rec = rec_with(book, measured(own_fingerprint()), retriever="minilm")
    # minilm measured 0.9: 0.25 + 0.9 / 0.8 × 0.55 = 0.86875
    assert rec.quality["rag"].mean == pytest.approx(0.86875)
    with pytest.raises(ScenarioError, match="measured recall for bm25, minilm only"):
        rec_with(book, measured(own_fingerprint()), retriever="splade")
    with pytest.raises(ScenarioError, match="has no measured retrieval recall"):
        rec_with(book, curves_with(FLAT), retriever="bm25")


def test_another_corpus_is_a_warning_not_an_error(book):
    rec = rec_with(book, measured("0" * 64))
    assert rec.quality["rag"].mean == pytest.approx(0.525)  # still used
    assert any("measured retrieval recall on another corpus" in w for w in rec.estimate.warnings)
    assert any("recall measured on another corpus (see the warnings) (120 probes)" in r for r in rec.reasons)
    assert rec.recall["same_corpus"] is False


def test_another_k_falls_back_to_the_assumption(book):
    rec = rec_with(book, measured(own_fingerprint(), k=4), top_k=5, retrieval_recall=0.4)
    # no measurement at k = 5: --retrieval-recall 0.4 holds, which gives the same 0.525 here ...
    assert rec.quality["rag"].mean == pytest.approx(0.525)
    assert any("not at --top-k 5; RAG's accuracy uses --retrieval-recall 0.4" in r for r in rec.reasons)
    assert rec.recall is None
    # ... and without it, the cell's own recall: 0.80
    assert rec_with(book, measured(own_fingerprint(), k=4), top_k=5).quality["rag"].mean == pytest.approx(0.80)


# ---------------------------------------------------------------- the command line, every output


def examples_fingerprint():
    docs = profile_corpus([EXAMPLES], ["cl100k_base"]).documents
    return corpus_fingerprint((d.path, d.sha256) for d in docs)


def curves_file(tmp_path, fingerprint):
    """A retrieval-only curves file as `probe run` writes it (no accuracy table)."""
    cell = {"retriever": "bm25", "k": 4, "mean": 0.5, "low": 0.4, "high": 0.6, "n": 40}
    document = {"schema": "adaptcost-curves/1", "name": "probes", "kind": "measured", "model": "none",
                "retrieval": {"headline": "bm25", "retrievers": ["bm25"], "ks": [1, 2, 4, 8],
                              "corpus": {"inputs": [EXAMPLES], "documents": 42, "fingerprint": fingerprint},
                              "recall_at_k": [cell, {**cell, "k": 1, "mean": 0.3, "low": 0.2, "high": 0.4}]}}
    path = tmp_path / "curves.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_recommend_says_so_in_every_output(tmp_path):
    path = curves_file(tmp_path, examples_fingerprint())
    common = ("recommend", "--corpus", EXAMPLES, "--curves", path, "--mix", "recall=1", "--queries-per-day", "5000", *AS_OF)
    table, js, md = (invoke(*common), invoke(*common, "--format", "json"), invoke(*common, "--format", "markdown"))
    for result in (table, js, md):
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())  # the table wraps lines
        assert "recall measured on this corpus (40 probes)" in text
        assert "has no accuracy table of its own" in text and "paper-reference" in text
    doc = json.loads(js.stdout)
    rag = next(s for s in doc["strategies"] if s["name"] == "rag")
    # paper reference, rag on recall: 0.94 at recall 0.99, chance 0.25; at the measured 0.5:
    # 0.25 + 0.5 / 0.99 × (0.94 − 0.25) = 0.25 + 0.348485 = 0.598485
    assert rag["expected_accuracy"]["mean"] == 0.5985
    assert doc["curves"]["retrieval_recall"]["probes"] == 40 and doc["curves"]["retrieval_recall"]["same_corpus"] is True
    assert "paper-reference" in doc["curves"]["accuracy_from"]
    assert not any("another corpus" in w for w in doc["warnings"])
    # the summary lines name both sources: accuracy from the reference, recall from this file
    assert "quality: accuracy paper-reference" in " ".join(table.stdout.split())
    assert "- quality figures: accuracy from paper-reference" in md.stdout and "retrieval recall from" in md.stdout


def test_recommend_warns_of_another_corpus(tmp_path):
    path = curves_file(tmp_path, "a" * 64)
    result = invoke("recommend", "--corpus", EXAMPLES, "--curves", path, "--format", "json", "--queries-per-day", "5000", *AS_OF)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert any("measured retrieval recall on another corpus" in w for w in doc["warnings"])
    bad = invoke("recommend", "--corpus", EXAMPLES, "--curves", path, "--retriever", "bm52", "--queries-per-day", "5000", *AS_OF)
    assert_clean_error(bad, "--retriever bm52", "did you mean")


def test_the_tornado_swings_the_measured_band_and_the_monte_carlo_draws_no_other_recall(book):
    from adaptcost.decision.uncertainty import Dist, ScenarioSpec, monte_carlo, tornado

    rec = rec_with(book, measured(own_fingerprint()))  # bm25 0.4 (0.3–0.5) at k = 4
    rows = {r.label: r for r in tornado(rec).rows}
    assert (rows["retrieval recall"].low_setting, rows["retrieval recall"].high_setting) == ("0.3", "0.5")
    # a --retrieval-recall range would lift rag over the target in some draws (recall 1.0: 0.25 +
    # 1.25 × 0.55 = 0.9375 >= 0.88); measured recall replaces it: rag's accuracy stays 0.525, never best
    mc = monte_carlo(rec, ScenarioSpec({"retrieval_recall": Dist("uniform", 0.9, 1.0)}, {}, seed=3, draws=2000))
    assert {r.strategy: r.p_best for r in mc.strategies}["rag"] == 0
