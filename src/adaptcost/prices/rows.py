"""What every priced row shares, whatever it prices (a model, an embedding model, a vector store,
a reranker): its lifecycle, its tokenizer, its dates, and how an error names it.

:mod:`adaptcost.prices.book` (models) and :mod:`adaptcost.prices.retrieval` (retrieval rows) both
parse their rows with these helpers, so a date, a lifecycle or a tokenizer is read and checked
by one rule wherever it appears. Every error is one line: ``FILE: KIND 'NAME' field PATH: what``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..corpus.encodings import ENCODINGS
from ..errors import PricingError
from ..suggest import did_you_mean

STATUS_RANK = {"active": 0, "deprecated": 1, "retired": 2}


@dataclass(frozen=True)
class Lifecycle:
    """A row's lifecycle as its provider states it; `status_on(day)` is what held that day.

    The status holds from the source's `as_of`; a deprecation or shutdown date takes effect on that
    day. Once a row is deprecated or retired on a day it stays so on every later day.
    """

    status: str = "active"
    source: str = ""
    as_of: dt.date | None = None
    deprecation_date: dt.date | None = None
    shutdown_date: dt.date | None = None
    successor: str | None = None
    note: str = ""

    def status_on(self, day: dt.date) -> str:
        rank = STATUS_RANK[self.status] if self.as_of is not None and day >= self.as_of else 0
        if self.deprecation_date is not None and day >= self.deprecation_date:
            rank = max(rank, 1)
        if self.shutdown_date is not None and day >= self.shutdown_date:
            rank = max(rank, 2)
        return next(name for name, r in STATUS_RANK.items() if r == rank)

    def ends_by(self, day: dt.date) -> bool:
        return self.shutdown_date is not None and self.shutdown_date <= day


@dataclass(frozen=True)
class TokenizerSpec:
    """How a row's tokens are counted: exactly with `encoding`, or estimated from it."""

    encoding: str
    exact: bool = True
    ratio: float = 1.0
    error: float = 0.0
    basis: str = ""

    def describe(self) -> str:
        if self.exact:
            return f"{self.encoding} (exact)"
        return f"estimate: {self.ratio:g} × {self.encoding} tokens, ±{self.error:.0%} ({self.basis or 'assumed ratio'})"


def row_label(kind: str, name: str) -> str:
    """How a message names a row: "model 'gpt-4.1'", "vector store 'pinecone-serverless'"."""
    return f"{kind} {name!r}"


def parse_date(value: str, path: Path, row: str, today: dt.date, field_name: str = "as_of") -> dt.date:
    """An ISO date; a source date (a field ending in as_of) after `today` is a typo, not a forecast."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PricingError(f"{path}: {row} field {field_name}: {value!r} is not a valid date") from None
    if field_name.endswith("as_of") and day > today:
        raise PricingError(f"{path}: {row} field {field_name}: {value} is in the future")
    return day


def optional_date(raw: dict, key: str, path: Path, row: str, today: dt.date, prefix: str) -> dt.date | None:
    return parse_date(raw[key], path, row, today, prefix + key) if key in raw else None


def in_order(path: Path, row: str, earlier: tuple[str, dt.date | None], later: tuple[str, dt.date | None]) -> None:
    """Lifecycle dates must follow each other: a row is deprecated before it shuts down."""
    (first, a), (second, b) = earlier, later
    if a is not None and b is not None and a > b:
        raise PricingError(f"{path}: {row} field {second}: {b} comes before {first} {a}")


def parse_tokenizer(raw: object, path: Path, row: str, field_name: str = "tokenizer") -> TokenizerSpec:
    if isinstance(raw, str):
        spec = TokenizerSpec(raw)
    else:
        spec = TokenizerSpec(raw["estimate_from"], False, raw["ratio"], raw["error"], raw.get("basis", ""))
    if spec.encoding not in ENCODINGS:
        raise PricingError(f"{path}: {row} field {field_name}: unknown encoding {spec.encoding!r}"
                           f"{did_you_mean(spec.encoding, ENCODINGS)}")
    return spec


def parse_lifecycle(raw: dict | None, path: Path, row: str, today: dt.date) -> Lifecycle:
    if raw is None:
        return Lifecycle(note=f"no lifecycle facts in {path}: assumed active")
    p = "lifecycle."
    life = Lifecycle(
        status=raw["status"], source=raw["source"], as_of=parse_date(raw["as_of"], path, row, today, p + "as_of"),
        deprecation_date=optional_date(raw, "deprecation_date", path, row, today, p),
        shutdown_date=optional_date(raw, "shutdown_date", path, row, today, p),
        successor=raw.get("successor"), note=raw.get("note", ""),
    )
    in_order(path, row, (p + "deprecation_date", life.deprecation_date), (p + "shutdown_date", life.shutdown_date))
    if life.status == "retired" and life.shutdown_date and life.shutdown_date > life.as_of:
        raise PricingError(f"{path}: {row} field lifecycle.status: 'retired' as of {life.as_of}, "
                           f"but lifecycle.shutdown_date {life.shutdown_date} is later")
    return life
