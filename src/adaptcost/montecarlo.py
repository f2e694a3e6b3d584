"""Vectorized total cost of ownership, for Monte Carlo over uncertain assumptions.

The same rules as :mod:`adaptcost.costmodel` (see its docstring for the provider rules), written
with numpy so that a million sampled scenarios cost one pass of array arithmetic instead of a
million calls. Every parameter may be a scalar or an array (broadcast together); prices enter
through multipliers per price class (:data:`PRICE_CLASSES`). Tests check that this evaluator
equals the scalar cost model exactly when every parameter is a point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .costmodel import CACHE_INCREMENT_TOKENS, GLOBAL_JOB_HOURS, CorpusStats, Models, write_multiplier
from .pricing import MTOK, ModelPrice, Rates

PRICE_CLASSES = (
    "input", "cached_input", "output", "cache_write", "cache_storage",
    "training", "finetuned_input", "finetuned_output", "hosting",
)
SCENARIO_KEYS = (
    "queries_per_day", "prompt_tokens", "answer_tokens", "horizon_days", "refresh_days", "refresh_changed_fraction",
    "epochs", "example_overhead_tokens", "validation_fraction", "local_variants_per_chunk", "local_prompt_tokens",
    "global_tokens_per_doc", "global_prompt_tokens", "global_tokens_per_inference", "cache_hit_rate", "corpus_factor",
)


@dataclass
class Params:
    """Scenario values (scalars or arrays) and price multipliers by class (default 1)."""

    values: dict
    batch_augmentation: bool = False

    def __getitem__(self, key):
        return self.values[key]

    def m(self, price_class: str):
        return self.values.get("price:" + price_class, 1.0)


def _usd(tokens, rate):
    return tokens * rate / MTOK


def _rates(model: ModelPrice, p: Params, prompt):
    """(input, cached, output) per 1M tokens, the long-context tier applied where prompt > threshold."""
    base, tier = model.rates, model.long_context

    def pick(field: str, cls: str):
        value = getattr(base, field)
        if tier is not None:
            value = np.where(prompt > tier.threshold_tokens, getattr(tier.rates, field), value)
        return value * p.m(cls)

    return pick("input", "input"), pick("cached_input", "cached_input"), pick("output", "output")


def _miss_multiplier(model: ModelPrice, p: Params):
    """Cache-write price over input price, after both are scaled (costmodel.write_multiplier)."""
    if model.caching.kind != "explicit_ttl":
        return 1.0
    return write_multiplier(model) * p.m("cache_write") / p.m("input")


def _cacheable(model: ModelPrice, size):
    c = model.caching
    if c.kind == "none":
        return np.zeros_like(size, dtype=float)
    blocks = np.floor(size / CACHE_INCREMENT_TOKENS) * CACHE_INCREMENT_TOKENS if c.kind == "automatic" else size
    return np.where(size < c.min_prefix_tokens, 0.0, blocks)


def _padded(model: ModelPrice, size):
    """The padded prefix size (costmodel.padded_sizes), or the size itself where none applies."""
    c = model.caching
    if c.kind == "none":
        return size
    up = np.ceil(size / CACHE_INCREMENT_TOKENS) * CACHE_INCREMENT_TOKENS if c.kind == "automatic" else size
    return np.where(size < c.min_prefix_tokens, float(c.min_prefix_tokens), up)


def refreshes(p: Params):
    horizon, every = np.asarray(p["horizon_days"], float), np.asarray(p["refresh_days"], float)
    safe = np.where(every > 0, every, 1.0)
    return np.where(every > 0, np.maximum(0.0, np.ceil(horizon / safe - 1e-9) - 1), 0.0)


def _total(p: Params, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0):
    return one + refreshes(p) * per_refresh + p["queries_per_day"] * p["horizon_days"] * per_query + 24.0 * p["horizon_days"] * per_hour


def hit_rate(model: ModelPrice, p: Params):
    given = p.values.get("cache_hit_rate")
    if given is not None:
        return given
    return 1.0 - np.exp(-np.asarray(p["queries_per_day"], float) / 1440.0 * model.caching.ttl_minutes)


# ---------------------------------------------------------------- ICL


def icl_tco(stats: CorpusStats, model: ModelPrice, p: Params):
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    fits = (corpus + p["prompt_tokens"] + p["answer_tokens"] <= model.context_window_tokens)
    if model.max_output_tokens:
        fits = fits & (p["answer_tokens"] <= model.max_output_tokens)
    best = _icl_variant(model, corpus, p, cached_only=False)
    padded = _padded(model, corpus)
    usable = (padded > corpus) & (padded + p["prompt_tokens"] + p["answer_tokens"] <= model.context_window_tokens)
    best = np.where(usable, np.minimum(best, _icl_variant(model, padded, p, cached_only=True)), best)
    return np.where(fits, best, np.nan)


def _icl_variant(model: ModelPrice, size, p: Params, cached_only: bool):
    pt, at = p["prompt_tokens"], p["answer_tokens"]
    ri, rc, ro = _rates(model, p, size + pt)
    answer = _usd(at, ro)
    plain = _total(p, per_query=_usd(size + pt, ri) + answer)
    best = np.full(np.broadcast(plain, size).shape, np.inf) if cached_only else plain
    cached = _cacheable(model, size)
    kind = model.caching.kind
    if kind in ("automatic", "explicit_ttl"):
        h = hit_rate(model, p)
        miss = ri * _miss_multiplier(model, p)
        per_q = h * _usd(cached, rc) + (1 - h) * _usd(cached, miss) + _usd(size + pt - cached, ri) + answer
        best = np.where(cached > 0, np.minimum(best, _total(p, per_query=per_q)), best)
    elif kind == "explicit_storage":
        storage = model.caching.storage_usd_per_mtok_hour * p.m("cache_storage")
        create = _usd(size, ri)
        tco = _total(p, one=create, per_refresh=create, per_hour=_usd(size, storage),
                     per_query=_usd(size, rc) + _usd(pt, ri) + answer)
        best = np.where(cached > 0, np.minimum(best, tco), best)
    return best


# ---------------------------------------------------------------- augmentation and fine-tuning


def _batch(model: ModelPrice, p: Params) -> float:
    return (1.0 - model.batch_discount) if p.batch_augmentation else 1.0


def _local(stats: CorpusStats, model: ModelPrice, p: Params):
    """(cost, added tokens, added examples, feasible) of local augmentation."""
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    v = p["local_variants_per_chunk"]
    tokens_in = stats.chunks * p["local_prompt_tokens"] + corpus
    out = v * corpus
    cost = (_usd(tokens_in, model.rates.input * p.m("input")) + _usd(out, model.rates.output * p.m("output"))) * _batch(model, p)
    return cost, out, stats.chunks * v, True


def _global(stats: CorpusStats, model: ModelPrice, p: Params):
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    max_doc = stats.max_doc_for(model) * p["corpus_factor"]
    out = p["global_tokens_per_doc"]
    prefix = p["global_prompt_tokens"] + corpus
    window = model.context_window_tokens
    feasible = prefix + max_doc + out <= window
    if model.max_output_tokens:
        feasible = feasible & (out <= model.max_output_tokens)
    cost = _global_run(stats, model, p, prefix, corpus, max_doc)
    padded = _padded(model, prefix)
    fits = (padded > prefix) & (max_doc + padded + out <= window)
    cost = np.where(fits, np.minimum(cost, _global_run(stats, model, p, padded, corpus, max_doc)), cost)
    examples = stats.documents * out / p["global_tokens_per_inference"]
    return cost, stats.documents * out, examples, feasible


def _global_run(stats: CorpusStats, model: ModelPrice, p: Params, size, corpus, max_doc):
    docs = stats.documents
    ri, rc, ro = _rates(model, p, size + max_doc)
    cached = _cacheable(model, size)
    kind = model.caching.kind
    if kind == "explicit_ttl":
        first = _usd(cached, ri * _miss_multiplier(model, p))
    elif kind == "explicit_storage":
        storage = model.caching.storage_usd_per_mtok_hour * p.m("cache_storage")
        first = _usd(cached, ri) + _usd(cached, storage) * GLOBAL_JOB_HOURS
    else:
        first = _usd(cached, ri)
    with_cache = first + _usd((docs - 1) * cached, rc) + _usd(docs * (size - cached), ri)
    without = _usd(size, ri) + _usd((docs - 1) * size, ri)
    prefix_cost = np.where(cached > 0, with_cache, without)
    return (prefix_cost + _usd(corpus, ri) + _usd(docs * p["global_tokens_per_doc"], ro)) * _batch(model, p)


def finetune_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    model = models.finetune
    ft = model.finetune
    shape = np.broadcast(*[np.asarray(v) for v in p.values.values()]).shape
    if ft is None or ft.missing_hosting():
        return np.full(shape, np.nan)
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    aug_cost, added, added_examples, feasible = 0.0, 0.0, 0.0, True
    share = 1.0
    if strategy != "finetune":
        run = _local if strategy == "finetune+local" else _global
        aug_cost, added_aug, added_examples, feasible = run(stats, models.augment, p)
        scale = stats.tokens_for(model) / max(stats.tokens_for(models.augment) * 1.0, 1.0)
        added = added_aug * scale
        share = p["refresh_changed_fraction"] if strategy == "finetune+local" else 1.0
    train_tokens = corpus + added + (stats.chunks + added_examples) * p["example_overhead_tokens"]
    billed = train_tokens * p["epochs"]
    if ft.billing == "tokens_x_epochs_plus_validation":
        vf = p["validation_fraction"]
        billed = billed + train_tokens * vf / (1 - vf) * p["epochs"]
    training = np.maximum(_usd(billed, ft.training_usd_per_mtok * p.m("training")), ft.min_training_usd)
    rates: Rates = ft.rates
    per_query = _usd(p["prompt_tokens"], rates.input * p.m("finetuned_input")) + _usd(p["answer_tokens"], rates.output * p.m("finetuned_output"))
    per_hour = (ft.hosting_usd_per_hour or 0.0) * p.m("hosting") + ft.storage_usd_per_month / (30 * 24) * p.m("hosting")
    tco = _total(p, one=aug_cost + training, per_refresh=aug_cost * share + training, per_query=per_query, per_hour=per_hour)
    return np.where(feasible, tco, np.nan) * np.ones(shape)


def strategy_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    """Total cost over the horizon, per draw; NaN where the strategy is not possible."""
    if strategy == "icl":
        return icl_tco(stats, models.icl, p)
    return finetune_tco(strategy, stats, models, p)
