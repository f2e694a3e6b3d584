"""Where the loaded price tables disagree with LiteLLM's price map or another adaptcost table.

``adaptcost pricing diff FILE`` refreshes prices on the day of a decision: it compares every loaded
model (bundled tables plus ``--pricing`` overrides) with FILE, which is either LiteLLM's
``model_prices_and_context_window.json`` (USD per *token*) or another pricing table (schema
adaptcost-pricing/2). Values are compared in adaptcost's units, USD per 1M tokens (LiteLLM's rate
× 1,000,000), and count as equal within a relative 1e-6 (float noise).

Fields compared with LiteLLM, adaptcost's first:

* ``usd_per_mtok.input / cached_input / output`` - ``input_cost_per_token``,
  ``cache_read_input_token_cost``, ``output_cost_per_token``;
* cache writes (``caching.options`` of kind "write"): the 5-minute write (the shortest write under an
  hour, whatever its TTL) - ``cache_creation_input_token_cost``, the 1-hour write -
  ``cache_creation_input_token_cost_above_1hr``;
* ``long_context`` (threshold and rates) - ``*_above_<K>k_tokens`` (the tier at adaptcost's threshold,
  else LiteLLM's lowest tier, whose K then shows as a threshold difference);
* the input cap (``ModelPrice.input_cap``: ``max_input_tokens``, else the context window) -
  ``max_input_tokens``, which LiteLLM documents as the prompt cap. LiteLLM has no context-window
  field, and its ``max_tokens`` is a legacy field that mostly holds the output cap: not compared;
* ``max_output_tokens`` - ``max_output_tokens``;
* the day the model stops being served (``lifecycle.shutdown_date``, else ``deprecation_date``) -
  ``deprecation_date``, which LiteLLM uses for the end of service;
* fine-tuned inference rates - the ``ft:<model>`` entry, where LiteLLM has one.

Against another adaptcost table every field is compared like for like, plus the context window,
the lifecycle status, deprecation and shutdown dates, and the fine-tuning training rate.

A row's status is ``differs`` (both sides have the field), ``only_other`` (FILE has a value adaptcost
lacks) or ``only_adaptcost``. Against LiteLLM, a field LiteLLM lacks is reported only for cache writes,
long-context rates, the cache-read rate of a model with a cache option and the rates of an ``ft:``
entry it has (the map leaves most limits, dates and fine-tuning out). ``price_differs`` - what ``--fail-on-diff`` checks - is
true when a price differs, or FILE has a price the tables lack (adaptcost may under-price).

Models on one side only: every selected adaptcost model FILE lacks; against LiteLLM, only its
entries that look like a *newer model of a family adaptcost prices*: a text-generation entry of a
provider adaptcost has, under that provider's main LiteLLM key form (bare, ``gemini/``, ``azure/``,
``mistral/``, ``together_ai/``; regional Bedrock profiles excluded), not deprecated on the decision
day, whose name without numbers (the family: ``claude-sonnet-4-6`` -> ``claude-sonnet``) is a family of
an adaptcost model and whose version numbers (``(4, 6)``; dates and snapshot suffixes ignored) are
higher than every adaptcost model of that family. The rest are counted, not listed.

This module imports neither typer nor rich: ``cli.pricing_diff`` calls :func:`diff_pricing` and
``cli.views.print_pricing_diff`` renders :meth:`PricingDiff.to_dict`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PricingError
from ..fileio import read_bytes
from ..suggest import did_you_mean
from .book import ModelPrice, PriceBook, load_file
from .litellm import (CACHE_WRITE_FIELDS, LITELLM_PROVIDERS, TEXT_MODES, TIER, bare_name, litellm_keys,
                      litellm_providers, parse_price_map, per_mtok)
from .schema import SCHEMA_ID as PRICING_SCHEMA_ID

SCHEMA_ID = "adaptcost-pricing-diff/1"
REL_TOL = 1e-6  # values this close (relative) are equal: float noise of per-token × 1e6
ABS_TOL = 1e-9  # USD per 1M tokens: two zero prices are equal

PRICE, LIMIT, LIFECYCLE = "price", "limit", "lifecycle"
DIFFERS, ONLY_ADAPTCOST, ONLY_OTHER = "differs", "only_adaptcost", "only_other"

# Every field compared, in report order, and its kind. Cache writes of other TTLs (cache_write_<N>m)
# sort after cache_write_1h.
# cache_write: LiteLLM's cache_creation_input_token_cost, which is Anthropic's 5-minute write.
FIELDS = {
    "input": PRICE, "cached_input": PRICE, "output": PRICE,
    "cache_write": PRICE, "cache_write_5m": PRICE, "cache_write_1h": PRICE,
    "long_context_threshold": LIMIT, "long_context_input": PRICE, "long_context_cached_input": PRICE,
    "long_context_output": PRICE,
    "input_cap": LIMIT, "context_window": LIMIT, "max_output_tokens": LIMIT,
    "status": LIFECYCLE, "deprecation_date": LIFECYCLE, "shutdown_date": LIFECYCLE, "end_date": LIFECYCLE,
    "ft_training": PRICE, "ft_input": PRICE, "ft_cached_input": PRICE, "ft_output": PRICE,
}
_ORDER = {name: i for i, name in enumerate(FIELDS)}

@dataclass(frozen=True)
class Fact:
    """One side's value of a field, and the field's name on that side (for the reader to check)."""

    label: str
    value: object


@dataclass(frozen=True)
class DiffRow:
    """One field of one model on which the two sides disagree."""

    model: str
    provider: str
    field: str  # a key of FIELDS, or cache_write_<N>m
    kind: str  # price | limit | lifecycle
    status: str  # differs | only_adaptcost | only_other
    adaptcost: object  # None when only the other side has it
    other: object
    adaptcost_field: str
    other_field: str
    other_key: str  # the LiteLLM key (or other table's model) compared
    as_of: dt.date
    file: str
    other_as_of: dt.date | None = None  # the other table's date; LiteLLM's map has none per entry
    relative: float | None = None  # (other - adaptcost) / adaptcost, numbers only
    days: int | None = None  # other - adaptcost, dates only
    note: str = ""

    @property
    def fails(self) -> bool:
        """A price differs, or the other side has a price the tables lack: what --fail-on-diff checks."""
        return self.kind == PRICE and self.status in (DIFFERS, ONLY_OTHER)

    def to_dict(self) -> dict:
        return {
            "model": self.model, "provider": self.provider, "field": self.field, "kind": self.kind,
            "status": self.status, "adaptcost": _plain(self.adaptcost), "other": _plain(self.other),
            "relative": self.relative, "days": self.days, "adaptcost_field": self.adaptcost_field,
            "other_field": self.other_field, "other_key": self.other_key, "as_of": self.as_of.isoformat(),
            "file": self.file, "other_as_of": _plain(self.other_as_of), "note": self.note,
        }


@dataclass(frozen=True)
class Match:
    model: ModelPrice
    other_key: str
    differences: int


@dataclass
class PricingDiff:
    """The result of :func:`diff_pricing`; `to_dict` is the JSON document (schema adaptcost-pricing-diff/1)."""

    other_path: str
    other_kind: str  # litellm | adaptcost
    other_sha256: str
    other_entries: int
    day: dt.date
    files: list[tuple[str, str]]
    provider: str | None
    matches: list[Match] = field(default_factory=list)
    rows: list[DiffRow] = field(default_factory=list)
    only_adaptcost: list[ModelPrice] = field(default_factory=list)
    only_other: list[dict] = field(default_factory=list)
    only_other_omitted: int = 0
    notes: list[str] = field(default_factory=list)
    other_package: str | None = None  # "litellm 1.110.2 (...)" when the map is the installed package's

    @property
    def price_differs(self) -> bool:
        return any(row.fails for row in self.rows)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_ID,
            "day": self.day.isoformat(),
            "units": "USD per 1M tokens; token counts; ISO dates",
            "tolerance": {"relative": REL_TOL},
            "adaptcost": {"files": [{"path": p, "sha256": h} for p, h in self.files], "provider": self.provider},
            "other": {"path": self.other_path, "kind": self.other_kind, "sha256": self.other_sha256,
                      "entries": self.other_entries, **({"package": self.other_package} if self.other_package else {})},
            "summary": {
                "compared": len(self.matches),
                "identical": sum(1 for m in self.matches if not m.differences),
                "rows": len(self.rows),
                "price_rows": sum(1 for r in self.rows if r.fails),
                "price_differs": self.price_differs,
                "only_adaptcost": len(self.only_adaptcost),
                "only_other": len(self.only_other),
                "only_other_omitted": self.only_other_omitted,
            },
            "models": [{"model": m.model.name, "provider": m.model.provider, "other_key": m.other_key,
                        "file": m.model.file, "as_of": m.model.as_of.isoformat(), "differences": m.differences}
                       for m in self.matches],
            "rows": [row.to_dict() for row in self.rows],
            "only_adaptcost": [{"model": m.name, "provider": m.provider, "file": m.file, "as_of": m.as_of.isoformat()}
                               for m in self.only_adaptcost],
            "only_other": self.only_other,
            "notes": self.notes,
        }


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


# ---------------------------------------------------------------------------------------------
# Reading the other side


def _read_other(path: Path, today: dt.date) -> tuple[str, object, str]:
    """('litellm', entries, sha256) or ('adaptcost', models, sha256); a PricingError names what is wrong."""
    if not path.exists():
        raise PricingError(f"{path}: file not found")
    if path.is_dir():
        raise PricingError(f"{path}: is a folder; give LiteLLM's price map (JSON) or a pricing table (YAML)")
    raw = read_bytes(path, "price map or pricing table", PricingError)  # bounded: /dev/zero is refused
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "adaptcost", load_file(path, today)[0], digest
    if suffix == ".json":
        data = parse_price_map(raw, path)
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise PricingError(f"{path}: not UTF-8 text; give LiteLLM's price map (JSON) or a pricing table (YAML)") from None
        except json.JSONDecodeError:  # not JSON: a pricing table in YAML, or load_file says why not
            return "adaptcost", load_file(path, today)[0], digest
    if isinstance(data, dict) and "schema" in data:  # a pricing table written as JSON (YAML reads JSON)
        return "adaptcost", load_file(path, today)[0], digest
    entries = {k: v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"} if isinstance(data, dict) else {}
    if not any(key.endswith("_cost_per_token") for spec in entries.values() for key in spec):
        raise PricingError(f"{path}: not a LiteLLM price map (no entry has input_cost_per_token or another "
                           f"*_cost_per_token field) nor a pricing table (no 'schema: {PRICING_SCHEMA_ID}')")
    return "litellm", entries, digest


# ---------------------------------------------------------------------------------------------
# Facts: each side's values, under the shared field names of FIELDS


def _write_field(ttl_minutes: float) -> str:
    return {5: "cache_write_5m", 60: "cache_write_1h"}.get(ttl_minutes, f"cache_write_{ttl_minutes:g}m")


def _model_facts(m: ModelPrice, litellm: bool) -> dict[str, Fact]:
    """An adaptcost model's values; `litellm`: only those LiteLLM's map can hold."""
    facts: dict[str, Fact] = {}
    for part in ("input", "cached_input", "output"):
        facts[part] = Fact(f"usd_per_mtok.{part}", getattr(m.rates, part))
    writes = [(o.ttl_minutes, i, o) for i, o in enumerate(m.caching.options)
              if o.kind == "write" and o.write_usd_per_mtok is not None]
    for ttl, i, option in sorted(writes, key=lambda w: (w[0], w[1])):
        # LiteLLM has one short write (Anthropic's 5 minutes) and the 1-hour write: the shortest
        # write under an hour is compared with the first, whatever its TTL
        name = ("cache_write" if ttl < 60 else "cache_write_1h" if ttl == 60 else None) if litellm else _write_field(ttl)
        if name:
            facts.setdefault(name, Fact(option.field(i, "write_usd_per_mtok"), option.write_usd_per_mtok))
    if m.long_context:
        facts["long_context_threshold"] = Fact("long_context.threshold_tokens", m.long_context.threshold_tokens)
        for part in ("input", "cached_input", "output"):
            facts[f"long_context_{part}"] = Fact(f"long_context.usd_per_mtok.{part}", getattr(m.long_context.rates, part))
    facts["input_cap"] = Fact("max_input_tokens" if m.max_input_tokens else "context_window_tokens", m.input_cap)
    if not litellm:
        facts["context_window"] = Fact("context_window_tokens", m.context_window_tokens)
    if m.max_output_tokens:
        facts["max_output_tokens"] = Fact("max_output_tokens", m.max_output_tokens)
    life = m.lifecycle
    if litellm:
        end = ("shutdown_date", life.shutdown_date) if life.shutdown_date else ("deprecation_date", life.deprecation_date)
        if end[1]:
            facts["end_date"] = Fact(f"lifecycle.{end[0]}", end[1])
    else:
        if life.as_of is not None:  # a stated lifecycle; a file without one is "assumed active"
            facts["status"] = Fact("lifecycle.status", life.status)
        for name in ("deprecation_date", "shutdown_date"):
            if getattr(life, name):
                facts[name] = Fact(f"lifecycle.{name}", getattr(life, name))
    ft = m.finetune
    if ft:
        if not litellm:
            facts["ft_training"] = Fact("finetune.training_usd_per_mtok", ft.training_usd_per_mtok)
        if ft.serving in ("per_token", "dedicated") or not litellm:
            for part in ("input", "cached_input", "output"):
                facts[f"ft_{part}"] = Fact(f"finetune.usd_per_mtok.{part}", getattr(ft.rates, part))
    return facts


def _tokens(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1 or value != int(value):
        return None
    return int(value)


def _tier(spec: dict, threshold: int | None) -> str | None:
    """LiteLLM's long-context tier 'K' (for *_above_Kk_tokens): adaptcost's threshold if listed, else the lowest."""
    tiers = sorted(int(match.group(1)) for key in spec if (match := TIER.match(key)) and per_mtok(spec[key]) is not None)
    if not tiers:
        return None
    if threshold is not None and threshold % 1000 == 0 and threshold // 1000 in tiers:
        return str(threshold // 1000)
    return str(tiers[0])


def _litellm_facts(key: str, spec: dict, ft_key: str | None, ft_spec: dict | None, threshold: int | None) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}

    def price(name: str, field_name: str, entry: dict = spec, where: str = "") -> None:
        value = per_mtok(entry.get(field_name))
        if value is not None:
            facts[name] = Fact(where + field_name, value)

    price("input", "input_cost_per_token")
    price("cached_input", "cache_read_input_token_cost")
    price("output", "output_cost_per_token")
    for ttl, field_name in CACHE_WRITE_FIELDS.items():
        price("cache_write" if ttl < 60 else "cache_write_1h", field_name)
    k = _tier(spec, threshold)
    if k is not None:
        facts["long_context_threshold"] = Fact(f"input_cost_per_token_above_{k}k_tokens", int(k) * 1000)
        price("long_context_input", f"input_cost_per_token_above_{k}k_tokens")
        price("long_context_cached_input", f"cache_read_input_token_cost_above_{k}k_tokens")
        price("long_context_output", f"output_cost_per_token_above_{k}k_tokens")
    for name, field_name in (("input_cap", "max_input_tokens"), ("max_output_tokens", "max_output_tokens")):
        if _tokens(spec.get(field_name)) is not None:
            facts[name] = Fact(field_name, _tokens(spec[field_name]))
    try:
        facts["end_date"] = Fact("deprecation_date", dt.date.fromisoformat(str(spec["deprecation_date"])))
    except (KeyError, ValueError):
        pass
    if ft_spec is not None:
        for part, field_name in (("input", "input_cost_per_token"), ("cached_input", "cache_read_input_token_cost"),
                                 ("output", "output_cost_per_token")):
            price(f"ft_{part}", field_name, ft_spec, f"{ft_key}: ")
    return facts


# ---------------------------------------------------------------------------------------------
# Comparing


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def _kind(name: str) -> str:
    return FIELDS.get(name, PRICE)  # cache_write_<N>m


def _order(name: str) -> float:
    return _ORDER.get(name, _ORDER["cache_write_1h"] + 0.5)


def _note(name: str, m: ModelPrice, ours: Fact | None, theirs: Fact | None, litellm: bool) -> str:
    if not litellm:
        return ""
    if name == "input_cap" and theirs is not None:
        if m.max_input_tokens is None:
            return "adaptcost has no separate input cap: its context window is compared with LiteLLM's prompt cap"
        if theirs.value == m.context_window_tokens:
            return "LiteLLM's prompt cap equals adaptcost's context window; adaptcost caps prompts lower"
        return f"adaptcost's input cap (window {m.context_window_tokens:,}) vs LiteLLM's prompt cap"
    if name == "end_date":
        return "LiteLLM's deprecation_date is the end of service"
    if name == "cached_input" and ours is not None and not m.caching.offered:
        return "adaptcost lists no cache option (cached input = input)"
    if name == "long_context_threshold":
        return "LiteLLM's *_above_<K>k_tokens tier"
    return ""


def _litellm_would_have(name: str, m: ModelPrice, theirs: dict[str, Fact]) -> bool:
    """Against LiteLLM, a field only adaptcost has is reported for the prices LiteLLM's entry is incomplete without:
    cache writes, long-context rates, a cache-read rate of a model with a cache option, and the rates of a
    fine-tuned entry LiteLLM has."""
    if name.startswith("ft_"):
        return any(other.startswith("ft_") for other in theirs)
    if name == "cached_input":
        return m.caching.offered
    return name.startswith(("cache_write", "long_context_")) and _kind(name) == PRICE


def _compare(m: ModelPrice, other_key: str, ours: dict[str, Fact], theirs: dict[str, Fact], litellm: bool,
             other_as_of: dt.date | None) -> list[DiffRow]:
    rows = []
    for name in sorted(set(ours) | set(theirs), key=_order):
        a, b = ours.get(name), theirs.get(name)
        kind = _kind(name)
        if a is not None and b is not None:
            if _same(a.value, b.value):
                continue
            status = DIFFERS
        elif b is not None:
            status = ONLY_OTHER
        elif litellm and not _litellm_would_have(name, m, theirs):
            continue  # LiteLLM leaves most limits, dates and fine-tuning out: its silence is no disagreement
        else:
            status = ONLY_ADAPTCOST
        relative = days = None
        if status == DIFFERS and isinstance(a.value, (int, float)) and isinstance(b.value, (int, float)) and a.value:
            relative = (b.value - a.value) / a.value
        if status == DIFFERS and isinstance(a.value, dt.date) and isinstance(b.value, dt.date):
            days = (b.value - a.value).days
        rows.append(DiffRow(
            model=m.name, provider=m.provider, field=name, kind=kind, status=status,
            adaptcost=a.value if a else None, other=b.value if b else None,
            adaptcost_field=a.label if a else "", other_field=b.label if b else "", other_key=other_key,
            as_of=m.as_of, file=m.file, other_as_of=other_as_of, relative=relative, days=days,
            note=_note(name, m, a, b, litellm),
        ))
    return rows


def _selected(book: PriceBook, provider: str | None) -> list[ModelPrice]:
    models = [m for m in book.models.values() if provider is None or m.provider == provider]
    if not models:
        providers = sorted({m.provider for m in book.models.values()})
        raise PricingError(f"no models for provider {provider!r}{did_you_mean(provider or '', providers)}")
    return sorted(models, key=lambda m: (m.provider, m.name))


def diff_pricing(book: PriceBook, other: Path, provider: str | None = None, today: dt.date | None = None,
                 package: str | None = None) -> PricingDiff:
    """Compare `book`'s models (of `provider`, if given) with LiteLLM's price map or a pricing table at `other`;
    `package` names the installed package the map came from (litellm.InstalledMap.label), if it did."""
    models = _selected(book, provider)
    path = Path(other)
    kind, payload, digest = _read_other(path, today or dt.date.today())
    result = PricingDiff(str(path), kind, digest, len(payload), book.day, list(book.files), provider, other_package=package)
    if kind == "litellm":
        _diff_litellm(result, models, payload)
    else:
        _diff_tables(result, models, payload, provider)
    return result


def _finish(result: PricingDiff, m: ModelPrice, key: str, rows: list[DiffRow]) -> None:
    result.rows += rows
    result.matches.append(Match(m, key, len(rows)))


# ---------------------------------------------------------------------------------------------
# Against LiteLLM


def _usable(spec: dict, allowed: tuple[str, ...] | None) -> bool:
    return (spec.get("mode", "chat") in TEXT_MODES
            and (allowed is None or spec.get("litellm_provider") in allowed))


def _litellm_key(m: ModelPrice, entries: dict) -> str | None:
    allowed = litellm_providers(m.provider)
    return next((key for key in litellm_keys(m.name, m.aliases, m.provider)
                 if key in entries and _usable(entries[key], allowed)), None)


def _ft_key(m: ModelPrice, key: str, entries: dict) -> str | None:
    """LiteLLM's ft:<model> entry of the model's own provider (OpenAI's ft: rates are not Azure's)."""
    if m.finetune is None:
        return None
    allowed = litellm_providers(m.provider)
    for candidate in (key, *litellm_keys(m.name, m.aliases, m.provider)):
        for form in (candidate, bare_name(candidate, m.provider)):
            if f"ft:{form}" in entries and _usable(entries[f"ft:{form}"], allowed):
                return f"ft:{form}"
    return None


def _diff_litellm(result: PricingDiff, models: list[ModelPrice], entries: dict) -> None:
    matched: set[str] = set()
    for m in models:
        key = _litellm_key(m, entries)
        if key is None:
            result.only_adaptcost.append(m)
            continue
        matched.add(key)
        ft_key = _ft_key(m, key, entries)
        if ft_key:
            matched.add(ft_key)
        ours = _model_facts(m, litellm=True)
        threshold = m.long_context.threshold_tokens if m.long_context else None
        theirs = _litellm_facts(key, entries[key], ft_key, entries.get(ft_key) if ft_key else None, threshold)
        _finish(result, m, key, _compare(m, key, ours, theirs, True, None))
    result.only_other, result.only_other_omitted = _newer_in_litellm(entries, models, matched, result.day)
    result.notes += [
        "LiteLLM's per-token prices × 1,000,000 = USD per 1M tokens; equal within a relative 1e-6.",
        "input cap: adaptcost's max_input_tokens (else its context window) vs LiteLLM's max_input_tokens, "
        "the prompt cap; LiteLLM has no window field and its legacy max_tokens is not compared.",
        "end date: adaptcost's shutdown date (else deprecation date) vs LiteLLM's deprecation_date.",
        "Only in LiteLLM: newer versions of model families adaptcost prices, under each provider's main key form.",
    ]


_SIZE = re.compile(r"^(\d+)([a-z]+)$")
_BEDROCK_VENDOR = re.compile(r"^(anthropic|meta|mistral|amazon|cohere|ai21|deepseek|openai|qwen|writer)\.")


def family(name: str) -> tuple[str, tuple[int, ...]]:
    """A model name's family (its words, numbers left out) and version (its small numbers, before a date).

    claude-sonnet-4-6 -> ('claude-sonnet', (4, 6)); gpt-5.4-mini -> ('gpt-mini', (5, 4));
    gpt-4o -> ('gpt-o', (4,)); gemini-2.5-flash-lite -> ('gemini-flash-lite', (2, 5));
    mistral-small-2506 -> ('mistral-small', ()); llama-3.1-8b -> ('llama-8b', (3, 1)).
    """
    words, version, dated = [], [], False
    for token in re.split(r"[-.:@_/ ]+", name.lower()):
        if not token:
            continue
        if token.isdigit():
            if len(token) >= 4:  # a date or snapshot (20250929, 2506): the version ends here
                dated = True
            elif not dated:
                version.append(int(token))
            continue
        size = _SIZE.match(token)
        if size and size.group(2) not in ("b", "k", "m", "t"):  # 4o: version 4, word "o"; 8b stays a word
            if not dated:
                version.append(int(size.group(1)))
            token = size.group(2)
        words.append(token)
    return "-".join(words), tuple(version)


def _litellm_bare(key: str, provider: str, prefix: str) -> str:
    bare = key[len(prefix):]
    if provider == "bedrock":
        bare = re.sub(r"-v\d+(:\d+)?$", "", _BEDROCK_VENDOR.sub("", bare))
    return bare


def _newer_in_litellm(entries: dict, models: list[ModelPrice], matched: set[str], day: dt.date) -> tuple[list[dict], int]:
    """LiteLLM's entries that look like newer models of the families adaptcost prices (see the module doc)."""
    newest: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {}
    for m in models:
        for written in (m.name, *m.aliases):
            fam, version = family(bare_name(written, m.provider))
            best = newest.get((m.provider, fam))
            if best is None or version > best[0]:
                newest[(m.provider, fam)] = (version, m.name)
    providers = {m.provider for m in models if m.provider in LITELLM_PROVIDERS}
    listed, seen, omitted = [], set(), 0
    for key, spec in sorted(entries.items()):
        if key in matched:
            continue
        if key.startswith("ft:"):
            omitted += 1
            continue
        owner = next((p for p in sorted(providers) if spec.get("litellm_provider") in LITELLM_PROVIDERS[p][0]), None)
        if owner is None:
            omitted += 1
            continue
        prefix = LITELLM_PROVIDERS[owner][1][0]
        row = None
        deprecated = str(spec.get("deprecation_date", "9999-12-31"))
        if (_usable(spec, None) and key.startswith(prefix) and (prefix or "/" not in key)
                and per_mtok(spec.get("input_cost_per_token")) is not None and deprecated > day.isoformat()):
            fam, version = family(_litellm_bare(key, owner, prefix))
            best = newest.get((owner, fam))
            if best is not None and version > best[0] and (owner, fam, version) not in seen:
                seen.add((owner, fam, version))
                row = {"key": key, "provider": owner, "litellm_provider": spec.get("litellm_provider"),
                       "family": fam, "newer_than": best[1],
                       "input": per_mtok(spec.get("input_cost_per_token")),
                       "output": per_mtok(spec.get("output_cost_per_token")),
                       "max_input_tokens": _tokens(spec.get("max_input_tokens"))}
        if row:
            listed.append(row)
        else:
            omitted += 1
    return listed, omitted


# ---------------------------------------------------------------------------------------------
# Against another adaptcost table


def _diff_tables(result: PricingDiff, models: list[ModelPrice], others: list[ModelPrice], provider: str | None) -> None:
    others = [o for o in others if provider is None or o.provider == provider]
    index: dict[str, ModelPrice] = {}
    for o in others:  # a model's own name wins over another model's alias
        for alias in o.aliases:
            index.setdefault(alias, o)
    index.update({o.name: o for o in others})
    used: set[str] = set()
    for m in models:
        o = next((index[n] for n in (m.name, *m.aliases) if n in index), None)
        if o is None:
            result.only_adaptcost.append(m)
            continue
        used.add(o.name)
        rows = _compare(m, o.name, _model_facts(m, litellm=False), _model_facts(o, litellm=False), False, o.as_of)
        _finish(result, m, o.name, rows)
    result.only_other = [{"key": o.name, "provider": o.provider, "file": o.file, "as_of": o.as_of.isoformat(),
                          "input": o.rates.input, "output": o.rates.output}
                         for o in sorted(others, key=lambda o: (o.provider, o.name)) if o.name not in used]
    result.notes.append("Both sides in USD per 1M tokens; equal within a relative 1e-6.")
