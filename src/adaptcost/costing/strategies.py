"""The cost model: what each adaptation strategy costs, as pure functions of tokens and prices.

Every strategy is a sum of components of four kinds (USD):

    one_time     paid once at the start (augmentation, first training run)
    per_refresh  paid each time the corpus changes (re-augmentation, retraining)
    per_query    paid for every query
    per_hour     paid for every hour of the horizon whether used or not (hosting, cache storage)

    TCO(q) = one_time + refreshes × per_refresh + q × days × per_query(q) + 24 × days × per_hour

where refreshes = ceil(days / refresh_days) − 1 (refreshes strictly inside the horizon), and the
amortized cost per query is TCO / (q × days). per_query depends on q only through the prompt
cache hit rate (more traffic keeps the cache warm).

Provider rules implemented here (prices come from pricing/*.yaml, each with source and date):
- Prices are USD per 1M tokens: cost = tokens × rate / 1,000,000.
- Long-context tier (Gemini 2.5 Pro > 200k, Claude Sonnet 4.x > 200k input tokens): once the
  prompt exceeds the threshold the *whole request*, input and output, bills at the tier rates.
- Prompt caching: a model lists every option its provider offers (pricing/*.yaml caching.options)
  and ICL and global augmentation price each, plus no caching, and keep the cheapest for the
  traffic (the notes say which, and what the next costs). The rules (adaptcost.costing.rules):
  - automatic (OpenAI in-memory ~5 min, extended retention 24 h): prompts of at least 1,024
    tokens; the cached prefix grows in 128-token increments; a hit bills the cached part at the
    cached-input rate, a miss plain input; no write surcharge.
  - write (Anthropic 5-minute and 1-hour writes): a miss writes the prefix at that TTL's write
    rate (1.25× or 2× input), a hit reads it at 0.1× input; each hit refreshes the TTL.
  - implicit (Gemini 2.5+): a miss bills input; a warm-cache query is billed as a hit with the
    assumed probability implicit_cache_hit_rate (Google guarantees none).
  - storage (Gemini explicit): a cache created once (billed as input) and kept for the horizon
    bills storage per token-hour; hits bill the cached-input rate.
  Hits follow Poisson arrivals: P(hit) = 1 − exp(−q × TTL / 1440) unless a hit rate is given.
- Limits: the prompt must fit the input cap (a separate cap where the provider has one, e.g.
  272k of gpt-5's 400k window) and prompt + answer + reasoning the window; answer + reasoning
  the model's (or the fine-tuned model's) maximum output.
- Reasoning ("thinking") tokens bill as output tokens: per query and per augmentation call
  (rules.billed_output_tokens), the scenario's figure or the model's documented default (0 for
  models that do not reason). They are not part of the augmented training text.
- Fine-tuning: billed training tokens = tokens in the training file × epochs (OpenAI, Vertex,
  Mistral, Azure), plus validation tokens × epochs where the provider bills them (Together);
  a provider minimum per job applies. Fine-tuned inference bills the fine-tuned model's rates.
  Hosting (Azure OpenAI deployments, Bedrock provisioned throughput, Together dedicated endpoints)
  bills every hour, used or not; model storage per month is spread over a 730-hour month. A fixed
  cost per training job (evaluation and deployment work) is a scenario assumption.
- Lifecycle: a fine-tuning plan needs a training job at the start and at every refresh, and the
  tuned model for the whole horizon. An offer already closed to this kind of customer on the
  decision day makes the strategy not possible; a model or offer that stops inside the horizon
  moves the plan to its successor that day, or ends it there (costing.schedule).
- Prices over time: where a model's prices change inside the horizon (price_changes), or a model
  moves to its successor, the horizon is cut into periods and each priced at its own rates
  (costing.schedule; rules.spent_in): the formula above holds within each period.
- Self-hosting: per-token rates are GPU time at the declared throughput; training bills GPU hours
  = billed tokens / training throughput; always-on replicas set an hourly floor.
- Batch APIs (50% off at OpenAI, Anthropic, Google) apply to augmentation when the scenario says
  it runs in batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from . import rag, rules, schedule
from .billing import (Component, CorpusStats, Models, PriceRef, StrategyCost, _ref, cacheable_prefix, hit_rate,
                      output_limit, prompt_limit, reasoning_tokens, request_rates, usd, write_multiplier)
from ..prices.book import AUDIENCE_WORDS, AUDIENCES, CacheOption, ModelPrice, Rates
from .scenario import Scenario

__all__ = ["Component", "CorpusStats", "Models", "PriceRef", "StrategyCost", "hit_rate", "strategy_cost", "tco_curve"]

GLOBAL_JOB_HOURS = 1.0  # Gemini explicit cache kept alive for one augmentation job


# ---------------------------------------------------------------- a prompt: ICL, RAG


@dataclass(frozen=True)
class Prompt:
    """A prompt as a fixed prefix a cache can hold and the rest, new with every query.

    ICL: the corpus, then the question. RAG: the system instructions, then the question and the
    chunks retrieved for it (which change per query, so no cache holds them).
    """

    strategy: str
    prefix: float
    rest: float
    prefix_name: str = "corpus"
    rest_name: str = "question"


def padded_sizes(model: ModelPrice, prefix_tokens: float) -> list[float]:
    """Prefix sizes worth pricing: as is, and padded up to where caching starts to pay.

    A prefix just below the provider's minimum cacheable size (1,024 tokens at OpenAI and
    Anthropic), or just short of the next 128-token block (OpenAI), can bill more than a slightly
    longer one. Padding is always possible, so the cost of a prefix is taken as the cheapest of
    these sizes; this also keeps cost non-decreasing in corpus size.
    """
    c = model.caching
    if not c.offered:
        return [prefix_tokens]
    return sorted({prefix_tokens, float(rules.padded_size(prefix_tokens, c.min_prefix_tokens, c.increment_tokens))})


def icl_cost(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """The corpus in every prompt, priced with each of the provider's cache options; the cheapest wins."""
    return prompt_cost(Prompt("icl", stats.tokens_for(models.icl, band), s.prompt_tokens), models.icl, s)


def prompt_cost(prompt: Prompt, model: ModelPrice, s: Scenario) -> StrategyCost:
    """A prompt sent with every query, priced without a cache and with each cache option the
    provider offers on its prefix (as is, and padded); the cheapest wins."""
    output = s.answer_tokens + reasoning_tokens(model, s)
    reason = prompt_limit(model, prompt.prefix + prompt.rest, output) or output_limit(model, output, model.max_output_tokens)
    if reason:
        return StrategyCost(prompt.strategy, s, feasible=False, reason=reason)
    variants = []
    for size in padded_sizes(model, prompt.prefix):
        if not prompt_limit(model, size + prompt.rest, output):
            padded = _variants(model, Prompt(prompt.strategy, size, prompt.rest, prompt.prefix_name, prompt.rest_name),
                               s, cached_only=size > prompt.prefix)
            for variant in padded if size > prompt.prefix else ():
                variant.notes.append(f"{prompt.prefix_name} prefix padded from {prompt.prefix:,.0f} to {size:,.0f} tokens "
                                     f"to be cacheable")
            variants += padded
    best = min(variants, key=lambda c: c.tco)
    others = sorted(variants, key=lambda c: c.tco)[1:]
    if others:
        best.notes.append(f"cheapest of {len(variants)} ways to send the {prompt.prefix_name}; the next "
                          f"({others[0].notes[0]}) costs ${others[0].tco:,.2f} over the horizon")
    best.components += _gpu_floor(model, best.per_query, s)
    return best


def _variants(model: ModelPrice, prompt: Prompt, s: Scenario, cached_only: bool = False) -> list[StrategyCost]:
    """The prompt priced without a cache and with each cache option the provider offers."""
    rates, tier = request_rates(model, prompt.prefix + prompt.rest)
    variants = [] if cached_only else [_uncached(model, rates, tier, prompt, s)]
    cached = cacheable_prefix(model, prompt.prefix)
    if not cached:
        return variants
    for index, option in enumerate(model.caching.options):
        if option.kind == "storage":
            variants.append(_storage_cache(model, option, index, rates, tier, prompt, s))
        else:
            variants.append(_ttl_cache(model, option, index, rates, tier, prompt, cached, s))
    return variants


def _output_component(model: ModelPrice, rates: Rates, tier: str, s: Scenario, fine_tuned: bool = False) -> Component:
    """Answer and reasoning tokens, both billed at the output rate."""
    prefix = "finetune." if fine_tuned else ""
    thinking = reasoning_tokens(model, s)
    tokens = s.answer_tokens + thinking
    detail = f"({s.answer_tokens:,} answer + {thinking:,} reasoning)" if thinking else f"{s.answer_tokens:,}"
    return Component(
        "answer + reasoning tokens" if thinking else "answer tokens", "per_query", usd(tokens, rates.output),
        f"{detail} × ${rates.output:g}/MTok",
        (_ref(model, f"{prefix}{tier}.output", rates.output),),
    )


def _uncached(model: ModelPrice, rates: Rates, tier: str, prompt: Prompt, s: Scenario) -> StrategyCost:
    cost = StrategyCost(prompt.strategy, s)
    tokens = prompt.prefix + prompt.rest
    label = f"{prompt.prefix_name} + {prompt.rest_name}" if prompt.prefix else prompt.rest_name
    cost.components = [
        Component(f"prompt: {label}", "per_query", usd(tokens, rates.input),
                  f"{tokens:,.0f} × ${rates.input:g}/MTok", (_ref(model, f"{tier}.input", rates.input),)),
        _output_component(model, rates, tier, s),
    ]
    cost.notes.append("without prompt caching")
    return cost


def _ttl_cache(model: ModelPrice, option: CacheOption, index: int, rates: Rates, tier: str, prompt: Prompt,
               cached: float, s: Scenario) -> StrategyCost:
    """An automatic, write or implicit cache option on the prompt's prefix."""
    cost = StrategyCost(prompt.strategy, s)
    h = hit_rate(model, option, s)
    mult = write_multiplier(model, option)
    miss_rate = rates.input * mult
    refs = [_ref(model, f"{tier}.input", rates.input), _ref(model, f"{tier}.cached_input", rates.cached_input)]
    miss_label = "input"
    if option.write_usd_per_mtok is not None:
        refs.append(_ref(model, option.field(index, "write_usd_per_mtok"), option.write_usd_per_mtok))
        miss_label = f"cache write {mult:g}× input"
    fresh = prompt.prefix + prompt.rest - cached
    cost.components = [
        Component(f"prompt: cached {prompt.prefix_name} prefix", "per_query",
                  float(rules.cached_prefix_usd(cached, h, rates.cached_input, miss_rate)),
                  f"{cached:,.0f} × (hit {h:.3f} × ${rates.cached_input:g} + miss {1 - h:.3f} × ${miss_rate:g} [{miss_label}])/MTok",
                  tuple(refs)),
        Component(f"prompt: uncached rest + {prompt.rest_name}", "per_query", usd(fresh, rates.input),
                  f"{fresh:,.0f} × ${rates.input:g}/MTok", (refs[0],)),
        _output_component(model, rates, tier, s),
    ]
    cost.notes.append(f"{option.kind} cache '{option.name}', hit rate {h:.3f} ({_hit_basis(option, s)})")
    return cost


def _hit_basis(option: CacheOption, s: Scenario) -> str:
    if s.cache_hit_rate is not None:
        return "given"
    arrivals = f"Poisson arrivals at {s.queries_per_day:,.0f}/day, TTL {option.ttl_minutes:g} min"
    if option.kind == "implicit":
        return f"{arrivals}, × assumed implicit hit rate {s.implicit_cache_hit_rate:g}"
    return arrivals


def _storage_cache(model: ModelPrice, option: CacheOption, index: int, rates: Rates, tier: str, prompt: Prompt,
                   s: Scenario) -> StrategyCost:
    """Gemini explicit cache held for the whole horizon, re-created at each refresh."""
    cost = StrategyCost(prompt.strategy, s)
    storage = option.storage_usd_per_mtok_hour
    prefix = prompt.prefix
    create = Component("cache creation", "one_time", usd(prefix, rates.input), f"{prefix:,.0f} × ${rates.input:g}/MTok",
                       (_ref(model, f"{tier}.input", rates.input),), setup=True)
    cost.components = [
        create,
        Component("cache re-creation", "per_refresh", create.usd, create.formula, create.prices),
        Component("cache storage", "per_hour", usd(prefix, storage), f"{prefix:,.0f} × ${storage:g}/MTok/hour",
                  (_ref(model, option.field(index, "storage_usd_per_mtok_hour"), storage, "USD per 1M tokens per hour"),)),
        Component(f"prompt: cached {prompt.prefix_name}", "per_query", usd(prefix, rates.cached_input),
                  f"{prefix:,.0f} × ${rates.cached_input:g}/MTok", (_ref(model, f"{tier}.cached_input", rates.cached_input),)),
        Component(f"prompt: {prompt.rest_name}", "per_query", usd(prompt.rest, rates.input),
                  f"{prompt.rest:,.0f} × ${rates.input:g}/MTok", (_ref(model, f"{tier}.input", rates.input),)),
        _output_component(model, rates, tier, s),
    ]
    cost.notes.append(f"storage cache '{option.name}' kept for the whole horizon")
    return cost


def _gpu_floor(model: ModelPrice, gpu_usd_per_query: float, s: Scenario) -> list[Component]:
    """Self-hosting: the always-on replicas' hours that the traffic's GPU time does not pay for."""
    gpu = model.gpu
    if gpu is None or not gpu.floor_usd_per_hour:
        return []
    top_up = float(rules.floor_top_up(gpu.floor_usd_per_hour, s.queries_per_day, gpu_usd_per_query))
    formula = (f"max(0, {gpu.always_on_replicas} × {gpu.count} × ${gpu.usd_per_hour:g}/h − "
               f"{s.queries_per_day:,.0f}/day × ${gpu_usd_per_query:.6f} ÷ 24)")
    return [Component("always-on GPU floor", "per_hour", top_up, formula,
                      (_ref(model, "gpu.usd_per_hour", gpu.usd_per_hour, "USD per GPU-hour"),))]


# ---------------------------------------------------------------- augmentation


@dataclass(frozen=True)
class Augmentation:
    """One augmentation pass: its cost and the training data it adds."""

    cost_usd: float
    formula: str
    prices: tuple[PriceRef, ...]
    added_tokens: float  # in the augmentation model's tokens
    added_examples: float
    feasible: bool = True
    reason: str = ""


def _batch(model: ModelPrice, s: Scenario) -> float:
    return (1.0 - model.batch_discount) if s.batch_augmentation else 1.0


def local_augmentation(stats: CorpusStats, model: ModelPrice, s: Scenario, band: int = 0) -> Augmentation:
    """One call per chunk (sentence): instructions + chunk in, `variants` rewrites of it out."""
    corpus = stats.tokens_for(model, band)
    calls = stats.chunks
    tokens_in = calls * s.local_prompt_tokens + corpus
    tokens_out = s.local_variants_per_chunk * corpus
    thinking = reasoning_tokens(model, s)
    billed_out = rules.billed_output_tokens(tokens_out, calls, thinking)
    rates = model.rates
    factor = _batch(model, s)
    total = (usd(tokens_in, rates.input) + usd(billed_out, rates.output)) * factor
    batch = f" × {factor:g} (batch)" if factor != 1.0 else ""
    formula = (f"{calls:,} calls: ({tokens_in:,.0f} in × ${rates.input:g} + {_out_text(tokens_out, calls, thinking)} "
               f"× ${rates.output:g})/MTok{batch}")
    prices = (_ref(model, "usd_per_mtok.input", rates.input), _ref(model, "usd_per_mtok.output", rates.output))
    return Augmentation(total, formula, prices, tokens_out, calls * s.local_variants_per_chunk)


def _out_text(generated: float, calls: int, thinking: int) -> str:
    """'40,000 out', or '(40,000 + 500 × 1,024 reasoning) out' where each call also reasons."""
    if not thinking:
        return f"{generated:,.0f} out"
    return f"({generated:,.0f} + {calls:,} × {thinking:,} reasoning) out"


def global_augmentation(stats: CorpusStats, model: ModelPrice, s: Scenario, band: int = 0) -> Augmentation:
    """One call per document: instructions + whole corpus (a shared, cached prefix) + the document in,
    inferences linking it to the rest out. The calls run back to back, so the first writes the
    cache and the others read it."""
    corpus = stats.tokens_for(model, band)
    prefix = s.global_prompt_tokens + corpus
    out = s.global_tokens_per_doc + reasoning_tokens(model, s)  # each call reasons, like a query
    longest = prefix + stats.max_doc_for(model, band)
    reason = prompt_limit(model, longest, out) or output_limit(model, out, model.max_output_tokens)
    if reason:
        return Augmentation(0.0, "", (), 0.0, 0.0, False, f"global augmentation: {reason}")
    runs = [_global_run(stats, model, s, size, corpus, longest - prefix + size)
            for size in padded_sizes(model, prefix) if not prompt_limit(model, longest - prefix + size, out)]
    return min(runs, key=lambda a: a.cost_usd)


def _global_run(stats: CorpusStats, model: ModelPrice, s: Scenario, prefix: float, corpus: float, longest: float) -> Augmentation:
    docs, out = stats.documents, s.global_tokens_per_doc
    rates, tier = request_rates(model, longest)
    cached = cacheable_prefix(model, prefix)
    shared, refs, label = _global_prefix_cost(model, rates, tier, prefix, cached, docs, s)
    total_in = shared + usd(corpus, rates.input)  # + every document once, as the suffix
    factor = _batch(model, s)
    thinking = reasoning_tokens(model, s)
    total = (total_in + usd(rules.billed_output_tokens(docs * out, docs, thinking), rates.output)) * factor
    formula = (f"{docs:,} calls over a {prefix:,.0f}-token prefix ({label}) + {corpus:,.0f} document tokens in, "
               f"{_out_text(docs * out, docs, thinking)} × ${rates.output:g}/MTok"
               + (f" × {factor:g} (batch)" if factor != 1.0 else ""))
    refs = refs + (_ref(model, f"{tier}.output", rates.output),)
    examples = docs * out / s.global_tokens_per_inference  # one training example per inference
    return Augmentation(total, formula, refs, docs * out, examples)


def _global_prefix_cost(model: ModelPrice, rates: Rates, tier: str, prefix: float, cached: float, docs: int, s: Scenario):
    """The shared prefix over all calls, the cheapest way: (USD, price refs, label).

    Back-to-back calls keep a cache warm, so after the first call every call reads it (implicit
    caching: with the assumed hit rate); what the cached part costs the first time depends on the
    option (a write, plain input, or creation plus an hour of storage).
    """
    base = (_ref(model, f"{tier}.input", rates.input),)
    ways = [(usd(docs * prefix, rates.input), base, "uncached")]
    if not cached:
        return ways[0]
    read = (_ref(model, f"{tier}.cached_input", rates.cached_input),)
    tail = usd(docs * (prefix - cached), rates.input)
    for index, option in enumerate(model.caching.options):
        first, rest, refs = _global_option(model, option, index, rates, cached, docs, s)
        ways.append((first + rest + tail, base + read + refs, f"{option.kind} cache '{option.name}'"))
    return min(ways, key=lambda way: way[0])


def _global_option(model: ModelPrice, option: CacheOption, index: int, rates: Rates, cached: float, docs: int, s: Scenario):
    """(first call's cached part, the other calls' cached parts, extra price refs) under one option."""
    reads = usd((docs - 1) * cached, rates.cached_input)
    if option.kind == "storage":
        storage = option.storage_usd_per_mtok_hour
        ref = _ref(model, option.field(index, "storage_usd_per_mtok_hour"), storage, "USD per 1M tokens per hour")
        return usd(cached, rates.input) + usd(cached, storage) * GLOBAL_JOB_HOURS, reads, (ref,)
    if option.kind == "implicit":
        p = s.implicit_cache_hit_rate
        return usd(cached, rates.input), float(rules.cached_prefix_usd((docs - 1) * cached, p, rates.cached_input, rates.input)), ()
    first = usd(cached, rates.input * write_multiplier(model, option))
    refs = (_ref(model, option.field(index, "write_usd_per_mtok"), option.write_usd_per_mtok),) if option.write_usd_per_mtok is not None else ()
    return first, reads, refs


# ---------------------------------------------------------------- fine-tuning


def training_run(model: ModelPrice, train_tokens: float, s: Scenario) -> tuple[float, str, tuple[PriceRef, ...]]:
    """One training job: billed tokens = training-file tokens × epochs (+ validation × epochs)."""
    ft = model.finetune
    billed = train_tokens * s.epochs
    detail = f"{train_tokens:,.0f} tokens × {s.epochs} epochs"
    if ft.billing == "tokens_x_epochs_plus_validation" and s.validation_fraction:
        validation = train_tokens * s.validation_fraction / (1 - s.validation_fraction) * s.epochs
        billed += validation
        detail += f" + {validation:,.0f} validation tokens"
    amount = usd(billed, ft.training_usd_per_mtok)
    refs = (_ref(model, "finetune.training_usd_per_mtok", ft.training_usd_per_mtok),)
    if ft.billing == "gpu_hours":  # self-hosted: GPU hours = billed tokens / training throughput
        gpu = model.gpu
        hours = billed / gpu.training_tokens_per_second / 3600.0
        refs = (_ref(model, "gpu.usd_per_hour", gpu.usd_per_hour, "USD per GPU-hour"),)
        detail += f" ÷ {gpu.training_tokens_per_second:g} tokens/s = {hours:,.2f} h × {gpu.count} × ${gpu.usd_per_hour:g}/GPU-hour"
    if amount < ft.min_training_usd:
        return ft.min_training_usd, f"{detail}: provider minimum ${ft.min_training_usd:g} per job", refs
    if ft.billing == "gpu_hours":
        return amount, detail, refs
    return amount, f"{detail} × ${ft.training_usd_per_mtok:g}/MTok", refs


def offer_closed(model: ModelPrice, s: Scenario, day: dt.date) -> str:
    """Why the fine-tuning plan cannot start on the decision day ('' when it can): the offer takes
    no new training jobs from this customer, or no longer serves tuned models. A stop inside the
    horizon moves the plan to the successor, or ends it there (schedule.timeline); "or later"
    dates read as stated (scenario.lifecycle_dates) stop nothing."""
    life = model.finetune.lifecycle
    if life.dates_are_earliest and s.lifecycle_dates == "stated":
        return ""
    source = f" ({life.source})" if life.source else ""
    closed = life.closed_on(day)
    if closed is not None and s.finetune_customer in AUDIENCES[closed.audience]:
        # named by the widest audience it closed to: "for everyone", not just "for new customers"
        own = life.training_stop(s.finetune_customer)
        earlier = (f" (for {AUDIENCE_WORDS[own.audience]} since {own.date})"
                   if own is not None and own.date < closed.date else "")
        served = (f" and tuned models stopped serving on {life.serving_stops}"
                  if life.serving_stops is not None and life.serving_stops <= day else "")
        return (f"{model.name} fine-tuning takes no new training jobs for {AUDIENCE_WORDS[closed.audience]} "
                f"since {closed.date}{earlier}{served}{source}")
    stop = life.training_stop(s.finetune_customer)
    if stop is not None and stop.date <= day:
        return f"{model.name} fine-tuning takes no new training jobs for {AUDIENCE_WORDS[stop.audience]} since {stop.date}{source}"
    if life.serving_stops is not None and life.serving_stops <= day:
        return f"fine-tuned {model.name} models stopped serving on {life.serving_stops}{source}"
    return ""


def finetune_cost(strategy: str, stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """Fine-tuning on the sentence-split corpus (plus local or global augmentation), the tuned model
    answering each question alone, or with retrieved chunks (finetune+rag)."""
    model = models.finetune
    cost = StrategyCost(strategy, s)
    retrieved = 0.0
    reason = rag.unavailable(models, s, stats, band) if strategy == "finetune+rag" else ""
    if strategy == "finetune+rag" and not reason:
        retrieved = rag.retrieved_tokens(stats, models, s, model, band)
    reason = reason or _finetune_infeasible(model, s, models.day, retrieved)
    if reason:
        cost.feasible, cost.reason = False, reason
        return cost
    corpus = stats.tokens_for(model, band)
    examples = float(stats.chunks)
    added_tokens, added_examples = 0.0, 0.0
    if strategy in ("finetune+local", "finetune+global"):
        aug = _augment(strategy, stats, models.augment, s, band)
        if not aug.feasible:
            cost.feasible, cost.reason = False, aug.reason
            return cost
        cost.components += _augmentation_components(strategy, aug, s)
        scale = stats.tokens_for(model, band) / max(stats.tokens_for(models.augment, band), 1.0)
        added_tokens, added_examples = aug.added_tokens * scale, aug.added_examples
    train_tokens = corpus + added_tokens + (examples + added_examples) * s.example_overhead_tokens
    amount, detail, refs = training_run(model, train_tokens, s)
    cost.components += [
        Component("training", "one_time", amount, detail, refs, setup=True),
        Component("retraining", "per_refresh", amount, detail, refs),
    ]
    if s.training_job_usd:
        fixed = f"${s.training_job_usd:,.2f} per job (assumption: evaluation and deployment work)"
        cost.components += [Component("training job work", "one_time", s.training_job_usd, fixed, setup=True),
                            Component("retraining job work", "per_refresh", s.training_job_usd, fixed)]
    cost.components += _finetuned_serving(model, s, retrieved)
    cost.notes.append(f"training file: {examples + added_examples:,.0f} examples (sentence-split), {train_tokens:,.0f} tokens")
    if strategy == "finetune+rag":
        cost.components = rag.components(stats, models, s, band) + cost.components
        cost.notes.append(_retrieval_note(stats, models, s, retrieved, band))
    return cost


def _finetune_infeasible(model: ModelPrice, s: Scenario, day: dt.date, retrieved: float = 0.0) -> str:
    ft = model.finetune
    if ft is None:
        return f"{model.name} has no fine-tuning price in the loaded tables"
    if ft.missing_hosting():
        return (f"{model.name} serves fine-tuned models only on capacity billed per hour ({ft.serving}), and that "
                f"hourly price is not in {model.file}: add hosting_usd_per_hour with --pricing")
    output = s.answer_tokens + reasoning_tokens(model, s)
    return (offer_closed(model, s, day) or prompt_limit(model, s.prompt_tokens + retrieved, output)
            or output_limit(model, output, ft.max_output_tokens or model.max_output_tokens, " (fine-tuned)"))


def _augment(strategy: str, stats: CorpusStats, model: ModelPrice, s: Scenario, band: int) -> Augmentation:
    return (local_augmentation if strategy == "finetune+local" else global_augmentation)(stats, model, s, band)


def _augmentation_components(strategy: str, aug: Augmentation, s: Scenario) -> list[Component]:
    # At a refresh, local augmentation re-runs on the changed chunks only; global augmentation
    # re-runs on every document, since each inference links a document to the whole corpus.
    share = s.refresh_changed_fraction if strategy == "finetune+local" else 1.0
    label = "local augmentation" if strategy == "finetune+local" else "global augmentation"
    return [
        Component(label, "one_time", aug.cost_usd, aug.formula, aug.prices),
        Component(f"re-{label}", "per_refresh", aug.cost_usd * share,
                  f"{share:g} × one-time {label}", aug.prices),
    ]


def _finetuned_serving(model: ModelPrice, s: Scenario, retrieved: float = 0.0) -> list[Component]:
    """The tuned model's queries (with `retrieved` chunk tokens in each prompt for finetune+rag),
    and what it bills by the hour."""
    ft = model.finetune
    rates = ft.rates
    prompt = s.prompt_tokens + retrieved
    label = "question + retrieved chunks" if retrieved else "question"
    parts = [
        Component(f"prompt: {label} (fine-tuned model)", "per_query", usd(prompt, rates.input),
                  f"{prompt:,.0f} × ${rates.input:g}/MTok", (_ref(model, "finetune.usd_per_mtok.input", rates.input),)),
        _output_component(model, rates, "usd_per_mtok", s, fine_tuned=True),
    ]
    if ft.hosting_usd_per_hour:
        parts.append(Component("hosting", "per_hour", ft.hosting_usd_per_hour, f"${ft.hosting_usd_per_hour:g}/hour",
                               (_ref(model, "finetune.hosting_usd_per_hour", ft.hosting_usd_per_hour, "USD per hour"),)))
    if ft.storage_usd_per_month:
        hourly = ft.storage_usd_per_month / rules.HOURS_PER_MONTH
        parts.append(Component("model storage", "per_hour", hourly,
                               f"${ft.storage_usd_per_month:g}/month ÷ {rules.HOURS_PER_MONTH:g} h",
                               (_ref(model, "finetune.storage_usd_per_month", ft.storage_usd_per_month, "USD per month"),)))
    if ft.serving == "self_hosted":
        parts += _gpu_floor(model, sum(p.usd for p in parts[:2]), s)
    return parts


# ---------------------------------------------------------------- all strategies


def rag_cost(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """The top-k chunks retrieved for each question, in a prompt after a cacheable system prefix
    (priced like ICL's, every cache option and none), plus embedding, index and reranking."""
    reason = rag.unavailable(models, s, stats, band)
    if reason:
        return StrategyCost("rag", s, feasible=False, reason=reason)
    model = models.icl
    retrieved = rag.retrieved_tokens(stats, models, s, model, band)
    rest = s.prompt_tokens - s.system_prompt_tokens + retrieved
    cost = prompt_cost(Prompt("rag", s.system_prompt_tokens, rest, "system", "question + retrieved chunks"), model, s)
    if cost.feasible:
        cost.components = rag.components(stats, models, s, band) + cost.components
        cost.notes.append(_retrieval_note(stats, models, s, retrieved, band))
    return cost


def _retrieval_note(stats: CorpusStats, models: Models, s: Scenario, retrieved: float, band: int) -> str:
    chunks = rag.chunks_of(stats, models, s, band)
    index = models.vector_store.name if models.vector_store else "a self-hosted index"
    rerank = f", reranked by {models.reranker.name} from {s.rerank_candidates}" if models.reranker else ""
    embedder = f"embedded by {index} at no separate charge" if rag.store_embeds(models) else models.embedding.name
    return (f"retrieval: top {s.top_k} of {chunks.count:,.0f} chunks ({s.chunk_tokens:,} tokens, {s.chunk_overlap_tokens:,} "
            f"overlap; {embedder}, {index}{rerank}): {retrieved:,.0f} tokens per prompt")


def strategy_cost(strategy: str, stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """The strategy over the horizon, at the prices in force each day and on the successor of a
    model that stops inside it (schedule.timeline)."""
    line = schedule.timeline(strategy, models, s.horizon_days, reading(s))
    if line.simple:
        return _period_cost(strategy, stats, line.periods[0].models, s, band)
    costs = [_period_cost(strategy, stats, p.models, s, band) for p in line.periods]
    refused = next((i for i, c in enumerate(costs) if not c.feasible), None)
    if refused is not None:
        cost = costs[refused]
        if refused:
            cost.reason = f"from {models.day + dt.timedelta(days=line.periods[refused].start)}, " \
                          f"{schedule.describe(line.periods[refused])}: {cost.reason}"
        return cost
    cost = schedule.combine(strategy, line, costs)
    return cost if line.until is None else _partial(cost, line, models.day)


def reading(s: Scenario) -> schedule.Reading:
    """What the timeline reads from the scenario (the last training job: rules.last_training_day)."""
    return schedule.Reading(s.finetune_customer, s.lifecycle_dates, float(rules.last_training_day(s.horizon_days, s.refresh_days)),
                            s.lifecycle_delay_days)


def _partial(cost: StrategyCost, line: schedule.Timeline, day: dt.date) -> StrategyCost:
    """A plan that can run only until `line.until`: refused with its cost to then, or, where the
    scenario allows partial plans, priced for the days it runs."""
    s = cost.scenario
    until = day + dt.timedelta(days=line.until)
    cost.possible_until = until
    what = (f"only possible until {until}, not for the whole {s.horizon_days:g}-day horizon (to "
            f"{day + dt.timedelta(days=s.horizon_days)}): {line.why}")
    if not s.allow_partial:
        return StrategyCost(cost.strategy, s, feasible=False, possible_until=until,
                            reason=f"{what} (--allow-partial weighs it for the days it runs)",
                            notes=[f"costs ${cost.tco:,.2f} until {until}, the days it can run"])
    cost.notes.insert(0, f"{what}: priced for the {line.until:g} days it runs (--allow-partial)")
    return cost


def _period_cost(strategy: str, stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """The strategy at one set of prices, as if they held for the whole horizon."""
    if strategy == "icl":
        return icl_cost(stats, models, s, band)
    if strategy == "rag":
        return rag_cost(stats, models, s, band)
    return finetune_cost(strategy, stats, models, s, band)


def tco_curve(strategy: str, stats: CorpusStats, models: Models, s: Scenario) -> Callable[[float], float]:
    """TCO as a function of queries per day, everything else held fixed."""
    return lambda q: strategy_cost(strategy, stats, models, s.with_volume(q)).tco
