"""The prose of a document: what a reader asks about. Everything else is blanked out (each
character replaced by a space, line breaks kept), so that every offset into the prose is an
offset into the document's extracted text and every evidence span stays verbatim there.

One rule per thing that is not prose:
- code and diagram files (a stylesheet, a script, an SVG or draw.io drawing): the whole text;
- front matter (``---`` ... ``---`` or ``+++`` ... ``+++`` at the top);
- fenced code blocks (``` or ~~~, any info string: mermaid and other diagrams too);
- indented code blocks (4 spaces or a tab after a blank line, not under a list item);
- ``<style>`` and ``<script>`` elements, HTML comments, and HTML tags (their text kept);
- snippet includes (``{* ../../docs_src/x.py hl[3] *}``, ``--8<--``);
- Markdown images whole; links' brackets and targets (the link text kept); reference
  definitions; bare URLs;
- heading anchors and attribute lists (``{ #query-parameters }``);
- admonition markers (``/// tip``, ``///``, ``!!! note "Title"``, ``??? warning``).
"""

from __future__ import annotations

import re

# Files that hold code or drawings, not prose (a documentation folder's theme, scripts and
# diagrams: an SVG's text is its labels, "Who is: someapp.example.com").
NOT_PROSE_SUFFIXES = (".css", ".scss", ".sass", ".less", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".sh",
                      ".svg", ".drawio", ".mmd", ".puml", ".dot")

_FRONT_MATTER = re.compile(r"\A(?:---\n.*?\n---|\+\+\+\n.*?\n\+\+\+)[ \t]*(?:\n|\Z)", re.S)
_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ELEMENTS = re.compile(r"<(style|script)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_INCLUDE = re.compile(r"\{\*.*?\*\}|\{!.*?!\}|^[ \t]*-{2}8<-{2}.*$", re.M)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|!\[[^\]\n]*\]\[[^\]\n]*\]")
_LINK = re.compile(r"(\[)[^\]\n]*(\]\([^)\n]*\)|\]\[[^\]\n]*\])")
_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]+\S.*$", re.M)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s)\]>]+")
_ANCHOR = re.compile(r"\{:?[ \t]*[#.][\w .#:=-]*\}")
_ADMONITION = re.compile(r"^[ \t]*(?:/{3}.*|[!?]{3}\+?(?:[ \t].*)?)$", re.M)
_EMPHASIS = re.compile(r"(?<![\w*`])\*(?=\S)([^*`\n]+?)(?<=\S)\*(?![\w*`])")  # *path operation*
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _fenced(text: str) -> list[tuple[int, int]]:
    spans, open_at, fence = [], None, ""
    for line in re.finditer(r"[^\n]*", text):
        match = _FENCE_OPEN.match(line.group())
        if open_at is None:
            if match:
                open_at, fence = line.start(), match.group(1)
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line.group().strip()[len(match.group(1)):].strip():
            spans.append((open_at, line.end()))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(text)))
    return spans


def _indented(text: str) -> list[tuple[int, int]]:
    """Indented code: lines of 4 spaces or a tab after a blank line whose paragraph above is
    not a list item (a list item's indented lines are its own prose)."""
    spans, previous, blank_before, in_code, in_list = [], "", True, False, False
    for line in re.finditer(r"[^\n]*", text):
        body = line.group()
        if not body.strip():
            blank_before = True
            continue
        indented = body.startswith(("    ", "\t"))
        if indented and (in_code or (blank_before and not in_list)):
            spans.append((line.start(), line.end()))
            in_code = True
        else:
            in_code = False
            if not indented:
                in_list = bool(_LIST_ITEM.match(body)) or (in_list and not blank_before)
        previous, blank_before = body, False
    return spans


def prose(document: str, text: str) -> str:
    """`text` with everything that is not prose blanked out (see the module's doc); the same length."""
    if document.lower().endswith(NOT_PROSE_SUFFIXES):
        return re.sub(r"[^\n]", " ", text)
    chars = list(text)
    front = _FRONT_MATTER.match(text)
    if front:
        _blank(chars, 0, front.end())
    for start, end in _fenced(text) + _indented(text):
        _blank(chars, start, end)
    for rule in (_ELEMENTS, _INCLUDE, _IMAGE, _REFERENCE, _ANCHOR, _ADMONITION, _TAG, _URL):
        for match in rule.finditer(text):
            _blank(chars, match.start(), match.end())
    for match in _LINK.finditer(text):
        _blank(chars, match.start(1), match.end(1))
        _blank(chars, match.start(2), match.end(2))
    return "".join(chars)


def cue(sentence: str) -> str:
    """A sentence of the prose as a question shows it: blanked runs and a list bullet gone, bold
    and italic marks dropped, spaces single, lines (a table's header and row) kept."""
    sentence = _EMPHASIS.sub(r"\1", _LIST_ITEM.sub("", sentence.replace("**", "")))
    lines = (re.sub(r"[ \t]+([.,;:!?)])", r"\1", re.sub(r"[ \t]+", " ", line)).strip() for line in sentence.split("\n"))
    return "\n".join(line for line in lines if line)  # a table's evidence keeps its rows
