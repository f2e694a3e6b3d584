"""adaptcost: price in-context learning against (augmented) fine-tuning for a corpus.

Design and quality figures follow Lampinen et al. 2025, "On the generalization of language
models from in-context learning and finetuning: a controlled study" (arXiv 2505.00661).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("adaptcost")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"

from .errors import AdaptcostError
from .corpus import CorpusOptions, CorpusProfile, profile_corpus
from .curves import load_curves, parse_mix
from .estimate import Estimate, ModelChoice, estimate
from .pricing import PriceBook, load_pricing
from .recommend import Recommendation, recommend
from .scenario import Scenario

__all__ = [
    "AdaptcostError", "CorpusOptions", "CorpusProfile", "Estimate", "ModelChoice", "PriceBook", "Recommendation",
    "Scenario", "__version__", "estimate", "load_curves", "load_pricing", "parse_mix", "profile_corpus", "recommend",
]
