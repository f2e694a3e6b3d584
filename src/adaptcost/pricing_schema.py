"""JSON Schema of a pricing table (pricing/*.yaml), schema version 1.

Units are part of the field names: ``*_usd_per_mtok`` is US dollars per 1,000,000 tokens,
``*_usd_per_hour`` dollars per wall-clock hour, ``*_usd_per_mtok_hour`` dollars per 1M tokens
held for one hour, ``*_usd_per_month`` dollars per 30-day month, ``*_tokens`` a token count.
"""

SCHEMA_ID = "adaptcost-pricing/1"

_price = {"type": "number", "minimum": 0}
_tokens = {"type": "integer", "minimum": 1}
_date = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

_rates = {
    "type": "object",
    "additionalProperties": False,
    "required": ["input", "output"],
    "properties": {"input": _price, "cached_input": _price, "output": _price},
}

_tokenizer = {
    "oneOf": [
        {"type": "string", "description": "an exact encoding: o200k_base, cl100k_base, llama3, qwen3"},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["estimate_from", "ratio", "error"],
            "properties": {
                "estimate_from": {"type": "string"},
                "ratio": {"type": "number", "exclusiveMinimum": 0},
                "error": {"type": "number", "minimum": 0, "maximum": 1},
                "basis": {"type": "string"},
            },
        },
    ]
}

_cache_write = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ttl_minutes", "usd_per_mtok"],
    "properties": {"ttl_minutes": {"type": "number", "exclusiveMinimum": 0}, "usd_per_mtok": _price},
}

_caching = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind"],
    "properties": {
        # automatic: provider caches repeated prefixes itself (OpenAI; reads at cached_input).
        # explicit_ttl: the caller marks a prefix; each write bills at a cache-write rate and lives
        #   ttl_minutes, refreshed on every hit (Anthropic).
        # explicit_storage: the caller creates a cache billed per token-hour of storage (Gemini).
        "kind": {"enum": ["automatic", "explicit_ttl", "explicit_storage", "none"]},
        "min_prefix_tokens": _tokens,
        "ttl_minutes": {"type": "number", "exclusiveMinimum": 0},
        "writes": {"type": "array", "items": _cache_write, "minItems": 1},
        "storage_usd_per_mtok_hour": _price,
    },
}

_long_context = {
    "type": "object",
    "additionalProperties": False,
    "required": ["threshold_tokens", "usd_per_mtok"],
    "properties": {"threshold_tokens": _tokens, "usd_per_mtok": _rates},
}

_finetune = {
    "type": "object",
    "additionalProperties": False,
    "required": ["training_usd_per_mtok", "usd_per_mtok"],
    "properties": {
        "training_usd_per_mtok": _price,
        # tokens_x_epochs: billed tokens = tokens in the training file x epochs (OpenAI, Vertex,
        # Mistral, Azure); tokens_x_epochs_plus_validation: validation tokens billed too (Together).
        "training_billing": {"enum": ["tokens_x_epochs", "tokens_x_epochs_plus_validation"]},
        "usd_per_mtok": _rates,
        # per_token: the tuned model is served at per-token rates (OpenAI, Vertex, Together);
        # provisioned: it can only be served on capacity billed per hour (Bedrock custom models),
        #   so hosting_usd_per_hour is required before fine-tuning can be priced.
        "serving": {"enum": ["per_token", "provisioned"]},
        "hosting_usd_per_hour": _price,
        "storage_usd_per_month": _price,
        "min_training_usd": _price,
        "source": {"type": "string", "minLength": 1},
        "as_of": _date,
        "verified": {"type": "boolean"},
        "note": {"type": "string"},
    },
}

_model = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "source", "as_of", "tokenizer", "context_window_tokens", "usd_per_mtok"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "aliases": {"type": "array", "items": {"type": "string"}},
        "source": {"type": "string", "minLength": 1},
        "as_of": _date,
        "verified": {"type": "boolean"},
        "note": {"type": "string"},
        "tokenizer": _tokenizer,
        "context_window_tokens": _tokens,
        "max_output_tokens": _tokens,
        "usd_per_mtok": _rates,
        "batch_discount": {"type": "number", "minimum": 0, "maximum": 1},
        "caching": _caching,
        "long_context": _long_context,
        "finetune": _finetune,
    },
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "provider", "currency", "models"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "provider": {"type": "string", "minLength": 1},
        "currency": {"const": "USD"},
        "note": {"type": "string"},
        "models": {"type": "array", "items": _model, "minItems": 1},
    },
}
