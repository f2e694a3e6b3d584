"""A persistent cache of token counts, keyed by content hash.

Two tables, as git's index does it: ``files`` maps a path's stat signature (size, mtime in ns,
inode) to the sha256 of its bytes, so an unchanged file is recognised without reading it;
``docs``/``counts`` map a content hash (and the extractor version) to its text statistics and its
exact token count per encoding, so a renamed or copied file is not re-tokenized either.

The cache is an optimisation, never a reason to fail or to be wrong. It is an SQLite file in the
user cache folder, and every fault it can meet is worked around with one warning:

- another run holding its lock is waited for LOCK_WAIT_S, then the run goes on without the cache
  (or without storing, when only writing is locked); new counts are written in short
  transactions at the end, so a run never holds the write lock while it counts;
- a read-only cache, a full disk or any other error while writing: the run's counts are not
  stored, what the cache holds is still used;
- a file of another layout (a foreign database, an older adaptcost's) or a damaged one
  (sqlite's "malformed", "not a database"): moved aside to ``CACHE_FILE.bad`` and rebuilt;
- a stored value changed by a flipped byte: every row carries the sha256 of its key and values,
  checked against the key asked for; a row that fails is a miss (counted again, overwritten).

File names are stored as bytes (``os.fsencode``), so names that are not UTF-8 are cached too.
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
LOCK_WAIT_S = 2.0  # another run's commit takes milliseconds; a lock held longer is not waited for
FLUSH_ROWS = 4096  # new rows written per transaction: memory stays small, the write lock held briefly

# Layout 2 (issue 20): names as bytes, a checksum per row. Layout 1 (counts.sqlite3) is left to
# the adaptcost versions that use it.
CACHE_FILE = "counts-2.sqlite3"
_TABLES = {
    "files": "CREATE TABLE files (path BLOB PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, sha256 TEXT, "
             "checksum BLOB)",
    "docs": "CREATE TABLE docs (sha256 TEXT, extractor INTEGER, chars INTEGER, chunks INTEGER, replaced INTEGER, "
            "checksum BLOB, PRIMARY KEY (sha256, extractor))",
    "counts": "CREATE TABLE counts (sha256 TEXT, extractor INTEGER, encoding TEXT, tokens INTEGER, checksum BLOB, "
              "PRIMARY KEY (sha256, extractor, encoding))",
}


@dataclass(frozen=True)
class FileKey:
    path: str  # resolved path (surrogate-escaped where the name is not UTF-8)
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


def checksum(table: str, *fields) -> bytes:
    """The sha256 of a row's table, key and values (text as its UTF-8 bytes, as it is read back)."""
    canonical = tuple(f.encode("utf-8") if isinstance(f, str) else f for f in fields)
    return hashlib.sha256(repr((table, canonical)).encode("ascii", "backslashreplace")).digest()


def _int64(n: int) -> int:
    """An inode as SQLite's signed 64-bit integer (some filesystems give numbers above 2**63)."""
    return n - (1 << 64) if n >= 1 << 63 else n


# What sqlite3 raises on a fault. A damaged schema can make even its error message invalid UTF-8,
# which the sqlite3 module fails to decode: a UnicodeDecodeError is damage too.
_FAULTS = (sqlite3.Error, UnicodeDecodeError)


def _damaged(exc: Exception) -> bool:
    if isinstance(exc, UnicodeDecodeError):
        return True
    name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or any(
        text in str(exc) for text in ("malformed", "not a database"))


class CountCache:
    def __init__(self, db: sqlite3.Connection | None, warnings: list[str] | None = None, path: Path | None = None):
        self.db = db
        self.path = path
        self.warnings = warnings
        self._real_dirs: dict[str, str] = {}  # folder -> its realpath, during one run
        self._pending: dict[str, list[tuple]] = {table: [] for table in _TABLES}
        self._writable = True
        self._failed_checks = 0
        self._move_aside = False

    @classmethod
    def open(cls, enabled: bool = True, warnings: list[str] | None = None) -> "CountCache":
        if not enabled:
            return cls(None, warnings)
        cache = cls(None, warnings, cache_dir() / CACHE_FILE)
        cache.db = cache._open()
        return cache

    # ------------------------------------------------------------ opening

    def _open(self) -> sqlite3.Connection | None:
        """A connection to a cache of this layout, or None (after one warning)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = _connect(self.path)
        except (OSError, *_FAULTS) as exc:
            return self._unavailable(exc)
        try:
            if _ready(db):
                return db
            problem = "has another layout"
        except _FAULTS as exc:
            if not _damaged(exc):
                db.close()
                return self._unavailable(exc)
            problem = f"is damaged ({exc})"
        db.close()
        try:
            moved = _move_aside(self.path)
            db = _connect(self.path)
            if not _ready(db):
                db.close()
                raise sqlite3.DatabaseError("another layout again after moving it aside")
        except (OSError, *_FAULTS) as exc:
            return self._unavailable(f"{self.path} {problem}; {exc}")
        self._warn(f"token-count cache {self.path} {problem}: moved it to {moved.name} and started a new one")
        return db

    def _unavailable(self, why) -> None:
        self._warn(f"token-count cache unavailable ({why}); counting without it")
        return None

    def _warn(self, message: str) -> None:
        if self.warnings is not None and message not in self.warnings:
            self.warnings.append(message)

    # ------------------------------------------------------------ faults while running

    def _query(self, sql: str, args: tuple) -> list:
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, args).fetchall()
        except _FAULTS as exc:
            self._fault(exc, "unreadable", "counting without it")
            self._drop()
            return []

    def _fault(self, exc: Exception, what: str, then: str) -> None:
        if _damaged(exc):
            self._move_aside = True
            self._drop()
            self._warn(f"token-count cache {self.path} is damaged ({exc}); counting without it, rebuilt on the next run")
        else:
            self._warn(f"token-count cache {what} ({exc}); {then}")

    def _drop(self) -> None:
        db, self.db = self.db, None
        if db is not None:
            try:
                db.close()
            except _FAULTS:
                pass  # nothing of it is used any more

    # ------------------------------------------------------------ reading

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
        name = os.fsencode(real)
        rows = self._query("SELECT size, mtime_ns, ino, sha256, checksum FROM files WHERE path = ?", (name,))
        if not rows:
            return key
        size, mtime_ns, ino, sha256, check = rows[0]
        if check != checksum("files", name, size, mtime_ns, ino, sha256):
            self._failed_checks += 1
            return key
        if (size, mtime_ns, ino) == (key.size, key.mtime_ns, _int64(key.ino)):
            return FileKey(real, key.size, key.mtime_ns, key.ino, sha256.decode("ascii"))
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
        """The stored statistics and counts of this content, each row checked against the key
        asked for (a damaged index handing back another key's row fails too)."""
        rows = self._query(  # one query: a re-run over a large unchanged corpus makes one per file
            "SELECT d.chars, d.chunks, d.replaced, d.checksum, c.encoding, c.tokens, c.checksum FROM docs d JOIN counts c "
            "ON c.sha256 = d.sha256 AND c.extractor = d.extractor WHERE d.sha256 = ? AND d.extractor = ?",
            (sha256, extractor),
        )
        if not rows:
            return None
        chars, chunks, replaced, check = rows[0][:4]
        if check != checksum("docs", sha256, extractor, chars, chunks, replaced):
            self._failed_checks += 1
            return None
        wanted = {e.encode("utf-8"): e for e in encodings}
        tokens = {}
        for *_, encoding, n, check in rows:
            if encoding in wanted:
                if check != checksum("counts", sha256, extractor, encoding, n):
                    self._failed_checks += 1
                    return None
                tokens[wanted[encoding]] = n
        if len(tokens) != len(encodings):
            return None
        return CachedDoc(sha256, chars, chunks, replaced, tokens)

    # ------------------------------------------------------------ writing

    def remember_file(self, key: FileKey) -> None:
        # A file modified within the timestamp granularity of now could change again with the
        # same size and mtime ("racily clean" in git's terms): do not trust its stat signature.
        if key.mtime_ns and time.time_ns() - key.mtime_ns > RACY_NS:
            self._queue("files", os.fsencode(key.path), key.size, key.mtime_ns, _int64(key.ino), key.sha256)

    def store(self, key: FileKey, doc, extractor: int) -> None:
        """Remember `doc` (a discover.Document) under its content hash and its file's stat."""
        self.remember_file(key)
        self._queue("docs", doc.sha256, extractor, doc.chars, doc.chunks, doc.replaced_bytes)
        for enc, n in doc.tokens.items():
            self._queue("counts", doc.sha256, extractor, enc, n)

    def _queue(self, table: str, *row) -> None:
        if self.db is None or not self._writable:
            return
        self._pending[table].append((*row, checksum(table, *row)))
        if sum(map(len, self._pending.values())) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Write the queued rows in one short transaction; on any error, keep nothing of it."""
        pending, self._pending = self._pending, {table: [] for table in _TABLES}
        if self.db is None or not self._writable or not any(pending.values()):
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")  # waits up to LOCK_WAIT_S for another run's write lock
            for table, rows in pending.items():
                if rows:
                    self.db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
            self.db.execute("COMMIT")
        except _FAULTS as exc:
            self._writable = False
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except _FAULTS:
                    pass
            self._fault(exc, "not updated", "this run's new counts are not all stored")

    def close(self) -> None:
        try:
            if self.db is not None:
                self._flush()
        finally:
            self._drop()
            if self._failed_checks:
                self._warn(f"token-count cache: {self._failed_checks} stored entr{'y' if self._failed_checks == 1 else 'ies'} "
                           "failed their checksum; counted again")
            if self._move_aside:
                try:
                    _move_aside(self.path)
                except OSError:
                    pass  # the next run finds it damaged and tries again


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=LOCK_WAIT_S, isolation_level=None)  # transactions are explicit
    db.text_factory = bytes  # text as stored: a damaged value fails its checksum, never UTF-8 decoding
    return db


def _ready(db: sqlite3.Connection) -> bool:
    """Whether `db` holds exactly this layout's tables (created here in an empty database)."""
    def tables() -> dict:
        rows = db.execute("SELECT name, sql FROM sqlite_master").fetchall()
        return {bytes(name).decode("utf-8", "replace"): bytes(sql or b"").decode("utf-8", "replace") for name, sql in rows
                if not bytes(name).startswith(b"sqlite_")}  # sqlite's own: key indexes, ANALYZE's statistics

    found = tables()
    if found == _TABLES:
        return True
    if found:
        return False
    db.execute("BEGIN IMMEDIATE")
    try:
        if not tables():  # another run may have created them meanwhile
            for sql in _TABLES.values():
                db.execute(sql)
        db.execute("COMMIT")
    except _FAULTS:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return tables() == _TABLES


def _move_aside(path: Path) -> Path:
    """Rename a damaged or foreign cache file (and its journal) to NAME.bad, replacing an older one."""
    moved = path.with_name(path.name + ".bad")
    for suffix in ("", "-journal", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, moved.with_name(moved.name + suffix))
    return moved
