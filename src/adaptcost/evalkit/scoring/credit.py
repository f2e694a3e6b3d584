"""Scoring that measures knowledge, not bias.

Small models prefer some continuations whatever the context (the last-named entity, "more"
over "less"). So every option is scored by its length-normalized log-likelihood as a
continuation of the item's prompt (the options are never shown), *calibrated* against the same
prompt without the knowledge (no documents in context, the untuned base model): the choice is
the option whose likelihood the knowledge raised most. In-context documents are presented in
two counterbalanced orders (as given and reversed) and the two scores averaged, so recency bias
cannot favour one fact. Intervals and paired tests are in :mod:`.stats`.

Design after Lampinen et al. 2025 (arXiv 2505.00661): multiple-choice likelihood scoring,
answer choices not shown in context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

Scorer = Callable[..., list[tuple[float, int]]]  # (requests, prefix="") -> [(logprob sum, tokens)]


def normalized(scores: list[tuple[float, int]]) -> np.ndarray:
    """Mean log-probability per continuation token."""
    return np.array([ll / max(n, 1) for ll, n in scores])


def option_scores(score: Scorer, contexts: Sequence[str], items: Sequence) -> np.ndarray:
    """Length-normalized scores, averaged over the given contexts: shape (items, max options)."""
    width = max(len(item.options) for item in items)
    total = np.zeros((len(items), width))
    for context in contexts:
        # the context (documents) is a prefix shared by every request; a blank line separates it
        lead = "\n\n" if context else ""
        requests = [(lead + item.prompt, option) for item in items for option in item.options]
        flat = normalized(score(requests, context))
        position = 0
        for row, item in enumerate(items):
            total[row, : len(item.options)] += flat[position : position + len(item.options)]
            position += len(item.options)
    scores = total / len(contexts)
    for row, item in enumerate(items):
        scores[row, len(item.options):] = -np.inf
    return scores


def credit(with_knowledge: np.ndarray, without: np.ndarray | None, answers: Sequence[int]) -> np.ndarray:
    """Per item, the expected correctness of picking among the best options at random: 1 when
    the answer alone scores best, 1/k when it ties with k-1 others, else 0. Exact ties (a model
    with no preference) then score chance instead of favouring the first-listed option."""
    calibrated = with_knowledge if without is None else with_knowledge - np.where(np.isfinite(without), without, 0.0)
    # the choice is the option whose likelihood the knowledge raised most (calibration)
    best = calibrated.max(axis=1, keepdims=True)
    tied = np.isclose(calibrated, best, rtol=0.0, atol=1e-9)
    rows = np.arange(len(answers))
    return np.where(tied[rows, np.asarray(answers)], 1.0 / tied.sum(axis=1), 0.0)


@dataclass(frozen=True)
class Accuracy:
    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict:
        return {"mean": round(self.mean, 4), "low": round(self.low, 4), "high": round(self.high, 4), "n": self.n}


def chance(items: Sequence) -> float:
    """Expected accuracy of guessing: the mean of 1 / number of options."""
    return float(np.mean([1.0 / len(item.options) for item in items])) if items else float("nan")
