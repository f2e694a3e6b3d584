"""The assumptions of an estimate: the one list of them, each with its unit, default, help and
bounds. The command line builds its options and their help from this list (cli.py), scenario
files and the Monte Carlo name assumptions by these fields, and validation reads the bounds here.

This module imports nothing heavy: `adaptcost --help` reads it.
"""

from __future__ import annotations

import functools
from dataclasses import MISSING, asdict, dataclass, field, fields, replace

from ..errors import ScenarioError
from ..limits import MAX_COUNT, MAX_DAYS, MAX_QUERIES_PER_DAY, MAX_TOKENS, MAX_USD, MAX_PRICE_USD, problem, shown

STRATEGIES = ("icl", "finetune", "finetune+local", "finetune+global", "rag", "finetune+rag")
RETRIEVAL = ("rag", "finetune+rag")  # the strategies that retrieve chunks per query
# Who buys fine-tuning; providers close offers to some first (pricing: training_stops).
CUSTOMERS = ("new", "inactive", "active")
# Lifecycle dates a provider gives as the earliest ("May 19, 2027 or later": dates_are_earliest):
# earliest takes them as the day the offer stops (the plan moves to the successor then); stated
# keeps them as the provider states them, a date on or after which it may stop: a risk the notices
# name, the plan priced as if it ran on.
LIFECYCLE_DATES = ("earliest", "stated")


@dataclass(frozen=True)
class Assumption:
    """What a scenario field means: help text, unit, bounds (inclusive `low`/`high`, exclusive
    `above`/`below`), and its command-line option (`option`: the name if it differs from the
    field's; `cli=False`: scenario files only)."""

    help: str
    unit: str = ""
    low: float | None = None
    above: float | None = None
    high: float | None = None
    below: float | None = None
    option: str | None = None
    cli: bool = True
    default_text: str | None = None  # how the default reads where it is not a number

    @property
    def ceiling(self) -> float | None:
        """The largest value taken: `high`, else the ceiling of the unit (CEILINGS)."""
        return self.high if self.high is not None else CEILINGS.get(self.unit)

    def check(self, name: str, value, whole: bool = False, label: str | None = None) -> None:
        """Refuse a value that is not a finite number in this assumption's bounds (a whole number
        where `whole`), in one line that begins with `label` (default: the field's name)."""
        if value is None:
            return
        found = problem(value, low=self.low, above=self.above, high=self.ceiling, whole=whole)
        if found is None and self.below is not None and value >= self.below:
            found = f"must lie in [{self.low:g}, {self.below:g}), got {shown(value)}"
        if found is not None:
            raise ScenarioError(f"{label or name} {found}", field=None if label else name)


def assumption(default, help: str, unit: str = "", **meta):
    return field(default=default, metadata={"assumption": Assumption(help, unit, **meta)})


SHARE = {"low": 0, "high": 1}
# The ceiling of an assumption that sets no `high` of its own, by its unit: far past any real
# use, far below where arithmetic breaks (a horizon of 1e9 days overflows a date).
CEILINGS = {"": MAX_COUNT, "tokens": MAX_TOKENS, "chunks": MAX_COUNT, "days": MAX_DAYS,
            "queries/day": MAX_QUERIES_PER_DAY, "USD": MAX_USD, "USD/hour": MAX_PRICE_USD}


@dataclass(frozen=True)
class Scenario:
    """Everything the cost model assumes besides the corpus and the prices.

    Token figures are in the tokens of the model that handles them.
    """

    queries_per_day: float = field(metadata={"assumption": Assumption("Expected queries per day", "queries/day", low=0)})
    prompt_tokens: int = assumption(200, "Tokens per query besides the corpus: instructions + question", "tokens", low=0)
    answer_tokens: int = assumption(300, "Tokens generated per query", "tokens", low=1)
    horizon_days: float = assumption(365.0, "Days over which one-time costs are amortized", "days", above=0)
    refresh_days: float = assumption(30.0, "The corpus changes every N days (0 = never): retrain, re-augment", "days", low=0)
    refresh_changed_fraction: float = assumption(0.2, "Share of chunks changed per refresh (local augmentation re-runs on them)",
                                                 **SHARE)
    epochs: int = assumption(3, "Fine-tuning epochs", low=1)
    example_overhead_tokens: int = assumption(10, "Chat formatting per training example (roles, separators)", "tokens",
                                              low=0, cli=False)
    validation_fraction: float = assumption(0.0, "Held-out share, billed where the provider bills it", low=0, below=1, cli=False)
    local_variants_per_chunk: int = assumption(4, "Local augmentation: rewrites per sentence (e.g. 2 rephrasings + 2 reversals)",
                                               low=0, option="local_variants")
    local_prompt_tokens: int = assumption(250, "Instructions + few-shot examples per local augmentation call", "tokens",
                                          low=0, cli=False)
    global_tokens_per_doc: int = assumption(1000, "Global augmentation: inference tokens written per document", "tokens", low=1)
    global_prompt_tokens: int = assumption(300, "Instructions per global augmentation call, besides corpus and document",
                                           "tokens", low=0, cli=False)
    global_tokens_per_inference: int = assumption(25, "One inference = one training example (a sentence)", "tokens",
                                                  low=1, cli=False)
    cache_hit_rate: float | None = assumption(None, "Prompt-cache hit rate", default_text="from arrivals and each cache's TTL",
                                              **SHARE)
    implicit_cache_hit_rate: float = assumption(
        0.5, "Implicit caching (Gemini): share of warm-cache queries billed as hits; Google publishes no hit rate, so "
        "0.5 is an assumption", **SHARE)
    reasoning_tokens: int | None = assumption(None, "Reasoning tokens per query and per augmentation call, billed as output", "tokens", low=0,
                                              default_text="the model's documented default, 0 for non-reasoning models")
    training_job_usd: float = assumption(0.0, "Fixed cost per training job: evaluation and deployment work", "USD", low=0)
    migration_usd: float = assumption(
        0.0, "One-time cost of moving the plan to a successor model when a model or a fine-tuning offer stops inside "
        "the horizon: re-testing prompts, switching endpoints", "USD", low=0)
    lifecycle_delay_days: float = assumption(
        0.0, "Days after a date a provider gives as 'or later' on which the stop comes (0: the earliest date; a range "
        "lets the Monte Carlo draw the date)", "days", low=0)
    chunk_tokens: int = assumption(512, "RAG: tokens per chunk the corpus is split into (embedding model's tokens)",
                                   "tokens", low=1)
    chunk_overlap_tokens: int = assumption(64, "RAG: tokens each chunk shares with the one before", "tokens", low=0,
                                           option="chunk_overlap")
    top_k: int = assumption(4, "RAG: chunks retrieved into each prompt", "chunks", low=1)
    system_prompt_tokens: int = assumption(
        0, "RAG: fixed instructions at the head of every prompt, cacheable (part of prompt tokens; the rest is "
        "embedded as the query)", "tokens", low=0)
    index_usd_per_hour: float = assumption(
        0.0, "RAG without --vector-store: what the self-hosted index costs per hour (0: an existing Postgres with "
        "pgvector)", "USD/hour", low=0)
    rerank_candidates: int = assumption(20, "RAG with --reranker: chunks the reranker scores per query", "chunks", low=1)
    retrieval_recall: float | None = assumption(
        None, "RAG: share of questions whose every needed chunk is retrieved, on your corpus", low=0, high=1,
        default_text="each question type's recall in the curves file")
    finetune_customer: str = "new"  # new (never fine-tuned) | inactive | active: who a provider's stop applies to
    batch_augmentation: bool = False  # run augmentation through a batch API (its discount)
    lifecycle_dates: str = "earliest"  # earliest | stated: how "or later" dates are read (LIFECYCLE_DATES)
    allow_partial: bool = False  # a plan that can run only part of the horizon may still be picked

    def __post_init__(self) -> None:
        for f in fields(self):
            meta = f.metadata.get("assumption")
            if meta is not None:
                meta.check(f.name, getattr(self, f.name), whole=counted(f.name))
        self._check_retrieval()
        if self.lifecycle_dates not in LIFECYCLE_DATES:
            raise ScenarioError(f"lifecycle_dates must be one of {', '.join(LIFECYCLE_DATES)}, got {self.lifecycle_dates!r}",
                                field="lifecycle_dates")
        if self.finetune_customer not in CUSTOMERS:
            raise ScenarioError(f"finetune_customer must be one of {', '.join(CUSTOMERS)}, got {self.finetune_customer!r}",
                                field="finetune_customer")

    def _check_retrieval(self) -> None:
        """The RAG assumptions that bound each other: overlap below chunk size, the system prefix
        within the prompt."""
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ScenarioError(f"chunk_overlap_tokens ({self.chunk_overlap_tokens}) must be smaller than chunk_tokens "
                                f"({self.chunk_tokens})", field="chunk_overlap_tokens")
        if self.system_prompt_tokens > self.prompt_tokens:
            raise ScenarioError(f"system_prompt_tokens ({self.system_prompt_tokens}) must not exceed prompt_tokens "
                                f"({self.prompt_tokens}), which hold them", field="system_prompt_tokens")

    @functools.cached_property
    def refreshes(self) -> int:
        """Refreshes strictly inside the horizon: ceil(H / R) - 1 (none when R = 0)."""
        from .rules import refreshes

        return int(refreshes(self.horizon_days, self.refresh_days))

    @property
    def hours(self) -> float:
        return self.horizon_days * 24.0

    def with_volume(self, queries_per_day: float) -> "Scenario":
        return replace(self, queries_per_day=queries_per_day)

    def to_dict(self) -> dict:
        return asdict(self)


def assumptions() -> dict[str, tuple[Assumption, object]]:
    """Every assumption: field name -> (its metadata, its default; None for a required field)."""
    return {f.name: (f.metadata["assumption"], None if f.default is MISSING else f.default)
            for f in fields(Scenario) if "assumption" in f.metadata}


@functools.cache
def _counted() -> frozenset[str]:
    return frozenset(f.name for f in fields(Scenario) if str(f.type).split(" | ")[0] == "int")


def counted(name: str) -> bool:
    """Whether an assumption is a count (tokens, epochs, chunks): a whole number, never 2.5."""
    return name in _counted()


def describe_default(meta: Assumption, default) -> str:
    """How an assumption's default reads in help text and documentation."""
    if meta.default_text:
        return meta.default_text
    unit = f" {meta.unit}" if meta.unit and meta.unit not in ("USD",) else ""
    return f"${default:g}" if meta.unit == "USD" else f"{default:g}{unit}"
