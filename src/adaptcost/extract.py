"""Plain text out of corpus files: what a model would be shown of each document.

Text formats are decoded as UTF-8 (a BOM is dropped; invalid bytes are replaced with U+FFFD and
counted); HTML loses its tags, scripts and styles; PDF and DOCX give their text layer.
Anything that cannot give text raises :class:`Unusable` with the reason, and the file is listed
as skipped.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Bump when extraction changes, so cached token counts of older extractions are not reused.
EXTRACTOR_VERSION = 5

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


def html_to_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)  # convert_charrefs=True has already unescaped entities, once
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def pdf_to_text(raw: bytes) -> str:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise Unusable("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Unusable:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; none may escape
        raise Unusable(f"unreadable PDF ({type(exc).__name__})") from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


def docx_to_text(raw: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append(" | ".join(cell.text for cell in row.cells))
    except Exception as exc:  # BadZipFile, KeyError, lxml XMLSyntaxError, ...: none may escape
        raise Unusable(f"unreadable DOCX ({type(exc).__name__})") from None
    return "\n".join(p for p in parts if p.strip())


def extract(path: Path, raw: bytes) -> Extracted:
    """The text of one file, by its suffix; raises Unusable with the reason."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        result = Extracted(pdf_to_text(raw))
        if not result.text.strip():
            raise Unusable("PDF has no text layer (scanned?)")
        return result
    if suffix == ".docx":
        return Extracted(docx_to_text(raw))
    if suffix in KNOWN_BINARY_SUFFIXES or looks_binary(raw):
        raise Unusable("binary file")
    result = decode_text(raw)
    if suffix in HTML_SUFFIXES:
        result.text = html_to_text(result.text)
    return result


# A chunk is a sentence, or a line that is not prose (list item, table row, CSV record, heading):
# the unit of local augmentation and of sentence-split fine-tuning (Lampinen et al. 2025 split
# documents into sentences, one training example each). Counted with a few C-speed scans:
#   chunks = non-empty lines
#          − soft line breaks (a line ending without . ! ? : whose next line starts lower-case
#            continues the same sentence: hard-wrapped prose)
#          + sentence ends inside a line (". " followed by an upper-case letter or a digit)
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")
_LOWER_LINE_START = re.compile(r"\n[ \t]*[a-z]")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*[ \t]+[\"'(\[]?[A-Z0-9]")
_HARD_LINE_END = frozenset(" \t\r\n.!?:")  # \n: a blank line before it ends the paragraph


RECORD_SUFFIXES = {".csv", ".tsv", ".jsonl"}  # one record per line: each line is a chunk


def count_chunks(text: str, records: bool = False) -> int:
    """Sentences of prose plus single lines of structured text (see the rule above);
    with `records`, every non-empty line (CSV rows, JSON Lines)."""
    stripped = text.replace("\r\n", "\n").strip()  # CRLF text chunks as its LF twin does
    if not stripped:
        return 0
    lines = stripped.count("\n") + 1 - len(_BLANK_LINE.findall(stripped))
    if records:
        return lines
    soft = sum(1 for m in _LOWER_LINE_START.finditer(stripped) if stripped[m.start() - 1] not in _HARD_LINE_END)
    return lines - soft + len(_SENTENCE_END.findall(stripped))
