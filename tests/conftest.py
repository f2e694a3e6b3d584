"""Shared test set-up: an isolated cache folder, and a pinned terminal width for rich."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Keep vocabularies and count caches out of the user's cache folder."""
    folder = tmp_path_factory.mktemp("adaptcost-cache")
    old = os.environ.get("ADAPTCOST_CACHE_DIR")
    os.environ["ADAPTCOST_CACHE_DIR"] = str(folder)
    os.environ["COLUMNS"] = "200"
    yield folder
    if old is None:
        os.environ.pop("ADAPTCOST_CACHE_DIR", None)
    else:
        os.environ["ADAPTCOST_CACHE_DIR"] = old


@pytest.fixture
def book(tmp_path):
    """A price book with one small model ("tiny"), loaded from a real YAML file."""
    import datetime as dt

    import yaml

    from adaptcost.prices.book import SECTIONS, PriceBook, read_table
    from builders import PRICES

    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(PRICES))
    table = read_table(path, dt.date(2026, 11, 25))
    b = PriceBook()
    for m in table.models:
        b.add(m, override=False)
    for section in SECTIONS:
        for row in table.retrieval[section.key]:
            b.add_row(section, row, override=False)
    b.files.append((str(path), table.digest))
    return b


class WordsRetriever:
    """A dependency-free retriever for tests: documents ranked by how many distinct query words
    they contain, ties by position. Registered as "words" (the fast suite has no bm25s, no torch)."""

    name = "words"

    def rank(self, documents, queries):
        import re

        sets = [set(re.findall(r"[a-z]+", d.lower())) for d in documents]
        out = []
        for query in queries:
            asked = set(re.findall(r"[a-z]+", query.lower())) - {"are", "the", "of", "question", "answer", "what", "is"}
            scores = [len(asked & s) for s in sets]
            out.append(sorted(range(len(documents)), key=lambda i: (-scores[i], i)))
        return out


from adaptcost.evalkit.backends.retrievers import register_retriever  # noqa: E402

register_retriever("words", WordsRetriever)
