"""Where adaptcost keeps its caches (vocabularies, token counts)."""

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
