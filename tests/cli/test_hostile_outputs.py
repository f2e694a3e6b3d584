"""Outputs that hostile names cannot act through, and --output that destroys nothing it should not
(issue 20): file names with escape sequences, formulas, Markdown images or headings; model names
and sources with pipes, newlines or rich markup; output paths that are links, pipes or markup."""

import csv
import hashlib
import io
import os
import re
import stat
import threading

import pytest
import yaml

from builders import AS_OF, EXAMPLES, PRICES, assert_clean_error, invoke

ESC_NAMES = ["\x1b]0;pwned\x07.md", "\x1b[2J clear.md"]  # an xterm window title; clear the screen
FORMULA_NAMES = ["=1+1.md", "+1.md", "-2.md", "@SUM(A1).md"]
MARKDOWN_NAMES = ["![x](cumulative_cost.png).md", "a\n## heading.md"]
TEXT = "The cat sat on the mat. A dog slept by the door. " * 12


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A corpus of hostile names; each file has one byte that is not UTF-8, so that a warning names it."""
    root = tmp_path_factory.mktemp("hostile")
    for name in ESC_NAMES + FORMULA_NAMES + MARKDOWN_NAMES + ["plain.md"]:
        (root / name).write_bytes(TEXT.encode() + b"\xff\n")
    (root / "\x1b[31mred.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))  # skipped, with its name
    return root


def _no_escape(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text, repr(text[:200])


# ---------------------------------------------------------------- the terminal


def test_escape_sequences_in_file_names_never_reach_the_terminal(hostile, tmp_path):
    # before: ESC ] 0 ; ... BEL and ESC [ 2 J went out raw, piped or not (count, recommend, report)
    runs = [invoke("count", hostile, "--verbose"), invoke("count", hostile),
            invoke("recommend", "--corpus", hostile, "--queries-per-day", 100, *AS_OF, "--verbose"),
            invoke("report", "--corpus", hostile, "--queries-per-day", 100, *AS_OF, "--draws", 2000, "--format", "md",
                   "--output", tmp_path / "\x1b]0;folder\x07")]
    for result in runs:
        assert result.exit_code == 0, result.output
        _no_escape(result.stdout + result.stderr)
    assert "␛]0;pwned␇.md" in runs[0].stdout and "␛[31mred.png" in runs[0].stdout
    assert "wrote " in runs[-1].stderr and "␛]0;folder␇" in runs[-1].stderr


def test_an_error_naming_a_hostile_path_is_one_visible_line(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    result = invoke("count", EXAMPLES, "--format", "json", "--output", tmp_path / "file" / "out\x1b[2J\nsecond line.md")
    assert result.exit_code == 1 and "cannot write" in result.stderr
    _no_escape(result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1 and "␛[2J␊second line.md" in result.stderr


# ---------------------------------------------------------------- CSV


def test_csv_cells_that_would_be_formulas_start_with_a_quote(hostile, monkeypatch):
    # before: "=1+1.md" (and +, -, @) landed as the cell's first character: a formula in a spreadsheet
    monkeypatch.chdir(hostile)
    result = invoke("count", "--format", "csv", "--", *FORMULA_NAMES, "plain.md")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert sorted(r[0] for r in rows[1:-1]) == sorted(["'" + n for n in FORMULA_NAMES] + ["plain.md"])
    assert all(int(r[1]) > 0 and int(r[4]) > 0 for r in rows[1:])  # the numbers stay numbers
    assert rows[-1][0] == "TOTAL"


# ---------------------------------------------------------------- Markdown and HTML


def test_file_names_add_no_chart_and_no_heading_to_the_report(hostile, tmp_path):
    # before: "![x](cumulative_cost.png).md" put a fifth chart into report.html, and "a\n## heading.md"
    # a heading into report.md and report.html
    out = tmp_path / "report"
    result = invoke("report", "--corpus", hostile, "--queries-per-day", 100, *AS_OF, "--draws", 2000, "--output", out)
    assert result.exit_code == 0, result.output
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    assert not re.search(r"^#+ heading", md, re.M) and "<h2>heading" not in page
    assert page.count("<figure") == 4 and "<img" not in page
    assert "a␊## heading.md: not valid UTF-8" in md and "![x\\](cumulative_cost.png).md: not valid UTF-8" in md
    assert "![x](cumulative_cost.png).md: not valid UTF-8" in page  # shown as text
    _no_escape(md + page + (out / "strategies.csv").read_text())


@pytest.fixture
def evil_prices(tmp_path):
    """A price table whose model name and source carry a pipe and a newline, and a model named "[/]"."""
    table = {**PRICES, "models": [
        {**PRICES["models"][0], "name": "ev|il\nmodel", "source": "https://example.test/a|b\n## Injected"},
        {**PRICES["models"][0], "name": "[/]"},
    ]}
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(table))
    return path


def test_a_pipe_or_newline_in_a_price_row_keeps_the_prices_table_in_shape(evil_prices):
    # before: "| ev|il" then "model | ... | https://example.test/a|b", "## Injected |": cells shifted, a heading added
    result = invoke("recommend", "--corpus", EXAMPLES, "--pricing", evil_prices, "--model", "ev|il\nmodel",
                    "--queries-per-day", 100, *AS_OF, "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert not re.search(r"^## Injected", md, re.M)
    table = md[md.index("## Prices used"):].split("\n\n")[1].splitlines()
    rows = [r for r in table[2:] if "ev" in r]
    assert rows and all(len(re.findall(r"(?<!\\)\|", r)) == 7 for r in table)  # six cells each
    assert rows[0].startswith("| ev\\|il␊model | ") and rows[0].endswith("| https://example.test/a\\|b␊## Injected |")


def test_a_model_named_like_rich_markup_is_shown(evil_prices):
    # before: MarkupError "closing tag '[/]' at position 0 has nothing to close", a traceback
    result = invoke("pricing", "show", "[/]", "--pricing", evil_prices)
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("[/]")
    listed = invoke("pricing", "list", "--pricing", evil_prices, "--provider", "test")
    assert listed.exit_code == 0 and "[/]" in listed.stdout and "ev|il␊model" in listed.stdout


# ---------------------------------------------------------------- --output


def test_an_output_path_like_rich_markup_is_written_and_named(tmp_path):
    # before: the file was written, then MarkupError while printing "wrote ...[/]..."
    out = tmp_path / "out[/].json"
    result = invoke("count", EXAMPLES, "--format", "json", "--output", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr and out.read_text().startswith("{")
    imported = tmp_path / "[bold]x[/].yaml"
    source = os.path.join(os.path.dirname(__file__), "..", "data", "litellm_sample.json")
    result = invoke("pricing", "import", source, "--output", imported)
    assert result.exit_code == 0, result.output
    assert str(imported) in result.stderr and imported.exists()


def test_output_to_a_symlink_writes_its_target(tmp_path):
    # before: the link was replaced by a regular file; its target kept the old content
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "counts.json").write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to("real/counts.json")
    result = invoke("count", EXAMPLES, "--format", "json", "--output", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and (tmp_path / "real" / "counts.json").read_text().startswith("{")


def test_output_to_a_fifo_feeds_its_reader(tmp_path):
    # before: the FIFO was replaced by a regular file, its reader left waiting
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = invoke("count", EXAMPLES, "--format", "csv", "--output", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith("path,bytes,chars,chunks")


def test_output_dash_is_standard_output(tmp_path, monkeypatch):
    # before: a file named "-" in the current folder
    monkeypatch.chdir(tmp_path)
    result = invoke("count", EXAMPLES, "--format", "csv", "--output", "-")
    assert result.exit_code == 0 and result.stdout.startswith("path,bytes") and "wrote" not in result.stderr
    assert_clean_error(invoke("report", "--corpus", EXAMPLES, "--queries-per-day", 100, "--output", "-"), "a report is a folder")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the report folder


def test_a_report_folder_lists_its_files_and_names_those_of_another_run(tmp_path):
    # before: files of an earlier run (tornado.svg) and the user's notes sat beside the new report, unmentioned
    out = tmp_path / "report"
    out.mkdir()
    (out / "tornado.svg").write_text("<svg>an earlier run's</svg>")
    (out / "notes.txt").write_text("mine")
    (out / ".report.html.abcd1234.adaptcost.tmp").write_text("left by a killed report")
    result = invoke("report", "--corpus", EXAMPLES, "--queries-per-day", 100, *AS_OF, "--draws", 2000, "--format", "md,csv",
                    "--output", out)
    assert result.exit_code == 0, result.output
    written = ["amortized_cost.png", "cost_vs_accuracy.png", "cumulative_cost.png", "report.md", "strategies.csv", "tornado.png"]
    manifest = (out / "manifest.sha256").read_text().splitlines()
    assert manifest == [f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}" for n in written]
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "2 file(s) this run did not write" in warning and warning.endswith("notes.txt, tornado.svg")
    assert (out / "notes.txt").read_text() == "mine" and (out / "tornado.svg").exists()  # kept
    assert not (out / ".report.html.abcd1234.adaptcost.tmp").exists()  # the killed run's temporary file: cleared
    again = invoke("report", "--corpus", EXAMPLES, "--queries-per-day", 100, *AS_OF, "--draws", 2000, "--output", out)
    assert "1 file(s) this run did not write" in again.stderr and again.stderr.rstrip().endswith("notes.txt")
