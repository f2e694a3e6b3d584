"""The model arms of `adaptcost probe run` (evalkit.probes.arms): base, icl and rag on a hand-made
corpus with a deterministic mock that knows what its context holds; accuracies, the ICL fallback
and the paired tests worked by hand; the command; and one slow test with the real local model."""

import re

import numpy as np
import pytest
import yaml

from adaptcost.decision.curves import load_curves
from adaptcost.evalkit.backends.registry import register
from adaptcost.evalkit.probes.arms import MARGIN, ArmsRequest, measure_arms, parse_arms
from adaptcost.evalkit.probes.recall import RecallRequest, measure_recall
from builders import assert_clean_error, invoke
from test_probes_recall import corpus, evidence, probe, write_probes

ENV_CACHE = "ADAPTCOST_CACHE_DIR"


class ContextMock:
    """Knows exactly the documents in its context (what comes before the question's blank line): an
    option scores -0.1 a word when a sentence there holds the option and one of the question's words
    of five letters or more, else -1 a word (an empty context: every option ties). Deterministic."""

    name = "context-mock"

    def __init__(self, window=1_000_000, **_):
        self.window = window
        self.contexts = []

    def loglikelihood(self, requests):
        out = []
        for context, continuation in requests:
            docs, _, question = context.rpartition("\n\n")
            self.contexts.append(docs)
            asked = {w for w in re.findall(r"[a-z]+", question.replace("\nAnswer:", "").lower()) if len(w) >= 5}
            option = continuation.strip().lower()
            known = any(option in s.lower() and asked & set(re.findall(r"[a-z]+", s.lower()))
                        for s in re.split(r"(?<=\.)\s+", docs))
            n = max(1, len(continuation.split()))
            out.append((-0.1 * n if known else -1.0 * n, n))
        return out

    def generate(self, prompts, max_new_tokens=128):
        return ["" for _ in prompts]

    def finetune(self, texts, settings):
        raise NotImplementedError

    def context_window(self):
        return self.window

    def count_tokens(self, text):
        return len(text.split())


register("context-mock", ContextMock)


def probes_file(tmp_path):
    folder = corpus(tmp_path)

    def p(pid, kind, fact, question, options, answer, items, guessable=False):
        return {**probe(pid, kind, fact, question, items, guessable), "options": options, "answer": answer}

    a, b, c = "a.md", "b.md", "c.md"
    probes = [
        # words retriever's top 1 (see test_probes_recall): a, b, c, a, b
        p("p-1", "recall", "f-1", "How long is the refund window?", ["thirty days", "five days", "two years", "one year"], 0,
          [evidence(folder, a, "The refund window is thirty days.")]),
        p("p-2", "rephrasing", "f-2", "How many years does the warranty last?", ["one year", "two years", "five days", "ten euros"], 1,
          [evidence(folder, b, "The warranty lasts two years.")]),
        p("p-3", "reversal", "f-3", "What costs ten euros?", ["Refunds", "Express shipping", "Batteries"], 1,
          [evidence(folder, c, "Express shipping costs ten euros.")]),
        p("p-4", "multi-hop", "f-4", "How long is the refund window for express orders?", ["five days", "thirty days"], 1,
          [evidence(folder, a, "The refund window is thirty days."), evidence(folder, c, "Express shipping costs ten euros.")]),
        # with b and c in context both "five days" (shipping) and "one year" (batteries, covered) are known: a tie
        p("p-5", "recall", "f-5", "Are batteries covered, and how long does shipping take?", ["two years", "five days", "one year"], 1,
          [evidence(folder, c, "Shipping takes five days.")]),
        p("p-6", "recall", "f-6", "Refund card?", ["the original card", "cash"], 0,
          [evidence(folder, a, "Refunds go to the original card.")], guessable=True),
    ]
    return folder, write_probes(tmp_path, folder, probes)


def measured(tmp_path, monkeypatch, window=1_000_000, arms=("base", "icl", "rag"), top_k=1):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder, path = probes_file(tmp_path)
    recall = measure_recall(RecallRequest(path, [str(folder)], ("words",), top_k))
    mock = ContextMock(window)
    return measure_arms(recall, mock, ArmsRequest(arms, top_k)), mock


def test_base_at_chance_icl_and_rag_answer_what_their_context_holds(tmp_path, monkeypatch):
    section, _ = measured(tmp_path, monkeypatch)
    arms = section["arms"]
    # base: no context, every option ties: 1/4, 1/4, 1/3, 1/2, 1/3 -> 1.6667 / 5
    assert arms["base"]["accuracy"]["mean"] == pytest.approx(0.3333, abs=1e-4) == section["chance"]
    # icl (whole corpus): p1-p4 right; p5 ties "five days" with "one year" -> (4 + 0.5) / 5
    assert arms["icl"]["context"] == "whole corpus" and arms["icl"]["accuracy"]["mean"] == 0.9
    assert arms["icl"]["by_type"]["recall"]["mean"] == 0.75  # p1 1, p5 0.5
    # rag at k = 1: p1 a, p2 b, p3 c, p4 a (holds its key), p5 b (batteries: "one year" only) -> 4 / 5
    assert arms["rag"]["k"] == 1 and arms["rag"]["retriever"] == "words"
    assert arms["rag"]["accuracy"]["mean"] == 0.8 and arms["rag"]["by_type"]["recall"]["mean"] == 0.5
    assert section["probes"] == {"measured": 5, "of": 5, "guessable_left_out": 1, "headline": 5,
                                 "model_guessable": {"question_only": 0, "options_only": 0, "either": 0}}
    assert section["scoring"] == "loglikelihood" and "recommend --curves reads `accuracy`" in section["note"]


def test_accuracy_table_names_strategies_and_question_types_and_holds_cells_to_the_bar(tmp_path, monkeypatch):
    section, _ = measured(tmp_path, monkeypatch)
    table = section["accuracy"]
    assert set(table) == {"icl", "rag"}  # base is no strategy
    assert set(table["icl"]) == {"recall", "rephrasing", "reversal", "syllogism"}  # multi-hop is the two-premise type
    cell = table["icl"]["recall"]
    # p1 (4 options) right, p5 (3 options) a tie of 2 -> 0.75; chance (1/4 + 1/3) / 2 = 0.2917
    assert (cell["mean"], cell["n"], cell["chance"]) == (0.75, 2, 0.2917)
    assert cell["descriptive"].startswith("2 recall probes on 2 facts (a figure needs >= 40 probes on >= 10 facts)")
    assert "recall" not in cell and "arm icl" in cell["basis"] and "model context-mock" in cell["basis"]
    # rag at k = 1 (words): p1's evidence (a) is ranked first, p5's (c) is not -> recall 1/2;
    # p4 needs a and c and gets a alone -> 0
    assert (table["rag"]["recall"]["recall"], table["rag"]["recall"]["k"]) == (0.5, 1)
    assert table["rag"]["syllogism"]["recall"] == 0.0 and table["rag"]["syllogism"]["mean"] == 1.0


class PriorMock(ContextMock):
    """ContextMock that also knows one sentence without any context (world knowledge) and favours
    "one year" among any options it is shown without a question."""

    name = "prior-mock"
    PRIOR = "The warranty lasts two years."

    def loglikelihood(self, requests):
        out = []
        for (context, continuation), (ll, n) in zip(requests, super().loglikelihood(
                [(f"{self.PRIOR}\n\n{c}" if "\n\n" not in c else c, x) for c, x in requests])):
            if context == "Answer:":  # options only
                ll = -0.1 * n if continuation.strip() == "one year" else -1.0 * n
            out.append((ll, n))
        return out


def test_probes_a_model_baseline_answers_are_left_out_of_the_headline_figures(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder, path = probes_file(tmp_path)
    recall = measure_recall(RecallRequest(path, [str(folder)], ("words",), 1))
    section = measure_arms(recall, PriorMock(), ArmsRequest(("base", "icl", "rag"), 1))
    # closed book the mock knows p2 (warranty: two years); from the options alone it picks "one year",
    # the key of none of p1 (thirty days), p3, p4 (two options without it), p5 (five days): 1 flagged
    assert section["probes"]["model_guessable"] == {"question_only": 1, "options_only": 0, "either": 1}
    assert section["probes"]["headline"] == 4
    icl = section["arms"]["icl"]
    # icl on p1, p3, p4, p5: 1 + 1 + 1 + 0.5 (p5's tie) = 3.5 / 4; on all five (p2 right too): 4.5 / 5
    assert icl["accuracy"]["mean"] == 0.875 and icl["all_measured_probes"]["mean"] == 0.9
    assert "below chance by construction" in section["arms"]["base"]["note"]
    assert {(t["a"], t["b"]) for t in section["paired"]} == {("rag", "icl")}  # base, the filter, is not compared
    # recommend's table keeps every measured probe (the kept ones are biased below chance): p2 is there
    assert section["accuracy"]["icl"]["rephrasing"]["n"] == 1 and section["accuracy"]["icl"]["recall"]["n"] == 2


def test_paired_tests_worked_by_hand(tmp_path, monkeypatch):
    section, _ = measured(tmp_path, monkeypatch)
    tests = {(t["a"], t["b"]): t for t in section["paired"]}
    assert list(tests) == [("icl", "base"), ("rag", "base"), ("rag", "icl")]
    # 5 facts, exact over 32 sign patterns. icl-base: every difference positive -> 2/32;
    # rag-base: differences .75 .75 .667 .5 -.333: |sum| >= 2.333 in 4 patterns -> 4/32;
    # rag-icl: only p5 differs -> 1. Holm: 3 x 0.0625, 2 x 0.125, 1.
    assert [tests[k]["p"] for k in tests] == [0.0625, 0.125, 1.0]
    assert [tests[k]["p_holm"] for k in tests] == [0.1875, 0.25, 1.0]
    assert tests[("icl", "base")]["difference"] == pytest.approx(0.9 - 0.3333, abs=1e-4)
    assert all(not t["significant"] and t["reads"].startswith("no significant difference") for t in tests.values())


def test_icl_packs_the_corpus_into_windows_in_two_orders(tmp_path, monkeypatch):
    # words + 2 per document: a 14, b 13, c 11 = 38 > 30: the corpus does not fit. Windows: a, b (27;
    # c would make 38), then c, topped up with a (25; b would make 38). p1 (a) and p2 (b) are asked
    # in the first, p3 (c), p4 (a and c) and p5 (c) in the second: two contexts, each in two orders
    section, mock = measured(tmp_path, monkeypatch, window=MARGIN + 30, arms=("icl",))
    icl = section["arms"]["icl"]
    assert icl["context"].startswith("the corpus packed into windows") and icl["windows"] == 2
    assert icl["orders"] == ["as packed", "reversed"] and icl["documents_shown"] == {"min": 2, "max": 2}
    assert icl["probes_missing_evidence"] == 0
    # every probe's evidence is in its context, and p5's "one year" (b) is not: all right in both orders
    assert icl["accuracy"]["mean"] == 1.0 and {o: e["mean"] for o, e in icl["by_order"].items()} == {
        "as packed": 1.0, "reversed": 1.0}
    from test_probes_recall import DOCS

    a, b, c = (DOCS[name].rstrip() for name in ("a.md", "b.md", "c.md"))
    assert {f"{a}\n\n{b}", f"{b}\n\n{a}", f"{c}\n\n{a}", f"{a}\n\n{c}"} <= set(mock.contexts)
    assert max(len(c.split()) for c in mock.contexts) <= 30


def test_a_probe_whose_evidence_no_window_holds_gets_its_own_context(tmp_path, monkeypatch):
    # window 24: a (14) alone (b would make 27; c, 11, does not fit the 10 left), then b and c (24).
    # p4 needs a and c: no window holds both, and a + c (25) do not fit together -> its evidence
    # documents as far as they fit (a alone), counted missing; that context is the first window's
    section, mock = measured(tmp_path, monkeypatch, window=MARGIN + 24, arms=("icl",))
    icl = section["arms"]["icl"]
    assert icl["probes_missing_evidence"] == 1 and icl["windows"] == 2
    from test_probes_recall import DOCS

    a, b, c = (DOCS[name].rstrip() for name in ("a.md", "b.md", "c.md"))
    assert set(mock.contexts) >= {a, f"{b}\n\n{c}", f"{c}\n\n{b}"}


def test_a_rerun_scores_nothing_again(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder, path = probes_file(tmp_path)
    recall = measure_recall(RecallRequest(path, [str(folder)], ("words",), 1))
    first = measure_arms(recall, ContextMock(), ArmsRequest(top_k=1))
    # 4 + 4 + 3 + 2 + 3 = 16 options: base 16, icl 16 x 2 orders, rag 16; options only (the guessability
    # filter's second baseline, the base arm its first): 16 asked, 8 distinct (thirty days, five days,
    # two years, one year, ten euros, Refunds, Express shipping, Batteries) -> 8 new, 8 hits
    assert first["score_cache"] == {"hits": 8, "new": 72}
    mock = ContextMock()
    again = measure_arms(recall, mock, ArmsRequest(top_k=1))  # a killed run resumes from here
    assert again["score_cache"]["new"] == 0 and mock.contexts == []  # no model call
    assert again["arms"] == first["arms"]


def test_parse_arms():
    assert parse_arms("rag, base,rag") == ("rag", "base")
    from adaptcost.errors import AdaptcostError

    with pytest.raises(AdaptcostError, match="unknown arm 'icll'"):
        parse_arms("icll")


def test_probe_run_with_arms(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder, path = probes_file(tmp_path)
    out = tmp_path / "curves.yaml"
    result = invoke("probe", "run", path, "--corpus", folder, "--output", out, "--retrievers", "words", "--top-k", "1",
                    "--arms", "base,icl,rag", "--backend", "context-mock", width=80)
    assert result.exit_code == 0, result.output
    assert "base (closed book): 5/5" in result.stderr  # progress lines off a terminal
    assert "Accuracy on 5 of 5 probes" in result.stdout and "90%" in result.stdout
    assert "no significant difference between icl and base" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    document = yaml.safe_load(out.read_text())
    assert document["probes"]["arms"]["icl"]["accuracy"]["mean"] == 0.9
    # the retrieval section still read: served at k = 1: p1, p2, p3 (p4 needs c too, p5 got b) -> 3 / 5
    assert load_curves(out).retrieval.at("words", 1).mean == 0.6
    # without --arms: retrieval only, and an earlier run's arm figures are dropped (they may be of other probes)
    assert invoke("probe", "run", path, "--corpus", folder, "--output", out, "--retrievers", "words").exit_code == 0
    assert "probes" not in yaml.safe_load(out.read_text())
    assert_clean_error(invoke("probe", "run", path, "--corpus", folder, "--retrievers", "words", "--arms", "bse"),
                       "unknown arm 'bse'")


@pytest.mark.slow
def test_the_local_model_on_ten_probes(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from adaptcost.evalkit.backends.registry import get_backend

    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder, path = probes_file(tmp_path)
    recall = measure_recall(RecallRequest(path, [str(folder)], ("words",), 1))
    recall.measured[:] = (recall.measured * 2)[:10]  # ten probes (each twice: the same credit twice)
    recall.rankings["words"][:] = (recall.rankings["words"] * 2)[:10]
    recall.needed[:] = (recall.needed * 2)[:10]
    section = measure_arms(recall, get_backend("local"), ArmsRequest(("base", "icl", "rag"), 1))
    assert section["backend"].startswith("local:") and section["arms"]["icl"]["context"] == "whole corpus"
    kept = section["probes"]["headline"]  # those the model does not answer without the corpus
    assert kept == 10 - section["probes"]["model_guessable"]["either"] and kept > 0
    for arm in section["arms"].values():
        assert arm["accuracy"]["n"] == kept and 0.0 <= arm["accuracy"]["mean"] <= 1.0
        assert arm["all_measured_probes"]["n"] == 10
    # base, the filter, is compared with nothing once it left probes out: icl and rag alone, else all three
    assert len(section["paired"]) == (1 if kept < 10 else 3) and np.isfinite([t["p_holm"] for t in section["paired"]]).all()


def test_a_limit_spreads_through_the_file():
    from adaptcost.evalkit.probes.arms import spaced

    probes = [{"id": i} for i in range(10)]
    assert [p["id"] for p in spaced(probes, 4)] == [0, 2, 5, 7]  # i * 10 // 4
    assert spaced(probes, None) == probes == spaced(probes, 12)
