"""Builders shared by the tests: priced models with each provider's caching, corpus statistics,
scenarios, a small price book (the `book` fixture in conftest.py loads it), and the command line
on the bundled examples."""

import dataclasses
import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from adaptcost.corpus.discover import CorpusProfile, Document
from adaptcost.costing.strategies import CorpusStats, Models
from adaptcost.prices.book import (CacheOption, Caching, FineTune, Gpu, LongContext, ModelPrice, PriceChange, Rates,
                                   TokenizerSpec)
from adaptcost.prices.retrieval import EmbeddingPrice, ReadUnits, RerankerPrice, VectorStorePrice
from adaptcost.decision.curves import Accuracy, Curves
from adaptcost.decision.recommend import recommend
from adaptcost.decision.estimate import ModelChoice, estimate
from adaptcost.costing.scenario import Scenario

DAY = dt.date(2026, 11, 1)


def model(name="m", input=2.0, output=8.0, cached=None, window=1_000_000, caching=None, long_context=None,
          finetune=None, tokenizer=None, batch=0.0):
    return ModelPrice(
        name=name, provider="test", aliases=(), source="https://example.test/pricing", as_of=DAY, verified=True,
        note="", tokenizer=tokenizer or TokenizerSpec("o200k_base"), context_window_tokens=window, max_output_tokens=None,
        rates=Rates(input, output, input if cached is None else cached), batch_discount=batch,
        caching=caching or Caching(), long_context=long_context, finetune=finetune, file="pricing/test.yaml",
    )


def priced_from(m, *changes, verified=True):
    """`m` with a schedule of rates: each change (date, input, output[, cached]) in force from that day."""
    schedule = tuple(PriceChange(day, Rates(i, o, rest[0] if rest else i), "https://example.test/pricing-change", DAY,
                                 verified, "", n) for n, (day, i, o, *rest) in enumerate(changes))
    return dataclasses.replace(m, price_changes=schedule)


def automatic(*ttls, min_prefix=1024):
    """OpenAI-style automatic caching: 128-token blocks, one option per retention (minutes)."""
    return Caching(min_prefix, 128, tuple(CacheOption(f"{t:g}m", "automatic", t) for t in ttls))


def writes(*pairs, min_prefix=1024):
    """Anthropic-style explicit caching: (TTL minutes, write USD/MTok) per option."""
    return Caching(min_prefix, 1, tuple(CacheOption(f"{t:g}m", "write", t, w) for t, w in pairs))


def storage(rate, min_prefix=1024):
    """Gemini-style explicit cache billed per token-hour."""
    return Caching(min_prefix, 1, (CacheOption("explicit", "storage", 60, None, rate),))


def ft_block(training=25.0, input=3.75, output=15.0, hosting=0.0, storage=0.0, billing="tokens_x_epochs", minimum=0.0):
    return FineTune(training, billing, Rates(input, output, input), hosting, storage, minimum,
                    "https://example.test/ft", DAY, True, "")


def stats(tokens=10_000, max_doc=1_000, documents=20, chunks=500, doc_tokens=None):
    per_doc = {"o200k_base": tuple(doc_tokens)} if doc_tokens is not None else None
    return CorpusStats({"o200k_base": tokens}, {"o200k_base": max_doc}, documents, chunks, per_doc)


def embedding(name="embed-small", rate=0.02, dimensions=1536, max_input=8191, batch=0.5, tokenizer=None):
    return EmbeddingPrice(name, "test", "https://example.test/embeddings", DAY, True, "pricing/test.yaml", rate,
                          dimensions, max_input, tokenizer or TokenizerSpec("o200k_base"), batch)


def vector_store(name="store", storage=0.33, reads=16.0, units=ReadUnits(1.0, 0.0, 0.0), writes=0.0, per_vector=0.0,
                 free_gb=0.0, minimum=0.0, overhead=0):
    return VectorStorePrice(name, "test", "https://example.test/store", DAY, True, "pricing/test.yaml", storage, reads,
                            units, writes, per_vector, free_gb, 4, overhead, minimum)


def reranker(name="rerank", billing="per_search", per_1k=2.0, per_search=100, per_mtok=0.05):
    return RerankerPrice(name, "test", "https://example.test/rerank", DAY, True, "pricing/test.yaml", billing, per_1k,
                         per_search, per_mtok)


# Pinecone-like: storage per GB-month, read units growing with the index, write units, a plan minimum
SERVERLESS = vector_store("serverless", 0.33, 16.0, ReadUnits(0.0, 1.0, 0.25), 4.0, 1.0, 0.0, 50.0, 40)
# OpenAI-file-search-like: 1 GB free, one billed call per query
PER_CALL = vector_store("per-call", 3.04, 2500.0, ReadUnits(1.0, 0.0, 0.0), free_gb=1.0)
# a store that embeds what it is given itself, at 256 dimensions; write units per KB of record
SELF_EMBEDDING = dataclasses.replace(vector_store("self-embedding", 2.83, 2500.0, free_gb=0.001, overhead=3200),
                                     builtin_dimensions=256)
PER_KB = dataclasses.replace(SERVERLESS, name="per-kb", write_units_per_vector=0.0, write_units_per_kb=1.0)


def scenario(**kw):
    base = dict(queries_per_day=100, horizon_days=10, refresh_days=0)
    base.update(kw)
    return Scenario(**base)


def only(m):
    return Models(m, m, m)


OPENAI_LIKE = model(cached=0.5, finetune=ft_block(hosting=0.5),
                    caching=automatic(5))
ANTHROPIC_LIKE = model(input=3.0, output=15.0, cached=0.3, finetune=ft_block(),
                       caching=writes((5, 3.75)),
                       long_context=LongContext(200_000, Rates(6.0, 22.5, 0.6)))
GEMINI_LIKE = model(input=0.3, output=2.5, cached=0.03, finetune=ft_block(),
                    caching=storage(1.0))

def gpu_model(always_on=1):
    gpu = Gpu("H100 80GB", 2.0, 1, always_on, "https://example.test/gpus", DAY, 10_000, 1_000, 2_000, "https://example.test/bench")
    rates = Rates(gpu.usd_per_mtok(10_000), gpu.usd_per_mtok(1_000), gpu.usd_per_mtok(10_000))
    ft = FineTune(gpu.usd_per_mtok(2_000), "gpu_hours", rates, None, 0.0, 0.0, "https://example.test/ft", DAY, True, "",
                  serving="self_hosted")
    return ModelPrice(**{**model(finetune=ft).__dict__, "rates": rates, "gpu": gpu})




# ---------------------------------------------------------------- a small price book and a decision

PRICES = {
    "schema": "adaptcost-pricing/2", "provider": "test", "currency": "USD",
    "models": [{
        "name": "tiny", "source": "https://example.test", "as_of": "2026-11-01", "verified": True,
        "tokenizer": "o200k_base", "context_window_tokens": 1_000_000,
        "usd_per_mtok": {"input": 2.0, "output": 8.0},
        "finetune": {"training_usd_per_mtok": 25.0, "usd_per_mtok": {"input": 3.0, "output": 12.0}},
    }],
    "embeddings": [{
        "name": "text-embedding-3-small", "source": "https://example.test/embeddings", "as_of": "2026-11-01",
        "usd_per_mtok": 0.02, "batch_discount": 0.5, "dimensions": 1536, "max_input_tokens": 8191, "tokenizer": "o200k_base",
    }],
}


def profile(tokens=50_000, docs=10, chunks=2_000):
    per = tokens // docs
    documents = [Document(f"d{i}.md", 100, f"{i:064d}", 400, chunks // docs, {"o200k_base": per}) for i in range(docs)]
    return CorpusProfile(["corpus"], ["o200k_base"], documents)


def curves_with(table):
    cells = {s: {t: Accuracy(*v) for t, v in row.items()} for s, row in table.items()}
    return Curves("test", "measured", "test.yaml", "", "", cells)


FLAT = {  # accuracy on recall only
    "icl": {"recall": (0.90, 0.85, 0.95)},
    "finetune": {"recall": (0.70, 0.60, 0.80)},
    "finetune+local": {"recall": (0.85, 0.80, 0.90)},
    "finetune+global": {"recall": (0.89, 0.85, 0.93)},
    "rag": {"recall": (0.80, 0.70, 0.90, "", 0.25, 0.8, 4)},  # guessing 0.25, retrieved at recall 0.8 with k = 4
    "finetune+rag": {"recall": (0.82, 0.72, 0.90, "", 0.25, 0.8, 4)},
}


def run(book, q, **kw):
    e = estimate(profile(), book, ModelChoice("tiny"), Scenario(queries_per_day=q, horizon_days=365),
                 today=dt.date(2026, 11, 25))
    return recommend(e, curves_with(FLAT), {"recall": 1.0}, **kw)




# ---------------------------------------------------------------- the command line

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = str(ROOT / "examples" / "corpus")
AS_OF = ("--as-of", "2026-11-27")  # lifecycle facts change with the date: pin the decision day
_runner = CliRunner()


def invoke(*args, width: int = 200):
    """The command line in a terminal `width` columns wide."""
    from adaptcost.cli import app

    return _runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)})


def assert_clean_error(result, *fragments):
    """One line on stderr starting with 'error:', exit status 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:"), err
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
