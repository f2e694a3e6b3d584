"""The bounds on every number adaptcost reads from a file or the command line, and the one check
of a number against bounds: a number, finite, whole where a count is meant, and in range.

Each bound is far beyond any real use and far below where arithmetic breaks: a price of 1e308
validates as a number but makes every total `inf` (and JSON `Infinity`); an integer of 400 digits
overflows the first float conversion; a horizon of 1e9 days overflows a date. Callers word the
message (which file and field, or which flag) around what `problem` returns.
"""

from __future__ import annotations

import math
from typing import Callable

MAX_TOKENS = 10**12  # any token count: a context window, a prompt, a chunk (a trillion tokens)
MAX_PRICE_USD = 1e6  # any price: per 1M tokens, per hour, per GB-month, per 1k queries, per job
MAX_NUMBER = 1e12  # any other number of a pricing file: minutes, ratios, units, dimensions
MAX_DAYS = 36_500  # a horizon or a refresh period: a hundred years
MAX_COUNT = 10**6  # epochs, rewrites per sentence, chunks retrieved, candidates reranked
MAX_QUERIES_PER_DAY = 10**12
MAX_USD = 1e12  # an amount of money: a budget, a fixed cost per job
MAX_SEED = 2**32 - 1  # numpy's SeedSequence and most RNGs take 32-bit seeds
MAX_PRICE_MULTIPLIER = 1e3  # a scenario's multiplier on the loaded prices

_LONG = 15  # integers with more digits are named by their length, not printed


def shown(value: object) -> str:
    """A number as a message shows it: short, one line (a 400-digit integer is not printed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, int):
        digits = len(str(abs(value)))
        return str(value) if digits <= _LONG else f"a {digits}-digit number"
    return f"{value:g}"


def _bound(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) or abs(value) >= 10**7 and not value % 10 else str(value)


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def problem(value: object, *, low: float | None = None, above: float | None = None, high: float | None = None,
            whole: bool = False) -> str | None:
    """What is wrong with `value` as the rest of a sentence ("must be at least 0, got -1"), or None.

    `low`/`high` are inclusive bounds, `above` an exclusive lower bound; `whole` asks for an
    integer (a float with no fractional part passes).
    """
    got = f", got {shown(value)}"
    if not is_number(value):
        return f"must be a number{got}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number{got}"
    if whole and isinstance(value, float) and not value.is_integer():
        return f"must be a whole number{got}"
    if low is not None and value < low:
        return f"must be at least {_bound(low)}{got}"
    if above is not None and value <= above:
        return f"must be greater than {_bound(above)}{got}"
    if high is not None and value > high:
        if low is not None:
            return f"must lie in [{_bound(low)}, {_bound(high)}]{got}"
        if above is not None:
            return f"must lie in ({_bound(above)}, {_bound(high)}]{got}"
        return f"must be at most {_bound(high)}{got}"
    return None


def first_bad_number(data: object, rule: Callable[[object, list], "str | None"]) -> "tuple[list, str] | None":
    """The first number of a parsed document (YAML or JSON: dicts, lists, scalars) that `rule`
    refuses: (its path of keys and indices, what is wrong), or None. `rule(value, path)`."""

    def walk(node: object, where: list):
        if is_number(node):
            found = rule(node, where)
            return None if found is None else (where, found)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in children:
            found = walk(value, where + [key])
            if found is not None:
                return found
        return None

    return walk(data, [])


def any_number(value: object, where: list | None = None) -> str | None:
    """The rule for a number no bound more specific covers: finite, within ±MAX_NUMBER."""
    if is_number(value) and value < 0:
        return problem(value, low=-MAX_NUMBER)
    return problem(value, high=MAX_NUMBER)
