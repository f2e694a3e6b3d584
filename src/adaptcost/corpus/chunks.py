"""A document cut into RAG's chunks, as text: windows of `chunk_tokens` tokens of an encoding,
each sharing `overlap_tokens` with the one before (LangChain's and LlamaIndex's token splitters),
returned as character spans of the document so that a fact's evidence can be placed in the
chunks that hold it. The cost model counts the same windows (costing.rules.chunk_counts: 1 if
0 < n ≤ S, else ceil((n − O) / (S − O)); a test holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AdaptcostError
from .encodings import load_tiktoken


@dataclass(frozen=True)
class Chunk:
    """The `index`-th chunk of a document: characters [start, end) and tokens [first, last)."""

    index: int
    start: int
    end: int
    first_token: int
    last_token: int

    def holds(self, start: int, end: int) -> bool:
        """Whether the characters [start, end) lie wholly inside this chunk."""
        return self.start <= start and end <= self.end


def windows(n_tokens: int, chunk_tokens: int, overlap_tokens: int) -> list[tuple[int, int]]:
    """Token windows [first, last) of a document of `n_tokens` tokens: a stride of S − O tokens,
    the last window ending at the document's end."""
    if not 0 <= overlap_tokens < chunk_tokens:
        raise AdaptcostError(f"chunk_overlap_tokens must lie in [0, chunk_tokens), got {overlap_tokens} "
                             f"for chunk_tokens {chunk_tokens}", field="chunk_overlap_tokens")
    if n_tokens <= 0:
        return []
    stride = chunk_tokens - overlap_tokens
    out = [(0, min(chunk_tokens, n_tokens))]
    while out[-1][1] < n_tokens:
        first = out[-1][0] + stride
        out.append((first, min(first + chunk_tokens, n_tokens)))
    return out


def chunk_text(text: str, encoding: str, chunk_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """The chunks of `text` in `encoding` (tiktoken's own tokens, so the character offsets are
    exact: tiktoken's decode_with_offsets; a token that ends inside a character is counted with
    the character it starts)."""
    enc = load_tiktoken(encoding)[0]
    ids = enc.encode_ordinary(text)
    decoded, offsets = enc.decode_with_offsets(ids)
    if decoded != text:  # text that is not valid UTF-8 round trip (lone surrogates): none here
        raise AdaptcostError(f"cannot place chunks in a text that {encoding} does not decode back to itself")
    bounds = list(offsets) + [len(text)]
    return [Chunk(i, bounds[first], bounds[last], first, last)
            for i, (first, last) in enumerate(windows(len(ids), chunk_tokens, overlap_tokens))]
