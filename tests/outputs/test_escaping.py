"""Text from inputs made inert (issue 20): control characters visible, Markdown that adds no
markup, CSV cells that no spreadsheet evaluates, and plain names left byte for byte."""

import csv
import io

from hypothesis import example, given, settings, strategies as st
from markdown_it import MarkdownIt

from adaptcost.outputs.escaping import csv_cell, md, visible
from adaptcost.outputs.tables import csv_text

PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")  # as report.html renders it
# the characters that build markup, and those that break lines or steer a terminal
HOSTILE = st.text(alphabet=st.sampled_from(list("ab _*`[]()!<>|&#;-+=.1\\~\n\r\t\x1b\x07\u202e\x9b")), max_size=40)


def test_plain_names_are_unchanged():
    for text in ("o200k_base", "gpt-4o-mini", "finetune+global", "usd_per_mtok.input", "examples/corpus",
                 "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
                 "53,060 × (hit 0.500 × $0.15 + miss 0.500 × $1.5 [input])/MTok", "~1.1 Gemini tokens", "5.7 queries/day"):
        assert md(text) == text and md(text, item=True) == text and visible(text) == text


def test_control_characters_become_visible_symbols():
    # ESC ] 0 ; title BEL: an xterm window title; ESC [ 2 J: clear the screen
    assert visible("\x1b]0;pwned\x07\x1b[2J.md") == "␛]0;pwned␇␛[2J.md"
    assert visible("a\nb\rc\td\x7f\x9b\u202eé") == "a␊b␍c␉d␡\ufffd\ufffdé"
    assert visible("caf\udce9.md") == "caf\ufffd.md"  # a name that was not UTF-8 (surrogate-escaped)


def test_markdown_escapes_only_what_would_act():
    assert md("![x](cumulative_cost.png).md") == "![x\\](cumulative_cost.png).md"
    assert md("a\n## heading.md") == "a␊## heading.md"
    assert md("ev|il") == "ev\\|il"
    assert md("**bold** _it_ `code` <b> &amp; a\\b") == "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\<b> \\&amp; a\\b"
    assert md("# title", item=True) == "\\# title" and md("1. one", item=True) == "1\\. one"
    assert md("# title") == "# title"  # inside a line a # is text


def _blocks(text: str) -> list[str]:
    return [t.type for t in PARSER.parse(text)]


def _inline_kinds(text: str) -> set[str]:
    return {child.type for t in PARSER.parse(text) if t.children for child in t.children}


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
@example(" >")  # a quote after a leading space (found by this test)
@example("~~~")  # a fenced code block
@example("    x")  # indented code
def test_a_list_item_stays_one_item_of_plain_text(text):
    tokens = _blocks(f"- {md(text, item=True)}\n- next\n")
    assert tokens.count("list_item_open") == 2 and "heading_open" not in tokens and "blockquote_open" not in tokens
    assert "fence" not in tokens and "code_block" not in tokens
    assert _inline_kinds(f"- {md(text, item=True)}\n") <= {"text", "softbreak"}


@settings(max_examples=300, deadline=None)
@given(HOSTILE, HOSTILE)
def test_a_table_row_keeps_its_cells(a, b):
    rows = [f"| {md(a)} | {md(b)} | x |" for _ in range(2)]
    tokens = PARSER.parse("\n".join(["| a | b | c |", "|---|---|---|", *rows]) + "\n")
    assert sum(t.type == "tr_open" for t in tokens) == 3
    assert sum(t.type == "td_open" for t in tokens) == 6
    assert {c.type for t in tokens if t.children for c in t.children} <= {"text"}


def test_csv_cells_a_spreadsheet_would_evaluate_start_with_a_quote():
    assert [csv_cell(v) for v in ("=1+2", "+1", "-2.md", "@SUM(A1)", "\tx", "\rx", "plain", "a=b")] == \
        ["'=1+2", "'+1", "'-2.md", "'@SUM(A1)", "'␉x", "'␍x", "plain", "a=b"]
    assert [csv_cell(v) for v in (-5.0, -3, 0, None, True)] == [-5.0, -3, 0, None, True]  # numbers stay numbers


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(HOSTILE, st.floats(allow_nan=False), st.integers()), min_size=1, max_size=5))
def test_no_csv_cell_reads_back_as_a_formula_or_a_control(row):
    back = next(csv.reader(io.StringIO(csv_text(["h"] * len(row), [row]).split("\n", 1)[1])))
    for cell, value in zip(back, row):
        if isinstance(value, str):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in cell)
        else:
            assert cell == str(value)  # a negative number is still a number, as written
