"""One call per job, for the CLI and for Python users: corpus in, typed result out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .corpus.discover import CorpusOptions, CorpusProfile, Progress, profile_corpus
from .costing.scenario import Scenario
from .decision.curves import load_curves, parse_mix
from .decision.estimate import ModelChoice, estimate, needed_encodings
from .decision.recommend import DEFAULT_TOLERANCE, Recommendation, recommend
from .prices.book import load_pricing

from .defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)


@dataclass
class RecommendRequest:
    corpus: Sequence[str]
    scenario: Scenario
    models: ModelChoice = field(default_factory=lambda: ModelChoice(DEFAULT_MODEL))
    mix: str | None = None
    min_accuracy: float | None = None
    budget: float | None = None
    tolerance: float = DEFAULT_TOLERANCE
    curves: Path | None = None
    pricing: Sequence[Path] = ()
    corpus_options: CorpusOptions = field(default_factory=CorpusOptions)
    today: dt.date | None = None  # the clock's date (tests pin it)
    as_of: dt.date | None = None  # the decision date: reproduce a past decision (default: today)
    retriever: str | None = None  # whose recall measured in the curves file RAG uses (default: the file's headline)


def recommend_corpus(request: RecommendRequest, progress: Progress | None = None) -> Recommendation:
    """Load prices and curves first (cheap, fail fast), then count the corpus, then decide."""
    book = load_pricing(request.pricing, today=request.today, as_of=request.as_of)
    models = request.models.resolve(book, request.scenario.finetune_customer)
    curves = load_curves(request.curves)
    mix = parse_mix(request.mix)
    profile = profile_corpus(request.corpus, needed_encodings(models), request.corpus_options, progress)
    result = estimate(profile, book, request.models, request.scenario)
    return recommend(result, curves, mix, request.min_accuracy, request.budget, request.tolerance, request.retriever)


def count_corpus(paths: Sequence[str], encodings: Sequence[str], options: CorpusOptions = CorpusOptions(),
                 progress: Progress | None = None) -> CorpusProfile:
    return profile_corpus(paths, encodings, options, progress)
