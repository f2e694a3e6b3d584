"""Convert LiteLLM's public price map (model_prices_and_context_window.json) into a pricing file.

LiteLLM gives USD per *token*; adaptcost's tables are USD per 1M tokens, so every rate is
multiplied by 1,000,000. Fields used: input_cost_per_token, output_cost_per_token,
cache_read_input_token_cost, cache_creation_input_token_cost (5-minute write),
cache_creation_input_token_cost_above_1hr (1-hour write), *_above_200k_tokens (long-context tier),
max_input_tokens / max_tokens, max_output_tokens, litellm_provider, mode (only "chat" models).
Imported models are marked unverified: the map is a community copy of the providers' pages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Iterable

import yaml

from .errors import PricingError
from .pricing_schema import SCHEMA, SCHEMA_ID

SOURCE = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
TIER = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")


def _per_mtok(value) -> float | None:
    return round(float(value) * 1_000_000, 6) if isinstance(value, (int, float)) else None


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
    writes = []
    if _per_mtok(spec.get("cache_creation_input_token_cost")):
        writes.append({"ttl_minutes": 5, "usd_per_mtok": _per_mtok(spec["cache_creation_input_token_cost"])})
    if _per_mtok(spec.get("cache_creation_input_token_cost_above_1hr")):
        writes.append({"ttl_minutes": 60, "usd_per_mtok": _per_mtok(spec["cache_creation_input_token_cost_above_1hr"])})
    if writes:
        return {"kind": "explicit_ttl", "min_prefix_tokens": 1024, "ttl_minutes": 5, "writes": writes}
    if spec.get("cache_read_input_token_cost") is not None:
        return {"kind": "automatic", "min_prefix_tokens": 1024, "ttl_minutes": 5}
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


def import_litellm(path: Path, only: Iterable[str] = (), as_of: str | None = None) -> tuple[str, int]:
    """Read LiteLLM's JSON; return (pricing YAML text, number of models)."""
    import jsonschema

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PricingError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PricingError(f"{path}: not a readable LiteLLM price map ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise PricingError(f"{path}: expected a JSON object of models")
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
    try:
        jsonschema.validate(document, SCHEMA)
    except jsonschema.ValidationError as exc:  # a LiteLLM entry we could not map cleanly
        raise PricingError(f"{path}: converted entry does not validate: {exc.message}") from None
    header = f"# Imported from LiteLLM's price map ({Path(path).name}) as of {day}; every model unverified.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), len(models)
