"""What a strategy's bill is made of: price references, components, the corpus and the models it
is priced for, and the rules every strategy shares (rates per request, reasoning tokens, cache
hits, the limits of a request). The strategies themselves are in :mod:`adaptcost.costing.strategies`
(whose docstring lists the provider rules) and :mod:`adaptcost.costing.rag`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..prices.book import CacheOption, ModelPrice, Rates
from . import rules
from .scenario import Scenario

if TYPE_CHECKING:
    from ..prices.retrieval import EmbeddingPrice, RerankerPrice, VectorStorePrice


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
    setup: bool = False  # a one-time cost paid again when the plan moves to a successor model (training, a cache)
    # Where prices or models change inside the horizon, the days after the decision (from `start_day`,
    # until `end_day`, exclusive) in which this component bills (rules.spent_in); None: the whole horizon.
    start_day: float = 0.0
    end_day: float | None = None

    @property
    def windowed(self) -> bool:
        return self.end_day is not None


@dataclass(frozen=True)
class CorpusStats:
    """What the cost model needs to know of the corpus (exact counts per encoding)."""

    tokens: dict[str, int]
    max_doc_tokens: dict[str, int]
    documents: int
    chunks: int  # sentences: the training examples of fine-tuning
    # tokens of each document per encoding (RAG's chunks are counted from them); without them,
    # documents are taken as equal in size
    doc_tokens: dict[str, tuple[int, ...]] | None = None

    def tokens_for(self, model: ModelPrice, band: int = 0) -> float:
        """Corpus tokens in `model`'s tokenizer; band −1/+1 gives an estimate's error bounds."""
        return self.tokens[model.tokenizer.encoding] * _factor(model, band)

    def max_doc_for(self, model: ModelPrice, band: int = 0) -> float:
        return self.max_doc_tokens[model.tokenizer.encoding] * _factor(model, band)

    def documents_for(self, model, band: int = 0) -> list[float]:
        """Each document's tokens in `model`'s tokenizer (a model or an embedding row)."""
        encoding = model.tokenizer.encoding
        if self.doc_tokens is not None and encoding in self.doc_tokens:
            counts = self.doc_tokens[encoding]
        else:
            counts = [self.tokens[encoding] / max(self.documents, 1)] * self.documents
        factor = _factor(model, band)
        return [n * factor for n in counts]


def _factor(model: ModelPrice, band: int) -> float:
    spec = model.tokenizer
    return 1.0 if spec.exact else spec.ratio * (1.0 + band * spec.error)


@dataclass(frozen=True)
class Models:
    """Which priced model plays each role, and the decision date their lifecycle is judged on."""

    icl: ModelPrice  # answers in ICL and RAG
    finetune: ModelPrice
    augment: ModelPrice
    day: dt.date = field(default_factory=dt.date.today)
    embedding: EmbeddingPrice | None = None  # RAG: embeds chunks and questions
    vector_store: VectorStorePrice | None = None  # RAG: a managed index (None: self-hosted, priced per hour)
    reranker: RerankerPrice | None = None  # RAG: optional
    # each model's successor row by the model's name, where the tables price it (lifecycle.successor,
    # followed on): where a model or its fine-tuning offer stops inside the horizon the plan moves there
    successors: dict[str, ModelPrice] = field(default_factory=dict)


_KIND_ARGUMENT = {"one_time": "one", "per_refresh": "per_refresh", "per_query": "per_query", "per_hour": "per_hour"}


@dataclass
class StrategyCost:
    strategy: str
    scenario: Scenario
    feasible: bool = True
    reason: str = ""
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    possible_until: dt.date | None = None  # a plan that cannot run the whole horizon: its last possible day

    @property
    def scheduled(self) -> bool:
        """Priced in periods: prices or models change inside the horizon."""
        return any(c.windowed for c in self.components)

    def total(self, kind: str) -> float:
        """The components of one kind in force on the decision day (the first period's, when scheduled)."""
        return sum(c.usd for c in self.components if c.kind == kind and not c.start_day)

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
        if self.scheduled:
            return float(self.spent_by(s.horizon_days))
        return float(rules.total_usd(s.queries_per_day, s.horizon_days, s.refreshes, self.one_time,
                                     self.per_refresh, self.per_query, self.per_hour))

    def spent_by(self, day):
        """What the strategy has cost by `day` (a float or an array of days) of the horizon."""
        s = self.scenario
        if not self.scheduled:
            return rules.spent_by(day, s.horizon_days, s.refresh_days, s.queries_per_day, self.one_time,
                                  self.per_refresh, self.per_query, self.per_hour)
        return sum(rules.spent_in(day, c.start_day, s.horizon_days if c.end_day is None else c.end_day, s.horizon_days,
                                  s.refresh_days, s.queries_per_day, **{_KIND_ARGUMENT[c.kind]: c.usd})
                   for c in self.components)

    def step_at(self, day: float) -> float:
        """What is paid at once on `day`: one-time costs starting that day, a refresh falling on it."""
        s = self.scenario
        if not self.scheduled:
            return self.one_time if day == 0 else self.per_refresh
        refresh = 0 < day < s.horizon_days and s.refresh_days > 0 and math.isclose(day / s.refresh_days,
                                                                                    round(day / s.refresh_days))
        return sum(c.usd for c in self.components
                   if (c.kind == "one_time" and c.start_day == day)
                   or (refresh and c.kind == "per_refresh" and c.start_day <= day < (c.end_day or s.horizon_days)))

    def change_days(self) -> list[float]:
        """The days inside the horizon on which prices or models change (period starts after the first)."""
        return sorted({c.start_day for c in self.components if c.start_day})

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
    change = model.in_force
    if change is not None and field_name.startswith("usd_per_mtok"):  # a dated rate of the row's schedule
        source, as_of, verified = change.source, change.as_of, change.verified
        field_name = f"{change.field}.{field_name}"
    elif field_name.startswith("finetune.") and model.finetune is not None:
        source, as_of, verified = model.finetune.source, model.finetune.as_of, model.finetune.verified
        dated = model.finetune.in_force
        if dated is not None and (field_name == "finetune.training_usd_per_mtok"
                                  or (dated.rates is not None and field_name.startswith("finetune.usd_per_mtok"))):
            source, as_of, verified = dated.source, dated.as_of, dated.verified
            field_name = f"{dated.field}.{field_name.removeprefix('finetune.')}"
    elif model.gpu is not None and field_name.startswith(("usd_per_mtok", "gpu.")):
        source, as_of = f"{model.gpu.source}; throughput: {model.gpu.throughput_source}", model.gpu.as_of
    return PriceRef(model.name, field_name, usd, unit, as_of.isoformat(), source, model.file, verified)


def row_ref(row, field_name: str, usd: float, unit: str) -> PriceRef:
    """A price of a retrieval row (embedding model, vector store, reranker) with its source."""
    return PriceRef(row.name, field_name, usd, unit, row.as_of.isoformat(), row.source, row.file, row.verified)


def usd(tokens: float, rate_per_mtok: float) -> float:
    """Provider rule: prices are per 1M tokens."""
    return float(rules.usd(tokens, rate_per_mtok))


def request_rates(model: ModelPrice, prompt_tokens: float) -> tuple[Rates, str]:
    """The rates a request bills at: the long-context tier's for the whole request past its threshold."""
    tier = model.long_context
    if tier is not None and prompt_tokens > tier.threshold_tokens:
        return tier.rates, "long_context.usd_per_mtok"
    return model.rates, "usd_per_mtok"


def reasoning_tokens(model: ModelPrice, s: Scenario) -> int:
    """Reasoning tokens per query: the scenario's figure, else the model's documented default."""
    return model.reasoning_tokens_per_query if s.reasoning_tokens is None else s.reasoning_tokens


def hit_rate(model: ModelPrice, option: CacheOption, s: Scenario) -> float:
    """Share of queries billed as hits under `option` (rules.hit_probability)."""
    return float(rules.hit_probability(option.kind, option.ttl_minutes, s.queries_per_day, s.cache_hit_rate,
                                       s.implicit_cache_hit_rate))


def cacheable_prefix(model: ModelPrice, prefix_tokens: float) -> float:
    """Tokens of the prefix a cache hit covers (0 when below the provider's minimum or no caching)."""
    c = model.caching
    return float(rules.cacheable_tokens(prefix_tokens, c.min_prefix_tokens, c.increment_tokens)) if c.offered else 0.0


def write_multiplier(model: ModelPrice, option: CacheOption) -> float:
    """What a miss bills per prefix token, as a multiple of input (applied to tier prices too):
    the option's write rate over the base input rate, or 1 where a miss bills plain input."""
    if option.write_usd_per_mtok is None or not model.rates.input:
        return 1.0
    return option.write_usd_per_mtok / model.rates.input


# ---------------------------------------------------------------- limits


def prompt_limit(model: ModelPrice, prompt: float, output: float) -> str:
    """Why a request of `prompt` tokens generating `output` cannot run on `model` ('' if it can)."""
    if prompt > model.input_cap:
        what = "input cap" if model.input_cap < model.context_window_tokens else "context window"
        return f"the prompt ({prompt:,.0f} tokens) exceeds {model.name}'s {what} of {model.input_cap:,} tokens"
    if prompt + output > model.context_window_tokens:
        return (f"the prompt ({prompt:,.0f}) + answer and reasoning ({output:,.0f}) tokens exceed "
                f"{model.name}'s context window of {model.context_window_tokens:,} tokens")
    return ""


def output_limit(model: ModelPrice, output: float, cap: int | None, what: str = "") -> str:
    if cap and output > cap:
        return f"answers with reasoning ({output:,.0f} tokens) exceed {model.name}{what}'s max output of {cap:,} tokens"
    return ""
