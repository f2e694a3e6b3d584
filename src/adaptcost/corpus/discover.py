"""The corpus: which files, their text, and exact token counts per encoding.

``profile_corpus`` walks folders, files and globs; honours .gitignore (nested ones too), include
and exclude globs; skips hidden and VCS folders; and lists every file it could not use with the
reason (binary, unreadable, empty, too large, not a regular file, symlink loop, ...) instead of
failing the run.
Counts are per document (a document is never split mid-word: long texts are cut only at
tokenization-neutral points, so chunked counts equal whole-file counts) and cached by content
hash (see :mod:`adaptcost.corpus.countcache`), so a re-run over an unchanged corpus costs a file scan.
Counting runs on a thread pool while the next files are read and extracted, with a bounded
number of bytes in flight: memory follows the largest file, not the corpus. The input ``-`` is
standard input.
"""

from __future__ import annotations

import glob
import os
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .countcache import CountCache, FileKey
from ..defaults import DEFAULT_MAX_FILE_MB  # noqa: F401  (re-exported)
from ..errors import CorpusError
from ..fileio import NotRegularFile, open_regular, read_at_most, special_kind
from ..paths import display_path
from .encodings import describe_counting, get_counter, split_for_counting
from .extract import RECORD_SUFFIXES, ExtractOptions, Unusable, count_chunks, extract

VCS_DIRS = {".git", ".hg", ".svn", "CVS", "_darcs", ".bzr", ".jj"}
IN_FLIGHT_BYTES = 32 << 20  # texts read but not yet counted, at most (plus the file being read)
STDIN = "-"

Progress = Callable[[int, int], None]  # (files done, files total)


@dataclass(frozen=True)
class CorpusOptions:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    gitignore: bool = True
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    use_cache: bool = True
    fast: bool = True  # verified native counter (quicktok); False forces plain tiktoken
    extract: ExtractOptions = field(default_factory=ExtractOptions)


@dataclass
class Document:
    path: str  # as the user would name it: input path joined with the relative path (bytes not UTF-8 as \xNN)
    size_bytes: int
    sha256: str
    chars: int
    chunks: int  # sentences / structured lines (local augmentation units)
    tokens: dict[str, int]  # encoding -> exact count
    replaced_bytes: int = 0


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str

    @property
    def kind(self) -> str:
        """The reason without its particulars ("larger than the 50 MB limit"): what groups skips."""
        return self.reason.split(" (")[0]


def file_type(path: str) -> str:
    """A document's type as a reader names it: its suffix ('.md'), '(none)', or 'stdin'."""
    if path == STDIN:
        return "stdin"
    return os.path.splitext(path)[1].lower() or "(none)"


@dataclass(frozen=True)
class SkipGroup:
    kind: str
    file_type: str
    count: int
    examples: tuple[str, ...]


def summarize_skipped(skipped: Sequence[Skipped], examples: int = 3) -> list[SkipGroup]:
    """Skipped files grouped by reason and file type, largest group first, with a few examples."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in skipped:
        groups.setdefault((s.kind, file_type(s.path)), []).append(s.path)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [SkipGroup(kind, ftype, len(paths), tuple(paths[:examples])) for (kind, ftype), paths in ordered]


@dataclass(frozen=True)
class TypeTotal:
    file_type: str
    documents: int
    bytes: int
    tokens: int


@dataclass
class CorpusProfile:
    inputs: list[str]
    encodings: list[str]
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counters: dict[str, str] = field(default_factory=dict)  # encoding -> how it was counted
    cache_hits: int = 0
    extraction: str = ExtractOptions().describe()

    def by_type(self, encoding: str) -> list[TypeTotal]:
        """Documents, bytes and tokens per file type, most tokens first."""
        docs, size, tokens = Counter(), Counter(), Counter()
        for d in self.documents:
            t = file_type(d.path)
            docs[t] += 1
            size[t] += d.size_bytes
            tokens[t] += d.tokens[encoding]
        return [TypeTotal(t, docs[t], size[t], tokens[t]) for t in sorted(docs, key=lambda t: (-tokens[t], t))]

    def top(self, n: int, encoding: str) -> list[Document]:
        """The `n` documents with the most tokens (ties by path)."""
        return sorted(self.documents, key=lambda d: (-d.tokens[encoding], d.path))[:n]

    def tokens(self, encoding: str) -> int:
        return sum(d.tokens[encoding] for d in self.documents)

    def max_document_tokens(self, encoding: str) -> int:
        return max((d.tokens[encoding] for d in self.documents), default=0)

    @property
    def n_documents(self) -> int:
        return len(self.documents)

    @property
    def n_chunks(self) -> int:
        return sum(d.chunks for d in self.documents)

    @property
    def size_bytes(self) -> int:
        return sum(d.size_bytes for d in self.documents)

    def to_dict(self) -> dict:
        """The adaptcost-count/1 document (what `count --format json` prints)."""
        from .._version import __version__

        return {
            "schema": "adaptcost-count/1",
            "tool": {"name": "adaptcost", "version": __version__},
            "tokenizers": self.counters,
            "documents": [
                {"path": d.path, "bytes": d.size_bytes, "sha256": d.sha256, "chars": d.chars, "chunks": d.chunks, "tokens": d.tokens}
                for d in self.documents
            ],
            "total": {"documents": self.n_documents, "chunks": self.n_chunks, "bytes": self.size_bytes,
                      "tokens": {e: self.tokens(e) for e in self.encodings}},
            "by_type": {e: [t.__dict__ for t in self.by_type(e)] for e in self.encodings},
            "extraction": self.extraction,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "skipped_summary": [{"reason": g.kind, "file_type": g.file_type, "count": g.count, "examples": list(g.examples)}
                                for g in summarize_skipped(self.skipped)],
            "warnings": self.warnings,
        }


# ---------------------------------------------------------------- discovery


@dataclass
class _Found:
    path: Path
    display: str
    stdin: bool = False
    pipe: bool = False  # a pipe named on the command line (<(...)): read as a stream, like stdin


class _Walker:
    def __init__(self, options: CorpusOptions):
        self.options = options
        self.include = _gitignore_spec(options.include) if options.include else None
        self.exclude = _gitignore_spec(options.exclude) if options.exclude else None  # none: nothing excluded
        self.found: list[_Found] = []
        self.skipped: list[Skipped] = []
        self._seen_files: set[tuple[int, int]] = set()

    def _wanted(self, rel: str) -> bool:
        if self.include is not None and not self.include.match_file(rel):
            return False
        return self.exclude is None or not self.exclude.match_file(rel)

    def _stat(self, path: Path, display: str) -> os.stat_result | None:
        """The stat of `path` (a link followed), or None after listing it as skipped."""
        try:
            return path.stat()
        except OSError as exc:
            self.skipped.append(Skipped(display, _os_reason(exc, path)))
            return None

    def add_file(self, path: Path, display: str, rel: str) -> None:
        st = self._stat(path, display)
        if st is None:
            return
        key = st.st_dev, st.st_ino
        if key in self._seen_files or not self._wanted(rel):
            return
        self._seen_files.add(key)
        kind = special_kind(st.st_mode)
        if kind:  # a FIFO would hang the run, /dev/zero never ends: never opened
            self.skipped.append(Skipped(display, _special_reason(kind)))
            return
        self.found.append(_Found(path, display))

    def walk(self, root: Path, display_root: str) -> None:
        """Every wanted file under `root`, depth first in name order, with a stack of folders (not
        recursion: a tree of any depth is walked). A folder that links back to one of its parents
        is listed as a symlink loop."""
        ancestors: set[tuple[int, int]] = set()
        stack: list[tuple] = []  # (entries left, folder display, rel, gitignore specs, identity)
        self._enter(root, display_root, "", [], ancestors, stack)
        while stack:
            entries, display, rel, specs, key = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                ancestors.discard(key)
                continue
            if entry.name.startswith(".") or entry.name in VCS_DIRS:
                continue  # hidden files and folders, VCS metadata
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            child_display = os.path.join(display, display_path(entry.name))
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if self._ignored(child_rel, specs, is_dir):
                continue
            if is_dir:
                self._enter(Path(entry.path), child_display, child_rel, specs, ancestors, stack)
            else:
                self.add_file(Path(entry.path), child_display, child_rel)

    def _enter(self, folder: Path, display: str, rel: str, specs: list, ancestors: set, stack: list) -> None:
        """Push `folder`'s sorted entries on the walk's stack (or list why it cannot be walked)."""
        st = self._stat(folder, display)
        if st is None:
            return
        key = st.st_dev, st.st_ino
        if key in ancestors:
            self.skipped.append(Skipped(display, "symlink loop (folder links back to a parent)"))
            return
        specs = self._ignore_specs(folder, rel, specs)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append(Skipped(display, _os_reason(exc, folder)))
            return
        ancestors.add(key)
        stack.append((iter(entries), display, rel, specs, key))

    def _ignore_specs(self, folder: Path, rel: str, specs: list) -> list:
        gitignore = folder / ".gitignore"
        if self.options.gitignore and gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
                return specs + [(rel, _gitignore_spec(lines))]
            except OSError:
                pass
        return specs

    @staticmethod
    def _ignored(rel: str, specs: list, is_dir: bool) -> bool:
        # As git does: the deepest .gitignore with a matching pattern decides ("!keep.log" in a
        # subfolder re-includes a file that a parent's "*.log" ignores).
        for base, spec in reversed(specs):
            sub = rel[len(base) + 1 :] if base else rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                return bool(result.include)
        return False


def _gitignore_spec(lines: Sequence[str]):
    import pathspec  # here: a warm run on a corpus without .gitignore or patterns never needs it

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _os_reason(exc: OSError, path: Path) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if path.is_symlink() and not path.exists():
        return "broken symlink"
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    return f"unreadable: {exc.strerror or exc}"


def _special_reason(kind: str) -> str:
    return f"not a regular file ({kind}; not read)"


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def discover(inputs: Sequence[str], options: CorpusOptions) -> tuple[list[_Found], list[Skipped]]:
    """Every file the inputs name, in a stable order, and what was skipped on the way."""
    if not inputs:
        raise CorpusError("no corpus given: pass --corpus PATH (a folder, a file or a glob)")
    walker = _Walker(options)
    for item in inputs:
        shown = display_path(item)  # every name shown or serialised is printable text
        if item == STDIN:
            if not any(f.stdin for f in walker.found):
                walker.found.append(_Found(Path(STDIN), STDIN, stdin=True))
            continue
        if _is_glob(item):
            try:
                matches = sorted(glob.glob(item, recursive=True))
            except RecursionError:  # the standard library's ** walks folders by recursion
                raise CorpusError(f"corpus glob {shown!r} reaches folders too deep for a glob; pass the folder itself") from None
            if not matches:
                raise CorpusError(f"corpus glob {shown!r} matches no file")
            for match in matches:
                path = Path(match)
                if path.is_dir():
                    walker.walk(path, display_path(match))
                elif not path.name.startswith("."):
                    walker.add_file(path, display_path(match), path.name)
            continue
        path = Path(item)
        if path.is_symlink() and not path.exists():
            walker.skipped.append(Skipped(shown, _os_reason(OSError(), path)))
        elif not path.exists():
            raise CorpusError(f"corpus path not found: {shown}")
        elif path.is_dir():
            walker.walk(path, shown)
        elif _is_pipe(path):  # named by the user (a shell's <(...)): read, as standard input is
            walker.found.append(_Found(path, shown, pipe=True))
        else:
            walker.add_file(path, shown, path.name)
    return walker.found, walker.skipped


def _is_pipe(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


# ---------------------------------------------------------------- counting


def _read(found: _Found, max_bytes: float) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and the reason. Only a regular file is opened (see
    fileio.open_regular), and at most `max_bytes` + 1 bytes are read: the limit holds for the
    bytes read, not for the size first seen (a file that grows while read is caught too)."""
    limit = int(max_bytes)
    if found.stdin or found.pipe:
        try:
            if found.stdin:
                raw = sys.stdin.buffer.read(limit + 1)
            else:
                with open(found.path, "rb") as stream:
                    raw = stream.read(limit + 1)
        except OSError as exc:
            return None, _os_reason(exc, found.path)
        return (None, _too_large(max_bytes, len(raw), grown=True)) if len(raw) > limit else (raw, None)
    try:
        fd, st = open_regular(found.path)
    except NotRegularFile as exc:
        return None, _special_reason(str(exc))
    except OSError as exc:
        return None, _os_reason(exc, found.path)
    try:
        if st.st_size > limit:
            return None, _too_large(max_bytes, st.st_size)
        raw = read_at_most(fd, limit, st.st_size)
    except OSError as exc:
        return None, _os_reason(exc, found.path)
    finally:
        os.close(fd)
    return (None, _too_large(max_bytes, len(raw), grown=True)) if len(raw) > limit else (raw, None)


def _too_large(max_bytes: float, size: int, grown: bool = False) -> str:
    """The reason for a file over --max-file-mb; `grown`: only its first limit + 1 bytes were read
    (standard input, or a file that grew past the limit while read), so its size is "N+ MB"."""
    plus = "+" if grown else ""
    return f"larger than the {max_bytes / 1e6:g} MB limit ({size / 1e6:.1f}{plus} MB; raise --max-file-mb)"


class _Counters(dict):
    """The counter of each encoding, loaded on first use: a corpus served wholly by the count
    cache loads no vocabulary (half a second and more per encoding)."""

    def __init__(self, encodings: list[str], fast: bool):
        super().__init__()  # the counters loaded so far
        self.encodings, self.fast = list(encodings), fast

    def __iter__(self):
        return iter(self.encodings)

    def __len__(self) -> int:
        return len(self.encodings)

    def __missing__(self, encoding: str):
        self[encoding] = get_counter(encoding, fast=self.fast)
        return dict.__getitem__(self, encoding)

    def items(self):
        return [(e, self[e]) for e in self.encodings]

    def descriptions(self) -> dict[str, str]:
        """How each encoding is counted (the same on a cold and a warm run)."""
        return {e: describe_counting(e, self.fast) for e in self.encodings}


class _Counting:
    """Counts texts on a thread pool (the counters release the GIL) while the caller reads and
    extracts the next files. At most IN_FLIGHT_BYTES wait to be counted: when more are queued,
    `submit` first collects the oldest results, so memory follows the largest file."""

    def __init__(self, counters: dict, budget: int = IN_FLIGHT_BYTES):
        self.counters = counters
        self.budget = budget
        self._pool = None  # started with the first text to count: a warm run counts none
        self.queue: deque = deque()  # (future, document, encoding, size)
        self.queued_bytes = 0
        self.pending: dict[int, int] = {}  # id(document) -> pieces still being counted
        self.finished: list = []  # (document, key), complete

    @property
    def pool(self):
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max(1, os.cpu_count() or 1))
        return self._pool

    def submit(self, doc: "Document", key: FileKey, payload: str | bytes) -> None:
        pieces = split_for_counting(payload)
        doc.tokens = {e: 0 for e in self.counters}
        self.pending[id(doc)] = len(pieces) * len(self.counters)
        for encoding, counter in self.counters.items():
            for piece in pieces:
                self.queue.append((self.pool.submit(counter.count_piece, piece), doc, key, encoding, len(piece)))
                self.queued_bytes += len(piece)
        while self.queued_bytes > self.budget:
            self._collect_oldest()

    def _collect_oldest(self) -> None:
        future, doc, key, encoding, size = self.queue.popleft()
        doc.tokens[encoding] += future.result()
        self.queued_bytes -= size
        self.pending[id(doc)] -= 1
        if not self.pending[id(doc)]:
            del self.pending[id(doc)]
            self.finished.append((doc, key))

    def drain(self) -> list:
        """Every submitted document, counted: (document, key) pairs."""
        while self.queue:
            self._collect_oldest()
        done, self.finished = self.finished, []
        return done

    def close(self) -> None:
        for future, *_ in self.queue:
            future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def profile_corpus(
    inputs: Sequence[str],
    encodings: Iterable[str],
    options: CorpusOptions = CorpusOptions(),
    progress: Progress | None = None,
) -> CorpusProfile:
    """Find, extract and count every document of the corpus, for each encoding."""
    encodings = sorted(set(encodings))
    found, skipped = discover(inputs, options)
    profile = CorpusProfile([display_path(i) for i in inputs], encodings, skipped=list(skipped), extraction=options.extract.describe())
    counters = _Counters(encodings, options.fast)
    cache = CountCache.open(enabled=options.use_cache, warnings=profile.warnings)
    tag = options.extract.cache_tag()
    counting = _Counting(counters)
    try:
        total = len(found)
        for done, item in enumerate(found, 1):
            key = None if item.stdin or item.pipe else cache.file_key(item.path)  # a stream has no stat signature
            cached = cache.lookup(key, encodings, tag) if key else None
            if cached is not None:
                profile.documents.append(Document(item.display, key.size, cached.sha256, cached.chars, cached.chunks, cached.tokens, cached.replaced))
                profile.cache_hits += 1
            else:
                _extract_one(item, key, options, profile, counting, cache, tag)
            if progress and (done % 64 == 0 or done == total):
                progress(done, total)
        for doc, key in counting.drain():
            cache.store(key, doc, tag)
    finally:
        counting.close()
        cache.close()
    profile.counters = counters.descriptions()
    profile.documents.sort(key=lambda d: d.path)
    _finish(profile)
    return profile


def _extract_one(item: _Found, key, options: CorpusOptions, profile: CorpusProfile, counting: _Counting, cache, tag: int) -> None:
    """Read, hash and extract one file; its text goes to `counting` (or its cached count is used)."""
    raw, reason = _read(item, options.max_file_mb * 1e6)
    if raw is None:
        profile.skipped.append(Skipped(item.display, reason))
        return
    key = cache.key_with_hash(item.path, raw, key)
    hit = cache.lookup_hash(key.sha256, profile.encodings, tag)
    if hit is not None:
        cache.remember_file(key)
        profile.documents.append(Document(item.display, len(raw), hit.sha256, hit.chars, hit.chunks, hit.tokens, hit.replaced))
        profile.cache_hits += 1
        return
    extracted = _extracted(item, raw, options)
    if isinstance(extracted, str):
        profile.skipped.append(Skipped(item.display, extracted))
        return
    text = extracted.text
    chunks = count_chunks(text, item.path.suffix.lower() in RECORD_SUFFIXES)
    doc = Document(item.display, len(raw), key.sha256, len(text), chunks, {}, extracted.replaced_bytes)
    profile.documents.append(doc)
    counting.submit(doc, key, raw if extracted.verbatim else text)


def _extracted(item: _Found, raw: bytes, options: CorpusOptions):
    """The text `raw` gives (extract.extract), or the reason it gives none (a str)."""
    try:
        extracted = extract(Path("stdin.txt") if item.stdin else item.path, raw, options.extract, options.max_file_mb * 1e6)
    except Unusable as exc:
        return str(exc)
    if not extracted.text or extracted.text.isspace():
        return "empty (no text)"
    return extracted


@dataclass(frozen=True)
class DocumentText:
    """One document's extracted text: the text `profile_corpus` counts, under the same path and
    sha256 (of the file's bytes) as its `Document`."""

    path: str
    sha256: str
    text: str


def document_texts(inputs: Sequence[str], options: CorpusOptions = CorpusOptions(),
                   progress: Progress | None = None) -> tuple[list[DocumentText], list[Skipped]]:
    """Every document's extracted text, in path order, and the files skipped with their reasons:
    the same files, texts and reasons as `profile_corpus` (one reading and one extraction rule),
    without counting tokens or touching the count cache."""
    import hashlib

    found, skipped = discover(inputs, options)
    skipped, texts = list(skipped), []
    for done, item in enumerate(found, 1):
        raw, reason = _read(item, options.max_file_mb * 1e6)
        extracted = _extracted(item, raw, options) if raw is not None else reason
        if isinstance(extracted, str):
            skipped.append(Skipped(item.display, extracted))
        else:
            texts.append(DocumentText(item.display, hashlib.sha256(raw).hexdigest(), extracted.text))
        if progress and (done % 64 == 0 or done == len(found)):
            progress(done, len(found))
    texts.sort(key=lambda d: d.path)
    return texts, skipped


def _finish(profile: CorpusProfile) -> None:
    for doc in profile.documents:
        if doc.replaced_bytes:
            profile.warnings.append(f"{doc.path}: not valid UTF-8, {doc.replaced_bytes} invalid byte sequence(s) replaced with U+FFFD")
    if not profile.documents:
        why = f" ({len(profile.skipped)} file(s) skipped: {profile.skipped[0].path}: {profile.skipped[0].reason}{', …' if len(profile.skipped) > 1 else ''})" if profile.skipped else ""
        raise CorpusError(f"the corpus {', '.join(profile.inputs)} has no readable text documents{why}")


def corpus_fingerprint(pairs: Iterable[tuple[str, str]]) -> str:
    """The corpus's identity: sha256 over its sorted (document path, document sha256) pairs, one
    "path<TAB>sha256" a line (a CorpusProfile's documents or document_texts give them). A probes file
    and a curves file measured on a corpus carry it; another corpus gives another."""
    import hashlib

    return hashlib.sha256("\n".join(f"{path}\t{sha}" for path, sha in sorted(pairs)).encode()).hexdigest()
