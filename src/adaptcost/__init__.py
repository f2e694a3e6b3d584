"""adaptcost: price in-context learning against (augmented) fine-tuning for a corpus.

Design and quality figures follow Lampinen et al. 2025, "On the generalization of language
models from in-context learning and finetuning: a controlled study" (arXiv 2505.00661).

The public names below are loaded on first use (PEP 562), so that importing a submodule, or
starting the command line, does not import numpy, scipy and the whole package.
"""

from ._version import __version__
from .errors import AdaptcostError

_EXPORTS = {
    "CorpusOptions": "corpus.discover", "CorpusProfile": "corpus.discover", "profile_corpus": "corpus.discover",
    "PriceBook": "prices.book", "load_pricing": "prices.book",
    "Scenario": "costing.scenario",
    "load_curves": "decision.curves", "parse_mix": "decision.curves",
    "Estimate": "decision.estimate", "ModelChoice": "decision.estimate", "estimate": "decision.estimate",
    "Recommendation": "decision.recommend", "recommend": "decision.recommend",
    "Dist": "decision.uncertainty", "ScenarioSpec": "decision.uncertainty", "sweep": "decision.uncertainty",
    "analyse": "outputs.report", "write_report": "outputs.report",
}

__all__ = ["AdaptcostError", "__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'adaptcost' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
