"""What a `probe run --arms` on a paid endpoint would cost, said before any call, and `--max-usd`.

The estimate covers what the run would still ask (answers already in the caches cost nothing), at
the price book's rates for the model (the backend's ``estimate_scoring_usd`` for log-likelihood
requests, ``estimate_generation_usd`` for replies: their token limit billed in full, an upper
bound). A run over ``--max-usd`` is refused before any call; a model the price book does not price
cannot be estimated, so no limit above 0 can be held: it runs only under ``--max-usd 0``, the user's
statement that the endpoint bills nothing (:func:`unpriced`, the one rule, also `probe build
--writer`'s). A backend without estimates (on this machine) costs nothing and says nothing.
"""

from __future__ import annotations

from typing import Sequence

from adaptcost.errors import AdaptcostError
from .answering import GENERATION, Answering
from .replies import REPLY_TOKENS


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 else f"${value:.4f}"


def unpriced(subject: str, max_usd: float | None) -> str:
    """The one rule for a model the price book does not price: its cost cannot be estimated, so a
    limit above 0 cannot be held; only ``--max-usd 0`` (the endpoint bills nothing: a server of the
    user's own) lets it run. The line to say, or an AdaptcostError naming the way out."""
    if max_usd == 0:
        return f"{subject}, not estimated: no price in the pricing tables; --max-usd 0 states that the endpoint bills nothing"
    limit = f"--max-usd {max_usd:g} cannot be held without a price" if max_usd is not None else "its cost cannot be estimated"
    raise AdaptcostError(f"{subject}: no price in the pricing tables, so {limit}: add the model's row to a pricing file "
                         "(--pricing FILE where the command takes it), or pass --max-usd 0 to state that the endpoint bills "
                         "nothing (a server of your own)")


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
    if not todo:
        return None  # nothing to ask: nothing to bill, priced or not
    reference = backend.price_reference()
    if reference is None:
        return unpriced(f"{what} on {backend.name}", max_usd)
    usd = estimate() if todo else 0.0
    if max_usd is not None and usd > max_usd:
        raise AdaptcostError(f"this probe run would cost about {_usd(usd)} for {what} with {reference}, over --max-usd "
                             f"{_usd(max_usd)}: use --limit N or fewer --arms, or raise --max-usd")
    return f"estimated cost before any call: about {_usd(usd)} for {what} with {reference}"
