"""Shortcut baselines: how well can a test be answered without the knowledge it asks for?

Each baseline picks an option from surface cues of an arm's own training texts (the documents,
plus that arm's oracle augmentations: `arm_shortcuts`), with the same tie-fair credit as the
models (options that tie share the credit):

- **frequency** / **least_frequency**: the option whose distinguishing words (those not in every
  option) occur most (least) often in the texts;
- **cooccurrence** / **least_cooccurrence**: the option whose distinguishing words share the
  most (fewest) texts with the prompt's entities (the nonsense words of the prompt);
- **quantifier_cue** (items whose stem starts with all/some/no): the option named in the most
  premises (sentences of the texts) that start with the stem's quantifier;
- **atmosphere** (syllogism splits): the option whose quantifier matches the premises'
  "atmosphere" (any "no" premise -> no; else any "some" -> some; else all);
- **position**: the answer key position that is right most often within the item's split (the
  best fixed key, chosen after seeing the answers: an upper bound on any position habit);
- **longest** / **shortest**: the option with the most (fewest) characters.

A split whose baselines sit above chance can be scored well by that cue; the curves file reports
them beside chance for every split. Where a text an arm sees states the tested proposition (the
documents state every recall, rephrasing and reversal fact; a "covers" oracle states the
inferences), co-occurrence is the knowledge itself, so it is expected to be high there
(`datasets.paper.states_proposition`).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from adaptcost.corpus.sentences import split_sentences

from .credit import credit

_WORD = re.compile(r"[a-z]+")
QUANTIFIERS = ("all", "some", "no")


class Corpus:
    """Word counts, the texts each word appears in, and the sentences (premises) by first word."""

    def __init__(self, texts: Sequence[str]):
        self.count: dict[str, int] = {}
        self.where: dict[str, set[int]] = {}
        self.opening: dict[str, list[set[str]]] = {}  # first word -> the word sets of sentences so starting
        for k, text in enumerate(texts):
            for w in _WORD.findall(text.lower()):
                self.count[w] = self.count.get(w, 0) + 1
                self.where.setdefault(w, set()).add(k)
            for sentence in split_sentences(text):
                words = _WORD.findall(sentence.lower())
                if words:
                    self.opening.setdefault(words[0], []).append(set(words))

    def docs_with(self, words: set[str]) -> set[int]:
        out: set[int] = set()
        for w in words:
            out |= self.where.get(w, set())
        return out


def _distinguishing(options: Sequence[str]) -> list[set[str]]:
    sets = [set(_WORD.findall(o.lower())) for o in options]
    common = set.intersection(*sets) if sets else set()
    return [s - common for s in sets]


def _credit(scores: list[list[float]], items) -> np.ndarray:
    width = max(len(i.options) for i in items)
    matrix = np.full((len(items), width), -np.inf)
    for row, values in enumerate(scores):
        matrix[row, : len(values)] = values
    return credit(matrix, None, [i.answer for i in items])


def frequency_scores(items, corpus: Corpus) -> list[list[float]]:
    """Per item and option: the mean count of its distinguishing words in the corpus."""
    return [[float(np.mean([corpus.count.get(w, 0) for w in ws])) if ws else 0.0 for ws in _distinguishing(i.options)]
            for i in items]


def entities(item, vocabulary: set[str]) -> set[str]:
    """The prompt's entities: its nonsense words."""
    return {w for w in _WORD.findall(item.prompt.lower()) if w in vocabulary}


def cooccurrence_scores(items, corpus: Corpus, vocabulary: set[str]) -> list[list[float]]:
    """Per item and option: how many texts hold both a prompt entity and a distinguishing word."""
    out = []
    for item in items:
        anchor = corpus.docs_with(entities(item, vocabulary))
        out.append([float(len(anchor & corpus.docs_with(ws))) for ws in _distinguishing(item.options)])
    return out


def stem_quantifier(item) -> str | None:
    """"all", "some" or "no" when the statement the item completes starts with one, else None."""
    line = re.sub(r"^\s*Answer:\s*", "", item.prompt.splitlines()[-1])
    words = _WORD.findall(line.lower())
    return words[0] if words and words[0] in QUANTIFIERS else None


def quantifier_scores(items, corpus: Corpus) -> list[list[float]]:
    """Per item and option: the premises starting with the stem's quantifier that name the option."""
    out = []
    for item in items:
        premises = corpus.opening.get(stem_quantifier(item) or "", [])
        out.append([float(sum(bool(ws & p) for p in premises)) for ws in _distinguishing(item.options)])
    return out


def frequency(items, corpus: Corpus) -> np.ndarray:
    return _credit(frequency_scores(items, corpus), items)


def cooccurrence(items, corpus: Corpus, vocabulary: set[str]) -> np.ndarray:
    return _credit(cooccurrence_scores(items, corpus, vocabulary), items)


def _negated(scores: list[list[float]]) -> list[list[float]]:
    return [[-v for v in row] for row in scores]


def position(items) -> np.ndarray:
    """Credit of always answering the key position right most often in the item's split (ties
    between best positions share the credit)."""
    out = np.zeros(len(items))
    for split in sorted({i.split for i in items}):
        rows = [k for k, i in enumerate(items) if i.split == split]
        counts = np.bincount([items[k].answer for k in rows], minlength=max(len(items[k].options) for k in rows))
        best = np.flatnonzero(counts == counts.max())
        for k in rows:
            out[k] = float(items[k].answer in best) / len(best)
    return out


def length_scores(items) -> list[list[float]]:
    return [[float(len(o.strip())) for o in i.options] for i in items]


def atmosphere_quantifier(premises: Sequence[str]) -> str:
    first = [(_WORD.findall(p.lower()) or [""])[0] for p in premises]
    return "no" if "no" in first else "some" if "some" in first else "all"


def atmosphere(items, facts: dict[str, str]) -> np.ndarray:
    scores = []
    for item in items:
        mood = atmosphere_quantifier([facts.get(f, "") for f in item.fact_ids])
        row = []
        for option in item.options:
            words = _WORD.findall((item.prompt.splitlines()[-1] + option).lower().replace("answer", ""))
            quant = next((w for w in words if w in QUANTIFIERS), "all")
            row.append(1.0 if quant == mood else 0.0)
        scores.append(row)
    return _credit(scores, items)


BASELINES = ("frequency", "least_frequency", "cooccurrence", "least_cooccurrence", "quantifier_cue", "atmosphere",
             "position", "longest", "shortest")


def shortcut_credits(dataset, items, texts: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Per baseline (BASELINES), each item's credit from the cues of `texts` (default: the
    training documents); NaN where a baseline does not apply (atmosphere: syllogism items only;
    quantifier_cue: stems that start with a quantifier)."""
    if not items:
        return {name: np.zeros(0) for name in BASELINES}
    corpus = Corpus([d.text for d in dataset.docs] if texts is None else texts)
    vocabulary = set(dataset.vocabulary)
    freq, co = frequency_scores(items, corpus), cooccurrence_scores(items, corpus, vocabulary)
    lengths = length_scores(items)
    quantified = np.array([stem_quantifier(i) is not None for i in items])
    return {
        "frequency": _credit(freq, items), "least_frequency": _credit(_negated(freq), items),
        "cooccurrence": _credit(co, items), "least_cooccurrence": _credit(_negated(co), items),
        "quantifier_cue": np.where(quantified, _credit(quantifier_scores(items, corpus), items), np.nan),
        "atmosphere": np.where([i.split == "syllogism" for i in items], atmosphere(items, dataset.facts), np.nan),
        "position": position(items),
        "longest": _credit(lengths, items), "shortest": _credit(_negated(lengths), items),
    }


CO_BASELINES = ("cooccurrence", "least_cooccurrence")


def arm_shortcuts(dataset) -> dict[str, dict]:
    """Per arm label of datasets.paper.ARM_TEXTS: the ids of the items that arm is scored on and,
    per baseline (BASELINES), each one's credit from the cues of that arm's own training texts.
    Co-occurrence is NaN on an item whose proposition the arm's texts state
    (datasets.paper.states_proposition): there it is the knowledge, not a cue, so every mean of it
    leaves such items out."""
    from ..datasets.paper import ARM_TEXTS, arm_corpora, stated_keys, states_proposition

    out = {}
    for arm, (texts, items) in arm_corpora(dataset).items():
        credits = shortcut_credits(dataset, items, texts)
        keys = stated_keys(dataset, *ARM_TEXTS[arm])
        stated = np.array([states_proposition(i, keys) for i in items], dtype=bool)
        for name in CO_BASELINES:
            credits[name] = np.where(stated, np.nan, credits[name])
        out[arm] = {"ids": [i.id for i in items], **credits}
    return out


def pooled_shortcuts(datasets) -> dict[tuple[str, str], dict]:
    """Per (split, arm label), pooled over `datasets` (seeds of one dataset) and both forms: n,
    clusters (seed:cluster), chance and every baseline's mean credit. Co-occurrence is averaged
    over the items whose proposition the arm's texts do not state (`n_cue`; see
    datasets.paper.states_proposition), NaN when there are none."""
    from ..datasets.paper import ARM_TEXTS, stated_keys, states_proposition
    from .credit import chance

    rows: dict[tuple[str, str], dict] = {}
    for dataset in datasets:
        table = arm_shortcuts(dataset)
        by_id = {i.id: i for i in dataset.items}
        for arm, (kind, variant) in ARM_TEXTS.items():
            keys = stated_keys(dataset, kind, variant)
            entry = table[arm]
            for k, item_id in enumerate(entry["ids"]):
                item = by_id[item_id]
                row = rows.setdefault((item.split, arm), {"items": [], "clusters": set(),
                                                          **{b: [] for b in BASELINES}, "cue": []})
                row["items"].append(item)
                row["clusters"].add(f"{dataset.seed}:{item.cluster}")
                row["cue"].append(not states_proposition(item, keys))
                for b in BASELINES:
                    row[b].append(entry[b][k])
    out = {}
    for key, row in sorted(rows.items()):
        cue = np.array(row["cue"])
        stats = {"n": len(row["items"]), "clusters": len(row["clusters"]), "chance": chance(row["items"]),
                 "n_cue": int(cue.sum())}
        for b in BASELINES:
            values = np.array(row[b], dtype=float)  # co-occurrence: NaN where stated (arm_shortcuts)
            values = values[~np.isnan(values)]
            stats[b] = float(values.mean()) if len(values) else float("nan")
        out[key] = stats
    return out
