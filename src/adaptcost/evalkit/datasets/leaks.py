"""Answer leaks: does any training or augmentation text give a test item's answer away?

A test of generalization (rephrasing, reversal, syllogism, category) means nothing when the
training text holds its answer sentence. Two checks, on normalized text (lower case, words only):

- **exact**: the item's answer sentence (the prompt's last sentence completed with the correct
  option, "Answer:" dropped) appears in a training text, word for word;
- **n-gram**: a training sentence that names the answer (every word that tells the correct option
  from the others) and one of the item's entities shares at least `threshold` of the answer
  sentence's word 3-grams that carry the item's own words (template-only 3-grams such as "are
  known to" are shared by every fact stated in that template, by design). This catches near-copies ("glon are less dangerous than femp!") while
  a statement of the same fact in a disjoint wording ("Between glon and femp, the less dangerous
  ones are glon.") passes: the oracle "covers" augmentation is allowed to state the inference,
  never in the test's words.

Retrieval (the rag arms) gets two more checks (`check_retrieval`): every indexed text is a
training document (never an item, an option or an augmentation), and no query (an item's prompt)
holds its answer sentence; the indexed documents then go through the two checks above, like a
training file, so no retrieved context can hold a test answer either.

Recall items ask trained facts by design; their answers in training are counted, not failed.
Rephrasing items ask a trained fact in a held-out wording: only the exact check applies (other
wordings of the same fact share 3-grams with it, by design).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from adaptcost.corpus.sentences import split_sentences
from adaptcost.errors import AdaptcostError

NGRAM = 3
THRESHOLD = 0.5  # share of the answer's 3-grams in one training sentence that fails the check
_WORD = re.compile(r"[a-z0-9]+")


class LeakError(AdaptcostError):
    """A test answer appears in training text."""


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def normalize(text: str) -> str:
    """Lower case, words only, single spaces."""
    return " ".join(words(text))


def grams(tokens: Sequence[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def answer_sentence(item) -> str:
    """The sentence a correct answer completes: the prompt's last line plus the correct option,
    its last sentence, without an "Answer:" marker; normalized."""
    line = (item.prompt + item.options[item.answer]).splitlines()[-1]
    line = re.sub(r"^\s*Answer:\s*", "", line)
    sentences = split_sentences(line)
    return normalize(sentences[-1] if sentences else line)


def answer_words(item) -> set[str]:
    """The words that tell the correct option from every other option."""
    mine = set(words(item.options[item.answer]))
    others = [set(words(o)) for i, o in enumerate(item.options) if i != item.answer]
    distinct = {w for w in mine if any(w not in o for o in others)}
    return distinct or mine


@dataclass
class LeakReport:
    """Counts of one check (a dataset build, or one training file)."""

    items: int = 0  # generalization items checked
    exact: int = 0  # answer sentences found word for word
    ngram: int = 0  # answer sentences whose 3-grams mostly reappear in one training sentence
    max_share: float = 0.0  # the largest 3-gram share seen (a leak at or above THRESHOLD)
    recall_in_training: int = 0  # recall answers stated in training (by design)
    recall_items: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def leaks(self) -> int:
        return self.exact + self.ngram

    def to_dict(self) -> dict:
        return {"items_checked": self.items, "exact": self.exact, "ngram": self.ngram,
                "max_ngram_share": round(self.max_share, 4), "threshold": THRESHOLD,
                "recall_answers_in_training": f"{self.recall_in_training}/{self.recall_items} (by design)"}


class _Index:
    """Training texts, normalized, with a word -> sentence index for the n-gram check."""

    def __init__(self, texts: Iterable[str]):
        texts = list(texts)
        self.texts = [f" {normalize(t)} " for t in texts]
        self.sentences: list[list[str]] = []
        self.postings: dict[str, set[int]] = {}
        for text in texts:
            for sentence in split_sentences(text):
                tokens = words(sentence)
                k = len(self.sentences)
                self.sentences.append(tokens)
                for w in set(tokens):
                    self.postings.setdefault(w, set()).add(k)

    def contains(self, sentence: str) -> bool:
        needle = f" {sentence} "
        return any(needle in t for t in self.texts)

    def mentioning(self, required: set[str], any_of: set[str]) -> set[int]:
        found: set[int] | None = None
        for w in required:
            found = self.postings.get(w, set()) if found is None else found & self.postings.get(w, set())
        found = found or set()
        either = set().union(*(self.postings.get(w, set()) for w in any_of)) if any_of else found
        return found & either


def find_leaks(items: Sequence, texts: Iterable[str], vocabulary: Iterable[str] = (),
               threshold: float = THRESHOLD) -> LeakReport:
    """Check every item against the training texts (documents, sentences, augmentations)."""
    index = _Index(texts)
    vocab = set(vocabulary)
    report = LeakReport()
    for item in items:
        sentence = answer_sentence(item)
        if item.split == "recall":
            report.recall_items += 1
            report.recall_in_training += index.contains(sentence)
            continue
        report.items += 1
        if index.contains(sentence):
            report.exact += 1
            report.examples.append(f"{item.id}: {sentence!r} appears in training text")
            continue
        if item.split == "rephrasing":
            continue  # its fact is trained by design: only its held-out wording must not appear
        tokens = words(sentence)
        entities = (set(tokens) & vocab) - answer_words(item)
        # only 3-grams that carry the item's own words: template words alone are shared by design
        target = {g for g in grams(tokens) if set(g) & (entities | answer_words(item))} or grams(tokens)
        share = max((len(target & grams(index.sentences[k])) / len(target)
                     for k in index.mentioning(answer_words(item), entities)), default=0.0)
        report.max_share = max(report.max_share, share)
        if share >= threshold:
            report.ngram += 1
            report.examples.append(f"{item.id}: {share:.0%} of {sentence!r}'s 3-grams in one training sentence")
    return report


def check(items: Sequence, texts: Iterable[str], vocabulary: Iterable[str], where: str) -> LeakReport:
    """find_leaks, raising LeakError when any generalization answer leaks."""
    report = find_leaks(items, texts, vocabulary)
    if report.leaks:
        shown = "; ".join(report.examples[:3])
        raise LeakError(f"{where}: {report.exact} test answers appear word for word and {report.ngram} nearly so "
                        f"in training text ({shown})")
    return report


@dataclass
class RetrievalLeakReport(LeakReport):
    """find_leaks over the indexed documents, plus the retrieval's own checks."""

    indexed: int = 0  # texts the retriever indexes
    foreign: int = 0  # indexed texts that are not training documents
    queries: int = 0
    answer_in_query: int = 0  # queries that hold their item's answer sentence

    @property
    def leaks(self) -> int:
        return self.exact + self.ngram + self.foreign + self.answer_in_query

    def to_dict(self) -> dict:
        return {**super().to_dict(), "indexed_texts": self.indexed, "not_training_documents": self.foreign,
                "queries": self.queries, "answer_in_query": self.answer_in_query}


def find_retrieval_leaks(items: Sequence, queries: Sequence[str], indexed: Sequence[str], training: Iterable[str],
                         vocabulary: Iterable[str] = ()) -> RetrievalLeakReport:
    """Count what a retriever could leak: indexed texts that are not training documents, queries
    that hold their item's answer sentence, and answers in the indexed texts (find_leaks)."""
    base = find_leaks(items, indexed, vocabulary)
    report = RetrievalLeakReport(**base.__dict__)
    allowed = set(training)
    report.indexed = len(indexed)
    for text in indexed:
        if text not in allowed:
            report.foreign += 1
            report.examples.append(f"indexed text is not a training document: {text[:60]!r}")
    report.queries = len(queries)
    for item, query in zip(items, queries, strict=True):
        if f" {answer_sentence(item)} " in f" {normalize(query)} ":
            report.answer_in_query += 1
            report.examples.append(f"{item.id}: the query holds the answer {answer_sentence(item)!r}")
    return report


def check_retrieval(items: Sequence, queries: Sequence[str], indexed: Sequence[str], training: Iterable[str],
                    vocabulary: Iterable[str], where: str) -> RetrievalLeakReport:
    """find_retrieval_leaks, raising LeakError on any leak."""
    report = find_retrieval_leaks(items, queries, indexed, training, vocabulary)
    if report.leaks:
        shown = "; ".join(report.examples[:3])
        raise LeakError(f"{where}: retrieval leaks ({report.foreign} indexed texts not training documents, "
                        f"{report.answer_in_query} queries holding their answer, {report.exact + report.ngram} "
                        f"answers in indexed texts): {shown}")
    return report
