"""Dated price tables: loading, validation, lookup.

Each provider has one YAML file (bundled in ``pricing/``; ``--pricing FILE`` adds or overrides
models, e.g. with negotiated prices). Files are parsed with a safe YAML loader (fileio.parse_yaml) and validated
against :data:`adaptcost.prices.schema.SCHEMA`; an error names the file, the model and the field.
Every model carries the address of the provider page its figures come from and the date they
were true, so every cost adaptcost prints can be traced to a price and a date.

A file may also price retrieval: embedding models, vector stores and rerankers, in sections of
their own that :mod:`adaptcost.prices.retrieval` parses (this module only dispatches to it, and
keeps them in the PriceBook beside the models, with the same lookups and decision-day rules).
What every row shares (lifecycle, tokenizer, dates, the name in messages) is in
:mod:`adaptcost.prices.rows`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from ..errors import PricingError
from ..limits import MAX_PRICE_USD, any_number, first_bad_number, problem
from ..fileio import decode_text, known_valid, parse_yaml, read_bytes, remember_valid
from ..suggest import did_you_mean
from .rows import STATUS_RANK as STATUS_RANK  # noqa: F401  (re-exported: adaptcost.prices.book.STATUS_RANK)
from .rows import (Lifecycle, TokenizerSpec, in_order, optional_date, parse_date, parse_lifecycle,
                   parse_tokenizer, row_label)
from .retrieval import SECTIONS, EmbeddingPrice, RerankerPrice, RetrievalRow, Section, VectorStorePrice
from .schema import OLD_SCHEMA_IDS, SCHEMA, SCHEMA_ID
from .units import MTOK  # prices are USD per 1M tokens


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens. `cached_input` is what a cache hit bills (defaults to `input`)."""

    input: float
    output: float
    cached_input: float

    @classmethod
    def parse(cls, raw: dict) -> "Rates":
        return cls(raw["input"], raw["output"], raw.get("cached_input", raw["input"]))


@dataclass(frozen=True)
class CacheOption:
    """One way a provider bills a repeated prompt prefix for less (see schema._cache_option).

    automatic: cached by the provider for `ttl_minutes` after the last use; a miss bills input.
    write: the caller writes the prefix at `write_usd_per_mtok`; it lives `ttl_minutes`, refreshed by hits.
    implicit: a discount the provider may give; hit probability is a scenario assumption.
    storage: an explicit cache billed per token-hour while it exists.
    """

    name: str
    kind: str
    ttl_minutes: float = 5.0
    write_usd_per_mtok: float | None = None
    storage_usd_per_mtok_hour: float = 0.0
    note: str = ""

    def field(self, index: int, attribute: str) -> str:
        """This option's field as a price reference names it: caching.options[1:1h].write_usd_per_mtok."""
        return f"caching.options[{index}:{self.name}].{attribute}"


@dataclass(frozen=True)
class Caching:
    """Every prompt-cache option of a model, and the rules they share."""

    min_prefix_tokens: int = 0
    increment_tokens: int = 1  # OpenAI: a hit covers whole 128-token blocks
    options: tuple[CacheOption, ...] = ()

    @classmethod
    def parse(cls, raw: dict | None) -> "Caching":
        if raw is None:
            return cls()
        options = tuple(
            CacheOption(o.get("name", o["kind"]), o["kind"], o.get("ttl_minutes", 5.0), o.get("write_usd_per_mtok"),
                        o.get("storage_usd_per_mtok_hour", 0.0), o.get("note", ""))
            for o in raw.get("options", ())
        )
        return cls(raw.get("min_prefix_tokens", 0), raw.get("increment_tokens", 1), options)

    @property
    def offered(self) -> bool:
        return bool(self.options)


# Who a fine-tuning stop applies to: an organisation that never fine-tuned ("new") is also inactive.
AUDIENCES = {"new_customers": ("new",), "inactive_customers": ("new", "inactive"),
             "everyone": ("new", "inactive", "active")}
# How a message names each audience: "no new training jobs for everyone since ...".
AUDIENCE_WORDS = {"new_customers": "new customers", "inactive_customers": "inactive customers",
                  "everyone": "everyone"}


@dataclass(frozen=True)
class TrainingStop:
    date: dt.date
    audience: str  # new_customers | inactive_customers | everyone
    note: str = ""


@dataclass(frozen=True)
class FineTuneLifecycle:
    """When new training jobs stop (for whom), and when fine-tuned models stop serving."""

    source: str = ""
    as_of: dt.date | None = None
    training_stops: tuple[TrainingStop, ...] = ()
    serving_stops: dt.date | None = None
    note: str = ""
    dates_are_earliest: bool = False  # "or later": a plan past them is at risk, not impossible

    def training_stop(self, customer: str) -> TrainingStop | None:
        """The first day this customer can no longer start a training job, if any."""
        stops = [t for t in self.training_stops if customer in AUDIENCES[t.audience]]
        return min(stops, key=lambda t: t.date) if stops else None

    def closed_on(self, day: dt.date) -> TrainingStop | None:
        """The widest audience this offer no longer trains for on `day`, from the earliest day it
        closed to that audience (None while it trains for everyone). Once tuned models stop
        serving, the offer is closed to everyone."""
        passed = [t for t in self.training_stops if t.date <= day]
        if self.serving_stops is not None and self.serving_stops <= day:
            passed.append(TrainingStop(self.serving_stops, "everyone", "tuned models stop serving"))
        if not passed:
            return None
        widest = max(len(AUDIENCES[t.audience]) for t in passed)
        return min((t for t in passed if len(AUDIENCES[t.audience]) == widest), key=lambda t: t.date)

    @property
    def stated(self) -> bool:
        """Whether the provider states this offer's own dates (else it follows the base model's)."""
        return bool(self.training_stops) or self.serving_stops is not None

    def open_to(self, customer: str, day: dt.date) -> bool:
        """Whether this customer may still train (and serve) a tuned model on `day`, by the offer's
        own stated dates. Providers keep an offer open to existing customers past the base model's
        retirement (Microsoft: fine-tuned gpt-4.1 trains for existing customers to 2027-04-14 and
        serves to 2027-10-14, after the base model retired on 2026-10-14)."""
        stop = self.training_stop(customer)
        return (self.stated and (stop is None or stop.date > day)
                and (self.serving_stops is None or self.serving_stops > day))


@dataclass(frozen=True)
class Gpu:
    """Self-hosting: a rented GPU and the throughput it reaches (declared, with its source).

    Serving and training are billed by GPU time: a token costs usd_per_hour × count / (3600 × tokens/s)
    per replica, i.e. USD per 1M tokens = usd_per_hour × count × 1e6 / (3600 × tokens_per_second).
    `always_on_replicas` replicas are billed every hour whether used or not.
    """

    name: str
    usd_per_hour: float
    count: int
    always_on_replicas: int
    source: str
    as_of: dt.date
    input_tokens_per_second: float
    output_tokens_per_second: float
    training_tokens_per_second: float | None
    throughput_source: str
    note: str = ""

    @property
    def replica_usd_per_hour(self) -> float:
        return self.usd_per_hour * self.count

    def usd_per_mtok(self, tokens_per_second: float) -> float:
        return self.replica_usd_per_hour * MTOK / (3600.0 * tokens_per_second)

    @property
    def floor_usd_per_hour(self) -> float:
        return self.always_on_replicas * self.replica_usd_per_hour


@dataclass(frozen=True)
class LongContext:
    threshold_tokens: int
    rates: Rates


@dataclass(frozen=True)
class FineTune:
    training_usd_per_mtok: float
    billing: str  # tokens_x_epochs | tokens_x_epochs_plus_validation | gpu_hours
    rates: Rates
    hosting_usd_per_hour: float | None  # None: not in the table
    storage_usd_per_month: float
    min_training_usd: float
    source: str
    as_of: dt.date
    verified: bool
    note: str
    serving: str = "per_token"  # per_token | provisioned | dedicated | self_hosted
    max_output_tokens: int | None = None
    lifecycle: FineTuneLifecycle = FineTuneLifecycle()
    price_changes: tuple["PriceChange", ...] = ()  # dated training (and tuned-model) prices, ascending
    in_force: "PriceChange | None" = None  # set by ModelPrice.on

    def on(self, day: dt.date) -> "FineTune":
        """The offer as priced on `day` (ModelPrice.on)."""
        change = next((c for c in reversed(self.price_changes) if c.starts <= day), None)
        if change is None or change is self.in_force:
            return self
        return dataclasses.replace(self, training_usd_per_mtok=change.training_usd_per_mtok, rates=change.rates or self.rates,
                                   in_force=change)

    def missing_hosting(self) -> bool:
        """Served only on capacity billed per hour, with no hourly price: fine-tuning cannot be priced."""
        return self.serving in ("provisioned", "dedicated") and not self.hosting_usd_per_hour


@dataclass(frozen=True)
class PriceChange:
    """Per-token rates in force from `starts` (inclusive) until the next change (schema: price_changes):
    a promotion that ends, a published cut or rise; with its own source, date and verification."""

    starts: dt.date
    rates: Rates | None  # None: a fine-tuning change of the training price only
    source: str
    as_of: dt.date
    verified: bool
    note: str = ""
    index: int = 0  # its place in the row's price_changes (how a price reference names it)
    training_usd_per_mtok: float | None = None  # a fine-tuning block's change (finetune.price_changes)

    @property
    def field(self) -> str:
        return f"{'finetune.' if self.training_usd_per_mtok is not None else ''}price_changes[{self.index}]"


@dataclass(frozen=True)
class ModelPrice:
    name: str
    provider: str
    aliases: tuple[str, ...]
    source: str
    as_of: dt.date
    verified: bool
    note: str
    tokenizer: TokenizerSpec
    context_window_tokens: int
    max_output_tokens: int | None
    rates: Rates
    batch_discount: float
    caching: Caching
    long_context: LongContext | None
    finetune: FineTune | None
    file: str
    max_input_tokens: int | None = None
    reasoning_tokens_per_query: int = 0
    lifecycle: Lifecycle = Lifecycle()
    gpu: Gpu | None = None
    price_changes: tuple[PriceChange, ...] = ()  # ascending by starts
    in_force: PriceChange | None = None  # set by `on`: the change whose rates this copy carries

    def on(self, day: dt.date) -> "ModelPrice":
        """The row as priced on `day`: the rates of the last change in force by then (the row itself
        before the first), that change remembered so price references name its source and date."""
        change = next((c for c in reversed(self.price_changes) if c.starts <= day), None)
        finetune = self.finetune.on(day) if self.finetune is not None else None
        if (change is None or change is self.in_force) and finetune is self.finetune:
            return self
        if change is None or change is self.in_force:
            return dataclasses.replace(self, finetune=finetune)
        return dataclasses.replace(self, rates=change.rates, in_force=change, finetune=finetune)

    def all_price_changes(self) -> list[PriceChange]:
        """Every dated change of the row, its per-token rates' and its fine-tuning block's, by day."""
        extra = list(self.finetune.price_changes) if self.finetune is not None else []
        return sorted([*self.price_changes, *extra], key=lambda c: c.starts)

    def changes_within(self, first: dt.date, last: dt.date) -> list[PriceChange]:
        """The price changes that take effect after `first` and before `last`."""
        return [c for c in self.price_changes if first < c.starts < last]

    def age_days(self, today: dt.date) -> int:
        return (today - self.as_of).days

    @property
    def input_cap(self) -> int:
        """The most prompt tokens a request may carry: the window, or a separate input cap below it."""
        return min(self.context_window_tokens, self.max_input_tokens or self.context_window_tokens)

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)


PricedRow = Union[ModelPrice, RetrievalRow]

# The PriceBook field that holds each retrieval section's aliases.
_ALIASES = {"embeddings": "embedding_aliases", "vector_stores": "vector_store_aliases", "rerankers": "reranker_aliases"}


def _find(kind: str, rows: dict, aliases: dict[str, str], later: dict, name: str, day: dt.date):
    """A row by name or alias. A row's own name wins over another row's alias (an override named
    "gpt-4o" must not resolve to the bundled model whose alias is "gpt-4o")."""
    key = name if name in rows else aliases.get(name, name)
    if key in rows:
        return rows[key]
    if key in later:
        row = later[key]
        raise PricingError(f"{row.name}'s prices are dated {row.as_of} ({row.file}), after the decision date "
                           f"{day}: no price for it was known that day")
    known = list(rows) + list(aliases)
    raise PricingError(
        f"unknown {kind} {name!r}{did_you_mean(name, known)} (see 'adaptcost pricing list'; add it with --pricing FILE)"
    )


def _in_service(row, kind: str, day: dt.date):
    """The row, refused if it was retired on the decision date (its successor named)."""
    if row.status_on(day) != "retired":
        return row
    life = row.lifecycle
    when = f" on {life.shutdown_date}" if life.shutdown_date and life.shutdown_date <= day else ""
    successor = f"; its successor is {life.successor}" if life.successor else ""
    raise PricingError(f"{row.name} was retired{when} ({life.source or row.file}){successor}; "
                       f"pick another {kind}, or reproduce an earlier decision with --as-of")


@dataclass
class PriceBook:
    """All loaded rows by name (models; and for retrieval, embedding models, vector stores and
    rerankers), and the files (with sha256) they came from.

    `day` is the decision date: lifecycle and staleness are judged on it; rows whose prices are
    dated after it were not known that day and are left out (`unknown_then` names the models,
    `unknown_then_retrieval` the retrieval rows, by section).
    """

    models: dict[str, ModelPrice] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    day: dt.date = field(default_factory=dt.date.today)
    unknown_then: dict[str, ModelPrice] = field(default_factory=dict)
    embeddings: dict[str, EmbeddingPrice] = field(default_factory=dict)
    vector_stores: dict[str, VectorStorePrice] = field(default_factory=dict)
    rerankers: dict[str, RerankerPrice] = field(default_factory=dict)
    embedding_aliases: dict[str, str] = field(default_factory=dict)
    vector_store_aliases: dict[str, str] = field(default_factory=dict)
    reranker_aliases: dict[str, str] = field(default_factory=dict)
    unknown_then_retrieval: dict[str, dict[str, RetrievalRow]] = field(
        default_factory=lambda: {section.key: {} for section in SECTIONS})

    def get(self, name: str) -> ModelPrice:
        return _find("model", self.models, self.aliases, self.unknown_then, name, self.day)

    def buyable(self, name: str) -> ModelPrice:
        """The model, refused if it was retired on the decision date (its successor named)."""
        return _in_service(self.get(name), "model", self.day)

    def tunable(self, name: str, customer: str = "new") -> ModelPrice:
        """The model to fine-tune: like `buyable`, but a retired base model is kept where its
        fine-tuning offer still trains for this customer on the decision date (the cost model then
        judges whether the plan fits the offer's dates: strategies.offer_closed)."""
        model = self.get(name)
        if model.finetune is not None and model.finetune.lifecycle.open_to(customer, self.day):
            return model
        return _in_service(model, "model", self.day)

    def embedding(self, name: str) -> EmbeddingPrice:
        """The embedding model, refused if retired on the decision date (like `buyable`)."""
        return self._retrieval(SECTIONS[0], name)

    def vector_store(self, name: str) -> VectorStorePrice:
        """The vector store, refused if retired on the decision date (like `buyable`)."""
        return self._retrieval(SECTIONS[1], name)

    def reranker(self, name: str) -> RerankerPrice:
        """The reranker, refused if retired on the decision date (like `buyable`)."""
        return self._retrieval(SECTIONS[2], name)

    def _retrieval(self, section: Section, name: str):
        row = _find(section.kind, getattr(self, section.key), getattr(self, _ALIASES[section.key]),
                    self.unknown_then_retrieval[section.key], name, self.day)
        return _in_service(row, section.kind, self.day)

    def row(self, name: str) -> PricedRow:
        """Any priced row by name or alias, whatever its kind or status ('adaptcost pricing show')."""
        tables = [("model", self.models, self.aliases, self.unknown_then)] + [
            (s.kind, getattr(self, s.key), getattr(self, _ALIASES[s.key]), self.unknown_then_retrieval[s.key]) for s in SECTIONS]
        for _, rows, aliases, later in tables:
            if name in rows or name in aliases or name in later:
                return _find("row", rows, aliases, later, name, self.day)
        known = [n for _, rows, aliases, _ in tables for n in (*rows, *aliases)]
        raise PricingError(f"unknown model or retrieval row {name!r}{did_you_mean(name, known)} "
                           "(see 'adaptcost pricing list'; add it with --pricing FILE)")

    def to_dict(self) -> dict:
        """Every row with its rates, source and date, and the files (with sha256) they came from."""
        retrieval = {s.key: {name: _iso_dates(dataclasses.asdict(r)) for name, r in sorted(getattr(self, s.key).items())}
                     for s in SECTIONS}
        return {
            "files": [{"path": p, "sha256": h} for p, h in self.files],
            "models": {name: _model_dict(m) for name, m in sorted(self.models.items())},
            **retrieval,
        }

    def add(self, model: ModelPrice, override: bool) -> None:
        _add("model", self.models, self.aliases, model, override)

    def add_row(self, section: Section, row: RetrievalRow, override: bool) -> None:
        _add(section.kind, getattr(self, section.key), getattr(self, _ALIASES[section.key]), row, override)

    def set_aside_later_rows(self) -> None:
        """Rows priced after the decision day were not known that day: move them out of reach."""
        _set_aside(self.models, self.unknown_then, self.day)
        for section in SECTIONS:
            _set_aside(getattr(self, section.key), self.unknown_then_retrieval[section.key], self.day)


def _add(kind: str, rows: dict, aliases: dict[str, str], row, override: bool) -> None:
    if row.name in rows and not override:
        raise PricingError(f"{row.file}: {kind} {row.name!r} is also defined in {rows[row.name].file}")
    rows[row.name] = row
    for alias in row.aliases:
        aliases[alias] = row.name


def _set_aside(rows: dict, later: dict, day: dt.date) -> None:
    for name, row in list(rows.items()):
        if row.as_of > day:
            later[name] = rows.pop(name)


def _model_dict(m: ModelPrice) -> dict:
    d = _iso_dates(dataclasses.asdict(m))
    del d["in_force"]
    if not m.price_changes:
        del d["price_changes"]
    if d.get("finetune") is not None:
        del d["finetune"]["in_force"]
        if not m.finetune.price_changes:
            del d["finetune"]["price_changes"]
    d["tokenizer"] = {"encoding": m.tokenizer.encoding, "exact": m.tokenizer.exact, "describe": m.tokenizer.describe()}
    return d


def _iso_dates(node: object) -> object:
    if isinstance(node, dict):
        return {k: _iso_dates(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_iso_dates(v) for v in node]
    return node.isoformat() if isinstance(node, dt.date) else node


def bundled_dir() -> Path:
    """The bundled tables: package data in an installed wheel, ``pricing/`` in a source tree."""
    installed = Path(__file__).parents[1] / "pricing"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[3] / "pricing"


def _read_yaml(source: Path, path: Path) -> tuple[object, str]:
    """Parse `source` (named `path` in messages); return the data and the file's sha256."""
    raw = read_bytes(source, "pricing file", PricingError, shown=path)
    data = parse_yaml(decode_text(raw, path, "pricing file", PricingError), path, PricingError)
    return _dates_to_text(data), hashlib.sha256(raw).hexdigest()


def _dates_to_text(node: object) -> object:
    """YAML reads an unquoted 2025-08-20 as a date; the schema wants the ISO text."""
    if isinstance(node, dict):
        return {k: _dates_to_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_to_text(v) for v in node]
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


# How a message names one row of each section of a pricing file.
_ROW_KINDS = {"models": "model", **{section.key: section.kind for section in SECTIONS}}


def _located(path: Path, data: object, where: list, message: str) -> str:
    """'FILE: model 'NAME' field a.b: message' for an error at JSON path `where` (an embedding,
    vector store or reranker row is named so too)."""
    row = ""
    if len(where) >= 2 and where[0] in _ROW_KINDS and isinstance(where[1], int):
        entry = data[where[0]][where[1]]
        label = entry.get("name", f"#{where[1] + 1}") if isinstance(entry, dict) else f"#{where[1] + 1}"
        row, where = f" {row_label(_ROW_KINDS[where[0]], label)}", where[2:]
    field_path = ".".join(str(p) for p in where) or "(top level)"
    return f"{path}:{row} field {field_path}: {message}"


def _schema_error(path: Path, data: object) -> str | None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    where = list(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown field")
    if error.validator == "const" and where == ["schema"]:
        message = f"expected schema {SCHEMA_ID!r}, found {error.instance!r}"
    missing = re.fullmatch(r"'(.+)' is a required property", message) if error.validator == "required" else None
    if missing:  # name the missing field itself, not the object that lacks it
        where, message = where + [missing.group(1)], "missing (a required field)"
    return _located(path, data, where, message)


def _is_price(where: list) -> bool:
    """A number whose path names US dollars (usd_per_mtok.input, hosting_usd_per_hour,
    storage_usd_per_gb_month, usd_per_1k_queries, min_training_usd, ...) is a price: every price
    field carries its unit in its name (see prices.schema), wherever it appears."""
    return any(isinstance(part, str) and "usd" in part for part in where)


def _number_problem(value: object, where: list) -> str | None:
    """Every number of a pricing file: finite (JSON Schema lets YAML's .nan and .inf through) and
    in range: a price in [0, MAX_PRICE_USD], any other number within ±MAX_NUMBER (a 400-digit
    context window overflows the first float conversion)."""
    if _is_price(where):
        found = problem(value, low=0, high=MAX_PRICE_USD)
        return None if found is None else f"a price in USD {found}"
    return any_number(value)


def out_of_range(path: Path, data: dict) -> str | None:
    """The first number of the file that is not finite or out of range, located (file, row, field)."""
    found = first_bad_number(data, _number_problem)
    return None if found is None else _located(path, data, *found)


def _finetune_lifecycle(raw: dict | None, path: Path, row: str, today: dt.date) -> FineTuneLifecycle:
    if raw is None:
        return FineTuneLifecycle()
    p = "finetune.lifecycle."
    stops = tuple(TrainingStop(parse_date(t["date"], path, row, today, f"{p}training_stops[{i}].date"), t["for"], t.get("note", ""))
                  for i, t in enumerate(raw.get("training_stops", ())))
    life = FineTuneLifecycle(raw["source"], parse_date(raw["as_of"], path, row, today, p + "as_of"), stops,
                             optional_date(raw, "serving_stops", path, row, today, p), raw.get("note", ""),
                             raw.get("dates_are_earliest", False))
    for i, stop in enumerate(stops):
        in_order(path, row, (f"{p}training_stops[{i}].date", stop.date), (p + "serving_stops", life.serving_stops))
    return life


def _gpu(raw: dict | None, path: Path, row: str, today: dt.date) -> Gpu | None:
    if raw is None:
        return None
    tps = raw["serving_tokens_per_second"]
    return Gpu(raw["name"], raw["usd_per_hour"], raw.get("count", 1), raw.get("always_on_replicas", 0), raw["source"],
               parse_date(raw["as_of"], path, row, today, "gpu.as_of"), tps["input"], tps["output"],
               raw.get("training_tokens_per_second"), raw["throughput_source"], raw.get("note", ""))


def _gpu_rates(gpu: Gpu) -> Rates:
    """Self-hosting: per-token rates are GPU time at the declared throughput (see Gpu)."""
    prompt = gpu.usd_per_mtok(gpu.input_tokens_per_second)
    return Rates(prompt, gpu.usd_per_mtok(gpu.output_tokens_per_second), prompt)


def _finetune(raw: dict | None, model: dict, gpu: Gpu | None, path: Path, today: dt.date) -> FineTune | None:
    if raw is None:
        return None
    row = row_label("model", model["name"])
    serving = raw.get("serving", "per_token")
    billing = raw.get("training_billing", "gpu_hours" if serving == "self_hosted" else "tokens_x_epochs")
    if (serving == "self_hosted" or billing == "gpu_hours") and (gpu is None or gpu.training_tokens_per_second is None):
        field_name = "gpu" if gpu is None else "gpu.training_tokens_per_second"
        raise PricingError(f"{path}: {row} field {field_name}: self-hosted fine-tuning needs a GPU row "
                           "with training_tokens_per_second (and its throughput_source)")
    self_hosted = serving == "self_hosted"
    if billing == "gpu_hours" and "price_changes" in raw:
        raise PricingError(f"{path}: {row} field finetune.price_changes: a self-hosted offer's training price follows "
                           "its GPU row; date a change there")
    return FineTune(
        training_usd_per_mtok=gpu.usd_per_mtok(gpu.training_tokens_per_second) if billing == "gpu_hours" else raw["training_usd_per_mtok"],
        billing=billing,
        rates=_gpu_rates(gpu) if self_hosted else Rates.parse(raw["usd_per_mtok"]),
        hosting_usd_per_hour=raw.get("hosting_usd_per_hour"),
        storage_usd_per_month=raw.get("storage_usd_per_month", 0.0),
        min_training_usd=raw.get("min_training_usd", 0.0),
        source=raw.get("source", model["source"]),
        as_of=parse_date(raw.get("as_of", model["as_of"]), path, row, today, "finetune.as_of"),
        verified=raw.get("verified", model.get("verified", False)),
        note=raw.get("note", ""),
        serving=serving,
        max_output_tokens=raw.get("max_output_tokens"),
        lifecycle=_finetune_lifecycle(raw.get("lifecycle"), path, row, today),
        price_changes=_price_changes(raw, path, row, today, "finetune."),
    )


def _long_context(raw: dict, path: Path) -> LongContext | None:
    if "long_context" not in raw:
        return None
    lc, window = raw["long_context"], raw["context_window_tokens"]
    if lc["threshold_tokens"] >= window:
        raise PricingError(
            f"{path}: model {raw['name']!r} field long_context.threshold_tokens: {lc['threshold_tokens']} is not below the context window {window}"
        )
    return LongContext(lc["threshold_tokens"], Rates.parse(lc["usd_per_mtok"]))


def _model(raw: dict, provider: str, path: Path, today: dt.date) -> ModelPrice:
    name = raw["name"]
    row = row_label("model", name)
    gpu = _gpu(raw.get("gpu"), path, row, today)
    return ModelPrice(
        name=name,
        provider=provider,
        aliases=tuple(raw.get("aliases", ())),
        source=raw["source"],
        as_of=parse_date(raw["as_of"], path, row, today),
        verified=raw.get("verified", False),
        note=raw.get("note", ""),
        tokenizer=parse_tokenizer(raw["tokenizer"], path, row),
        context_window_tokens=raw["context_window_tokens"],
        max_output_tokens=raw.get("max_output_tokens"),
        rates=_gpu_rates(gpu) if gpu else Rates.parse(raw["usd_per_mtok"]),
        batch_discount=raw.get("batch_discount", 0.0),
        caching=Caching.parse(raw.get("caching")),
        long_context=_long_context(raw, path),
        finetune=_finetune(raw.get("finetune"), raw, gpu, path, today),
        file=str(path),
        max_input_tokens=raw.get("max_input_tokens"),
        reasoning_tokens_per_query=raw.get("reasoning_tokens_per_query", 0),
        lifecycle=parse_lifecycle(raw.get("lifecycle"), path, row, today),
        gpu=gpu,
        price_changes=_price_changes(raw, path, row, today),
    )


def _price_changes(raw: dict, path: Path, row: str, today: dt.date, prefix: str = "") -> tuple[PriceChange, ...]:
    """The row's (or its fine-tuning block's: `prefix` "finetune.") schedule of prices, each entry
    dated after the one before it."""
    changes, previous = [], None
    for i, entry in enumerate(raw.get("price_changes", ())):
        where = f"{prefix}price_changes[{i}]."
        rates = Rates.parse(entry["usd_per_mtok"]) if "usd_per_mtok" in entry else None
        change = PriceChange(parse_date(entry["from"], path, row, today, where + "from"), rates,
                             entry["source"], parse_date(entry["as_of"], path, row, today, where + "as_of"),
                             entry.get("verified", False), entry.get("note", ""), i, entry.get("training_usd_per_mtok"))
        if previous is not None and change.starts <= previous[1]:
            raise PricingError(f"{path}: {row} field {where}from: {change.starts} is not after {previous[0]} {previous[1]}")
        changes.append(change)
        previous = (where + "from", change.starts)
    return tuple(changes)


def _old_schema(path: Path, data: object) -> str | None:
    if isinstance(data, dict) and data.get("schema") in OLD_SCHEMA_IDS:
        return (f"{path}: field schema: {data['schema']!r} is an older pricing schema; this adaptcost reads "
                f"{SCHEMA_ID!r}: replace caching.kind/writes with caching.options (see 'adaptcost pricing show' and "
                "prices/schema.py) and add lifecycle facts")
    return None


@dataclass
class PricingTable:
    """One pricing file, validated: its rows by section, and its sha256."""

    models: list[ModelPrice]
    retrieval: dict[str, list[RetrievalRow]]  # by section key: embeddings, vector_stores, rerankers
    digest: str

    @property
    def row_count(self) -> int:
        return len(self.models) + sum(map(len, self.retrieval.values()))


def _rows(data: dict, key: str, parse, path: Path, today: dt.date) -> list:
    """Every row of one section, each name once."""
    rows, names = [], set()
    for raw in data.get(key, ()):
        if raw["name"] in names:
            raise PricingError(f"{path}: {row_label(_ROW_KINDS[key], raw['name'])} is listed twice")
        names.add(raw["name"])
        rows.append(parse(raw, data["provider"], path, today))
    return rows


def read_table(path: Path, today: dt.date | None = None, label: str | None = None) -> PricingTable:
    """Validate one pricing file; return its rows (models and retrieval rows) and its sha256.

    `label` is how the file is named in messages and reports (bundled files as pricing/NAME).
    `today` is the clock's date: an as_of after it is an error (a typo, not a forecast).
    """
    today = today or dt.date.today()
    data, digest = _read_yaml(Path(path), Path(label or path))
    path = Path(label or path)
    known_good = known_valid(SCHEMA_ID, digest)
    problem = _old_schema(path, data) or (None if known_good else _schema_error(path, data)) or out_of_range(path, data)
    if problem:
        raise PricingError(problem)
    if not any(key in data for key in _ROW_KINDS):
        raise PricingError(f"{path}: field models: no rows; list models, embeddings, vector_stores or rerankers")
    if not known_good:
        remember_valid(SCHEMA_ID, digest)
    models = _rows(data, "models", _model, path, today)
    retrieval = {section.key: _rows(data, section.key, section.parse, path, today) for section in SECTIONS}
    return PricingTable(models, retrieval, digest)


def load_file(path: Path, today: dt.date | None = None, label: str | None = None) -> tuple[list[ModelPrice], str]:
    """Validate one pricing file; return its models and its sha256 (`read_table` has every row)."""
    table = read_table(path, today, label)
    return table.models, table.digest


def _check_successors(rows: dict, aliases: dict[str, str], kind: str) -> None:
    """A successor names a row of the same kind in the loaded tables."""
    known = set(rows) | set(aliases)
    for row in rows.values():
        successor = row.lifecycle.successor
        if successor and successor not in known:
            raise PricingError(f"{row.file}: {row_label(kind, row.name)} field lifecycle.successor: {successor!r} is not in "
                               f"the loaded tables{did_you_mean(successor, sorted(known))}")


def load_pricing(extra: Iterable[Path] = (), bundled: bool = True, today: dt.date | None = None,
                 as_of: dt.date | None = None) -> PriceBook:
    """The bundled tables, then each `extra` file, whose models override same-named ones.

    `as_of` is the decision date (default: today): rows whose prices are dated after it were not
    known that day and are set aside, so a past decision is reproduced with what was known then.
    """
    today = today or dt.date.today()
    day = as_of or today
    if day > today:
        raise PricingError(f"the decision date {day} is in the future (today is {today})")
    book = PriceBook(day=day)
    sources = []
    if bundled:
        folder = bundled_dir()
        files = sorted(folder.glob("*.yaml"))
        if not files:
            raise PricingError(f"no bundled pricing tables found in {folder}; reinstall adaptcost")
        sources += [(f, f"pricing/{f.name}", False) for f in files]
    sources += [(Path(f), None, True) for f in extra]
    for path, label, override in sources:
        table = read_table(path, today, label)
        for model in table.models:
            book.add(model, override)
        for section in SECTIONS:
            for row in table.retrieval[section.key]:
                book.add_row(section, row, override)
        book.files.append((label or str(path), table.digest))
    _check_successors(book.models, book.aliases, "model")
    for section in SECTIONS:
        _check_successors(getattr(book, section.key), getattr(book, _ALIASES[section.key]), section.kind)
    book.set_aside_later_rows()
    return book
