"""The parsed-YAML cache and the validation marks (issue 20): a cache entry is used only when it
is exactly what adaptcost wrote for that text; anything else is a fault of the cache, never of
the user's file: one CacheWarning, the file itself is read, the entry replaced."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import pytest

from adaptcost import fileio
from adaptcost.errors import CacheWarning
from adaptcost.prices.book import SCHEMA_ID, bundled_dir, load_pricing

ANTHROPIC = bundled_dir() / "anthropic.yaml"
DIGEST = hashlib.sha256(ANTHROPIC.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(folder))
    monkeypatch.setattr(fileio, "_UNUSABLE", set(), raising=False)
    return folder


def prices(book) -> dict:
    return dict(book.models)  # every field of every model (frozen dataclasses: compared whole)


def load_warned():
    """load_pricing(), and the cache warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book = load_pricing()
    return book, [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


@pytest.fixture
def fresh():
    """The price book parsed from the files, and the cache filled."""
    book, warned = load_warned()
    assert not warned and fileio._parsed_path(DIGEST).is_file()
    return prices(book)


@pytest.mark.parametrize("entry", [
    b"null",  # before: TypeError: argument of type 'NoneType' is not iterable
    b"{}",  # before: "pricing/anthropic.yaml: field models: no rows" (the user's file blamed)
    b"[]",
    b'{"schema": "adaptcost-pricing/2", "provider": "anthropic", "currency": "USD", "models": []}',
    b"",
    b"\xff\xfe garbage",
], ids=["null", "empty-object", "list", "plausible", "empty-file", "garbage"])
def test_replaced_parse_entry(fresh, entry):
    fileio._parsed_path(DIGEST).write_bytes(entry)
    book, warned = load_warned()
    assert prices(book) == fresh
    assert len(warned) == 1 and "pricing/anthropic.yaml" in warned[0] and "damaged" in warned[0]
    again, warned = load_warned()  # the entry was replaced
    assert prices(again) == fresh and not warned


def test_flipped_byte_in_parse_entry(fresh):
    """A price changed in the cached parse (0.5 read back as 0.6) is not believed."""
    path = fileio._parsed_path(DIGEST)
    sealed = path.read_bytes()
    seal, _, payload = sealed.partition(b"\n")
    price = json.loads(payload)["models"][0]["usd_per_mtok"]["output"]  # 10.0: claude-sonnet-5-5's output price
    changed = payload.replace(f'"output":{price}'.encode(), f'"output":{price + 1}'.encode(), 1)
    assert changed != payload
    path.write_bytes(seal + b"\n" + changed)
    book, warned = load_warned()
    assert prices(book) == fresh and len(warned) == 1


def test_another_texts_entry_under_this_name(fresh):
    """An entry sealed for another text (copied or renamed within the cache) is not this text's."""
    google = hashlib.sha256((bundled_dir() / "google.yaml").read_bytes()).hexdigest()
    fileio._parsed_path(DIGEST).write_bytes(fileio._parsed_path(google).read_bytes())
    book, warned = load_warned()
    assert prices(book) == fresh and len(warned) == 1


def test_damaged_validation_mark_with_a_damaged_parse(fresh):
    """Both caches of one file wrong at once: still the file's own figures."""
    fileio._validated_marker(SCHEMA_ID, DIGEST).write_bytes(b"")
    fileio._parsed_path(DIGEST).write_bytes(b"{}")
    book, warned = load_warned()
    assert prices(book) == fresh and len(warned) == 2
    assert fileio.known_valid(SCHEMA_ID, DIGEST)  # validated again, marked again


def test_mark_of_another_schema_is_not_this_ones(fresh):
    other = "adaptcost-curves/1"
    fileio._validated_marker(other, DIGEST).parent.mkdir(parents=True, exist_ok=True)
    fileio._validated_marker(other, DIGEST).write_bytes(fileio._validated_marker(SCHEMA_ID, DIGEST).read_bytes())
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert not fileio.known_valid(other, DIGEST)


@pytest.mark.parametrize("blocked", ["parsed", "validated", "."])
def test_cache_folder_not_usable(own_cache, tmp_path, monkeypatch, blocked):
    """A cache folder that cannot be read or written (a file where the folder should be, as a
    read-only or full disk refuses too): the files are read each time, one warning in all."""
    expected, _ = load_warned()
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "other"))
    target = tmp_path / "other" / blocked
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.rmdir()
    target.write_text("a file where a folder should be")
    book, warned = load_warned()
    assert prices(book) == prices(expected)
    assert len(warned) == 1 and "not usable" in warned[0]


def test_unwritable_cache_on_a_full_disk(own_cache, monkeypatch):
    def full(path, data):
        raise fileio.AdaptcostError(f"cannot write {path}: No space left on device") from OSError(28, "No space left on device")

    expected, _ = load_warned()
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(own_cache / "empty"))
    monkeypatch.setattr(fileio, "atomic_write_bytes", full)
    book, warned = load_warned()
    assert prices(book) == prices(expected)
    assert len(warned) == 1 and "No space left on device" in warned[0]


def test_cache_warning_is_one_line_on_the_command_line(fresh, own_cache):
    import os
    import subprocess
    import sys

    from builders import ROOT

    fileio._parsed_path(DIGEST).write_bytes(b"null")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ADAPTCOST_CACHE_DIR": str(own_cache)}
    done = subprocess.run([sys.executable, "-m", "adaptcost", "pricing", "list", "--provider", "anthropic"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "warning: the parse of pricing/anthropic.yaml in the cache is damaged (it fails its checksum): "
        "parsed the file itself, and replaced it"]
