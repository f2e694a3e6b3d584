"""Where adaptcost keeps its caches (vocabularies, token counts), and paths as printable text."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """ADAPTCOST_CACHE_DIR if set, else the platform's user cache folder."""
    override = os.environ.get("ADAPTCOST_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("adaptcost", appauthor=False))


def display_path(text: str) -> str:
    """A path as text that every output can carry (terminal, JSON, CSV, Markdown): a name that is
    not valid UTF-8 reaches Python with its bad bytes as lone surrogates (os.fsdecode), which no
    UTF-8 writer accepts; each such byte is shown as `\\xNN` instead ("caf\\xe9.md")."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that stands for no byte: shown by its code point
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
