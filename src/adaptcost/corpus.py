"""The corpus: which files, their text, and exact token counts per encoding.

``profile_corpus`` walks folders, files and globs; honours .gitignore (nested ones too), include
and exclude globs; skips hidden and VCS folders; and lists every file it could not use with the
reason (binary, unreadable, empty, too large, symlink loop, ...) instead of failing the run.
Counts are per document (a document is never split mid-word: long texts are cut only at
tokenization-neutral points, so chunked counts equal whole-file counts) and cached by content
hash (see :mod:`adaptcost.countcache`), so a re-run over an unchanged corpus costs a file scan.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pathspec

from .countcache import CountCache, FileKey
from .encodings import get_counter, split_for_counting
from .errors import CorpusError
from .extract import EXTRACTOR_VERSION, RECORD_SUFFIXES, Unusable, count_chunks, extract

VCS_DIRS = {".git", ".hg", ".svn", "CVS", "_darcs", ".bzr", ".jj"}
DEFAULT_MAX_FILE_MB = 50.0

Progress = Callable[[int, int], None]  # (files done, files total)


@dataclass(frozen=True)
class CorpusOptions:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    gitignore: bool = True
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    use_cache: bool = True
    fast: bool = True  # verified native counter (quicktok); False forces plain tiktoken


@dataclass
class Document:
    path: str  # as the user would name it: input path joined with the relative path
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


@dataclass
class CorpusProfile:
    inputs: list[str]
    encodings: list[str]
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counters: dict[str, str] = field(default_factory=dict)  # encoding -> how it was counted
    cache_hits: int = 0

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
        from . import __version__

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
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "warnings": self.warnings,
        }


# ---------------------------------------------------------------- discovery


@dataclass
class _Found:
    path: Path
    display: str


class _Walker:
    def __init__(self, options: CorpusOptions):
        self.options = options
        self.include = pathspec.GitIgnoreSpec.from_lines(options.include) if options.include else None
        self.exclude = pathspec.GitIgnoreSpec.from_lines(options.exclude)
        self.found: list[_Found] = []
        self.skipped: list[Skipped] = []
        self._seen_files: set[tuple[int, int]] = set()

    def _wanted(self, rel: str) -> bool:
        if self.include is not None and not self.include.match_file(rel):
            return False
        return not self.exclude.match_file(rel)

    def _identity(self, path: Path, display: str) -> tuple[int, int] | None:
        """(device, inode) of `path`, or None after listing it as skipped."""
        try:
            st = path.stat()
        except OSError as exc:
            self.skipped.append(Skipped(display, _os_reason(exc, path)))
            return None
        return st.st_dev, st.st_ino

    def add_file(self, path: Path, display: str, rel: str) -> None:
        key = self._identity(path, display)
        if key is None:
            return
        if key in self._seen_files or not self._wanted(rel):
            return
        self._seen_files.add(key)
        self.found.append(_Found(path, display))

    def walk(self, root: Path, display_root: str) -> None:
        ancestors: set[tuple[int, int]] = set()
        self._walk_dir(root, display_root, "", [], ancestors)

    def _ignore_specs(self, folder: Path, rel: str, specs: list) -> list:
        gitignore = folder / ".gitignore"
        if self.options.gitignore and gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
                return specs + [(rel, pathspec.GitIgnoreSpec.from_lines(lines))]
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

    def _walk_dir(self, folder: Path, display: str, rel: str, specs: list, ancestors: set) -> None:
        key = self._identity(folder, display)
        if key is None:
            return
        if key in ancestors:
            self.skipped.append(Skipped(display, "symlink loop (folder links back to a parent)"))
            return
        ancestors = ancestors | {key}
        specs = self._ignore_specs(folder, rel, specs)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append(Skipped(display, _os_reason(exc, folder)))
            return
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            child_display = os.path.join(display, entry.name)
            if entry.name.startswith(".") or entry.name in VCS_DIRS:
                continue  # hidden files and folders, VCS metadata
            child = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if self._ignored(child_rel, specs, is_dir):
                continue
            if is_dir:
                self._walk_dir(child, child_display, child_rel, specs, ancestors)
            else:
                self.add_file(child, child_display, child_rel)


def _os_reason(exc: OSError, path: Path) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if path.is_symlink() and not path.exists():
        return "broken symlink"
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    return f"unreadable: {exc.strerror or exc}"


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def discover(inputs: Sequence[str], options: CorpusOptions) -> tuple[list[_Found], list[Skipped]]:
    """Every file the inputs name, in a stable order, and what was skipped on the way."""
    if not inputs:
        raise CorpusError("no corpus given: pass --corpus PATH (a folder, a file or a glob)")
    walker = _Walker(options)
    for item in inputs:
        if _is_glob(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise CorpusError(f"corpus glob {item!r} matches no file")
            for match in matches:
                path = Path(match)
                if path.is_dir():
                    walker.walk(path, match)
                elif not path.name.startswith("."):
                    walker.add_file(path, match, path.name)
            continue
        path = Path(item)
        if path.is_symlink() and not path.exists():
            walker.skipped.append(Skipped(item, _os_reason(OSError(), path)))
        elif not path.exists():
            raise CorpusError(f"corpus path not found: {item}")
        elif path.is_dir():
            walker.walk(path, item)
        else:
            walker.add_file(path, item, path.name)
    return walker.found, walker.skipped


# ---------------------------------------------------------------- counting


@dataclass
class _Pending:
    found: _Found
    key: FileKey
    text: str
    replaced: int


def _read(found: _Found, max_bytes: float) -> tuple[bytes | None, str | None]:
    try:
        size = found.path.stat().st_size
        if size > max_bytes:
            return None, f"larger than the {max_bytes / 1e6:g} MB limit ({size / 1e6:.1f} MB; raise --max-file-mb)"
        return found.path.read_bytes(), None
    except OSError as exc:
        return None, _os_reason(exc, found.path)


def profile_corpus(
    inputs: Sequence[str],
    encodings: Iterable[str],
    options: CorpusOptions = CorpusOptions(),
    progress: Progress | None = None,
) -> CorpusProfile:
    """Find, extract and count every document of the corpus, for each encoding."""
    encodings = sorted(set(encodings))
    found, skipped = discover(inputs, options)
    profile = CorpusProfile(list(inputs), encodings, skipped=list(skipped))
    counters = {e: get_counter(e, fast=options.fast) for e in encodings}
    profile.counters = {e: c.describe() for e, c in counters.items()}
    cache = CountCache.open(enabled=options.use_cache, warnings=profile.warnings)
    pending: list[_Pending] = []
    total = len(found)
    for done, item in enumerate(found, 1):
        key = cache.file_key(item.path)
        cached = cache.lookup(key, encodings, EXTRACTOR_VERSION) if key else None
        if cached is not None:
            profile.documents.append(Document(item.display, key.size, cached.sha256, cached.chars, cached.chunks, cached.tokens, cached.replaced))
            profile.cache_hits += 1
        else:
            _extract_one(item, key, options, profile, pending, cache)
        if progress and (done % 64 == 0 or done == total):
            progress(done, total)
    _count_pending(pending, counters, profile, cache)
    cache.close()
    profile.documents.sort(key=lambda d: d.path)
    _finish(profile)
    return profile


def _extract_one(item: _Found, key, options, profile, pending, cache) -> None:
    raw, reason = _read(item, options.max_file_mb * 1e6)
    if raw is None:
        profile.skipped.append(Skipped(item.display, reason))
        return
    key = cache.key_with_hash(item.path, raw, key)
    hit = cache.lookup_hash(key.sha256, profile.encodings, EXTRACTOR_VERSION)
    if hit is not None:
        cache.remember_file(key)
        profile.documents.append(Document(item.display, len(raw), hit.sha256, hit.chars, hit.chunks, hit.tokens, hit.replaced))
        profile.cache_hits += 1
        return
    try:
        extracted = extract(item.path, raw)
    except Unusable as exc:
        profile.skipped.append(Skipped(item.display, str(exc)))
        return
    if not extracted.text.strip():
        profile.skipped.append(Skipped(item.display, "empty (no text)"))
        return
    pending.append(_Pending(item, key, extracted.text, extracted.replaced_bytes))


def _count_pending(pending: list[_Pending], counters, profile: CorpusProfile, cache) -> None:
    """Count all new texts in one batch per encoding (the fast path spreads it over the cores)."""
    if not pending:
        return
    pieces, owner = [], []
    for index, item in enumerate(pending):
        for piece in split_for_counting(item.text):
            pieces.append(piece)
            owner.append(index)
    counts = {e: c.count_many(pieces) for e, c in counters.items()}
    chunks = [count_chunks(item.text, item.found.path.suffix.lower() in RECORD_SUFFIXES) for item in pending]
    totals = {e: [0] * len(pending) for e in counters}
    for encoding, per_piece in counts.items():
        for index, n in zip(owner, per_piece):
            totals[encoding][index] += n
    for index, item in enumerate(pending):
        tokens = {e: totals[e][index] for e in counters}
        doc = Document(item.found.display, item.key.size, item.key.sha256, len(item.text), chunks[index], tokens, item.replaced)
        profile.documents.append(doc)
        cache.store(item.key, doc, EXTRACTOR_VERSION)


def _finish(profile: CorpusProfile) -> None:
    for doc in profile.documents:
        if doc.replaced_bytes:
            profile.warnings.append(f"{doc.path}: not valid UTF-8, {doc.replaced_bytes} invalid byte sequence(s) replaced with U+FFFD")
    if not profile.documents:
        why = f" ({len(profile.skipped)} file(s) skipped: {profile.skipped[0].path}: {profile.skipped[0].reason}{', …' if len(profile.skipped) > 1 else ''})" if profile.skipped else ""
        raise CorpusError(f"the corpus {', '.join(profile.inputs)} has no readable text documents{why}")
