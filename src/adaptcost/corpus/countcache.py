"""A persistent cache of token counts, keyed by content hash.

Two tables, as git's index does it: ``files`` maps a path's stat signature (size, mtime in ns,
inode) to the sha256 of its bytes, so an unchanged file is recognised without reading it;
``docs``/``counts`` map a content hash (and the extractor version) to its text statistics and its
exact token count per encoding, so a renamed or copied file is not re-tokenized either.
The cache is an SQLite file in the user cache folder; if it cannot be opened the run goes on
without it (and says so).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ..paths import cache_dir

RACY_NS = 2_000_000_000  # 2 s: the coarsest common mtime resolution (FAT)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, sha256 TEXT);
CREATE TABLE IF NOT EXISTS docs (sha256 TEXT, extractor INTEGER, chars INTEGER, chunks INTEGER, replaced INTEGER,
                                 PRIMARY KEY (sha256, extractor));
CREATE TABLE IF NOT EXISTS counts (sha256 TEXT, extractor INTEGER, encoding TEXT, tokens INTEGER,
                                   PRIMARY KEY (sha256, extractor, encoding));
"""


@dataclass(frozen=True)
class FileKey:
    path: str  # resolved path
    size: int
    mtime_ns: int
    ino: int
    sha256: str | None = None


@dataclass(frozen=True)
class CachedDoc:
    sha256: str
    chars: int
    chunks: int
    replaced: int
    tokens: dict[str, int]


class CountCache:
    def __init__(self, db: sqlite3.Connection | None):
        self.db = db
        self._real_dirs: dict[str, str] = {}  # folder -> its realpath, during one run

    @classmethod
    def open(cls, enabled: bool = True, warnings: list[str] | None = None) -> "CountCache":
        if not enabled:
            return cls(None)
        path = cache_dir() / "counts.sqlite3"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30)
            db.executescript(_SCHEMA)
            return cls(db)
        except (OSError, sqlite3.Error) as exc:
            if warnings is not None:
                warnings.append(f"token-count cache unavailable ({exc}); counting without it")
            return cls(None)

    def _real_stat(self, path: Path) -> tuple[str, os.stat_result]:
        """os.path.realpath(path) and its stat, in one system call for a file that is not a link
        (its folder is resolved once per folder, not once per file)."""
        path = os.path.abspath(path)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(path)
            return real, os.stat(real)
        folder, name = os.path.split(path)
        if folder not in self._real_dirs:
            self._real_dirs[folder] = os.path.realpath(folder)
        return os.path.join(self._real_dirs[folder], name), st

    def file_key(self, path: Path) -> FileKey | None:
        """The stat signature of `path`, with its content hash if the cache already knows it."""
        try:
            real, st = self._real_stat(path)
        except OSError:
            return None
        key = FileKey(real, st.st_size, st.st_mtime_ns, st.st_ino)
        if self.db is None:
            return key
        row = self.db.execute("SELECT size, mtime_ns, ino, sha256 FROM files WHERE path = ?", (real,)).fetchone()
        if row and tuple(row[:3]) == (key.size, key.mtime_ns, key.ino):
            return FileKey(real, key.size, key.mtime_ns, key.ino, row[3])
        return key

    @staticmethod
    def key_with_hash(path: Path, raw: bytes, key: FileKey | None) -> FileKey:
        digest = hashlib.sha256(raw).hexdigest()
        if key is None:
            return FileKey(os.path.realpath(path), len(raw), 0, 0, digest)
        return FileKey(key.path, len(raw), key.mtime_ns, key.ino, digest)

    def lookup(self, key: FileKey, encodings: list[str], extractor: int) -> CachedDoc | None:
        return self.lookup_hash(key.sha256, encodings, extractor) if key.sha256 else None

    def lookup_hash(self, sha256: str, encodings: list[str], extractor: int) -> CachedDoc | None:
        if self.db is None:
            return None
        rows = self.db.execute(  # one query: a re-run over a large unchanged corpus makes one per file
            "SELECT d.chars, d.chunks, d.replaced, c.encoding, c.tokens FROM docs d JOIN counts c "
            "ON c.sha256 = d.sha256 AND c.extractor = d.extractor WHERE d.sha256 = ? AND d.extractor = ?",
            (sha256, extractor),
        ).fetchall()
        tokens = {row[3]: row[4] for row in rows if row[3] in encodings}
        if not rows or len(tokens) != len(encodings):
            return None
        chars, chunks, replaced = rows[0][:3]
        return CachedDoc(sha256, chars, chunks, replaced, tokens)

    def remember_file(self, key: FileKey) -> None:
        # A file modified within the timestamp granularity of now could change again with the
        # same size and mtime ("racily clean" in git's terms): do not trust its stat signature.
        if self.db is not None and key.mtime_ns and time.time_ns() - key.mtime_ns > RACY_NS:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                (key.path, key.size, key.mtime_ns, key.ino, key.sha256),
            )

    def store(self, key: FileKey, doc, extractor: int) -> None:
        """Remember `doc` (a discover.Document) under its content hash and its file's stat."""
        if self.db is None:
            return
        self.remember_file(key)
        self.db.execute(
            "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)",
            (doc.sha256, extractor, doc.chars, doc.chunks, doc.replaced_bytes),
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO counts VALUES (?, ?, ?, ?)",
            [(doc.sha256, extractor, enc, n) for enc, n in doc.tokens.items()],
        )

    def close(self) -> None:
        if self.db is not None:
            try:
                self.db.commit()
            finally:
                self.db.close()
                self.db = None
