"""What a `probe run --arms` on a paid endpoint would cost, said before any call, and `--max-usd`.

The estimate covers what the run would still ask (answers already in the caches cost nothing), at
the price book's rates for the model (the backend's ``estimate_scoring_usd`` for log-likelihood
requests, ``estimate_generation_usd`` for replies: their token limit billed in full, an upper
bound). A run over ``--max-usd`` is refused before any call; a model the price book does not price
cannot be estimated, so it runs only under an explicit ``--max-usd`` (the line says the limit could
not be checked). A backend without estimates (on this machine) costs nothing and says nothing.
"""

from __future__ import annotations

from typing import Sequence

from adaptcost.errors import AdaptcostError
from .answering import GENERATION, Answering
from .replies import REPLY_TOKENS


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 else f"${value:.4f}"


def check_spend(backend, answering: Answering, requests: Sequence[tuple[str, str]], max_usd: float | None) -> str | None:
    """The estimate's line for the run's ``requests`` (what the arms would ask, prefixes joined) in
    ``answering``'s current mode; an AdaptcostError when over ``max_usd`` or unpriced without it."""
    if getattr(backend, "estimate_scoring_usd", None) is None:
        return None
    if answering.mode == GENERATION:
        asked = answering.generation.prompts(requests)
        todo = answering.generation.uncached(asked)
        what = f"{len(todo):,} replies of at most {REPLY_TOKENS} tokens ({len(asked) - len(todo):,} cached)"
        estimate = lambda: backend.estimate_generation_usd(todo, REPLY_TOKENS)  # noqa: E731
    else:
        asked = list(dict.fromkeys(requests))
        todo = answering.loglikelihood.uncached(asked)
        what = f"{len(todo):,} log-likelihood requests ({len(asked) - len(todo):,} cached)"
        estimate = lambda: backend.estimate_scoring_usd(todo)  # noqa: E731
    reference = backend.price_reference()
    if reference is None:
        if max_usd is None:
            raise AdaptcostError(f"{backend.name} has no price in the pricing tables, so the cost of {what} cannot be "
                                 "estimated: give --max-usd to run it anyway")
        return f"cost not estimated for {what}: {backend.name} has no price in the pricing tables (--max-usd {_usd(max_usd)} not checked)"
    usd = estimate() if todo else 0.0
    if max_usd is not None and usd > max_usd:
        raise AdaptcostError(f"this probe run would cost about {_usd(usd)} for {what} with {reference}, over --max-usd "
                             f"{_usd(max_usd)}: use --limit N or fewer --arms, or raise --max-usd")
    return f"estimated cost before any call: about {_usd(usd)} for {what} with {reference}"
