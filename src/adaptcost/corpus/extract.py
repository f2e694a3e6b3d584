"""Plain text out of corpus files: what a reader of each document reads, never its markup.

Text formats are decoded as UTF-8 (a BOM is dropped; invalid bytes are replaced with U+FFFD and
counted); HTML loses its tags, scripts and styles; PDF and DOCX give their text layer; an SVG
gives the words a viewer sees in the drawing (``<title>``, ``<desc>``, ``<text>``, labels);
a notebook gives its cells' sources (and, if asked, its text outputs). Embedded blobs (base64
data URIs, long base64 runs in JSON/CSV/XML) are removed, and generated files (lock files, source
maps, minified JS/CSS) are skipped. Each of these defaults is an :class:`ExtractOptions` field.
Anything that cannot give text raises :class:`Unusable` with the reason, and the file is listed
as skipped.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

from ..defaults import DEFAULT_MAX_FILE_MB

DEFAULT_MAX_BYTES = DEFAULT_MAX_FILE_MB * 1e6

# Bump when extraction changes, so cached token counts of older extractions are not reused.
# 7: chunks counted by the one sentence rule (adaptcost.corpus.sentences: lower-case starts, abbreviations).
EXTRACTOR_VERSION = 7

TEXT_SUFFIXES = {
    ".txt", ".md", ".markdown", ".rst", ".json", ".jsonl", ".csv", ".tsv", ".yaml", ".yml",
    ".toml", ".ini", ".cfg", ".xml", ".tex", ".log", ".org", ".adoc",
    ".py", ".js", ".ts", ".tsx", ".jsx", ".java", ".go", ".rs", ".c", ".h", ".cc", ".cpp", ".hpp",
    ".cs", ".rb", ".php", ".swift", ".kt", ".scala", ".sh", ".sql", ".r", ".m", ".lua", ".pl",
}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
DOCUMENT_SUFFIXES = {".pdf", ".docx"} | HTML_SUFFIXES
KNOWN_BINARY_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".zip", ".gz", ".tar", ".7z", ".exe", ".dll",
    ".so", ".dylib", ".bin", ".pyc", ".mp3", ".mp4", ".mov", ".wav", ".woff", ".woff2", ".ttf",
    ".xlsx", ".pptx", ".doc", ".sqlite", ".db", ".parquet",
}


class Unusable(Exception):
    """This file gives no text; the message is the reason shown in the skipped list."""


@dataclass
class Extracted:
    text: str
    replaced_bytes: int = 0  # invalid UTF-8 sequences replaced by U+FFFD
    verbatim: bool = False  # text is exactly the file's bytes decoded (they may be counted as they are)


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class ExtractOptions:
    """What text a file gives, where formats carry more than a reader reads. The defaults are what
    a documentation owner expects; each is overridable (``--extract KEY=VALUE``)."""

    svg: str = "text"  # text: the words a viewer sees; skip: an SVG is an image, skip it
    notebook: str = "source"  # source: cell sources; outputs: + text outputs (never images)
    blobs: str = "strip"  # strip: drop base64 data URIs and long base64 runs; keep: count them
    generated: str = "skip"  # skip: lock files, source maps, minified JS/CSS; count: count them

    CHOICES = {"svg": ("text", "skip"), "notebook": ("source", "outputs"),
               "blobs": ("strip", "keep"), "generated": ("skip", "count")}

    @classmethod
    def parse(cls, items) -> "ExtractOptions":
        """From KEY=VALUE items (comma-separated or repeated); ValueError names a bad one."""
        values = {}
        for item in (part.strip() for text in items or () for part in text.split(",")):
            if not item:
                continue
            key, sep, value = item.partition("=")
            key, value = key.strip().replace("_", "-"), value.strip()
            if not sep or key not in cls.CHOICES or value not in cls.CHOICES[key]:
                choices = "; ".join(f"{k}={'|'.join(v)}" for k, v in cls.CHOICES.items())
                raise ValueError(f"--extract {item!r}: expected one of {choices}")
            values[key] = value
        return cls(**values)

    def describe(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))

    def cache_tag(self) -> int:
        """A number that separates cached counts of different extractions (version and options)."""
        tag = EXTRACTOR_VERSION
        for f in fields(self):
            tag = tag * 4 + self.CHOICES[f.name].index(getattr(self, f.name))
        return tag


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first 8 KiB: how git and grep tell binary from text."""
    return b"\x00" in head[:8192]


def decode_text(raw: bytes) -> Extracted:
    """UTF-8 (BOM dropped); invalid sequences replaced and counted, never fatal."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return Extracted(raw.decode("utf-8"))
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd") - raw.decode("utf-8", errors="ignore").count("\ufffd")
        return Extracted(text, max(replaced, 1))


_HTML_TEXT: list = []  # the parser class below, defined on first use


def _html_text():
    """A parser that keeps an HTML page's text (html.parser is imported when a page is read)."""
    if _HTML_TEXT:
        return _HTML_TEXT[0]()
    from html.parser import HTMLParser

    class _HTMLText(HTMLParser):
        _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                   "article", "header", "footer", "table", "ul", "ol", "pre", "blockquote", "title", "dd", "dt"}
        _SKIP = {"script", "style", "noscript", "template", "svg"}

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self._skipping = 0

        def handle_starttag(self, tag, attrs):
            if tag in self._SKIP:
                self._skipping += 1
            elif tag in self._BLOCKS:
                self.parts.append("\n")
            elif tag in ("td", "th"):
                self.parts.append(" | ")

        def handle_endtag(self, tag):
            if tag in self._SKIP:
                self._skipping = max(0, self._skipping - 1)
            elif tag in self._BLOCKS:
                self.parts.append("\n")

        def handle_data(self, data):
            if not self._skipping:
                self.parts.append(data)

    _HTML_TEXT.append(_HTMLText)
    return _HTMLText()


def html_to_text(markup: str) -> str:
    parser = _html_text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)  # convert_charrefs=True has already unescaped entities, once
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def pdf_to_text(raw: bytes) -> str:
    import pypdf

    try:
        with _pypdf_quiet():
            reader = pypdf.PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                raise Unusable("encrypted PDF")
            pages = [page.extract_text() or "" for page in reader.pages]
    except Unusable:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; none may escape
        raise Unusable(f"unreadable PDF ({type(exc).__name__})") from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


@contextlib.contextmanager
def _pypdf_quiet():
    """pypdf logs what it repairs in a damaged PDF ("EOF marker not found", "invalid pdf header")
    and, with no logging set up, Python prints each line on stderr, between adaptcost's own: while
    a PDF is read its loggers (pypdf._reader, ...: children of "pypdf") are silenced and its
    warnings ignored (a file it cannot read is skipped with the reason)."""
    import logging
    import warnings

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


# An archive is bounded by what it unpacks to, as Apache POI's ZipSecureFile bounds OOXML files:
# in all, no more than the --max-file-mb limit; and no entry over 1 MB that compresses more than
# 100:1 (POI's MIN_INFLATE_RATIO 0.01; Word's XML compresses 5-20:1, a zip bomb 1000:1).
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM_BYTES = 1 << 20


def check_archive(raw: bytes, max_unpacked: float, what: str) -> None:
    """Raise Unusable if the zip `raw` would unpack past `max_unpacked` bytes or compresses like a
    zip bomb; reads only the archive's directory. The sizes it declares are binding: Python's
    zipfile stops an entry at its declared size (and then fails its CRC)."""
    import zipfile

    try:
        entries = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise Unusable(f"unreadable {what} ({type(exc).__name__})") from None
    total = sum(e.file_size for e in entries)
    if total > max_unpacked:
        raise Unusable(f"{what} unpacks past the {max_unpacked / 1e6:g} MB limit ({total / 1e6:.1f} MB unpacked; "
                       "raise --max-file-mb)")
    for e in entries:
        if e.file_size > ZIP_RATIO_FROM_BYTES and e.file_size > ZIP_MAX_RATIO * max(e.compress_size, 1):
            raise Unusable(f"{what} refused: zip bomb ({e.filename} compresses "
                           f"{e.file_size / max(e.compress_size, 1):,.0f}:1, more than {ZIP_MAX_RATIO}:1)")


def docx_to_text(raw: bytes, max_unpacked: float = DEFAULT_MAX_BYTES) -> str:
    import docx

    check_archive(raw, max_unpacked, "DOCX")
    try:
        document = docx.Document(io.BytesIO(raw))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append(" | ".join(cell.text for cell in row.cells))
    except Exception as exc:  # BadZipFile, KeyError, lxml XMLSyntaxError, ...: none may escape
        raise Unusable(f"unreadable DOCX ({type(exc).__name__})") from None
    return "\n".join(p for p in parts if p.strip())


# ---------------------------------------------------------------- SVG


SVG_SUFFIXES = {".svg"}
_SVG_SKIP = {"style", "script", "metadata", "defs", "clipPath", "mask", "pattern", "marker", "symbol"}
_SVG_TEXT = {"title", "desc", "text", "foreignObject"}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _svg_words(root, out: list[str]) -> None:
    """The words a viewer sees under `root`: text content, titles and descriptions, HTML labels
    in foreignObject; of a <switch>, only the first child (the one every current renderer shows:
    drawio writes its labels twice, as HTML and as a plain-text fallback). Walked with a stack, in
    document order: a drawing nested 50,000 groups deep is read like a flat one."""
    stack = [root]
    while stack:
        element = stack.pop()
        name = _local(element.tag)
        if name in _SVG_SKIP:
            continue
        if name in _SVG_TEXT:
            words = " ".join(part.strip() for part in element.itertext() if part.strip())
            if words:
                out.append(words)
            continue
        children = list(element)
        stack.extend(reversed(children[:1] if name == "switch" else children))


def svg_text(raw: bytes) -> str:
    """The words of an SVG drawing; its markup, paths and embedded images give none. XML that
    declares entities (the "billion laughs" bomb) or external references is refused."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    try:
        root = SafeET.fromstring(raw)
    except DefusedXmlException as exc:
        raise Unusable(f"SVG refused: {type(exc).__name__} (entity or external reference; XML bomb protection)") from None
    except ParseError as exc:
        raise Unusable(f"SVG is not well-formed XML ({exc})") from None
    if _local(root.tag) != "svg":
        raise Unusable(f"not an SVG drawing (root element <{_local(root.tag)}>)")
    out: list[str] = []
    _svg_words(root, out)
    if not out:
        raise Unusable("SVG drawing without visible text")
    return "\n".join(out)


# ---------------------------------------------------------------- notebooks


NOTEBOOK_SUFFIXES = {".ipynb"}


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""


def _output_text(output: dict) -> str:
    """The text a reader sees of one cell output: a stream, or a result's text (never an image)."""
    if output.get("output_type") == "stream":
        return _joined(output.get("text"))
    data = output.get("data") or {}
    for kind in ("text/markdown", "text/plain"):
        if kind in data:
            return _joined(data[kind])
    return ""


def notebook_text(raw: bytes, outputs: bool) -> str:
    """A Jupyter notebook's cell sources, and with `outputs` their text outputs; images never."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Unusable(f"notebook is not valid JSON ({type(exc).__name__})") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if cells is None and isinstance(document, dict) and isinstance(document.get("worksheets"), list):  # nbformat 3
        cells = [c for w in document["worksheets"] if isinstance(w, dict) for c in w.get("cells") or []]
    if not isinstance(cells, list):
        raise Unusable("not a Jupyter notebook (no cells)")
    parts = []
    for cell in (c for c in cells if isinstance(c, dict)):
        parts.append(_joined(cell.get("source", cell.get("input"))))
        if outputs:
            parts += [_output_text(o) for o in cell.get("outputs") or [] if isinstance(o, dict)]
    return "\n\n".join(p.strip("\n") for p in parts if p.strip())


# ---------------------------------------------------------------- blobs and generated files


# A data URI with base64 content (an inline image, font, ...): nothing a reader reads.
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,[A-Za-z0-9+/]*={0,2}")
# A base64 run: lines of 64+ base64 characters (line breaks literal or JSON-escaped) and a shorter
# last line, 200+ characters in all.
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+/]{64,}={0,2}(?:\\r|\\n|\r|\n)?)+(?:[A-Za-z0-9+/]{1,63}={0,2})?")
BLOB_RUN_MIN = 200
BLOB_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".xml", ".yaml", ".yml", ".toml"}


def strip_blobs(text: str, runs: bool) -> str:
    """`text` without base64 data URIs and, with `runs`, without base64 runs of 200+ characters."""
    if "base64," in text:
        text = _DATA_URI.sub("", text)
    if runs:
        text = _BASE64_RUN.sub(lambda m: "" if len(m.group()) >= BLOB_RUN_MIN else m.group(), text)
    return text


LOCK_FILES = {
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "poetry.lock",
    "Pipfile.lock", "pdm.lock", "uv.lock", "Cargo.lock", "composer.lock", "Gemfile.lock", "go.sum",
    "flake.lock", "mix.lock", "Podfile.lock", "packages.lock.json", "gradle.lockfile",
}
MINIFIABLE_SUFFIXES = {".js", ".mjs", ".cjs", ".css"}
MINIFIED_LINE_CHARS = 300  # average line length above which JS/CSS is minified (hand-written: ~40)


def generated_kind(path: Path, text: str) -> str | None:
    """"lock file", "source map" or "minified JS/CSS" if `path` is a generated file, else None."""
    name = path.name
    if name in LOCK_FILES:
        return "lock file"
    if name.endswith(".map") and text.lstrip()[:1] == "{" and '"mappings"' in text:
        return "source map"
    if path.suffix.lower() in MINIFIABLE_SUFFIXES:
        if ".min." in name or (len(text) > 2000 and len(text) / (text.count("\n") + 1) > MINIFIED_LINE_CHARS):
            return "minified JS/CSS"
    return None


# ---------------------------------------------------------------- one file


def extract(path: Path, raw: bytes, options: ExtractOptions = ExtractOptions(),
            max_bytes: float = DEFAULT_MAX_BYTES) -> Extracted:
    """The text of one file, by its suffix; raises Unusable with the reason. `max_bytes` (the
    --max-file-mb limit) bounds what an archive (.docx) may unpack to. No file fails the run for
    being nested too deeply for a parser: it is skipped."""
    try:
        return _extract(path, raw, options, max_bytes)
    except RecursionError:
        raise Unusable("nested too deeply to read") from None


def _extract(path: Path, raw: bytes, options: ExtractOptions, max_bytes: float) -> Extracted:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        result = Extracted(pdf_to_text(raw))
        if not result.text.strip():
            raise Unusable("PDF has no text layer (scanned?)")
        return result
    if suffix == ".docx":
        return Extracted(docx_to_text(raw, max_bytes))
    if suffix in KNOWN_BINARY_SUFFIXES or looks_binary(raw):
        raise Unusable("binary file")
    if suffix in SVG_SUFFIXES:
        if options.svg == "skip":
            raise Unusable("SVG drawing (an image; count its words with --extract svg=text)")
        return Extracted(svg_text(raw))
    if suffix in NOTEBOOK_SUFFIXES:
        return Extracted(notebook_text(raw, options.notebook == "outputs"))
    result = decode_text(raw)
    result.verbatim = not result.replaced_bytes and not raw.startswith(b"\xef\xbb\xbf")
    if options.generated == "skip":
        kind = generated_kind(path, result.text)
        if kind:
            raise Unusable(f"generated file: {kind} (count it with --extract generated=count)")
    if suffix in HTML_SUFFIXES:
        result.text, result.verbatim = html_to_text(result.text), False
    if options.blobs == "strip":
        stripped = strip_blobs(result.text, suffix in BLOB_SUFFIXES)
        if len(stripped) != len(result.text):
            result.text, result.verbatim = stripped, False
    return result


# A chunk is a sentence, or a line that is not prose (list item, table row, CSV record, heading):
# the unit of local augmentation and of sentence-split fine-tuning (Lampinen et al. 2025 split
# documents into sentences, one training example each). Counted with a few C-speed scans:
#   chunks = non-empty lines
#          − soft line breaks (a line ending without . ! ? : whose next line starts lower-case
#            continues the same sentence: hard-wrapped prose)
#          + sentence ends inside a line, by the one sentence rule (adaptcost.corpus.sentences, which the
#            eval's training split uses too: lower-case starts count, abbreviations do not)
_BLANK_AFTER = r"(?=[ \t]*\n)"  # after a newline: the line is blank
# after a newline: a soft break, a line starting lower-case after a line that ends without one of
# " \t\r\n.!?:" ("\n" there means a blank line, which ends the paragraph). The lookbehind comes
# after the literal newline, so the engine keeps its fast scan for "\n".
_SOFT_AFTER = r"(?<=[^ \t\r\n.!?:]\n)[ \t]*[a-z]"
_BLANK_LINE = re.compile(r"\n" + _BLANK_AFTER)
_BLANK_OR_SOFT = re.compile(r"\n(?:" + _BLANK_AFTER + "|" + _SOFT_AFTER + ")")  # one scan, exclusive cases

RECORD_SUFFIXES = {".csv", ".tsv", ".jsonl"}  # one record per line: each line is a chunk


def _content_bounds(text: str) -> tuple[int, int]:
    """(start, end) of `text` without its leading and trailing whitespace, as str.strip() would cut
    it, without copying a large text."""
    match = _NON_SPACE.search(text)
    if match is None:
        return 0, 0
    end = len(text)
    while end > match.start() and text[end - 1].isspace() and len(text) - end < 4096:
        end -= 1
    if text[end - 1].isspace():  # more than 4 KiB of trailing whitespace: let rstrip find the end
        end = len(text.rstrip())
    return match.start(), end


_NON_SPACE = re.compile(r"\S")


def count_chunks(text: str, records: bool = False) -> int:
    """Sentences of prose plus single lines of structured text (see the rule above);
    with `records`, every non-empty line (CSV rows, JSON Lines)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # CRLF text chunks as its LF twin does
    start, end = _content_bounds(text)
    if start == end:
        return 0
    lines = text.count("\n", start, end) + 1
    if records:
        return lines - len(_BLANK_LINE.findall(text, start, end))
    # one scan for both: a newline starts a blank line or a soft break, never both
    blank_or_soft = len(_BLANK_OR_SOFT.findall(text, start, end))
    from .sentences import count_ends  # here: a warm run counts no chunks

    return lines - blank_or_soft + count_ends(text, start, end)
