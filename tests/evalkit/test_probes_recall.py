"""recall@k measured per probe on a hand-made corpus (evalkit.probes.recall), the probes file's
checks (probefile), the curves file it writes (curvesfile) and `adaptcost probe run`."""

import json

import pytest
import yaml

from adaptcost.corpus.discover import corpus_fingerprint, profile_corpus
from adaptcost.decision.curves import bundled_reference, load_curves
from adaptcost.evalkit.probes.curvesfile import existing_curves, write_curves
from adaptcost.evalkit.probes.probefile import ProbesError, read_probes
from adaptcost.evalkit.probes.recall import RecallRequest, measure_recall, served
from adaptcost.evalkit.stats.intervals import wilson
from builders import assert_clean_error, invoke

DOCS = {  # each shorter than one 512-token chunk: document i is chunk i (documents by path)
    "a.md": "The refund window is thirty days. Refunds go to the original card.",
    "b.md": "The warranty lasts two years. Batteries are covered for one year.",
    "c.md": "Shipping takes five days. Express shipping costs ten euros.",
}
CHUNK = {"a.md": 0, "b.md": 1, "c.md": 2}


def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


def evidence(folder, name, sentence):
    start = DOCS[name].index(sentence)
    return {"document": str(folder / name), "sentence": sentence, "start": start, "end": start + len(sentence),
            "chunks": [0]}  # each document is one chunk: its chunk 0


def probe(pid, kind, fact, question, items, guessable=False):
    return {"kind": "probe", "id": pid, "type": kind, "fact": fact, "question": question,
            "options": ["x", "y", "z", "w"], "answer": 0, "evidence": items,
            "guessable": {"options_only": guessable, "question_only": False}}


def write_probes(tmp_path, folder, probes=None, fingerprint=None, chunking=None):
    """A probes file in the adaptcost-probes/1 format, written by hand (json, one object a line)."""
    if fingerprint is None:
        profile = profile_corpus([str(folder)], ["cl100k_base"])
        fingerprint = corpus_fingerprint((d.path, d.sha256) for d in profile.documents)
    header = {"kind": "header", "schema": "adaptcost-probes/1", "generator": "offline", "seed": 0,
              "corpus": {"inputs": [str(folder)], "documents": 3, "fingerprint": fingerprint},
              "chunking": chunking or {"encoding": "cl100k_base", "chunk_tokens": 512, "chunk_overlap_tokens": 64},
              "types": {}, "missing": {}, "guessable": {"options_only": 1, "question_only": 0}}
    if probes is None:
        probes = [
            # words retriever: documents by how many distinct question words they hold, ties by position
            # p1: refund, window -> a 2, b 0, c 0: ranking a, b, c: served at k = 1
            probe("p-1", "recall", "f-1", "How long is the refund window?", [evidence(folder, "a.md", "The refund window is thirty days.")]),
            # p2: years, warranty -> b 2: served at k = 1
            probe("p-2", "rephrasing", "f-2", "How many years does the warranty last?", [evidence(folder, "b.md", "The warranty lasts two years.")]),
            # p3: costs, ten, euros -> c 3: served at k = 1
            probe("p-3", "reversal", "f-3", "Which costs ten euros?", [evidence(folder, "c.md", "Express shipping costs ten euros.")]),
            # p4: refund, window (a 2), for (b 1), express (c 1): ranking a, b, c; needs a and c: served from k = 3
            probe("p-4", "multi-hop", "f-4", "How long is the refund window for express orders?",
                  [evidence(folder, "a.md", "The refund window is thirty days."), evidence(folder, "c.md", "Express shipping costs ten euros.")]),
            # p5: batteries, covered (b 2), shipping (c 1): ranking b, c, a; needs c: served from k = 2
            probe("p-5", "recall", "f-5", "Are batteries covered when shipping?", [evidence(folder, "c.md", "Shipping takes five days.")]),
            # p6: guessable: left out of every figure
            probe("p-6", "recall", "f-6", "Refund card?", [evidence(folder, "a.md", "Refunds go to the original card.")], guessable=True),
        ]
    path = tmp_path / "probes.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in [header, *probes]) + "\n")
    return path


def test_served_needs_every_evidence_item():
    assert served([[3], [5, 6]], [6, 3]) is True
    assert served([[3], [5, 6]], [3, 4]) is False
    assert served([[]], [0, 1, 2]) is False  # a span no chunk holds is never served


def test_recall_at_k_worked_by_hand(tmp_path):
    folder = corpus(tmp_path)
    path = write_probes(tmp_path, folder)
    result = measure_recall(RecallRequest(path, [str(folder)], ("words",), top_k=3))
    cells = {c["k"]: c for c in result.cells}
    assert result.ks == [1, 2, 3, 4, 8]  # 1, 2, 4, 8 and the scenario's k
    # five measured probes (p6 guessable): served at k=1: p1, p2, p3 (3/5); k=2: + p5 (4/5); k>=3: all
    assert [cells[k]["mean"] for k in result.ks] == [0.6, 0.8, 1.0, 1.0, 1.0]
    assert all(cells[k]["n"] == 5 for k in result.ks)
    assert result.counts == {"total": 6, "guessable": 1, "measured": 5, "unservable": 0}
    # per type at k = 1: recall p1 yes, p5 no -> 0.5; multi-hop p4 no -> 0.0; k = 2: recall 1.0, multi-hop 0.0
    assert cells[1]["by_type"]["recall"]["mean"] == 0.5 and cells[1]["by_type"]["recall"]["n"] == 2
    assert cells[1]["by_type"]["multi-hop"]["mean"] == 0.0
    assert cells[2]["by_type"]["recall"]["mean"] == 1.0 and cells[2]["by_type"]["multi-hop"]["mean"] == 0.0
    assert "category" not in cells[1]["by_type"]  # no probe of that type
    # the band holds Wilson's 3/5 interval (0.2307, 0.8824) and the mean; clusters: 5 facts, 3 document sets
    low, high = wilson(3, 5)
    assert cells[1]["wilson"] == [round(low, 4), round(high, 4)]
    assert cells[1]["low"] <= round(low, 4) and cells[1]["high"] >= round(high, 4)
    assert cells[1]["facts"] == 5 and cells[1]["documents"] == 4  # a, b, c and the pair a|c
    assert result.chunking["chunks"] == 3


def test_the_curves_file_it_writes_is_read_by_recommend(tmp_path):
    folder = corpus(tmp_path)
    result = measure_recall(RecallRequest(write_probes(tmp_path, folder), [str(folder)], ("words",)))
    out = write_curves(result, tmp_path / "curves.yaml")
    curves = load_curves(out)
    reference = load_curves(None)
    assert curves.retrieval.headline == "words" and curves.retrieval.ks == (1, 2, 4, 8)
    assert curves.retrieval.at("words", 2).mean == 0.8 and curves.retrieval.at("words", 2).n == 5
    assert curves.table == reference.table  # no accuracy table of its own: the paper reference's
    assert "paper-reference" in curves.accuracy_from
    section = yaml.safe_load(out.read_text())["retrieval"]
    assert len(section["probes"]["sha256"]) == 64 and len(section["corpus"]["fingerprint"]) == 64
    # a file with an accuracy table of its own keeps it and gains the section
    target = tmp_path / "with-accuracy.yaml"
    target.write_text(bundled_reference().read_text())
    write_curves(result, target, existing_curves(target))
    both = load_curves(target)
    assert both.accuracy_from is None and both.retrieval.at("words", 1).mean == 0.6
    assert both.table == reference.table


def test_another_corpus_is_an_error(tmp_path):
    folder = corpus(tmp_path)
    path = write_probes(tmp_path, folder, fingerprint="0" * 64)
    with pytest.raises(ProbesError, match="was built from another corpus"):
        measure_recall(RecallRequest(path, [str(folder)], ("words",)))


@pytest.mark.parametrize("edit, message", [
    (lambda p: p.__setitem__("type", "syllogism"), "field 'type' must be one of"),
    (lambda p: p.__setitem__("answer", 4), "must index one of the 4 options"),
    (lambda p: p.__setitem__("options", ["only"]), "2 to 5 strings"),
    (lambda p: p.__setitem__("evidence", []), "is empty"),
    (lambda p: p["evidence"][0].__setitem__("chunks", [-1]), "chunk indices"),
])
def test_a_malformed_probe_is_one_line_naming_its_line(tmp_path, edit, message):
    folder = corpus(tmp_path)
    good = probe("p-1", "recall", "f-1", "How long is the refund window?", [evidence(folder, "a.md", "The refund window is thirty days.")])
    edit(good)
    path = write_probes(tmp_path, folder, [good])
    with pytest.raises(ProbesError, match=message) as caught:
        read_probes(path)
    assert f"{path}:2:" in str(caught.value) and "\n" not in str(caught.value)


def test_evidence_that_does_not_match_the_corpus_is_an_error(tmp_path):
    folder = corpus(tmp_path)
    wrong_span = probe("p-1", "recall", "f-1", "q?", [{**evidence(folder, "a.md", "The refund window is thirty days."), "start": 1}])
    with pytest.raises(ProbesError, match="evidence sentence is not at characters"):
        measure_recall(RecallRequest(write_probes(tmp_path, folder, [wrong_span]), [str(folder)], ("words",)))
    no_chunk = probe("p-1", "recall", "f-1", "q?", [{**evidence(folder, "a.md", "The refund window is thirty days."), "chunks": [3]}])
    with pytest.raises(ProbesError, match="has no chunk 3"):
        measure_recall(RecallRequest(write_probes(tmp_path, folder, [no_chunk]), [str(folder)], ("words",)))


def test_every_probe_guessable_is_an_error(tmp_path):
    folder = corpus(tmp_path)
    only = probe("p-6", "recall", "f-6", "Refund card?", [evidence(folder, "a.md", "Refunds go to the original card.")], guessable=True)
    with pytest.raises(ProbesError, match="flagged guessable"):
        measure_recall(RecallRequest(write_probes(tmp_path, folder, [only]), [str(folder)], ("words",)))


def test_probe_run_command(tmp_path):
    folder = corpus(tmp_path)
    path = write_probes(tmp_path, folder)
    out = tmp_path / "curves.yaml"
    result = invoke("probe", "run", path, "--corpus", folder, "--output", out, "--retrievers", "words", "--top-k", "3")
    assert result.exit_code == 0, result.output
    assert "recall@k" in result.stdout and "60%" in result.stdout  # k = 1
    assert "ranking with words: 5/5" in result.stderr  # progress lines off a terminal
    assert load_curves(out).retrieval.at("words", 3).mean == 1.0
    bad = invoke("probe", "run", path, "--corpus", tmp_path / "missing", "--output", out, "--retrievers", "words")
    assert_clean_error(bad, "corpus path not found")
    unknown = invoke("probe", "run", path, "--corpus", folder, "--retrievers", "wrods")
    assert_clean_error(unknown, "unknown retriever 'wrods'")
    assert_clean_error(invoke("probe", "run", path, "--corpus", folder, "--retrievers", " , "), "name at least one retriever")
    not_curves = tmp_path / "notes.yaml"
    not_curves.write_text("just: notes\n")
    assert_clean_error(invoke("probe", "run", path, "--corpus", folder, "--retrievers", "words", "--output", not_curves),
                       "notes.yaml")
    assert not_curves.read_text() == "just: notes\n"  # nothing lost, and nothing measured first
    assert "ranking" not in invoke("probe", "run", path, "--corpus", folder, "--retrievers", "words", "--output", not_curves).stderr
    other = write_probes(tmp_path, folder, fingerprint="f" * 64)
    assert_clean_error(invoke("probe", "run", other, "--corpus", folder, "--retrievers", "words"), "another corpus")


def test_bm25_measures_the_same_probes(tmp_path):
    pytest.importorskip("bm25s")
    folder = corpus(tmp_path)
    result = measure_recall(RecallRequest(write_probes(tmp_path, folder), [str(folder)], ("bm25",)))
    cells = {c["k"]: c["mean"] for c in result.cells}
    assert cells[4] == 1.0 and cells[1] <= cells[2] <= cells[4]  # three chunks: all retrieved at k >= 3


def test_eval_show_prints_a_retrieval_only_file(tmp_path):
    folder = corpus(tmp_path)
    result = measure_recall(RecallRequest(write_probes(tmp_path, folder), [str(folder)], ("words",)))
    out = write_curves(result, tmp_path / "curves.yaml")
    shown = invoke("eval", "show", out)
    assert shown.exit_code == 0, shown.output
    assert "recall@k" in shown.stdout and "words (headline)" in shown.stdout
