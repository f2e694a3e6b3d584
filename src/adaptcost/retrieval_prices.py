"""Priced parts of retrieval (RAG): embedding models, vector stores and rerankers.

Each row carries its source, the date the source says it held (`as_of`) and a lifecycle, like
every model row. Pricing files list them in their own sections (``embeddings``,
``vector_stores``, ``rerankers``); :mod:`adaptcost.pricing` loads and validates them.

Units are in the field names: ``usd_per_mtok`` is USD per 1M tokens, ``storage_usd_per_gb_month``
USD per GB (10^9 bytes) per billing month, ``usd_per_million_read_units`` USD per 1M read units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .pricing import Lifecycle, TokenizerSpec


@dataclass(frozen=True)
class EmbeddingPrice:
    """An embedding model: every token embedded bills at `usd_per_mtok` (the provider's batch API,
    where it has one, takes `batch_discount` off)."""

    name: str
    provider: str
    source: str
    as_of: dt.date
    verified: bool
    file: str
    usd_per_mtok: float
    dimensions: int  # the default output dimensions (what a vector store stores)
    max_input_tokens: int  # per input text: a chunk must fit
    tokenizer: TokenizerSpec
    batch_discount: float = 0.0
    aliases: tuple[str, ...] = ()
    note: str = ""
    lifecycle: Lifecycle = Lifecycle()

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)


@dataclass(frozen=True)
class ReadUnits:
    """Read units one query consumes: max(minimum, fixed + per_gb × index size in GB)."""

    fixed: float = 1.0
    per_gb: float = 0.0
    minimum: float = 0.0


@dataclass(frozen=True)
class VectorStorePrice:
    """A managed vector store, billed for storage, reads per query and writes per vector.

    Index size in bytes = vectors × (dimensions × bytes_per_dimension + overhead_bytes_per_vector).
    A monthly minimum, where the plan has one, tops up what storage and reads do not reach.
    """

    name: str
    provider: str
    source: str
    as_of: dt.date
    verified: bool
    file: str
    storage_usd_per_gb_month: float
    usd_per_million_read_units: float
    read_units: ReadUnits = ReadUnits()
    usd_per_million_write_units: float = 0.0
    write_units_per_vector: float = 0.0
    free_storage_gb: float = 0.0
    bytes_per_dimension: int = 4  # float32
    overhead_bytes_per_vector: int = 0  # ids and metadata
    minimum_usd_per_month: float = 0.0
    aliases: tuple[str, ...] = ()
    note: str = ""
    lifecycle: Lifecycle = Lifecycle()

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)


@dataclass(frozen=True)
class RerankerPrice:
    """A reranker: billed per search (`usd_per_1k_searches`, a search being one query over up to
    `documents_per_search` documents) or per token (`usd_per_mtok` over query + documents)."""

    name: str
    provider: str
    source: str
    as_of: dt.date
    verified: bool
    file: str
    billing: str  # per_search | per_mtok
    usd_per_1k_searches: float = 0.0
    documents_per_search: int = 100
    usd_per_mtok: float = 0.0
    max_tokens_per_document: int | None = None
    tokenizer: TokenizerSpec | None = None
    aliases: tuple[str, ...] = ()
    note: str = ""
    lifecycle: Lifecycle = Lifecycle()

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)
