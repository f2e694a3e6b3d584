"""RAG's chunks as text (corpus/chunks.py): the same windows the cost model counts, placed exactly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.corpus.chunks import chunk_text, windows
from adaptcost.costing.rules import chunk_counts
from adaptcost.errors import AdaptcostError


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 5000), size=st.integers(1, 600), overlap=st.integers(0, 599))
def test_the_windows_are_the_ones_the_cost_model_counts(n, size, overlap):
    if overlap >= size:
        with pytest.raises(AdaptcostError):
            windows(n, size, overlap)
        return
    got = windows(n, size, overlap)
    assert len(got) == int(chunk_counts(np.array([n]), size, overlap)[0])
    if got:  # they cover the document, each S tokens but the last, each sharing O with the one before
        assert got[0][0] == 0 and got[-1][1] == n
        assert all(b - a == size for a, b in got[:-1])
        assert all(b[0] == a[0] + size - overlap for a, b in zip(got, got[1:]))


def test_windows_by_hand():
    # 10 tokens, S = 4, O = 1: stride 3 → [0,4) [3,7) [6,10); ceil((10 − 1) / 3) = 3
    assert windows(10, 4, 1) == [(0, 4), (3, 7), (6, 10)]
    assert windows(4, 4, 1) == [(0, 4)] and windows(0, 4, 1) == []


def test_chunks_are_character_spans_of_the_document():
    text = "The refund window is 30 days. " * 40 + "Héllo wörld 日本語."
    chunks = chunk_text(text, "cl100k_base", 32, 8)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:]))  # neighbours overlap
    from adaptcost.corpus.encodings import get_counter

    counter = get_counter("cl100k_base")
    for c in chunks:  # each span re-encodes to its window (a split can merge at most its edge tokens)
        assert abs(counter.count(text[c.start:c.end]) - (c.last_token - c.first_token)) <= 2
    sentence = text.index("Héllo")
    assert any(c.holds(sentence, len(text)) for c in chunks)
