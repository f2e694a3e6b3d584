"""Retrieval price rows (embedding models, vector stores, rerankers): the bundled rows, validation
with one-line errors naming file, row and field, the conversions a table may ask for, the
PriceBook lookups (did-you-mean, retired rows refused, rows priced after the decision day set
aside), the notices, and `pricing list` / `show` / `validate`."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from adaptcost.corpus.encodings import ENCODINGS
from adaptcost.errors import PricingError
from adaptcost.prices.notices import retrieval_notices
from adaptcost.prices.book import load_pricing, read_table
from adaptcost.prices.schema import SCHEMA_ID
from adaptcost.prices.retrieval import DAYS_PER_MONTH, GB_PER_GIB, EmbeddingPrice, ReadUnits, RerankerPrice, VectorStorePrice
from builders import assert_clean_error, invoke

TODAY = dt.date(2026, 12, 4)  # the day the tables were last brought current (issue 18)
LIFE = {"status": "active", "source": "https://example.test/lifecycle", "as_of": "2026-11-01"}

EMBEDDING = {
    "name": "emb", "aliases": ["emb-latest"], "source": "https://example.test/pricing", "as_of": "2026-11-01",
    "usd_per_mtok": 0.02, "batch_discount": 0.5, "dimensions": 1536, "max_input_tokens": 8191,
    "tokenizer": "cl100k_base", "lifecycle": LIFE,
}
STORE = {
    "name": "store", "source": "https://example.test/pricing", "as_of": "2026-11-01",
    "storage_usd_per_gb_month": 0.33, "usd_per_million_read_units": 16,
    "read_units": {"fixed": 0, "per_gb": 1, "minimum": 0.25}, "usd_per_million_write_units": 4,
    "write_units_per_kb": 1, "minimum_usd_per_month": 50, "lifecycle": LIFE,
}
RERANKER = {
    "name": "rr", "source": "https://example.test/pricing", "as_of": "2026-11-01", "billing": "per_search",
    "usd_per_1k_searches": 2.0, "documents_per_search": 100, "lifecycle": LIFE,
}
SECTION_OF = {"embedding": "embeddings", "vector store": "vector_stores", "reranker": "rerankers"}
BASE = {"embedding": EMBEDDING, "vector store": STORE, "reranker": RERANKER}


def table(**sections) -> dict:
    data = {"schema": SCHEMA_ID, "provider": "testco", "currency": "USD"}
    data.update({key: copy.deepcopy(rows) for key, rows in sections.items()})
    return data


def row(kind: str, **changes) -> dict:
    r = copy.deepcopy(BASE[kind])
    for key, value in changes.items():
        if value is None:
            r.pop(key, None)
        else:
            r[key] = value
    return r


def write(tmp_path: Path, data: dict, name: str = "rag.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path: Path, data: dict, name: str = "rag.yaml") -> str:
    with pytest.raises(PricingError) as info:
        read_table(write(tmp_path, data, name), TODAY)
    message = str(info.value)
    assert name in message and "\n" not in message  # the file, on one line
    return message


def book(tmp_path: Path, *rows_by_kind: tuple[str, dict], as_of: dt.date | None = None):
    sections: dict[str, list] = {}
    for kind, r in rows_by_kind:
        sections.setdefault(SECTION_OF[kind], []).append(r)
    return load_pricing([write(tmp_path, table(**sections))], bundled=False, today=TODAY, as_of=as_of)


# ---------------------------------------------------------------- the bundled rows


@pytest.fixture(scope="module")
def bundled():
    return load_pricing(today=TODAY)


def test_bundled_retrieval_rows_are_traceable(bundled):
    rows = [*bundled.embeddings.values(), *bundled.vector_stores.values(), *bundled.rerankers.values()]
    assert len(bundled.embeddings) >= 4 and bundled.vector_stores and bundled.rerankers
    for r in rows:
        assert re.match(r"https?://\S+$", r.source), r.name
        assert r.as_of <= TODAY and r.file.startswith("pricing/") and r.file.endswith(".yaml"), r.name
        assert r.lifecycle.source and r.lifecycle.as_of <= TODAY, r.name  # every bundled row has lifecycle facts
        assert r.verified or "UNVERIFIED" in r.note or "unverified" in r.note.lower(), r.name  # an unverified row says why
    for e in bundled.embeddings.values():
        assert e.usd_per_mtok > 0 and 0 <= e.batch_discount <= 1 and e.tokenizer.encoding in ENCODINGS
    for rr in bundled.rerankers.values():
        assert (rr.usd_per_1k_searches > 0) if rr.billing == "per_search" else (rr.usd_per_mtok > 0 and rr.tokenizer)


def test_bundled_openai_embeddings(bundled):
    small, large = bundled.embedding("text-embedding-3-small"), bundled.embedding("text-embedding-3-large")
    assert (small.usd_per_mtok, small.dimensions, small.max_input_tokens, small.batch_discount) == (0.02, 1536, 8191, 0.5)
    assert (large.usd_per_mtok, large.dimensions, large.max_input_tokens, large.batch_discount) == (0.13, 3072, 8191, 0.5)
    assert small.tokenizer.exact and small.tokenizer.encoding == "cl100k_base"
    assert small.provider == "openai" and small.as_of == dt.date(2026, 7, 24) and small.file == "pricing/openai.yaml"


def test_bundled_gemini_voyage_cohere_rows(bundled):
    gemini = bundled.embedding("gemini-embedding-001")
    assert gemini.usd_per_mtok == 0.15 and not gemini.tokenizer.exact and gemini.batch_discount == 0.5
    assert bundled.embedding("voyage/voyage-3.5").name == "voyage-3.5"
    assert bundled.embedding("embed-v4.0").usd_per_mtok == 0.12
    assert not bundled.embedding("voyage-4").verified  # secondary sources only: marked, with why in the note
    cohere = bundled.reranker("rerank-v3.5")
    assert (cohere.billing, cohere.usd_per_1k_searches, cohere.documents_per_search) == ("per_search", 2.0, 100)
    voyage = bundled.reranker("rerank-2.5")
    assert (voyage.billing, voyage.usd_per_mtok) == ("per_mtok", 0.05)


def test_bundled_vector_stores(bundled):
    openai = bundled.vector_store("openai-vector-store")  # an alias
    assert openai.name == "openai-file-search" and openai.builtin_dimensions == 256
    assert openai.storage_usd_per_gb_month == pytest.approx(0.10 * DAYS_PER_MONTH / GB_PER_GIB)  # $0.10 per GiB-day
    assert openai.free_storage_gb == pytest.approx(GB_PER_GIB)  # 1 GiB free
    assert openai.usd_per_million_read_units == 2500 and openai.read_units == ReadUnits(fixed=1.0)  # $2.50 per 1k calls
    pinecone = bundled.vector_store("pinecone")
    assert (pinecone.storage_usd_per_gb_month, pinecone.usd_per_million_read_units, pinecone.minimum_usd_per_month) == (0.33, 16, 50)
    assert pinecone.read_units == ReadUnits(0.0, 1.0, 0.25) and pinecone.write_units_per_kb == 1


# ---------------------------------------------------------------- loading and validation


def test_a_file_of_retrieval_rows_only_loads(tmp_path):
    t = read_table(write(tmp_path, table(embeddings=[EMBEDDING], vector_stores=[STORE], rerankers=[RERANKER])), TODAY)
    assert t.models == [] and t.row_count == 3
    (e,), (v,), (r,) = t.retrieval["embeddings"], t.retrieval["vector_stores"], t.retrieval["rerankers"]
    assert isinstance(e, EmbeddingPrice) and e.aliases == ("emb-latest",) and e.verified  # verified by default
    assert isinstance(v, VectorStorePrice) and v.read_units == ReadUnits(0.0, 1.0, 0.25) and v.bytes_per_dimension == 4
    assert isinstance(r, RerankerPrice) and r.tokenizer is None and r.provider == "testco"


def test_a_file_without_rows_is_refused(tmp_path):
    assert "no rows" in load_error(tmp_path, table())


@pytest.mark.parametrize(
    "kind, changes, field_path",
    [
        ("vector store", {"storage_usd_per_gb_month": None}, "storage_usd_per_gb_month"),
        ("vector store", {"storage_usd_per_gb_day": 0.1}, "storage_usd_per_gb_month"),
        ("vector store", {"storage_usd_per_gb_month": -0.33}, "storage_usd_per_gb_month"),
        ("vector store", {"usd_per_million_read_units": None}, "usd_per_million_read_units"),
        ("vector store", {"usd_per_1k_queries": 2.5, "usd_per_million_read_units": None}, "read_units"),
        ("vector store", {"read_units": {"per_gb": -1}}, "read_units.per_gb"),
        ("vector store", {"source": None}, "source"),
        ("vector store", {"storage_unit": "TB"}, "storage_unit"),
        ("vector store", {"storage_gb": 1}, "(top level)"),
        ("vector store", {"minimum_usd_per_month": float("inf")}, "minimum_usd_per_month"),
        ("vector store", {"storage_usd_per_gb_month": 1e308}, "storage_usd_per_gb_month"),  # was $inf
        ("vector store", {"storage_usd_per_gb_month": None, "storage_usd_per_gb_day": 5e6}, "storage_usd_per_gb_day"),
        ("vector store", {"write_units_per_kb": 10**400}, "write_units_per_kb"),
        ("reranker", {"usd_per_1k_searches": 1e7}, "usd_per_1k_searches"),
        ("embedding", {"usd_per_mtok": 1e308}, "usd_per_mtok"),
        ("embedding", {"max_input_tokens": 10**400}, "max_input_tokens"),
        ("reranker", {"billing": "per_token"}, "billing"),
        ("reranker", {"usd_per_1k_searches": None}, "usd_per_1k_searches"),
        ("reranker", {"billing": "per_mtok", "usd_per_mtok": 0.05}, "tokenizer"),
        ("reranker", {"usd_per_1k_searches": -2}, "usd_per_1k_searches"),
        ("embedding", {"usd_per_mtok": -0.02}, "usd_per_mtok"),
        ("embedding", {"dimensions": None}, "dimensions"),
        ("embedding", {"batch_discount": 1.5}, "batch_discount"),
        ("embedding", {"as_of": "2026-12-05"}, "as_of"),
        ("embedding", {"lifecycle": {**LIFE, "as_of": "24/07/2026"}}, "lifecycle.as_of"),
        ("embedding", {"lifecycle": {**LIFE, "deprecation_date": "2027-02-01", "shutdown_date": "2027-01-01"}},
         "lifecycle.shutdown_date"),
    ],
)
def test_bad_field_message_names_file_row_and_field(tmp_path, kind, changes, field_path):
    good = row(kind, name="other", aliases=[])
    message = load_error(tmp_path, table(**{SECTION_OF[kind]: [good, row(kind, **changes)]}), name="acme.yaml")
    assert message.startswith("acme.yaml: ") or "/acme.yaml: " in message
    assert f"{kind} '{BASE[kind]['name']}'" in message and f"field {field_path}:" in message, message


def test_unknown_tokenizer_suggests_the_encoding(tmp_path):
    message = load_error(tmp_path, table(embeddings=[row("embedding", tokenizer="cl100k")]))
    assert "embedding 'emb' field tokenizer: unknown encoding 'cl100k'; did you mean cl100k_base?" in message


def test_a_row_without_a_name_is_labelled_by_position(tmp_path):
    message = load_error(tmp_path, table(rerankers=[row("reranker", name="first"), row("reranker", name=None)]))
    assert "reranker '#2' field name: missing" in message


def test_duplicates(tmp_path):
    assert "embedding 'emb' is listed twice" in load_error(tmp_path, table(embeddings=[EMBEDDING, EMBEDDING]))
    first, second = write(tmp_path, table(rerankers=[RERANKER]), "a.yaml"), write(tmp_path, table(rerankers=[RERANKER]), "b.yaml")
    cheaper = write(tmp_path, table(rerankers=[row("reranker", usd_per_1k_searches=1.0)]), "c.yaml")
    assert load_pricing([first, cheaper], bundled=False, today=TODAY).reranker("rr").usd_per_1k_searches == 1.0  # an override
    from adaptcost.prices.book import PriceBook
    from adaptcost.prices.retrieval import SECTIONS

    b = PriceBook()
    b.add_row(SECTIONS[2], read_table(first, TODAY).retrieval["rerankers"][0], override=False)
    with pytest.raises(PricingError, match="reranker 'rr' is also defined in"):
        b.add_row(SECTIONS[2], read_table(second, TODAY).retrieval["rerankers"][0], override=False)


def test_a_successor_names_a_row_of_the_same_kind(tmp_path):
    retired = row("embedding", name="old", aliases=[], lifecycle={**LIFE, "status": "retired", "successor": "store"})
    with pytest.raises(PricingError, match=r"embedding 'old' field lifecycle.successor: 'store' is not in the loaded tables"):
        book(tmp_path, ("embedding", retired), ("vector store", STORE))


def test_the_units_a_table_may_state(tmp_path):
    per_day = row("vector store", storage_usd_per_gb_month=None, storage_usd_per_gb_day=0.10, storage_unit="GiB",
                  free_storage_gb=1, usd_per_million_read_units=None, read_units=None, usd_per_1k_queries=2.5)
    (v,) = read_table(write(tmp_path, table(vector_stores=[per_day])), TODAY).retrieval["vector_stores"]
    assert DAYS_PER_MONTH == pytest.approx(730 / 24)
    assert v.storage_usd_per_gb_month == pytest.approx(0.10 * 730 / 24 * 1e9 / 2**30)
    assert v.free_storage_gb == pytest.approx(2**30 / 1e9)
    assert (v.usd_per_million_read_units, v.read_units) == (2500.0, ReadUnits(fixed=1.0))


# ---------------------------------------------------------------- lookups on the decision day


def test_lookup_by_name_or_alias_with_did_you_mean(tmp_path):
    b = book(tmp_path, ("embedding", EMBEDDING), ("vector store", STORE), ("reranker", RERANKER))
    assert b.embedding("emb-latest").name == "emb" and b.vector_store("store").name == "store" and b.reranker("rr").name == "rr"
    with pytest.raises(PricingError) as info:
        b.embedding("emv")
    assert "unknown embedding 'emv'; did you mean emb" in str(info.value) and "pricing list" in str(info.value)
    with pytest.raises(PricingError, match="unknown vector store 'emb'"):  # each kind has its own names
        b.vector_store("emb")
    assert b.row("rr").name == "rr" and b.row("emb-latest").name == "emb"
    with pytest.raises(PricingError, match="did you mean store"):
        b.row("stor")


def test_a_retired_row_is_refused_with_its_successor(tmp_path):
    old = row("embedding", name="old", aliases=[], as_of="2026-05-01",
              lifecycle={**LIFE, "as_of": "2026-05-01", "deprecation_date": "2026-06-01", "shutdown_date": "2026-10-01",
                         "successor": "emb"})
    b = book(tmp_path, ("embedding", old), ("embedding", EMBEDDING))
    with pytest.raises(PricingError) as info:
        b.embedding("old")
    message = str(info.value)
    assert "old was retired on 2026-10-01" in message and "its successor is emb" in message and "--as-of" in message
    assert "pick another embedding" in message
    assert b.row("old").name == "old"  # still shown by 'pricing show'
    earlier = book(tmp_path, ("embedding", old), ("embedding", EMBEDDING), as_of=dt.date(2026, 7, 1))
    assert earlier.embedding("old").status_on(earlier.day) == "deprecated"  # deprecated is not refused


def test_rows_priced_after_the_decision_day_are_set_aside(tmp_path):
    later = row("reranker", name="later", as_of="2026-11-20")
    b = book(tmp_path, ("reranker", RERANKER), ("reranker", later), as_of=dt.date(2026, 11, 10))
    assert "later" not in b.rerankers and "later" in b.unknown_then_retrieval["rerankers"]
    with pytest.raises(PricingError, match=r"later's prices are dated 2026-11-20 .* after the decision date 2026-11-10"):
        b.reranker("later")
    assert b.reranker("rr").name == "rr"


def test_to_dict_lists_every_section(tmp_path):
    d = book(tmp_path, ("embedding", EMBEDDING), ("vector store", STORE)).to_dict()
    assert d["embeddings"]["emb"]["as_of"] == "2026-11-01" and d["embeddings"]["emb"]["tokenizer"]["encoding"] == "cl100k_base"
    assert d["vector_stores"]["store"]["read_units"] == {"fixed": 0, "per_gb": 1, "minimum": 0.25} and d["rerankers"] == {}


# ---------------------------------------------------------------- notices


def test_retrieval_notices(tmp_path):
    sunset = row("vector store", lifecycle={**LIFE, "status": "deprecated", "deprecation_date": "2026-10-01",
                                             "shutdown_date": "2027-03-01", "successor": "store2"},
                 as_of="2026-07-01", verified=False, note="no primary source")
    b = book(tmp_path, ("vector store", sunset), ("vector store", row("vector store", name="store2")))
    store = b.vector_store("store")
    notices = retrieval_notices(store, TODAY)
    assert notices[0].startswith("store is deprecated, shuts down 2027-03-01") and "successor: store2" in notices[0]
    assert any("older than 90 days" in n and "2026-07-01" in n for n in notices)
    assert any("prices unverified" in n and "adaptcost pricing show store" in n for n in notices)
    inside = retrieval_notices(store, TODAY, horizon_end=dt.date(2027, 6, 1))
    assert inside[0].startswith("store shuts down on 2027-03-01, inside the horizon (ends 2027-06-01)")
    assert retrieval_notices(b.vector_store("store2"), dt.date(2026, 11, 2)) == []


# ---------------------------------------------------------------- the command line


AS_OF = ("--as-of", "2026-11-27")


def test_pricing_list_shows_retrieval_tables_in_80_columns():
    result = invoke("pricing", "list", "--all", *AS_OF, width=80)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for title in ("Priced models on", "Embedding models on", "Vector stores on", "Rerankers on"):
        assert title in out
    for name in ("text-embedding-3-small", "gemini-embedding-001", "openai-file-search", "pinecone-serverless", "rerank-v3.5"):
        assert name in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert re.search(r"embedding models, \d+ vector stores, \d+ rerankers from \d+ files", out.replace("\n", " "))


def test_pricing_list_of_a_provider_without_models():
    result = invoke("pricing", "list", "--provider", "voyage", *AS_OF, width=80)
    assert result.exit_code == 0, result.output
    assert "Priced models on" not in result.stdout and "voyage-3.5" in result.stdout and "rerank-2.5" in result.stdout
    assert_clean_error(invoke("pricing", "list", "--provider", "voyag"), "did you mean voyage")


def test_pricing_show_retrieval_rows():
    narrow = invoke("pricing", "show", "text-embedding-3-small", *AS_OF, width=80)
    assert narrow.exit_code == 0, narrow.output
    assert all(len(line) <= 80 for line in narrow.stdout.splitlines())
    shown = invoke("pricing", "show", "text-embedding-3-small", *AS_OF)
    assert "$0.02 per 1M tokens embedded" in shown.stdout and "cl100k_base (exact)" in shown.stdout
    assert "50% (batch API)" in shown.stdout and "older than 90 days" in shown.stdout
    store = invoke("pricing", "show", "pinecone", *AS_OF)
    assert store.exit_code == 0 and "$16 per 1M read units" in store.stdout and "$50" in store.stdout
    assert "pricing/pinecone.yaml" in store.stdout
    assert_clean_error(invoke("pricing", "show", "text-embeding-3-small"), "did you mean", "text-embedding-3-small")


def test_pricing_validate_a_bad_vector_store(tmp_path):
    bad = write(tmp_path, table(vector_stores=[row("vector store", usd_per_million_read_units=-16)]), "mine.yaml")
    assert_clean_error(invoke("pricing", "validate", bad), "mine.yaml", "vector store 'store'", "field usd_per_million_read_units")
    good = write(tmp_path, table(embeddings=[EMBEDDING], rerankers=[RERANKER]), "ok.yaml")
    ok = invoke("pricing", "validate", good)
    assert ok.exit_code == 0 and "ok, 0 models, 1 embeddings, 1 rerankers" in ok.stdout
