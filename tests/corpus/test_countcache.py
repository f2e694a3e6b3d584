"""The token-count cache is an optimisation, never a reason to fail or to be wrong (issue 20).

Each fault a cache can meet (another run's lock, a read-only or full disk, a file of another
layout, flipped bytes, a flipped stored value, file names that are not UTF-8) gives the right
counts and one warning; the cache heals where it can (a damaged file is moved aside and rebuilt,
a row that fails its checksum is recounted and overwritten)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptcost.corpus import countcache
from adaptcost.corpus.countcache import CountCache
from adaptcost.corpus.discover import CorpusOptions, profile_corpus
from adaptcost.corpus.encodings import get_counter

ENC = "o200k_base"
TEXTS = {
    "a.md": "The cache is an optimisation.\n",
    "b.md": "Never a reason to fail, never a reason to be wrong.\n",
    "c.md": "Counts are checked: a flipped byte is a miss.\n",
}


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "adaptcost-cache"
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(folder))
    monkeypatch.setattr(countcache, "LOCK_WAIT_S", 0.2, raising=False)  # a test need not wait 2 s
    return folder


def db_path(folder: Path) -> Path:
    return folder / countcache.CACHE_FILE if hasattr(countcache, "CACHE_FILE") else folder / "counts.sqlite3"


def corpus(root: Path, names=("a.md", "b.md"), age_s: int = 3600) -> Path:
    """Files modified `age_s` ago (older than the racy window: the cache trusts their stat)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = root / name
        path.write_text(TEXTS[name], encoding="utf-8")
        st_ = path.stat()
        os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns - age_s * 10**9))
    return root


def reference(name: str) -> int:
    return len(get_counter(ENC, fast=False).encode(TEXTS[name]))


def right(profile) -> bool:
    return {Path(d.path).name: d.tokens[ENC] for d in profile.documents} == {
        Path(d.path).name: reference(Path(d.path).name) for d in profile.documents}


def cache_warnings(profile) -> list[str]:
    return [w for w in profile.warnings if "cache" in w]


# ---------------------------------------------------------------- another run holds the lock


def hold(path: Path, how: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute(f"BEGIN {how}")
    if how == "EXCLUSIVE":
        other.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return other


def test_write_lock_held_by_another_run(tmp_path, own_cache):
    """Before: the run waited 30 s, then failed with `OperationalError: database is locked`."""
    root = corpus(tmp_path / "c")
    profile_corpus([str(root / "a.md")], [ENC])  # the cache exists, knows a.md
    other = hold(db_path(own_cache), "IMMEDIATE")  # another run writing
    try:
        started = time.monotonic()
        profile = profile_corpus([str(root)], [ENC])
        assert time.monotonic() - started < 10
    finally:
        other.rollback()
        other.close()
    assert right(profile) and profile.cache_hits == 1  # reading still works
    assert len(cache_warnings(profile)) == 1 and "locked" in cache_warnings(profile)[0]
    again = profile_corpus([str(root)], [ENC])  # b.md was not stored: counted again, now stored
    assert right(again) and again.cache_hits == 1 and not again.warnings
    assert profile_corpus([str(root)], [ENC]).cache_hits == 2


def test_exclusive_lock_held_by_another_run(tmp_path, own_cache):
    """A run committing (an exclusive lock) blocks reading too: counted without the cache."""
    root = corpus(tmp_path / "c")
    profile_corpus([str(root)], [ENC])
    other = hold(db_path(own_cache), "EXCLUSIVE")
    try:
        profile = profile_corpus([str(root)], [ENC])
    finally:
        other.rollback()
        other.close()
    assert right(profile) and profile.n_documents == 2
    assert len(cache_warnings(profile)) == 1 and "locked" in cache_warnings(profile)[0]
    assert profile_corpus([str(root)], [ENC]).cache_hits == 2  # the cache itself is intact


def test_lock_released_while_waiting_is_used(tmp_path, own_cache, monkeypatch):
    """A lock held for less than the wait is waited for: the counts are stored."""
    monkeypatch.setattr(countcache, "LOCK_WAIT_S", 5.0)
    root = corpus(tmp_path / "c")
    profile_corpus([str(root / "a.md")], [ENC])
    other = hold(db_path(own_cache), "IMMEDIATE")
    timer = threading.Timer(0.3, other.rollback)
    timer.start()
    try:
        profile = profile_corpus([str(root)], [ENC])
    finally:
        timer.join()
        other.close()
    assert right(profile) and not profile.warnings
    assert profile_corpus([str(root)], [ENC]).cache_hits == 2


# ---------------------------------------------------------------- read-only, full


def connect_with(monkeypatch, adjust):
    """Make the cache's connections go through `adjust(path) -> sqlite3.Connection`."""
    monkeypatch.setattr(countcache.sqlite3, "connect", lambda path, *a, **kw: adjust(path, *a, **kw))


def test_read_only_cache(tmp_path, own_cache, monkeypatch):
    """Before: `OperationalError: attempt to write a readonly database` on every run that counted
    a new file (root ignores chmod: the connection is opened read-only, as sqlite does for a
    file it may not write)."""
    real = sqlite3.connect
    root = corpus(tmp_path / "c")
    profile_corpus([str(root / "a.md")], [ENC])
    connect_with(monkeypatch, lambda path, *a, **kw: real(f"file:{path}?mode=ro", *a, uri=True, **kw))
    profile = profile_corpus([str(root)], [ENC])
    assert right(profile) and profile.cache_hits == 1  # what it holds is still used
    assert len(cache_warnings(profile)) == 1 and "readonly" in cache_warnings(profile)[0]


def test_full_disk(tmp_path, own_cache, monkeypatch):
    """A disk with no room (sqlite's max_page_count: SQLITE_FULL, as a full disk gives)."""
    real = sqlite3.connect
    root = tmp_path / "c"
    root.mkdir()
    (root / "seed.md").write_text("seed\n")
    profile_corpus([str(root / "seed.md")], [ENC])

    def full(path, *a, **kw):
        db = real(path, *a, **kw)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    connect_with(monkeypatch, full)
    for i in range(300):  # more rows than the pages it has room for
        (root / f"n{i}.md").write_text(f"note number {i} about {'x' * (i % 50)}\n")
    profile = profile_corpus([str(root)], [ENC])
    assert profile.n_documents == 301
    counter = get_counter(ENC, fast=False)
    assert all(d.tokens[ENC] == len(counter.encode(Path(d.path).read_text())) for d in profile.documents)
    assert len(cache_warnings(profile)) == 1 and "full" in cache_warnings(profile)[0]


def test_cache_folder_unwritable_on_open(tmp_path, own_cache, monkeypatch):
    """Creating the file fails (sqlite cannot open it): counted without the cache, one warning."""
    def refuse(path, *a, **kw):
        raise sqlite3.OperationalError("unable to open database file")

    connect_with(monkeypatch, refuse)
    profile = profile_corpus([str(corpus(tmp_path / "c"))], [ENC])
    assert right(profile) and len(cache_warnings(profile)) == 1 and "unavailable" in cache_warnings(profile)[0]


# ---------------------------------------------------------------- another layout, damaged files


OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, sha256 TEXT);
CREATE TABLE IF NOT EXISTS docs (sha256 TEXT, extractor INTEGER, chars INTEGER, chunks INTEGER, replaced INTEGER,
                                 PRIMARY KEY (sha256, extractor));
CREATE TABLE IF NOT EXISTS counts (sha256 TEXT, extractor INTEGER, encoding TEXT, tokens INTEGER,
                                   PRIMARY KEY (sha256, extractor, encoding));
"""


@pytest.mark.parametrize("layout", [
    "CREATE TABLE people (name TEXT, email TEXT); INSERT INTO people VALUES ('ada', 'ada@example.org');",
    OLD_SCHEMA,  # adaptcost 0.3's own layout: no checksums, names as text
    "CREATE TABLE files (path TEXT);",
], ids=["foreign", "older", "partial"])
def test_database_of_another_layout_moved_aside_and_rebuilt(tmp_path, own_cache, layout):
    """Before: a partial layout failed every run (`OperationalError: no such column: size`); a
    foreign file had the cache's tables added to it, silently; the older layout (no checksums)
    was trusted as is."""
    own_cache.mkdir(parents=True)
    foreign = sqlite3.connect(db_path(own_cache))
    foreign.executescript(layout)
    foreign.commit()
    foreign.close()
    root = corpus(tmp_path / "c")
    profile = profile_corpus([str(root)], [ENC])
    assert right(profile)
    assert len(cache_warnings(profile)) == 1 and "another layout" in cache_warnings(profile)[0]
    moved = db_path(own_cache).with_name(db_path(own_cache).name + ".bad")
    assert moved.exists()  # kept, not deleted: it may be someone's
    again = profile_corpus([str(root)], [ENC])
    assert again.cache_hits == 2 and not again.warnings


def test_file_that_is_not_a_database(tmp_path, own_cache):
    own_cache.mkdir(parents=True)
    db_path(own_cache).write_bytes(b"this is not sqlite" * 100)
    root = corpus(tmp_path / "c")
    profile = profile_corpus([str(root)], [ENC])
    assert right(profile) and len(cache_warnings(profile)) == 1 and "damaged" in cache_warnings(profile)[0]
    assert profile_corpus([str(root)], [ENC]).cache_hits == 2  # rebuilt


def populated(tmp_path: Path, own_cache: Path) -> tuple[Path, bytes]:
    root = corpus(tmp_path / "c", tuple(TEXTS))
    profile_corpus([str(root)], [ENC])
    assert profile_corpus([str(root)], [ENC]).cache_hits == 3
    return root, db_path(own_cache).read_bytes()


def flipped_run(root: Path, own_cache: Path, good: bytes, position: int, mask: int):
    data = bytearray(good)
    data[position % len(data)] ^= mask
    for leftover in own_cache.glob(db_path(own_cache).name + "*"):
        leftover.unlink()
    db_path(own_cache).write_bytes(bytes(data))
    first = profile_corpus([str(root)], [ENC])
    second = profile_corpus([str(root)], [ENC])
    return first, second


def test_flipped_bytes_in_every_page(tmp_path, own_cache):
    """Flipped bytes in the header, the schema, the b-tree pages and the rows: never a
    traceback, always the right counts, at most one warning per run, and the run after is clean
    (the damaged file rebuilt, a bad row recounted and overwritten)."""
    root, good = populated(tmp_path, own_cache)
    page = int.from_bytes(good[16:18], "big")
    positions = [0, 5, 16, 18, 28, 40, 56, 60, 100, 101, 105, 107, 150]
    for p in range(1, len(good) // page):
        positions += [p * page, p * page + 3, p * page + 5, p * page + 8, p * page + page // 2, (p + 1) * page - 40,
                      (p + 1) * page - 5, (p + 1) * page - 1]
    for position in positions:
        for mask in (0x01, 0x80):
            first, second = flipped_run(root, own_cache, good, position, mask)
            assert right(first) and first.n_documents == 3, (position, mask)
            assert len(cache_warnings(first)) <= 1, (position, mask, first.warnings)
            assert right(second) and len(cache_warnings(second)) <= 1, (position, mask, second.warnings)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
def test_any_flipped_byte_gives_right_counts(tmp_path_factory, position, mask):
    folder = tmp_path_factory.mktemp("flip")
    os.environ["ADAPTCOST_CACHE_DIR"] = str(folder / "cache")
    root, good = populated(folder, folder / "cache")
    first, second = flipped_run(root, folder / "cache", good, position, mask)
    assert right(first) and right(second)
    assert len(cache_warnings(first)) <= 1 and len(cache_warnings(second)) <= 1


# ---------------------------------------------------------------- a stored value flipped


def tamper(own_cache: Path, sql: str, *args) -> int:
    db = sqlite3.connect(db_path(own_cache))
    changed = db.execute(sql, args).rowcount
    db.commit()
    db.close()
    return changed


def test_flipped_stored_count_is_recounted(tmp_path, own_cache):
    """Before: a count changed in the file was returned as is (12 tokens read back as 13)."""
    root = corpus(tmp_path / "c", ("a.md",))
    profile_corpus([str(root)], [ENC])
    assert tamper(own_cache, "UPDATE counts SET tokens = (tokens | 1) - (tokens & 1)") == 1
    profile = profile_corpus([str(root)], [ENC])
    assert right(profile) and profile.cache_hits == 0
    assert len(cache_warnings(profile)) == 1 and "checksum" in cache_warnings(profile)[0]
    healed = profile_corpus([str(root)], [ENC])  # the bad row was overwritten
    assert right(healed) and healed.cache_hits == 1 and not healed.warnings


@pytest.mark.parametrize("sql", [
    "UPDATE docs SET chars = chars + 1",
    "UPDATE docs SET replaced = 1",
    "UPDATE counts SET tokens = CAST(tokens AS BLOB)",  # a flipped type byte: the same digits, as a blob
    "UPDATE counts SET encoding = 'o200k_basf'",
])
def test_flipped_document_row_is_a_miss(tmp_path, own_cache, sql):
    root = corpus(tmp_path / "c", ("a.md",))
    first = profile_corpus([str(root)], [ENC])
    tamper(own_cache, sql)
    profile = profile_corpus([str(root)], [ENC])
    assert profile.cache_hits == 0 and right(profile)
    assert [(d.chars, d.replaced_bytes) for d in profile.documents] == [(d.chars, d.replaced_bytes) for d in first.documents]


def test_file_row_pointing_at_another_document(tmp_path, own_cache):
    """Before: a.md's stat row with b.md's hash gave a.md the counts of b.md."""
    root = corpus(tmp_path / "c")
    profile_corpus([str(root)], [ENC])
    shas = {Path(d.path).name: d.sha256 for d in profile_corpus([str(root)], [ENC]).documents}
    assert tamper(own_cache, "UPDATE files SET sha256 = ? WHERE sha256 = ?", shas["b.md"], shas["a.md"]) == 1
    profile = profile_corpus([str(root)], [ENC])
    assert right(profile) and {Path(d.path).name: d.sha256 for d in profile.documents} == shas
    assert len(cache_warnings(profile)) == 1


def test_rows_moved_to_another_key(tmp_path, own_cache):
    """A damaged index can hand back another key's row: the checksum covers the key asked for."""
    root = corpus(tmp_path / "c")
    profile = profile_corpus([str(root)], [ENC])
    shas = {Path(d.path).name: d.sha256 for d in profile.documents}
    tamper(own_cache, "DELETE FROM docs WHERE sha256 = ?", shas["b.md"])
    tamper(own_cache, "DELETE FROM counts WHERE sha256 = ?", shas["b.md"])
    tamper(own_cache, "UPDATE docs SET sha256 = ? WHERE sha256 = ?", shas["b.md"], shas["a.md"])
    tamper(own_cache, "UPDATE counts SET sha256 = ? WHERE sha256 = ?", shas["b.md"], shas["a.md"])
    tamper(own_cache, "DELETE FROM files")
    again = profile_corpus([str(root)], [ENC])
    assert right(again) and again.cache_hits == 0


# ---------------------------------------------------------------- names that are not UTF-8


def test_non_utf8_file_name_with_the_cache(tmp_path):
    """Before: `UnicodeEncodeError: surrogates not allowed` whenever the cache was on."""
    root = tmp_path / "c"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9-\xff.md")  # Latin-1 bytes, as an old archive leaves them
    (root / name).write_text("A name in Latin-1.\n")
    os.utime(root / name, ns=(0, time.time_ns() - 3600 * 10**9))  # old enough for its stat to be kept
    first = profile_corpus([str(root)], [ENC])
    second = profile_corpus([str(root)], [ENC])
    assert second.cache_hits == 1 and second.documents[0].tokens == first.documents[0].tokens
    shown = first.documents[0].path
    shown.encode("utf-8")  # printable and serialisable: no surrogates left
    assert shown.endswith("caf\\xe9-\\xff.md")
    cache = CountCache.open()
    try:
        stored = cache.db.execute("SELECT path FROM files").fetchall()
    finally:
        cache.close()
    assert [bytes(p) for (p,) in stored] == [os.fsencode(str((root / name).resolve()))]


def test_two_names_differing_only_in_bad_bytes_are_two_rows(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    for raw, text in ((b"x\xff.md", "first file\n"), (b"x\xfe.md", "second, other file\n")):
        (root / os.fsdecode(raw)).write_text(text)
    profile_corpus([str(root)], [ENC])
    again = profile_corpus([str(root)], [ENC])
    assert again.cache_hits == 2 and len({d.path for d in again.documents}) == 2
    assert sorted(d.chars for d in again.documents) == [11, 19]

