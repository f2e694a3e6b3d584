"""An endpoint's API key: read from the environment, checked, and kept out of every message.

``read_api_key`` strips the surrounding whitespace (a Windows ``.env`` leaves ``\\r\\n``) and
refuses a key that cannot travel in an HTTP header, with a message that never shows the key.
``redact`` removes the key from any text built from an endpoint's response: in clear, in base64
(standard and URL-safe, at any alignment: the key alone, ``Bearer KEY`` or ``user:KEY`` encoded
by a server that echoes the header) and in pieces (any run of at least ``MIN_FRAGMENT``
characters of one of those forms: a header echoed cut in two), each widened to the whole token
around it (letters, digits, ``+/_-`` and trailing ``=``), so no edge of an encoding is left behind.
"""

from __future__ import annotations

import base64
import os

from adaptcost.errors import AdaptcostError

__all__ = ["read_api_key", "redact", "MIN_FRAGMENT"]

MIN_FRAGMENT = 8  # a run this long of the key (or of its base64) is scrubbed wherever it appears
MASK = "***"


def _unsafe(char: str) -> str | None:
    """Why ``char`` cannot be part of an Authorization header value, or None when it can.

    RFC 6750 section 2.1 (b64token) and RFC 9110 section 5.5 (field values): a bearer token is
    visible ASCII, 0x21-0x7E, without spaces or control characters.
    """
    if char in " \t":
        return "a space"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return "a control character (a line break?)"
    if ord(char) > 0x7E:
        return "a non-ASCII character"
    return None


def read_api_key(env: str) -> str:
    """The key in the environment variable ``env``, stripped; a one-line error (never the key) if unusable."""
    key = os.environ.get(env, "").strip()
    if not key:
        raise AdaptcostError(f"set {env} (the key is read from the environment only)")
    for position, char in enumerate(key, start=1):
        why = _unsafe(char)
        if why is not None:
            raise AdaptcostError(
                f"{env} holds {why} at character {position} of {len(key)}, which an HTTP header cannot carry: "
                "copy the key again without spaces, quotes or line breaks"
            )
    return key


def _encoded_forms(key: str) -> set[str]:
    """The base64 runs that encode ``key`` at any alignment.

    A key that starts at byte offset p of an encoded string is encoded from byte (3 - p % 3) % 3
    on in whole 3-byte groups, whatever precedes it ("Bearer ", "user:"): those three runs (and
    their URL-safe spelling) appear verbatim in any base64 that contains the key.
    """
    raw = key.encode()
    forms: set[str] = set()
    for skip in range(3):
        body = raw[skip:]
        body = body[: len(body) // 3 * 3]
        if body:
            forms.add(base64.b64encode(body).decode())
            forms.add(base64.urlsafe_b64encode(body).decode())
    return forms


def _secret_forms(key: str) -> list[str]:
    return sorted({key} | _encoded_forms(key), key=len, reverse=True)


def _fragments(forms: list[str]) -> set[str]:
    return {form[i : i + MIN_FRAGMENT] for form in forms for i in range(len(form) - MIN_FRAGMENT + 1)}


_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")


def _widen(text: str, covered: list[bool]) -> None:
    """Extend each covered run over the token characters around it: the base64 characters that
    encode the key's first or last bytes together with what precedes or follows it (and the
    ``=`` padding after it)."""
    for i in range(1, len(text)):
        if covered[i - 1] and not covered[i] and (text[i] in _TOKEN_CHARS or text[i] == "="):
            covered[i] = True
    for i in range(len(text) - 2, -1, -1):
        if covered[i + 1] and not covered[i] and text[i] in _TOKEN_CHARS:
            covered[i] = True


def redact(text: str, key: str) -> str:
    """``text`` with every form of ``key`` (see the module docstring) replaced by ``***``."""
    if not key:
        return text
    forms = _secret_forms(key)
    covered = [False] * len(text)
    for form in forms:  # whole forms, however short
        start = text.find(form)
        while start >= 0:
            covered[start : start + len(form)] = [True] * len(form)
            start = text.find(form, start + 1)
    pieces = _fragments(forms)
    for i in range(len(text) - MIN_FRAGMENT + 1):
        if text[i : i + MIN_FRAGMENT] in pieces:
            covered[i : i + MIN_FRAGMENT] = [True] * MIN_FRAGMENT
    _widen(text, covered)
    out: list[str] = []
    for i, char in enumerate(text):
        if not covered[i]:
            out.append(char)
        elif i == 0 or not covered[i - 1]:
            out.append(MASK)
    return "".join(out)
