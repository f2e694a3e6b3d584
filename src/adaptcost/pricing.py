"""Dated price tables: loading, validation, lookup.

Each provider has one YAML file (bundled in ``pricing/``; ``--pricing FILE`` adds or overrides
models, e.g. with negotiated prices). Files are parsed with a safe YAML loader (fileio.parse_yaml) and validated
against :data:`adaptcost.pricing_schema.SCHEMA`; an error names the file, the model and the field.
Every model carries the address of the provider page its figures come from and the date they
were true, so every cost adaptcost prints can be traced to a price and a date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .encodings import ENCODINGS
from .errors import PricingError
from .fileio import decode_text, known_valid, parse_yaml, read_bytes, remember_valid
from .pricing_schema import OLD_SCHEMA_IDS, SCHEMA, SCHEMA_ID
from .suggest import did_you_mean

from .rules import MTOK  # prices are USD per 1M tokens


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
    """One way a provider bills a repeated prompt prefix for less (see pricing_schema._cache_option).

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


STATUS_RANK = {"active": 0, "deprecated": 1, "retired": 2}


@dataclass(frozen=True)
class Lifecycle:
    """A model's lifecycle as its provider states it; `status_on(day)` is what held that day.

    The status holds from the source's `as_of`; a deprecation or shutdown date takes effect on that
    day. Once a model is deprecated or retired on a day it stays so on every later day.
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


# Who a fine-tuning stop applies to: an organisation that never fine-tuned ("new") is also inactive.
AUDIENCES = {"new_customers": ("new",), "inactive_customers": ("new", "inactive"),
             "everyone": ("new", "inactive", "active")}


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

    def missing_hosting(self) -> bool:
        """Served only on capacity billed per hour, with no hourly price: fine-tuning cannot be priced."""
        return self.serving in ("provisioned", "dedicated") and not self.hosting_usd_per_hour


@dataclass(frozen=True)
class TokenizerSpec:
    """How a model's tokens are counted: exactly with `encoding`, or estimated from it."""

    encoding: str
    exact: bool = True
    ratio: float = 1.0
    error: float = 0.0
    basis: str = ""

    def describe(self) -> str:
        if self.exact:
            return f"{self.encoding} (exact)"
        return f"estimate: {self.ratio:g} × {self.encoding} tokens, ±{self.error:.0%} ({self.basis or 'assumed ratio'})"


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

    def age_days(self, today: dt.date) -> int:
        return (today - self.as_of).days

    @property
    def input_cap(self) -> int:
        """The most prompt tokens a request may carry: the window, or a separate input cap below it."""
        return min(self.context_window_tokens, self.max_input_tokens or self.context_window_tokens)

    def status_on(self, day: dt.date) -> str:
        return self.lifecycle.status_on(day)


@dataclass
class PriceBook:
    """All loaded models, by name, and the files (with sha256) they came from.

    `day` is the decision date: lifecycle and staleness are judged on it; rows whose prices are
    dated after it were not known that day and are left out (`unknown_then` names them).
    """

    models: dict[str, ModelPrice] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    day: dt.date = field(default_factory=dt.date.today)
    unknown_then: dict[str, ModelPrice] = field(default_factory=dict)

    def get(self, name: str) -> ModelPrice:
        # A model's own name wins over another model's alias (an override named "gpt-4o" must not
        # resolve to the bundled model whose alias is "gpt-4o").
        key = name if name in self.models else self.aliases.get(name, name)
        if key in self.models:
            return self.models[key]
        if key in self.unknown_then:
            later = self.unknown_then[key]
            raise PricingError(f"{later.name}'s prices are dated {later.as_of} ({later.file}), after the decision date "
                               f"{self.day}: no price for it was known that day")
        known = list(self.models) + list(self.aliases)
        raise PricingError(
            f"unknown model {name!r}{did_you_mean(name, known)} (see 'adaptcost pricing list'; add it with --pricing FILE)"
        )

    def buyable(self, name: str) -> ModelPrice:
        """The model, refused if it was retired on the decision date (its successor named)."""
        model = self.get(name)
        if model.status_on(self.day) != "retired":
            return model
        life = model.lifecycle
        when = f" on {life.shutdown_date}" if life.shutdown_date and life.shutdown_date <= self.day else ""
        successor = f"; its successor is {life.successor}" if life.successor else ""
        raise PricingError(f"{model.name} was retired{when} ({life.source or model.file}){successor}; "
                           f"pick another model, or reproduce an earlier decision with --as-of")

    def to_dict(self) -> dict:
        """Every model with its rates, source and date, and the files (with sha256) they came from."""
        return {
            "files": [{"path": p, "sha256": h} for p, h in self.files],
            "models": {name: _model_dict(m) for name, m in sorted(self.models.items())},
        }

    def add(self, model: ModelPrice, override: bool) -> None:
        if model.name in self.models and not override:
            other = self.models[model.name].file
            raise PricingError(f"{model.file}: model {model.name!r} is also defined in {other}")
        self.models[model.name] = model
        for alias in model.aliases:
            self.aliases[alias] = model.name


def _model_dict(m: ModelPrice) -> dict:
    import dataclasses

    d = _iso_dates(dataclasses.asdict(m))
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
    installed = Path(__file__).parent / "pricing"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "pricing"


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


def _located(path: Path, data: object, where: list, message: str) -> str:
    """'FILE: model 'NAME' field a.b: message' for an error at JSON path `where`."""
    model = ""
    if len(where) >= 2 and where[0] == "models" and isinstance(where[1], int):
        entry = data["models"][where[1]]
        label = entry.get("name", f"#{where[1] + 1}") if isinstance(entry, dict) else f"#{where[1] + 1}"
        model, where = f" model {label!r}", where[2:]
    field_path = ".".join(str(p) for p in where) or "(top level)"
    return f"{path}:{model} field {field_path}: {message}"


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
    return _located(path, data, where, message)


def _non_finite(path: Path, data: dict) -> str | None:
    """JSON Schema's minimum/maximum let YAML's .nan and .inf through; no price may be either."""

    def walk(node: object, where: list) -> list | None:
        if isinstance(node, float) and not math.isfinite(node):
            return where
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in children:
            found = walk(value, where + [key])
            if found is not None:
                return found
        return None

    where = walk(data, [])
    return None if where is None else _located(path, data, where, "must be a finite number")


def _date(value: str, path: Path, model: str, today: dt.date, field_name: str = "as_of") -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PricingError(f"{path}: model {model!r} field {field_name}: {value!r} is not a valid date") from None
    if field_name.endswith("as_of") and day > today:
        raise PricingError(f"{path}: model {model!r} field {field_name}: {value} is in the future")
    return day


def _tokenizer(raw: object, path: Path, model: str) -> TokenizerSpec:
    if isinstance(raw, str):
        spec = TokenizerSpec(raw)
    else:
        spec = TokenizerSpec(raw["estimate_from"], False, raw["ratio"], raw["error"], raw.get("basis", ""))
    if spec.encoding not in ENCODINGS:
        raise PricingError(
            f"{path}: model {model!r} field tokenizer: unknown encoding {spec.encoding!r}{did_you_mean(spec.encoding, ENCODINGS)}"
        )
    return spec


def _optional_date(raw: dict, key: str, path: Path, model: str, today: dt.date, prefix: str) -> dt.date | None:
    return _date(raw[key], path, model, today, prefix + key) if key in raw else None


def _in_order(path: Path, model: str, earlier: tuple[str, dt.date | None], later: tuple[str, dt.date | None]) -> None:
    """Lifecycle dates must follow each other: a model is deprecated before it shuts down."""
    (first, a), (second, b) = earlier, later
    if a is not None and b is not None and a > b:
        raise PricingError(f"{path}: model {model!r} field {second}: {b} comes before {first} {a}")


def _lifecycle(raw: dict | None, path: Path, model: str, today: dt.date) -> Lifecycle:
    if raw is None:
        return Lifecycle(note=f"no lifecycle facts in {path}: assumed active")
    p = "lifecycle."
    life = Lifecycle(
        status=raw["status"], source=raw["source"], as_of=_date(raw["as_of"], path, model, today, p + "as_of"),
        deprecation_date=_optional_date(raw, "deprecation_date", path, model, today, p),
        shutdown_date=_optional_date(raw, "shutdown_date", path, model, today, p),
        successor=raw.get("successor"), note=raw.get("note", ""),
    )
    _in_order(path, model, (p + "deprecation_date", life.deprecation_date), (p + "shutdown_date", life.shutdown_date))
    if life.status == "retired" and life.shutdown_date and life.shutdown_date > life.as_of:
        raise PricingError(f"{path}: model {model!r} field lifecycle.status: 'retired' as of {life.as_of}, "
                           f"but lifecycle.shutdown_date {life.shutdown_date} is later")
    return life


def _finetune_lifecycle(raw: dict | None, path: Path, model: str, today: dt.date) -> FineTuneLifecycle:
    if raw is None:
        return FineTuneLifecycle()
    p = "finetune.lifecycle."
    stops = tuple(TrainingStop(_date(t["date"], path, model, today, f"{p}training_stops[{i}].date"), t["for"], t.get("note", ""))
                  for i, t in enumerate(raw.get("training_stops", ())))
    life = FineTuneLifecycle(raw["source"], _date(raw["as_of"], path, model, today, p + "as_of"), stops,
                             _optional_date(raw, "serving_stops", path, model, today, p), raw.get("note", ""),
                             raw.get("dates_are_earliest", False))
    for i, stop in enumerate(stops):
        _in_order(path, model, (f"{p}training_stops[{i}].date", stop.date), (p + "serving_stops", life.serving_stops))
    return life


def _gpu(raw: dict | None, path: Path, model: str, today: dt.date) -> Gpu | None:
    if raw is None:
        return None
    tps = raw["serving_tokens_per_second"]
    return Gpu(raw["name"], raw["usd_per_hour"], raw.get("count", 1), raw.get("always_on_replicas", 0), raw["source"],
               _date(raw["as_of"], path, model, today, "gpu.as_of"), tps["input"], tps["output"],
               raw.get("training_tokens_per_second"), raw["throughput_source"], raw.get("note", ""))


def _gpu_rates(gpu: Gpu) -> Rates:
    """Self-hosting: per-token rates are GPU time at the declared throughput (see Gpu)."""
    prompt = gpu.usd_per_mtok(gpu.input_tokens_per_second)
    return Rates(prompt, gpu.usd_per_mtok(gpu.output_tokens_per_second), prompt)


def _finetune(raw: dict | None, model: dict, gpu: Gpu | None, path: Path, today: dt.date) -> FineTune | None:
    if raw is None:
        return None
    name = model["name"]
    serving = raw.get("serving", "per_token")
    billing = raw.get("training_billing", "gpu_hours" if serving == "self_hosted" else "tokens_x_epochs")
    if (serving == "self_hosted" or billing == "gpu_hours") and (gpu is None or gpu.training_tokens_per_second is None):
        field_name = "gpu" if gpu is None else "gpu.training_tokens_per_second"
        raise PricingError(f"{path}: model {name!r} field {field_name}: self-hosted fine-tuning needs a GPU row "
                           "with training_tokens_per_second (and its throughput_source)")
    self_hosted = serving == "self_hosted"
    return FineTune(
        training_usd_per_mtok=gpu.usd_per_mtok(gpu.training_tokens_per_second) if billing == "gpu_hours" else raw["training_usd_per_mtok"],
        billing=billing,
        rates=_gpu_rates(gpu) if self_hosted else Rates.parse(raw["usd_per_mtok"]),
        hosting_usd_per_hour=raw.get("hosting_usd_per_hour"),
        storage_usd_per_month=raw.get("storage_usd_per_month", 0.0),
        min_training_usd=raw.get("min_training_usd", 0.0),
        source=raw.get("source", model["source"]),
        as_of=_date(raw.get("as_of", model["as_of"]), path, name, today, "finetune.as_of"),
        verified=raw.get("verified", model.get("verified", False)),
        note=raw.get("note", ""),
        serving=serving,
        max_output_tokens=raw.get("max_output_tokens"),
        lifecycle=_finetune_lifecycle(raw.get("lifecycle"), path, name, today),
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
    gpu = _gpu(raw.get("gpu"), path, name, today)
    return ModelPrice(
        name=name,
        provider=provider,
        aliases=tuple(raw.get("aliases", ())),
        source=raw["source"],
        as_of=_date(raw["as_of"], path, name, today),
        verified=raw.get("verified", False),
        note=raw.get("note", ""),
        tokenizer=_tokenizer(raw["tokenizer"], path, name),
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
        lifecycle=_lifecycle(raw.get("lifecycle"), path, name, today),
        gpu=gpu,
    )


def _old_schema(path: Path, data: object) -> str | None:
    if isinstance(data, dict) and data.get("schema") in OLD_SCHEMA_IDS:
        return (f"{path}: field schema: {data['schema']!r} is an older pricing schema; this adaptcost reads "
                f"{SCHEMA_ID!r}: replace caching.kind/writes with caching.options (see 'adaptcost pricing show' and "
                "pricing_schema.py) and add lifecycle facts")
    return None


def load_file(path: Path, today: dt.date | None = None, label: str | None = None) -> tuple[list[ModelPrice], str]:
    """Validate one pricing file; return its models and its sha256.

    `label` is how the file is named in messages and reports (bundled files as pricing/NAME).
    `today` is the clock's date: an as_of after it is an error (a typo, not a forecast).
    """
    today = today or dt.date.today()
    data, digest = _read_yaml(Path(path), Path(label or path))
    path = Path(label or path)
    known_good = known_valid(SCHEMA_ID, digest)
    problem = _old_schema(path, data) or (None if known_good else _schema_error(path, data)) or _non_finite(path, data)
    if problem:
        raise PricingError(problem)
    if not known_good:
        remember_valid(SCHEMA_ID, digest)
    models, names = [], set()
    for raw in data["models"]:
        if raw["name"] in names:
            raise PricingError(f"{path}: model {raw['name']!r} is listed twice")
        names.add(raw["name"])
        models.append(_model(raw, data["provider"], path, today))
    return models, digest


def _check_successors(book: PriceBook, every: dict[str, ModelPrice]) -> None:
    known = set(every) | set(book.aliases)
    for model in every.values():
        successor = model.lifecycle.successor
        if successor and successor not in known:
            raise PricingError(f"{model.file}: model {model.name!r} field lifecycle.successor: {successor!r} is not in the "
                               f"loaded tables{did_you_mean(successor, sorted(known))}")


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
        models, digest = load_file(path, today, label)
        for model in models:
            book.add(model, override)
        book.files.append((label or str(path), digest))
    every = dict(book.models)
    _check_successors(book, every)
    for name, model in every.items():
        if model.as_of > day:
            book.unknown_then[name] = book.models.pop(name)
    return book
