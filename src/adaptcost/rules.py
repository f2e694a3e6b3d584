"""Provider billing rules, each written once, for the itemised estimate and the Monte Carlo alike.

Every function takes floats or numpy arrays (broadcast together), so the scalar cost model
(:mod:`adaptcost.costmodel`, one scenario with formulas) and the vectorized one
(:mod:`adaptcost.montecarlo`, a million draws) apply the same arithmetic.
"""

from __future__ import annotations

import numpy as np

MTOK = 1_000_000  # prices are USD per 1M tokens
MINUTES_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
# A billing month is 730 hours (8,760 h / 12): the month AWS, Azure and Google Cloud bill hourly
# resources by, and the one a monthly storage fee is spread over.
HOURS_PER_MONTH = 730.0


def usd(tokens, rate_per_mtok):
    """Prices are per 1M tokens: cost = tokens × rate / 1,000,000."""
    return tokens * rate_per_mtok / MTOK


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


def gpu_floor_top_up(floor_usd_per_hour, queries_per_day, gpu_usd_per_query):
    """Self-hosting: always-on replicas bill every hour; the GPU time the traffic uses is within
    them. Per hour, the floor costs what the traffic's GPU time does not already pay for:
    max(0, floor − q × per-query GPU cost / 24)."""
    return np.maximum(0.0, floor_usd_per_hour - np.asarray(queries_per_day, float) * gpu_usd_per_query / HOURS_PER_DAY)


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
