"""An estimate: the corpus, the models and their prices, and every strategy's cost, traceably."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .._version import __version__
from ..corpus.discover import CorpusProfile
from ..costing.breakeven import BreakEven, all_pairs
from ..costing.montecarlo import volume_curve
from ..costing import schedule
from ..costing.scenario import STRATEGIES, Scenario
from ..costing.strategies import CorpusStats, Models, StrategyCost, reading, strategy_cost, tco_curve
from ..defaults import DEFAULT_EMBEDDING_MODEL
from ..errors import PricingError
from ..prices.book import ModelPrice, PriceBook
from ..prices.notices import model_notices, retrieval_notices
from .document import estimate_dict


@dataclass(frozen=True)
class ModelChoice:
    """Which priced model plays each role (fine-tuning and augmentation default to `model`)."""

    model: str
    finetune_model: str | None = None
    augment_model: str | None = None
    embedding_model: str | None = None  # RAG; None: DEFAULT_EMBEDDING_MODEL where it is priced
    vector_store: str | None = None  # RAG; None: a self-hosted index (priced per hour by assumption)
    reranker: str | None = None  # RAG; None: no reranking

    def encodings(self, book: PriceBook, customer: str = "new") -> list[str]:
        """The encodings to count the corpus with, for these models."""
        return sorted(needed_encodings(self.resolve(book, customer)))

    def resolve(self, book: PriceBook, customer: str = "new") -> Models:
        """The models for each role, refused if retired on the book's decision date (the model to
        fine-tune is kept while its offer still trains for `customer`: PriceBook.tunable), with
        their successors where priced. The retrieval rows are looked up only where named, but for
        the default embedding model, used when priced."""
        roles = [book.buyable(self.model), book.tunable(self.finetune_model or self.model, customer),
                 book.buyable(self.augment_model or self.model)]
        return Models(
            icl=roles[0], finetune=roles[1], augment=roles[2],
            day=book.day,
            embedding=self._embedding(book),
            vector_store=book.vector_store(self.vector_store) if self.vector_store else None,
            reranker=book.reranker(self.reranker) if self.reranker else None,
            successors=successors(book, roles),
        )

    def _embedding(self, book: PriceBook):
        if self.embedding_model:
            return book.embedding(self.embedding_model)
        return book.embedding(DEFAULT_EMBEDDING_MODEL) if DEFAULT_EMBEDDING_MODEL in book.embeddings else None


def successors(book: PriceBook, models) -> dict[str, ModelPrice]:
    """Each model's successor row by the model's name, following successors of successors, where
    the tables price them (a plan moves there when a model stops inside the horizon)."""
    found: dict[str, ModelPrice] = {}
    todo = list(models)
    while todo:
        m = todo.pop()
        name = m.lifecycle.successor
        if not name or m.name in found:
            continue
        try:
            row = book.get(name)
        except PricingError:
            continue  # not priced: a plan that needs it stops there (costing.schedule)
        found[m.name] = row
        todo.append(row)
    return found


def needed_encodings(models: Models) -> set[str]:
    """The encodings to count the corpus in: every model's in use, and their successors' (a plan
    moved to a successor sends the corpus in its tokens)."""
    rows = [models.icl, models.finetune, models.augment, *models.successors.values()]
    rows += [models.embedding] if models.embedding else []
    return {m.tokenizer.encoding for m in rows}


def corpus_stats(profile: CorpusProfile) -> CorpusStats:
    return CorpusStats(
        tokens={e: profile.tokens(e) for e in profile.encodings},
        max_doc_tokens={e: profile.max_document_tokens(e) for e in profile.encodings},
        documents=profile.n_documents,
        chunks=profile.n_chunks,
        doc_tokens={e: tuple(d.tokens[e] for d in profile.documents) for e in profile.encodings},
    )


@dataclass
class Estimate:
    scenario: Scenario
    corpus: CorpusProfile
    stats: CorpusStats
    models: Models
    strategies: list[StrategyCost]
    breakevens: list[BreakEven]
    tco_bands: dict[str, tuple[float, float]]  # strategy -> (low, high) from tokenizer estimates
    pricing_files: list[tuple[str, str]]
    today: dt.date
    warnings: list[str] = field(default_factory=list)
    tool_version: str = __version__

    def strategy(self, name: str) -> StrategyCost:
        return next(s for s in self.strategies if s.strategy == name)

    @property
    def feasible(self) -> list[StrategyCost]:
        return [s for s in self.strategies if s.feasible]

    def to_dict(self) -> dict:
        """Costs, break-evens and provenance, without a recommendation."""
        return estimate_dict(self)

    def model_roles(self) -> list[tuple[str, ModelPrice]]:
        return [("icl", self.models.icl), ("finetune", self.models.finetune), ("augment", self.models.augment)]

    def retrieval_rows(self) -> list[tuple[str, object]]:
        """The priced retrieval rows in use, by role (embedding, vector_store, reranker)."""
        m = self.models
        rows = [("embedding", m.embedding), ("vector_store", m.vector_store), ("reranker", m.reranker)]
        return [(role, row) for role, row in rows if row is not None]


def _bands(stats: CorpusStats, models: Models, scenario: Scenario, strategies) -> dict[str, tuple[float, float]]:
    """TCO at the low and high end of estimated token counts (Claude, Gemini, ...)."""
    if all(m.tokenizer.exact for m in (models.icl, models.finetune, models.augment)):
        return {}
    bands = {}
    for s in strategies:
        if s.feasible:
            low = strategy_cost(s.strategy, stats, models, scenario, band=-1)
            high = strategy_cost(s.strategy, stats, models, scenario, band=+1)
            bands[s.strategy] = (low.tco if low.feasible else float("nan"), high.tco if high.feasible else float("nan"))
    return bands


def _model_warnings(models: Models, scenario: Scenario) -> list[str]:
    """Lifecycle, fine-tuning offer, staleness and verification notices for every model in use."""
    horizon_end = models.day + dt.timedelta(days=scenario.horizon_days)
    warnings = []
    for model in {m.name: m for m in (models.icl, models.finetune, models.augment)}.values():
        warnings += model_notices(model, models.day, horizon_end, scenario.finetune_customer,
                                  finetune=model is models.finetune)
    for row in (models.embedding, models.vector_store, models.reranker):
        if row is not None:
            warnings += retrieval_notices(row, models.day, horizon_end)
    return warnings


def _move_warnings(models: Models, scenario: Scenario, costs: list[StrategyCost]) -> list[str]:
    """Each move to a successor inside the horizon, once, naming the strategies it moves (their
    costs price the days after it on the successor)."""
    moves: dict[str, list[str]] = {}
    successors = {}
    horizon_end = models.day + dt.timedelta(days=scenario.horizon_days)
    for cost in costs:
        line = schedule.timeline(cost.strategy, models, scenario.horizon_days, reading(scenario))
        for period in line.periods:
            for sw in period.switches:
                text = (f"{sw.why}, inside the horizon: {schedule.ROLE_WORDS[sw.role]} moves to {sw.new.name} that day "
                        f"({sw.new.file}; migration ${scenario.migration_usd:,.2f}, --migration-usd)")
                moves.setdefault(text, []).append(cost.strategy)
                successors[sw.new.name] = sw.new
    notices = [n for m in successors.values()
               for n in model_notices(m, models.day, horizon_end, scenario.finetune_customer, finetune=m.finetune is not None)]
    return [f"{text}: {', '.join(names)}" for text, names in moves.items()] + list(dict.fromkeys(notices))


def estimate(profile: CorpusProfile, book: PriceBook, choice: ModelChoice, scenario: Scenario,
             strategies=STRATEGIES, today: dt.date | None = None) -> Estimate:
    """Price every strategy for this corpus and scenario, with break-evens between feasible ones.

    The decision date is the price book's (today, or --as-of): lifecycle and staleness are judged on it.
    """
    models = choice.resolve(book, scenario.finetune_customer)
    today = today or book.day
    stats = corpus_stats(profile)
    costs = [strategy_cost(name, stats, models, scenario) for name in strategies]
    curves = {c.strategy: tco_curve(c.strategy, stats, models, scenario) for c in costs if c.feasible}
    grids = {name: volume_curve(name, stats, models, scenario) for name in curves}
    warnings = list(profile.warnings) + _model_warnings(models, scenario) + _move_warnings(models, scenario, costs)
    return Estimate(
        scenario=scenario, corpus=profile, stats=stats, models=models, strategies=costs,
        breakevens=all_pairs(curves, grids=grids), tco_bands=_bands(stats, models, scenario, costs),
        pricing_files=book.files, today=today, warnings=warnings,
    )
