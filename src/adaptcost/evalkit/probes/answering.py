"""How `probe run` gets a model's answer to each probe: by log-likelihood, or by generation where the
endpoint gives no prompt log-probabilities, through caches that make a killed run resume.

- **loglikelihood** (exact): every option scored as the continuation of the question (probes.arms),
  through the harness's ScoreCache.
- **generation** (the fallback): the model is shown the context, the question and the lettered
  options and replies (greedy); the reply is matched to exactly one option (probes.replies). Each
  option gets a vote the arms' credit reads: 0.0 for the option the reply names, -1.0 for the
  others, NaN for every option when the reply names none or several (credit 0).

Both caches key an answer by the backend's name, its endpoint (base URL without user info, query or
fragment: never the API key), the scoring mode and the full prompt (context and continuation, or
the generation prompt and its token limit). An endpoint that refused prompt log-probabilities is
remembered there too, so a rerun goes straight to generation and asks nothing it has an answer to.
"""

from __future__ import annotations

import hashlib
import json
import math
import urllib.parse
from typing import Sequence

from adaptcost.errors import AdaptcostError
from ..backends.protocol import NoPromptLogprobs
from ..scoring.runner import ScoreCache, missing_once, scores_db
from .replies import REPLY_TOKENS, choice_prompt, match_reply

LOGLIKELIHOOD = "loglikelihood"
GENERATION = "generation"
REPLY_OUTCOMES = ("matched", "no option", "several options")
GENERATION_CHUNK = 8  # prompts per backend call (each chunk's replies are committed before the next)
MATCHED, OTHER, NONE = 0.0, -1.0, math.nan  # an option's vote (module docstring)


def endpoint_of(url: str) -> str:
    """``url`` without user info, query and fragment (what the caches and the curves file record)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def cache_identity(backend, mode: str) -> str:
    """What the caches key a backend's answers by (module docstring). A backend on this machine is its
    name (the harness's key, so an `adaptcost eval` cache serves too); an endpoint adds where and how."""
    base = getattr(backend, "base_url", None)
    if base is None:
        return backend.name if mode == LOGLIKELIHOOD else f"{backend.name} ({mode})"
    return json.dumps([backend.name, endpoint_of(base), mode])


class _Store:
    """Replies and endpoint refusals in the harness's cache file (tables beside ScoreCache's)."""

    def __init__(self, enabled: bool) -> None:
        self.db = scores_db("replies (key TEXT PRIMARY KEY, text TEXT)", "refusals (key TEXT PRIMARY KEY, note TEXT)") if enabled else None

    @staticmethod
    def key(*parts) -> str:
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def replies(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.db is not None:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                found.update(self.db.execute(f"SELECT key, text FROM replies WHERE key IN ({marks})", chunk))
        return found

    def keep_replies(self, pairs: Sequence[tuple[str, str]]) -> None:
        if self.db is not None:
            self.db.executemany("INSERT OR REPLACE INTO replies VALUES (?, ?)", pairs)
            self.db.commit()

    def refusal(self, key: str) -> str | None:
        if self.db is None:
            return None
        row = self.db.execute("SELECT note FROM refusals WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def keep_refusal(self, key: str, note: str) -> None:
        if self.db is not None:
            self.db.execute("INSERT OR REPLACE INTO refusals VALUES (?, ?)", (key, note))
            self.db.commit()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class GenerationScorer:
    """Scores by generation with the arms' scorer signature ``(requests, prefix="", per_call=None)``.

    The arms ask for each probe's options as consecutive (context, " " + option) requests, the
    context ending with the question and ``cue``; ``items`` (prompt, options) place each run of
    requests on its probe, so the lettered prompt shows exactly that probe's options."""

    votes = True  # the arms average an in-context arm's orders by credit, not by score

    def __init__(self, backend, store: _Store, identity: str, items: Sequence, cue: str) -> None:
        self.backend = backend
        self.store = store
        self.identity = identity
        self.cue = cue
        self.options: dict[str, list[tuple[str, ...]]] = {}
        for item in items:
            known = self.options.setdefault(item.prompt, [])
            if tuple(item.options) not in known:
                known.append(tuple(item.options))
        self.outcomes = dict.fromkeys(REPLY_OUTCOMES, 0)
        self.hits = self.misses = 0

    def _groups(self, requests: Sequence[tuple[str, str]], prefix: str) -> list[tuple[str, tuple[str, ...]]]:
        """(generation prompt, options) per probe asked, in order."""
        out, i = [], 0
        while i < len(requests):
            full = prefix + requests[i][0]
            question = full.rpartition("\n\n")[2]
            candidates = self.options.get(full) or self.options.get(question) or []
            run = next((opts for opts in candidates
                        if [x for _, x in requests[i : i + len(opts)]] == list(opts)
                        and all(c == requests[i][0] for c, _ in requests[i : i + len(opts)])), None)
            if run is None:
                raise AdaptcostError(f"generation scoring cannot place a request on a probe: {requests[i][1]!r} after {question[:80]!r}")
            context = full[: -len(self.cue)] if full.endswith(self.cue) else full
            out.append((choice_prompt(context, [o.strip() for o in run]), run))
            i += len(run)
        return out

    def prompts(self, requests: Sequence[tuple[str, str]]) -> list[str]:
        """The distinct generation prompts that ``requests`` (prefix joined) ask for."""
        return list(dict.fromkeys(prompt for prompt, _ in self._groups(requests, "")))

    def uncached(self, prompts: Sequence[str]) -> list[str]:
        keys = {self._key(p): p for p in prompts}
        found = self.store.replies(list(keys))
        return [p for k, p in keys.items() if k not in found]

    def _key(self, prompt: str) -> str:
        return self.store.key(self.identity, REPLY_TOKENS, prompt)

    def replies(self, prompts: Sequence[str]) -> list[str]:
        """Greedy replies to ``prompts``: cached ones read, the others generated and kept chunk by chunk."""
        keys = [self._key(p) for p in prompts]
        found = self.store.replies(list(dict.fromkeys(keys)))
        todo = missing_once(keys, found)  # a prompt asked twice in one call is generated once
        self.hits += len(prompts) - len(todo)
        self.misses += len(todo)
        for start in range(0, len(todo), GENERATION_CHUNK):
            part = todo[start : start + GENERATION_CHUNK]
            fresh = self.backend.generate([prompts[i] for i in part], max_new_tokens=REPLY_TOKENS)
            pairs = [(keys[i], str(text)) for i, text in zip(part, fresh)]
            found.update(pairs)
            self.store.keep_replies(pairs)
        return [found[k] for k in keys]

    def __call__(self, requests: Sequence[tuple[str, str]], prefix: str = "", per_call: int | None = None) -> list[tuple[float, int]]:
        groups = self._groups(requests, prefix)
        out: list[tuple[float, int]] = []
        for (_, options), reply in zip(groups, self.replies([prompt for prompt, _ in groups])):
            match = match_reply(reply, [o.strip() for o in options])
            self.outcomes["matched" if match.index is not None else match.why] += 1
            out.extend((NONE if match.index is None else MATCHED if i == match.index else OTHER, 1) for i in range(len(options)))
        return out


class Answering:
    """The scoring mode of one `probe run --arms` and its caches (module docstring)."""

    def __init__(self, backend, enabled: bool, items: Sequence, cue: str) -> None:
        self.backend = backend
        self.store = _Store(enabled)
        self.loglikelihood = ScoreCache(cache_identity(backend, LOGLIKELIHOOD), enabled)
        self.generation = GenerationScorer(backend, self.store, cache_identity(backend, GENERATION), items, cue)
        base = getattr(backend, "base_url", None)
        self._refusal_key = self.store.key("no prompt logprobs", backend.name, endpoint_of(base)) if base else None
        self.refused = self.store.refusal(self._refusal_key) if self._refusal_key else None
        self.mode = GENERATION if self.refused else LOGLIKELIHOOD
        self._wrapped = self.loglikelihood.wrap(backend)
        self._outcomes = dict(self.generation.outcomes)

    def scorer(self):
        """The arms' scorer in the current mode."""
        return self._wrapped if self.mode == LOGLIKELIHOOD else self.generation

    def fall_back(self, err: NoPromptLogprobs) -> str:
        """Switch to generation (remembered for this endpoint and model) and the one line that says so."""
        self.mode = GENERATION
        self.refused = str(err)
        if self._refusal_key:
            self.store.keep_refusal(self._refusal_key, self.refused)
        return f"{err}: scoring by generation and an exact option match instead"

    def arm_record(self) -> dict:
        """How the arm just measured was scored (its curves-file entry), since the previous call."""
        if self.mode == GENERATION:
            now = dict(self.generation.outcomes)
            replies = {k: now[k] - self._outcomes[k] for k in REPLY_OUTCOMES}
            self._outcomes = now
            return {"scoring": GENERATION, "replies": replies}
        if getattr(self.backend, "scoring", None) == "chat-top-logprobs":
            return {"scoring": "chat-top-logprobs (approximate: each option's tokens looked up in the top 20 of a greedy "
                               "chat reply, -20 where absent)"}
        return {"scoring": LOGLIKELIHOOD}

    @property
    def counts(self) -> tuple[int, int]:
        """(answers read from the caches, answers computed)."""
        return self.loglikelihood.hits + self.generation.hits, self.loglikelihood.misses + self.generation.misses

    def close(self) -> None:
        self.loglikelihood.close()
        self.store.close()
