"""Vectorized total cost of ownership, for Monte Carlo over uncertain assumptions.

The same strategies as :mod:`adaptcost.costing.strategies` (its docstring lists the provider rules), over
arrays: every parameter may be a scalar or an array (broadcast together), and prices enter through
multipliers per price class (:data:`PRICE_CLASSES`). The billing arithmetic itself lives once, in
:mod:`adaptcost.costing.rules`, and both modules call it. Tests check that this evaluator equals the
scalar cost model exactly when every parameter is a point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..prices.book import CacheOption, ModelPrice, Rates
from . import rag, rules, schedule
from .billing import CorpusStats, Models, write_multiplier
from .rules import usd as _usd
from .strategies import GLOBAL_JOB_HOURS

PRICE_CLASSES = (
    "input", "cached_input", "output", "cache_write", "cache_storage",
    "training", "finetuned_input", "finetuned_output", "hosting", "embedding", "vector_store", "reranker",
)
SCENARIO_KEYS = (
    "queries_per_day", "prompt_tokens", "answer_tokens", "horizon_days", "refresh_days", "refresh_changed_fraction",
    "epochs", "example_overhead_tokens", "validation_fraction", "local_variants_per_chunk", "local_prompt_tokens",
    "global_tokens_per_doc", "global_prompt_tokens", "global_tokens_per_inference", "cache_hit_rate", "corpus_factor",
    "implicit_cache_hit_rate", "reasoning_tokens", "training_job_usd", "chunk_tokens", "chunk_overlap_tokens", "top_k",
    "system_prompt_tokens", "index_usd_per_hour", "rerank_candidates", "migration_usd", "lifecycle_delay_days",
)


@dataclass
class Params:
    """Scenario values (scalars or arrays) and price multipliers by class (default 1)."""

    values: dict
    batch_augmentation: bool = False
    finetune_customer: str = "new"
    lifecycle_dates: str = "earliest"
    allow_partial: bool = False
    # the period being priced when prices or models change inside the horizon (schedule.timeline):
    # its first and last day after the decision, and which one-time costs fall in it ("all" on the
    # decision day, "setup" on a move to a successor, "none"); None: the whole horizon
    window: tuple[float, float, str] | None = None

    @classmethod
    def from_scenario(cls, scenario, **overrides) -> "Params":
        """The scenario's values (corpus at its counted size), with some overridden (arrays allowed)."""
        values = {k: v for k, v in scenario.to_dict().items() if k in SCENARIO_KEYS}
        values["corpus_factor"] = 1.0
        return cls(values | overrides, scenario.batch_augmentation, scenario.finetune_customer, scenario.lifecycle_dates,
                   scenario.allow_partial)

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
    """Cache-write price over input price, after both are scaled (strategies.write_multiplier)."""
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


def _total(p: Params, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0, setup=0.0):
    """What the bill comes to over the horizon, or over the period being priced (rules.spent_in).
    `setup` is the one-time cost paid again on a move to a successor (Component.setup)."""
    if p.window is None:
        return _full_total(p, one, per_refresh, per_query, per_hour, setup)
    start, end, paid = p.window
    once = {"all": one + setup, "setup": setup}.get(paid, 0.0)
    horizon = p["horizon_days"]
    return rules.spent_in(horizon, start, end, horizon, p["refresh_days"], p["queries_per_day"], once, per_refresh,
                          per_query, per_hour)


def _full_total(p: Params, one=0.0, per_refresh=0.0, per_query=0.0, per_hour=0.0, setup=0.0):
    """Over the whole horizon: how ways of sending a prompt are compared, in every period alike
    (strategies.prompt_cost compares StrategyCost.tco)."""
    return rules.total_usd(p["queries_per_day"], p["horizon_days"], refreshes(p), one + setup, per_refresh, per_query,
                           per_hour)


@dataclass
class _Bill:
    """One way of sending a prompt, by kind of cost (arrays over draws)."""

    one: object = 0.0
    per_refresh: object = 0.0
    per_query: object = 0.0
    per_hour: object = 0.0
    setup: object = 0.0

    def full(self, p: Params):
        return _full_total(p, self.one, self.per_refresh, self.per_query, self.per_hour, self.setup)

    def total(self, p: Params):
        return _total(p, self.one, self.per_refresh, self.per_query, self.per_hour, self.setup)

    def where(self, take, other: "_Bill") -> "_Bill":
        return _Bill(*(np.where(take, getattr(other, k), getattr(self, k))
                       for k in ("one", "per_refresh", "per_query", "per_hour", "setup")))


def _reasoning(model: ModelPrice, p: Params):
    given = p.values.get("reasoning_tokens")
    return model.reasoning_tokens_per_query if given is None else given


def _output_tokens(model: ModelPrice, p: Params):
    return p["answer_tokens"] + _reasoning(model, p)


def _fits(model: ModelPrice, prompt, output, max_output: int | None):
    """strategies.prompt_limit and output_limit, as a mask."""
    ok = (prompt <= model.input_cap) & (prompt + output <= model.context_window_tokens)
    return ok & (output <= max_output) if max_output else ok


def _gpu_floor(model: ModelPrice, p: Params, gpu_per_query):
    gpu = model.gpu
    if gpu is None or not gpu.floor_usd_per_hour:
        return 0.0
    return rules.floor_top_up(gpu.floor_usd_per_hour * p.m("hosting"), p["queries_per_day"], gpu_per_query)


# ---------------------------------------------------------------- ICL


def icl_tco(stats: CorpusStats, model: ModelPrice, p: Params):
    return _prompt_tco(model, stats.tokens_for(model) * p["corpus_factor"], p["prompt_tokens"], p)


def _prompt_tco(model: ModelPrice, prefix, rest, p: Params):
    """strategies.prompt_cost: the cheapest way to send a cacheable prefix and the rest with every query."""
    output = _output_tokens(model, p)
    fits = _fits(model, prefix + rest, output, model.max_output_tokens)
    best, bill = _prompt_variant(model, prefix, rest, p, cached_only=False)
    padded = _padded(model, prefix)
    usable = (padded > prefix) & _fits(model, padded + rest, output, None)
    cost, padded_bill = _prompt_variant(model, padded, rest, p, cached_only=True)
    bill = bill.where(usable & (cost < best), padded_bill)
    best = bill.total(p) + _total(p, per_hour=_gpu_floor(model, p, bill.per_query))
    return np.where(fits, best, np.nan)


def _prompt_variant(model: ModelPrice, size, pt, p: Params, cached_only: bool):
    """(the cheapest TCO over the whole horizon, its bill) over no caching and every cache option."""
    ri, rc, ro = _rates(model, p, size + pt)
    answer = _usd(_output_tokens(model, p), ro)
    plain_q = _usd(size + pt, ri) + answer
    plain = _full_total(p, per_query=plain_q)
    shape = np.broadcast(plain, size).shape
    best = np.full(shape, np.inf) if cached_only else plain * np.ones(shape)
    bill = _Bill(per_query=plain_q * np.ones(shape))
    cached = _cacheable(model, size)
    for option in model.caching.options:
        option_bill = _prompt_option(model, option, size, pt, cached, p, ri, rc, answer)
        tco = option_bill.full(p)
        take = (cached > 0) & (tco < best)
        best, bill = np.where(take, tco, best), bill.where(take, option_bill)
    return best, bill


def _prompt_option(model: ModelPrice, option: CacheOption, size, pt, cached, p: Params, ri, rc, answer) -> _Bill:
    if option.kind == "storage":
        storage = option.storage_usd_per_mtok_hour * p.m("cache_storage")
        create = _usd(size, ri)
        per_q = _usd(size, rc) + _usd(pt, ri) + answer
        return _Bill(setup=create, per_refresh=create, per_hour=_usd(size, storage), per_query=per_q)
    h = rules.hit_probability(option.kind, option.ttl_minutes, p["queries_per_day"], p.values.get("cache_hit_rate"),
                              p["implicit_cache_hit_rate"])
    miss = ri * _miss_multiplier(model, option, p)
    per_q = rules.cached_prefix_usd(cached, h, rc, miss) + _usd(size + pt - cached, ri) + answer
    return _Bill(per_query=per_q)


# ---------------------------------------------------------------- augmentation and fine-tuning


def _batch(model: ModelPrice, p: Params) -> float:
    return (1.0 - model.batch_discount) if p.batch_augmentation else 1.0


def _local(stats: CorpusStats, model: ModelPrice, p: Params):
    """(cost, added tokens, added examples, feasible) of local augmentation."""
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    v = p["local_variants_per_chunk"]
    tokens_in = stats.chunks * p["local_prompt_tokens"] + corpus
    out = v * corpus
    billed = rules.billed_output_tokens(out, stats.chunks, _reasoning(model, p))
    cost = (_usd(tokens_in, model.rates.input * p.m("input")) + _usd(billed, model.rates.output * p.m("output"))) * _batch(model, p)
    return cost, out, stats.chunks * v, True


def _global(stats: CorpusStats, model: ModelPrice, p: Params):
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    max_doc = stats.max_doc_for(model) * p["corpus_factor"]
    out = p["global_tokens_per_doc"]
    billed = out + _reasoning(model, p)  # each call reasons, like a query (strategies.global_augmentation)
    prefix = p["global_prompt_tokens"] + corpus
    feasible = _fits(model, prefix + max_doc, billed, model.max_output_tokens)
    cost = _global_run(stats, model, p, prefix, corpus, max_doc)
    padded = _padded(model, prefix)
    fits = (padded > prefix) & _fits(model, max_doc + padded, billed, None)
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
    out = rules.billed_output_tokens(docs * p["global_tokens_per_doc"], docs, _reasoning(model, p))
    return (shared + _usd(corpus, ri) + _usd(out, ro)) * _batch(model, p)


def _global_option(model: ModelPrice, option: CacheOption, p: Params, cached, docs: int, ri, rc):
    """strategies._global_option: the cached part of the shared prefix over all calls."""
    reads = _usd((docs - 1) * cached, rc)
    if option.kind == "storage":
        storage = option.storage_usd_per_mtok_hour * p.m("cache_storage")
        return _usd(cached, ri) + _usd(cached, storage) * GLOBAL_JOB_HOURS + reads
    if option.kind == "implicit":
        return _usd(cached, ri) + rules.cached_prefix_usd((docs - 1) * cached, p["implicit_cache_hit_rate"], rc, ri)
    return _usd(cached, ri * _miss_multiplier(model, option, p)) + reads


def _offer_open(models: Models, p: Params):
    """strategies.offer_closed: the offer takes this customer's training jobs and serves tuned
    models on the decision day (stops inside the horizon: schedule.timeline)."""
    life = models.finetune.finetune.lifecycle
    if life.dates_are_earliest and p.lifecycle_dates == "stated":
        return np.asarray(True)
    stop = life.training_stop(p.finetune_customer)
    closed = (stop is not None and stop.date <= models.day) or (life.serving_stops is not None and life.serving_stops <= models.day)
    return np.asarray(not closed)


def finetune_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    model = models.finetune
    ft = model.finetune
    shape = np.broadcast(*[np.asarray(v) for v in p.values.values() if v is not None]).shape
    if ft is None or ft.missing_hosting():
        return np.full(shape, np.nan)
    search = _Retrieval(stats, models, p, model) if strategy == "finetune+rag" else None
    if search is not None and not search.available:
        return np.full(shape, np.nan)
    prompt = p["prompt_tokens"] + (search.retrieved if search is not None else 0.0)
    output = _output_tokens(model, p)
    feasible = _offer_open(models, p) & _fits(model, prompt, output, ft.max_output_tokens or model.max_output_tokens)
    if search is not None:
        feasible = feasible & search.fits
    corpus = stats.tokens_for(model) * p["corpus_factor"]
    aug_cost, added, added_examples = 0.0, 0.0, 0.0
    share = 1.0
    if strategy in ("finetune+local", "finetune+global"):
        run = _local if strategy == "finetune+local" else _global
        aug_cost, added_aug, added_examples, aug_ok = run(stats, models.augment, p)
        feasible = feasible & aug_ok
        scale = stats.tokens_for(model) / max(stats.tokens_for(models.augment) * 1.0, 1.0)
        added = added_aug * scale
        share = p["refresh_changed_fraction"] if strategy == "finetune+local" else 1.0
    train_tokens = corpus + added + (stats.chunks + added_examples) * p["example_overhead_tokens"]
    training = _training(model, train_tokens, p) + p["training_job_usd"]
    rates: Rates = ft.rates
    per_query = _usd(prompt, rates.input * p.m("finetuned_input")) + _usd(output, rates.output * p.m("finetuned_output"))
    per_hour = (ft.hosting_usd_per_hour or 0.0) * p.m("hosting") + ft.storage_usd_per_month / rules.HOURS_PER_MONTH * p.m("hosting")
    if ft.serving == "self_hosted":
        per_hour = per_hour + _gpu_floor(model, p, per_query)
    tco = _total(p, one=aug_cost, setup=training, per_refresh=aug_cost * share + training, per_query=per_query,
                 per_hour=per_hour)
    if search is not None:
        tco = tco + search.tco()
    return np.where(feasible, tco, np.nan) * np.ones(shape)


def _training(model: ModelPrice, train_tokens, p: Params):
    """strategies.training_run: billed tokens × rate, with the provider's minimum per job."""
    ft = model.finetune
    billed = train_tokens * p["epochs"]
    if ft.billing == "tokens_x_epochs_plus_validation":
        vf = p["validation_fraction"]
        billed = billed + train_tokens * vf / (1 - vf) * p["epochs"]
    return np.maximum(_usd(billed, ft.training_usd_per_mtok * p.m("training")), ft.min_training_usd)


# ---------------------------------------------------------------- retrieval


def rag_tco(stats: CorpusStats, models: Models, p: Params):
    """strategies.rag_cost: the prompt (system prefix, question, top-k chunks) and retrieval."""
    shape = np.broadcast(*[np.asarray(v) for v in p.values.values() if v is not None]).shape
    search = _Retrieval(stats, models, p, models.icl)
    if not search.available:
        return np.full(shape, np.nan)
    system = p["system_prompt_tokens"]
    prompt = _prompt_tco(models.icl, np.asarray(system, float), p["prompt_tokens"] - system + search.retrieved, p)
    return np.where(search.fits, prompt + search.tco(), np.nan) * np.ones(shape)


class _Retrieval:
    """rag.components over draws: chunks, embedding, index and reranking."""

    BLOCK = 2_000_000  # document × draw cells per block when chunking varies by draw

    def __init__(self, stats: CorpusStats, models: Models, p: Params, answering: ModelPrice):
        self.models, self.p = models, p
        e = models.embedding
        self.available = e is not None and bool(np.all(np.asarray(p["chunk_tokens"]) <= e.max_input_tokens))
        if not self.available:
            return
        self.count, self.tokens = self._chunks(stats)
        ratio = stats.tokens_for(answering) / max(stats.tokens_for(e), 1.0)
        mean = np.where(self.count > 0, self.tokens / np.maximum(self.count, 1.0), 0.0)
        self.mean = mean
        self.retrieved = np.minimum(p["top_k"], self.count) * mean * ratio
        self.fits = self.count > p["top_k"]  # rag.whole_corpus: else every question retrieves it all

    def _chunks(self, stats: CorpusStats):
        p = self.p
        docs = np.asarray(stats.documents_for(self.models.embedding), float)
        f, size, overlap = (np.asarray(p[k], float) for k in ("corpus_factor", "chunk_tokens", "chunk_overlap_tokens"))
        shape = np.broadcast(f, size, overlap).shape
        if not shape:
            return rules.chunks_and_tokens(docs * f, size, overlap)
        f, size, overlap = (np.broadcast_to(x, shape).ravel() for x in (f, size, overlap))
        count, tokens = np.empty(f.size), np.empty(f.size)
        step = max(1, self.BLOCK // max(docs.size, 1))
        for i in range(0, f.size, step):
            block = slice(i, i + step)
            count[block], tokens[block] = rules.chunks_and_tokens(docs * f[block, None], size[block], overlap[block])
        return count.reshape(shape), tokens.reshape(shape)

    def tco(self):
        p, e = self.p, self.models.embedding
        rate = 0.0 if rag.store_embeds(self.models) else e.usd_per_mtok * p.m("embedding")
        one = _usd(self.tokens, rate) * (1.0 - e.batch_discount)
        query_text = p["prompt_tokens"] - p["system_prompt_tokens"]
        per_query = _usd(query_text, rate) + self._reranking(query_text)
        index_one, index_query, per_hour = self._index()
        share = p["refresh_changed_fraction"]
        return _total(p, one=one + index_one, per_refresh=(one + index_one) * share, per_query=per_query + index_query,
                      per_hour=per_hour)

    def _index(self):
        """(writes, reads per query, per hour) of the index."""
        p, v = self.p, self.models.vector_store
        if v is None:
            return 0.0, 0.0, p["index_usd_per_hour"]
        m = p.m("vector_store")
        gb = rules.index_gb(self.count, rag.dimensions(self.models), v.bytes_per_dimension, v.overhead_bytes_per_vector)
        storage = rules.storage_usd_per_hour(gb, v.free_storage_gb, v.storage_usd_per_gb_month * m)
        units = rules.read_units(gb, v.read_units.fixed, v.read_units.per_gb, v.read_units.minimum)
        read = units * v.usd_per_million_read_units * m / 1e6
        per_vector = rules.write_units(v.write_units_per_vector, v.write_units_per_kb, rag.record_bytes(self.models))
        writes = self.count * per_vector * v.usd_per_million_write_units * m / 1e6
        per_hour = storage
        if v.minimum_usd_per_month:
            per_hour = storage + rules.floor_top_up(v.minimum_usd_per_month * m / rules.HOURS_PER_MONTH - storage,
                                                    p["queries_per_day"], read)
        return writes, read, per_hour

    def _reranking(self, query_text):
        r = self.models.reranker
        if r is None:
            return 0.0
        m = self.p.m("reranker")
        candidates = np.minimum(self.p["rerank_candidates"], self.count)
        if r.billing == "per_search":
            return rules.rerank_searches(candidates, r.documents_per_search) * r.usd_per_1k_searches * m / 1000
        return _usd(candidates * (query_text + self.mean), r.usd_per_mtok * m)


def volume_curve(strategy: str, stats: CorpusStats, models: Models, scenario):
    """TCO over an array of queries/day, everything else held at the scenario (for break-evens)."""
    return lambda volumes: strategy_tco(strategy, stats, models, Params.from_scenario(scenario, queries_per_day=volumes))


def strategy_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    """Total cost over the horizon, per draw; NaN where the strategy is not possible. Where prices
    change or models stop inside the longest horizon drawn, the sum of each period's
    (schedule.timeline), with the migration cost on each move of the answering model."""
    horizon = p["horizon_days"]
    delay = np.asarray(p["lifecycle_delay_days"], float)
    if delay.ndim and _delay_moves(strategy, models, p, delay):
        return _by_delay(strategy, stats, models, p)
    line = schedule.timeline(strategy, models, float(np.max(horizon)), _reading(p, float(np.floor(np.max(delay)))))
    if line.simple:
        return _period_tco(strategy, stats, line.periods[0].models, p)
    if line.until is not None and not p.allow_partial:
        return np.full(_shape(p), np.nan)
    serving = schedule.ROLES[strategy][0]
    total = 0.0
    for i, period in enumerate(line.periods):
        end = horizon if period.end is None else period.end
        moved = period.moves(serving)
        paid = "all" if i == 0 else "setup" if moved else "none"
        total = total + _period_tco(strategy, stats, period.models, replace(p, window=(period.start, end, paid)))
        if moved:
            total = total + rules.spent_in(horizon, period.start, end, horizon, p["refresh_days"], p["queries_per_day"],
                                           one=p["migration_usd"])
    return total


def _reading(p: Params, delay: float = 0.0) -> schedule.Reading:
    """strategies.reading over draws: the latest training job any draw starts."""
    last = float(np.max(rules.last_training_day(p["horizon_days"], p["refresh_days"])))
    return schedule.Reading(p.finetune_customer, p.lifecycle_dates, last, delay)


def _delay_moves(strategy: str, models: Models, p: Params, delay) -> bool:
    """Whether the drawn delays of "or later" dates cut this strategy's horizon differently."""
    horizon = float(np.max(p["horizon_days"]))
    lines = [schedule.timeline(strategy, models, horizon, _reading(p, float(np.floor(d)))) for d in (np.min(delay), np.max(delay))]
    return [(q.start, q.end) for q in lines[0].periods] + [lines[0].until] != [(q.start, q.end) for q in lines[1].periods] + [lines[1].until]


def _by_delay(strategy: str, stats: CorpusStats, models: Models, p: Params):
    """The draws grouped by their delay in whole days, each group priced on its own timeline."""
    shape = _shape(p)
    days = np.floor(np.broadcast_to(np.asarray(p["lifecycle_delay_days"], float), shape))
    out = np.empty(shape)
    for day in np.unique(days):
        mask = days == day
        values = {k: (np.broadcast_to(v, shape)[mask] if np.ndim(v) else v) for k, v in p.values.items()}
        values["lifecycle_delay_days"] = float(day)
        out[mask] = strategy_tco(strategy, stats, models, replace(p, values=values))
    return out


def _shape(p: Params):
    return np.broadcast(*[np.asarray(v) for v in p.values.values() if v is not None]).shape


def _period_tco(strategy: str, stats: CorpusStats, models: Models, p: Params):
    if strategy == "icl":
        return icl_tco(stats, models.icl, p)
    if strategy == "rag":
        return rag_tco(stats, models, p)
    return finetune_tco(strategy, stats, models, p)
