"""The one sentence rule: where a text's sentences end.

Used to split documents into training examples (sentence-split fine-tuning, Lampinen et al. 2025,
arXiv 2505.00661) and to count a corpus's chunks. A sentence ends at ".", "!" or "?" (and any
closing quotes or brackets) followed by white space, whatever letter the next sentence starts
with: lower-case starts are sentences too (the eval's nonsense words are lower-case, and so is
much real text). A line break always ends a sentence. Not an end:

- an abbreviation ("e.g.", "i.e.", "Dr.", "vs.", "Fig.", "No. 5") or an initialism or initial
  ("U.S.", "J. Smith");
- a decimal point ("3.5": no white space follows it);
- a question followed on the same line by its answer marker ("Q: Why? A: Because."): a question
  and answer pair is one example.
"""

from __future__ import annotations

import re

# A candidate end: terminal punctuation, closing quotes/brackets, then white space and more text.
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=[ \t]+\S)")

# Lower-case, without the final period. "etc." is left out: it ends sentences as often as not.
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "cf", "vs", "viz", "approx", "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr",
    "fig", "figs", "eq", "vol", "pp", "ch", "sec", "dept", "inc", "ltd", "corp", "mt", "gen", "col",
    "lt", "sgt", "rev", "hon", "et al", "al",
})
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$|^[A-Z]$")  # "U.S", "e.g"-like, "J"
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NUMBERED = re.compile(r"^(?:no|nos|art|p)$", re.IGNORECASE)  # "No. 5", "p. 12": before a digit only
_ANSWER_MARK = re.compile(r"[ \t]+A:")


def _is_end(line: str, match: re.Match) -> bool:
    if line[match.start()] == "?" and _ANSWER_MARK.match(line, match.end()):
        return False
    if line[match.start()] != ".":
        return True
    word = _LAST_WORD.search(line, 0, match.start())
    if word is None:
        return True
    token = word.group(1)
    if token.lower() in ABBREVIATIONS or _INITIALISM.match(token):
        return False
    if _NUMBERED.match(token):
        rest = line[match.end():].lstrip()
        return not rest[:1].isdigit()
    return True


def sentence_ends(line: str) -> list[int]:
    """Offsets just after each sentence end inside one line (not counting the line's end)."""
    return [m.end() for m in SENTENCE_END.finditer(line) if _is_end(line, m)]


def split_line(line: str) -> list[str]:
    """One line's sentences, stripped; empty pieces dropped."""
    cuts = sentence_ends(line)
    pieces = [line[a:b].strip() for a, b in zip([0] + cuts, cuts + [len(line)])]
    return [p for p in pieces if p]


def split_sentences(text: str) -> list[str]:
    """A text's sentences: every non-blank line, cut at each sentence end (see the module doc)."""
    return [s for line in text.splitlines() for s in split_line(line)]


def count_sentences(text: str) -> int:
    """How many sentences `split_sentences` finds (without building them)."""
    return sum(len(sentence_ends(line)) + 1 for line in text.splitlines() if line.strip())
