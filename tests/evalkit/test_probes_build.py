"""probe build, offline: every key right, options distinct, no answer in its question, evidence
spans and chunks exact, the same seed the same bytes, the types a corpus cannot supply named, the
guessability baselines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptcost.corpus.chunks import chunk_text
from adaptcost.corpus.discover import corpus_fingerprint, document_texts
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.probes import guess
from adaptcost.evalkit.probes.build import BuildRequest, build_probes
from adaptcost.evalkit.probes.facts import bare, read_facts, title
from adaptcost.evalkit.probes.probefile import read_probes
from adaptcost.evalkit.probes.questions import TYPES, Index, draft_questions, shares_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "corpus"

# A corpus that supplies every type: the price list makes Alder a class of two products (and Birch
# another); the glossary defines the classes (category) and Quill (reversal); the product page's
# "replaces" joins a product to a row of the price list in another document (multi-hop).
SMALL = {
    "products.csv": "sku,product,family,price_eur\nA-1,Oak One,Alder,100.00\nA-2,Pine Two,Alder,200.00\n"
                    "B-1,Elm Three,Birch,300.00\nB-2,Ash Four,Birch,400.00\nC-1,Yew Five,Cedar,500.00\n",
    "glossary.md": "# Glossary\n\n**Alder** — the indoor monitor family.\n**Birch** — the outdoor station family.\n"
                   "**Cedar** — the gateway family.\n**Quill** — the ticketing system.\n**Forge** — the build system.\n",
    "pine-two.md": "# Pine Two\n\nThe Pine Two replaces the Oak One.\n"
                   "Refunds are paid within 30 days. Claims older than 90 days are rejected. Badges expire after 12 days.\n",
}
# Numbers with units only: recall, nothing else.
PROSE = {"policy.md": "We pay refunds within 30 days. We reject claims older than 90 days.\n"
                      "Badges expire after 12 days. We replace laptops every 48 months.\n"}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def build(corpus: Path, output: Path, seed: int = 0):
    return build_probes(BuildRequest((str(corpus),), output, seed=seed))


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("probes") / "probes.jsonl"
    result = build(EXAMPLES, out)
    return result, out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    corpus = write(root / "docs", SMALL)
    return build(corpus, root / "probes.jsonl"), corpus


def texts_of(corpus: Path) -> dict[str, str]:
    return {d.path: d.text for d in document_texts([str(corpus)])[0]}


def key_of(probe: dict) -> str:
    return probe["options"][probe["answer"]]


def check_probe(probe: dict, texts: dict[str, str], header: dict) -> None:
    options, key = probe["options"], key_of(probe)
    assert 2 <= len(options) <= 5 and 0 <= probe["answer"] < len(options)
    assert len({bare(o) for o in options}) == len(options), options  # no duplicates
    assert key.lower() not in probe["question"].lower(), probe["question"]
    chunking = header["chunking"]
    for item in probe["evidence"]:
        text = texts[item["document"]]
        assert text[item["start"]:item["end"]] == item["sentence"]
        chunks = chunk_text(text, chunking["encoding"], chunking["chunk_tokens"], chunking["chunk_overlap_tokens"])
        assert item["chunks"] == [c.index for c in chunks if c.holds(item["start"], item["end"])]
    evidence = probe["evidence"]
    if probe["type"] in ("recall", "rephrasing"):
        assert len(evidence) == 1 and key in evidence[0]["sentence"]
    elif probe["type"] == "reversal":  # the subject: named in the row or sentence, or what the document is about
        assert len(evidence) == 1
        assert key in evidence[0]["sentence"] or key == title(evidence[0]["document"], texts[evidence[0]["document"]])
    else:  # multi-hop and category: the key is stated by the second fact, in another sentence
        assert len(evidence) == 2 and key in evidence[1]["sentence"] and evidence[0]["sentence"] != evidence[1]["sentence"]
    if probe["type"] == "multi-hop":
        assert evidence[0]["document"] != evidence[1]["document"]
    if probe["type"] == "rephrasing":
        assert not shares_run(probe["question"], evidence[0]["sentence"])


def test_every_probe_of_the_examples_is_right(examples):
    result, out = examples
    header, probes = read_probes(out)
    texts = texts_of(EXAMPLES)
    assert header["corpus"]["documents"] == 42 and header["corpus"]["fingerprint"] == corpus_fingerprint((d.path, d.sha256) for d in document_texts([str(EXAMPLES)])[0])
    assert len(probes) >= 300
    for probe in probes:
        check_probe(probe, texts, header)
    assert len({p["id"] for p in probes}) == len(probes)
    assert header["types"] == dict(Counter(p["type"] for p in probes)) | {t: 0 for t in TYPES if t not in header["types"]}
    assert header["guessable"] == {k: sum(p["guessable"][k] for p in probes) for k in ("options_only", "question_only")}


def test_the_examples_supply_every_type(examples):
    header = examples[0].header
    assert all(header["types"][t] > 0 for t in TYPES), header["types"]
    assert header["missing"] == {}


def test_the_spot_check_file_has_one_row_per_probe(examples):
    import csv

    result, out = examples
    rows = list(csv.DictReader(out.with_suffix(".csv").open(encoding="utf-8")))
    assert len(rows) == len(result.probes)
    assert list(rows[0]) == ["question", "options", "key", "evidence", "type"]
    assert rows[0]["key"] == key_of(result.probes[0]) and rows[0]["key"] in rows[0]["options"].split(" | ")


def test_a_small_corpus_gives_each_type_as_designed(small):
    result, corpus = small
    texts = texts_of(corpus)
    for probe in result.probes:
        check_probe(probe, texts, result.header)
    assert all(result.header["types"][t] > 0 for t in TYPES), result.header["types"]
    by_question = {p["question"]: p for p in result.probes}
    # multi-hop: Pine Two replaces the Oak One (pine-two.md); the Oak One costs 100.00 (products.csv)
    hop = by_question["What is the price eur of what Pine Two replaces?"]
    assert key_of(hop) == "100.00" and [e["document"].rsplit("/", 1)[-1] for e in hop["evidence"]] == ["pine-two.md", "products.csv"]
    # category: Pine Two is an Alder (products.csv); an Alder is the indoor monitor family (glossary.md)
    category = by_question["Going by its family, how do the documents describe Pine Two?"]
    assert key_of(category) == "the indoor monitor family"
    assert {"the outdoor station family", "the gateway family"} <= set(category["options"])
    # reversal: Quill is the only thing the glossary calls "the ticketing system"
    assert key_of(by_question["What do the documents describe as the ticketing system?"]) == "Quill"


def test_reversal_only_where_the_relation_is_one_to_one(small):
    result, corpus = small
    facts = [f for d in document_texts([str(corpus)])[0] for f in read_facts(d.path, d.text, chunk_text(d.text, "cl100k_base", 512, 64))]
    index = Index(facts)
    reversed_facts = {d.facts[0] for d in draft_questions(facts).drafts if d.type == "reversal"}
    assert reversed_facts
    for fact in reversed_facts:
        assert index.subjects_of[(fact.group, bare(fact.value))] == {bare(fact.subject)}
        assert index.values_of[(fact.group, bare(fact.subject))] == {bare(fact.value)}
    # two products are Alders and two Birches: those are never reversed (the one Cedar is)
    assert {f.value for f in reversed_facts if f.relation == "family"} == {"Cedar"}


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_key_positions(tmp_path):
    corpus = write(tmp_path / "docs", SMALL)
    build(corpus, tmp_path / "a.jsonl", seed=3)
    build(corpus, tmp_path / "b.jsonl", seed=3)
    build(corpus, tmp_path / "c.jsonl", seed=4)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    a, c = read_probes(tmp_path / "a.jsonl")[1], read_probes(tmp_path / "c.jsonl")[1]
    assert [p["answer"] for p in a] != [p["answer"] for p in c]
    assert [key_of(p) for p in a] == [key_of(p) for p in c]  # the same keys, elsewhere


def test_key_positions_are_balanced(examples):
    probes = examples[0].probes
    for n in (2, 3, 4):
        counts = Counter(p["answer"] for p in probes if len(p["options"]) == n)
        if counts:  # each run of n probes with n options puts the key once at every position
            assert max(counts.values()) - min(counts[i] for i in range(n)) <= 1, (n, counts)


def test_types_a_corpus_cannot_supply_are_named_with_counts(tmp_path):
    result = build(write(tmp_path / "docs", PROSE), tmp_path / "probes.jsonl")
    header = result.header
    # three probes: the days (each with the other two as distractors); "48 months" has no other months
    assert header["types"]["recall"] == 3 and set(header["missing"]) == {"rephrasing", "reversal", "multi-hop", "category"}
    assert header["missing"]["multi-hop"] == "no entity joins facts of two documents (0 candidates)"
    line = result.summary()
    assert "\n" not in line and "recall 3, rephrasing 0" in line and "not supplied: rephrasing:" in line
    assert (tmp_path / "probes.jsonl").exists()


def test_a_corpus_without_any_probe_is_one_error_and_no_file(tmp_path):
    corpus = write(tmp_path / "docs", {"note.md": "hello there\n"})
    with pytest.raises(AdaptcostError, match=r"no probe can be built .*candidates per type: recall 0, rephrasing 0"):
        build(corpus, tmp_path / "probes.jsonl")
    assert not (tmp_path / "probes.jsonl").exists() and not (tmp_path / "probes.csv").exists()


def test_the_question_only_baseline_answers_a_question_that_gives_its_answer_away():
    question = "Which gateway does the Relay family ship with?"
    options = ["Relay GW3", "Tern TC-1", "Stratus 400"]
    assert guess.question_only(question, options) == 0
    assert guess.flags(question, options, 0, lambda o: 1) == {"options_only": False, "question_only": True}
    assert guess.question_only(question, ["Tern TC-1", "Stratus 400"]) is None  # no option stands out
    assert guess.question_only("Which one is the Relay GW3 or GW3-X?", ["GW3 Relay", "Relay"]) == 0  # 2 shared words over 1


def test_the_options_only_baseline_answers_where_the_key_is_far_the_most_named():
    counts = {"30 days": 12, "14 days": 3, "60 days": 5}
    assert guess.options_only(list(counts), counts.get) == 0
    assert guess.flags("How long?", list(counts), 0, counts.get)["options_only"]
    assert guess.options_only(["30 days", "60 days"], {"30 days": 12, "60 days": 7}.get) is None  # under 2x: no pick
    assert guess.options_only(["a", "b"], {"a": 0, "b": 0}.get) is None


def test_planted_guessable_probes_are_flagged_in_the_file(tmp_path):
    # "Forge" is named far more often than any other thing the glossary defines: its reversal is
    # answered from the options alone
    files = dict(SMALL)
    files["forge.md"] = "# Build\n\n" + "Forge runs the pipelines.\n" * 12
    result = build(write(tmp_path / "docs", files), tmp_path / "probes.jsonl")
    planted = [p for p in result.probes if p["question"] == "What do the documents describe as the build system?"]
    assert planted and key_of(planted[0]) == "Forge" and planted[0]["guessable"]["options_only"]


def test_probes_file_reader_refuses_other_files(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"kind": "probe"}) + "\n")
    with pytest.raises(AdaptcostError, match="not a probes file"):
        read_probes(path)
    path.write_text("{not json\n")
    with pytest.raises(AdaptcostError, match=r"x.jsonl:1: malformed JSON"):
        read_probes(path)


def test_bad_chunking_is_one_error(tmp_path):
    corpus = write(tmp_path / "docs", PROSE)
    with pytest.raises(AdaptcostError, match="--chunk-overlap"):
        build_probes(BuildRequest((str(corpus),), tmp_path / "p.jsonl", chunk_tokens=64, chunk_overlap=64))


def test_an_output_that_the_spot_check_file_would_overwrite_is_refused(tmp_path):
    corpus = write(tmp_path / "docs", PROSE)
    with pytest.raises(AdaptcostError, match="name the probes.jsonl"):
        build(corpus, tmp_path / "probes.CSV")
    assert not (tmp_path / "probes.CSV").exists()


def test_document_texts_are_the_texts_profile_corpus_counts():
    from adaptcost.corpus.discover import profile_corpus

    texts, skipped = document_texts([str(EXAMPLES)])
    profile = profile_corpus([str(EXAMPLES)], ["cl100k_base"])
    assert [(d.path, d.sha256, len(d.text)) for d in texts] == [(d.path, d.sha256, d.chars) for d in profile.documents]
    assert skipped == profile.skipped


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["Alder", "Birch", "Cedar", "Quill", "Forge", "Tern"]),
                          st.sampled_from(["replaces", "requires", "uses", "is"]),
                          st.sampled_from(["the Oak One", "the Pine Two", "a ticketing system", "the Elm Three"]),
                          st.integers(1, 99), st.sampled_from(["days", "hours", "%", "km"])),
                min_size=3, max_size=12), st.integers(0, 3))
def test_any_small_corpus_keeps_the_invariants(tmp_path, rows, seed):
    # sentences of the readers' shapes, in two documents: every probe keeps the invariants
    lines = [f"The {s} {v} {o}. It runs within {n} {u}." for s, v, o, n, u in rows]
    folder = tmp_path / f"h{abs(hash((tuple(rows), seed)))}"
    corpus = write(folder / "docs", {"a.md": "\n".join(lines[::2]) + "\n", "b.md": "\n".join(lines[1::2]) + "\n"})
    try:
        result = build(corpus, folder / "p.jsonl", seed=seed)
    except AdaptcostError as exc:  # too uniform for any probe: one line, no file
        assert "no probe can be built" in str(exc) and not (folder / "p.jsonl").exists()
        return
    texts = texts_of(corpus)
    for probe in result.probes:
        check_probe(probe, texts, result.header)


def test_cli_probe_build(tmp_path):
    from typer.testing import CliRunner

    from adaptcost.cli.app import app

    corpus = write(tmp_path / "docs", SMALL)
    out = tmp_path / "probes.jsonl"
    result = CliRunner().invoke(app, ["probe", "build", "--corpus", str(corpus), "--output", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "reading facts: 3/3" in result.output  # progress lines off a terminal
    assert f"wrote {out}" in result.output and out.with_suffix(".csv").exists()
    header, probes = read_probes(out)
    assert header["seed"] == 2 and f"{len(probes)} probes (recall " in result.output
    empty = write(tmp_path / "empty", {"note.md": "hello there\n"})
    failed = CliRunner().invoke(app, ["probe", "build", "--corpus", str(empty), "--output", str(tmp_path / "none.jsonl")])
    assert failed.exit_code == 1 and "error: no probe can be built" in failed.output and "Traceback" not in failed.output
    assert not (tmp_path / "none.jsonl").exists()


def test_relations_about_pronouns_are_not_asked(tmp_path):
    # "You are not in the Keyring group" names nothing: no probe asks "How do the documents describe You?"
    from adaptcost.evalkit.probes.facts import read_facts

    text = "You are not in the Keyring group. They are numbered. Payslips are in Hearth."
    subjects = {f.subject for f in read_facts("doc.md", text, [])}
    assert "Payslips" in subjects and not subjects & {"You", "They"}


def test_the_spot_check_csv_is_inert_in_a_spreadsheet():
    # a key or an evidence sentence from the corpus that starts with "=" or "-" must not become a
    # formula: the one CSV writer (outputs.tables) quotes it (OWASP's rule)
    from adaptcost.evalkit.probes.probefile import spot_check_csv

    probe = {"question": "Fill in the blank: the offset is ____.", "options": ["-5 °C", "=1+1"], "answer": 1,
             "evidence": [{"sentence": "=1+1 is the offset."}], "type": "recall"}
    row = spot_check_csv([probe]).splitlines()[1]
    assert row.startswith("Fill in the blank") and ",'=1+1,'=1+1 is the offset.,recall" in row
