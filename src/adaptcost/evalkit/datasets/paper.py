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
from typing import Sequence

from adaptcost.corpus.sentences import split_sentences
from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean
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
    cluster: str = ""  # the fact or category the item is about (the unit of cluster resampling)
    key: str = ""  # the inference it tests, shared by its forms (what a "held out" oracle withholds)


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
    # augmentation text -> the item keys whose inference it states (absent: none, e.g. a rephrasing
    # of a premise); the "held out" oracle drops every text stating a key in `held_out`
    oracle_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    held_out: tuple[str, ...] = ()  # half the inference keys of each split (sorted)

    def augmentation_texts(self, kind: str, doc_ids, variant: str = "covers") -> list[str]:
        """The oracle's local or global augmentations of the given documents: "covers" (every
        derivable inference, an upper bound) or "held-out" (none of the held-out inferences)."""
        table = self.oracle_local if kind == "local" else self.oracle_global
        hidden = set(self.held_out) if variant == "held-out" else set()
        return [t for d in doc_ids for t in table.get(d, ()) if not hidden & set(self.oracle_keys.get(t, ()))]

    def arm_texts(self, kind: str | None = None, variant: str = "covers") -> list[str]:
        """What one arm trains on (or reads), one text each: the documents, plus the oracle's
        "local" or "global" augmentations of every document in the given variant (kind None:
        the documents alone, what base, icl, rag, finetune and finetune+rag see)."""
        texts = [d.text for d in self.docs]
        if kind is None:
            return texts
        return texts + self.augmentation_texts(kind, [d.id for d in self.docs], variant)

    def arm_items(self, variant: str = "covers") -> list["Item"]:
        """The items an arm is scored on: all of them, or for a "held-out" arm the recall items and
        the items whose inference its oracle withholds."""
        if variant != "held-out":
            return list(self.items)
        hidden = set(self.held_out)
        return [i for i in self.items if i.split == "recall" or i.key in hidden]

    def sentences(self) -> list[str]:
        """All training sentences: the documents split into sentences (the paper's FT format)."""
        return [s for d in self.docs for s in split_sentences(d.text)]

    def support(self, item: Item, docs: Sequence[Doc] | None = None) -> tuple[tuple[str, ...], ...]:
        """Per premise of `item` (its fact_ids, in order), the ids of the documents among `docs`
        (default: all) that state it: what retrieval must return for the item to be answerable
        from its context (recall@k, see evalkit.retrieval). A premise no document states gets ()."""
        stating: dict[str, list[str]] = {}
        for doc in self.docs if docs is None else docs:
            for fact in doc.fact_ids:
                stating.setdefault(fact, []).append(doc.id)
        return tuple(tuple(stating.get(fact, ())) for fact in item.fact_ids)

    def fingerprint(self) -> str:
        """sha256 of a canonical JSON of everything (for caches)."""
        payload = {
            "name": self.name, "seed": self.seed, "settings": self.settings,
            "docs": [asdict(d) for d in self.docs], "items": [asdict(i) for i in self.items],
            "facts": self.facts, "oracle_local": self.oracle_local,
            "oracle_global": self.oracle_global, "vocabulary": list(self.vocabulary),
            "oracle_keys": self.oracle_keys, "held_out": list(self.held_out),
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# The training texts an arm sees, by arm label (runner.arm_label): (augmentation kind, variant).
# "documents" stands for every arm without augmentations (base, icl, rag, finetune, finetune+rag).
ARM_TEXTS: dict[str, tuple[str | None, str]] = {
    "documents": (None, "covers"),
    "finetune+local (covers)": ("local", "covers"), "finetune+local (held-out)": ("local", "held-out"),
    "finetune+global (covers)": ("global", "covers"), "finetune+global (held-out)": ("global", "held-out"),
}


# Splits whose tested proposition the documents state (a recall item asks a stated fact; a
# rephrasing or reversal item asks it in other words): there, co-occurrence with the prompt's
# entity is the knowledge itself, not a shortcut.
STATED_SPLITS = ("recall", "rephrasing", "reversal")


def stated_keys(dataset: "Dataset", kind: str | None, variant: str) -> set[str]:
    """The item keys whose proposition an arm's augmentations state (none for the documents)."""
    if kind is None:
        return set()
    texts = dataset.augmentation_texts(kind, [d.id for d in dataset.docs], variant)
    return {k for t in texts for k in dataset.oracle_keys.get(t, ())}


def states_proposition(item: "Item", keys: set[str]) -> bool:
    """True when an arm's texts state what `item` tests: a fact the documents state (STATED_SPLITS),
    or an inference among `keys` (`stated_keys` of that arm). The one exception to "every
    shortcut at chance": co-occurrence there is the knowledge, not a cue."""
    return item.split in STATED_SPLITS or item.key in keys


def arm_corpora(dataset: "Dataset") -> dict[str, tuple[list[str], list["Item"]]]:
    """Per arm label of ARM_TEXTS: that arm's own training texts and the items it is scored on
    (what its shortcut baselines are computed over)."""
    return {arm: (dataset.arm_texts(kind, variant), dataset.arm_items(variant)) for arm, (kind, variant) in ARM_TEXTS.items()}


def _rng(name: str, seed: int) -> random.Random:
    # A str seed is hashed with sha512 by random.seed: stable across processes and versions.
    return random.Random(f"adaptcost.evalkit:{name}:{seed}")


def _positive(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AdaptcostError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


def _held_out_half(rng: random.Random, items) -> tuple[str, ...]:
    """Half the inference keys of every generalization split, drawn at random: the "held out"
    oracle states the other half, and is scored on these."""
    out: list[str] = []
    for split in SPLITS[1:]:
        keys = sorted({i.key for i in items if i.split == split})
        rng.shuffle(keys)
        out += keys[: len(keys) // 2]
    return tuple(sorted(out))


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
    keys: dict[str, tuple[str, ...]] = {}
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
        # Oracle wordings share no test template: the tests say "{b} are {anti} than {a}".
        rephrased = f"Between {a} and {b}, the {rel} ones are {a}."
        reversed_ = f"Between {b} and {a}, the {anti} ones are {b}."
        keys[reversed_] = keys[f"Of {a} and {b}, it is {b} that are {anti}."] = (f"reversal:{fid}",)
        for j, ctx in enumerate(contexts):
            doc = Doc(f"{fid}.d{j + 1:02d}", ctx.format(fact=fact), (fid,))
            docs.append(doc)
            local[doc.id] = (rephrased, reversed_)
            # The facts are independent: the only inference from a document is its reversal.
            glob[doc.id] = (f"Of {a} and {b}, it is {b} that are {anti}.",)
        for split, subj, obj, good, bad in (("recall", a, b, rel, anti), ("reversal", b, a, anti, rel)):
            rule = f"{split} of {fid}"
            for form in FORMS:
                stem = f"{subj} are"
                if form == "question":
                    stem = f"Question: How do {subj} compare with {obj} in {dim}?\nAnswer: {subj} are"
                options, answer = _shuffled_options(rng, f" {good} than {obj}.", [f" {bad} than {obj}."])
                items.append(Item(f"{fid}.{split}.{form}", split, form, stem, options, answer, rule, (fid,),
                                  fid, f"{split}:{fid}"))
    rng.shuffle(docs)
    settings = {"n_facts": n_facts, "n_features": n_features, "docs_per_fact": docs_per_fact}
    return Dataset("reversal", seed, settings, tuple(docs), tuple(items), facts, local, glob,
                   tuple(words), keys, _held_out_half(rng, items))


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


# Conclusions in the oracle's own wording (the tests say "All S are P", "Some S are P", "No S are P").
_CONCLUDE = {"all": "Each of the {x} counts among the {y}.", "some": "There are {x} that count among the {y}.",
             "no": "None of the {x} count among the {y}."}


def syllogism(seed: int, n_pairs: int = 69, pairs_per_doc: int = 4) -> Dataset:
    """The paper's "simple syllogisms": `n_pairs` syllogisms, two premises each, `pairs_per_doc`
    of them to a document under one context line.

    Moods are drawn so that the conclusion's quantifier is all/some/no equally often (Barbara is
    the only all-conclusion mood). The paper scores the 6 statements {all, some, no} x 2
    directions about the two end terms; there the quantifier alone gives the answer away (the
    premises' "atmosphere": any "no" premise -> "no", else any "some" -> "some", which is right for
    every valid mood used, so picking by quantifier scores ~80% with no inference at all). Here the
    stem states the valid conclusion's quantifier and subject ("All S are", "Some P are"), and the
    options are the other end term and the same-role end terms of the other syllogisms of the same
    document: every option word appears once in the corpus (frequency), in the same document
    (co-occurrence), under the same quantifier (atmosphere), so only the chain S-M-P tells them
    apart. Exactly one option is valid (checked by `syllogism_valid`); chance is 1/4.
    """
    _positive("n_pairs", n_pairs)
    if not 2 <= _positive("pairs_per_doc", pairs_per_doc) <= 8:
        raise AdaptcostError(f"pairs_per_doc must be between 2 and 8, not {pairs_per_doc}")
    rng = _rng("syllogism", seed)
    words = nonsense_words(3 * n_pairs, rng)
    by_q = {q: [m for m in MOODS if m[4][0] == q] for q in ("all", "some", "no")}
    facts: dict[str, str] = {}
    pairs = []
    for i in range(n_pairs):
        names = dict(zip(("S", "M", "P"), words[3 * i: 3 * i + 3]))
        mood = rng.choice(by_q[rng.choice(("all", "some", "no"))])
        sid = f"s{i + 1:03d}"
        facts[f"{sid}.1"], facts[f"{sid}.2"] = _say(mood[2], names), _say(mood[3], names)
        # the conclusion's subject: S for "all"; either end for the symmetric "some" and "no"
        subj, obj = ("S", "P") if mood[4][0] == "all" or rng.random() < 0.5 else ("P", "S")
        pairs.append((sid, names, mood, subj, obj))
    docs: list[Doc] = []
    items: list[Item] = []
    local: dict[str, tuple[str, ...]] = {}
    glob: dict[str, tuple[str, ...]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    groups = [pairs[k:k + pairs_per_doc] for k in range(0, n_pairs, pairs_per_doc)]
    for g, group in enumerate(groups):
        doc_id = f"d{g + 1:03d}"
        premises = [f"{sid}.{k}" for sid, *_ in group for k in (1, 2)]
        rng.shuffle(premises)
        docs.append(Doc(doc_id, f"{rng.choice(SYLLOGISM_CONTEXTS)}\n" + " ".join(facts[f] for f in premises),
                        tuple(sorted(premises))))
        local[doc_id] = tuple(r for _, names, mood, *_ in group for p in mood[2:4] for r in _rephrase_premise(p, names))
        conclusions = []
        for sid, names, mood, subj, obj in group:
            text = _CONCLUDE[mood[4][0]].format(x=names[subj], y=names[obj])
            keys[text] = (f"syllogism:{sid}",)
            conclusions.append(text)
        glob[doc_id] = tuple(conclusions)
        for pair in group:
            items += _syllogism_items(rng, pair, group, groups)
    rng.shuffle(docs)
    return Dataset("syllogism", seed, {"n_pairs": n_pairs, "pairs_per_doc": pairs_per_doc}, tuple(docs),
                   tuple(items), facts, local, glob, tuple(words), keys, _held_out_half(rng, items))


def _rephrase_premise(statement, names) -> list[str]:
    q, x, y = statement
    if q == "all":
        return [f"Without exception, {names[x]} are {names[y]}."]
    if q == "some":
        return [f"At least some {names[x]} are {names[y]}.", f"Some {names[y]} are {names[x]}."]
    return [f"{names[x]} are never {names[y]}.", f"No {names[y]} are {names[x]}."]


def _syllogism_items(rng: random.Random, pair, group, groups) -> list[Item]:
    """The two forms of one syllogism's test: the stem gives the quantifier and subject; the
    options are its other end term and the same-role terms of other syllogisms (same document
    first, then neighbouring documents when a document holds fewer than 4)."""
    sid, names, mood, subj, obj = pair
    quant = mood[4][0]
    others = [p[1][p[4]] for p in group if p[0] != sid]
    spare = [p[1][p[4]] for grp in groups if grp is not group for p in grp]
    wrong = others[:3] + rng.sample(spare, max(0, min(3 - len(others[:3]), len(spare))))
    if not syllogism_valid((mood[2], mood[3]), (quant, subj, obj)):  # pragma: no cover - MOODS bug
        raise AssertionError(f"{mood[0]}: the conclusion does not follow")
    rule = f"{mood[0]} ({mood[1]}): {sid}.1 + {sid}.2 => {_say((quant, subj, obj), names)}"
    head = f"{capitalize(quant)} {names[subj]} are"
    out = []
    for form in FORMS:
        stem = (f"{rng.choice(SYLLOGISM_CONTEXTS)}\n{head}" if form == "trained"
                else f"Question: What follows about {names[subj]}?\nAnswer: {head}")
        options, answer = _shuffled_options(rng, f" {names[obj]}.", [f" {w}." for w in wrong])
        out.append(Item(f"{sid}.syllogism.{form}", "syllogism", form, stem, options, answer, rule,
                        (f"{sid}.1", f"{sid}.2"), sid, f"syllogism:{sid}"))
    return out


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
# The oracle's wordings: no test template's words, so an augmentation can state an inference
# without copying its test (evalkit.leaks checks this on every build).
AUG_ISA = "One group within the {y} is the {x}."
AUG_PROP = "Being {p} is typical of {x}."
AUG_REL = "{y} are what {x} {v}."
AUG_REL_REV = "The ones that {v} {y} are {x}."

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
        n_roots = max(1 if n < 12 else 2, round(n / 55))  # two trees at least: roots' properties get matched distractors
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
        n_hold = min(max(5, round(0.08 * n)), n // 4)  # at least 5 holdout categories where the tree allows
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


class _Matcher:
    """Distractors matched to the answer on the cues a model could use without the knowledge:
    how often the word occurs in the training documents, and in how many documents it appears
    with the prompt's entity. Among candidates that are wrong by construction, the closest match
    on (co-occurrence, log frequency) is preferred, then the closest relative (hardest)."""

    def __init__(self, docs: Sequence[Doc]):
        self.count: dict[str, int] = {}
        self.where: dict[str, set[int]] = {}
        for k, doc in enumerate(docs):
            for w in re.findall(r"[a-z]+", doc.text.lower()):
                self.count[w] = self.count.get(w, 0) + 1
                self.where.setdefault(w, set()).add(k)

    def cooccurrence(self, a: str, b: str) -> int:
        return len(self.where.get(a, set()) & self.where.get(b, set()))

    def pick(self, rng: random.Random, answer: str, anchor: str, ranked: list[tuple[int, str]], k: int = 3) -> list[str]:
        """k distractors whose frequencies place the answer at a uniformly drawn rank (a random
        number of them just above it, the rest at or just below it; all tied with it where k
        candidates are exactly as frequent), so that picking the most (or least) frequent option
        scores chance. Drawn from the candidates that co-occur with `anchor` exactly as often as
        the answer does when they allow that, else from all. Ties go to the closest relative.
        None when no candidate set allows it (the item is then not asked)."""
        best: dict[str, int] = {}
        for rank, c in ranked:
            best[c] = max(rank, best.get(c, rank))
        co = self.cooccurrence(anchor, answer)
        same = [c for c in sorted(best) if self.cooccurrence(anchor, c) == co]
        for cands in (same, sorted(best)):
            chosen = self._balanced(rng, answer, cands, best, k)
            if chosen:
                return chosen
        return []

    def _balanced(self, rng: random.Random, answer: str, cands: list[str], best: dict[str, int], k: int) -> list[str]:
        n = self.count.get(answer, 0)
        count = {c: self.count.get(c, 0) for c in cands}
        equal = sorted((c for c in cands if count[c] == n), key=lambda c: (-best[c], c))
        if len(equal) >= k:  # all tie with the answer
            return rng.sample(equal[:2 * k], k)
        above = sorted((c for c in cands if count[c] > n), key=lambda c: (count[c], -best[c], c))
        below = sorted((c for c in cands if count[c] < n), key=lambda c: (-count[c], -best[c], c))
        if len(above) < k or len(below) < k:
            return []
        up = rng.randint(0, k)
        return above[:up] + below[:k - up]


_PAGE_CHUNK = 16  # the most facts a category's first (prose) page states; more facts: more such pages


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
    Distractors are wrong by construction (properties other categories have, categories that have
    sub-kinds, entities that stand in the same relation to something else) and matched to the
    answer on the cues a model could use without the knowledge (`_Matcher`): co-occurrence with
    the prompt's entity and frequency in the documents, the answer's frequency rank drawn
    uniformly; an item whose answer cannot be so matched is not asked. Oracle augmentations use
    wordings no test uses (AUG_*) and name the item keys they state (`Dataset.oracle_keys`).
    `items_per_split` caps the number of facts/inferences tested per split (None: all).

    The parts below draw from one random stream in this order (the order fixes the output):
    world, facts, documents, oracles (no draws), items, then the documents' and held-out shuffles.
    """
    _semantic_check(n_categories, n_docs, items_per_split, stated_inherited)
    rng = _rng("semantic", seed)
    world = _Taxonomy(rng, n_categories)
    cats = world.cats
    sf = _semantic_facts(rng, world, stated_inherited)
    docs = _semantic_docs(rng, world, sf, n_docs, n_categories)
    local, glob, keys = _semantic_oracles(world, sf, docs)
    build = _SemanticItems(rng, world, sf, docs, items_per_split)
    _semantic_fact_items(build)
    _semantic_reversal_items(build)
    _semantic_inference_items(build)
    items = build.items

    rng.shuffle(docs)
    settings = {"n_categories": n_categories, "n_docs": n_docs, "items_per_split": items_per_split,
                "stated_inherited": stated_inherited, "n_holdouts": len(world.holdouts),
                "n_relations": len(world.relations), "n_verbs": len(world.verbs)}
    vocabulary = tuple(world.verbs) + tuple(cats) + tuple(p for c in cats for p in world.own[c])
    return Dataset("semantic", seed, settings, tuple(docs), tuple(items), sf.facts, local, glob, vocabulary,
                   keys, _held_out_half(rng, items))


def _semantic_check(n_categories, n_docs, items_per_split, stated_inherited) -> None:
    """Refuse sizes the benchmark cannot be built at (AdaptcostError)."""
    if _positive("n_categories", n_categories) < 6:
        raise AdaptcostError(f"n_categories must be at least 6, not {n_categories}")
    if _positive("n_docs", n_docs) < n_categories:
        raise AdaptcostError(f"n_docs ({n_docs}) must be at least n_categories ({n_categories})")
    if items_per_split is not None:
        _positive("items_per_split", items_per_split)
    if not 0.0 <= stated_inherited <= 1.0:
        raise AdaptcostError(f"stated_inherited must be between 0 and 1, not {stated_inherited}")


@dataclass
class _SemanticFacts:
    """The facts the semantic benchmark's documents state, and the wordings they may take."""

    facts: dict[str, str]  # fact id -> canonical statement
    info: dict[str, tuple]  # fact id -> ("isa", x, y) | ("prop", x, p) | ("rel", x, v, y)
    page_facts: dict[str, list[str]]  # category -> the facts its pages cover
    stated_props: dict[str, set[str]]  # category -> the properties its pages state (own and inherited)
    rel_ids: list[str]  # the relation facts, in the world's order
    reversal_rels: set[str]  # relations the reversal split asks object-first: never so written
    held_out_template: dict[str, int]  # fact id -> the template no document uses (rephrasing split)
    used: dict[str, set[tuple[str, int]]]  # fact id -> the (family, index) wordings documents use


def _semantic_facts(rng: random.Random, world: _Taxonomy, stated_inherited: float) -> _SemanticFacts:
    """The stated facts: every category's parent ("isa"), its own properties and a random fraction
    `stated_inherited` of its inherited ones ("prop"; none for holdouts), every relation ("rel");
    then the relations the reversal split asks (two thirds) and each fact's held-out template."""
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
    used: dict[str, set[tuple[str, int]]] = {fid: set() for fid in facts}  # (family, index)
    return _SemanticFacts(facts, info, page_facts, stated_props, rel_ids, reversal_rels, held_out_template, used)


def _semantic_fill(sf: _SemanticFacts, template: tuple[str, str], fid: str) -> tuple[str, str]:
    """A statement template (prefix, answer) filled in with the words of fact `fid`."""
    info = sf.info
    kind = info[fid][0]
    if kind == "isa":
        vals = {"x": info[fid][1], "y": info[fid][2]}
    elif kind == "prop":
        vals = {"x": info[fid][1], "p": info[fid][2]}
    else:
        _, x, v, y = info[fid]
        vals = {"x": x, "v": v, "y": y, "ved": past_participle(v)}
    return template[0].format(**vals), template[1].format(**vals)


def _semantic_render(rng: random.Random, sf: _SemanticFacts, fid: str, fmt: str, forward_only: bool,
                     page: str) -> str:
    """One fact as a line of a page about `page` in format `fmt`, in a random wording other than
    its held-out one (object-first only where allowed); records the wording in `sf.used`."""
    info, used, reversal_rels, held_out_template = sf.info, sf.used, sf.reversal_rels, sf.held_out_template
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
    head, tail = _semantic_fill(sf, (REL_REV_T if fam == "rev" else TEMPLATES[kind])[i], fid)
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


def _semantic_page(rng: random.Random, sf: _SemanticFacts, c: str, fids: list[str], fmt: str,
                   forward_only: bool, stub: bool = False) -> str:
    """The text of one page about category `c` stating `fids`: a title, the facts' lines in format
    `fmt`, and filler sentences up to 4-20 sentences in all (prose: shuffled among the facts)."""
    body = [_semantic_render(rng, sf, f, fmt, forward_only, c) for f in fids]
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


def _semantic_quota(world: _Taxonomy, sf: _SemanticFacts, n_docs: int,
                    n_categories: int) -> tuple[dict[str, int], dict[str, int]]:
    """Pages per category: (the prose pages its facts need, 16 facts a page; its page count).
    Holdouts get 1-2 stubs; the pages left over go round the other categories in order."""
    cats, holdouts, page_facts = world.cats, set(world.holdouts), sf.page_facts
    chunk = _PAGE_CHUNK
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
    return need, quota


def _semantic_docs(rng: random.Random, world: _Taxonomy, sf: _SemanticFacts, n_docs: int,
                   n_categories: int) -> list[Doc]:
    """The training documents, category by category: holdouts' stub pages (their parent only);
    otherwise the first page(s) in prose stating every fact in forward wordings, then pages in a
    random format restating a random subset of the category's facts in order."""
    # ---- documents: quota per category; page 1 (prose) covers all facts in forward wordings
    cats, holdouts, page_facts = world.cats, set(world.holdouts), sf.page_facts
    chunk = _PAGE_CHUNK
    need, quota = _semantic_quota(world, sf, n_docs, n_categories)
    docs: list[Doc] = []
    for c in cats:
        fids = page_facts[c]
        for j in range(quota[c]):
            doc_id = f"{c}.d{j + 1:02d}"
            if c in holdouts:
                fmt = "prose" if j == 0 else rng.choice(("prose", "table"))
                text = _semantic_page(rng, sf, c, fids, fmt, True, stub=True)
                docs.append(Doc(doc_id, text, tuple(fids)))
                continue
            if j < need[c]:
                chosen, fmt, forward = fids[j * chunk:(j + 1) * chunk], "prose", True
            else:
                size = rng.randint(min(2, len(fids)), min(chunk, len(fids)))
                chosen = sorted(rng.sample(fids, size), key=fids.index)
                fmt, forward = rng.choice(FORMATS), False
            docs.append(Doc(doc_id, _semantic_page(rng, sf, c, chosen, fmt, forward), tuple(chosen)))
    return docs


def _semantic_oracles(world: _Taxonomy, sf: _SemanticFacts, docs: list[Doc]) -> tuple[dict, dict, dict]:
    """The oracle augmentations, doc id -> texts in wordings no test uses (AUG_*): local (each
    stated fact rephrased and reversed), global (every unstated inference about the page's
    category); and text -> the item keys it states (`Dataset.oracle_keys`). No random draws."""
    info, holdouts, stated_props = sf.info, set(world.holdouts), sf.stated_props
    keys: dict[str, tuple[str, ...]] = {}

    def stated(text: str, *item_keys: str) -> str:
        keys[text] = tuple(sorted(set(keys.get(text, ())) | set(item_keys)))
        return text

    def rephrasings(fid: str) -> list[str]:
        kind = info[fid][0]
        if kind == "isa":
            _, x, y = info[fid]
            return [stated(AUG_ISA.format(x=x, y=y), f"rephrasing:{fid}", f"reversal:{fid}")]
        if kind == "prop":
            _, x, p = info[fid]
            return [stated(AUG_PROP.format(x=x, p=p), f"rephrasing:{fid}")]
        _, x, v, y = info[fid]
        return [stated(AUG_REL.format(x=x, v=v, y=y), f"rephrasing:{fid}"),
                stated(AUG_REL_REV.format(x=x, v=v, y=y), f"reversal:{fid}")]

    def inferences(c: str) -> list[str]:
        split = "category" if c in holdouts else "syllogism"
        out = [stated(AUG_ISA.format(x=c, y=a), f"{split}:{c}:{a}") for a in world.ancestors(c)[1:]]
        out += [stated(AUG_PROP.format(x=c, p=p), f"{split}:{c}:{p}")
                for a in world.ancestors(c) for p in world.own[a] if p not in stated_props[c]]
        return out

    local = {d.id: tuple(s for f in d.fact_ids for s in rephrasings(f)) for d in docs}
    glob = {d.id: tuple(inferences(d.id.rsplit(".d", 1)[0])) for d in docs}
    return local, glob, keys


class _SemanticItems:
    """The semantic benchmark's test items, appended to `items` as the split builders below ask
    for them: distractors matched on the documents (`_Matcher`), both forms of each item."""

    def __init__(self, rng: random.Random, world: _Taxonomy, sf: _SemanticFacts, docs: list[Doc],
                 items_per_split: int | None):
        self.rng, self.world, self.sf, self.items_per_split = rng, world, sf, items_per_split
        self.match = _Matcher(docs)
        self.items: list[Item] = []
        self.all_rel_objects = [(v, y) for x, v, y in world.relations]
        self.all_rel_subjects = [(v, x) for x, v, y in world.relations]
        self.internal = [c for c in world.cats if world.children[c]]
        self.non_roots = [c for c in world.cats if world.parent[c] is not None]

    def prop_distractors(self, x: str, p: str) -> list[str]:
        """Wrong properties for "x are p": properties owned outside x's line of descent."""
        world = self.world
        lin = world.lineage(x)
        ranked = [(world.closeness(x, world.owner[q]), q) for q in world.owner if world.owner[q] not in lin]
        return self.match.pick(self.rng, p, x, ranked)

    def isa_distractors(self, x: str, y: str) -> list[str]:
        """Wrong kinds for "x are a kind of y": categories with sub-kinds outside x's lineage."""
        world = self.world
        lin = world.lineage(x)
        cands = [c for c in self.internal if c not in lin] or [c for c in world.cats if c not in lin]
        return self.match.pick(self.rng, y, x, [(world.closeness(x, c), c) for c in cands])

    def rel_distractors(self, x: str, v: str, y: str, reverse: bool) -> list[str]:
        """Wrong objects (or, `reverse`, subjects) for "x v y": entities in relations with others."""
        world = self.world
        keep, anchor = (x, y) if reverse else (y, x)  # keep: the answer; anchor: the prompt entity
        bad = world.lineage(keep) | world.lineage(anchor)
        pairs = self.all_rel_subjects if reverse else self.all_rel_objects
        ranked = []
        for w, c in pairs:
            if c in bad:
                continue
            triple = (c, v, y) if reverse else (x, v, c)
            if triple in world.relations:
                continue
            ranked.append((2 if w == v else 1, c))
        return self.match.pick(self.rng, keep, anchor, ranked)

    def isa_rev_distractors(self, x: str, y: str) -> list[str]:
        """Wrong sub-kinds for "y include x": non-root categories outside both lineages."""
        world = self.world
        bad = world.lineage(x) | world.lineage(y)
        return self.match.pick(self.rng, x, y, [(world.closeness(y, c), c) for c in self.non_roots if c not in bad])

    def add(self, split: str, key: str, rule: str, fids: tuple[str, ...], kind: str, vals: dict,
            correct: str, wrong: list[str], template: tuple[str, str] | None, cluster: str = "") -> None:
        """Both forms of one item, options shuffled; nothing when no distractors could be matched."""
        if not wrong:
            return
        for form in FORMS:
            if form == "trained":
                stem = template[0].format(**vals)
                fmt_ans = template[1]
            elif split == "rephrasing":
                # the question asks for the held-out wording too: its answer line is no training sentence
                stem = QUESTIONS[kind].format(**vals).rsplit("\nAnswer: ", 1)[0] + "\nAnswer: " + template[0].format(**vals)
                fmt_ans = template[1]
            else:
                stem = QUESTIONS[kind].format(**vals)
                fmt_ans = {"rev": REL_REV_T[0], "isa_rev": ISA_REV_T}.get(kind, TEMPLATES.get(kind, ((),))[0])[1]
            slot = "x" if kind in ("rev", "isa_rev") else ("p" if kind == "prop" else "y")
            good = fmt_ans.format(**{slot: correct})
            bad = [fmt_ans.format(**{slot: w}) for w in wrong]
            options, answer = _shuffled_options(self.rng, good, bad)
            self.items.append(Item(f"{split}.{key}.{form}", split, form, stem, options, answer, rule, fids,
                                   cluster, f"{split}:{key}"))

    def fact_item(self, split: str, fid: str) -> None:
        """A recall item (a wording the documents use) or a rephrasing item (the held-out one)."""
        info, used, rng = self.sf.info, self.sf.used, self.rng
        kind = info[fid][0]
        if split == "recall":
            fwd = sorted(i for fam, i in used[fid] if fam == kind)
            template = TEMPLATES[kind][rng.choice(fwd)]
        else:
            template = TEMPLATES[kind][self.sf.held_out_template[fid]]
        rule = f"{split} of {fid}"
        if kind == "isa":
            _, x, y = info[fid]
            self.add(split, fid, rule, (fid,), "isa", {"x": x, "y": "{y}"}, y, self.isa_distractors(x, y), template, x)
        elif kind == "prop":
            _, x, p = info[fid]
            self.add(split, fid, rule, (fid,), "prop", {"x": x, "p": "{p}"}, p, self.prop_distractors(x, p),
                     template, x)
        else:
            _, x, v, y = info[fid]
            self.add(split, fid, rule, (fid,), "rel", {"x": x, "v": v, "y": "{y}"}, y,
                     self.rel_distractors(x, v, y, reverse=False), template, x)

    def capped(self, cands: list) -> list:
        """At most `items_per_split` of `cands`, drawn at random, in their order."""
        if self.items_per_split is None or len(cands) <= self.items_per_split:
            return cands
        picked = set(self.rng.sample(range(len(cands)), self.items_per_split))
        return [c for i, c in enumerate(cands) if i in picked]


def _semantic_fact_items(build: _SemanticItems) -> None:
    """The recall and rephrasing splits: the stated facts shuffled, one half asked in a wording
    the documents use, the other half in the wording they never use."""
    stated = [fid for fid in build.sf.facts]
    build.rng.shuffle(stated)
    half = len(stated) // 2
    for fid in build.capped(stated[:half]):
        build.fact_item("recall", fid)
    for fid in build.capped(stated[half:]):
        build.fact_item("rephrasing", fid)


def _semantic_reversal_items(build: _SemanticItems) -> None:
    """The reversal split: the reversal relations asked object-first ("y are v-ed by" -> x) and
    every "kind of" fact asked parent-first ("y include" -> x)."""
    sf = build.sf
    info = sf.info
    rev_cands = [f for f in sf.rel_ids if f in sf.reversal_rels] + [_isa_fid(c) for c in build.non_roots]
    for fid in build.capped(rev_cands):
        if info[fid][0] == "isa":
            _, x, y = info[fid]
            build.add("reversal", fid, f"reversal of {fid}", (fid,), "isa_rev", {"y": y}, x,
                      build.isa_rev_distractors(x, y), ISA_REV_T, x)
            continue
        _, x, v, y = info[fid]
        vals = {"x": "{x}", "v": v, "y": y, "ved": past_participle(v)}
        build.add("reversal", fid, f"reversal of {fid}", (fid,), "rev", vals, x,
                  build.rel_distractors(x, v, y, reverse=True), REL_REV_T[0], x)


def _semantic_premises(world: _Taxonomy, c: str, top: str) -> tuple[str, ...]:
    """The premise ids of "c are a kind of top": the "kind of" facts from c up to top, in order
    (an inference item's fact_ids: what retrieval must return for it, `Dataset.support`)."""
    out, d = [], c
    while d != top:
        out.append(_isa_fid(d))
        d = world.parent[d]
    return tuple(out)


def _semantic_inferences(world: _Taxonomy, sf: _SemanticFacts, c: str) -> list[tuple]:
    """Every inference about category c its pages never state, as (kind, c, target, premise ids):
    its transitive kinds (above its parent) and its inherited properties left unstated."""
    out = []
    for a in world.ancestors(c)[1:]:
        out.append(("isa", c, a, _semantic_premises(world, c, a)))
    for a in world.ancestors(c):
        for p in world.own[a]:
            if p not in sf.stated_props[c]:
                out.append(("prop", c, p, _semantic_premises(world, c, a) + (_prop_fid(a, p),)))
    return out


def _semantic_inference_items(build: _SemanticItems) -> None:
    """The syllogism split (inferences about the categories with pages of their own) and the
    category split (every inference about a holdout category)."""
    world, holdouts = build.world, set(build.world.holdouts)
    syl = [t for c in world.cats if c not in holdouts for t in _semantic_inferences(world, build.sf, c)]
    cat = [t for c in world.holdouts for t in _semantic_inferences(world, build.sf, c)]
    for split, cands in (("syllogism", syl), ("category", cat)):
        for kind, c, target, fids in build.capped(cands):
            key = f"{c}:{target}"
            if kind == "isa":
                rule = f"{split}: {' + '.join(fids)} => {c} are a kind of {target}"
                build.add(split, key, rule, fids, "isa", {"x": c, "y": "{y}"}, target,
                          build.isa_distractors(c, target), ISA_T[0], c)
            else:
                rule = f"{split}: {' + '.join(fids)} => {c} are {target}"
                build.add(split, key, rule, fids, "prop", {"x": c, "p": "{p}"}, target,
                          build.prop_distractors(c, target), PROP_T[0], c)


# --------------------------------------------------------------------------------------------
# Profiles

PROFILES: dict[str, dict[str, dict]] = {
    # A smoke test of the whole harness on a real model (the CI end-to-end run).
    "tiny": {
        "reversal": {"n_facts": 6, "docs_per_fact": 2},
        "syllogism": {"n_pairs": 8},
        "semantic": {"n_categories": 12, "n_docs": 12, "items_per_split": 3},
    },
    # Every arm on a 135M model in about 3 minutes on 2 CPU cores: a first look, one dataset seed.
    "quick": {
        "reversal": {"n_facts": 12, "docs_per_fact": 1},
        "syllogism": {"n_pairs": 8},
        "semantic": {"n_categories": 6, "n_docs": 6},
    },
    # Every arm, 3 dataset seeds pooled, in about 15 minutes on 2 CPU cores. Each fact is stated
    # once, so that the step budget buys facts instead of repetitions, and every derivable item is
    # asked; no sweeps (their cells held 2-12 items). Training and scoring on 2 cores are the
    # bound (~0.5 s per step of 8 sentences, ~15 arms per seed trained to the same budget), so the
    # splits stay far smaller than the paper's: reversal 100 facts, syllogisms 69 and 40
    # categories would take about 5x as long.
    "default": {
        "reversal": {"n_facts": 16, "docs_per_fact": 1},
        "syllogism": {"n_pairs": 12},
        "semantic": {"n_categories": 8, "n_docs": 8},
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
    dataset = _GENERATORS[name](seed, **PROFILES[profile][name])
    check_leaks(dataset)
    return dataset


def check_leaks(dataset: Dataset):
    """Fail (LeakError) when a test answer of `dataset` is in its documents or oracle
    augmentations (both variants: "covers" holds every augmentation); the counts otherwise."""
    from .leaks import check

    texts = [d.text for d in dataset.docs] + [t for table in (dataset.oracle_local, dataset.oracle_global)
                                             for texts in table.values() for t in texts]
    return check(dataset.items, texts, dataset.vocabulary, f"{dataset.name} seed {dataset.seed} (documents and oracle)")
