"""Wrong options of the answer's kind, from the same corpus: the other values of the answer's
group (one table column, one unit, one verb; for a reversal the other subjects; for a category
the same property of the other classes), widened to the same relation anywhere where the group
has too few. Among them, those matched to the answer: first those that co-occur with it (found
in an evidence document), then the nearest in corpus frequency (|log(1 + f) − log(1 + f_answer)|),
ties broken by a seeded hash. Never an answer that would be right too, never one the question
holds, never one that holds the answer or is held by it, never twice."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from .facts import Fact, bare
from .questions import Draft, contains

OPTIONS = 4  # the key and three distractors where the corpus has them


class Corpus:
    """The documents' texts, for frequencies and co-occurrence (lower case, counted once per string)."""

    def __init__(self, texts: dict[str, str]):
        self.lower = {path: text.lower() for path, text in texts.items()}
        self._freq: dict[str, int] = {}
        self._docs: dict[str, frozenset[str]] = {}

    def frequency(self, value: str) -> int:
        key = value.lower()
        if key not in self._freq:
            self._freq[key] = sum(text.count(key) for text in self.lower.values())
        return self._freq[key]

    def documents(self, value: str) -> frozenset[str]:
        key = value.lower()
        if key not in self._docs:
            self._docs[key] = frozenset(p for p, text in self.lower.items() if key in text)
        return self._docs[key]


class Pools:
    """Candidate wrong options per pool, in corpus order, each once."""

    def __init__(self, facts: list[Fact]):
        self.values, self.subjects, self.by_relation = defaultdict(dict), defaultdict(dict), defaultdict(dict)
        self.classes_of_group: dict[str, set[str]] = defaultdict(set)
        self.props: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)  # (bare class, relation) -> values
        for f in facts:
            self.values[f.group].setdefault(f.value)
            self.subjects[f.group].setdefault(f.subject)
            self.by_relation[f.relation.lower()].setdefault(f.value)
            self.classes_of_group[f.group].add(bare(f.value))
            self.props[(bare(f.subject), f.relation)].setdefault(f.value)

    def candidates(self, draft: Draft) -> list[str]:
        kind, key = draft.pool
        if kind == "subject":
            return list(self.subjects[key])
        if kind == "class":
            group, relation = key.split("\x1f")
            out = {}
            for cls in sorted(self.classes_of_group[group]):
                out.update(self.props.get((cls, relation), {}))
            out.update(self.values[draft.facts[-1].group])
            return list(out)
        found = dict(self.values[key])
        if len(found) <= OPTIONS:
            found.update(self.by_relation[draft.facts[-1].relation.lower()] if draft.facts[-1].kind != "quantity" else {})
        return list(found)


def _usable(candidate: str, draft: Draft, answer_bare: str) -> bool:
    b = bare(candidate)
    return (b != answer_bare and b not in draft.also_right and answer_bare not in b and b not in answer_bare
            and not contains(draft.question, candidate))


def choose(draft: Draft, pools: Pools, corpus: Corpus, seed: int, n: int = OPTIONS - 1) -> list[str]:
    """Up to `n` distractors for `draft` (see the module's doc)."""
    answer_bare = bare(draft.answer)
    target = math.log1p(corpus.frequency(draft.answer))
    where = {f.document for f in draft.facts}

    def rank(candidate: str):
        near = abs(math.log1p(corpus.frequency(candidate)) - target)
        tie = hashlib.sha256(f"{seed}\x1f{draft.cluster}\x1f{candidate}".encode("utf-8")).hexdigest()
        return (not (corpus.documents(candidate) & where), round(near, 6), tie)

    chosen, seen = [], {answer_bare}
    for candidate in sorted((c for c in pools.candidates(draft) if _usable(c, draft, answer_bare)), key=rank):
        if bare(candidate) not in seen and not any(bare(candidate) in s or s in bare(candidate) for s in seen):
            seen.add(bare(candidate))
            chosen.append(candidate)
            if len(chosen) == n:
                break
    return chosen
