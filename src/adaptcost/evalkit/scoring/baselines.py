"""Shortcut baselines: how well can a test be answered without the knowledge it asks for?

Each baseline picks an option from surface cues of the training documents alone, with the same
tie-fair credit as the models (options that tie share the credit):

- **frequency**: the option whose distinguishing words (those not in every option) occur most
  often in the training documents;
- **co-occurrence**: the option whose distinguishing words share the most training documents
  with the prompt's entities (the nonsense words of the prompt);
- **atmosphere** (syllogism splits): the option whose quantifier matches the premises'
  "atmosphere" (any "no" premise -> no; else any "some" -> some; else all).

A split whose baselines sit above chance can be scored well by that cue; the curves file reports
them beside chance for every split. On recall, co-occurrence is the fact itself (the answer is
stated with its entity), so it is expected to be high there.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .credit import credit

_WORD = re.compile(r"[a-z]+")
QUANTIFIERS = ("all", "some", "no")


class Corpus:
    """Word counts and the documents each word appears in."""

    def __init__(self, texts: Sequence[str]):
        self.count: dict[str, int] = {}
        self.where: dict[str, set[int]] = {}
        for k, text in enumerate(texts):
            for w in _WORD.findall(text.lower()):
                self.count[w] = self.count.get(w, 0) + 1
                self.where.setdefault(w, set()).add(k)

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


def frequency(items, corpus: Corpus) -> np.ndarray:
    scores = [[float(np.mean([corpus.count.get(w, 0) for w in ws])) if ws else 0.0 for ws in _distinguishing(i.options)]
              for i in items]
    return _credit(scores, items)


def cooccurrence(items, corpus: Corpus, vocabulary: set[str]) -> np.ndarray:
    scores = []
    for item in items:
        entities = {w for w in _WORD.findall(item.prompt.lower()) if w in vocabulary}
        anchor = corpus.docs_with(entities)
        scores.append([float(len(anchor & corpus.docs_with(ws))) for ws in _distinguishing(item.options)])
    return _credit(scores, items)


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


def shortcut_credits(dataset, items, texts: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Per baseline, each item's credit (atmosphere only for syllogism items), from the cues of
    `texts` (default: the training documents)."""
    corpus = Corpus([d.text for d in dataset.docs] if texts is None else texts)
    out = {"frequency": frequency(items, corpus), "cooccurrence": cooccurrence(items, corpus, set(dataset.vocabulary))}
    out["atmosphere"] = np.where([i.split == "syllogism" for i in items], atmosphere(items, dataset.facts), np.nan)
    return out


def arm_shortcuts(dataset) -> dict[str, dict]:
    """Per arm label of datasets.paper.ARM_TEXTS: the ids of the items that arm is scored on and,
    per baseline, each one's credit from the cues of that arm's own training texts."""
    from ..datasets.paper import arm_corpora

    out = {}
    for arm, (texts, items) in arm_corpora(dataset).items():
        out[arm] = {"ids": [i.id for i in items], **shortcut_credits(dataset, items, texts)}
    return out
