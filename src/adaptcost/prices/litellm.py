"""Convert LiteLLM's public price map (model_prices_and_context_window.json) into a pricing file.

LiteLLM gives USD per *token*; adaptcost's tables are USD per 1M tokens, so every rate is
multiplied by 1,000,000. Fields used: input_cost_per_token, output_cost_per_token,
cache_read_input_token_cost, cache_creation_input_token_cost (5-minute write),
cache_creation_input_token_cost_above_1hr (1-hour write), *_above_200k_tokens (long-context tier),
max_input_tokens / max_tokens, max_output_tokens, litellm_provider, mode (only "chat" models).
Imported models are marked unverified: the map is a community copy of the providers' pages.
Cache writes become ``caching.options`` of kind "write" (schema adaptcost-pricing/2).

The knowledge of how LiteLLM names each provider's models (LITELLM_PROVIDERS, litellm_keys) and
how its fields map to adaptcost's (per_mtok, TIER, CACHE_WRITE_FIELDS) is shared with
``adaptcost pricing diff`` (prices/diff.py).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from ..errors import PricingError
from ..fileio import read_bytes
from .schema import SCHEMA, SCHEMA_ID

SOURCE = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
TIER = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
# LiteLLM's cache-write fields, by the adaptcost write option's TTL in minutes.
CACHE_WRITE_FIELDS = {5: "cache_creation_input_token_cost", 60: "cache_creation_input_token_cost_above_1hr"}

# How LiteLLM names the models of each adaptcost provider (shared by `pricing import` and `pricing diff`):
# the `litellm_provider` values of its entries, and the key prefixes tried, in order, before a model's
# name or alias ("" = the bare name). Bedrock's regional inference profiles (us., eu., global.) are
# priced apart (some at a 10% premium) and match only when a table lists them as aliases.
LITELLM_PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "openai": (("openai", "text-completion-openai"), ("",)),
    "anthropic": (("anthropic",), ("",)),
    "azure": (("azure",), ("azure/",)),
    "bedrock": (("bedrock", "bedrock_converse"), ("", "bedrock/")),
    "google": (("gemini", "vertex_ai-language-models"), ("gemini/", "")),
    "mistral": (("mistral",), ("mistral/",)),
    "together": (("together_ai",), ("together_ai/",)),
}
# Entries that price text generation (others: embedding, image_generation, audio_*, rerank, ...).
TEXT_MODES = ("chat", "completion", "responses")


def per_mtok(value) -> float | None:
    """LiteLLM's USD per token as adaptcost's USD per 1M tokens (None if not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return round(float(value) * 1_000_000, 6)


_per_mtok = per_mtok


def bare_name(name: str, provider: str) -> str:
    """`name` without a prefix that names its provider: azure/gpt-4o -> gpt-4o, bedrock/claude-3-haiku -> claude-3-haiku."""
    for prefix in (f"{provider}/", *(p for p in LITELLM_PROVIDERS.get(provider, ((), ()))[1] if p)):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def litellm_keys(name: str, aliases: Iterable[str], provider: str) -> list[str]:
    """The LiteLLM keys an adaptcost model may be listed under, most specific first, without repeats.

    Each name and alias as written, then without its provider prefix, then with each of the
    provider's LiteLLM prefixes: gemini-2.5-pro -> gemini/gemini-2.5-pro; azure/gpt-4o -> azure/gpt-4o;
    together/x -> together_ai/x; mistral-small-2506 -> mistral/mistral-small-2506.
    """
    prefixes = LITELLM_PROVIDERS.get(provider, ((), ("",)))[1]
    keys: list[str] = []
    for written in (name, *aliases):
        bare = bare_name(written, provider)
        for key in (written, *(p + bare for p in prefixes)):
            if key not in keys:
                keys.append(key)
    return keys


def litellm_providers(provider: str) -> tuple[str, ...] | None:
    """The `litellm_provider` values of an adaptcost provider's entries; None: any (a provider LiteLLM names otherwise)."""
    known = LITELLM_PROVIDERS.get(provider)
    return known[0] if known else None


# The price map the `litellm` package ships inside itself (what `pricing diff --litellm` reads).
PACKAGE = "litellm"
PACKAGED_MAP = "model_prices_and_context_window_backup.json"


@dataclass(frozen=True)
class InstalledMap:
    """LiteLLM's price map as shipped in the installed `litellm` package: where, and which release."""

    path: Path
    version: str

    @property
    def label(self) -> str:
        return f"{PACKAGE} {self.version} ({PACKAGED_MAP})"


def installed_price_map() -> InstalledMap:
    """The price map of the installed `litellm` package, found WITHOUT importing it (a heavy import).

    `importlib.util.find_spec` locates the package folder (it imports nothing for a top-level name);
    `importlib.metadata.version` reads the release from the package's dist-info. A PricingError (one
    line) when the package is not installed or ships no map.
    """
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):  # a broken install, or a module without a spec in sys.modules
        spec = None
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        raise PricingError(f"the {PACKAGE} package is not installed: `pip install {PACKAGE}`, "
                           f"or give the path of LiteLLM's price map (JSON)")
    path = next((Path(folder) / PACKAGED_MAP for folder in folders if (Path(folder) / PACKAGED_MAP).is_file()), None)
    if path is None:
        raise PricingError(f"the installed {PACKAGE} package ({folders[0]}) has no {PACKAGED_MAP}")
    return InstalledMap(path, _version(path.parent.parent))


def _version(site: Path) -> str:
    """The release of the package, from the dist-info beside it (the same install), else from any on the path."""
    beside = [d.version for d in importlib.metadata.distributions(name=PACKAGE, path=[str(site)])]
    if beside:
        return beside[0]
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown: no package metadata)"


def read_price_map(path: Path) -> dict:
    """LiteLLM's JSON price map as a dict of entries; a PricingError (one line) if it is not one.
    The read is bounded like every input file (fileio.read_bytes: /dev/zero is refused, not read)."""
    return parse_price_map(read_bytes(Path(path), "LiteLLM price map", PricingError), path)


def parse_price_map(raw: bytes, path: Path) -> dict:
    """The bytes of LiteLLM's JSON price map as a dict of entries (see read_price_map)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PricingError(f"{path}: not a readable LiteLLM price map ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise PricingError(f"{path}: expected a JSON object of models")
    return data


def _tokenizer(name: str, provider: str):
    """OpenAI's own families are exact; others are estimates from o200k_base, said to be so."""
    bare = name.rsplit("/", 1)[-1].lower()
    if provider in ("openai", "azure") and re.match(r"(gpt-4o|gpt-4\.1|gpt-5|o1|o3|o4|chatgpt-4o)", bare):
        return "o200k_base"
    if provider in ("openai", "azure") and re.match(r"(gpt-4|gpt-3\.5)", bare):
        return "cl100k_base"
    ratio = {"anthropic": 1.2, "gemini": 1.1, "vertex_ai-language-models": 1.1, "mistral": 1.1}.get(provider, 1.0)
    return {"estimate_from": "o200k_base", "ratio": ratio, "error": 0.25,
            "basis": f"unverified assumption for {provider} models imported from LiteLLM"}


def _caching(spec: dict, provider: str) -> dict | None:
    writes = [{"name": "5m" if ttl == 5 else "1h", "kind": "write", "ttl_minutes": ttl, "write_usd_per_mtok": _per_mtok(spec[key])}
              for ttl, key in CACHE_WRITE_FIELDS.items() if _per_mtok(spec.get(key))]
    if writes:
        return {"min_prefix_tokens": 1024, "options": writes}
    if spec.get("cache_read_input_token_cost") is not None:
        return {"min_prefix_tokens": 1024, "options": [{"kind": "automatic", "ttl_minutes": 5}]}
    return None


def _long_context(spec: dict, rates: dict, window: int) -> dict | None:
    for key, value in spec.items():
        match = TIER.match(key)
        if match and isinstance(value, (int, float)):
            k = match.group(1)
            threshold = int(k) * 1000
            if threshold >= window:
                return None
            tier = {"input": _per_mtok(value),
                    "output": _per_mtok(spec.get(f"output_cost_per_token_above_{k}k_tokens")) or rates["output"]}
            cached = _per_mtok(spec.get(f"cache_read_input_token_cost_above_{k}k_tokens"))
            if cached is not None:
                tier["cached_input"] = cached
            return {"threshold_tokens": threshold, "usd_per_mtok": tier}
    return None


def convert_entry(name: str, spec: dict, as_of: str) -> dict | None:
    """One LiteLLM entry as an adaptcost model, or None if it is not a priced chat model."""
    if not isinstance(spec, dict) or spec.get("mode", "chat") != "chat":
        return None
    rates = {"input": _per_mtok(spec.get("input_cost_per_token")), "output": _per_mtok(spec.get("output_cost_per_token"))}
    window = spec.get("max_input_tokens") or spec.get("max_tokens")
    if rates["input"] is None or rates["output"] is None or not isinstance(window, int) or window < 1:
        return None
    provider = str(spec.get("litellm_provider", "unknown"))
    cached = _per_mtok(spec.get("cache_read_input_token_cost"))
    if cached is not None:
        rates["cached_input"] = cached
    model = {"name": name, "source": SOURCE, "as_of": as_of, "verified": False,
             "note": f"imported from LiteLLM's price map (provider {provider}); check against the provider's page",
             "tokenizer": _tokenizer(name, provider), "context_window_tokens": window, "usd_per_mtok": rates}
    if isinstance(spec.get("max_output_tokens"), int) and spec["max_output_tokens"] > 0:
        model["max_output_tokens"] = spec["max_output_tokens"]
    for key, value in (("caching", _caching(spec, provider)), ("long_context", _long_context(spec, rates, window))):
        if value:
            model[key] = value
    return model


def import_litellm(path: Path, only: Iterable[str] = (), as_of: str | None = None,
                   label: str | None = None) -> tuple[str, int]:
    """Read LiteLLM's JSON; return (pricing YAML text, number of models). `label` names the map in the
    header (e.g. "litellm 1.110.2 (model_prices_and_context_window_backup.json)"); default its file name."""
    import jsonschema

    data = read_price_map(path)
    day = as_of or dt.date.fromtimestamp(Path(path).stat().st_mtime).isoformat()
    wanted = set(only)
    models = [m for name, spec in sorted(data.items()) if (not wanted or name in wanted)
              if name != "sample_spec" and (m := convert_entry(name, spec, day))]
    missing = wanted - {m["name"] for m in models}
    if missing:
        raise PricingError(f"{path}: no priced chat model named {', '.join(sorted(missing))}")
    if not models:
        raise PricingError(f"{path}: no priced chat models found")
    document = {"schema": SCHEMA_ID, "provider": "litellm-import", "currency": "USD", "models": models}
    from .book import out_of_range

    found = out_of_range(Path(path), document)  # a per-token cost of 1e303 is an infinite price per 1M
    if found:
        raise PricingError(f"{found} (converted from LiteLLM's USD per token)")
    try:
        jsonschema.validate(document, SCHEMA)
    except jsonschema.ValidationError as exc:  # a LiteLLM entry we could not map cleanly
        raise PricingError(f"{path}: converted entry does not validate: {exc.message}") from None
    header = f"# Imported from LiteLLM's price map ({label or Path(path).name}) as of {day}; every model unverified.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), len(models)
