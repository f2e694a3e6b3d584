"""Scoring a probe by generation: the prompt that shows the lettered options, and the rule that
matches a model's reply to exactly one of them (where an endpoint gives no prompt log-probabilities).

The prompt is the arm's context (documents, if any), the question, the options lettered A-E, and
an instruction to answer with the letter. A reply matches option i when its first non-empty line,
normalized (case folded, punctuation dropped, whitespace collapsed, a leading "answer"/"the answer
is"/"option" dropped), is the option's letter, the option's text, or the letter followed by the
option's text. It is credited 1 when exactly one option matches and it is the key, else 0: a reply
that matches no option or several is counted and reported, never guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

LETTERS = "ABCDE"  # probes have 2-5 options (probes-format: options)
INSTRUCTION = "Reply with the letter of the correct option only."
REPLY_TOKENS = 24  # new tokens per reply: a letter, or an option's text, with room for "The answer is"
_LEADS = ("the correct answer is", "the answer is", "correct answer", "answer", "option")


@dataclass(frozen=True)
class Match:
    """Which option a reply names: ``index`` when exactly one, else None with ``why`` ("no option" or
    "several options")."""

    index: int | None
    why: str = ""


def choice_prompt(context: str, options: Sequence[str]) -> str:
    """``context`` (the documents and the question, as log-likelihood scoring reads them, without the
    answer cue) followed by the lettered options and the instruction."""
    lettered = "\n".join(f"{LETTERS[i]}. {option.strip()}" for i, option in enumerate(options))
    return f"{context.rstrip()}\n{lettered}\n{INSTRUCTION}\nAnswer:"


def normalize(text: str) -> str:
    """Case folded, punctuation dropped (Unicode categories P* and S*), whitespace collapsed."""
    kept = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in unicodedata.normalize("NFKC", text))
    return " ".join(kept.casefold().split())


def match_reply(reply: str, options: Sequence[str]) -> Match:
    """The option ``reply`` names (module docstring)."""
    line = next((ln for ln in reply.splitlines() if ln.strip()), "")
    said = normalize(line)
    for lead in _LEADS:
        if said.startswith(lead + " ") or said == lead:
            said = said[len(lead):].strip()
            break
    texts = [normalize(o) for o in options]
    found = set()
    for i, text in enumerate(texts):
        letter = LETTERS[i].casefold()
        if said in (letter, text, f"{letter} {text}"):
            found.add(i)
    if len(found) == 1:
        return Match(found.pop())
    return Match(None, "several options" if found else "no option")
