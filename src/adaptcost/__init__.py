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

__all__ = ["AdaptcostError", "__version__"]
