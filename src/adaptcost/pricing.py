"""Dated price tables: loading, validation, lookup.

Each provider has one YAML file (bundled in ``pricing/``; ``--pricing FILE`` adds or overrides
models, e.g. with negotiated prices). Files are parsed with ``yaml.safe_load`` and validated
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

import yaml

from .encodings import ENCODINGS
from .errors import PricingError
from .pricing_schema import SCHEMA, SCHEMA_ID
from .suggest import did_you_mean

STALE_AFTER_DAYS = 90
MTOK = 1_000_000  # prices are USD per 1M tokens


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
class CacheWrite:
    ttl_minutes: float
    usd_per_mtok: float


@dataclass(frozen=True)
class Caching:
    kind: str  # automatic | explicit_ttl | explicit_storage | none
    min_prefix_tokens: int = 0
    ttl_minutes: float = 5.0
    writes: tuple[CacheWrite, ...] = ()
    storage_usd_per_mtok_hour: float = 0.0

    @classmethod
    def parse(cls, raw: dict | None) -> "Caching":
        if raw is None:
            return cls("none")
        writes = tuple(CacheWrite(w["ttl_minutes"], w["usd_per_mtok"]) for w in raw.get("writes", ()))
        return cls(
            raw["kind"],
            raw.get("min_prefix_tokens", 0),
            raw.get("ttl_minutes", writes[0].ttl_minutes if writes else 5.0),
            writes,
            raw.get("storage_usd_per_mtok_hour", 0.0),
        )

    def write_price(self, ttl_minutes: float | None = None) -> float | None:
        """The cache-write rate for the TTL in use (the shortest TTL unless one is named)."""
        if not self.writes:
            return None
        if ttl_minutes is None:
            return min(self.writes, key=lambda w: w.ttl_minutes).usd_per_mtok
        for write in self.writes:
            if write.ttl_minutes == ttl_minutes:
                return write.usd_per_mtok
        return None


@dataclass(frozen=True)
class LongContext:
    threshold_tokens: int
    rates: Rates


@dataclass(frozen=True)
class FineTune:
    training_usd_per_mtok: float
    billing: str
    rates: Rates
    hosting_usd_per_hour: float | None  # None: not in the table
    storage_usd_per_month: float
    min_training_usd: float
    source: str
    as_of: dt.date
    verified: bool
    note: str
    serving: str = "per_token"

    def missing_hosting(self) -> bool:
        """Provisioned-only serving with no hourly price: fine-tuning cannot be priced."""
        return self.serving == "provisioned" and not self.hosting_usd_per_hour


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

    def age_days(self, today: dt.date) -> int:
        return (today - self.as_of).days


@dataclass
class PriceBook:
    """All loaded models, by name, and the files (with sha256) they came from."""

    models: dict[str, ModelPrice] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)

    def get(self, name: str) -> ModelPrice:
        # A model's own name wins over another model's alias (an override named "gpt-4o" must not
        # resolve to the bundled model whose alias is "gpt-4o").
        key = name if name in self.models else self.aliases.get(name, name)
        if key in self.models:
            return self.models[key]
        known = list(self.models) + list(self.aliases)
        raise PricingError(
            f"unknown model {name!r}{did_you_mean(name, known)} (see 'adaptcost pricing list'; add it with --pricing FILE)"
        )

    def stale(self, today: dt.date, models: Iterable[str] | None = None) -> list[ModelPrice]:
        chosen = self.models.values() if models is None else [self.get(m) for m in models]
        return [m for m in chosen if m.age_days(today) > STALE_AFTER_DAYS]

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

    d = dataclasses.asdict(m)
    d["as_of"] = m.as_of.isoformat()
    if m.finetune is not None:
        d["finetune"]["as_of"] = m.finetune.as_of.isoformat()
    d["tokenizer"] = {"encoding": m.tokenizer.encoding, "exact": m.tokenizer.exact, "describe": m.tokenizer.describe()}
    return d


def bundled_dir() -> Path:
    """The bundled tables: package data in an installed wheel, ``pricing/`` in a source tree."""
    installed = Path(__file__).parent / "pricing"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "pricing"


def _read_yaml(source: Path, path: Path) -> tuple[object, str]:
    """Parse `source` (named `path` in messages); return the data and the file's sha256."""
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise PricingError(f"{path}: pricing file not found") from None
    except OSError as exc:
        raise PricingError(f"{path}: cannot read pricing file ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PricingError(f"{path}: pricing file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PricingError(f"{path}: malformed YAML{where}: {problem}") from None
    except ValueError as exc:  # an unquoted impossible date (as_of: 2025-13-45) fails in the loader
        raise PricingError(f"{path}: malformed YAML: invalid value ({exc})") from None
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


def _date(value: str, path: Path, model: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PricingError(f"{path}: model {model!r} field as_of: {value!r} is not a valid date") from None
    if day > today:
        raise PricingError(f"{path}: model {model!r} field as_of: {value} is in the future")
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


def _finetune(raw: dict | None, model: dict, path: Path, today: dt.date) -> FineTune | None:
    if raw is None:
        return None
    return FineTune(
        training_usd_per_mtok=raw["training_usd_per_mtok"],
        billing=raw.get("training_billing", "tokens_x_epochs"),
        rates=Rates.parse(raw["usd_per_mtok"]),
        hosting_usd_per_hour=raw.get("hosting_usd_per_hour"),
        storage_usd_per_month=raw.get("storage_usd_per_month", 0.0),
        min_training_usd=raw.get("min_training_usd", 0.0),
        source=raw.get("source", model["source"]),
        as_of=_date(raw.get("as_of", model["as_of"]), path, model["name"], today),
        verified=raw.get("verified", model.get("verified", False)),
        note=raw.get("note", ""),
        serving=raw.get("serving", "per_token"),
    )


def _model(raw: dict, provider: str, path: Path, today: dt.date) -> ModelPrice:
    name = raw["name"]
    window = raw["context_window_tokens"]
    long_context = None
    if "long_context" in raw:
        lc = raw["long_context"]
        if lc["threshold_tokens"] >= window:
            raise PricingError(
                f"{path}: model {name!r} field long_context.threshold_tokens: {lc['threshold_tokens']} is not below the context window {window}"
            )
        long_context = LongContext(lc["threshold_tokens"], Rates.parse(lc["usd_per_mtok"]))
    return ModelPrice(
        name=name,
        provider=provider,
        aliases=tuple(raw.get("aliases", ())),
        source=raw["source"],
        as_of=_date(raw["as_of"], path, name, today),
        verified=raw.get("verified", False),
        note=raw.get("note", ""),
        tokenizer=_tokenizer(raw["tokenizer"], path, name),
        context_window_tokens=window,
        max_output_tokens=raw.get("max_output_tokens"),
        rates=Rates.parse(raw["usd_per_mtok"]),
        batch_discount=raw.get("batch_discount", 0.0),
        caching=Caching.parse(raw.get("caching")),
        long_context=long_context,
        finetune=_finetune(raw.get("finetune"), raw, path, today),
        file=str(path),
    )


def load_file(path: Path, today: dt.date | None = None, label: str | None = None) -> tuple[list[ModelPrice], str]:
    """Validate one pricing file; return its models and its sha256.

    `label` is how the file is named in messages and reports (bundled files as pricing/NAME).
    """
    today = today or dt.date.today()
    data, digest = _read_yaml(Path(path), Path(label or path))
    path = Path(label or path)
    problem = _schema_error(path, data) or _non_finite(path, data)
    if problem:
        raise PricingError(problem)
    models, names = [], set()
    for raw in data["models"]:
        if raw["name"] in names:
            raise PricingError(f"{path}: model {raw['name']!r} is listed twice")
        names.add(raw["name"])
        models.append(_model(raw, data["provider"], path, today))
    return models, digest


def load_pricing(extra: Iterable[Path] = (), bundled: bool = True, today: dt.date | None = None) -> PriceBook:
    """The bundled tables, then each `extra` file, whose models override same-named ones."""
    book = PriceBook()
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
    return book
