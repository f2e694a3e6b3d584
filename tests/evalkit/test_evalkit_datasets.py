"""The eval harness's dataset generators (Lampinen et al. 2025, arXiv 2505.00661).

Each dataset gets an independent checker that re-derives every item's answer from the dataset's
`facts` (and documents) and compares it with `item.answer`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.corpus.encodings import get_counter
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.datasets import paper as ds
from adaptcost.evalkit.datasets.words import is_well_formed, nonsense_words
from adaptcost.evalkit.stats.support import CLAIM_BAR


@pytest.fixture(scope="module")
def quick():
    return {name: ds.generate(name, 0, "quick") for name in ds.DATASETS}


@pytest.fixture(scope="module")
def sem_default():
    # larger than the default profile's (12 categories, 18 pages), so that every page format and
    # the hard-distractor rule are exercised in a deep hierarchy
    return ds.semantic(3, n_categories=40, n_docs=400, items_per_split=50)


def all_sets(quick, sem_default):
    return list(quick.values()) + [sem_default, ds.generate("semantic", 3, "default"), ds.generate("reversal", 5, "default")]


# ---------------------------------------------------------------- generic properties


def test_seeds_reproduce(quick):
    for name in ds.DATASETS:
        assert ds.generate(name, 0, "quick").fingerprint() == quick[name].fingerprint()
        assert ds.generate(name, 1, "quick").fingerprint() != quick[name].fingerprint()


def test_independent_of_hash_seed(quick):
    code = ("from adaptcost.evalkit.datasets import paper as ds; import json; "
            "print(json.dumps({n: ds.generate(n, 0, 'quick').fingerprint() for n in ds.DATASETS}))")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {n: d.fingerprint() for n, d in quick.items()}


def test_items_well_formed(quick, sem_default):
    for data in all_sets(quick, sem_default):
        ids = [it.id for it in data.items]
        assert len(ids) == len(set(ids))
        assert len({d.id for d in data.docs}) == len(data.docs)
        for it in data.items:
            assert it.split in ds.SPLITS and it.form in ds.FORMS
            assert len(it.options) >= 2 and len(set(it.options)) == len(it.options)
            assert 0 <= it.answer < len(it.options)
            assert it.fact_ids and set(it.fact_ids) <= set(data.facts)
            assert it.rule
            for opt in it.options:
                assert opt.startswith(" ") and not it.prompt.endswith(" ")
                assert opt.strip() not in it.prompt
            if it.form == "question":
                assert it.prompt.startswith("Question: ") and "\nAnswer:" in it.prompt
        assert set(data.oracle_local) == set(data.oracle_global) == {d.id for d in data.docs}


def test_answers_not_positionally_biased(sem_default):
    data = ds.generate("reversal", 5, "default")
    for d in (data, sem_default, ds.generate("syllogism", 2, "paper")):
        firsts = sum(it.answer == 0 for it in d.items) / len(d.items)
        assert 0.15 < firsts < 0.7


def test_facts_stated_in_docs(quick, sem_default):
    for data in all_sets(quick, sem_default):
        in_docs = {f for d in data.docs for f in d.fact_ids}
        assert in_docs == set(data.facts)
        for it in data.items:
            assert set(it.fact_ids) <= in_docs
        for d in data.docs:
            for f in d.fact_ids:  # the fact's nonsense words are in the document's text
                words = [w for w in re.findall(r"[a-z]+", data.facts[f]) if w in data.vocabulary]
                assert words and all(w in d.text.lower() for w in words), (d.id, f)  # title: Capitalised


def test_vocabulary_not_single_tokens(quick, sem_default):
    counters = [get_counter("o200k_base"), get_counter("cl100k_base")]
    for data in all_sets(quick, sem_default):
        assert len(set(data.vocabulary)) == len(data.vocabulary)
        for w in data.vocabulary:
            assert is_well_formed(w) and 4 <= len(w) <= 5
            for form in (w, " " + w, w.capitalize(), " " + w.capitalize()):
                assert all(len(c.encode(form)) > 1 for c in counters), form


def test_quick_profile_small(quick):
    assert len(quick["reversal"].docs) <= 100 and len(quick["syllogism"].docs) <= 20
    assert len(quick["semantic"].docs) <= 40
    for data in quick.values():
        assert len(data.items) <= 600  # quick spends its minutes on items (n), not on sweeps
        assert sum(len(s) for s in data.sentences()) < 20_000  # characters of training text


def test_unknown_names():
    with pytest.raises(AdaptcostError, match="did you mean reversal"):
        ds.generate("revrsal", 0)
    with pytest.raises(AdaptcostError, match="did you mean quick"):
        ds.generate("reversal", 0, "quik")
    with pytest.raises(AdaptcostError):
        ds.reversal(0, n_facts=0)
    with pytest.raises(AdaptcostError):
        ds.semantic(0, n_categories=20, n_docs=10)


# ---------------------------------------------------------------- nonsense words


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 40))
def test_nonsense_words(seed, n):
    words = nonsense_words(n, random.Random(seed), forbid={"glon"})
    assert words == nonsense_words(n, random.Random(seed), forbid={"glon"})
    assert len(set(words)) == n and "glon" not in words
    assert all(is_well_formed(w) and not re.search(r"[^aeiou]{3}", w) for w in words)


# ---------------------------------------------------------------- reversal checker


@pytest.mark.parametrize("name", ds.DATASETS)
def test_trained_form_recall_is_a_training_sentence(quick, name):
    """A recall item of the trained form asks the fact in the words a fine-tuned arm trained on:
    its prompt and answer make one training sentence, from its start (a fact after a lead-in,
    "Researchers report that femp are ...", is asked with that lead-in, not from a bare "femp are",
    which the model never saw begin a sentence)."""
    from adaptcost.evalkit.scoring.runner import sentences_of

    for data in (quick[name], ds.generate(name, 1, "default")):
        sentences = set(sentences_of(data.docs))
        recall = [it for it in data.items if it.split == "recall" and it.form == "trained"]
        assert recall
        for it in recall:
            assert it.prompt + it.options[it.answer] in sentences, it.id
            # and no distractor is a training sentence
            assert not any(it.prompt + o in sentences for k, o in enumerate(it.options) if k != it.answer), it.id

_COMPARISON = re.compile(r"^(\w+) are (.+) than (\w+)\.$")


def test_reversal_answers(quick):
    opposite = {}
    for more, less, _ in ds.FEATURES:
        opposite[more], opposite[less] = less, more
    for data in (quick["reversal"], ds.generate("reversal", 5, "default")):
        splits = {it.split for it in data.items}
        assert splits == {"recall", "reversal"}
        for it in data.items:
            (fid,) = it.fact_ids
            a, rel, b = _COMPARISON.match(data.facts[fid]).groups()
            subject = it.prompt.split()[-2]
            assert it.prompt.endswith(f"{subject} are")
            if it.split == "recall":
                assert subject == a
                want = f" {rel} than {b}" + (it.options[it.answer][-1] if it.form == "trained" else ".")
            else:
                assert subject == b
                want = f" {opposite[rel]} than {a}."
            assert it.options[it.answer] == want
            # the other option is the contradictory relation between the same entities
            (other,) = [o for o in it.options if o != want]
            assert other.split(" than ")[1] == want.split(" than ")[1]
        # every fact in docs_per_fact documents, never reversed there
        for fid, fact in data.facts.items():
            a, rel, b = _COMPARISON.match(fact).groups()
            docs = [d for d in data.docs if fid in d.fact_ids]
            assert len(docs) == data.settings["docs_per_fact"]
            assert all(fact[:-1] in d.text for d in docs)
            assert not any(f"{b} are" in d.text for d in data.docs)


# ---------------------------------------------------------------- syllogism checker

_STATEMENT = re.compile(r"^(All|Some|No) (\w+) are (\w+)\.$")


def _parse(text: str) -> tuple[str, str, str]:
    q, x, y = _STATEMENT.match(text.strip()).groups()
    return q.lower(), x, y


def _true(stmt, sets) -> bool:
    q, x, y = stmt
    if q == "all":
        return sets[x] <= sets[y]
    if q == "some":
        return bool(sets[x] & sets[y])
    return not sets[x] & sets[y]


def _valid(premises, conclusion) -> bool:
    """Brute force over every assignment of 3-element-universe subsets (enough for a
    counterexample: at most 3 existential witnesses are ever needed)."""
    terms = sorted({t for _, x, y in premises for t in (x, y)} | {conclusion[1], conclusion[2]})
    subsets = [frozenset(i for i in range(3) if mask >> i & 1) for mask in range(8)]
    for combo in product(subsets, repeat=len(terms)):
        sets = dict(zip(terms, combo))
        if all(_true(p, sets) for p in premises) and not _true(conclusion, sets):
            return False
    return True


def test_syllogism_answers(quick):
    for data in (quick["syllogism"], ds.generate("syllogism", 2, "default")):
        quantifiers = set()
        for it in data.items:
            premises = [_parse(data.facts[f]) for f in it.fact_ids]
            stem = it.prompt.splitlines()[-1].replace("Answer: ", "")  # "All glon are"
            valid = [i for i, o in enumerate(it.options) if _valid(premises, _parse(stem + o))]
            assert valid == [it.answer], (it.id, premises, it.options)
            if it.split == "syllogism":
                quantifiers.add(_parse(stem + it.options[it.answer])[0])
            else:  # recall: the completion of one premise, stated word for word
                assert it.split == "recall" and len(premises) == 1
                assert _parse(stem + it.options[it.answer]) == premises[0]
            terms = {w for p in premises for w in p[1:]}
            subject = _parse(stem + it.options[0])[1]
            assert subject in terms and it.options[it.answer].strip(" .") in terms
            # the distractors are same-role terms of other syllogisms of the same document
            assert not any(o.strip(" .") in terms for k, o in enumerate(it.options) if k != it.answer)
            doc = next(d for d in data.docs if set(it.fact_ids) <= set(d.fact_ids))
            assert all(data.facts[f] in doc.text for f in it.fact_ids)
            assert all(re.search(rf"\b{o.strip(' .')}\b", doc.text) for o in it.options)
            assert len({len(o) for o in it.options}) == 1  # as long as each other
        assert quantifiers <= {"all", "some", "no"}
        if len(data.docs) >= 3:  # the documents' conclusion quantifiers cycle through all three
            assert quantifiers == {"all", "some", "no"}
        # one mood per document: every syllogism of it has the same premise quantifiers
        for doc in data.docs:
            moods = {tuple(_parse(data.facts[f"{sid}.{k}"])[0] for k in (1, 2))
                     for sid in sorted({f.split(".")[0] for f in doc.fact_ids})}
            assert len(moods) == 1, doc.id


def test_syllogism_recall_items(quick):
    data = ds.generate("syllogism", 0, "default")
    recall = [i for i in data.items if i.split == "recall"]
    assert len(recall) == 2 * data.settings["n_pairs"]  # one premise a syllogism, both forms
    assert {i.form for i in recall} == set(ds.FORMS)


# ---------------------------------------------------------------- semantic checker


class World:
    """The closed world re-derived from the canonical fact statements alone."""

    def __init__(self, facts: dict[str, str]):
        self.parent, self.props, self.rels = {}, {}, set()
        self.cats, self.verbs = set(), {}
        for text in facts.values():
            if m := re.match(r"^(\w+) are a kind of (\w+)\.$", text):
                self.parent[m[1]] = m[2]
                self.cats |= {m[1], m[2]}
            elif m := re.match(r"^(\w+) are (\w+)\.$", text):
                self.props.setdefault(m[1], set()).add(m[2])
                self.cats.add(m[1])
            else:
                x, v, y = re.match(r"^(\w+) (\w+) (\w+)\.$", text).groups()
                self.rels.add((x, v, y))
                self.cats |= {x, y}
                self.verbs[v] = v
                self.verbs[v + ("d" if v.endswith("e") else "ed")] = v
        self.all_props = {p for ps in self.props.values() for p in ps}

    def ancestors(self, c):
        out = []
        while c in self.parent:
            c = self.parent[c]
            out.append(c)
        return out

    def true_props(self, c):
        return {p for d in [c, *self.ancestors(c)] for p in self.props.get(d, ())}

    def parse(self, text: str):
        """A completed statement -> ('isa', x, y) | ('prop', x, p) | ('rel', x, v, y)."""
        words = re.findall(r"[A-Za-z]+", text)
        known = [w for w in words if w in self.cats or w in self.all_props or w in self.verbs]
        if len(known) == 2 and known[1] in self.all_props:
            return ("prop", known[0], known[1])
        if len(known) == 2:
            if "include" in words:
                return ("isa", known[1], known[0])
            return ("isa", known[0], known[1])
        a, verb, b = known
        v = self.verbs[verb]
        if verb != v:  # passive: "b are zorped by a" said object-first
            return ("rel", b, v, a)
        return ("rel", a, v, b)

    def holds(self, stmt) -> bool:
        if stmt[0] == "prop":
            return stmt[2] in self.true_props(stmt[1])
        if stmt[0] == "isa":
            return stmt[2] in self.ancestors(stmt[1])
        return stmt[1:] in self.rels


def _completion(it, option: str) -> str:
    return it.prompt.split("\nAnswer: ")[-1] + option


def test_semantic_answers(quick, sem_default):
    for data in (quick["semantic"], sem_default, ds.generate("semantic", 3, "default")):
        world = World(data.facts)
        doc_text = "\n".join(d.text for d in data.docs)
        sentences = data.sentences()
        # a small world may lack items whose distractors can be frequency-matched (reversals)
        assert {it.split for it in data.items} == set(ds.SPLITS) or data is not sem_default
        assert {(it.split, it.form) for it in data.items} <= set(product(ds.SPLITS, ds.FORMS))
        for it in data.items:
            stmts = [world.parse(_completion(it, o)) for o in it.options]
            truth = [world.holds(s) for s in stmts]
            assert truth.index(True) == it.answer and sum(truth) == 1, (it.id, stmts, truth)
            good = stmts[it.answer]
            canonical = {"isa": "{1} are a kind of {2}.", "prop": "{1} are {2}.", "rel": "{1} {2} {3}."}
            stated = canonical[good[0]].format(*good) in data.facts.values()
            if it.split in ("recall", "rephrasing", "reversal"):
                assert stated, it.id
                (fid,) = it.fact_ids
                assert data.facts[fid] == canonical[good[0]].format(*good)
            else:  # an inference: derivable, never stated
                assert not stated, it.id
                x, target = good[1], good[2]
                assert not any(re.search(rf"\b{x}\b", s) and re.search(rf"\b{target}\b", s) for s in sentences)
            # hard distractors: each stands in the relation to some other entity (a world of
            # fewer than 12 categories, the quick profile's, may have no other parent category
            # for a kind-of item: the generator then falls back to any category)
            for i, s in enumerate(stmts):
                if i == it.answer or (s[0] == "isa" and data.settings["n_categories"] < 12):
                    continue
                if s[0] == "prop":
                    assert s[2] in world.all_props
                elif s[0] == "rel":
                    assert any(r[1] == s[2] and (r[0] == s[1] or r[2] == s[3]) for r in world.rels)
                else:
                    kinds = set(world.parent.values()) if "include" not in it.prompt else set(world.parent)
                    assert (s[2] if "include" not in it.prompt else s[1]) in kinds
            completion = _completion(it, it.options[it.answer])
            if it.form == "trained" and it.split == "recall":
                assert completion in doc_text, it.id
            if it.form == "trained" and it.split == "rephrasing":
                assert not re.search(rf"(?<![\w]){re.escape(completion)}", doc_text), it.id
            if it.split == "reversal":
                # never stated object-first: no sentence names the answer after the prompt entity
                x, y = (good[1], good[3]) if good[0] == "rel" else (good[1], good[2])
                for s in sentences:
                    if re.search(rf"\b{y}\b.*\b{x}\b", s):  # object (or parent) named first
                        assert good[0] == "rel", s
                        v = good[2]
                        passive = v + ("d" if v.endswith("e") else "ed")
                        assert not re.search(rf"\b{y}\b.*\b{passive}\b.*\b{x}\b", s), s
                assert not re.search(rf"\b{y}\b[^\n]*\bby: {x}\b", doc_text)
            if it.split == "category":  # holdouts: their pages give only the parent
                holdout = good[1]
                assert {f for d in data.docs for f in d.fact_ids if holdout in d.fact_ids[0]} <= {f"isa:{holdout}"}
                assert all(f.startswith("isa:") or f.startswith("prop:") for f in it.fact_ids)


def test_semantic_docs_shape(quick, sem_default):
    for data in (quick["semantic"], sem_default):
        for d in data.docs:
            n = len(ds.split_sentences(d.text))
            assert 4 <= n <= 20, (d.id, n)
    starts = {d.text.split("\n")[1][:2] for d in sem_default.docs}
    assert {"Ke", "Q:"} <= starts  # bullets and Q&A formats present
    assert any("Trait: " in d.text for d in sem_default.docs)  # table-like format
    assert len(sem_default.docs) == sem_default.settings["n_docs"]


# ---------------------------------------------------------------- semantic: generation pinned

# sha256 of a canonical JSON dump of semantic(seed=0) -- every field of the Dataset: documents,
# items, facts, both oracles, vocabulary, oracle keys, held-out keys (see _canonical_sha256) --
# recomputed for issue 19's generator (twin copies of the world, joined by their relations), e.g. for "small":
#   PYTHONPATH=src python -c 'import dataclasses, hashlib, json; from adaptcost.evalkit.datasets import paper as ds;
#     d = dataclasses.asdict(ds.semantic(0, **ds.PROFILES["default"]["semantic"]));
#     blob = json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":"));
#     print(hashlib.sha256(blob.encode("utf-8")).hexdigest())'
# Any change to what is generated (a draw added, removed or reordered; a template, filler or rule changed) changes
# them: update them only on purpose, saying why in the commit.
SEMANTIC_SHA256 = {
    # the default profile's size (4 copies of 5 categories, 20 pages; issue 19: twin distractors
    # matched in every arm's texts, held-out keys drawn before the items, positions balanced)
    "small": (dict(ds.PROFILES["default"]["semantic"]),
              "04ebfcc133cfc311728705c9342851d7df90c6e9f724443bf43120898cd7c845"),
    # every page format, a deep hierarchy, capped splits (the sem_default fixture's size at seed 0)
    "medium": ({"n_categories": 40, "n_docs": 400, "items_per_split": 50},
               "5f6975f4baac3639a7f4b917eaa41b5f13c588d722ae560aa46416a6f31c05f5"),
    # the default arguments: the paper's sizes (108 categories, 2,160 documents), every item (~2 s)
    "default": ({}, "45466c189c2a5f60f7cf65fc1d36cbc24a393a1b31fc8c4074c02ad4836f6eec"),
}


def _canonical_sha256(data: ds.Dataset) -> str:
    """Independent of Dataset.fingerprint (which a cache may change): the whole dataclass, as
    sorted-key compact JSON, UTF-8."""
    blob = json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("size", sorted(SEMANTIC_SHA256))
def test_semantic_generation_pinned(size):
    kwargs, digest = SEMANTIC_SHA256[size]
    assert _canonical_sha256(ds.semantic(0, **kwargs)) == digest


# ---------------------------------------------------------------- support for claims (issue 19)


def test_split_support_default_carries_claims():
    # every split of every dataset, pooled over the default profile's 3 seeds: >= 40 items per
    # form from 3 seeds in >= 10 clusters; the quick profile (one seed) cannot carry any
    support = ds.split_support("default", (0, 1, 2))
    assert set(support) == set(ds.DATASETS)
    assert set(support["semantic"]) == set(ds.SPLITS)
    assert set(support["syllogism"]) == {"recall", "syllogism"}
    for name, splits in support.items():
        for split, row in splits.items():
            assert row["claim"], (name, split, row["why_not"])
            assert min(row["items"].values()) >= CLAIM_BAR.items and row["seeds"] == [0, 1, 2]
            assert row["clusters"] >= CLAIM_BAR.clusters
    quick = ds.split_support("quick", (0,))
    assert not any(row["claim"] for splits in quick.values() for row in splits.values())
    assert "from 1 dataset seed," in quick["reversal"]["recall"]["why_not"]


def test_unmatched_items_are_dropped_and_counted():
    # a candidate set that cannot match the answer's co-occurrence is never used as a fallback:
    # the item is dropped and the reason counted
    texts = ["gruds blik", "vosk", "trum", "plenk"]  # blik (the answer) shares a text with gruds, no distractor does
    corpora = {arm: ds._Cues(texts) for arm in ds.ARM_TEXTS}
    match = ds._Matcher(corpora, {arm: set() for arm in ds.ARM_TEXTS}, set())
    ranked = ["vosk", "trum", "plenk"]
    assert match.pick(random.Random(0), "syllogism", "syllogism:gruds:blik", "blik", ["gruds"], ranked) == []
    assert match.dropped == {"syllogism": {"co-occurrence unmatched": 1}}
    # where the arm's texts state the proposition (a recall item), co-occurrence is no cue: matched
    tied = match.pick(random.Random(0), "recall", "recall:x", "blik", ["gruds"], ranked)
    assert sorted(tied) == ["plenk", "trum", "vosk"]  # every one occurs once, like the answer
    # frequency: one distractor above the answer in one arm's texts and tied in another -> unusable
    corpora["finetune+global (covers)"] = ds._Cues(texts + ["trum"])
    match = ds._Matcher(corpora, {arm: set() for arm in ds.ARM_TEXTS}, set())
    assert match.pick(random.Random(0), "recall", "recall:x", "blik", ["gruds"], ranked) == []
    assert match.dropped == {"recall": {"frequency unmatched": 1}}


def test_reversal_directions_balanced():
    # facts come in pairs on one feature, one in each direction: every comparative is as frequent
    # as its antonym in the documents
    data = ds.generate("reversal", 1, "default")
    counts: dict[str, int] = {}
    for fact in data.facts.values():
        rel = _COMPARISON.match(fact).group(2)
        counts[rel] = counts.get(rel, 0) + 1
    for more, less, _ in ds.FEATURES:
        assert counts.get(more, 0) == counts.get(less, 0)
    with pytest.raises(AdaptcostError, match="even"):
        ds.reversal(0, n_facts=5)


def test_semantic_copies_form_one_world():
    # the 4 copies are joined by their relations (subject in copy t, object in copy t + 1): no copy
    # is an island whose words co-occur only among themselves, so "the option from the entity's
    # own copy" is no cue; every category and property word is in one co-occurrence component
    for seed in (0, 1, 2):
        data = ds.generate("semantic", seed, "default")
        assert data.settings["n_relations"] >= ds.TWINS
        vocab = set(data.vocabulary[data.settings["n_verbs"]:])  # categories and properties (verbs come first)
        parent = {w: w for w in vocab}

        def root(w):
            while parent[w] != w:
                parent[w] = parent[parent[w]]
                w = parent[w]
            return w

        for doc in data.docs:
            found = [w for w in re.findall(r"[a-z]+", doc.text.lower()) if w in vocab]
            for w in found[1:]:
                parent[root(w)] = root(found[0])
        assert len({root(w) for w in vocab}) == 1, seed
