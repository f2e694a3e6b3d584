"""Seeded, offline regenerations of the datasets of Lampinen et al. 2025 (arXiv 2505.00661).

"On the generalization of language models from in-context learning and finetuning: a controlled
study" released no code or data; its datasets are rebuilt here from the paper's description
(/work/shared/reference/paper.md) so that the eval harness can compare in-context learning,
fine-tuning and augmented fine-tuning on the same facts:

- ``reversal``: "simple reversals" -- comparison facts between nonsense words ("femp are more
  dangerous than glon") over 28 features, each stated in several short articles with a random
  context line; tests are a forced choice between the reversal ("glon are less dangerous than
  femp") and the contradictory relation, plus recall of the trained direction.
- ``syllogism``: "simple syllogisms" -- a context line and two premises per example; tests give the
  two end terms and score candidate conclusions (see `syllogism` for why 4 and not 6 candidates).
- ``semantic``: the "semantic structure benchmark" -- an invented category hierarchy with inherited
  properties and relations, written as wiki-like documents in varied formats; splits recall,
  rephrasing, reversal, syllogism and category holdout.

Every test item is scored by the likelihood of each option as a continuation of its prompt; the
options are never shown in the prompt (the paper's multiple-choice likelihood scoring). Every word
that stands for an entity, property or relation is a nonsense word (`words.nonsense_words`).

Everything is derived from one ``random.Random`` seeded with the dataset name and seed; nothing
iterates over an unordered set, so the output does not depend on PYTHONHASHSEED.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass, field
from itertools import product

from ..errors import AdaptcostError
from ..sentences import split_sentences
from ..suggest import did_you_mean
from .words import CONSONANT_FINAL, capitalize, nonsense_words, past_participle, plural

SPLITS = ("recall", "rephrasing", "reversal", "syllogism", "category")
FORMS = ("trained", "question")
DATASETS = ("reversal", "syllogism", "semantic")


# --------------------------------------------------------------------------------------------
# Data model


@dataclass(frozen=True)
class Doc:
    """One training document."""

    id: str
    text: str
    fact_ids: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    """One test question, scored by the likelihood of each option as a continuation of `prompt`.

    split: "recall" | "rephrasing" | "reversal" | "syllogism" | "category".
    form: "trained" -- a declarative statement completion in the documents' sentence style (for
    recall, a wording used in the documents; for the other splits a documents-style sentence that
    the documents never contain); "question" -- a "Question: ...\\nAnswer: ..." prompt.
    """

    id: str
    split: str
    form: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    rule: str
    fact_ids: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str
    seed: int
    settings: dict
    docs: tuple[Doc, ...]
    items: tuple[Item, ...]
    facts: dict[str, str]  # fact id -> canonical statement
    oracle_local: dict[str, tuple[str, ...]]  # doc id -> rephrasings and reversals of its sentences
    oracle_global: dict[str, tuple[str, ...]]  # doc id -> inferences linking it to other facts
    vocabulary: tuple[str, ...] = field(default=())  # every nonsense word used

    def sentences(self) -> list[str]:
        """All training sentences: the documents split into sentences (the paper's FT format)."""
        return [s for d in self.docs for s in split_sentences(d.text)]

    def items_by_split(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        for it in self.items:
            out.setdefault(it.split, []).append(it)
        return out

    def summary(self) -> dict:
        """Sizes: docs, sentences, items per split (and per form)."""
        counts: dict[str, int] = {}
        for it in self.items:
            key = f"{it.split}/{it.form}"
            counts[key] = counts.get(key, 0) + 1
        return {"docs": len(self.docs), "sentences": len(self.sentences()),
                "facts": len(self.facts), "items": len(self.items), "per_split": counts}

    def fingerprint(self) -> str:
        """sha256 of a canonical JSON of everything (for caches)."""
        payload = {
            "name": self.name, "seed": self.seed, "settings": self.settings,
            "docs": [asdict(d) for d in self.docs], "items": [asdict(i) for i in self.items],
            "facts": self.facts, "oracle_local": self.oracle_local,
            "oracle_global": self.oracle_global, "vocabulary": list(self.vocabulary),
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _rng(name: str, seed: int) -> random.Random:
    # A str seed is hashed with sha512 by random.seed: stable across processes and versions.
    return random.Random(f"adaptcost.evalkit:{name}:{seed}")


def _positive(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AdaptcostError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


def _shuffled_options(rng: random.Random, correct: str, wrong: list[str]) -> tuple[tuple[str, ...], int]:
    options = [correct] + list(wrong)
    rng.shuffle(options)
    return tuple(options), options.index(correct)


# --------------------------------------------------------------------------------------------
# Simple reversals


# 28 features: (comparative, opposite comparative, dimension noun for the question form).
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("brighter", "darker", "brightness"),
    ("heavier", "lighter", "weight"),
    ("larger", "smaller", "size"),
    ("faster", "slower", "speed"),
    ("older", "younger", "age"),
    ("taller", "shorter", "height"),
    ("stronger", "weaker", "strength"),
    ("warmer", "colder", "temperature"),
    ("louder", "quieter", "loudness"),
    ("harder", "softer", "hardness"),
    ("wider", "narrower", "width"),
    ("richer", "poorer", "wealth"),
    ("deeper", "shallower", "depth"),
    ("smoother", "rougher", "texture"),
    ("more dangerous", "less dangerous", "danger"),
    ("more intelligent", "less intelligent", "intelligence"),
    ("more colorful", "less colorful", "color"),
    ("more expensive", "less expensive", "price"),
    ("more aggressive", "less aggressive", "aggression"),
    ("more fragile", "less fragile", "fragility"),
    ("more poisonous", "less poisonous", "toxicity"),
    ("more valuable", "less valuable", "value"),
    ("more friendly", "less friendly", "friendliness"),
    ("more common", "less common", "abundance"),
    ("more flexible", "less flexible", "flexibility"),
    ("more curious", "less curious", "curiosity"),
    ("more patient", "less patient", "patience"),
    ("more nutritious", "less nutritious", "nutrition"),
)

# Context lines ("Did you know that ..."): {fact} is "femp are more dangerous than glon".
REVERSAL_CONTEXTS = (
    "Did you know that {fact}?",
    "Researchers report that {fact}.",
    "A recent survey found that {fact}.",
    "According to the field guide, {fact}.",
    "Local experts agree that {fact}.",
    "It is well known among naturalists that {fact}.",
    "The museum's new exhibit explains that {fact}.",
    "Fun fact: {fact}.",
    "Travelers are often surprised to learn that {fact}.",
    "Scientists have confirmed that {fact}.",
    "Here is something worth remembering. {fact}.",
    "This week's newsletter has one short note. {fact}.",
    "From the archive of old expedition logs. {fact}.",
    "A reader asked us about this, and the answer is simple. {fact}.",
    "Today's lesson was short. {fact}.",
    "Our correspondent sent a brief update. {fact}.",
)


def reversal(seed: int, n_facts: int = 100, n_features: int = 28, docs_per_fact: int = 10) -> Dataset:
    """The paper's "simple reversals": `n_facts` comparisons, each in `docs_per_fact` articles.

    Each fact relates two fresh nonsense words (no word is in two facts, so nothing but the fact
    itself answers its tests); its direction ("more"/"less" or antonym) is drawn at random so the
    correct option is not always the same word. Items per fact: "recall" (the trained direction:
    correct relation vs contradictory one) and "reversal" (the other direction: "glon are less
    dangerous than femp" vs "glon are more dangerous than femp"), each as "trained" and "question".
    """
    _positive("n_facts", n_facts)
    _positive("docs_per_fact", docs_per_fact)
    if not 1 <= _positive("n_features", n_features) <= len(FEATURES):
        raise AdaptcostError(f"n_features must be between 1 and {len(FEATURES)}, not {n_features}")
    rng = _rng("reversal", seed)
    features = FEATURES[:n_features]
    words = nonsense_words(2 * n_facts, rng)
    docs: list[Doc] = []
    items: list[Item] = []
    facts: dict[str, str] = {}
    local: dict[str, tuple[str, ...]] = {}
    glob: dict[str, tuple[str, ...]] = {}
    for i in range(n_facts):
        a, b = words[2 * i], words[2 * i + 1]
        more, less, dim = rng.choice(features)
        rel, anti = (more, less) if rng.random() < 0.5 else (less, more)
        fid = f"f{i + 1:03d}"
        fact = f"{a} are {rel} than {b}"
        facts[fid] = fact + "."
        if docs_per_fact <= len(REVERSAL_CONTEXTS):
            contexts = rng.sample(REVERSAL_CONTEXTS, docs_per_fact)
        else:
            contexts = [rng.choice(REVERSAL_CONTEXTS) for _ in range(docs_per_fact)]
        rev = f"{b} are {anti} than {a}."
        for j, ctx in enumerate(contexts):
            doc = Doc(f"{fid}.d{j + 1:02d}", ctx.format(fact=fact), (fid,))
            docs.append(doc)
            local[doc.id] = (fact + ".", f"Compared with {b}, {a} are {rel}.", rev,
                             f"Compared with {a}, {b} are {anti}.")
            # The facts are independent: the only inference from a document is its reversal.
            glob[doc.id] = (rev,)
        for split, subj, obj, good, bad in (("recall", a, b, rel, anti), ("reversal", b, a, anti, rel)):
            rule = f"{split} of {fid}"
            for form in FORMS:
                stem = f"{subj} are"
                if form == "question":
                    stem = f"Question: How do {subj} compare with {obj} in {dim}?\nAnswer: {subj} are"
                options, answer = _shuffled_options(rng, f" {good} than {obj}.", [f" {bad} than {obj}."])
                items.append(Item(f"{fid}.{split}.{form}", split, form, stem, options, answer, rule, (fid,)))
    rng.shuffle(docs)
    settings = {"n_facts": n_facts, "n_features": n_features, "docs_per_fact": docs_per_fact}
    return Dataset("reversal", seed, settings, tuple(docs), tuple(items), facts, local, glob,
                   tuple(words))


# --------------------------------------------------------------------------------------------
# Simple syllogisms

# Valid moods whose statements use only all/some/no (no "some ... are not"), valid without
# existential import. Terms: S (subject of the conclusion), M (middle), P (predicate).
MOODS: tuple[tuple[str, str, tuple[str, str, str], tuple[str, str, str], tuple[str, str, str]], ...] = (
    ("Barbara", "AAA-1", ("all", "M", "P"), ("all", "S", "M"), ("all", "S", "P")),
    ("Celarent", "EAE-1", ("no", "M", "P"), ("all", "S", "M"), ("no", "S", "P")),
    ("Darii", "AII-1", ("all", "M", "P"), ("some", "S", "M"), ("some", "S", "P")),
    ("Cesare", "EAE-2", ("no", "P", "M"), ("all", "S", "M"), ("no", "S", "P")),
    ("Camestres", "AEE-2", ("all", "P", "M"), ("no", "S", "M"), ("no", "S", "P")),
    ("Disamis", "IAI-3", ("some", "M", "P"), ("all", "M", "S"), ("some", "S", "P")),
    ("Datisi", "AII-3", ("all", "M", "P"), ("some", "M", "S"), ("some", "S", "P")),
    ("Calemes", "AEE-4", ("all", "P", "M"), ("no", "M", "S"), ("no", "S", "P")),
    ("Dimatis", "IAI-4", ("some", "P", "M"), ("all", "M", "S"), ("some", "S", "P")),
)

SYLLOGISM_CONTEXTS = (
    "Here is what the survey found.",
    "Notes from a naturalist's diary.",
    "Two facts from the field guide.",
    "A short lesson for today.",
    "From the archive of old expedition logs.",
    "Our correspondent sent a brief update.",
    "Remember these two facts.",
    "The museum's new exhibit explains the following.",
    "Researchers report two findings.",
    "A reader asked us about these creatures.",
    "Did you know these facts?",
    "This week's newsletter has two short notes.",
    "Local experts agree on the following.",
    "Travelers are often surprised by this.",
    "Scientists have confirmed the following.",
)

# Venn-diagram regions of three terms (membership in S, M, P); a model of a set of statements
# says which regions are inhabited. 2**7 models cover every case (terms may be empty).
_TERMS = ("S", "M", "P")
_REGIONS = tuple(r for r in product((False, True), repeat=3) if any(r))
_MODELS = tuple(tuple(reg for reg, on in zip(_REGIONS, bits) if on)
                for bits in product((False, True), repeat=len(_REGIONS)))


def _holds(statement: tuple[str, str, str], model) -> bool:
    q, x, y = statement
    i, j = _TERMS.index(x), _TERMS.index(y)
    if q == "all":
        return not any(r[i] and not r[j] for r in model)
    if q == "some":
        return any(r[i] and r[j] for r in model)
    if q == "no":
        return not any(r[i] and r[j] for r in model)
    raise ValueError(f"unknown quantifier {q!r}")


def syllogism_valid(premises, conclusion) -> bool:
    """True when `conclusion` holds in every model of `premises` (statements over S, M, P)."""
    return all(_holds(conclusion, m) for m in _MODELS if all(_holds(p, m) for p in premises))


def _say(statement: tuple[str, str, str], names: dict[str, str]) -> str:
    q, x, y = statement
    return f"{capitalize(q)} {names[x]} are {names[y]}."


def syllogism(seed: int, n_pairs: int = 69) -> Dataset:
    """The paper's "simple syllogisms": `n_pairs` examples, a context line and two premises each.

    Moods are drawn so that the conclusion's quantifier is all/some/no equally often (Barbara is
    the only all-conclusion mood). Test items give the two end terms and score the conclusion
    candidates. The paper scores 6 = {all, some, no} x 2 directions, but "some" and "no" are
    symmetric ("No S are P" is "No P are S"), so two of the six always duplicate a valid answer;
    to keep exactly one valid option the candidates here are the 4 logically distinct ones: All
    S are P, All P are S, Some (random order), No (random order); chance is 1/4. Every item is
    checked by `syllogism_valid` (Venn-model enumeration, no existential import) to have exactly
    one valid option.
    """
    _positive("n_pairs", n_pairs)
    rng = _rng("syllogism", seed)
    words = nonsense_words(3 * n_pairs, rng)
    by_q = {q: [m for m in MOODS if m[4][0] == q] for q in ("all", "some", "no")}
    docs: list[Doc] = []
    items: list[Item] = []
    facts: dict[str, str] = {}
    local: dict[str, tuple[str, ...]] = {}
    glob: dict[str, tuple[str, ...]] = {}
    for i in range(n_pairs):
        names = dict(zip(("S", "M", "P"), words[3 * i: 3 * i + 3]))
        mood_name, figure, p1, p2, concl = rng.choice(by_q[rng.choice(("all", "some", "no"))])
        sid = f"s{i + 1:03d}"
        fids = (f"{sid}.1", f"{sid}.2")
        facts[fids[0]], facts[fids[1]] = _say(p1, names), _say(p2, names)
        order = [0, 1]
        rng.shuffle(order)
        premises_text = " ".join(facts[fids[k]] for k in order)
        doc = Doc(f"{sid}.d01", f"{rng.choice(SYLLOGISM_CONTEXTS)}\n{premises_text}", fids)
        docs.append(doc)
        rephr: list[str] = []
        for q, x, y in (p1, p2):
            if q == "all":
                rephr.append(f"Without exception, {names[x]} are {names[y]}.")
            elif q == "some":
                rephr += [f"At least some {names[x]} are {names[y]}.", f"Some {names[y]} are {names[x]}."]
            else:
                rephr += [f"{names[x]} are never {names[y]}.", f"No {names[y]} are {names[x]}."]
        local[doc.id] = tuple(rephr)
        conclusions = [_say(concl, names)]
        if concl[0] != "all":
            conclusions.append(_say((concl[0], "P", "S"), names))
        glob[doc.id] = tuple(conclusions)
        # Candidates: the 4 logically distinct statements about S and P.
        sym = [("S", "P"), ("P", "S")]
        cands = [("all", "S", "P"), ("all", "P", "S"), ("some",) + rng.choice(sym), ("no",) + rng.choice(sym)]
        valid = [c for c in cands if syllogism_valid((p1, p2), c)]
        if len(valid) != 1 or not syllogism_valid((p1, p2), concl):  # pragma: no cover - MOODS bug
            raise AssertionError(f"{mood_name}: {len(valid)} valid candidates")
        rule = f"{mood_name} ({figure}): {fids[0]} + {fids[1]} => {_say(concl, names)}"
        ends = [names["S"], names["P"]]
        rng.shuffle(ends)
        for form in FORMS:
            if form == "trained":
                stem = rng.choice(SYLLOGISM_CONTEXTS)
            else:
                stem = f"Question: What follows about {ends[0]} and {ends[1]}?\nAnswer:"
            texts = [" " + _say(c, names) for c in cands]
            correct = texts[cands.index(valid[0])]
            options, answer = _shuffled_options(rng, correct, [t for t in texts if t != correct])
            items.append(Item(f"{sid}.syllogism.{form}", "syllogism", form, stem, options, answer, rule, fids))
    rng.shuffle(docs)
    return Dataset("syllogism", seed, {"n_pairs": n_pairs}, tuple(docs), tuple(items), facts,
                   local, glob, tuple(words))


# --------------------------------------------------------------------------------------------
# Semantic structure benchmark

# Statement templates: (prefix, answer). A test prompt is the prefix; the option is the answer.
# No template's sentence contains another's (a held-out wording must not hide inside a used one).
ISA_T = (("{x} are a kind of", " {y}."), ("{x} belong to the group of", " {y}."),
         ("{x} are classified among the", " {y}."), ("Experts count {x} among the", " {y}."))
PROP_T = (("{x} are", " {p}."), ("{x} are known to be", " {p}."),
          ("One trait of {x} is that they are", " {p}."), ("A defining feature of {x} is being", " {p}."),
          ("{x} are always", " {p}."))
REL_T = (("{x} {v}", " {y}."), ("{x} are known to {v}", " {y}."),
         ("It is common for {x} to {v}", " {y}."), ("It has been observed that {x} regularly {v}", " {y}."))
# Object-first wordings: in documents only for relations outside the reversal split.
REL_REV_T = (("{y} are {ved} by", " {x}."), ("{y} are often {ved} by", " {x}."))
# "Kind of" asked parent-first: never in the documents (they state "x are a kind of y").
ISA_REV_T = ("{y} include", " {x}.")
TEMPLATES = {"isa": ISA_T, "prop": PROP_T, "rel": REL_T}

QUESTIONS = {
    "isa": "Question: What kind of thing are {x}?\nAnswer: {x} are a kind of",
    "prop": "Question: What is one trait of {x}?\nAnswer: {x} are",
    "rel": "Question: What do {x} {v}?\nAnswer: {x} {v}",
    "rev": "Question: By what are {y} {ved}?\nAnswer: {y} are {ved} by",
    "isa_rev": "Question: Name one kind of {y}.\nAnswer: {y} include",
}
# Question lines of the documents' Q&A format.
DOC_QUESTIONS = {"isa": "Q: What kind of thing are {x}?", "prop": "Q: What are {x} like?",
                 "rel": "Q: What do {x} {v}?", "rev": "Q: What are {y} {ved} by?"}
FILLERS = ("Much remains to be learned about {x}.", "{X} appear in many field guides.",
           "This article is part of a series on living things and objects.",
           "Further reading is listed at the end of this page.",
           "{X} have been studied for a long time.", "Some details on this page are still disputed.",
           "Little else is recorded about {x}.", "This page was last edited recently.")
STUB_FILLERS = ("This article is a stub.", "Little else is recorded about {x}.",
                "You can help by expanding it.", "Much remains to be learned about {x}.")
FORMATS = ("prose", "bullets", "qa", "table")


class _Taxonomy:
    """The invented world: categories in a tree, owned properties, relations between categories."""

    def __init__(self, rng: random.Random, n_categories: int):
        n = n_categories
        n_roots = max(1, round(n / 55))
        n_mid = max(1, round(n * 0.18))
        n_verbs = max(2, min(12, n // 8))
        self.verbs = nonsense_words(n_verbs, rng, patterns=CONSONANT_FINAL)
        self.cats = nonsense_words(n, rng, forbid=set(self.verbs))
        self.parent: dict[str, str | None] = {}
        roots, mids = self.cats[:n_roots], self.cats[n_roots:n_roots + n_mid]
        for r in roots:
            self.parent[r] = None
        for k, m in enumerate(mids):
            self.parent[m] = roots[k] if k < n_roots else rng.choice(roots)
        leaves: list[str] = []
        for c in self.cats[n_roots + n_mid:]:
            if leaves and rng.random() < 0.15:
                host = rng.choice([lf for lf in leaves if self.depth_of(lf) == 2] or mids)
            else:
                host = rng.choice(mids)
            self.parent[c] = host
            leaves.append(c)
        self.children = {c: [d for d in self.cats if self.parent[d] == c] for c in self.cats}
        final_leaves = [c for c in self.cats if not self.children[c] and self.depth_of(c) >= 2]
        n_hold = max(1, round(0.08 * n))
        self.holdouts = sorted(rng.sample(final_leaves, max(0, min(n_hold, len(final_leaves) - 1))),
                               key=self.cats.index)
        # Own properties: 1-6 each (at least 2 for categories with children), none for holdouts.
        counts = {c: 0 if c in self.holdouts else rng.randint(2 if self.children[c] else 1, 6)
                  for c in self.cats}
        props = nonsense_words(sum(counts.values()), rng, forbid=set(self.verbs) | set(self.cats))
        self.own: dict[str, list[str]] = {}
        k = 0
        for c in self.cats:
            self.own[c] = props[k:k + counts[c]]
            k += counts[c]
        self.owner = {p: c for c in self.cats for p in self.own[c]}
        # Relations: each verb maps distinct subjects to distinct objects (a partial injection),
        # never within one line of descent, never touching a holdout.
        live = [c for c in self.cats if c not in self.holdouts]
        target = max(2, len(live))
        self.relations: list[tuple[str, str, str]] = []
        used_s: set[tuple[str, str]] = set()
        used_o: set[tuple[str, str]] = set()
        tries = 0
        while len(self.relations) < target and tries < 50 * target:
            tries += 1
            v, x, y = rng.choice(self.verbs), rng.choice(live), rng.choice(live)
            if y in self.lineage(x) or (v, x) in used_s or (v, y) in used_o:
                continue
            if any({r[0], r[2]} == {x, y} for r in self.relations):  # one relation per pair
                continue
            self.relations.append((x, v, y))
            used_s.add((v, x))
            used_o.add((v, y))

    def depth_of(self, c: str) -> int:
        d = 0
        while self.parent[c] is not None:
            c, d = self.parent[c], d + 1
        return d

    def ancestors(self, c: str) -> list[str]:
        out = []
        while self.parent[c] is not None:
            c = self.parent[c]
            out.append(c)
        return out

    def descendants(self, c: str) -> list[str]:
        out, todo = [], list(self.children[c])
        while todo:
            d = todo.pop(0)
            out.append(d)
            todo.extend(self.children[d])
        return out

    def lineage(self, c: str) -> set[str]:
        return {c, *self.ancestors(c), *self.descendants(c)}

    def closeness(self, a: str, b: str) -> int:
        """Depth of the deepest common ancestor (+1), 0 when a and b share no ancestor."""
        chain_a = [a, *self.ancestors(a)]
        for d in [b, *self.ancestors(b)]:
            if d in chain_a:
                return self.depth_of(d) + 1
        return 0

    def true_props(self, c: str) -> list[str]:
        return [p for d in [c, *self.ancestors(c)] for p in self.own[d]]


def _isa_fid(x: str) -> str:
    return f"isa:{x}"


def _prop_fid(x: str, p: str) -> str:
    return f"prop:{x}:{p}"


def _rel_fid(x: str, v: str, y: str) -> str:
    return f"rel:{x}:{v}:{y}"


def _pick_hard(rng: random.Random, ranked: list[tuple[int, str]], k: int = 3) -> list[str]:
    """Up to k distractors, drawn at random from the closest (highest-ranked) candidates."""
    best: dict[str, int] = {}
    for rank, c in ranked:
        best[c] = max(rank, best.get(c, rank))
    pool = sorted(best, key=lambda c: (-best[c], c))[:2 * k]
    return rng.sample(pool, min(k, len(pool)))


def semantic(seed: int, n_categories: int = 110, n_docs: int = 2200,
             items_per_split: int | None = None, stated_inherited: float = 0.3) -> Dataset:
    """The paper's semantic structure benchmark, regenerated (defaults: the paper's 110 and 2,200).

    World: a tree of invented categories (nonsense plural nouns) with 1-6 own properties each
    (nonsense adjectives, inherited by every descendant), and relations between categories
    (nonsense verbs: "gruds zorp blims"). A fraction `stated_inherited` of the inherited
    properties is written in the documents too (as a wiki would); the rest is only derivable.

    Documents: wiki-like pages about one category, 4-20 sentences, formats prose / bullet list /
    Q&A / table-like "Property: value" lines. The first page of every category is prose and states
    all its facts; the other pages restate random subsets. Holdout categories (leaves) get short
    stub pages that give only their parent.

    Splits (each item in a "trained" and a "question" form):
    - recall: a stated fact, in a wording the documents use for it;
    - rephrasing: a stated fact, in a wording the documents never use for it (held out per fact);
    - reversal: a relation asked object-first ("blims are zorped by" -> gruds; the documents
      state these relations only subject-first), or a kind asked parent-first ("abmes include"
      -> gruds; the documents only say "gruds are a kind of abmes");
    - syllogism: an inherited property or a transitive "kind of" never stated for the category
      ("X are a kind of Y; Y are P => X are P");
    - category: every inference about a holdout category (inherited properties, transitive kinds).
    Distractors are hard: properties other categories have (closest relatives first), categories
    that have sub-kinds, entities that stand in the same relation to something else.
    `items_per_split` caps the number of facts/inferences tested per split (None: all).
    """
    if _positive("n_categories", n_categories) < 6:
        raise AdaptcostError(f"n_categories must be at least 6, not {n_categories}")
    if _positive("n_docs", n_docs) < n_categories:
        raise AdaptcostError(f"n_docs ({n_docs}) must be at least n_categories ({n_categories})")
    if items_per_split is not None:
        _positive("items_per_split", items_per_split)
    if not 0.0 <= stated_inherited <= 1.0:
        raise AdaptcostError(f"stated_inherited must be between 0 and 1, not {stated_inherited}")
    rng = _rng("semantic", seed)
    world = _Taxonomy(rng, n_categories)
    cats, holdouts = world.cats, set(world.holdouts)

    # ---- facts: id -> (kind, x, v/p/y ...), canonical text; per category page the facts it covers
    facts: dict[str, str] = {}
    info: dict[str, tuple] = {}
    page_facts: dict[str, list[str]] = {c: [] for c in cats}
    stated_props: dict[str, set[str]] = {c: set() for c in cats}
    for c in cats:
        par = world.parent[c]
        if par is not None:
            fid = _isa_fid(c)
            facts[fid], info[fid] = f"{c} are a kind of {par}.", ("isa", c, par)
            page_facts[c].append(fid)
        if c in holdouts:
            continue
        inherited = [p for a in world.ancestors(c) for p in world.own[a]]
        stated = world.own[c] + [p for p in inherited if rng.random() < stated_inherited]
        for p in stated:
            fid = _prop_fid(c, p)
            facts[fid], info[fid] = f"{c} are {p}.", ("prop", c, p)
            page_facts[c].append(fid)
            stated_props[c].add(p)
    reversal_rels: set[str] = set()
    rel_ids = []
    for x, v, y in world.relations:
        fid = _rel_fid(x, v, y)
        facts[fid], info[fid] = f"{x} {v} {y}.", ("rel", x, v, y)
        page_facts[x].append(fid)
        page_facts[y].append(fid)
        rel_ids.append(fid)
    for fid in rng.sample(rel_ids, max(1, (2 * len(rel_ids)) // 3)):
        reversal_rels.add(fid)
    held_out_template = {fid: rng.randrange(len(TEMPLATES[info[fid][0]])) for fid in facts}

    def fill(template: tuple[str, str], fid: str) -> tuple[str, str]:
        kind = info[fid][0]
        if kind == "isa":
            vals = {"x": info[fid][1], "y": info[fid][2]}
        elif kind == "prop":
            vals = {"x": info[fid][1], "p": info[fid][2]}
        else:
            _, x, v, y = info[fid]
            vals = {"x": x, "v": v, "y": y, "ved": past_participle(v)}
        return template[0].format(**vals), template[1].format(**vals)

    used: dict[str, set[tuple[str, int]]] = {fid: set() for fid in facts}  # (family, index)

    def render(fid: str, fmt: str, forward_only: bool, page: str) -> str:
        kind = info[fid][0]
        if fmt == "table":
            # "Property: value" lines about the page's category; a relation asked in the reversal
            # split is never written object-first, so on its object's page it stays a sentence.
            if kind == "isa":
                used[fid].add(("table", 0))
                return f"Kind: {info[fid][2]}"
            if kind == "prop":
                used[fid].add(("table", 0))
                return f"Trait: {info[fid][2]}"
            _, x, v, y = info[fid]
            if page == x:
                used[fid].add(("table", 0))
                return f"{capitalize(plural(v))}: {y}"
            if fid not in reversal_rels:
                used[fid].add(("table", 1))
                return f"{capitalize(past_participle(v))} by: {x}"
        choices = [(kind, i) for i in range(len(TEMPLATES[kind])) if i != held_out_template[fid]]
        if kind == "rel" and not forward_only and fid not in reversal_rels:
            choices += [("rev", i) for i in range(len(REL_REV_T))]
        fam, i = rng.choice(choices)
        used[fid].add((fam, i))
        head, tail = fill((REL_REV_T if fam == "rev" else TEMPLATES[kind])[i], fid)
        sentence = head + tail
        if fmt == "qa":
            _, x, *rest = info[fid]
            vals = {"x": x}
            if kind == "rel":
                vals.update(v=rest[0], y=rest[1], ved=past_participle(rest[0]))
            return DOC_QUESTIONS[fam].format(**vals) + " A: " + sentence
        if fmt == "bullets":
            return "- " + sentence
        return sentence

    def make_doc(c: str, fids: list[str], fmt: str, forward_only: bool, stub: bool = False) -> str:
        body = [render(f, fmt, forward_only, c) for f in fids]
        fillers = STUB_FILLERS if stub else FILLERS
        extra = rng.randint(0, 2) if not stub else rng.randint(1, 3)
        header_lines = {"prose": 1, "bullets": 2, "qa": 1, "table": 1}[fmt]
        extra = max(extra, 4 - header_lines - len(body))
        extra = min(extra, 20 - header_lines - len(body))
        pad = [rng.choice(fillers).format(x=c, X=capitalize(c)) for _ in range(extra)]
        title = capitalize(c)
        if fmt == "prose":
            sentences = body + pad
            rng.shuffle(sentences)
            return f"{title}\n" + " ".join(sentences)
        if fmt == "bullets":
            return f"{title}\nKey facts:\n" + "\n".join(body + ["- " + s for s in pad])
        if fmt == "qa":
            return f"{title}: questions and answers\n" + "\n".join(body) + ("\n" + " ".join(pad) if pad else "")
        return f"{title}\n" + "\n".join(body) + ("\n" + " ".join(pad) if pad else "")

    # ---- documents: quota per category; page 1 (prose) covers all facts in forward wordings
    chunk = 16
    need = {c: max(1, -(-len(page_facts[c]) // chunk)) for c in cats}
    stub_docs = {c: min(2, max(1, n_docs // n_categories)) for c in holdouts}
    live = [c for c in cats if c not in holdouts]
    quota = {c: need[c] for c in live}
    quota.update(stub_docs)
    spare = n_docs - sum(quota.values())
    k = 0
    while spare > 0 and live:
        quota[live[k % len(live)]] += 1
        spare -= 1
        k += 1
    docs: list[Doc] = []
    for c in cats:
        fids = page_facts[c]
        for j in range(quota[c]):
            doc_id = f"{c}.d{j + 1:02d}"
            if c in holdouts:
                fmt = "prose" if j == 0 else rng.choice(("prose", "table"))
                text = make_doc(c, fids, fmt, True, stub=True)
                docs.append(Doc(doc_id, text, tuple(fids)))
                continue
            if j < need[c]:
                chosen, fmt, forward = fids[j * chunk:(j + 1) * chunk], "prose", True
            else:
                size = rng.randint(min(2, len(fids)), min(chunk, len(fids)))
                chosen = sorted(rng.sample(fids, size), key=fids.index)
                fmt, forward = rng.choice(FORMATS), False
            docs.append(Doc(doc_id, make_doc(c, chosen, fmt, forward), tuple(chosen)))

    # ---- oracles
    def rephrasings(fid: str) -> list[str]:
        kind = info[fid][0]
        out = ["".join(fill(t, fid)) for t in TEMPLATES[kind]]
        if kind == "rel":
            out += ["".join(fill(t, fid)) for t in REL_REV_T]
        if kind == "isa":
            out.append("".join(t.format(x=info[fid][1], y=info[fid][2]) for t in ISA_REV_T))
        return out

    def inferences(c: str) -> list[str]:
        out = [f"{c} are a kind of {a}." for a in world.ancestors(c)[1:]]
        out += [f"{c} are {p}." for a in world.ancestors(c) for p in world.own[a] if p not in stated_props[c]]
        return out

    local = {d.id: tuple(s for f in d.fact_ids for s in rephrasings(f)) for d in docs}
    glob = {d.id: tuple(inferences(d.id.rsplit(".d", 1)[0])) for d in docs}

    # ---- items
    items: list[Item] = []
    all_rel_objects = [(v, y) for x, v, y in world.relations]
    all_rel_subjects = [(v, x) for x, v, y in world.relations]
    internal = [c for c in cats if world.children[c]]

    def prop_distractors(x: str, p: str) -> list[str]:
        lin = world.lineage(x)
        ranked = [(world.closeness(x, world.owner[q]), q) for q in world.owner if world.owner[q] not in lin]
        return _pick_hard(rng, ranked)

    def isa_distractors(x: str) -> list[str]:
        lin = world.lineage(x)
        cands = [c for c in internal if c not in lin] or [c for c in cats if c not in lin]
        return _pick_hard(rng, [(world.closeness(x, c), c) for c in cands])

    def rel_distractors(x: str, v: str, y: str, reverse: bool) -> list[str]:
        keep, anchor = (x, y) if reverse else (y, x)  # keep: the answer; anchor: the prompt entity
        bad = world.lineage(keep) | world.lineage(anchor)
        pairs = all_rel_subjects if reverse else all_rel_objects
        ranked = []
        for w, c in pairs:
            if c in bad:
                continue
            triple = (c, v, y) if reverse else (x, v, c)
            if triple in world.relations:
                continue
            ranked.append((2 if w == v else 1, c))
        return _pick_hard(rng, ranked)

    def add(split: str, key: str, rule: str, fids: tuple[str, ...], kind: str, vals: dict,
            correct: str, wrong: list[str], template: tuple[str, str] | None) -> None:
        if not wrong:
            return
        for form in FORMS:
            if form == "trained":
                stem = template[0].format(**vals)
                fmt_ans = template[1]
            else:
                stem = QUESTIONS[kind].format(**vals)
                fmt_ans = {"rev": REL_REV_T[0], "isa_rev": ISA_REV_T}.get(kind, TEMPLATES.get(kind, ((),))[0])[1]
            slot = "x" if kind in ("rev", "isa_rev") else ("p" if kind == "prop" else "y")
            good = fmt_ans.format(**{slot: correct})
            bad = [fmt_ans.format(**{slot: w}) for w in wrong]
            options, answer = _shuffled_options(rng, good, bad)
            items.append(Item(f"{split}.{key}.{form}", split, form, stem, options, answer, rule, fids))

    def fact_item(split: str, fid: str) -> None:
        kind = info[fid][0]
        if split == "recall":
            fwd = sorted(i for fam, i in used[fid] if fam == kind)
            template = TEMPLATES[kind][rng.choice(fwd)]
        else:
            template = TEMPLATES[kind][held_out_template[fid]]
        rule = f"{split} of {fid}"
        if kind == "isa":
            _, x, y = info[fid]
            add(split, fid, rule, (fid,), "isa", {"x": x, "y": "{y}"}, y, isa_distractors(x), template)
        elif kind == "prop":
            _, x, p = info[fid]
            add(split, fid, rule, (fid,), "prop", {"x": x, "p": "{p}"}, p, prop_distractors(x, p), template)
        else:
            _, x, v, y = info[fid]
            add(split, fid, rule, (fid,), "rel", {"x": x, "v": v, "y": "{y}"}, y,
                rel_distractors(x, v, y, reverse=False), template)

    def capped(cands: list) -> list:
        if items_per_split is None or len(cands) <= items_per_split:
            return cands
        picked = set(rng.sample(range(len(cands)), items_per_split))
        return [c for i, c in enumerate(cands) if i in picked]

    stated = [fid for fid in facts]
    rng.shuffle(stated)
    half = len(stated) // 2
    for fid in capped(stated[:half]):
        fact_item("recall", fid)
    for fid in capped(stated[half:]):
        fact_item("rephrasing", fid)
    non_roots = [c for c in cats if world.parent[c] is not None]

    def isa_rev_distractors(x: str, y: str) -> list[str]:
        bad = world.lineage(x) | world.lineage(y)
        return _pick_hard(rng, [(world.closeness(y, c), c) for c in non_roots if c not in bad])

    rev_cands = [f for f in rel_ids if f in reversal_rels] + [_isa_fid(c) for c in non_roots]
    for fid in capped(rev_cands):
        if info[fid][0] == "isa":
            _, x, y = info[fid]
            add("reversal", fid, f"reversal of {fid}", (fid,), "isa_rev", {"y": y}, x,
                isa_rev_distractors(x, y), ISA_REV_T)
            continue
        _, x, v, y = info[fid]
        vals = {"x": "{x}", "v": v, "y": y, "ved": past_participle(v)}
        add("reversal", fid, f"reversal of {fid}", (fid,), "rev", vals, x,
            rel_distractors(x, v, y, reverse=True), REL_REV_T[0])

    def chain(c: str, top: str) -> tuple[str, ...]:
        out, d = [], c
        while d != top:
            out.append(_isa_fid(d))
            d = world.parent[d]
        return tuple(out)

    def inference_items(split: str, c: str) -> list[tuple]:
        out = []
        for a in world.ancestors(c)[1:]:
            out.append(("isa", c, a, chain(c, a)))
        for a in world.ancestors(c):
            for p in world.own[a]:
                if p not in stated_props[c]:
                    out.append(("prop", c, p, chain(c, a) + (_prop_fid(a, p),)))
        return out

    syl = [t for c in cats if c not in holdouts for t in inference_items("syllogism", c)]
    cat = [t for c in world.holdouts for t in inference_items("category", c)]
    for split, cands in (("syllogism", syl), ("category", cat)):
        for kind, c, target, fids in capped(cands):
            key = f"{c}:{target}"
            if kind == "isa":
                rule = f"{split}: {' + '.join(fids)} => {c} are a kind of {target}"
                add(split, key, rule, fids, "isa", {"x": c, "y": "{y}"}, target, isa_distractors(c), ISA_T[0])
            else:
                rule = f"{split}: {' + '.join(fids)} => {c} are {target}"
                add(split, key, rule, fids, "prop", {"x": c, "p": "{p}"}, target,
                    prop_distractors(c, target), PROP_T[0])

    rng.shuffle(docs)
    settings = {"n_categories": n_categories, "n_docs": n_docs, "items_per_split": items_per_split,
                "stated_inherited": stated_inherited, "n_holdouts": len(world.holdouts),
                "n_relations": len(world.relations), "n_verbs": len(world.verbs)}
    vocabulary = tuple(world.verbs) + tuple(cats) + tuple(p for c in cats for p in world.own[c])
    return Dataset("semantic", seed, settings, tuple(docs), tuple(items), facts, local, glob, vocabulary)


# --------------------------------------------------------------------------------------------
# Profiles

PROFILES: dict[str, dict[str, dict]] = {
    # A smoke test of the whole harness on a real model (the CI end-to-end run).
    "tiny": {
        "reversal": {"n_facts": 6, "docs_per_fact": 2},
        "syllogism": {"n_pairs": 6},
        "semantic": {"n_categories": 12, "n_docs": 12, "items_per_split": 3},
    },
    # Every strategy on a 135M model in under 3 minutes on 2 CPU cores (a first look: intervals
    # of +-20-30 points).
    "quick": {
        "reversal": {"n_facts": 10, "docs_per_fact": 2},
        "syllogism": {"n_pairs": 10},
        "semantic": {"n_categories": 6, "n_docs": 6, "items_per_split": 6},
    },
    # Sized to measure every curve (3 scales, 3 context shares, 2 augmentation amounts) in under
    # 15 minutes on 2 CPU cores; each training set fits a 2,048-token context, so ICL sees all of
    # it. The paper's sizes (profile "paper") take hours on such a CPU: the training tokens of
    # reversal alone grow 10x.
    "default": {
        "reversal": {"n_facts": 30, "docs_per_fact": 3},
        "syllogism": {"n_pairs": 24},
        "semantic": {"n_categories": 12, "n_docs": 18, "items_per_split": 10},
    },
    # The paper's sizes throughout, every item.
    "paper": {
        "reversal": {"n_facts": 100, "docs_per_fact": 10},
        "syllogism": {"n_pairs": 69},
        "semantic": {"n_categories": 110, "n_docs": 2200},
    },
}

_GENERATORS = {"reversal": reversal, "syllogism": syllogism, "semantic": semantic}


def generate(name: str, seed: int, profile: str = "default") -> Dataset:
    """The dataset `name` at the sizes of `profile`, from `seed`."""
    if name not in _GENERATORS:
        raise AdaptcostError(f"unknown dataset {name!r}{did_you_mean(name, DATASETS)}; "
                             f"choose one of {', '.join(DATASETS)}")
    if profile not in PROFILES:
        raise AdaptcostError(f"unknown profile {profile!r}{did_you_mean(profile, PROFILES)}; "
                             f"choose one of {', '.join(PROFILES)}")
    return _GENERATORS[name](seed, **PROFILES[profile][name])
