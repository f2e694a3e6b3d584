"""Seeded, offline regenerations of the datasets of Lampinen et al. 2025 (arXiv 2505.00661).

"On the generalization of language models from in-context learning and finetuning: a controlled
study" released no code or data; its datasets are rebuilt here from the paper's description
(/work/shared/reference/paper.md) so that the eval harness can compare in-context learning,
fine-tuning and augmented fine-tuning on the same facts:

- ``reversal``: "simple reversals" -- comparison facts between nonsense words ("femp are more
  dangerous than glon") over 28 features, in pairs (one fact per direction of a feature), each
  stated in several short articles with a random context line; tests are a forced choice between
  the reversal ("glon are less dangerous than femp") and the contradictory relation, plus recall
  of the trained direction.
- ``syllogism``: "simple syllogisms" -- a context line and two premises per example, the
  syllogisms of a document sharing one mood; tests give the two end terms and score candidate
  conclusions (see `syllogism` for why 4 and not 6 candidates), plus recall of one premise.
- ``semantic``: the "semantic structure benchmark" -- an invented category hierarchy (4 copies
  of one tree, "twins") with inherited properties and relations, written as wiki-like documents
  in varied formats; splits recall, rephrasing, reversal, syllogism and category holdout.

Every test item is scored by the likelihood of each option as a continuation of its prompt; the
options are never shown in the prompt (the paper's multiple-choice likelihood scoring). Every word
that stands for an entity, property or relation is a nonsense word (`words.nonsense_words`).

No shortcut answers a test, in any arm's own training texts (`ARM_TEXTS`: the documents, plus
the oracle's "local" or "global" augmentations, "covers" or "held out"): an item's options are
as frequent as each other (the answer's rank balanced, or all tied), as often in a text with the
prompt's entities, as often in a premise of the stem's quantifier (syllogisms), as long, and the
answer's key position is balanced (`_balance_positions`). One documented exception: where an
arm's texts state the tested proposition (`states_proposition`: recall, rephrasing and reversal
items, whose fact the documents state; an inference a "covers" oracle states), co-occurrence
with the prompt's entity is the knowledge itself, not a cue. The generators build this by
symmetry (reversal pairs, one-mood syllogism documents, semantic twins) and check it
(`_Matcher`): an item that fails is dropped, never matched on less, and counted per split in
``settings["dropped"]``. `scoring.baselines` recomputes every such cue; the tests hold each at
chance + 10 points at most. `split_support` says which splits have enough items, seeds and
clusters to carry a claim.

A "held out" oracle withholds whole units (a reversal pair, a syllogism document, a semantic
category with its twins), drawn before the items are matched, so that the withheld options lose
their texts alike.

Everything is derived from one ``random.Random`` seeded with the dataset name and seed; nothing
iterates over an unordered set, so the output does not depend on PYTHONHASHSEED.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass, field, replace
from itertools import combinations_with_replacement, product
from typing import Sequence

from adaptcost.corpus.sentences import split_sentences
from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean
from .words import CONSONANT_FINAL, PATTERNS, capitalize, nonsense_words, past_participle, plural

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
    recall, the training sentence that states the fact, from its start, as a fine-tuned arm trained
    on it; for the other splits a documents-style sentence that
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
    # the keys a "held out" oracle withholds (sorted): half the inference keys of each split, in
    # whole units, and the keys of texts that serve them (a syllogism's "premises:<sid>")
    held_out: tuple[str, ...] = ()

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
    return proposition_stated(item.split, item.key, keys)


def proposition_stated(split: str, key: str, keys: set[str]) -> bool:
    """`states_proposition` for an item of `split` with `key`, before the item exists."""
    return split in STATED_SPLITS or key in keys


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


def _held_out_units(rng: random.Random, units: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Half the units (at least one where there is one), drawn at random: their keys are what the
    "held out" oracle withholds and its arms are scored on. A unit is a group of inference keys
    withheld together so that no withheld text can be told from a kept one by its options'
    frequency (a reversal pair, a syllogism document, a semantic category)."""
    order = list(range(len(units)))
    rng.shuffle(order)
    hidden = order[: max(1, len(units) // 2)] if units else []
    return tuple(sorted(k for u in hidden for k in units[u]))


def _balance_positions(rng: random.Random, items: list[Item], held_out: Sequence[str]) -> list[Item]:
    """Every item with its answer moved to a key position drawn so that, within each (split,
    form, held out or not) group, every position is the answer equally often (to within one, the
    surplus positions drawn at random): no fixed key position beats chance. The distractors keep
    their order."""
    hidden = set(held_out)
    groups: dict[tuple, list[int]] = {}
    for k, item in enumerate(items):
        groups.setdefault((item.split, item.form, item.key in hidden, len(item.options)), []).append(k)
    out = list(items)
    for (_, _, _, width), rows in groups.items():
        slots: list[int] = []
        while len(slots) < len(rows):
            cycle = list(range(width))
            rng.shuffle(cycle)
            slots += cycle
        slots = slots[: len(rows)]
        rng.shuffle(slots)
        for k, slot in zip(rows, slots):
            item = out[k]
            wrong = [o for j, o in enumerate(item.options) if j != item.answer]
            options = wrong[:slot] + [item.options[item.answer]] + wrong[slot:]
            out[k] = replace(item, options=tuple(options), answer=slot)
    return out


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
    itself answers its tests). Facts come in pairs on one feature, one in each direction ("femp
    are more dangerous than glon", "trolt are less dangerous than deaps"), so that a comparative
    and its antonym are equally frequent in the documents and in every oracle's texts (a pair is
    held out as a whole): neither the more nor the less frequent wording answers a test. Items
    per fact: "recall" (the trained direction: correct relation vs contradictory one) and
    "reversal" (the other direction: "glon are less dangerous than femp" vs "glon are more
    dangerous than femp"), each as "trained" and "question".
    """
    _positive("n_facts", n_facts)
    if n_facts % 2:
        raise AdaptcostError(f"n_facts must be even (facts come in pairs, one per direction of a feature), not {n_facts}")
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
    directions: list[tuple[str, str, str, str]] = []  # per fact: (relation, antonym, dimension, pair)
    for k in range(n_facts // 2):
        more, less, dim = rng.choice(features)
        first = (more, less) if rng.random() < 0.5 else (less, more)
        directions += [(*first, dim, f"p{k + 1:03d}"), (first[1], first[0], dim, f"p{k + 1:03d}")]
    pairs: dict[str, list[str]] = {}
    for i, (rel, anti, dim, pair) in enumerate(directions):
        a, b = words[2 * i], words[2 * i + 1]
        fid = f"f{i + 1:03d}"
        pairs.setdefault(pair, []).append(f"reversal:{fid}")
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
        lead, end = _trained_wording(contexts[0].format(fact=fact), fact)
        for split, subj, obj, good, bad in (("recall", a, b, rel, anti), ("reversal", b, a, anti, rel)):
            rule = f"{split} of {fid}"
            for form in FORMS:
                stem, stop = f"{subj} are", "."
                if form == "question":
                    stem = f"Question: How do {subj} compare with {obj} in {dim}?\nAnswer: {subj} are"
                elif split == "recall":  # the trained sentence itself: its lead-in and its end
                    stem, stop = f"{lead}{subj} are", end
                options, answer = _shuffled_options(rng, f" {good} than {obj}{stop}", [f" {bad} than {obj}{stop}"])
                items.append(Item(f"{fid}.{split}.{form}", split, form, stem, options, answer, rule, (fid,),
                                  fid, f"{split}:{fid}"))
    rng.shuffle(docs)
    held_out = _held_out_units(rng, list(pairs.values()))
    settings = {"n_facts": n_facts, "n_features": n_features, "docs_per_fact": docs_per_fact,
                "dropped": {}}
    return Dataset("reversal", seed, settings, tuple(docs), tuple(_balance_positions(rng, items, held_out)), facts,
                   local, glob, tuple(words), keys, held_out)


def _trained_wording(text: str, fact: str) -> tuple[str, str]:
    """What comes before `fact` in the training sentence of `text` that states it (a fine-tuned arm
    trains on the documents' sentences, each from its start), and the punctuation that ends it: a
    recall item of the trained form asks the fact in the very words the model trained on ("Researchers
    report that femp are" ... "."; "Did you know that femp are" ... "?"), so that recall of trained
    facts measures memory of the training text, not a transfer to another context."""
    sentence = next(s for s in split_sentences(text) if fact in s)
    start = sentence.index(fact)
    return sentence[:start], sentence[start + len(fact):][:1] or "."


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


def _letters(pattern: str) -> int:
    """How many letters a `words.PATTERNS` pattern spells (clusters and vowel pairs: two)."""
    return sum(2 if slot in "OKD" else 1 for slot in pattern)


def syllogism(seed: int, n_pairs: int = 69, pairs_per_doc: int = 4) -> Dataset:
    """The paper's "simple syllogisms": `n_pairs` syllogisms, two premises each, about
    `pairs_per_doc` of them to a document under one context line (n_pairs // pairs_per_doc
    documents, the remainder spread over them).

    The paper scores the 6 statements {all, some, no} x 2 directions about the two end terms;
    there the quantifier alone gives the answer away (the premises' "atmosphere": any "no"
    premise -> "no", else any "some" -> "some", which is right for every valid mood used, so
    picking by quantifier scores ~80% with no inference at all). Here the stem states the valid
    conclusion's quantifier and subject ("All S are", "Some P are"), and the options are the
    other end term and the same-role end terms of other syllogisms of the same document.

    Every syllogism of a document has the same mood and conclusion direction, and all its terms
    have the same length: the options are then interchangeable on every cue but the chain S-M-P,
    in the documents and in every oracle's texts. Each option word appears once in the document,
    in a premise of the same quantifier and position (frequency, co-occurrence, the quantifier
    cue and atmosphere tie; length too), the oracle states each syllogism's conclusion and
    rephrases its premises alike, and a "held out" oracle withholds whole documents (every
    option of an item then loses its texts alike). The documents' conclusion quantifiers cycle
    through all/some/no (Barbara is the only all-conclusion mood). Exactly one option is valid
    (checked by `syllogism_valid`); chance is 1/4.

    Items per syllogism: its conclusion ("syllogism") and the completion of one of its premises
    ("recall": stem "All zints are" -> " blims.", distractors the same-role terms of the same
    premise of the other syllogisms of the document), so that a fine-tuned arm's recall of its
    trained facts can be checked on this set too; each as "trained" and "question".
    """
    _positive("n_pairs", n_pairs)
    if not 4 <= _positive("pairs_per_doc", pairs_per_doc) <= 8:
        raise AdaptcostError(f"pairs_per_doc must be between 4 and 8, not {pairs_per_doc}")
    if n_pairs < 4:
        raise AdaptcostError(f"n_pairs must be at least 4 (an item's distractors are 3 syllogisms of its document), "
                             f"not {n_pairs}")
    rng = _rng("syllogism", seed)
    n_docs = max(1, n_pairs // pairs_per_doc)
    sizes = [n_pairs // n_docs + (g < n_pairs % n_docs) for g in range(n_docs)]
    by_q = {q: [m for m in MOODS if m[4][0] == q] for q in ("all", "some", "no")}
    cycle: list[str] = []
    facts: dict[str, str] = {}
    groups: list[list[tuple]] = []
    taken: set[str] = set()
    i = 0
    for size in sizes:
        if not cycle:
            cycle = ["all", "some", "no"]
            rng.shuffle(cycle)
        mood = rng.choice(by_q[cycle.pop()])
        # the conclusion's subject: S for "all"; either end for the symmetric "some" and "no"
        subj, obj = ("S", "P") if mood[4][0] == "all" or rng.random() < 0.5 else ("P", "S")
        length = rng.choice((4, 5))
        words = nonsense_words(3 * size, rng, forbid=taken, patterns=[p for p in PATTERNS if _letters(p) == length])
        taken |= set(words)
        group = []
        for k in range(size):
            names = dict(zip(("S", "M", "P"), words[3 * k: 3 * k + 3]))
            sid = f"s{i + 1:03d}"
            i += 1
            facts[f"{sid}.1"], facts[f"{sid}.2"] = _say(mood[2], names), _say(mood[3], names)
            group.append((sid, names, mood, subj, obj))
        groups.append(group)
    docs: list[Doc] = []
    items: list[Item] = []
    local: dict[str, tuple[str, ...]] = {}
    glob: dict[str, tuple[str, ...]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    for g, group in enumerate(groups):
        doc_id = f"d{g + 1:03d}"
        premises = [f"{sid}.{k}" for sid, *_ in group for k in (1, 2)]
        rng.shuffle(premises)
        docs.append(Doc(doc_id, f"{rng.choice(SYLLOGISM_CONTEXTS)}\n" + " ".join(facts[f] for f in premises),
                        tuple(sorted(premises))))
        rephrasings, conclusions = [], []
        for sid, names, mood, subj, obj in group:
            # a premise's rephrasings serve its syllogism (without stating it): their key
            # "premises:<sid>" is withheld with the syllogism's own
            for text in (r for p in mood[2:4] for r in _rephrase_premise(p, names)):
                keys[text] = (f"premises:{sid}",)
                rephrasings.append(text)
            text = _CONCLUDE[mood[4][0]].format(x=names[subj], y=names[obj])
            keys[text] = (f"syllogism:{sid}",)
            conclusions.append(text)
        local[doc_id], glob[doc_id] = tuple(rephrasings), tuple(conclusions)
        for pair in group:
            items += _syllogism_items(rng, pair, group)
    rng.shuffle(docs)
    held_out = _held_out_units(rng, [[k for p in group for k in (f"syllogism:{p[0]}", f"premises:{p[0]}")]
                                     for group in groups])
    settings = {"n_pairs": n_pairs, "pairs_per_doc": pairs_per_doc, "dropped": {}}
    return Dataset("syllogism", seed, settings, tuple(docs), tuple(_balance_positions(rng, items, held_out)), facts,
                   local, glob, tuple(w for g in groups for _, n, *_ in g for w in n.values()), keys,
                   held_out)


def _rephrase_premise(statement, names) -> list[str]:
    q, x, y = statement
    if q == "all":
        return [f"Without exception, {names[x]} are {names[y]}."]
    if q == "some":
        return [f"At least some {names[x]} are {names[y]}.", f"Some {names[y]} are {names[x]}."]
    return [f"{names[x]} are never {names[y]}.", f"No {names[y]} are {names[x]}."]


def _syllogism_items(rng: random.Random, pair, group) -> list[Item]:
    """Both forms of one syllogism's two tests: its conclusion (the stem gives the quantifier and
    subject; the options are its other end term and the same-role terms of 3 other syllogisms of
    its document) and one of its premises, drawn ("recall": options the same-role terms of the
    same premise of those syllogisms)."""
    sid, names, mood, subj, obj = pair
    quant = mood[4][0]
    others = rng.sample([p for p in group if p[0] != sid], 3)
    if not syllogism_valid((mood[2], mood[3]), (quant, subj, obj)):  # pragma: no cover - MOODS bug
        raise AssertionError(f"{mood[0]}: the conclusion does not follow")
    premise = rng.choice((1, 2))
    q, x, y = mood[1 + premise]
    tests = (("syllogism", f"syllogism:{sid}", quant, subj, obj, (f"{sid}.1", f"{sid}.2"),
              f"{mood[0]} ({mood[1]}): {sid}.1 + {sid}.2 => {_say((quant, subj, obj), names)}"),
             ("recall", f"recall:{sid}.{premise}", q, x, y, (f"{sid}.{premise}",),
              f"recall of {sid}.{premise}: {_say((q, x, y), names)}"))
    out = []
    for split, key, quantifier, head_role, answer_role, fact_ids, rule in tests:
        head = f"{capitalize(quantifier)} {names[head_role]} are"
        wrong = [f" {p[1][answer_role]}." for p in others]
        for form in FORMS:
            if form == "trained":
                context = rng.choice(SYLLOGISM_CONTEXTS)  # drawn for recall too: every later draw stays as it was
                # recall: the premise as the model trained on it, a sentence of its own (the documents'
                # context line is the sentence before it); the conclusion, never in the documents, under
                # a context line like theirs
                stem = head if split == "recall" else f"{context}\n{head}"
            elif split == "syllogism":
                stem = f"Question: What follows about {names[head_role]}?\nAnswer: {head}"
            else:
                stem = f"Question: What is stated about {names[head_role]}?\nAnswer: {head}"
            options, answer = _shuffled_options(rng, f" {names[answer_role]}.", wrong)
            suffix = "" if split == "syllogism" else f".{premise}"
            out.append(Item(f"{sid}{suffix}.{split}.{form}", split, form, stem, options, answer, rule, fact_ids,
                            sid, key))
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

    def __init__(self, rng: random.Random, n_categories: int, max_props: int = 6):
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
        counts = {c: 0 if c in self.holdouts else rng.randint(2 if self.children[c] else 1, max_props)
                  for c in self.cats}
        props = nonsense_words(sum(counts.values()), rng, forbid=set(self.verbs) | set(self.cats))
        self.own: dict[str, list[str]] = {}
        k = 0
        for c in self.cats:
            self.own[c] = props[k:k + counts[c]]
            k += counts[c]
        self.owner = {p: c for c in self.cats for p in self.own[c]}
        # Relations: each verb maps distinct subjects to distinct objects (a partial injection),
        # never within one line of descent, never touching a holdout. At least one where two
        # categories have pages (within one line of descent if the tree allows nothing else): the
        # relations join the world's copies (`_Twins`).
        live = [c for c in self.cats if c not in self.holdouts]
        target = max(2, len(live))
        self.relations: list[tuple[str, str, str]] = []
        used_s: set[tuple[str, str]] = set()
        used_o: set[tuple[str, str]] = set()
        for apart in (True, False):
            tries = 0
            while len(self.relations) < (target if apart else 1) and tries < 50 * target and len(live) > 1:
                tries += 1
                v, x, y = rng.choice(self.verbs), rng.choice(live), rng.choice(live)
                if x == y or (apart and y in self.lineage(x)) or (v, x) in used_s or (v, y) in used_o:
                    continue
                if any({r[0], r[2]} == {x, y} for r in self.relations):  # one relation per pair
                    continue
                self.relations.append((x, v, y))
                used_s.add((v, x))
                used_o.add((v, y))

    def twinned(self, twins: "_Twins") -> "_Taxonomy":
        """The world of every copy: one tree per copy, the verbs shared, each relation from a
        subject of copy t to an object of copy t + 1 (`_Twins`)."""
        maps = twins.maps
        out = object.__new__(_Taxonomy)
        out.verbs = list(self.verbs)
        out.cats = [m[c] for m in maps for c in self.cats]
        out.parent = {m[c]: (m[p] if p is not None else None) for m in maps for c, p in self.parent.items()}
        out.children = {m[c]: [m[d] for d in kids] for m in maps for c, kids in self.children.items()}
        out.holdouts = [m[c] for m in maps for c in self.holdouts]
        out.own = {m[c]: [m[p] for p in props] for m in maps for c, props in self.own.items()}
        out.owner = {p: c for c in out.cats for p in out.own[c]}
        out.relations = [(twins.word(x, t), v, twins.word(y, t + 1)) for t in range(len(maps)) for x, v, y in self.relations]
        return out

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

    def true_props(self, c: str) -> list[str]:
        return [p for d in [c, *self.ancestors(c)] for p in self.own[d]]


def _isa_fid(x: str) -> str:
    return f"isa:{x}"


def _prop_fid(x: str, p: str) -> str:
    return f"prop:{x}:{p}"


def _rel_fid(x: str, v: str, y: str) -> str:
    return f"rel:{x}:{v}:{y}"


class _Cues:
    """One arm's training texts as a model without the knowledge could read them: how often each
    word occurs, and which texts it is in (the cues of `scoring.baselines`)."""

    def __init__(self, texts: Sequence[str]):
        self.count: dict[str, int] = {}
        self.where: dict[str, set[int]] = {}
        for k, text in enumerate(texts):
            for w in re.findall(r"[a-z]+", text.lower()):
                self.count[w] = self.count.get(w, 0) + 1
                self.where.setdefault(w, set()).add(k)

    def cooccurrence(self, anchors: Sequence[str], word: str) -> int:
        """Texts that hold `word` and any of `anchors` (the prompt's entities)."""
        near: set[int] = set()
        for a in anchors:
            near |= self.where.get(a, set())
        return len(near & self.where.get(word, set()))


class _Matcher:
    """Distractors matched to the answer, at once in every arm's own training texts that score
    the item (ARM_TEXTS: the documents, both oracles' "covers" texts, and the "held out" ones for
    recall items and held-out keys), on the cues a model could use without the knowledge:

    - co-occurrence with the prompt's entities: equal to the answer's in every such corpus, except
      where the corpus states the item's proposition (`states_proposition`: recall, rephrasing and
      reversal items; an inference a "covers" oracle states), where co-occurrence is the knowledge;
    - frequency: every distractor above the answer in every such corpus, or below it in every one,
      or tied with it in every one; the number above drawn uniformly from 0..k (or all k tied), so
      that the most and the least frequent option both score chance;
    - length: a distractor as long as the answer preferred, then the closest in frequency.

    Never a fallback: when no candidate set satisfies the rules the item is dropped, and the reason
    counted (`dropped`, per split: the dataset's settings["dropped"])."""

    def __init__(self, corpora: dict[str, _Cues], stated: dict[str, set[str]], held_out: set[str]):
        self.corpora, self.stated, self.held_out = corpora, stated, held_out
        self.dropped: dict[str, dict[str, int]] = {}
        self.decks: dict[tuple[str, bool], list[int]] = {}

    def arms(self, split: str, key: str) -> tuple[list[str], list[str]]:
        """The arms that score an item (frequency matched in each) and those whose co-occurrence
        must match (the ones among them that do not state its proposition)."""
        scoring = [a for a, (_, variant) in ARM_TEXTS.items()
                   if variant == "covers" or split == "recall" or key in self.held_out]
        cue = [a for a in scoring if not proposition_stated(split, key, self.stated[a])]
        return scoring, cue

    def drop(self, split: str, reason: str) -> list[str]:
        counts = self.dropped.setdefault(split, {})
        counts[reason] = counts.get(reason, 0) + 1
        return []

    def pick(self, rng: random.Random, split: str, key: str, answer: str, anchors: Sequence[str],
             candidates: Sequence[str], k: int = 3) -> list[str]:
        """k distractors for `answer` among `candidates` (wrong by construction), or [] (dropped)."""
        pool = sorted(set(candidates) - {answer})
        if len(pool) < k:
            return self.drop(split, "fewer than 3 wrong candidates")
        scoring, cue = self.arms(split, key)
        cands = [c for c in pool if all(self.corpora[a].cooccurrence(anchors, c) ==
                                        self.corpora[a].cooccurrence(anchors, answer) for a in cue)]
        if len(cands) < k:
            return self.drop(split, "co-occurrence unmatched")
        docs = self.corpora["documents"].count

        def order(c: str) -> tuple:
            return (len(c) != len(answer), abs(docs.get(c, 0) - docs.get(answer, 0)), c)

        # per candidate: above (+1), tied (0) or below (-1) the answer, in each scoring arm's texts
        sides: dict[tuple[int, ...], list[str]] = {}
        for c in sorted(cands, key=order):
            vector = tuple((self.corpora[a].count.get(c, 0) > self.corpora[a].count.get(answer, 0)) -
                           (self.corpora[a].count.get(c, 0) < self.corpora[a].count.get(answer, 0)) for a in scoring)
            sides.setdefault(vector, []).append(c)
        tied = sides.get((0,) * len(scoring), [])
        if len(tied) >= k:  # all tie with the answer in every arm's texts
            same = [c for c in tied if len(c) == len(answer)]
            return rng.sample(same[:2 * k] if len(same) >= k else tied[:k], k)
        preference = {c: n for n, c in enumerate(sorted(cands, key=order))}
        picks = {up: _ranked_pick(sides, preference, up, k) for up in range(k + 1)}
        if not all(picks.values()):
            return self.drop(split, "frequency unmatched")
        # the number of distractors above the answer: from a shuffled deck per split and held-out
        # status, so that it is 0..k equally often and the most and least frequent option both
        # score chance (not only in expectation)
        deck = self.decks.setdefault((split, key in self.held_out), [])
        if not deck:
            deck += range(k + 1)
            rng.shuffle(deck)
        return picks[deck.pop()]


def _ranked_pick(sides: dict[tuple[int, ...], list[str]], preference: dict[str, int], up: int, k: int) -> list[str]:
    """k candidates, `up` of them above the answer and the rest below it in every arm's texts
    (per arm; a candidate may be above in one arm and below in another), preferring the
    candidates early in `preference` (candidate -> place); [] when none."""
    vectors = sorted(v for v in sides if 0 not in v)
    best: tuple | None = None
    for combo in combinations_with_replacement(vectors, k):
        if any(combo.count(v) > len(sides[v]) for v in combo):
            continue
        if any(sum(v[j] > 0 for v in combo) != up for j in range(len(combo[0]))):
            continue
        taken: list[str] = []
        for v in sorted(set(combo)):
            taken += sides[v][: combo.count(v)]
        rank = (sum(preference[c] for c in taken), sorted(taken))
        if best is None or rank < best[0]:
            best = (rank, taken)
    return best[1] if best else []


_PAGE_CHUNK = 16  # the most facts a category's first (prose) page states; more facts: more such pages


TWINS = 4  # copies of the semantic world: an item's options are the answer and its 3 twins


def semantic(seed: int, n_categories: int = 108, n_docs: int = 2160,
             items_per_split: int | None = None, stated_inherited: float = 0.3, max_props: int = 6) -> Dataset:
    """The paper's semantic structure benchmark, regenerated (defaults: the paper's 110 categories
    and 2,200 documents, rounded down to a multiple of TWINS).

    World: TWINS copies ("twins") of one tree of invented categories (nonsense plural nouns) with
    1 to `max_props` own properties each (at least 2 for a category with sub-kinds; the paper: 6) (nonsense adjectives, inherited by every descendant), and relations
    between categories (nonsense verbs, shared by the copies: "gruds zorp blims"). A copy is the
    same tree, pages and wordings with fresh nonsense words of the same lengths: every category,
    property and fact of one copy has a twin in every other. A fraction `stated_inherited` of the
    inherited properties is written in the documents too (as a wiki would); the rest is only
    derivable.

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

    Distractors: the answer's twins (the same property, kind or relation partner in the other
    copies), wrong by construction. Twins are interchangeable on every cue a model could use
    without the knowledge, in the documents and in every oracle's texts (a "held out" oracle
    withholds a category with its twins): they are as frequent, as long, and as often named in
    premises. `_Matcher` checks this in every arm's own texts and drops (and counts, in
    settings["dropped"]) an item where it fails, e.g. an inherited property that a child's page
    states beside the category's name (co-occurrence). Oracle augmentations use wordings no test
    uses (AUG_*) and name the item keys they state (`Dataset.oracle_keys`). `items_per_split`
    caps the number of facts/inferences of one copy tested per split (None: all; each is asked
    in every copy).

    The parts below draw from one random stream in this order (the order fixes the output):
    world, facts, documents (of one copy), the twins' words, the planned items, the held-out
    keys, the items' distractors and options, then the documents' shuffle.
    """
    _semantic_check(n_categories, n_docs, items_per_split, stated_inherited)
    if not 2 <= _positive("max_props", max_props) <= 6:
        raise AdaptcostError(f"max_props must be between 2 and 6, not {max_props}")
    rng = _rng("semantic", seed)
    base = _Taxonomy(rng, n_categories // TWINS, max_props)
    base_sf = _semantic_facts(rng, base, stated_inherited)
    base_docs = _semantic_docs(rng, base, base_sf, n_docs // TWINS, n_categories // TWINS)
    twins = _Twins(_twin_maps(rng, base, base_sf))
    world = base.twinned(twins)
    sf = _twin_facts(base_sf, twins)
    docs = [twins.doc(d, t, base_sf.info) for t in range(TWINS) for d in base_docs]
    local, glob, keys = _semantic_oracles(world, sf, docs)
    build = _SemanticItems(rng, world, sf, items_per_split, base, base_sf, twins)
    _semantic_fact_items(build)
    _semantic_reversal_items(build)
    _semantic_inference_items(build)
    held_out = build.held_out()
    vocabulary = tuple(world.verbs) + tuple(world.cats) + tuple(p for c in world.cats for p in world.own[c])
    build.matched_in(Dataset("semantic", seed, {}, tuple(docs), (), sf.facts, local, glob, vocabulary, keys, held_out))
    build.build()
    items = _balance_positions(rng, build.items, held_out)

    rng.shuffle(docs)
    settings = {"n_categories": n_categories, "n_docs": n_docs, "items_per_split": items_per_split,
                "stated_inherited": stated_inherited, "max_props": max_props, "twins": TWINS, "n_holdouts": len(world.holdouts),
                "n_relations": len(world.relations), "n_verbs": len(world.verbs),
                "dropped": {split: dict(sorted(c.items())) for split, c in sorted(build.match.dropped.items())}}
    return Dataset("semantic", seed, settings, tuple(docs), tuple(items), sf.facts, local, glob, vocabulary,
                   keys, held_out)


def _twin_maps(rng: random.Random, base: "_Taxonomy", sf: "_SemanticFacts") -> list[dict[str, str]]:
    """Per copy, the word each category and property of the base world becomes (the first copy
    is the base itself): fresh nonsense words of the same length, drawn length by length."""
    words = list(base.cats) + [p for c in base.cats for p in base.own[c]]
    taken = set(words) | set(base.verbs)
    maps: list[dict[str, str]] = [{w: w for w in words}]
    for _ in range(TWINS - 1):
        fresh: dict[str, str] = {}
        for length in sorted({len(w) for w in words}):
            same = [w for w in words if len(w) == length]
            drawn = nonsense_words(len(same), rng, forbid=taken,
                                   patterns=[p for p in PATTERNS if _letters(p) == length])
            taken |= set(drawn)
            fresh.update(zip(same, drawn))
        maps.append({w: fresh[w] for w in words})
    return maps


# Marks on a relation's partner in the base copy's pages: the partner lives in the next copy (the
# object, on the subject's page) or in the previous one (the subject, on the object's page).
NEXT, PREVIOUS = "\u2191", "\u2193"
_NAME = re.compile(f"([{NEXT}{PREVIOUS}]?)([A-Za-z]+)")


class _Twins:
    """The copies of the semantic world: per copy t, the word each base category and property
    becomes. A relation "x v y" of the base becomes, in copy t, "x_t v y_(t+1)": the copies form one
    connected world (no copy is an island of words that only co-occur among themselves), and every
    copy still looks the same from its own side."""

    def __init__(self, maps: list[dict[str, str]]):
        self.maps = maps

    def word(self, w: str, t: int) -> str:
        return self.maps[t % len(self.maps)].get(w, w)

    def fid(self, fid: str, t: int) -> str:
        """A base fact id in copy t (a relation's: t is its subject's copy)."""
        kind, *parts = fid.split(":")
        if kind == "rel":
            x, v, y = parts
            return f"rel:{self.word(x, t)}:{v}:{self.word(y, t + 1)}"
        return ":".join([kind] + [self.word(x, t) for x in parts])

    def text(self, text: str, t: int) -> str:
        """`text` of the base copy in copy t (a capitalised word stays capitalised; a marked
        relation partner goes to the next or the previous copy)."""
        def swap(match: re.Match) -> str:
            mark, w = match.group(1), match.group(2)
            shift = {NEXT: 1, PREVIOUS: -1}.get(mark, 0)
            twin = self.word(w.lower(), t + shift)
            if twin == w.lower():
                return w
            return capitalize(twin) if w[0].isupper() else twin
        return _NAME.sub(swap, text)

    def doc(self, doc: Doc, t: int, info: dict[str, tuple]) -> Doc:
        """A base page in copy t: a relation it states about its category as the object belongs to
        the previous copy's subject."""
        c, rest = doc.id.rsplit(".d", 1)
        fids = tuple(self.fid(f, t - 1 if info[f][0] == "rel" and info[f][3] == c else t) for f in doc.fact_ids)
        return Doc(f"{self.word(c, t)}.d{rest}", self.text(doc.text, t), fids)


def _twin_facts(sf: "_SemanticFacts", twins: _Twins) -> "_SemanticFacts":
    """The facts of every copy, in copy order (a relation is its subject's copy's)."""
    out = _SemanticFacts({}, {}, {}, {}, [], set(), {}, {})
    for t in range(len(twins.maps)):
        for fid in sf.facts:
            twin = twins.fid(fid, t)
            kind, *words = sf.info[fid]
            if kind == "rel":
                x, v, y = words
                out.info[twin] = ("rel", twins.word(x, t), v, twins.word(y, t + 1))
            else:
                out.info[twin] = (kind, *(twins.word(w, t) for w in words))
            out.facts[twin] = (f"{out.info[twin][1]} {out.info[twin][2]} {out.info[twin][3]}." if kind == "rel"
                               else twins.text(sf.facts[fid], t))
            out.held_out_template[twin] = sf.held_out_template[fid]
            out.used[twin] = set(sf.used[fid])
        for c, fids in sf.page_facts.items():
            out.page_facts[twins.word(c, t)] = [twins.fid(f, t - 1 if sf.info[f][0] == "rel" and sf.info[f][3] == c else t)
                                                for f in fids]
            out.stated_props[twins.word(c, t)] = {twins.word(p, t) for p in sf.stated_props[c]}
        out.rel_ids += [twins.fid(f, t) for f in sf.rel_ids]
        out.reversal_rels |= {twins.fid(f, t) for f in sf.reversal_rels}
    return out


def _semantic_check(n_categories, n_docs, items_per_split, stated_inherited) -> None:
    """Refuse sizes the benchmark cannot be built at (AdaptcostError)."""
    if _positive("n_categories", n_categories) < 4 * TWINS or n_categories % TWINS:
        raise AdaptcostError(f"n_categories must be a multiple of {TWINS} (the world's copies), at least {4 * TWINS}, "
                             f"not {n_categories}")
    if _positive("n_docs", n_docs) < n_categories or n_docs % TWINS:
        raise AdaptcostError(f"n_docs ({n_docs}) must be a multiple of {TWINS}, at least n_categories ({n_categories})")
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
    for fid in rng.sample(rel_ids, min(len(rel_ids), max(1, (2 * len(rel_ids)) // 3))):
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
    """`_semantic_line`, with a relation's partner marked as living in the next copy (the object,
    on the subject's page) or the previous one (the subject, on the object's page): `_Twins`."""
    line = _semantic_line(rng, sf, fid, fmt, forward_only, page)
    if sf.info[fid][0] != "rel":
        return line
    _, x, _, y = sf.info[fid]
    partner, mark = (y, NEXT) if page == x else (x, PREVIOUS)
    return re.sub(rf"\b{partner}\b", mark + partner, line)


def _semantic_line(rng: random.Random, sf: _SemanticFacts, fid: str, fmt: str, forward_only: bool,
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
        # "y are what x v" names the object first: it states the reversal too
        return [stated(AUG_REL.format(x=x, v=v, y=y), f"rephrasing:{fid}", f"reversal:{fid}"),
                stated(AUG_REL_REV.format(x=x, v=v, y=y), f"rephrasing:{fid}", f"reversal:{fid}")]

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
    """The semantic benchmark's test items: the split builders below first plan their candidates
    on the base copy (`plan`: split -> [(key, unit, build)], each candidate asked in every copy;
    unit: the base category, what a "held out" oracle withholds with its twins), the held-out keys
    are drawn from the plan, then every candidate is built with its answer's twins as distractors,
    checked in every arm's texts (`_Matcher`), both forms of each item; a candidate that fails
    the check is dropped and counted."""

    def __init__(self, rng: random.Random, world: _Taxonomy, sf: _SemanticFacts, items_per_split: int | None,
                 base: _Taxonomy, base_sf: _SemanticFacts, twins: "_Twins"):
        self.rng, self.world, self.sf, self.items_per_split = rng, world, sf, items_per_split
        self.base, self.base_sf, self.tw = base, base_sf, twins
        self.twins = {m[w]: tuple(mm[w] for mm in twins.maps) for w in twins.maps[0] for m in twins.maps}
        self.match: _Matcher | None = None  # set once the held-out keys are known (`matched_in`)
        self.items: list[Item] = []
        self.plan: dict[str, list[tuple[str, str, object]]] = {split: [] for split in SPLITS}
        self.non_roots = [c for c in base.cats if base.parent[c] is not None]

    def held_out(self) -> tuple[str, ...]:
        """Half the planned base categories of every generalization split, with their twins (a
        unit: every key of the split about one category in every copy), drawn at random: what a
        "held out" oracle withholds."""
        out: list[str] = []
        for split in SPLITS[1:]:
            units: dict[str, list[str]] = {}
            for key, unit, _ in self.plan[split]:
                units.setdefault(unit, []).append(key)
            out += _held_out_units(self.rng, [units[c] for c in sorted(units)]) if units else []
        return tuple(sorted(out))

    def planned(self, split: str, unit: str, key_of, make) -> None:
        """Plan one base candidate in every copy: key_of(t) its key in copy t, make(t) builds it there."""
        for t in range(len(self.tw.maps)):
            self.plan[split].append((key_of(t), unit, lambda t=t: make(t)))

    def matched_in(self, provisional: "Dataset") -> None:
        """Check distractors in the training texts of every arm of `provisional` (the dataset
        without its items)."""
        corpora = {arm: _Cues(provisional.arm_texts(kind, variant)) for arm, (kind, variant) in ARM_TEXTS.items()}
        stated = {arm: stated_keys(provisional, kind, variant) for arm, (kind, variant) in ARM_TEXTS.items()}
        self.match = _Matcher(corpora, stated, set(provisional.held_out))

    def build(self) -> None:
        for split in SPLITS:
            for _, _, make in self.plan[split]:
                make()

    def distractors(self, at: tuple[str, str], answer: str, anchors: list[str]) -> list[str]:
        """The answer's twins, when `_Matcher` finds them matched in every arm's texts."""
        return self.match.pick(self.rng, *at, answer, anchors, self.twins[answer])

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
        at = (split, f"{split}:{fid}")
        if kind == "isa":
            _, x, y = info[fid]
            self.add(split, fid, rule, (fid,), "isa", {"x": x, "y": "{y}"}, y, self.distractors(at, y, [x]),
                     template, x)
        elif kind == "prop":
            _, x, p = info[fid]
            self.add(split, fid, rule, (fid,), "prop", {"x": x, "p": "{p}"}, p, self.distractors(at, p, [x]),
                     template, x)
        else:
            # the prompt's entities: "x v" (the verb is a nonsense word too)
            _, x, v, y = info[fid]
            self.add(split, fid, rule, (fid,), "rel", {"x": x, "v": v, "y": "{y}"}, y,
                     self.distractors(at, y, [x, v]), template, x)

    def capped(self, cands: list) -> list:
        """At most `items_per_split` of `cands`, drawn at random, in their order."""
        if self.items_per_split is None or len(cands) <= self.items_per_split:
            return cands
        picked = set(self.rng.sample(range(len(cands)), self.items_per_split))
        return [c for i, c in enumerate(cands) if i in picked]


def _subject(sf: _SemanticFacts, fid: str) -> str:
    """The category a stated fact is about (its subject): an item's cluster."""
    return sf.info[fid][1]


def _semantic_fact_items(build: _SemanticItems) -> None:
    """Plan the recall and rephrasing splits: the stated facts shuffled, one half asked in a
    wording the documents use, the other half in the wording they never use."""
    stated = [fid for fid in build.base_sf.facts]
    build.rng.shuffle(stated)
    half = len(stated) // 2
    for split, fids in (("recall", stated[:half]), ("rephrasing", stated[half:])):
        for fid in build.capped(fids):
            build.planned(split, _subject(build.base_sf, fid), lambda t, split=split, fid=fid: f"{split}:{build.tw.fid(fid, t)}",
                          lambda t, split=split, fid=fid: build.fact_item(split, build.tw.fid(fid, t)))


def _semantic_reversal_item(build: _SemanticItems, fid: str) -> None:
    info = build.sf.info
    at = ("reversal", f"reversal:{fid}")
    if info[fid][0] == "isa":
        _, x, y = info[fid]
        build.add("reversal", fid, f"reversal of {fid}", (fid,), "isa_rev", {"y": y}, x,
                  build.distractors(at, x, [y]), ISA_REV_T, x)
        return
    # the prompt's entity: "y are v-ed by" (the participle is no entity)
    _, x, v, y = info[fid]
    vals = {"x": "{x}", "v": v, "y": y, "ved": past_participle(v)}
    build.add("reversal", fid, f"reversal of {fid}", (fid,), "rev", vals, x,
              build.distractors(at, x, [y]), REL_REV_T[0], x)


def _semantic_reversal_items(build: _SemanticItems) -> None:
    """Plan the reversal split: the reversal relations asked object-first ("y are v-ed by" -> x)
    and every "kind of" fact asked parent-first ("y include" -> x)."""
    sf = build.base_sf
    rev_cands = [f for f in sf.rel_ids if f in sf.reversal_rels] + [_isa_fid(c) for c in build.non_roots]
    for fid in build.capped(rev_cands):
        build.planned("reversal", _subject(sf, fid), lambda t, fid=fid: f"reversal:{build.tw.fid(fid, t)}",
                      lambda t, fid=fid: _semantic_reversal_item(build, build.tw.fid(fid, t)))


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


def _semantic_inference_item(build: _SemanticItems, split: str, kind: str, c: str, target: str, fids) -> None:
    key = f"{c}:{target}"
    at = (split, f"{split}:{key}")
    if kind == "isa":
        rule = f"{split}: {' + '.join(fids)} => {c} are a kind of {target}"
        build.add(split, key, rule, fids, "isa", {"x": c, "y": "{y}"}, target, build.distractors(at, target, [c]),
                  ISA_T[0], c)
    else:
        rule = f"{split}: {' + '.join(fids)} => {c} are {target}"
        build.add(split, key, rule, fids, "prop", {"x": c, "p": "{p}"}, target, build.distractors(at, target, [c]),
                  PROP_T[0], c)


def _semantic_inference_items(build: _SemanticItems) -> None:
    """Plan the syllogism split (inferences about the categories with pages of their own) and the
    category split (every inference about a holdout category)."""
    world, sf, holdouts = build.base, build.base_sf, set(build.base.holdouts)
    syl = [t for c in world.cats if c not in holdouts for t in _semantic_inferences(world, sf, c)]
    cat = [t for c in world.holdouts for t in _semantic_inferences(world, sf, c)]
    for split, cands in (("syllogism", syl), ("category", cat)):
        for kind, c, target, fids in build.capped(cands):
            word = build.tw.word
            build.planned(split, c, lambda t, split=split, c=c, target=target: f"{split}:{word(c, t)}:{word(target, t)}",
                          lambda t, split=split, kind=kind, c=c, target=target, fids=fids: _semantic_inference_item(
                              build, split, kind, word(c, t), word(target, t), tuple(build.tw.fid(f, t) for f in fids)))


# --------------------------------------------------------------------------------------------
# Profiles

PROFILES: dict[str, dict[str, dict]] = {
    # A smoke test of the whole harness on a real model (the CI end-to-end run).
    "tiny": {
        "reversal": {"n_facts": 6, "docs_per_fact": 2},
        "syllogism": {"n_pairs": 8},
        "semantic": {"n_categories": 16, "n_docs": 16, "items_per_split": 1, "max_props": 2,
                     "stated_inherited": 0.0},
    },
    # Every arm on a 135M model, one dataset seed: a first look (descriptive only: `split_support`).
    # 8 min 13 s on 2 CPU cores from empty caches (2026-12-05, bench/eval_budget.py), against a
    # budget of 4: training the 16 arms to the recall ceiling, two at a time, is 359 s of it.
    "quick": {
        "reversal": {"n_facts": 12, "docs_per_fact": 1},
        "syllogism": {"n_pairs": 8},
        "semantic": {"n_categories": 16, "n_docs": 16, "items_per_split": 2, "max_props": 2,
                     "stated_inherited": 0.0},
    },
    # Every arm, 3 dataset seeds pooled, for a budget of 20 minutes on 2 CPU cores (measured
    # 2026-12-05: 29 min 13 s from empty caches, training 1,185 s of it). Each fact is stated
    # once, so that the step budget buys facts instead of repetitions; no sweeps. Training and
    # scoring on 2 cores are the bound (~0.5 s per step of 8 sentences, ~15 arms per seed trained
    # to the same budget), so the splits stay far smaller than the paper's. Sized so that every
    # split that feeds a claim has >= 40 items per form from 3 seeds and >= 10 clusters
    # (`split_support`): 16 reversal facts (16 training sentences a seed), 16 syllogisms in 4
    # documents (36), a semantic world of 4 copies of 5 categories with 1-2 own properties each and
    # no inherited property written out (about 90), 4 planned items a split, asked in every copy.
    "default": {
        "reversal": {"n_facts": 16, "docs_per_fact": 1},
        "syllogism": {"n_pairs": 16},
        "semantic": {"n_categories": 20, "n_docs": 20, "items_per_split": 4, "max_props": 2,
                     "stated_inherited": 0.0},
    },
    # The paper's sizes throughout, every item (its 110 categories and 2,200 documents rounded
    # down to a multiple of the semantic world's 4 copies). Estimated from per-step times
    # (2026-12-05, bench/paper_estimate.py): 299,058-439,686 training steps to the ceiling over
    # its 3 seeds, 70-101 hours on 2 CPU cores, 21-31 hours at 4 steps a second on one GPU.
    "paper": {
        "reversal": {"n_facts": 100, "docs_per_fact": 10},
        "syllogism": {"n_pairs": 69},
        "semantic": {"n_categories": 108, "n_docs": 2160},
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


def _support(items_by_seed: dict[int, list[Item]]) -> dict:
    """Items per form, seeds with items, clusters, whether that carries a claim, and why not
    (the bar is evalkit.stats.support.CLAIM_BAR, the one the results apply)."""
    from ..stats import support as claims

    found = claims.support((i.form, seed, i.cluster) for seed, items in items_by_seed.items() for i in items)
    per_form = {form: found.items_per_form.get(form, 0) for form in FORMS}
    found = claims.Support(per_form, found.seeds, found.clusters, claims.CLAIM_BAR)
    seeds = sorted(seed for seed, items in items_by_seed.items() if items)
    return {"items": per_form, "seeds": seeds, "clusters": found.clusters, "claim": found.carries_claim,
            "why_not": found.reason or ""}


def split_support(profile: str, seeds: Sequence[int] = (0, 1, 2)) -> dict[str, dict[str, dict]]:
    """Per dataset and split, at `profile` pooled over dataset `seeds` (pass the profile's seeds,
    evalkit.api.PROFILE_SEEDS): items per form, seeds with items, clusters, whether the split can
    carry a claim (evalkit.stats.support.CLAIM_BAR: items per form, dataset seeds, clusters)
    and why not; under "held-out", the same for the items the held-out arms are scored
    on. A split that cannot carry a claim is descriptive only: no paired test, not in the Holm
    family. Also the items dropped at generation, per reason."""
    out: dict[str, dict[str, dict]] = {}
    for name in DATASETS:
        built = {seed: generate(name, seed, profile) for seed in seeds}
        out[name] = {}
        for split in SPLITS:
            every = {seed: [i for i in d.items if i.split == split] for seed, d in built.items()}
            if not any(every.values()):
                continue
            held = {seed: [i for i in d.arm_items("held-out") if i.split == split] for seed, d in built.items()}
            dropped: dict[str, int] = {}
            for d in built.values():
                for reason, n in d.settings.get("dropped", {}).get(split, {}).items():
                    dropped[reason] = dropped.get(reason, 0) + n
            out[name][split] = {**_support(every), "held-out": _support(held), "dropped": dropped}
    return out


def check_leaks(dataset: Dataset):
    """Fail (LeakError) when a test answer of `dataset` is in its documents or oracle
    augmentations (both variants: "covers" holds every augmentation); the counts otherwise."""
    from .leaks import check

    texts = [d.text for d in dataset.docs] + [t for table in (dataset.oracle_local, dataset.oracle_global)
                                             for texts in table.values() for t in texts]
    return check(dataset.items, texts, dataset.vocabulary, f"{dataset.name} seed {dataset.seed} (documents and oracle)")
