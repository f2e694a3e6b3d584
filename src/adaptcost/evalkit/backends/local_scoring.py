"""Scoring for the local backend: requests merged into a token trie and scored as one sequence
under a tree attention mask (shared beginnings run once); in-context documents as a key/value
prefix computed once. A mixin of LocalBackend (it reads the model, tokenizer and device)."""

from __future__ import annotations

import copy
import functools
from typing import Iterator, Sequence

import inspect
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class _Prefix:
    """An in-context prefix run once: its key/value cache, its length and the log-probabilities after it."""

    cache: object
    offset: int
    last: torch.Tensor


class _Trie:
    """Token sequences merged on their shared beginnings; nodes in insertion order (parents first)."""

    def __init__(self) -> None:
        self.tokens: list[int] = []
        self.parents: list[int] = []
        self.depths: list[int] = []
        self._children: dict[tuple[int, int], int] = {}

    def add(self, ids: Sequence[int]) -> list[int]:
        """Insert ``ids``; the node of each of its tokens."""
        node, path = -1, []
        for token in ids:
            child = self._children.get((node, token))
            if child is None:
                child = self._children[(node, token)] = len(self.tokens)
                self.tokens.append(token)
                self.parents.append(node)
                self.depths.append(len(path))
            node = child
            path.append(node)
        return path

    def ancestry(self) -> np.ndarray:
        """``a[i, j]``: node j is node i or one of its ancestors (what node i attends to)."""
        n = len(self.tokens)
        seen = np.zeros((n, n), dtype=bool)
        for i, parent in enumerate(self.parents):
            if parent >= 0:
                seen[i] = seen[parent]
            seen[i, i] = True
        return seen


def _tree_chunks(order: Sequence[int], encoded: Sequence[tuple[list[int], int]], limit: int) -> Iterator[list[int]]:
    """Consecutive runs of ``order`` (sorted by ids) whose trie stays within ``limit`` tokens:
    in sorted order a sequence adds its length less its common beginning with the one before."""
    chunk: list[int] = []
    size, previous = 0, []
    for i in order:
        ids = encoded[i][0]
        common = next((k for k, (a, b) in enumerate(zip(previous, ids)) if a != b), min(len(previous), len(ids)))
        grow = len(ids) - (common if chunk else 0)
        if chunk and size + grow > limit:
            yield chunk
            chunk, size, grow = [], 0, len(ids)
        chunk.append(i)
        size += grow
        previous = ids
    if chunk:
        yield chunk


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    """The length of the beginning `a` and `b` share."""
    return next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _prefix_groups(order: Sequence[int], encoded: Sequence[tuple[list[int], int]], long: int) -> Iterator[tuple[int, list[int]]]:
    """Consecutive runs of ``order`` (sorted by ids) as (prefix length, members): the members share
    their first ``prefix length`` tokens, at least ``long`` of them, none of which is a continuation
    token of any member (the prefix ends at or before every member's split), and what follows it is
    at most ``long`` tokens in every member (a sequence that shares only part of a long context
    starts its own run: its remainder would be a long sequence in the trie again); 0 for a run of
    sequences that share no such beginning (scored in the trie as they are)."""
    group: list[int] = []
    length = longest = 0
    for i in order:
        ids, split = encoded[i]
        if group:
            shared = min(length, _common(encoded[group[0]][0], ids), split)
            if shared >= long and max(longest, len(ids)) - shared <= long:
                group.append(i)
                length, longest = shared, max(longest, len(ids))
                continue
            yield (length, group) if length >= long else (0, group)
        group, length, longest = [i], split, len(ids)
    if group:
        yield (length, group) if length >= long else (0, group)


def _split_at(ids: list[int], offsets, boundary: int, *, special: bool) -> tuple[list[int], int]:
    """Where the continuation starts in ``ids`` of context+continuation (``boundary``: the context's
    length in characters): the first token ending after it. With ``special`` (the ids carry the
    tokenizer's special tokens), tokens spanning no text are skipped and trailing ones dropped."""
    if not special:
        return ids, next((i for i, (s, e) in enumerate(offsets) if e > s and e > boundary), len(ids))
    real = [i for i, (s, e) in enumerate(offsets) if e > s]
    split = next((i for i in real if offsets[i][1] > boundary), len(ids))
    last = max((i for i in real if i >= split), default=split - 1)
    return ids[: last + 1], split


class TreeScoring:
    """LocalBackend's scoring methods."""

    def _encode_pair(self, context: str, continuation: str) -> tuple[list[int], int]:
        """Token ids of context+continuation and the index of the first continuation token."""
        return self._encode_pairs([(context, continuation)])[0]

    def _encode_pairs(self, requests: Sequence[tuple[str, str]]) -> list[tuple[list[int], int]]:
        """:meth:`_encode_pair` of every request, tokenized in one call (a fast tokenizer batches)."""
        tok = self.tokenizer
        texts = [c + x for c, x in requests]
        if getattr(tok, "is_fast", False) and texts:
            enc = tok(texts, add_special_tokens=True, return_offsets_mapping=True)
            return [self._fit(*_split_at(list(ids), offsets, len(c), special=True))
                    for (c, _), ids, offsets in zip(requests, enc["input_ids"], enc["offset_mapping"])]
        out = []
        for (context, _), text in zip(requests, texts):
            ids = list(tok(text, add_special_tokens=True)["input_ids"])
            out.append(self._fit(ids, min(len(tok(context, add_special_tokens=True)["input_ids"]), len(ids))))
        return out

    def _fit(self, ids: list[int], split: int) -> tuple[list[int], int]:
        """(ids, split) with a start token where the continuation would be first, cut to the window."""
        if split == 0:
            ids, split = [self._start_id, *ids], 1
        window = self.context_window()
        if len(ids) > window:
            drop = len(ids) - window
            ids = ids[drop:]
            split = max(1, split - drop)
        return ids, split

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        results: list[tuple[float, int]] = [(0.0, 0)] * len(requests)
        todo, encoded = [], []
        asked = [index for index, (_, continuation) in enumerate(requests) if continuation]
        for index, (ids, split) in zip(asked, self._encode_pairs([requests[i] for i in asked])):
            if split < len(ids):
                todo.append(index)
                encoded.append((ids, split))
        for index, value in zip(todo, self._score_shared(encoded)):
            results[index] = value
        return results

    def _score_shared(self, encoded: Sequence[tuple[list[int], int]]) -> list[tuple[float, int]]:
        """:meth:`_score_tree`, except that sequences sharing a long beginning (at least half a pass:
        a retrieved context, documents in context) run it once as a key/value prefix and score only
        what follows on top of it (:func:`_prefix_groups`): a tree pass holding a long sequence
        would run it once per sequence, each time under a dense mask."""
        results: list[tuple[float, int]] = [(0.0, 0)] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda i: encoded[i][0])
        short: list[int] = []
        for length, group in _prefix_groups(order, encoded, self.TREE_TOKENS * getattr(self, "scoring_scale", 1) // 2):
            if not length:
                short.extend(group)
                continue
            prefix = self._run_prefix(encoded[group[0]][0][:length])
            rests = [(encoded[i][0][length:], encoded[i][1] - length) for i in group]
            for i, value in zip(group, self._score_tree(rests, prefix)):
                results[i] = value
        for i, value in zip(short, self._score_tree([encoded[i] for i in short])):
            results[i] = value
        return results

    def _run_prefix(self, ids: list[int]) -> _Prefix:
        """Run `ids` once: their key/value cache and the log-probabilities of the token after them."""
        with torch.inference_mode():
            extra = {"logits_to_keep": 1} if self._keeps_logits else {}
            out = self.scoring_model(input_ids=torch.tensor([ids], device=self.device), use_cache=True, **extra)
            last = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        cache = out.cache if self._cache_kwarg == "cache" else out.past_key_values  # renamed in transformers 5.x
        return _Prefix(cache, len(ids), last)

    def token_logprobs(self, texts: Sequence[str]) -> list[list[tuple[int, int, float | None]]]:
        """Per text, each token's character span [start, end) and its log-probability given the
        tokens before it, as an OpenAI-compatible server's ``/completions`` echo reports them.

        The text is tokenized as :meth:`loglikelihood` tokenizes context+continuation (with the
        tokenizer's usual special tokens, which condition the text but are not listed); a token
        with nothing before it gets None (OpenAI's echo gives its first token a null logprob).
        Summing the values of the tokens whose span ends after a context's length gives what
        :meth:`loglikelihood` gives for that (context, continuation). A text longer than the
        window is an error (as an endpoint refuses a prompt past the model's context length).
        """
        from adaptcost.errors import AdaptcostError

        tok = self.tokenizer
        if not getattr(tok, "is_fast", False):
            raise AdaptcostError(f"{self.name}: token offsets need a fast tokenizer")
        out: list[list[tuple[int, int, float | None]]] = []
        with torch.inference_mode():
            for text in texts:
                enc = tok(text, add_special_tokens=True, return_offsets_mapping=True)
                ids, offsets = list(enc["input_ids"]), list(enc["offset_mapping"])
                if len(ids) > self.context_window():
                    raise AdaptcostError(f"{len(ids)} tokens: more than {self.name}'s context window of {self.context_window()}")
                values: list[float | None] = [None] * len(ids)
                if len(ids) > 1:
                    logits = self.scoring_model(input_ids=torch.tensor([ids], device=self.device), use_cache=False).logits[0, :-1]
                    picked = torch.log_softmax(logits.float(), dim=-1)[torch.arange(len(ids) - 1, device=self.device), torch.tensor(ids[1:], device=self.device)]
                    values[1:] = [float(v) for v in picked.cpu()]
                out.append([(s, e, values[k]) for k, (s, e) in enumerate(offsets) if e > s])
        return out

    def loglikelihood_prefixed(self, prefix: str, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        """Scores of (prefix + context, continuation) for requests sharing one long prefix.

        The prefix (in-context documents) runs once; its key/value cache (batch 1) serves every
        request. The ids equal those of the joined text when the prefix ends where tokenization
        splits anyway: the harness ends it at a sentence end and starts every context with a
        newline. Falls back to :meth:`loglikelihood` when the prefix is empty or too long.
        """
        prefix_ids = list(self.tokenizer(prefix, add_special_tokens=True)["input_ids"]) if prefix else []
        rests = self._encode_rests(requests)
        longest = max((len(ids) for ids, _ in rests), default=0)
        if not prefix_ids or len(prefix_ids) + longest > self.context_window():
            return self.loglikelihood([(prefix + c, x) for c, x in requests])
        shared = self._run_prefix(prefix_ids)
        results: list[tuple[float, int]] = [(0.0, 0)] * len(requests)
        todo = [i for i, (ids, split) in enumerate(rests) if split < len(ids)]
        for index, value in zip(todo, self._score_tree([rests[i] for i in todo], shared)):
            results[index] = value
        return results

    @functools.cached_property
    def _cache_kwarg(self) -> str:
        """transformers renamed forward's past_key_values to cache (5.x); use what this version takes."""
        return "cache" if "cache" in inspect.signature(self.model.forward).parameters else "past_key_values"

    def _encode_rest(self, context: str, continuation: str) -> tuple[list[int], int]:
        """Ids of context+continuation after a prefix (no special tokens), and where the continuation starts."""
        return self._encode_rests([(context, continuation)])[0]

    def _encode_rests(self, requests: Sequence[tuple[str, str]]) -> list[tuple[list[int], int]]:
        """:meth:`_encode_rest` of every request, tokenized in one call (a fast tokenizer batches)."""
        tok = self.tokenizer
        texts = [c + x for c, x in requests]
        if getattr(tok, "is_fast", False) and texts:
            enc = tok(texts, add_special_tokens=False, return_offsets_mapping=True)
            return [_split_at(list(ids), offsets, len(c), special=False)
                    for (c, _), ids, offsets in zip(requests, enc["input_ids"], enc["offset_mapping"])]
        out = []
        for (context, _), text in zip(requests, texts):
            ids = list(tok(text, add_special_tokens=False)["input_ids"])
            out.append((ids, min(len(tok(context, add_special_tokens=False)["input_ids"]), len(ids))))
        return out

    TREE_TOKENS = 768  # trie tokens per forward pass: the tree mask's attention grows with its square

    def _score_tree(self, encoded: Sequence[tuple[list[int], int]], prefix: "_Prefix | None" = None) -> list[tuple[float, int]]:
        """Scores of many (ids, split) sequences in a few forward passes.

        The sequences are merged into a token trie, so a beginning they share (the BOS, a
        question, the prompt that every option of an item continues) runs once. The trie's
        tokens form one sequence in which each token attends only to its ancestors (a tree
        attention mask) at position ``depth``; after an in-context ``prefix`` every token also
        attends to the whole prefix, and positions start after it. Logits are computed only
        where a continuation token is predicted. Each sequence sees exactly the tokens and
        positions it would see alone (tested against one-at-a-time scoring).
        """
        results: list[tuple[float, int]] = [(0.0, 0)] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda i: encoded[i][0])  # shared beginnings sit together
        limit = self.TREE_TOKENS * getattr(self, "scoring_scale", 1)
        with torch.inference_mode():
            for chunk in _tree_chunks(order, encoded, limit):
                trie = _Trie()
                paths = {i: trie.add(encoded[i][0]) for i in chunk}
                needed = sorted({paths[i][k - 1] for i in chunk for k in range(max(encoded[i][1], 1), len(encoded[i][0]))})
                logprobs = self._tree_forward(trie, needed, prefix) if needed else None
                row = {node: r for r, node in enumerate(needed)}
                # every picked log-probability in one gather and one copy to the host (a GPU syncs once
                # per pass, not once per request); each request's sum is then taken as before, in float32.
                # Row -1: the log-probabilities after the prefix (a continuation's first token, k = 0).
                rows, tokens, spans = [], [], []
                for i in chunk:
                    ids, split = encoded[i]
                    start = len(rows)
                    for k in range(split, len(ids)):
                        rows.append(-1 if k == 0 else row[paths[i][k - 1]])
                        tokens.append(ids[k])
                    spans.append((i, start, len(rows)))
                picked = self._gather(logprobs, prefix, rows, tokens)
                for i, start, end in spans:
                    results[i] = (float(picked[start:end].sum()), end - start)
        return results

    def _gather(self, logprobs: "torch.Tensor | None", prefix: "_Prefix | None", rows: list[int], tokens: list[int]) -> torch.Tensor:
        """``logprobs[rows[j], tokens[j]]`` for every j (row -1: ``prefix.last[tokens[j]]``), on the host."""
        picked = torch.empty(len(rows), dtype=torch.float32, device=self.device)
        for positions, source in (([j for j, r in enumerate(rows) if r >= 0], logprobs),
                                  ([j for j, r in enumerate(rows) if r < 0], None if prefix is None else prefix.last[None])):
            if positions:
                where = torch.tensor(positions, device=self.device)
                index = torch.tensor([max(rows[j], 0) for j in positions], device=self.device)
                picked[where] = source[index, torch.tensor([tokens[j] for j in positions], device=self.device)].float()
        return picked.cpu()

    def _tree_forward(self, trie: "_Trie", needed: list[int], prefix: "_Prefix | None") -> torch.Tensor:
        """Float32 log-probabilities of the next token after each trie node in ``needed``."""
        n = len(trie.tokens)
        offset = 0 if prefix is None else prefix.offset
        dtype = next(self.scoring_model.parameters()).dtype
        mask = torch.zeros((1, 1, n, offset + n), dtype=dtype, device=self.device)  # built where it is used
        mask[0, 0, :, offset:].masked_fill_(torch.from_numpy(~trie.ancestry()).to(self.device), torch.finfo(dtype).min)
        inputs = {"input_ids": torch.tensor([trie.tokens], device=self.device),
                  "position_ids": torch.tensor([[offset + d for d in trie.depths]], device=self.device),
                  "attention_mask": mask}
        if prefix is not None:
            inputs[self._cache_kwarg] = copy.deepcopy(prefix.cache)  # the pass appends to it
        else:
            inputs["use_cache"] = False
        keep = torch.tensor(needed, device=self.device)
        if self._keeps_logits:
            logits = self.scoring_model(**inputs, logits_to_keep=keep).logits[0]
        else:
            logits = self.scoring_model(**inputs).logits[0, keep]
        return torch.log_softmax(logits.float(), dim=-1)

    def _pad(self, rows: Sequence[Sequence[int]], *, left: bool) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row)
            span = slice(width - n, width) if left else slice(0, n)
            ids[i, span] = torch.tensor(list(row), dtype=torch.long)
            mask[i, span] = 1
        return ids.to(self.device), mask.to(self.device)

