"""Vectorized total cost of ownership, for Monte Carlo over uncertain assumptions.

The same strategies as :mod:`adaptcost.costmodel` (its docstring lists the provider rules), over
arrays: every parameter may be a scalar or an array (broadcast together), and prices enter through
multipliers per price class (:data:`PRICE_CLASSES`). The billing arithmetic itself lives once, in
:mod:`adaptcost.rules`, and both modules call it. Tests check that this evaluator equals the
scalar cost model exactly when every parameter is a point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import rules
from .costmodel import GLOBAL_JOB_HOURS, CorpusStats, Models, write_multiplier
from .pricing import CacheOption, ModelPrice, Rates
from .rules import usd as _usd

PRICE_CLASSES = (
    "input", "cached_input", "output", "cache_write", "cache_storage",
    "training", "finetuned_input", "finetuned_output", "hosting",
)
SCENARIO_KEYS = (
    "queries_per_day", "prompt_tokens", "answer_tokens", "horizon_days", "refresh_days", "refresh_changed_fraction",
    "epochs", "example_overhead_tokens", "validation_fraction", "local_variants_per_chunk", "local_prompt_tokens",
    "global_tokens_per_doc", "global_prompt_tokens", "global_tokens_per_inference", "cache_hit_rate", "corpus_factor",
    "implicit_cache_hit_rate", "reasoning_tokens", "training_job_usd",
)


@dataclass
class Params:
    """Scenario values (scalars or arrays) and price multipliers by class (default 1)."""

    values: dict
    batch_augmentation: bool = False
    finetune_customer: str = "new"

    @classmethod
    def from_scenario(cls, scenario, **overrides) -> "Params":
        """The scenario's values (corpus at its counted size), with some overridden (arrays allowed)."""
        values = {k: v for k, v in scenario.to_dict().items() if k in SCENARIO_KEYS}
        values["corpus_factor"] = 1.0
        return cls(values | overrides, scenario.batch_augmentation, scenario.finetune_customer)

    def __getitem__(self, key):
        return self.values[key]

    def m(self, price_class: str):
        return self.values.get("price:" + price_class, 1.0)


def _rates(model: ModelPrice, p: Params, prompt):
    """(input, cached, output) per 1M tokens, the long-context tier applied where prompt > threshold."""
    base, tier = model.rates, model.long_context

    def pick(field: str, cls: str):
        value = getattr(base, field)
        if tier is not None:
            value = np.where(prompt > tier.threshold_tokens, getattr(tier.rates, field), value)
        return value * p.m(cls)

    return pick("input", "input"), pick("cached_input", "cached_input"), pick("output", "output")


def _miss_multiplier(model: ModelPrice, option: CacheOption, p: Params):
    """Cache-write price over input price, after both are scaled (costmodel.write_multiplier)."""
    if option.write_usd_per_mtok is None:
        return 1.0
    return write_multiplier(model, option) * p.m("cache_write") / p.m("input")


def _cacheable(model: ModelPrice, size):
    c = model.caching
    return rules.cacheable_tokens(size, c.min_prefix_tokens, c.increment_tokens) if c.offered else np.zeros_like(size, dtype=float)


def _padded(model: ModelPrice, size):
    c = model.caching
    return rules.padded_size(size, c.min_prefix_tokens, c.increment_tokens) if c.offered else size


def refreshes(p: Params):
    return rules.refreshes(p["horizon_days"], p["refresh_days"])


def _total(p: Params, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0):
    return rules.total_usd(p["queries_per_day"], p["horizon_days"], refreshes(p), one, per_refresh, per_query, per_hour)


def _reasoning(model: ModelPrice, p: Params):
    given = p.values.get("reasoning_tokens")
    return model.reasoning_tokens_per_query if given is None else given


def _output_tokens(model: ModelPrice, p: Params):
    return p["answer_tokens"] + _reasoning(model, p)


def _fits(model: ModelPrice, prompt, output, max_output: int | None):
    """costmodel.prompt_limit and output_limit, as a mask."""
    ok = (prompt <= model.input_cap) & (prompt + output <= model.context_window_tokens)
    return ok & (output <= max_output) if max_output else ok


def _gpu_floor(model: ModelPrice, p: Params, gpu_per_query):
    gpu = model.gpu
    if gpu is None or not gpu.floor_usd_per_hour:
        return 0.0
    return rules.gpu_floor_top_up(gpu.floor_usd_per_hour * p.m("hosting"), p["queries_per_day"], gpu_per_query)


# ---------------------------------------------------------------- ICL


def icl_tco(stats: CorpusStats, model: ModelPrice, p: Params):
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    output = _output_tokens(model, p)
    fits = _fits(model, corpus + p["prompt_tokens"], output, model.max_output_tokens)
    best, per_query = _icl_variant(model, corpus, p, cached_only=False)
    padded = _padded(model, corpus)
    usable = (padded > corpus) & _fits(model, padded + p["prompt_tokens"], output, None)
    cost, padded_per_query = _icl_variant(model, padded, p, cached_only=True)
    take = usable & (cost < best)
    best, per_query = np.where(take, cost, best), np.where(take, padded_per_query, per_query)
    best = best + _total(p, per_hour=_gpu_floor(model, p, per_query))
    return np.where(fits, best, np.nan)


def _icl_variant(model: ModelPrice, size, p: Params, cached_only: bool):
    """(the cheapest TCO, its per-query cost) over no caching and every cache option."""
    pt = p["prompt_tokens"]
    ri, rc, ro = _rates(model, p, size + pt)
    answer = _usd(_output_tokens(model, p), ro)
    plain_q = _usd(size + pt, ri) + answer
    plain = _total(p, per_query=plain_q)
    shape = np.broadcast(plain, size).shape
    best = np.full(shape, np.inf) if cached_only else plain * np.ones(shape)
    best_q = plain_q * np.ones(shape)
    cached = _cacheable(model, size)
    for option in model.caching.options:
        tco, per_q = _icl_option(model, option, size, cached, p, ri, rc, answer)
        take = (cached > 0) & (tco < best)
        best, best_q = np.where(take, tco, best), np.where(take, per_q, best_q)
    return best, best_q


def _icl_option(model: ModelPrice, option: CacheOption, size, cached, p: Params, ri, rc, answer):
    pt = p["prompt_tokens"]
    if option.kind == "storage":
        storage = option.storage_usd_per_mtok_hour * p.m("cache_storage")
        create = _usd(size, ri)
        per_q = _usd(size, rc) + _usd(pt, ri) + answer
        return _total(p, one=create, per_refresh=create, per_hour=_usd(size, storage), per_query=per_q), per_q
    h = rules.hit_probability(option.kind, option.ttl_minutes, p["queries_per_day"], p.values.get("cache_hit_rate"),
                              p["implicit_cache_hit_rate"])
    miss = ri * _miss_multiplier(model, option, p)
    per_q = rules.cached_prefix_usd(cached, h, rc, miss) + _usd(size + pt - cached, ri) + answer
    return _total(p, per_query=per_q), per_q


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
    feasible = _fits(model, prefix + max_doc, out, model.max_output_tokens)
    cost = _global_run(stats, model, p, prefix, corpus, max_doc)
    padded = _padded(model, prefix)
    fits = (padded > prefix) & _fits(model, max_doc + padded, out, None)
    cost = np.where(fits, np.minimum(cost, _global_run(stats, model, p, padded, corpus, max_doc)), cost)
    examples = stats.documents * out / p["global_tokens_per_inference"]
    return cost, stats.documents * out, examples, feasible


def _global_run(stats: CorpusStats, model: ModelPrice, p: Params, size, corpus, max_doc):
    docs = stats.documents
    ri, rc, ro = _rates(model, p, size + max_doc)
    cached = _cacheable(model, size)
    tail = _usd(docs * (size - cached), ri)
    shared = _usd(docs * size, ri)
    for option in model.caching.options:
        shared = np.where(cached > 0, np.minimum(shared, _global_option(model, option, p, cached, docs, ri, rc) + tail), shared)
    return (shared + _usd(corpus, ri) + _usd(docs * p["global_tokens_per_doc"], ro)) * _batch(model, p)


def _global_option(model: ModelPrice, option: CacheOption, p: Params, cached, docs: int, ri, rc):
    """costmodel._global_option: the cached part of the shared prefix over all calls."""
    reads = _usd((docs - 1) * cached, rc)
    if option.kind == "storage":
        storage = option.storage_usd_per_mtok_hour * p.m("cache_storage")
        return _usd(cached, ri) + _usd(cached, storage) * GLOBAL_JOB_HOURS + reads
    if option.kind == "implicit":
        return _usd(cached, ri) + rules.cached_prefix_usd((docs - 1) * cached, p["implicit_cache_hit_rate"], rc, ri)
    return _usd(cached, ri * _miss_multiplier(model, option, p)) + reads


def _offer_open(models: Models, p: Params):
    """costmodel.offer_closed, as a mask: every training job before the stop, serving to the end."""
    life = models.finetune.finetune.lifecycle
    ok = np.asarray(True)
    if life.dates_are_earliest:
        return ok
    stop = life.training_stop(p.finetune_customer)
    if stop is not None:
        ok = ok & (rules.last_training_day(p["horizon_days"], p["refresh_days"]) < (stop.date - models.day).days)
    if life.serving_stops is not None:
        ok = ok & (np.asarray(p["horizon_days"], float) <= (life.serving_stops - models.day).days)
    return ok


def finetune_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    model = models.finetune
    ft = model.finetune
    shape = np.broadcast(*[np.asarray(v) for v in p.values.values() if v is not None]).shape
    if ft is None or ft.missing_hosting():
        return np.full(shape, np.nan)
    output = _output_tokens(model, p)
    feasible = _offer_open(models, p) & _fits(model, p["prompt_tokens"], output, ft.max_output_tokens or model.max_output_tokens)
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    aug_cost, added, added_examples = 0.0, 0.0, 0.0
    share = 1.0
    if strategy != "finetune":
        run = _local if strategy == "finetune+local" else _global
        aug_cost, added_aug, added_examples, aug_ok = run(stats, models.augment, p)
        feasible = feasible & aug_ok
        scale = stats.tokens_for(model) / max(stats.tokens_for(models.augment) * 1.0, 1.0)
        added = added_aug * scale
        share = p["refresh_changed_fraction"] if strategy == "finetune+local" else 1.0
    train_tokens = corpus + added + (stats.chunks + added_examples) * p["example_overhead_tokens"]
    training = _training(model, train_tokens, p) + p["training_job_usd"]
    rates: Rates = ft.rates
    per_query = _usd(p["prompt_tokens"], rates.input * p.m("finetuned_input")) + _usd(output, rates.output * p.m("finetuned_output"))
    per_hour = (ft.hosting_usd_per_hour or 0.0) * p.m("hosting") + ft.storage_usd_per_month / rules.HOURS_PER_MONTH * p.m("hosting")
    if ft.serving == "self_hosted":
        per_hour = per_hour + _gpu_floor(model, p, per_query)
    tco = _total(p, one=aug_cost + training, per_refresh=aug_cost * share + training, per_query=per_query, per_hour=per_hour)
    return np.where(feasible, tco, np.nan) * np.ones(shape)


def _training(model: ModelPrice, train_tokens, p: Params):
    """costmodel.training_run: billed tokens × rate, with the provider's minimum per job."""
    ft = model.finetune
    billed = train_tokens * p["epochs"]
    if ft.billing == "tokens_x_epochs_plus_validation":
        vf = p["validation_fraction"]
        billed = billed + train_tokens * vf / (1 - vf) * p["epochs"]
    return np.maximum(_usd(billed, ft.training_usd_per_mtok * p.m("training")), ft.min_training_usd)


def volume_curve(strategy: str, stats: CorpusStats, models: Models, scenario):
    """TCO over an array of queries/day, everything else held at the scenario (for break-evens)."""
    return lambda volumes: strategy_tco(strategy, stats, models, Params.from_scenario(scenario, queries_per_day=volumes))


def strategy_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    """Total cost over the horizon, per draw; NaN where the strategy is not possible."""
    if strategy == "icl":
        return icl_tco(stats, models.icl, p)
    return finetune_tco(strategy, stats, models, p)
