"""The one sentence rule: where a text's sentences end.

Used to split documents into training examples (sentence-split fine-tuning, Lampinen et al. 2025,
arXiv 2505.00661) and to count a corpus's chunks (extract.count_chunks). A sentence ends at ".",
"!" or "?" (and any closing quotes or brackets) followed by white space and more text on the same
line, whatever letter the next sentence starts with: lower-case starts are sentences too (the
eval's nonsense words are lower-case, and so is much real text). A line break always ends a
sentence. Not an end:

- an abbreviation ("e.g.", "i.e.", "Dr.", "vs.", "Fig.") or an initialism or initial ("U.S.",
  "J. Smith"): a word of ABBREVIATIONS, a run ending in letter-dot-letter-dot, or a lone
  capital letter, before the period;
- "No.", "Nos.", "Art.", "p." before a number ("No. 5", "p. 12");
- a list number at the start of a line ("1. install", "  12. run");
- a decimal point ("3.5": no white space follows it);
- a question followed on the same line by its answer marker ("Q: Why? A: Because."): a question
  and answer pair is one example.

The rule is written as regular expressions, one per mark with its exceptions as look-arounds, so
a corpus's sentence ends are counted by a few C-speed scans (`count_ends`, what a 200 MB corpus
needs); `sentence_ends` applies the same patterns to one line. A test checks the two agree on
random text.
"""

from __future__ import annotations

import re

_CLOSERS = "[\"'\u201d\u2019)\\]]*"
_NEXT = r"(?=[ \t]+\S)"  # white space, then more text on the same line

# Lower-case, without the final period. "etc." is left out: it ends sentences as often as not.
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "cf", "vs", "viz", "approx", "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr",
    "fig", "figs", "eq", "vol", "pp", "ch", "sec", "dept", "inc", "ltd", "corp", "mt", "gen", "col",
    "lt", "sgt", "rev", "hon", "al",
})
_START = r"(?<![A-Za-z.])"  # a word starts here: no letter or dot before it


def _before_the_period(*words: str) -> list[str]:
    """Fixed-width look-behind bodies: one of `words` (case-insensitive, as a whole word) then the
    period; words of one length share one (Python's look-behinds must be fixed-width)."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(re.escape(word))
    return [rf"{_START}(?i:{'|'.join(sorted(group))})\." for _, group in sorted(by_length.items())]


def _none_of(bodies: list[str]) -> str:
    return "".join(f"(?<!{b})" for b in bodies)


def _any_of(bodies: list[str]) -> str:
    return "|".join(f"(?<={b})" for b in bodies)


_ABBREVIATIONS = _before_the_period(*ABBREVIATIONS)
_INITIALISMS = [r"[A-Za-z]\.[A-Za-z]\.", rf"{_START}[A-Z]\."]  # U.S. / e.g. / J.
# "No. 5", "p. 12" ("P." is a lone capital, already an initial)
_NUMBERED = _before_the_period("no", "nos", "art") + [rf"{_START}p\."]

# One pattern per mark, a literal first character so the engine skips ahead to candidates; the
# cheap look-ahead (white space, more text) runs before the look-behinds (the exceptions).
_ENDS = (
    re.compile(rf"\.(?={_CLOSERS}{_NEXT}){_none_of(_ABBREVIATIONS + _INITIALISMS)}"
               rf"(?!(?:{_any_of(_NUMBERED)})(?={_CLOSERS}[ \t]+\d)){_CLOSERS}"),
    re.compile(rf"!{_CLOSERS}{_NEXT}"),
    re.compile(rf"\?(?!{_CLOSERS}[ \t]+A:){_CLOSERS}{_NEXT}"),
)
# A list number opening a line ("1. install") is not an end: counted apart and subtracted (its
# period is an end candidate of the pattern above, and can be no exception of it).
_LIST_NUMBER = re.compile(r"[ \t]*\d{1,3}\.(?=[ \t]+\S)")  # at a line's start
_LIST_NUMBERS = re.compile(r"\n[ \t]*\d{1,3}\.(?=[ \t]+\S)")  # after each newline: a literal to scan for
SENTENCE_END = re.compile(r"[.!?]" + _CLOSERS + _NEXT)  # a candidate, before the exceptions


def sentence_ends(line: str) -> list[int]:
    """Offsets just after each sentence end inside one line (not counting the line's end)."""
    ends = sorted(m.end() for pattern in _ENDS for m in pattern.finditer(line))
    number = _LIST_NUMBER.match(line)
    return [e for e in ends if number is None or e != number.end()]


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


def count_ends(text: str, start: int = 0, end: int | None = None) -> int:
    """Sentence ends inside lines of text[start:end], by C-speed scans (one per mark, less the list
    numbers opening lines)."""
    end = len(text) if end is None else end
    found = sum(len(pattern.findall(text, start, end)) for pattern in _ENDS)
    line_start = text.rfind("\n", 0, start) + 1  # a list number may follow indentation before `start`
    # ... or open the text itself after whitespace [ \t] does not cover (a no-break space): the text
    # is cut where str.strip() cuts it, so its first line starts at `start`
    opens = _LIST_NUMBER.match(text, line_start, end) or _LIST_NUMBER.match(text, start, end)
    lists = len(_LIST_NUMBERS.findall(text, line_start, end)) + (opens is not None)
    return found - lists
