"""Defaults the command line shows in its help, in a module that imports nothing, so that
`adaptcost --help` starts without numpy, scipy or the price tables. Each is documented where it
is used: the model in api.py, the file-size cap in corpus/discover.py, the tolerance in decision/recommend.py."""

# Buyable today, by an organisation that never fine-tuned, for every strategy: OpenAI closed
# fine-tuning to new organisations on 2026-05-07 (pricing/openai.yaml); Gemini 3.5 Flash is
# queried with implicit caching and tuned on Vertex AI (pricing/google.yaml, whose lifecycle
# dates are the earliest Google allows, flagged in every output).
DEFAULT_MODEL = "gemini-3.5-flash"
DEFAULT_MAX_FILE_MB = 50.0  # larger files are skipped, with the reason
DEFAULT_TOLERANCE = 0.02  # without --min-accuracy: the target is the best expected accuracy minus this
ENCODING_NAMES = ("cl100k_base", "o200k_base", "llama3", "qwen3")  # encodings.ENCODINGS, for help text (a test keeps them equal)
# RAG's embedding model when none is named: current, priced in pricing/openai.yaml with an exact
# tokenizer (cl100k_base) and a batch discount for indexing; any priced embedding row may replace it.
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
