"""Facts read off a corpus, each with its verbatim evidence: the document, the sentence (a
sentence of the one sentence rule, corpus.sentences, or a table row), its character span in the
document's extracted text, and the chunks (corpus.chunks) that hold the span.

Only the document's prose is read (prose.prose: no code blocks, front matter, markup, link
targets, anchors or admonition markers; the same offsets, so the evidence is the text itself).
Readers, no model:
- `key: value` lines and glossary lines (``**ABC** — Automatic Baseline Correction.``), split at
  " · " where one line holds several;
- table rows, Markdown and CSV/TSV: (row subject, column header, cell), the row its evidence; a
  table whose first header cell is empty is read across (the header names the subjects, the first
  cell the property), its evidence the lines from the header to the row;
- definitional and relational sentences about a named thing ("The Meridian 200 replaces the
  Meridian 100"): (subject, verb, object);
- documentation prose: definitions ("`Depends` is a function", "Uvicorn, an ASGI server, ...",
  "X is used to/lets you/allows you to Y"), parameters' defaults ("`limit` defaults to `10`"),
  "to do X, use Y" and "use Y to do X" (the task the subject, Y the value);
- numbers with units in any sentence ("within 30 days"): the value alone, its unit its kind;
- requirements and versions ("requires Python 3.8+", "since FastAPI 0.95.0"): kind "version";
- code identifiers in backticks in a statement (not a heading or a fragment): kind "identifier",
  their distractors other identifiers of the same shape (identifier_shape), then any identifier.
Named things are the subjects the readers find (a capitalised name, a table's subject column).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass, field

from ...corpus.sentences import sentence_ends
from .prose import cue, prose

MAX_VALUE_CHARS = 80
# Facts read off a sentence's words before a value (a number with its unit, a version, a code
# identifier): their "subject" is those words, so they are asked only by recall.
MENTIONS = frozenset({"quantity", "version", "identifier"})
MAX_KEY_CHARS = 40
# A value whose last word is one of these was cut off by a bracket or a comma ("Based on (and ...").
CUT_OFF_WORDS = frozenset("a an the of on to with for and or in by at from as like than".split())
EMPTY_CELLS = {"", "-", "—", "–", "same", "n/a", "none", "yes", "no", "?", "…"}


@dataclass(frozen=True)
class Fact:
    """One fact: `subject` has `relation` `value`; `value` is verbatim in `sentence`, which is
    text[start:end] of `document`. `kind` says which reader found it; `group` names the values
    that are alike (one table column, one unit, one verb): where distractors come from."""

    id: str
    kind: str  # key-value | table | relation | quantity | version | identifier
    subject: str
    relation: str
    value: str
    group: str
    document: str
    sentence: str
    start: int
    end: int
    chunks: tuple[int, ...] = ()
    row: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # a table row: (header, cell) pairs
    cue: str = field(default="", compare=False)  # the sentence as a question shows it (prose.cue)


def fact_id(*parts: str) -> str:
    return "f-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]


def clean(text: str) -> str:
    """A name or value without Markdown emphasis, code ticks, links' brackets and edge punctuation."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("**", "").replace("`", "").replace("*", "")
    return text.strip().strip(" .,;:").strip()


@functools.lru_cache(maxsize=1 << 16)
def bare(name: str) -> str:
    """A name as it is matched across documents: lower case, no leading article."""
    return re.sub(r"^(?:the|a|an|our)\s+", "", name.strip().lower())


def usable_value(value: str, code: bool = False) -> bool:
    """Whether a value can be asked: not an empty cell ("None" and "-" are, unless in code), short, no
    URL, not cut off before its end ("Based on")."""
    last = value.rsplit(None, 1)[-1].lower() if value.strip() else ""
    empty = value.lower() in EMPTY_CELLS or last in CUT_OFF_WORDS
    return ((code or not empty) and len(value) <= MAX_VALUE_CHARS and any(c.isalnum() for c in value)
            and "http" not in value)


# ---------------------------------------------------------------- sentences with their spans


def sentences(text: str):
    """(start, end, sentence) for every sentence of `text` (the one sentence rule), stripped, with
    its exact span: text[start:end] == sentence."""
    for line in re.finditer(r"[^\n]+", text):
        base, body = line.start(), line.group()
        cuts = sentence_ends(body)
        for a, b in zip([0] + cuts, cuts + [len(body)]):
            piece = body[a:b]
            stripped = piece.strip()
            if stripped:
                s = base + a + (len(piece) - len(piece.lstrip()))
                yield s, s + len(stripped), stripped


# ---------------------------------------------------------------- readers

_BOLD_KEY = re.compile(r"^(?:[-*+]\s+|#+\s+)?\*\*(?P<key>[^*]{1,40}?)\s*:?\*\*\s*(?::\s*|[—–]\s*|-\s+)(?P<value>\S.*)$")
_PLAIN_KEY = re.compile(r"^(?:[-*+]\s+)?(?P<key>[A-Z][\w ()/&'-]{0,38}?[\w)]):\s+(?P<value>\S.*)$")
_CODE = r"`[^`\n]{1,40}`"  # a code identifier, in backticks
_NAME = rf"(?:{_CODE}|\*\*[^*\n]{{1,40}}\*\*|[A-Z][\w.+/-]*(?:\s+[A-Z0-9][\w.+/-]*){{0,4}})"
# A sentence may open with a list bullet or a linking word: "* `PUT` is used to ...", "As `needy` is a ..."
_OPENING = r"^(?:[-*+]\s+)?(?:(?:And|But|So|Now|Here|As|Since|Because|For that|For example|In short|Note that|Remember that)\s*,?\s+)?"
_RELATION = re.compile(
    rf"{_OPENING}(?:(?:The|Our|An|A)\s+)?(?P<subject>{_NAME})\s+"
    r"(?P<verb>is used to|is used for|can be used to|lets you|allows you to|gives you|must be|provides|is|are|was|replaces|replaced|requires|uses|runs on|"
    r"holds|supports|owns|approves|reports to|belongs to|"
    r"includes|covers|measures|handles|stores|sends|receives|manages|needs|costs)\s+"
    r"(?P<object>[^,;:()\[\]—–]{3,80}?)\s*(?:[,;:()\[\]—–]|\s(?:that|which|who|where|when|because|so that|but|and then)\s|\.?$)")
# "X, a Y, ...": an appositive definition.
_APPOSITIVE = re.compile(rf"{_OPENING}(?:The\s+)?(?P<subject>{_NAME}),\s+(?P<object>(?:an?|the)\s[^,;:()`]{{3,60}}?),\s+"
                         r"(?!(?:an?|the|etc|and|or)\b)")
# A definition says what or where a thing is: "is a/an/the ...", "is in Hearth", a name, a code value
# or a number; not "is different than ..." or "is optional".
_DEFINES = re.compile(r"^(?:(?:an?|the|our|one of|part of|in|on|at|under)\s|[`\"“A-Z0-9])")
# A parameter's default: "`q` defaults to `None`", "`q` ... will be `None` by default",
# "by default, `q` is `None`", "`q` ... with a default value of `None`".
_DEFAULTS = (
    re.compile(rf"(?P<subject>{_CODE})[^`]*?\bdefaults? to\s+(?P<value>{_CODE})"),
    re.compile(rf"(?P<subject>{_CODE})[^`]*?\b(?:will be|is|are)\s+(?P<value>{_CODE})\s+by default"),
    re.compile(rf"[Bb]y default,?\s+(?P<subject>{_CODE})\s+(?:is|will be)\s+(?P<value>{_CODE})"),
    re.compile(rf"(?P<subject>{_CODE})[^`]*?\bwith a default(?: value)? of\s+(?P<value>{_CODE})"),
)
# "To do X, use Y" and "Use Y to do X": the task is the subject, the thing used the value.
_TO_USE = re.compile(rf"^To\s+(?P<task>[^,`]{{4,60}}),\s+(?:you\s+(?:can|should|need to|have to|must)\s+)?use\s+(?P<value>{_NAME})")
_USE_TO = re.compile(rf"^(?:You (?:can|should) )?[Uu]se\s+(?P<value>{_NAME})\s+to\s+(?P<task>[^,.;:`()]{{4,60}}?)\s*(?:[,.;:(]|$)")
# Requirements and versions: "requires Python 3.8+", "since FastAPI 0.95.0", "from version 2.0".
_REQUIRES = re.compile(r"\b(?:requires?|needs?)\s+(?P<value>Python\s+\d+(?:\.\d+)*\+?|[A-Z][\w.-]*\s+(?:version\s+)?\d+(?:\.\d+)+\+?)")
_SINCE = re.compile(r"\b(?:[Ss]ince|[Ss]tarting (?:with|from|in)|[Aa]s of|[Ff]rom version|[Aa]dded in)\s+(?:[A-Z][\w-]*\s+)?(?:version\s+)?"
                    r"`?(?P<value>\d+\.\d+(?:\.\d+)*)(?![\w.]*\d)")
# A code identifier mentioned in a sentence: a name, a dotted path, a call (not a code fragment).
_IDENTIFIER = re.compile(r"(?<!`)`(?P<value>[A-Za-z_][\w.]{0,38}(?:\(\))?)`(?!`)")
MAX_IDENTIFIERS_PER_SENTENCE = 2  # blanks asked of one sentence's identifiers, at most
MIN_STATEMENT_WORDS = 6  # a sentence that blanks an identifier or a version states something ("`bar` as a `str`" does not)
_HEADING = re.compile(r"#{1,6}\s")
# Words that start a sentence without naming a thing: a relation about them asks nothing answerable.
VAGUE_SUBJECTS = frozenset("you they it we this these those that there here he she i each all some most many "
                           "everyone everything nobody someone anyone".split())
# Words that point outside their sentence: a value or task holding one means nothing alone ("them
# internally to achieve this", "handle these specific cases").
POINTING_WORDS = frozenset("it its them this these those that they their there here".split())
_LOWER_WORD = re.compile(r"(?<=[a-z,] )[a-z]+\b")
_UNITS = (r"%|°C|ppm|ppb|km|kg|g|mm|cm|m|KB|MB|GB|TB|ms|seconds?|min|minutes?|hours?|days?|working days|"
          r"business days|weeks?|months?|years?|V|A|W|Ah|dBi|MHz|GHz|devices|people|employees|calls/day|EUR|USD|euros?|dollars?")
_QUANTITY = re.compile(rf"(?<![\w.,/-])(?:[€$£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:{_UNITS}))(?![\w/])")
_UNIT_KIND = re.compile(r"[\d,.\s]+")


def _unit(quantity: str) -> str:
    """The kind of a quantity: its unit, singular ("30 days" and "1 day" are alike), or its currency."""
    unit = _UNIT_KIND.sub("", quantity).lower()
    return "unit:" + (unit[:-1] if len(unit) > 2 and unit.endswith("s") and not unit.endswith("ss") else unit)


class _Reader:
    """The facts of one document."""

    def __init__(self, document: str, text: str, chunks):
        self.document, self.text, self.chunk_list = document, text, chunks
        self.prose = prose(document, text)  # what is read; the evidence is the text itself, at the same offsets
        self.sentences = list(sentences(self.prose))
        self.title = _title(document, self.prose)
        self.facts: list[Fact] = []
        self._common: set[str] | None = None

    def common_word(self, word: str) -> bool:
        """Whether the document uses `word` in lower case mid-sentence (an ordinary word, not a name)."""
        if self._common is None:
            self._common = set(_LOWER_WORD.findall(self.prose))
        return word.lower() in self._common

    def named(self, subject: str) -> bool:
        """Whether a sentence's subject names a thing: code, bold, or a capitalised name whose first
        word the document does not use as an ordinary word ("Uvicorn", not "Both" or "Interesting")."""
        if subject.startswith(("`", "**")):
            return True
        first = subject.split()[0]
        return first.lower() not in VAGUE_SUBJECTS and (not self.common_word(first) or not first[1:].islower())

    def _chunks(self, start: int, end: int) -> tuple[int, ...]:
        return tuple(c.index for c in self.chunk_list if c.holds(start, end))

    def add(self, kind, subject, relation, value, group, start, end, row=()):
        sentence = self.text[start:end]
        code = value.startswith("`") and value.endswith("`")  # `None` in code is a value, None in a cell is empty
        subject, value = clean(subject), clean(value)
        subject = re.sub(r"^(?:The|Our|An|A)\s+", "", subject) if kind != "quantity" else subject
        named = kind in MENTIONS or subject in sentence or (kind == "key-value" and subject == self.title)  # or what the document is about
        if (not named or not any(c.isalpha() for c in subject) or not usable_value(value, code) or value not in sentence
                or bare(subject) == bare(value)
                or len(subject) > MAX_VALUE_CHARS):
            return
        fid = fact_id(self.document, str(start), kind, subject, relation, value)
        self.facts.append(Fact(fid, kind, subject, relation, value, group, self.document, sentence, start, end,
                               self._chunks(start, end), tuple(row), cue(self.prose[start:end])))

    def sentence_at(self, offset: int):
        for s, e, _ in self.sentences:
            if s <= offset < e:
                return s, e
        return None

    def read(self) -> list[Fact]:
        table_lines = self._tables()
        for s, e, sentence in self.sentences:
            if s in table_lines or _HEADING.match(sentence):
                continue  # a heading names a section; it states nothing
            self._quantities(s, sentence)
            self._relation(s, e, sentence)
            self._definitions(s, e, sentence)
            self._versions(s, e, sentence)
            self._identifiers(s, e, sentence)
        self._key_values(table_lines)
        return self.facts

    # key: value
    def _key_values(self, table_lines: set[int]) -> None:
        for line in re.finditer(r"[^\n]+", self.prose):
            if line.start() in table_lines:
                continue
            offset = line.start()
            for segment in line.group().split(" · "):
                match = _BOLD_KEY.match(segment.strip()) or _PLAIN_KEY.match(segment.strip())
                if match:
                    lead = len(segment) - len(segment.lstrip())
                    value_at = offset + lead + match.start("value")
                    dash = match.re is _BOLD_KEY and not segment[match.end("key"):match.start("value")].strip(" *").startswith(":")
                    self._key_value(match.group("key"), match.group("value"), value_at, dash)
                offset += len(segment) + 3

    def _key_value(self, key: str, value: str, value_at: int, dash: bool) -> None:
        span = self.sentence_at(value_at)
        if span is None:
            return
        first = value[: max(1, span[1] - value_at)]  # the value's words in the key's sentence
        first = re.split(r"\s[—–(]|[;(]|, see |\. ", first)[0]
        key = re.sub(r"\s+", " ", clean(key))  # a link's brackets blanked inside it
        if not key or len(key) > MAX_KEY_CHARS:
            return
        if dash:  # **ABC** — Automatic Baseline Correction: a definition of the key
            self.add("key-value", key, "is", first, "key-value:is", *span)
        else:  # **Product manager:** Nadia Haddad: a property of what the document is about
            self.add("key-value", self.title, key, first, f"key-value:{key.lower()}", *span)

    # tables
    def _tables(self) -> set[int]:
        """Read every table; the line starts of table rows (no other reader reads them)."""
        rows: set[int] = set()
        if self.document.lower().endswith((".csv", ".tsv")):
            rows |= self._delimited("\t" if self.document.lower().endswith(".tsv") else ",")
        block: list[tuple[int, str]] = []
        for line in re.finditer(r"[^\n]+", self.prose + "\n\n"):
            if line.group().lstrip().startswith("|"):
                block.append((line.start(), line.group()))
                continue
            if block:
                rows |= self._markdown(block)
                block = []
        if block:
            rows |= self._markdown(block)
        return rows

    def _markdown(self, block: list[tuple[int, str]]) -> set[int]:
        def cells(line):
            inner = line.strip()
            return [c.strip() for c in inner.strip("|").split("|")]

        if len(block) < 3 or not re.fullmatch(r"[\s|:-]+", block[1][1]):
            return set()
        header = [clean(c) for c in cells(block[0][1])]
        across = not header[0]  # | | Meridian 200 | Meridian 210 Pro |: subjects in the header
        table = f"{self.document}#{block[0][0]}"
        for start, line in block[2:]:
            row = cells(line)
            if len(row) != len(header):
                continue
            lead = len(line) - len(line.lstrip())
            s, e = start + lead, start + len(line.rstrip())
            pairs = tuple(zip(header, (clean(c) for c in row)))
            if all(not h for h in header) and len(row) == 2:  # | **Policy owner** | Els Peeters |
                self.add("table", row[0], "is", row[1], f"{table}:1", s, e, pairs)
                continue
            for j in range(1, len(row)):
                if not header[j]:
                    continue
                if across:  # the subject is named in the header: the evidence runs from the header to the row
                    self.add("table", header[j], clean(row[0]), row[j], f"{table}:row:{clean(row[0]).lower()}",
                             block[0][0] + len(block[0][1]) - len(block[0][1].lstrip()), e, pairs)
                else:
                    self.add("table", row[0], header[j], row[j], f"{table}:{j}", s, e, pairs)
        return {start for start, _ in block}

    def _delimited(self, delimiter: str) -> set[int]:
        lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", self.prose)]
        parsed = []
        for start, line in lines:
            try:
                parsed.append((start, line, next(csv.reader([line], delimiter=delimiter))))
            except (csv.Error, StopIteration):
                parsed.append((start, line, []))
        if len(parsed) < 3:
            return set()
        header = [clean(h) for h in parsed[0][2]]
        body = [p for p in parsed[1:] if len(p[2]) == len(header)]
        subject = _subject_column(header, [p[2] for p in body], self.text)
        if subject is None:
            return set()
        table = f"{self.document}#0"
        for start, line, row in body:
            pairs = tuple(zip(header, (clean(c) for c in row)))
            for j, cell in enumerate(row):
                if j != subject and header[j]:
                    self.add("table", row[subject], header[j], cell, f"{table}:{j}", start, start + len(line.rstrip()), pairs)
        return {start for start, _, _ in parsed}

    # sentences
    def _quantities(self, start: int, sentence: str) -> None:
        for match in _QUANTITY.finditer(sentence):
            value = match.group()
            self.add("quantity", sentence[: match.start()].strip()[-60:] or "it", _unit(value), value, _unit(value),
                     start, start + len(sentence))

    def _relation(self, start: int, end: int, sentence: str) -> None:
        match = _RELATION.match(sentence)
        if not match or not self.named(match.group("subject")):
            return  # "You are not in the group", "Both are equivalent": no named thing to ask about
        verb, value = match.group("verb"), match.group("object")
        if verb in ("is", "are", "was") and not _DEFINES.match(value):
            return  # "Concurrency is different than parallelism": a description, not a definition
        verb = "is" if verb == "are" else verb
        if points_elsewhere(value):
            return
        self.add("relation", match.group("subject"), verb, value, _group(verb, value), start, end)

    def _definitions(self, start: int, end: int, sentence: str) -> None:
        """Appositives ("Uvicorn, an ASGI server, ..."), parameters' defaults and "to do X, use Y"."""
        match = _APPOSITIVE.match(sentence)
        if match and self.named(match.group("subject")):
            self.add("relation", match.group("subject"), "is", match.group("object"), "verb:is", start, end)
        for rule in _DEFAULTS:
            match = rule.search(sentence)
            if match:
                self.add("relation", match.group("subject"), "default", match.group("value"), "identifier:default", start, end)
                break
        match = _TO_USE.match(sentence) or _USE_TO.match(sentence)
        if match and (match.re is _USE_TO or self.named(match.group("value"))):
            task = match.group("task").strip()
            if not points_elsewhere(task):
                self.add("relation", task, "use", match.group("value"), _group("use", match.group("value")), start, end)

    def _versions(self, start: int, end: int, sentence: str) -> None:
        """Requirements ("requires Python 3.8+") and versions a feature appeared in ("since 0.95.0"),
        in a statement ("Added in FastAPI 0.134.0." alone says not what was added)."""
        if len(sentence.split()) < MIN_STATEMENT_WORDS:
            return
        for rule, relation in ((_REQUIRES, "requires"), (_SINCE, "since")):
            for match in rule.finditer(sentence):
                self.add("version", sentence[: match.start("value")].strip()[-60:] or "it", relation, match.group("value"),
                         "version", start, end)

    def _identifiers(self, start: int, end: int, sentence: str) -> None:
        """Code identifiers a sentence names (blanked by recall; distractors: other identifiers)."""
        if len(sentence.split()) < MIN_STATEMENT_WORDS or sentence.rstrip().endswith(":"):
            return  # a fragment, or a sentence that introduces what follows it
        found = [m for m in _IDENTIFIER.finditer(sentence) if sentence.count(m.group()) == 1]
        for match in found[:MAX_IDENTIFIERS_PER_SENTENCE]:
            self.add("identifier", sentence[: match.start()].strip()[-60:] or "it", "identifier", match.group(),
                     f"identifier:{identifier_shape(match.group('value'))}", start, end)


_FILE = re.compile(r"\.(?:py|pyi|md|txt|toml|ya?ml|json|js|css|html?|lock|cfg|ini|sh|env|csv)$")


def identifier_shape(name: str) -> str:
    """What a code identifier looks like, so that its distractors look alike: a file name, a call,
    a dotted path, a constant, a class (capitalised) or a name."""
    if _FILE.search(name):
        return "file"
    if name.endswith("()"):
        return "call"
    if "." in name:
        return "dotted"
    if name.isupper() and len(name) > 1:
        return "constant"
    return "class" if name[:1].isupper() else "name"


def points_elsewhere(phrase: str) -> bool:
    """Whether `phrase` leans on another sentence (a pronoun or a demonstrative, or opens with "as")."""
    words_ = re.findall(r"[\w']+", phrase.lower())
    return not words_ or words_[0] == "as" or any(w in POINTING_WORDS for w in words_)


def _group(relation: str, value: str) -> str:
    """Where a relation's values find their distractors: code identifiers among identifiers."""
    return f"identifier:{relation}" if value.startswith("`") else f"verb:{relation}"


def _subject_column(header: list[str], rows: list[list[str]], text: str) -> int | None:
    """A delimited table's subject column: of the columns whose values are all distinct and not
    numbers, the one whose values the text names most often, then the one with the most words
    (a product name over its SKU)."""
    best, best_score = None, (-1, -1)
    for j in range(len(header)):
        values = [r[j].strip() for r in rows]
        if len(set(values)) != len(values) or not all(v and not re.fullmatch(r"[\d.,\s-]+", v) for v in values):
            continue
        score = (sum(text.count(v) for v in values), sum(len(v.split()) for v in values))
        if score > best_score:
            best, best_score = j, score
    return best


def title(document: str, text: str) -> str:
    """What a document is about: its first heading in its prose (not in its front matter or code;
    without its anchor), else its file name without the suffix."""
    return _title(document, prose(document, text))


def _title(document: str, prose_text: str) -> str:
    heading = re.search(r"^#+\s+(.+)$|^(\S.*)\n[=-]{3,}\s*$", prose_text, re.M)
    name = clean(heading.group(1) or heading.group(2)) if heading else ""
    if not name or len(name) > MAX_VALUE_CHARS:
        name = re.sub(r"[-_]+", " ", document.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip()
    return name


def read_facts(document: str, text: str, chunks) -> list[Fact]:
    """Every fact of one document's extracted `text` whose `chunks` (corpus.chunks.chunk_text) are
    given; duplicates (same subject, relation, value and sentence) once."""
    seen, out = set(), []
    for fact in _Reader(document, text, chunks).read():
        key = (fact.subject, fact.relation, fact.value, fact.start)
        if key not in seen:
            seen.add(key)
            out.append(fact)
    return out
