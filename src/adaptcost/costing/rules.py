"""Provider billing rules, each written once, for the itemised estimate and the Monte Carlo alike.

Every function takes floats or numpy arrays (broadcast together), so the scalar cost model
(:mod:`adaptcost.costing.strategies`, one scenario with formulas) and the vectorized one
(:mod:`adaptcost.costing.montecarlo`, a million draws) apply the same arithmetic.
"""

from __future__ import annotations

import numpy as np

from ..prices.units import BYTES_PER_GB, HOURS_PER_DAY, HOURS_PER_MONTH, MINUTES_PER_DAY, MTOK  # noqa: F401  (the units, re-exported)


def usd(tokens, rate_per_mtok):
    """Prices are per 1M tokens: cost = tokens × rate / 1,000,000."""
    return tokens * rate_per_mtok / MTOK


def billed_output_tokens(generated, calls, reasoning_per_call):
    """Output tokens billed over `calls` requests: what they generate plus each call's reasoning.
    A reasoning model thinks before every answer, an augmentation call as much as a query, and
    providers bill reasoning tokens as output (they are not part of the text returned)."""
    return generated + calls * reasoning_per_call


def warm_probability(queries_per_day, ttl_minutes):
    """Chance that a query finds the cache warm: Poisson arrivals at q per day, a cache that lives
    `ttl_minutes` after each use (every hit refreshes it, Anthropic's and OpenAI's rule), so a
    query hits when the previous one came within one TTL: P = 1 − exp(−q × TTL / 1440)."""
    return 1.0 - np.exp(-np.asarray(queries_per_day, float) * ttl_minutes / MINUTES_PER_DAY)


def hit_probability(kind: str, ttl_minutes: float, queries_per_day, given=None, implicit_rate=0.5):
    """Share of queries billed as cache hits under one cache option.

    `given` (the scenario's cache_hit_rate) overrides the arrival model. Implicit caching (Gemini
    2.5+) promises no hit: the assumption `implicit_rate` is the share of warm-cache queries that
    the provider bills as hits.
    """
    if given is not None:
        return given
    warm = warm_probability(queries_per_day, ttl_minutes)
    return implicit_rate * warm if kind == "implicit" else warm


def cacheable_tokens(size, min_prefix_tokens: int, increment_tokens: int):
    """Tokens of a prefix a hit covers: none below the provider's minimum, else whole increments
    (OpenAI: 128-token blocks; 1 elsewhere)."""
    size = np.asarray(size, float)
    blocks = np.floor(size / increment_tokens) * increment_tokens if increment_tokens > 1 else size
    return np.where(size < min_prefix_tokens, 0.0, blocks)


def padded_size(size, min_prefix_tokens: int, increment_tokens: int):
    """The prefix padded up to where caching starts to pay: the provider's minimum, or the next
    whole increment. Padding is always possible, so a prefix costs the cheaper of as-is and padded."""
    size = np.asarray(size, float)
    up = np.ceil(size / increment_tokens) * increment_tokens if increment_tokens > 1 else size
    return np.where(size < min_prefix_tokens, float(min_prefix_tokens), up)


def cached_prefix_usd(cached, hit, read_rate, miss_rate):
    """Per query: a hit reads the cached prefix at the cached rate, a miss bills it at the miss
    rate (plain input, or the cache-write rate for an explicit write)."""
    return hit * usd(cached, read_rate) + (1.0 - hit) * usd(cached, miss_rate)


def refreshes(horizon_days, refresh_days):
    """Refreshes strictly inside the horizon: ceil(H / R) − 1, none when R = 0 (never)."""
    horizon, every = np.asarray(horizon_days, float), np.asarray(refresh_days, float)
    safe = np.where(every > 0, every, 1.0)
    return np.where(every > 0, np.maximum(0.0, np.ceil(horizon / safe - 1e-9) - 1), 0.0)


def total_usd(queries_per_day, horizon_days, refresh_count, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0):
    """TCO = one-time + refreshes × per-refresh + q × days × per-query + 24 × days × per-hour."""
    return (one + refresh_count * per_refresh + queries_per_day * horizon_days * per_query
            + HOURS_PER_DAY * horizon_days * per_hour)


def floor_top_up(floor_usd_per_hour, queries_per_day, usage_usd_per_query):
    """A floor billed whatever the use (self-hosting: always-on replicas; a vector store plan's
    monthly minimum): the usage the traffic pays for is within it, so per hour the floor costs what
    that usage does not already pay for: max(0, floor − q × per-query usage / 24)."""
    return np.maximum(0.0, floor_usd_per_hour - np.asarray(queries_per_day, float) * usage_usd_per_query / HOURS_PER_DAY)


def last_training_day(horizon_days, refresh_days):
    """Days after the decision on which the last (re)training job starts: refreshes × R."""
    return refreshes(horizon_days, refresh_days) * np.asarray(refresh_days, float)


def refreshes_by(day, horizon_days, refresh_days):
    """Refreshes on or before `day` (they fall on days R, 2R, ... strictly inside the horizon)."""
    every = np.asarray(refresh_days, float)
    safe = np.where(every > 0, every, 1.0)
    done = np.where(every > 0, np.floor(np.asarray(day, float) / safe + 1e-9), 0.0)
    return np.minimum(done, refreshes(horizon_days, refresh_days))


def spent_by(day, horizon_days, refresh_days, queries_per_day, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0):
    """What a strategy has cost by `day` of the horizon; on the last day, its total (total_usd)."""
    return total_usd(queries_per_day, day, refreshes_by(day, horizon_days, refresh_days), one, per_refresh,
                     per_query, per_hour)


def refreshes_before(day, horizon_days, refresh_days):
    """Refreshes on days strictly before `day` (R, 2R, ... strictly inside the horizon)."""
    every = np.asarray(refresh_days, float)
    safe = np.where(every > 0, every, 1.0)
    before = np.where(every > 0, np.maximum(0.0, np.ceil(np.asarray(day, float) / safe - 1e-9) - 1), 0.0)
    return np.minimum(before, refreshes(horizon_days, refresh_days))


def spent_in(day, start, end, horizon_days, refresh_days, queries_per_day, one=0.0, per_refresh=0.0, per_query=0.0,
             per_hour=0.0):
    """What one period [start, end) of the horizon has cost by `day`, when prices or models change
    inside the horizon: its one-time cost on its first day (if that falls inside the horizon), the
    refreshes that fall on its days (a refresh on the day a change takes effect bills at the new
    prices), and its queries and hours. With start 0 and end at the horizon this is spent_by."""
    horizon = np.asarray(horizon_days, float)
    day = np.minimum(np.asarray(day, float), horizon)
    start = np.asarray(start, float)
    days = np.maximum(0.0, np.minimum(day, end) - start)
    begun = (day >= start) & (start < horizon)
    refreshed = np.maximum(0.0, np.minimum(refreshes_by(day, horizon_days, refresh_days),
                                           refreshes_before(end, horizon_days, refresh_days))
                           - refreshes_before(start, horizon_days, refresh_days))
    return (np.where(begun, one, 0.0) + refreshed * per_refresh + queries_per_day * days * per_query
            + HOURS_PER_DAY * days * per_hour)


# ---------------------------------------------------------------- retrieval


def chunk_counts(doc_tokens, chunk_tokens, overlap_tokens):
    """Chunks per document of n tokens, in windows of S tokens overlapping by O (LangChain's and
    LlamaIndex's token splitters): 1 if 0 < n ≤ S, else ceil((n − O) / (S − O)); none for an
    empty document. `doc_tokens` runs along the last axis; S and O broadcast over the others."""
    n = np.asarray(doc_tokens, float)
    size = np.asarray(chunk_tokens, float)[..., None]
    overlap = np.asarray(overlap_tokens, float)[..., None]
    windows = np.ceil(np.maximum(n - overlap, 0.0) / (size - overlap) - 1e-9)
    return np.where(n <= 0, 0.0, np.where(n <= size, 1.0, windows))


def chunks_and_tokens(doc_tokens, chunk_tokens, overlap_tokens):
    """(chunks, tokens embedded) over a corpus: each chunk after a document's first repeats the O
    overlapping tokens, so a document embeds n + (chunks − 1) × O tokens."""
    n = np.asarray(doc_tokens, float)
    count = chunk_counts(n, chunk_tokens, overlap_tokens)
    repeated = np.maximum(count - 1.0, 0.0) * np.asarray(overlap_tokens, float)[..., None]
    return count.sum(axis=-1), (np.where(count > 0, n, 0.0) + repeated).sum(axis=-1)


def index_gb(vectors, dimensions, bytes_per_dimension, overhead_bytes_per_vector=0):
    """An index's size: vectors × (dimensions × bytes per dimension + per-vector overhead) / 10^9."""
    return vectors * (dimensions * bytes_per_dimension + overhead_bytes_per_vector) / BYTES_PER_GB


def write_units(per_vector, per_kb, record_bytes):
    """Write units one vector upsert consumes: a fixed count plus a count per KB (1,000 bytes) of
    the record (Pinecone serverless: 1 write unit per KB)."""
    return per_vector + per_kb * record_bytes / 1000.0


def storage_usd_per_hour(gb, free_gb, usd_per_gb_month):
    """Storage billed per GB-month beyond the free allowance, spread over a 730-hour month."""
    return np.maximum(0.0, gb - free_gb) * usd_per_gb_month / HOURS_PER_MONTH


def read_units(gb, fixed, per_gb, minimum):
    """Read units one query consumes: max(minimum, fixed + per_gb × index GB) (a store that bills
    by the size of the namespace searched, e.g. Pinecone serverless; `fixed` 1 for per-call billing)."""
    return np.maximum(minimum, fixed + per_gb * gb)


def rerank_searches(candidates, documents_per_search):
    """Searches billed per query: one per `documents_per_search` candidates (Cohere: a search is a
    query over up to 100 documents)."""
    return np.ceil(np.asarray(candidates, float) / documents_per_search - 1e-9)
