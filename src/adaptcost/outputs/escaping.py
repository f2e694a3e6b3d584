"""Text from inputs (file names, model names, sources, reasons that quote them) made inert for each
output: the terminal, Markdown (and the HTML made from it), CSV. Each rule changes only what would
act: plain names come out byte for byte as they went in. JSON needs none of this: it escapes
control characters itself and keeps every name exact.

- Control characters (C0, DEL, C1), bidirectional overrides, line separators and the lone
  surrogates of undecodable file names become visible symbols (ESC as ␛, a newline as ␊), so no
  name can move the cursor, retitle a window, clear a screen or start a new line.
- Markdown: backslash before what would make markup (emphasis, code, links and images, raw HTML,
  entities, table pipes; at the start of a list item, what would start a heading, a quote or a
  list, and a leading space, which would let one start after it); nothing else.
- CSV: a string cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab
  or a carriage return) starts with a single quote (OWASP's rule for CSV injection); numbers stay
  numbers.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- visible


def _symbol(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode's control pictures: ␀ … ␟ (␛ for ESC, ␊ for LF)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code in (0x2028, 0x2029):
        return "\u2424"  # ␤
    return "\ufffd"  # C1 controls, bidirectional overrides and isolates, lone surrogates


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: object) -> str:
    """`text` with every control character as a visible symbol (see the module's docstring)."""
    return _INVISIBLE.sub(lambda m: _symbol(m.group()), str(text))


# ---------------------------------------------------------------- Markdown

# always: a backslash before punctuation (it would escape it) or at the end, * ` < | and &entity;
# (emphasis, code spans, raw HTML and autolinks, table cells, character references); ] before
# ( or [ (a link or an image needs "](" or "][", and the outputs never put either right after a
# name); _ except inside a word
# (CommonMark's underscores never emphasise within a word: o200k_base stays as it is)
_MARKUP = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)|[*`<|]|&(?=#?\w+;)|\](?=[(\[])|_")
_BLOCK_START = re.compile(r"[#>+=\-\[]|~(?=~~)|\d{1,9}(?=[.)](?:\s|$))")


def _markup_escape(match: re.Match) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char == "_":
        inside = 0 < at < len(text) - 1 and _word(text[at - 1]) and _word(text[at + 1])
        return char if inside else "\\_"
    return "\\" + char


def _word(ch: str) -> bool:
    return ch.isalnum()


def md(text: object, item: bool = False) -> str:
    """Text for a Markdown line or table cell, inert (see the module's docstring); `item`: the
    text starts a list item, where # > - + = [ or "1." would start a block of their own."""
    out = _MARKUP.sub(_markup_escape, visible(text))
    if item and out.startswith(" "):
        # up to three spaces may stand before a block's marker (" >" is a quote), four make code:
        # the first space as a character reference keeps all that follows inline text
        return "&#32;" + out[1:]
    if item:
        start = _BLOCK_START.match(out)
        if start:
            cut = start.end()
            out = out[:cut] + "\\" + out[cut:] if start.group().isdigit() else "\\" + out
    return out


# ---------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell: a string inert (a leading ' where a spreadsheet would see a formula; control
    characters visible); anything else (numbers, booleans, None) as it is."""
    if not isinstance(value, str):
        return value
    shown = visible(value)
    return "'" + shown if value.startswith(_FORMULA_START) else shown
