"""The assumptions of an estimate, with their units, defaults and validation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from .errors import ScenarioError
from .pricing import CUSTOMERS
from .rules import refreshes

STRATEGIES = ("icl", "finetune", "finetune+local", "finetune+global")


@dataclass(frozen=True)
class Scenario:
    """Everything the cost model assumes besides the corpus and the prices.

    Token figures are in the tokens of the model that handles them.
    """

    queries_per_day: float
    prompt_tokens: int = 200  # per query, besides the corpus: instructions + question
    answer_tokens: int = 300  # per query, generated
    horizon_days: float = 365.0  # period over which one-time costs are amortized
    refresh_days: float = 30.0  # the corpus changes this often (0 = never): retrain, re-augment
    refresh_changed_fraction: float = 0.2  # share of chunks that change at a refresh (local aug.)
    epochs: int = 3
    example_overhead_tokens: int = 10  # chat formatting per training example (roles, separators)
    validation_fraction: float = 0.0  # held-out share, billed where the provider bills it
    local_variants_per_chunk: int = 4  # local augmentation: e.g. 2 rephrasings + 2 reversals
    local_prompt_tokens: int = 250  # instructions + few-shot examples per local call
    global_tokens_per_doc: int = 1000  # global augmentation: inference tokens written per document
    global_prompt_tokens: int = 300  # instructions per global call, besides corpus and document
    global_tokens_per_inference: int = 25  # one inference = one training example (a sentence)
    cache_hit_rate: float | None = None  # None: derived from query arrivals and the cache TTL
    # Implicit caching (Gemini 2.5+) promises no hit: the share of warm-cache queries billed as hits.
    # 0.5 is an assumption (Google publishes no hit rate); give a range to carry the doubt.
    implicit_cache_hit_rate: float = 0.5
    reasoning_tokens: int | None = None  # per query, billed as output; None: the model's default
    training_job_usd: float = 0.0  # fixed cost per training job: evaluation and deployment work
    finetune_customer: str = "new"  # new (never fine-tuned) | inactive | active: who a provider's stop applies to
    batch_augmentation: bool = False  # run augmentation through a batch API (its discount)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(value):
                raise ScenarioError(f"{f.name} must be a finite number, not {value}", field=f.name)
        _at_least(self, "queries_per_day", 0)
        _at_least(self, "prompt_tokens", 0)
        _at_least(self, "answer_tokens", 1)
        _above(self, "horizon_days", 0)
        _at_least(self, "refresh_days", 0)
        _at_least(self, "epochs", 1)
        _at_least(self, "example_overhead_tokens", 0)
        _at_least(self, "local_variants_per_chunk", 0)
        _at_least(self, "local_prompt_tokens", 0)
        _at_least(self, "global_tokens_per_doc", 1)
        _at_least(self, "global_prompt_tokens", 0)
        _at_least(self, "global_tokens_per_inference", 1)
        _fraction(self, "refresh_changed_fraction")
        _fraction(self, "validation_fraction", upper_open=True)
        if self.cache_hit_rate is not None:
            _fraction(self, "cache_hit_rate")
        _fraction(self, "implicit_cache_hit_rate")
        if self.reasoning_tokens is not None:
            _at_least(self, "reasoning_tokens", 0)
        _at_least(self, "training_job_usd", 0)
        if self.finetune_customer not in CUSTOMERS:
            raise ScenarioError(f"finetune_customer must be one of {', '.join(CUSTOMERS)}, got {self.finetune_customer!r}",
                                field="finetune_customer")

    @property
    def refreshes(self) -> int:
        """Refreshes strictly inside the horizon: ceil(H / R) - 1 (none when R = 0)."""
        return int(refreshes(self.horizon_days, self.refresh_days))

    @property
    def hours(self) -> float:
        return self.horizon_days * 24.0

    def with_volume(self, queries_per_day: float) -> "Scenario":
        data = asdict(self)
        data["queries_per_day"] = queries_per_day
        return Scenario(**data)

    def to_dict(self) -> dict:
        return asdict(self)


def _at_least(s: Scenario, name: str, low: float) -> None:
    if getattr(s, name) < low:
        raise ScenarioError(f"{name} must be at least {low}, got {getattr(s, name)}", field=name)


def _above(s: Scenario, name: str, low: float) -> None:
    if getattr(s, name) <= low:
        raise ScenarioError(f"{name} must be greater than {low}, got {getattr(s, name)}", field=name)


def _fraction(s: Scenario, name: str, upper_open: bool = False) -> None:
    value = getattr(s, name)
    if not (0 <= value < 1 if upper_open else 0 <= value <= 1):
        bound = "[0, 1)" if upper_open else "[0, 1]"
        raise ScenarioError(f"{name} must lie in {bound}, got {value}", field=name)
