"""'Did you mean' hints for unknown names."""

from __future__ import annotations

import difflib
from typing import Iterable


def close_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    known = list(known)
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    if not hits:  # a prefix or substring is a good hint too ("sonnet" -> claude-sonnet-4)
        hits = [k for k in lowered if name.lower() in k][:n]
    return [lowered[h] for h in hits]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'; did you mean a, b?' or '' when nothing is close."""
    hits = close_names(name, known)
    return f"; did you mean {', '.join(hits)}?" if hits else ""
