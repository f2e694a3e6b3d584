"""Retrieval (RAG): what finding the chunks a question needs costs, besides sending them.

RAG is in-context learning over the few chunks a question retrieves: the prompt (priced in
:mod:`adaptcost.costing.strategies`, with the same cache rules as ICL's) carries a fixed system prefix, the
question and the top-k chunks. This module prices the rest, each part with its provider rule
(prices from the ``embeddings``, ``vector_stores`` and ``rerankers`` sections of pricing/*.yaml,
each with its source and date):

- Chunks: each document is cut into windows of ``chunk_tokens`` overlapping by
  ``chunk_overlap_tokens`` (rules.chunk_counts), counted exactly from each document's tokens in
  the embedding model's tokenizer (an estimate for tokenizers that are not public).
- Embedding bills every token embedded at the model's rate per 1M tokens (OpenAI, Google,
  Voyage, Cohere). The corpus is embedded once and its changed share at every refresh, through
  the provider's batch API where it has one (``batch_discount``: 50% at OpenAI); each query's text
  (the prompt without its system prefix) is embedded online, at the list price.
- The index, self-hosted: an hourly assumption (``index_usd_per_hour``; 0 is an existing Postgres
  with pgvector). Managed (``--vector-store``): storage per GB-month beyond the free allowance,
  size = vectors × (dimensions × bytes per dimension + overhead); reads per query in read units
  (rules.read_units); writes per vector upserted (the corpus, then the changed share at every
  refresh; rules.write_units); a plan's monthly minimum tops up what storage and reads do not
  reach (rules.floor_top_up). A store that embeds what it is given itself (OpenAI file search)
  bills no embedding, and stores its own embedding's dimensions.
- A reranker (optional): per search, ceil(candidates / documents per search) searches a query
  (Cohere), or per 1M tokens over every candidate chunk with the query (Voyage).
- Limits: a chunk must fit the embedding model's input; top-k × chunks + prompt must fit the
  answering model (checked with the prompt); the corpus must split into more chunks than top-k,
  else every question retrieves all of it, which is ICL (whole_corpus).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import rules
from .billing import Component, CorpusStats, Models, PriceRef, row_ref, usd
from .scenario import Scenario


@dataclass(frozen=True)
class Chunks:
    """The corpus as RAG's chunks, in the embedding model's tokens."""

    count: float
    tokens: float  # tokens embedded: every chunk, overlaps included

    @property
    def mean_tokens(self) -> float:
        return self.tokens / self.count if self.count else 0.0


def chunks_of(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> Chunks:
    return _chunks(tuple(stats.documents_for(models.embedding, band)), s.chunk_tokens, s.chunk_overlap_tokens)


@functools.lru_cache(maxsize=256)
def _chunks(documents: tuple[float, ...], size: int, overlap: int) -> Chunks:
    """rules.chunks_and_tokens, remembered: the break-even solver prices a strategy many times over."""
    count, tokens = rules.chunks_and_tokens(documents, size, overlap)
    return Chunks(float(count), float(tokens))


def whole_corpus(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> str:
    """Why retrieval would send the whole corpus with every question ('' when it would not).

    When the corpus splits into no more chunks than top_k (a corpus smaller than one chunk is one
    chunk), every question retrieves every chunk: that is ICL with an index in front, and RAG's
    accuracy figures (measured at a retrieval recall over a larger corpus) do not describe it. RAG
    is then not possible, with this reason; ICL prices the whole corpus in the prompt.
    """
    chunks = chunks_of(stats, models, s, band)
    if chunks.count > s.top_k:
        return ""
    corpus = sum(stats.documents_for(models.embedding, band))
    if s.chunk_tokens >= corpus:
        size = f"the whole corpus ({corpus:,.0f} {models.embedding.name} tokens) fits in one --chunk-tokens ({s.chunk_tokens:,}) chunk"
    else:
        size = (f"the corpus splits into {chunks.count:,.0f} chunks of --chunk-tokens ({s.chunk_tokens:,}), no more "
                f"than --top-k ({s.top_k})")
    return f"{size}: every question would retrieve the whole corpus, which is ICL"


def unavailable(models: Models, s: Scenario, stats: CorpusStats | None = None, band: int = 0) -> str:
    """Why retrieval cannot run with these rows (or, given `stats`, on this corpus: whole_corpus);
    '' when it can."""
    embedding = models.embedding
    if embedding is None:
        return "no embedding model is priced: name one with --embedding-model (see 'adaptcost pricing list')"
    if s.chunk_tokens > embedding.max_input_tokens:
        return (f"chunks of {s.chunk_tokens:,} tokens exceed {embedding.name}'s max input of "
                f"{embedding.max_input_tokens:,} tokens")
    return whole_corpus(stats, models, s, band) if stats is not None else ""


def retrieved_tokens(stats: CorpusStats, models: Models, s: Scenario, answering, band: int = 0) -> float:
    """Tokens the top-k chunks add to a prompt, in the answering model's tokens: k (at most every
    chunk) × the mean chunk, converted by the corpus' token ratio between the two tokenizers."""
    chunks = chunks_of(stats, models, s, band)
    ratio = stats.tokens_for(answering, band) / max(stats.tokens_for(models.embedding, band), 1.0)
    return min(s.top_k, chunks.count) * chunks.mean_tokens * ratio


def store_embeds(models: Models) -> bool:
    """The vector store embeds what it is given itself, at no separate charge (OpenAI file search)."""
    return models.vector_store is not None and models.vector_store.builtin_dimensions is not None


def dimensions(models: Models) -> int:
    """Dimensions of the stored vectors: the store's own embedding's, else the embedding model's."""
    return models.vector_store.builtin_dimensions if store_embeds(models) else models.embedding.dimensions


def components(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> list[Component]:
    """Embedding, index and reranking: every part of retrieval but the prompt."""
    chunks = chunks_of(stats, models, s, band)
    parts = [] if store_embeds(models) else _embedding(models, chunks, s)
    parts += _managed_index(models, chunks, s) if models.vector_store else [_self_hosted_index(s)]
    if models.reranker is not None:
        parts.append(_reranking(stats, models, chunks, s, band))
    return parts


def query_text_tokens(s: Scenario) -> int:
    """What a query embeds and a reranker reads: the prompt without its fixed system prefix."""
    return s.prompt_tokens - s.system_prompt_tokens


def _embedding(models: Models, chunks: Chunks, s: Scenario) -> list[Component]:
    e = models.embedding
    batch = 1.0 - e.batch_discount
    ref = row_ref(e, "usd_per_mtok", e.usd_per_mtok, "USD per 1M tokens")
    corpus = usd(chunks.tokens, e.usd_per_mtok) * batch
    detail = f" × {batch:g} (batch)" if batch != 1.0 else ""
    formula = f"{chunks.count:,.0f} chunks, {chunks.tokens:,.0f} tokens × ${e.usd_per_mtok:g}/MTok{detail}"
    share = s.refresh_changed_fraction
    question = query_text_tokens(s)
    return [
        Component("corpus embedding", "one_time", corpus, formula, (ref,)),
        Component("re-embedding changed chunks", "per_refresh", corpus * share, f"{share:g} × corpus embedding", (ref,)),
        Component("query embedding", "per_query", usd(question, e.usd_per_mtok),
                  f"{question:,} × ${e.usd_per_mtok:g}/MTok", (ref,)),
    ]


def _self_hosted_index(s: Scenario) -> Component:
    basis = "an existing Postgres with pgvector" if not s.index_usd_per_hour else "self-hosted index"
    return Component("vector index (self-hosted)", "per_hour", s.index_usd_per_hour,
                     f"${s.index_usd_per_hour:g}/hour (assumption: {basis})")


def record_bytes(models: Models) -> float:
    v = models.vector_store
    return dimensions(models) * v.bytes_per_dimension + v.overhead_bytes_per_vector


def index_gb(models: Models, vectors: float) -> float:
    v = models.vector_store
    return float(rules.index_gb(vectors, dimensions(models), v.bytes_per_dimension, v.overhead_bytes_per_vector))


def _managed_index(models: Models, chunks: Chunks, s: Scenario) -> list[Component]:
    v = models.vector_store
    gb = index_gb(models, chunks.count)
    storage = float(rules.storage_usd_per_hour(gb, v.free_storage_gb, v.storage_usd_per_gb_month))
    units = float(rules.read_units(gb, v.read_units.fixed, v.read_units.per_gb, v.read_units.minimum))
    read = units * v.usd_per_million_read_units / 1e6
    size = f"{chunks.count:,.0f} vectors × ({dimensions(models):,} × {v.bytes_per_dimension} + " \
           f"{v.overhead_bytes_per_vector}) bytes = {gb:,.4f} GB"
    refs = _refs(v, ("storage_usd_per_gb_month", "USD per GB-month"), ("usd_per_million_read_units", "USD per 1M read units"))
    parts = [
        Component("vector storage", "per_hour", storage,
                  f"max(0, {size} − {v.free_storage_gb:g} free) × ${v.storage_usd_per_gb_month:g}/GB-month ÷ "
                  f"{rules.HOURS_PER_MONTH:g} h", refs[:1]),
        Component("index reads", "per_query", read, f"{units:,.4g} read units × ${v.usd_per_million_read_units:g}/M",
                  refs[1:]),
    ]
    parts += _writes(models, chunks, s)
    if v.minimum_usd_per_month:
        floor = v.minimum_usd_per_month / rules.HOURS_PER_MONTH - storage
        top_up = float(rules.floor_top_up(floor, s.queries_per_day, read))
        parts.append(Component("plan minimum (top-up)", "per_hour", top_up,
                               f"max(0, ${v.minimum_usd_per_month:g}/month ÷ {rules.HOURS_PER_MONTH:g} h − storage − "
                               f"{s.queries_per_day:,.0f}/day × reads ÷ 24)",
                               _refs(v, ("minimum_usd_per_month", "USD per month"))))
    return parts


def _writes(models: Models, chunks: Chunks, s: Scenario) -> list[Component]:
    v = models.vector_store
    units = float(rules.write_units(v.write_units_per_vector, v.write_units_per_kb, record_bytes(models)))
    if not units or not v.usd_per_million_write_units:
        return []
    write = chunks.count * units * v.usd_per_million_write_units / 1e6
    refs = _refs(v, ("usd_per_million_write_units", "USD per 1M write units"))
    formula = f"{chunks.count:,.0f} vectors × {units:,.4g} units × ${v.usd_per_million_write_units:g}/M"
    share = s.refresh_changed_fraction
    return [Component("vector writes", "one_time", write, formula, refs),
            Component("vector rewrites", "per_refresh", write * share, f"{share:g} × vector writes", refs)]


def _reranking(stats: CorpusStats, models: Models, chunks: Chunks, s: Scenario, band: int) -> Component:
    r = models.reranker
    candidates = min(s.rerank_candidates, chunks.count)
    if r.billing == "per_search":
        searches = float(rules.rerank_searches(candidates, r.documents_per_search))
        return Component("reranking", "per_query", searches * r.usd_per_1k_searches / 1000,
                         f"{searches:g} search(es) of ≤ {r.documents_per_search} chunks × ${r.usd_per_1k_searches:g}/1k",
                         _refs(r, ("usd_per_1k_searches", "USD per 1,000 searches")))
    tokens = candidates * (query_text_tokens(s) + chunks.mean_tokens)
    return Component("reranking", "per_query", usd(tokens, r.usd_per_mtok),
                     f"{candidates:,.0f} chunks × ({query_text_tokens(s):,} + {chunks.mean_tokens:,.0f}) tokens × "
                     f"${r.usd_per_mtok:g}/MTok", _refs(r, ("usd_per_mtok", "USD per 1M tokens")))


def _refs(row, *fields: tuple[str, str]) -> tuple[PriceRef, ...]:
    return tuple(row_ref(row, name, getattr(row, name), unit) for name, unit in fields)
