"""The probe writer's calls, cached on disk by content: a killed `probe build --writer` resumes
and makes no call twice.

An entry is keyed by sha256 over the endpoint's base URL, the model and the exact request body
(openai.chat_body: the prompt, temperature and max_tokens), never the API key, and holds only the
reply (already scrubbed of the key by the backend). Each entry is its own file under the adaptcost
cache folder (``probe-writer/ab/abcd….json``), written atomically (fileio.atomic_write_text) right
after its call, so an interruption loses at most the call in flight. An entry that cannot be
read back as what this module wrote is a miss: the call is made again and the entry replaced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from ...errors import AdaptcostError
from ...fileio import atomic_write_text, cache_unusable
from ...paths import cache_dir

FOLDER = "probe-writer"


def call_key(base_url: str, model: str, body: dict) -> str:
    """sha256 hex over (base URL, model, request body); the key is never part of it."""
    text = json.dumps([base_url, model, body], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CallCache:
    """Replies by call key, one file each (see the module's doc); counts hits and new calls."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else cache_dir() / FOLDER
        self.hits = 0
        self.new = 0

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        reply = data.get("reply") if isinstance(data, dict) else None
        return reply if isinstance(reply, str) else None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, reply: str) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps({"reply": reply}, ensure_ascii=False))
        except (OSError, AdaptcostError) as exc:
            cache_unusable(path, exc)

    def reply(self, key: str, call: Callable[[], str]) -> str:
        """The cached reply for `key`, else `call()`'s, stored before it is returned."""
        found = self.get(key)
        if found is not None:
            self.hits += 1
            return found
        reply = call()
        self.new += 1
        self.put(key, reply)
        return reply
