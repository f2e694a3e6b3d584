"""The offline guessability baselines, scored for every probe. A baseline "answers" a probe when
it picks the key, and picks it clearly; such probes are flagged and left out of headline figures.

- options-only (the options, no question): the option the corpus names most often, when it is
  named at least `MARGIN` times as often as every other option (a distractor pool that failed to
  match the key's frequency);
- question-only (the question, no evidence: closed book): the option sharing the most content
  words with the question, when it shares at least one and every other option shares fewer (a
  question that gives its answer away).
"""

from __future__ import annotations

from typing import Callable, Sequence

from .questions import words

MARGIN = 2.0  # options-only: the most named option must be named this many times as often as the next
# Words of every question's template and common function words: a cue only a content word gives.
_STOP = frozenset("""a an the of to in on at by for from with and or not no is are was be it its this that these those
what which who whom whose how do does did documents document describe described as has have going blank fill per
item one thing""".split())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in _STOP and len(w) > 1}


def options_only(options: Sequence[str], frequency: Callable[[str], int]) -> int | None:
    """The option the options-only baseline picks, or None when no option stands out."""
    counts = [frequency(o) for o in options]
    best = max(range(len(options)), key=lambda i: counts[i])
    others = [c for i, c in enumerate(counts) if i != best]
    return best if counts[best] > 0 and all(counts[best] >= MARGIN * max(c, 1) for c in others) else None


def question_only(question: str, options: Sequence[str]) -> int | None:
    """The option the question-only baseline picks, or None when no option stands out."""
    cue = content_words(question)
    shared = [len(content_words(o) & cue) for o in options]
    best = max(range(len(options)), key=lambda i: shared[i])
    return best if shared[best] > 0 and sorted(shared)[-2] < shared[best] else None


def flags(question: str, options: Sequence[str], answer: int, frequency: Callable[[str], int]) -> dict[str, bool]:
    """{"options_only": ..., "question_only": ...}: whether each baseline answers the probe."""
    return {"options_only": options_only(options, frequency) == answer,
            "question_only": question_only(question, options) == answer}
