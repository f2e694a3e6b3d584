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
- OpenAI automatic prompt caching: prompts of at least 1,024 tokens; the cached prefix grows in
  128-token increments; hits bill the cached part at the cached-input rate; no write surcharge.
- Anthropic explicit caching (explicit_ttl): a miss writes the prefix at the cache-write rate
  (1.25× input for the 5-minute TTL), a hit reads it at the cached rate (0.1× input); each hit
  refreshes the TTL.
- Gemini explicit caching (explicit_storage): a cache created once (billed as input) and kept
  for the horizon bills storage per token-hour; hits bill the cached-input rate. adaptcost prices
  ICL both with and without it and keeps the cheaper.
- Fine-tuning: billed training tokens = tokens in the training file × epochs (OpenAI, Vertex,
  Mistral, Azure), plus validation tokens × epochs where the provider bills them (Together);
  a provider minimum per job applies. Fine-tuned inference bills the fine-tuned model's rates.
  Hosting (Azure OpenAI deployments, Bedrock provisioned throughput) bills every hour, used or not.
- Batch APIs (50% off at OpenAI, Anthropic, Google) apply to augmentation when the scenario says
  it runs in batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from .pricing import MTOK, ModelPrice, Rates
from .scenario import STRATEGIES, Scenario

CACHE_INCREMENT_TOKENS = 128  # OpenAI: cached prefixes grow in 128-token steps
GLOBAL_JOB_HOURS = 1.0  # Gemini explicit cache kept alive for one augmentation job


@dataclass(frozen=True)
class PriceRef:
    """One price used in a figure, with where it came from."""

    model: str
    field: str
    usd_per_unit: float
    unit: str
    as_of: str
    source: str
    file: str
    verified: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Component:
    label: str
    kind: str  # one_time | per_refresh | per_query | per_hour
    usd: float
    formula: str
    prices: tuple[PriceRef, ...] = ()


@dataclass(frozen=True)
class CorpusStats:
    """What the cost model needs to know of the corpus (exact counts per encoding)."""

    tokens: dict[str, int]
    max_doc_tokens: dict[str, int]
    documents: int
    chunks: int

    def tokens_for(self, model: ModelPrice, band: int = 0) -> float:
        """Corpus tokens in `model`'s tokenizer; band −1/+1 gives an estimate's error bounds."""
        return self.tokens[model.tokenizer.encoding] * _factor(model, band)

    def max_doc_for(self, model: ModelPrice, band: int = 0) -> float:
        return self.max_doc_tokens[model.tokenizer.encoding] * _factor(model, band)


def _factor(model: ModelPrice, band: int) -> float:
    spec = model.tokenizer
    return 1.0 if spec.exact else spec.ratio * (1.0 + band * spec.error)


@dataclass(frozen=True)
class Models:
    icl: ModelPrice
    finetune: ModelPrice
    augment: ModelPrice


@dataclass
class StrategyCost:
    strategy: str
    scenario: Scenario
    feasible: bool = True
    reason: str = ""
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def total(self, kind: str) -> float:
        return sum(c.usd for c in self.components if c.kind == kind)

    @property
    def one_time(self) -> float:
        return self.total("one_time")

    @property
    def per_refresh(self) -> float:
        return self.total("per_refresh")

    @property
    def per_query(self) -> float:
        return self.total("per_query")

    @property
    def per_hour(self) -> float:
        return self.total("per_hour")

    @property
    def tco(self) -> float:
        s = self.scenario
        return (
            self.one_time
            + s.refreshes * self.per_refresh
            + s.queries_per_day * s.horizon_days * self.per_query
            + s.hours * self.per_hour
        )

    @property
    def amortized_per_query(self) -> float | None:
        queries = self.scenario.queries_per_day * self.scenario.horizon_days
        return self.tco / queries if queries > 0 else None

    def prices(self) -> list[PriceRef]:
        seen: dict[tuple, PriceRef] = {}
        for c in self.components:
            for p in c.prices:
                seen[(p.model, p.field)] = p
        return list(seen.values())


# ---------------------------------------------------------------- prices


def _ref(model: ModelPrice, field_name: str, usd: float, unit: str = "USD per 1M tokens") -> PriceRef:
    source, as_of, verified = model.source, model.as_of, model.verified
    if field_name.startswith("finetune.") and model.finetune is not None:
        source, as_of, verified = model.finetune.source, model.finetune.as_of, model.finetune.verified
    return PriceRef(model.name, field_name, usd, unit, as_of.isoformat(), source, model.file, verified)


def usd(tokens: float, rate_per_mtok: float) -> float:
    """Provider rule: prices are per 1M tokens."""
    return tokens * rate_per_mtok / MTOK


def request_rates(model: ModelPrice, prompt_tokens: float) -> tuple[Rates, str]:
    """The rates a request bills at: the long-context tier's for the whole request past its threshold."""
    tier = model.long_context
    if tier is not None and prompt_tokens > tier.threshold_tokens:
        return tier.rates, "long_context.usd_per_mtok"
    return model.rates, "usd_per_mtok"


def hit_rate(model: ModelPrice, scenario: Scenario) -> float:
    """Share of queries finding a warm cache.

    Given by the scenario, or derived assuming Poisson arrivals at q per day: a query hits when the
    previous one came less than one TTL earlier, P = 1 − exp(−q × TTL / 1440 min). Each hit
    refreshes the TTL (Anthropic's rule; OpenAI keeps caches 5–10 minutes idle).
    """
    if scenario.cache_hit_rate is not None:
        return scenario.cache_hit_rate
    per_minute = scenario.queries_per_day / 1440.0
    return 1.0 - math.exp(-per_minute * model.caching.ttl_minutes)


def cacheable_prefix(model: ModelPrice, prefix_tokens: float) -> float:
    """Tokens of the prefix a cache hit covers (0 when below the provider's minimum)."""
    caching = model.caching
    if caching.kind == "none" or prefix_tokens < caching.min_prefix_tokens:
        return 0.0
    if caching.kind == "automatic":
        return math.floor(prefix_tokens / CACHE_INCREMENT_TOKENS) * CACHE_INCREMENT_TOKENS
    return prefix_tokens


def write_multiplier(model: ModelPrice) -> float:
    """Cache-write price as a multiple of the base input price (applied to tier prices too)."""
    write = model.caching.write_price()
    return write / model.rates.input if write is not None and model.rates.input else 1.0


# ---------------------------------------------------------------- ICL


def padded_sizes(model: ModelPrice, prefix_tokens: float) -> list[float]:
    """Prefix sizes worth pricing: as is, and padded up to where caching starts to pay.

    A prefix just below the provider's minimum cacheable size (1,024 tokens at OpenAI and
    Anthropic), or just short of the next 128-token block (OpenAI), can bill more than a slightly
    longer one. Padding is always possible, so the cost of a prefix is taken as the cheapest of
    these sizes; this also keeps cost non-decreasing in corpus size.
    """
    caching = model.caching
    if caching.kind == "none":
        return [prefix_tokens]
    sizes = [prefix_tokens]
    if prefix_tokens < caching.min_prefix_tokens:
        sizes.append(float(caching.min_prefix_tokens))
    elif caching.kind == "automatic":
        sizes.append(math.ceil(prefix_tokens / CACHE_INCREMENT_TOKENS) * CACHE_INCREMENT_TOKENS)
    return sorted(set(sizes))


def icl_cost(stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    """The corpus in every prompt, priced with the provider's prompt caching (the cheapest way)."""
    model = models.icl
    corpus = stats.tokens_for(model, band)
    reason = _icl_infeasible(model, corpus, s)
    if reason:
        return StrategyCost("icl", s, feasible=False, reason=reason)
    variants = []
    for size in padded_sizes(model, corpus):
        if size + s.prompt_tokens + s.answer_tokens <= model.context_window_tokens:
            padded = _icl_variants(model, size, s, cached_only=size > corpus)
            for variant in padded if size > corpus else ():
                variant.notes.append(f"corpus prefix padded from {corpus:,.0f} to {size:,.0f} tokens to be cacheable")
            variants += padded
    best = min(variants, key=lambda c: c.tco)
    others = [v.tco for v in variants if v is not best]
    if others:
        best.notes.append(f"cheapest of {len(variants)} ways to send the corpus; the next costs ${min(others):,.2f} over the horizon")
    return best


def _icl_infeasible(model: ModelPrice, corpus: float, s: Scenario) -> str:
    if corpus + s.prompt_tokens + s.answer_tokens > model.context_window_tokens:
        return (f"corpus ({corpus:,.0f}) + prompt + answer tokens exceed {model.name}'s context window "
                f"of {model.context_window_tokens:,} tokens")
    if model.max_output_tokens and s.answer_tokens > model.max_output_tokens:
        return f"answers exceed {model.name}'s max output of {model.max_output_tokens:,} tokens"
    return ""


def _icl_variants(model: ModelPrice, corpus: float, s: Scenario, cached_only: bool = False) -> list[StrategyCost]:
    """ICL priced without a cache and, where the provider offers one, with it."""
    rates, tier = request_rates(model, corpus + s.prompt_tokens)
    variants = [] if cached_only else [_icl_uncached(model, rates, tier, corpus, s)]
    cached = cacheable_prefix(model, corpus)
    if cached and model.caching.kind in ("automatic", "explicit_ttl"):
        variants.append(_icl_ttl_cache(model, rates, tier, corpus, cached, s))
    elif cached and model.caching.kind == "explicit_storage":
        variants.append(_icl_storage_cache(model, rates, tier, corpus, s))
    return variants


def _output_component(model: ModelPrice, rates: Rates, tier: str, s: Scenario, fine_tuned: bool = False) -> Component:
    prefix = "finetune." if fine_tuned else ""
    return Component(
        "answer tokens", "per_query", usd(s.answer_tokens, rates.output),
        f"{s.answer_tokens:,} × ${rates.output:g}/MTok",
        (_ref(model, f"{prefix}{tier}.output", rates.output),),
    )


def _icl_uncached(model: ModelPrice, rates: Rates, tier: str, corpus: float, s: Scenario) -> StrategyCost:
    cost = StrategyCost("icl", s)
    prompt = corpus + s.prompt_tokens
    cost.components = [
        Component("prompt: corpus + question", "per_query", usd(prompt, rates.input),
                  f"{prompt:,.0f} × ${rates.input:g}/MTok", (_ref(model, f"{tier}.input", rates.input),)),
        _output_component(model, rates, tier, s),
    ]
    cost.notes.append("without prompt caching")
    return cost


def _icl_ttl_cache(model: ModelPrice, rates: Rates, tier: str, corpus: float, cached: float, s: Scenario) -> StrategyCost:
    """Automatic (OpenAI) or explicit-TTL (Anthropic) caching of the corpus prefix."""
    cost = StrategyCost("icl", s)
    h = hit_rate(model, s)
    fresh = corpus + s.prompt_tokens - cached
    miss_rate_for_prefix = rates.input * (write_multiplier(model) if model.caching.kind == "explicit_ttl" else 1.0)
    refs = [_ref(model, f"{tier}.input", rates.input), _ref(model, f"{tier}.cached_input", rates.cached_input)]
    miss_label = "input"
    if model.caching.kind == "explicit_ttl":
        refs.append(_ref(model, "caching.writes[0]", model.caching.write_price() or rates.input))
        miss_label = f"cache write {write_multiplier(model):g}× input"
    prefix_usd = h * usd(cached, rates.cached_input) + (1 - h) * usd(cached, miss_rate_for_prefix)
    cost.components = [
        Component("prompt: cached corpus prefix", "per_query", prefix_usd,
                  f"{cached:,.0f} × (hit {h:.3f} × ${rates.cached_input:g} + miss {1 - h:.3f} × ${miss_rate_for_prefix:g} [{miss_label}])/MTok",
                  tuple(refs)),
        Component("prompt: uncached rest + question", "per_query", usd(fresh, rates.input),
                  f"{fresh:,.0f} × ${rates.input:g}/MTok", (refs[0],)),
        _output_component(model, rates, tier, s),
    ]
    how = "given" if s.cache_hit_rate is not None else f"from Poisson arrivals at {s.queries_per_day:,.0f}/day, TTL {model.caching.ttl_minutes:g} min"
    cost.notes.append(f"{model.caching.kind} prompt caching, hit rate {h:.3f} ({how})")
    return cost


def _icl_storage_cache(model: ModelPrice, rates: Rates, tier: str, corpus: float, s: Scenario) -> StrategyCost:
    """Gemini explicit cache held for the whole horizon, re-created at each refresh."""
    cost = StrategyCost("icl", s)
    storage = model.caching.storage_usd_per_mtok_hour
    cost.components = [
        Component("cache creation", "one_time", usd(corpus, rates.input), f"{corpus:,.0f} × ${rates.input:g}/MTok",
                  (_ref(model, f"{tier}.input", rates.input),)),
        Component("cache re-creation", "per_refresh", usd(corpus, rates.input), f"{corpus:,.0f} × ${rates.input:g}/MTok",
                  (_ref(model, f"{tier}.input", rates.input),)),
        Component("cache storage", "per_hour", usd(corpus, storage), f"{corpus:,.0f} × ${storage:g}/MTok/hour",
                  (_ref(model, "caching.storage_usd_per_mtok_hour", storage, "USD per 1M tokens per hour"),)),
        Component("prompt: cached corpus", "per_query", usd(corpus, rates.cached_input),
                  f"{corpus:,.0f} × ${rates.cached_input:g}/MTok", (_ref(model, f"{tier}.cached_input", rates.cached_input),)),
        Component("prompt: question", "per_query", usd(s.prompt_tokens, rates.input),
                  f"{s.prompt_tokens:,} × ${rates.input:g}/MTok", (_ref(model, f"{tier}.input", rates.input),)),
        _output_component(model, rates, tier, s),
    ]
    cost.notes.append("with an explicit context cache kept for the whole horizon")
    return cost


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
    rates = model.rates
    factor = _batch(model, s)
    total = (usd(tokens_in, rates.input) + usd(tokens_out, rates.output)) * factor
    batch = f" × {factor:g} (batch)" if factor != 1.0 else ""
    formula = (f"{calls:,} calls: ({tokens_in:,.0f} in × ${rates.input:g} + {tokens_out:,.0f} out × ${rates.output:g})/MTok{batch}")
    prices = (_ref(model, "usd_per_mtok.input", rates.input), _ref(model, "usd_per_mtok.output", rates.output))
    return Augmentation(total, formula, prices, tokens_out, calls * s.local_variants_per_chunk)


def global_augmentation(stats: CorpusStats, model: ModelPrice, s: Scenario, band: int = 0) -> Augmentation:
    """One call per document: instructions + whole corpus (a shared, cached prefix) + the document in,
    inferences linking it to the rest out. The calls run back to back, so the first writes the
    cache and the others read it."""
    corpus = stats.tokens_for(model, band)
    prefix = s.global_prompt_tokens + corpus
    out = s.global_tokens_per_doc
    longest = prefix + stats.max_doc_for(model, band)
    if longest + out > model.context_window_tokens or (model.max_output_tokens and out > model.max_output_tokens):
        reason = (f"the corpus ({corpus:,.0f} tokens) + one document + {out:,} output tokens do not fit "
                  f"{model.name}'s context window of {model.context_window_tokens:,}")
        return Augmentation(0.0, "", (), 0.0, 0.0, False, reason)
    runs = [_global_run(stats, model, s, size, corpus, longest - prefix + size)
            for size in padded_sizes(model, prefix) if longest - prefix + size + out <= model.context_window_tokens]
    return min(runs, key=lambda a: a.cost_usd)


def _global_run(stats: CorpusStats, model: ModelPrice, s: Scenario, prefix: float, corpus: float, longest: float) -> Augmentation:
    docs, out = stats.documents, s.global_tokens_per_doc
    rates, tier = request_rates(model, longest)
    cached = cacheable_prefix(model, prefix)
    first, rest, refs, label = _global_prefix_cost(model, rates, tier, prefix, cached, docs)
    tail = usd(docs * (prefix - cached), rates.input) if cached else 0.0
    total_in = first + rest + tail + usd(corpus, rates.input)  # + every document once, as the suffix
    factor = _batch(model, s)
    total = (total_in + usd(docs * out, rates.output)) * factor
    formula = (f"{docs:,} calls over a {prefix:,.0f}-token prefix ({label}) + {corpus:,.0f} document tokens in, "
               f"{docs * out:,} out × ${rates.output:g}/MTok" + (f" × {factor:g} (batch)" if factor != 1.0 else ""))
    refs = refs + (_ref(model, f"{tier}.output", rates.output),)
    examples = docs * out / s.global_tokens_per_inference  # one training example per inference
    return Augmentation(total, formula, refs, docs * out, examples)


def _global_prefix_cost(model, rates: Rates, tier: str, prefix: float, cached: float, docs: int):
    """Cost of the shared prefix over all calls: (first call, the others, price refs, label)."""
    base = (_ref(model, f"{tier}.input", rates.input),)
    if not cached:
        return usd(prefix, rates.input), usd((docs - 1) * prefix, rates.input), base, "uncached"
    reads = usd((docs - 1) * cached, rates.cached_input)
    refs = base + (_ref(model, f"{tier}.cached_input", rates.cached_input),)
    kind = model.caching.kind
    if kind == "explicit_ttl":
        write = usd(cached, rates.input * write_multiplier(model))
        return write, reads, refs + (_ref(model, "caching.writes[0]", model.caching.write_price() or 0.0),), "1 cache write, then reads"
    if kind == "explicit_storage":
        hold = usd(cached, model.caching.storage_usd_per_mtok_hour) * GLOBAL_JOB_HOURS
        storage = _ref(model, "caching.storage_usd_per_mtok_hour", model.caching.storage_usd_per_mtok_hour, "USD per 1M tokens per hour")
        return usd(cached, rates.input) + hold, reads, refs + (storage,), f"cache created once, held {GLOBAL_JOB_HOURS:g} h"
    return usd(cached, rates.input), reads, refs, "first call full price, then cached reads"


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
    if amount < ft.min_training_usd:
        return ft.min_training_usd, f"{detail}: provider minimum ${ft.min_training_usd:g} per job", refs
    return amount, f"{detail} × ${ft.training_usd_per_mtok:g}/MTok", refs


def finetune_cost(strategy: str, stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    model = models.finetune
    cost = StrategyCost(strategy, s)
    if model.finetune is None:
        cost.feasible, cost.reason = False, f"{model.name} has no fine-tuning price in the loaded tables"
        return cost
    if model.finetune.missing_hosting():
        cost.feasible, cost.reason = False, (
            f"{model.name} serves fine-tuned models only on provisioned capacity billed per hour, and that "
            f"hourly price is not in {model.file}: add hosting_usd_per_hour with --pricing")
        return cost
    corpus = stats.tokens_for(model, band)
    examples = float(stats.chunks)
    added_tokens, added_examples = 0.0, 0.0
    if strategy != "finetune":
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
        Component("training", "one_time", amount, detail, refs),
        Component("retraining", "per_refresh", amount, detail, refs),
    ]
    cost.components += _finetuned_serving(model, s)
    cost.notes.append(f"training file: {examples + added_examples:,.0f} examples (sentence-split), {train_tokens:,.0f} tokens")
    return cost


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


def _finetuned_serving(model: ModelPrice, s: Scenario) -> list[Component]:
    ft = model.finetune
    rates = ft.rates
    parts = [
        Component("prompt: question (fine-tuned model)", "per_query", usd(s.prompt_tokens, rates.input),
                  f"{s.prompt_tokens:,} × ${rates.input:g}/MTok", (_ref(model, "finetune.usd_per_mtok.input", rates.input),)),
        _output_component(model, rates, "usd_per_mtok", s, fine_tuned=True),
    ]
    if ft.hosting_usd_per_hour:
        parts.append(Component("hosting", "per_hour", ft.hosting_usd_per_hour, f"${ft.hosting_usd_per_hour:g}/hour",
                               (_ref(model, "finetune.hosting_usd_per_hour", ft.hosting_usd_per_hour, "USD per hour"),)))
    if ft.storage_usd_per_month:
        hourly = ft.storage_usd_per_month / (30 * 24)
        parts.append(Component("model storage", "per_hour", hourly, f"${ft.storage_usd_per_month:g}/month ÷ 720 h",
                               (_ref(model, "finetune.storage_usd_per_month", ft.storage_usd_per_month, "USD per month"),)))
    return parts


# ---------------------------------------------------------------- all strategies


def strategy_cost(strategy: str, stats: CorpusStats, models: Models, s: Scenario, band: int = 0) -> StrategyCost:
    if strategy == "icl":
        return icl_cost(stats, models, s, band)
    return finetune_cost(strategy, stats, models, s, band)


def estimate_all(stats: CorpusStats, models: Models, s: Scenario, strategies=STRATEGIES) -> list[StrategyCost]:
    return [strategy_cost(name, stats, models, s) for name in strategies]


def tco_curve(strategy: str, stats: CorpusStats, models: Models, s: Scenario) -> Callable[[float], float]:
    """TCO as a function of queries per day, everything else held fixed."""
    return lambda q: strategy_cost(strategy, stats, models, s.with_volume(q)).tco
