"""recall@k measured on the buyer's own corpus, per probe: what `adaptcost probe run` measures
without a language model.

The corpus is cut into the chunks the probes file's header names (corpus.chunks.chunk_text on each
document's extracted text: the chunks its evidence points into); every chunk of every document is
one retrieval unit; each retriever ranks them for each probe's question (options never included).
A probe **is served at k** when every one of its evidence items has one of its chunks among the
top k (a multi-hop probe needs both of its facts). recall@k is the share of probes served, over
the probes no offline baseline answers (the guessable ones are left out, as from every headline
figure), overall and per probe type, for k in 1, 2, 4, 8 and the scenario's top k.

Intervals: `stats.intervals.interval` twice, with the probes clustered by fact and by evidence
document (probes on one fact, or one document, rise and fall together); the reported band is the
union of the two (each already the union of Wilson's and the cluster bootstrap's).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from adaptcost.corpus.chunks import chunk_text
from adaptcost.corpus.discover import CorpusOptions, DocumentText, corpus_fingerprint, document_texts
from adaptcost.errors import AdaptcostError
from adaptcost.fileio import read_bytes
from adaptcost.paths import display_path
from ..backends.retrievers import check_retriever, get_retriever
from ..stats.intervals import interval
from .probefile import MAX_PROBES_BYTES, PROBE_TYPES, ProbesError, is_guessable, read_probes

KS = (1, 2, 4, 8)
DEFAULT_RETRIEVERS = ("bm25", "minilm")  # the first is the headline: `recommend --curves` uses it by default

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class RecallRequest:
    probes: Path
    corpus: Sequence[str]
    retrievers: Sequence[str] = DEFAULT_RETRIEVERS
    top_k: int | None = None  # the scenario's k, measured beside KS
    corpus_options: CorpusOptions = field(default_factory=CorpusOptions)
    seed: int = 0  # the cluster bootstrap's


@dataclass(frozen=True)
class Chunks:
    """Every chunk of the corpus as one retrieval unit: its text, its character span in its document,
    and its place in this list by (document, chunk index)."""

    texts: list[str]
    spans: list[tuple[int, int]]
    index: dict[tuple[str, int], int]


@dataclass
class RecallResult:
    header: dict
    probes_path: str
    probes_sha256: str
    corpus: dict  # inputs, documents, fingerprint
    chunking: dict  # the header's, with the number of chunks
    counts: dict  # probes: total, guessable (left out), measured, unservable (a span no chunk holds)
    retrievers: list[str]
    ks: list[int]
    cells: list[dict]  # per retriever and k: overall and per type
    seconds: dict[str, float] = field(default_factory=dict)  # per retriever, ranking only (not written)
    notes: list[str] = field(default_factory=list)
    # what the model arms (probes.arms) reuse, never written: the measured probes, the corpus's
    # documents and chunks, and each retriever's ranking of the chunks per measured probe
    measured: list[dict] = field(default_factory=list, repr=False)
    documents: list[DocumentText] = field(default_factory=list, repr=False)
    chunks: Chunks | None = field(default=None, repr=False)
    rankings: dict[str, list[list[int]]] = field(default_factory=dict, repr=False)
    needed: list[list[list[int]]] = field(default_factory=list, repr=False)  # per measured probe: each evidence item's chunks

    def served_at(self, retriever: str, k: int) -> dict[str, bool]:
        """Probe id -> is it served by `retriever`'s top k (see :func:`served`)."""
        return {p["id"]: served(n, r[:k]) for p, n, r in zip(self.measured, self.needed, self.rankings[retriever], strict=True)}

    def section(self) -> dict:
        """The curves file's ``retrieval`` section (decision.curves reads it)."""
        return {
            "headline": self.retrievers[0],
            "retrievers": self.retrievers,
            "ks": self.ks,
            "query": "the probe's question (options never included)",
            "served": "every evidence item of the probe has one of its chunks among the top k chunks of the corpus",
            "interval": "95%: the union of Wilson's and cluster-bootstrap intervals, probes clustered by fact and by "
                        "evidence document",
            "corpus": self.corpus,
            "chunking": self.chunking,
            "probes": {"file": self.probes_path, "sha256": self.probes_sha256, "schema": self.header["schema"],
                       "generator": self.header.get("generator"), "seed": self.header.get("seed"), **self.counts},
            "recall_at_k": self.cells,
            **({"notes": self.notes} if self.notes else {}),
        }


def measure_recall(request: RecallRequest, progress: Progress | None = None) -> RecallResult:
    """recall@k per retriever and k on the corpus the probes file was built from (module docstring)."""
    progress = progress or (lambda stage, done, total: None)
    retrievers = list(dict.fromkeys(request.retrievers))
    if not retrievers:
        raise AdaptcostError("--retrievers: name at least one retriever (bm25, minilm)")
    for name in retrievers:
        check_retriever(name)  # unknown or not installed: said before any work
    ks = sorted(set(KS) | ({request.top_k} if request.top_k else set()))
    header, probes = read_probes(request.probes)
    documents, _skipped = document_texts(request.corpus, request.corpus_options)
    corpus = _check_corpus(request, header, documents)
    progress("chunking", 0, len(documents))
    chunks = _chunk(header["chunking"], documents)
    progress("chunking", len(documents), len(documents))
    _check_evidence(request.probes, probes, documents, chunks)
    measured = [p for p in probes if not is_guessable(p)]
    if not measured:
        raise ProbesError(f"{request.probes}: every one of its {len(probes)} probes is flagged guessable; "
                          "no headline recall can be measured")
    needed = [[[chunks.index[(e["document"], c)] for c in e["chunks"]] for e in p["evidence"]] for p in measured]
    counts = {"total": len(probes), "guessable": len(probes) - len(measured), "measured": len(measured),
              "unservable": sum(1 for n in needed if any(not ids for ids in n))}
    result = RecallResult(header, display_path(str(request.probes)), _sha256(request.probes), corpus,
                          {**header["chunking"], "chunks": len(chunks.texts)}, counts, retrievers, ks, [],
                          measured=measured, documents=documents, chunks=chunks, needed=needed)
    questions = [p["question"] for p in measured]
    for name in retrievers:
        progress(f"ranking with {name}", 0, len(questions))
        started = time.perf_counter()
        retriever = get_retriever(name)
        limit = getattr(retriever, "MAX_TOKENS", None)  # an embedding model reads that much of each chunk
        if limit is not None and header["chunking"]["chunk_tokens"] > limit:
            result.notes.append(f"{name} reads the first {limit} of its own tokens of each chunk (its maximum input); "
                                f"the chunks hold {header['chunking']['chunk_tokens']} {header['chunking']['encoding']} "
                                "tokens, so evidence late in a chunk is invisible to it, as in a deployment of it")
        rankings = retriever.rank(chunks.texts, questions)
        result.rankings[name] = rankings
        result.seconds[name] = time.perf_counter() - started
        progress(f"ranking with {name}", len(questions), len(questions))
        for k in ks:
            hits = [served(n, r[:k]) for n, r in zip(needed, rankings, strict=True)]
            result.cells.append({"retriever": name, "k": k, **_figures(measured, hits, request.seed)})
    return result


def served(needed: Sequence[Sequence[int]], top: Sequence[int]) -> bool:
    """Is the probe served by the `top` chunks: does every evidence item (its chunks) have one there?
    An item no chunk holds is never served."""
    retrieved = set(top)
    return all(any(c in retrieved for c in ids) for ids in needed)


def _figures(probes: list[dict], hits: list[bool], seed: int) -> dict:
    """Overall and per type: mean, the union band, n, and each interval's parts."""
    overall = _estimate(probes, hits, seed)
    by_type = {}
    for kind in PROBE_TYPES:
        chosen = [(p, h) for p, h in zip(probes, hits) if p["type"] == kind]
        if chosen:
            by_type[kind] = _estimate([p for p, _ in chosen], [h for _, h in chosen], seed)
    return {**overall, "by_type": by_type}


def _estimate(probes: list[dict], hits: list[bool], seed: int) -> dict:
    values = [1.0 if h else 0.0 for h in hits]
    facts = [p["fact"] for p in probes]
    documents = ["|".join(sorted({e["document"] for e in p["evidence"]})) for p in probes]
    by_fact, by_document = interval(values, facts, seed), interval(values, documents, seed)
    r = lambda v: round(float(v), 4)  # noqa: E731
    return {"mean": r(by_fact.mean), "low": r(min(by_fact.low, by_document.low)),
            "high": r(max(by_fact.high, by_document.high)), "n": by_fact.n, "facts": by_fact.clusters,
            "documents": by_document.clusters, "wilson": [r(v) for v in by_fact.wilson],
            "bootstrap_fact": [r(v) for v in by_fact.bootstrap], "bootstrap_document": [r(v) for v in by_document.bootstrap]}


def _check_corpus(request: RecallRequest, header: dict, documents: list[DocumentText]) -> dict:
    """The corpus section; another corpus than the probes were built from is an error."""
    fingerprint = corpus_fingerprint((d.path, d.sha256) for d in documents)
    own = header["corpus"]["fingerprint"]
    if fingerprint != own:
        named = ", ".join(display_path(i) for i in request.corpus)
        raise ProbesError(f"{request.probes} was built from another corpus than {named} (its corpus fingerprint "
                          f"{own[:12]}…, this corpus's {fingerprint[:12]}… over {len(documents)} documents): pass "
                          "the corpus the probes were built from, or build probes on this one")
    return {"inputs": [display_path(i) for i in request.corpus], "documents": len(documents), "fingerprint": fingerprint}


def _chunk(chunking: dict, documents: list[DocumentText]) -> Chunks:
    texts, spans, index = [], [], {}
    for d in documents:
        for c in chunk_text(d.text, chunking["encoding"], chunking["chunk_tokens"], chunking["chunk_overlap_tokens"]):
            index[(d.path, c.index)] = len(texts)
            texts.append(d.text[c.start:c.end])
            spans.append((c.start, c.end))
    return Chunks(texts, spans, index)


def _check_evidence(path: Path, probes: list[dict], documents: list[DocumentText], chunks: Chunks) -> None:
    """Every evidence item names a document of the corpus, a span of its text that holds the sentence,
    and chunks of it that hold the span: probes and corpus agree, or one line says where not."""
    texts = {d.path: d.text for d in documents}
    for probe in probes:
        for e in probe["evidence"]:
            text = texts.get(e["document"])
            if text is None:
                raise ProbesError(f"{path}: probe {probe['id']}: evidence document {e['document']!r} is not in the corpus")
            if text[e["start"]:e["end"]] != e["sentence"]:
                raise ProbesError(f"{path}: probe {probe['id']}: the evidence sentence is not at characters "
                                  f"[{e['start']}, {e['end']}) of {e['document']}")
            for c in e["chunks"]:
                at = chunks.index.get((e["document"], c))
                if at is None:
                    raise ProbesError(f"{path}: probe {probe['id']}: {e['document']} has no chunk {c} under the "
                                      "header's chunking")
                start, end = chunks.spans[at]
                if not (start <= e["start"] and e["end"] <= end):
                    raise ProbesError(f"{path}: probe {probe['id']}: chunk {c} of {e['document']} (characters "
                                      f"[{start}, {end})) does not hold its evidence [{e['start']}, {e['end']})")


def _sha256(path: Path) -> str:
    return hashlib.sha256(read_bytes(Path(path), "probes file", ProbesError, limit=MAX_PROBES_BYTES)).hexdigest()
