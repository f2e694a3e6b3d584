"""JSON Schema of a pricing table (pricing/*.yaml), schema version 2.

Units are part of the field names: ``*_usd_per_mtok`` is US dollars per 1,000,000 tokens,
``*_usd_per_hour`` dollars per wall-clock hour, ``*_usd_per_mtok_hour`` dollars per 1M tokens
held for one hour, ``*_usd_per_month`` dollars per billing month (730 hours: 8,760 h / 12),
``*_tokens`` a token count, ``*_tokens_per_second`` a throughput.

Version 2 (adaptcost 0.2) adds lifecycle facts (per model, and per fine-tuning offer), every
prompt-cache option a model offers (``caching.options``), a separate input cap, a default number
of reasoning tokens, dedicated and self-hosted serving, and self-hosted models priced from a GPU
row. Version-1 files are refused with a message that says what to change.

Retrieval (RAG) rows are optional sections of the same version: ``embeddings`` (embedding models),
``vector_stores`` (managed vector stores) and ``rerankers``; a file lists models, retrieval rows or
both. Their units and the conversions a table may ask for (per GB-day, per GiB, per query) are in
:mod:`adaptcost.prices.retrieval`.
"""

SCHEMA_ID = "adaptcost-pricing/2"
OLD_SCHEMA_IDS = ("adaptcost-pricing/1",)

_price = {"type": "number", "minimum": 0}
_tokens = {"type": "integer", "minimum": 1}
_date = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_text = {"type": "string", "minLength": 1}

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

# One way a provider lets a repeated prompt prefix be billed less. Every option a model offers is
# listed; ICL and global augmentation price each and keep the cheapest for the traffic.
#   automatic: the provider caches repeated prefixes itself for ttl_minutes after the last use
#     (OpenAI in-memory ~5-10 min; OpenAI extended retention 24 h); a miss bills plain input,
#     a hit the cached-input rate; no write surcharge unless write_usd_per_mtok is given.
#   write: the caller marks the prefix; a miss writes it at write_usd_per_mtok and it lives
#     ttl_minutes, refreshed by every hit (Anthropic 5-minute and 1-hour writes).
#   implicit: the provider may discount a repeated prefix but promises nothing (Gemini 2.5+);
#     a query within ttl_minutes (default 5) of the last is billed as a hit with the scenario's
#     implicit_cache_hit_rate assumption.
#   storage: the caller creates a cache billed per token-hour while it exists (Gemini explicit).
_cache_option = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind"],
    "properties": {
        "name": _text,
        "kind": {"enum": ["automatic", "write", "implicit", "storage"]},
        "ttl_minutes": {"type": "number", "exclusiveMinimum": 0},
        "write_usd_per_mtok": _price,
        "storage_usd_per_mtok_hour": _price,
        "note": {"type": "string"},
    },
    "allOf": [
        {"if": {"properties": {"kind": {"const": "write"}}},
         "then": {"required": ["ttl_minutes", "write_usd_per_mtok"]}},
        {"if": {"properties": {"kind": {"const": "automatic"}}}, "then": {"required": ["ttl_minutes"]}},
        {"if": {"properties": {"kind": {"const": "storage"}}}, "then": {"required": ["storage_usd_per_mtok_hour"]}},
    ],
}

_caching = {
    "type": "object",
    "additionalProperties": False,
    "required": ["options"],
    "properties": {
        "min_prefix_tokens": _tokens,
        # automatic caches at OpenAI grow in blocks (128 tokens): a hit covers whole blocks only.
        "increment_tokens": _tokens,
        "options": {"type": "array", "items": _cache_option},
    },
}

_long_context = {
    "type": "object",
    "additionalProperties": False,
    "required": ["threshold_tokens", "usd_per_mtok"],
    "properties": {"threshold_tokens": _tokens, "usd_per_mtok": _rates},
}

# Lifecycle of a model as its provider states it. The status holds from `as_of` on (the date the
# source says it); dates of deprecation and shutdown make it change on those days.
_lifecycle = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status", "source", "as_of"],
    "properties": {
        "status": {"enum": ["active", "deprecated", "retired"]},
        "deprecation_date": _date,
        "shutdown_date": _date,
        "successor": _text,
        "source": _text,
        "as_of": _date,
        "note": {"type": "string"},
    },
}

# When a fine-tuning offer stops taking new training jobs (for whom), and when the models it
# produced stop serving. Audiences: new_customers (organisations that never fine-tuned),
# inactive_customers (no fine-tuned inference recently: new ones included), everyone.
_training_stop = {
    "type": "object",
    "additionalProperties": False,
    "required": ["date", "for"],
    "properties": {"date": _date, "for": {"enum": ["new_customers", "inactive_customers", "everyone"]},
                   "note": {"type": "string"}},
}

_finetune_lifecycle = {
    "type": "object",
    "additionalProperties": False,
    "required": ["source", "as_of"],
    "properties": {
        "training_stops": {"type": "array", "items": _training_stop},
        "serving_stops": _date,
        # true where the provider gives its dates as the earliest ("retirement: May 19, 2027 or
        # later"): a plan past them is flagged as a risk, not refused.
        "dates_are_earliest": {"type": "boolean"},
        "source": _text,
        "as_of": _date,
        "note": {"type": "string"},
    },
}

# Self-hosting: a GPU rented by the hour and the throughput it reaches. Per-token serving rates
# and training hours are derived from them (see prices.book.ModelPrice / costing.strategies).
_gpu = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "usd_per_hour", "source", "as_of", "serving_tokens_per_second", "throughput_source"],
    "properties": {
        "name": _text,
        "usd_per_hour": _price,  # per GPU
        "count": _tokens,  # GPUs per replica
        "always_on_replicas": {"type": "integer", "minimum": 0},  # billed every hour, used or not
        "source": _text,
        "as_of": _date,
        "serving_tokens_per_second": {
            "type": "object", "additionalProperties": False, "required": ["input", "output"],
            "properties": {"input": {"type": "number", "exclusiveMinimum": 0},
                           "output": {"type": "number", "exclusiveMinimum": 0}},
        },
        "training_tokens_per_second": {"type": "number", "exclusiveMinimum": 0},
        "throughput_source": _text,
        "note": {"type": "string"},
    },
}

_finetune = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "training_usd_per_mtok": _price,  # derived from the GPU row for self-hosted models
        # tokens_x_epochs: billed tokens = tokens in the training file x epochs (OpenAI, Vertex,
        # Mistral, Azure); tokens_x_epochs_plus_validation: validation tokens billed too (Together);
        # gpu_hours: self-hosted, billed tokens / training throughput = GPU hours.
        "training_billing": {"enum": ["tokens_x_epochs", "tokens_x_epochs_plus_validation", "gpu_hours"]},
        "usd_per_mtok": _rates,
        # per_token: the tuned model is served at per-token rates (OpenAI, Vertex, Together serverless LoRA);
        # provisioned: only on capacity billed per hour (Bedrock custom models): hosting_usd_per_hour required;
        # dedicated: on a dedicated endpoint billed per hour, plus its per-token rates if any (Together);
        # self_hosted: on the model's own GPU row.
        "serving": {"enum": ["per_token", "provisioned", "dedicated", "self_hosted"]},
        "hosting_usd_per_hour": _price,
        "storage_usd_per_month": _price,
        "min_training_usd": _price,
        "max_output_tokens": _tokens,
        "lifecycle": _finetune_lifecycle,
        "source": _text,
        "as_of": _date,
        "verified": {"type": "boolean"},
        "note": {"type": "string"},
    },
    "if": {"properties": {"serving": {"const": "self_hosted"}}, "required": ["serving"]},
    "else": {"required": ["training_usd_per_mtok", "usd_per_mtok"]},
}

# A published change of a model's per-token rates inside the table's life (a promotion that ends, a
# price cut announced ahead): the full rates in force from `from` (inclusive) until the next entry's
# `from`, each entry with its own source, the date that source states and whether it was verified.
# Entries run in ascending order of `from`; before the first, the row's own usd_per_mtok holds.
_price_change = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "usd_per_mtok", "source", "as_of"],
    "properties": {
        "from": _date,
        "usd_per_mtok": _rates,
        "source": _text,
        "as_of": _date,
        "verified": {"type": "boolean"},
        "note": {"type": "string"},
    },
}

# A fine-tuning block's dated change: the training price (and, where it changes too, the tuned
# model's per-token rates) from `from` on, in the shape of a model's price_changes.
_training_price_change = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "training_usd_per_mtok", "source", "as_of"],
    "properties": {**_price_change["properties"], "training_usd_per_mtok": _price},
}
_finetune["properties"]["price_changes"] = {"type": "array", "items": _training_price_change, "minItems": 1}

_model = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "source", "as_of", "tokenizer", "context_window_tokens"],
    "properties": {
        "name": _text,
        "aliases": {"type": "array", "items": {"type": "string"}},
        "source": _text,
        "as_of": _date,
        "verified": {"type": "boolean"},
        "note": {"type": "string"},
        "tokenizer": _tokenizer,
        "context_window_tokens": _tokens,
        # Some providers cap the prompt below the window (gpt-5: 272k input of a 400k window).
        "max_input_tokens": _tokens,
        "max_output_tokens": _tokens,
        # Reasoning ("thinking") tokens a query generates by default, billed as output.
        "reasoning_tokens_per_query": {"type": "integer", "minimum": 0},
        "usd_per_mtok": _rates,
        "price_changes": {"type": "array", "items": _price_change, "minItems": 1},
        "gpu": _gpu,
        "batch_discount": {"type": "number", "minimum": 0, "maximum": 1},
        "caching": _caching,
        "long_context": _long_context,
        # Optional in a user's file (then: active, as far as the file says); every bundled row has it.
        "lifecycle": _lifecycle,
        "finetune": _finetune,
    },
    # Per-token rates come from the table, or are derived from a GPU row (self-hosting).
    # A schedule of price changes applies to table rates only (a GPU row's rates follow its hour price).
    "oneOf": [{"required": ["usd_per_mtok"], "not": {"required": ["gpu"]}},
              {"required": ["gpu"], "not": {"anyOf": [{"required": ["usd_per_mtok"]}, {"required": ["price_changes"]}]}}],
}

# ---------------------------------------------------------------- retrieval rows

# What every retrieval row has: where its figures come from, when they held, its lifecycle.
_retrieval_common = {
    "name": _text,
    "aliases": {"type": "array", "items": {"type": "string"}},
    "source": _text,
    "as_of": _date,
    "verified": {"type": "boolean"},  # default true: say false, and why in note, for an unconfirmed figure
    "note": {"type": "string"},
    "lifecycle": _lifecycle,
}

# An embedding model: every token embedded bills at usd_per_mtok; the provider's batch API, where
# it has one, takes batch_discount off (OpenAI: 0.5).
_embedding = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "source", "as_of", "usd_per_mtok", "dimensions", "max_input_tokens", "tokenizer"],
    "properties": {
        **_retrieval_common,
        "usd_per_mtok": _price,
        "dimensions": _tokens,  # the default output dimensions: what a vector store stores
        "max_input_tokens": _tokens,  # per input text: a chunk must fit
        "tokenizer": _tokenizer,
        "batch_discount": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

_count = {"type": "number", "minimum": 0}

# A managed vector store. Storage: storage_usd_per_gb_month, or storage_usd_per_gb_day (converted
# at load: x 730 / 24); storage_unit GiB when the provider's GB is 2^30 bytes. Reads:
# usd_per_million_read_units with read_units per query (max(minimum, fixed + per_gb x index GB)),
# or usd_per_1k_queries (a fee per query). Writes: write units per vector, fixed and per KB of record.
# Exactly one storage and one read price: the loader says which is missing or doubled.
_vector_store = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "source", "as_of"],
    "properties": {
        **_retrieval_common,
        "storage_usd_per_gb_month": _price,
        "storage_usd_per_gb_day": _price,
        "storage_unit": {"enum": ["GB", "GiB"]},
        "free_storage_gb": _count,
        "usd_per_million_read_units": _price,
        "usd_per_1k_queries": _price,
        "read_units": {
            "type": "object", "additionalProperties": False,
            "properties": {"fixed": _count, "per_gb": _count, "minimum": _count},
        },
        "usd_per_million_write_units": _price,
        "write_units_per_vector": _count,
        "write_units_per_kb": _count,
        "bytes_per_dimension": {"type": "integer", "minimum": 1},
        "overhead_bytes_per_vector": {"type": "integer", "minimum": 0},
        "minimum_usd_per_month": _price,
        "builtin_dimensions": _tokens,  # the store embeds itself, unbilled, at this many dimensions
    },
}

# A reranker: per_search bills usd_per_1k_searches for each query over up to documents_per_search
# documents (Cohere); per_mtok bills the tokens it reads (Voyage: query tokens x documents + the
# documents' tokens), counted with its tokenizer.
_reranker = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "source", "as_of", "billing"],
    "properties": {
        **_retrieval_common,
        "billing": {"enum": ["per_search", "per_mtok"]},
        "usd_per_1k_searches": _price,
        "documents_per_search": _tokens,
        "usd_per_mtok": _price,
        "max_tokens_per_document": _tokens,
        "tokenizer": _tokenizer,
    },
    "allOf": [
        {"if": {"properties": {"billing": {"const": "per_search"}}, "required": ["billing"]},
         "then": {"required": ["usd_per_1k_searches"]}},
        {"if": {"properties": {"billing": {"const": "per_mtok"}}, "required": ["billing"]},
         "then": {"required": ["usd_per_mtok", "tokenizer"]}},
    ],
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    # A file lists models, retrieval rows or both (the loader refuses a file with none).
    "required": ["schema", "provider", "currency"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "provider": {"type": "string", "minLength": 1},
        "currency": {"const": "USD"},
        "note": {"type": "string"},
        "models": {"type": "array", "items": _model, "minItems": 1},
        "embeddings": {"type": "array", "items": _embedding, "minItems": 1},
        "vector_stores": {"type": "array", "items": _vector_store, "minItems": 1},
        "rerankers": {"type": "array", "items": _reranker, "minItems": 1},
    },
}
