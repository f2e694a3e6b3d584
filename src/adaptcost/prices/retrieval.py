"""Priced parts of retrieval (RAG): embedding models, vector stores and rerankers.

Each row carries its source, the date the source says it held (`as_of`) and a lifecycle, like
every model row. Pricing files list them in their own sections (``embeddings``,
``vector_stores``, ``rerankers``); :mod:`adaptcost.prices.book` loads a file (JSON Schema first, see
:mod:`adaptcost.prices.schema`) and hands each section's rows to this module's parser
(:data:`SECTIONS`).

Units are in the field names: ``usd_per_mtok`` is USD per 1M tokens, ``storage_usd_per_gb_month``
USD per GB (10^9 bytes) per billing month, ``usd_per_million_read_units`` USD per 1M read units.

What a table may say in the provider's own units, converted once at load (one rule each):

* ``storage_usd_per_gb_day``: per GB-day × 730 / 24 (a billing month is 730 hours, units.HOURS_PER_MONTH);
* ``storage_unit: GiB``: a price per GiB (2^30 bytes) is per GB × 10^9 / 2^30, and a free allowance
  in GiB is × 2^30 / 10^9 GB;
* ``usd_per_1k_queries``: a fee per query is one read unit per query (``read_units.fixed`` 1) at
  × 1,000 USD per 1M read units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

from ..errors import PricingError
from .rows import Lifecycle, TokenizerSpec, parse_date, parse_lifecycle, parse_tokenizer, row_label
from .units import HOURS_PER_DAY, HOURS_PER_MONTH

DAYS_PER_MONTH = HOURS_PER_MONTH / HOURS_PER_DAY  # 30.4167: per GB-day → per GB-month
GB_PER_GIB = 2**30 / 1e9  # 1.0737 decimal GB in one binary GiB


@dataclass(frozen=True)
class PricedRow:
    """What every retrieval row has: who sells it, where the figures come from and the date they
    held, and its lifecycle (aliases, note and lifecycle are keyword-only, after each kind's own
    fields)."""

    name: str
    provider: str
    source: str
    as_of: dt.date
    verified: bool
    file: str
    aliases: tuple[str, ...] = field(default=(), kw_only=True)
    note: str = field(default="", kw_only=True)
    lifecycle: Lifecycle = field(default=Lifecycle(), kw_only=True)

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)


@dataclass(frozen=True)
class EmbeddingPrice(PricedRow):
    """An embedding model: every token embedded bills at `usd_per_mtok` (the provider's batch API,
    where it has one, takes `batch_discount` off)."""

    usd_per_mtok: float
    dimensions: int  # the default output dimensions (what a vector store stores)
    max_input_tokens: int  # per input text: a chunk must fit
    tokenizer: TokenizerSpec
    batch_discount: float = 0.0


@dataclass(frozen=True)
class ReadUnits:
    """Read units one query consumes: max(minimum, fixed + per_gb × index size in GB)."""

    fixed: float = 1.0
    per_gb: float = 0.0
    minimum: float = 0.0


@dataclass(frozen=True)
class VectorStorePrice(PricedRow):
    """A managed vector store, billed for storage, reads per query and writes per vector.

    Index size in bytes = vectors × (dimensions × bytes_per_dimension + overhead_bytes_per_vector).
    A monthly minimum, where the plan has one, tops up what storage and reads do not reach.

    Write units a vector consumes: write_units_per_vector + write_units_per_kb × its record size in
    KB (1,000 bytes of dimensions × bytes_per_dimension + overhead; Pinecone: 1 WU per KB).
    `builtin_dimensions`: the store embeds what it is given itself, at no separate charge, into
    vectors of this many dimensions (OpenAI file search: text-embedding-3-large at 256), so no
    embedding model is billed for indexing; None: the caller embeds with an embedding model.
    """

    storage_usd_per_gb_month: float
    usd_per_million_read_units: float
    read_units: ReadUnits = ReadUnits()
    usd_per_million_write_units: float = 0.0
    write_units_per_vector: float = 0.0
    free_storage_gb: float = 0.0
    bytes_per_dimension: int = 4  # float32
    overhead_bytes_per_vector: int = 0  # ids and metadata
    minimum_usd_per_month: float = 0.0
    write_units_per_kb: float = 0.0
    builtin_dimensions: int | None = None


@dataclass(frozen=True)
class RerankerPrice(PricedRow):
    """A reranker: billed per search (`usd_per_1k_searches`, a search being one query over up to
    `documents_per_search` documents) or per token (`usd_per_mtok` over query + documents)."""

    billing: str  # per_search | per_mtok
    usd_per_1k_searches: float = 0.0
    documents_per_search: int = 100
    usd_per_mtok: float = 0.0
    max_tokens_per_document: int | None = None
    tokenizer: TokenizerSpec | None = None


RetrievalRow = Union[EmbeddingPrice, VectorStorePrice, RerankerPrice]


def _common(raw: dict, provider: str, path: Path, today: dt.date, kind: str) -> dict:
    """The fields every retrieval row has: who, where from, as of when, and its lifecycle."""
    row = row_label(kind, raw["name"])
    return dict(
        name=raw["name"], provider=provider, source=raw["source"], as_of=parse_date(raw["as_of"], path, row, today),
        verified=raw.get("verified", True), file=str(path), aliases=tuple(raw.get("aliases", ())),
        note=raw.get("note", ""), lifecycle=parse_lifecycle(raw.get("lifecycle"), path, row, today),
    )


def parse_embedding(raw: dict, provider: str, path: Path, today: dt.date) -> EmbeddingPrice:
    row = row_label("embedding", raw["name"])
    return EmbeddingPrice(
        **_common(raw, provider, path, today, "embedding"), usd_per_mtok=raw["usd_per_mtok"],
        dimensions=raw["dimensions"], max_input_tokens=raw["max_input_tokens"],
        tokenizer=parse_tokenizer(raw["tokenizer"], path, row), batch_discount=raw.get("batch_discount", 0.0),
    )


def _one_of(raw: dict, path: Path, row: str, keys: tuple[str, ...]) -> str:
    """The one key of `keys` a row gives (a price stated one way or the other, never both)."""
    given = [k for k in keys if k in raw]
    if len(given) != 1:
        what = "missing" if not given else f"give only one of {' and '.join(given)}"
        raise PricingError(f"{path}: {row} field {keys[0]}: {what} (one of {', '.join(keys)})")
    return given[0]


def _storage(raw: dict, path: Path, row: str) -> tuple[float, float]:
    """USD per GB-month and free GB, in decimal GB, whatever unit the table states them in."""
    key = _one_of(raw, path, row, ("storage_usd_per_gb_month", "storage_usd_per_gb_day"))
    per_month = raw[key] * (DAYS_PER_MONTH if key.endswith("_day") else 1.0)
    free = raw.get("free_storage_gb", 0.0)
    if raw.get("storage_unit", "GB") == "GiB":
        return per_month / GB_PER_GIB, free * GB_PER_GIB
    return per_month, free


def _reads(raw: dict, path: Path, row: str) -> tuple[float, ReadUnits]:
    """USD per 1M read units and the read units a query takes; a fee per query is one unit each."""
    key = _one_of(raw, path, row, ("usd_per_million_read_units", "usd_per_1k_queries"))
    if key == "usd_per_1k_queries":
        if "read_units" in raw:
            raise PricingError(f"{path}: {row} field read_units: a fee per query is one read unit per query; "
                               "drop read_units or state usd_per_million_read_units")
        return raw[key] * 1_000, ReadUnits(fixed=1.0)
    units = raw.get("read_units", {})
    return raw[key], ReadUnits(units.get("fixed", 1.0), units.get("per_gb", 0.0), units.get("minimum", 0.0))


def parse_vector_store(raw: dict, provider: str, path: Path, today: dt.date) -> VectorStorePrice:
    row = row_label("vector store", raw["name"])
    storage, free = _storage(raw, path, row)
    read_price, read_units = _reads(raw, path, row)
    return VectorStorePrice(
        **_common(raw, provider, path, today, "vector store"), storage_usd_per_gb_month=storage,
        usd_per_million_read_units=read_price, read_units=read_units,
        usd_per_million_write_units=raw.get("usd_per_million_write_units", 0.0),
        write_units_per_vector=raw.get("write_units_per_vector", 0.0), write_units_per_kb=raw.get("write_units_per_kb", 0.0),
        free_storage_gb=free, bytes_per_dimension=raw.get("bytes_per_dimension", 4),
        overhead_bytes_per_vector=raw.get("overhead_bytes_per_vector", 0),
        minimum_usd_per_month=raw.get("minimum_usd_per_month", 0.0), builtin_dimensions=raw.get("builtin_dimensions"),
    )


def parse_reranker(raw: dict, provider: str, path: Path, today: dt.date) -> RerankerPrice:
    row = row_label("reranker", raw["name"])
    tokenizer = raw.get("tokenizer")
    return RerankerPrice(
        **_common(raw, provider, path, today, "reranker"), billing=raw["billing"],
        usd_per_1k_searches=raw.get("usd_per_1k_searches", 0.0), documents_per_search=raw.get("documents_per_search", 100),
        usd_per_mtok=raw.get("usd_per_mtok", 0.0), max_tokens_per_document=raw.get("max_tokens_per_document"),
        tokenizer=None if tokenizer is None else parse_tokenizer(tokenizer, path, row),
    )


@dataclass(frozen=True)
class Section:
    """One kind of retrieval row: its YAML section (also the PriceBook table of that name), how
    messages name one row, and its parser."""

    key: str
    kind: str
    parse: Callable[[dict, str, Path, dt.date], RetrievalRow]


SECTIONS = (
    Section("embeddings", "embedding", parse_embedding),
    Section("vector_stores", "vector store", parse_vector_store),
    Section("rerankers", "reranker", parse_reranker),
)
