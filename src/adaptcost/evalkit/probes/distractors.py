"""Wrong options of the answer's kind, from the same corpus: the other values of the answer's
group (one table column, one unit, one verb; for a reversal the other subjects; for a category
the same property of the other classes), widened to the same relation anywhere where the group
has too few. Among them, those matched to the answer: first those that co-occur with it (found
stated in an evidence document), then the nearest in corpus frequency (|log(1 + f) − log(1 + f_answer)|),
ties broken by a seeded hash. Never an answer that would be right too, never one the question
holds, never one that holds the answer or is held by it, never twice."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from .facts import MENTIONS, Fact, bare
from .questions import Draft, contains

OPTIONS = 4  # the key and three distractors where the corpus has them
NEAREST = 32  # candidates not stated beside the answer: the nearest this many in frequency are ranked


class Corpus:
    """The documents' texts, for frequencies and co-occurrence (lower case, counted once per string)."""

    def __init__(self, texts: dict[str, str]):
        self.lower = "\x00".join(text.lower() for text in texts.values())  # no string crosses two documents
        self._freq: dict[str, int] = {}

    def frequency(self, value: str) -> int:
        """How often the corpus names `value` (case-insensitive)."""
        if value not in self._freq:
            self._freq[value] = self.lower.count(value.lower())
        return self._freq[value]


class Pools:
    """Candidate wrong options per pool, in corpus order, each once."""

    def __init__(self, facts: list[Fact]):
        self.values, self.subjects, self.by_relation = defaultdict(dict), defaultdict(dict), defaultdict(dict)
        self.classes_of_group: dict[str, set[str]] = defaultdict(set)
        self.props: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)  # (bare class, relation) -> values
        self.stated_in: dict[str, set[str]] = defaultdict(set)  # a value or subject -> the documents stating it
        self._ranked: dict[tuple, _Ranked] = {}
        for f in facts:
            self.stated_in[f.value].add(f.document)
            self.stated_in[f.subject].add(f.document)
            self.values[f.group].setdefault(f.value)
            if f.group.startswith("identifier:"):  # every code identifier, whatever its relation or shape
                self.values["identifier"].setdefault(f.value)
            self.subjects[f.group].setdefault(f.subject)
            self.by_relation[f.relation.lower()].setdefault(f.value)
            self.classes_of_group[f.group].add(bare(f.value))
            self.props[(bare(f.subject), f.relation)].setdefault(f.value)

    def tiers(self, draft: Draft) -> list[tuple[str, str]]:
        """The draft's pools, the closest kind first: ("subject", group) for a reversal; ("class",
        group and relation) then the property's group for a category; else ("value", group) then
        ("relation", relation), the same relation anywhere, where a group has too few (for a code
        identifier, ("value", "identifier"): every identifier the corpus names)."""
        kind, key = draft.pool
        last = draft.facts[-1]
        if kind == "subject":
            return [(kind, key)]
        if kind == "class":
            return [(kind, key), ("value", last.group)]
        if last.group.startswith("identifier:"):  # a code identifier: others alike, then any identifier, never prose
            return [(kind, key), ("value", "identifier")]
        return [(kind, key)] + ([("relation", last.relation.lower())] if last.kind not in MENTIONS else [])

    def candidates(self, pool: tuple[str, str]) -> list[str]:
        kind, key = pool
        if kind == "class":  # the same property of the other classes of the group
            group, relation = key.split("\x1f")
            out: dict[str, None] = {}
            for cls in sorted(self.classes_of_group[group]):
                out.update(self.props.get((cls, relation), {}))
            return list(out)
        return list({"subject": self.subjects, "value": self.values, "relation": self.by_relation}[kind][key])

    def ranked(self, pool: tuple[str, str], corpus: "Corpus") -> "_Ranked":
        if pool not in self._ranked:
            candidates = self.candidates(pool)
            by_freq = sorted(candidates, key=lambda c: (math.log1p(corpus.frequency(c)), c))
            by_doc: dict[str, list[str]] = defaultdict(list)
            for c in candidates:
                for doc in self.stated_in[c]:
                    by_doc[doc].append(c)
            self._ranked[pool] = _Ranked(by_freq, [math.log1p(corpus.frequency(c)) for c in by_freq], by_doc)
        return self._ranked[pool]


@dataclass
class _Ranked:
    """A pool's candidates by corpus frequency (log1p, rising) and by the documents stating them."""

    by_freq: list[str]
    log_freq: list[float]
    by_doc: dict[str, list[str]]

    def nearest(self, target: float, n: int) -> list[str]:
        """The `n` candidates nearest to `target` in log frequency."""
        right = bisect.bisect_left(self.log_freq, target)
        left, out = right - 1, []
        while len(out) < n and (left >= 0 or right < len(self.by_freq)):
            if right >= len(self.by_freq) or (left >= 0 and target - self.log_freq[left] <= self.log_freq[right] - target):
                out.append(self.by_freq[left])
                left -= 1
            else:
                out.append(self.by_freq[right])
                right += 1
        return out


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
        return round(near, 6), hashlib.sha256(f"{seed}\x1f{draft.cluster}\x1f{candidate}".encode("utf-8")).digest()[:8]

    def order(ranked: _Ranked):  # co-occurring first, then the nearest in frequency, the rest only if needed
        together = {c for doc in sorted(where) for c in ranked.by_doc.get(doc, ())}
        others = set(ranked.nearest(target, NEAREST)) - together
        yield from sorted(together, key=rank)
        yield from sorted(others, key=rank)
        yield from sorted(set(ranked.by_freq) - together - others, key=rank)

    chosen, seen = [], {answer_bare}
    tiers = (order(pools.ranked(pool, corpus)) for pool in pools.tiers(draft))
    for candidate in itertools.chain.from_iterable(tiers):
        if not _usable(candidate, draft, answer_bare):
            continue
        if bare(candidate) not in seen and not any(bare(candidate) in s or s in bare(candidate) for s in seen):
            seen.add(bare(candidate))
            chosen.append(candidate)
            if len(chosen) == n:
                break
    return chosen
