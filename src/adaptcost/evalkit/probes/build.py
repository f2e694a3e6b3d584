"""`probe build`: a corpus in, probes.jsonl and probes.csv out, offline and reproducible from a
seed (the same seed gives the same bytes).

Each document's extracted text (corpus.discover.document_texts: the text the counts use) is cut
into RAG's chunks under the embedding model's tokenizer (corpus.chunks.chunk_text), its facts
are read (facts), turned into questions of five types (questions), given distractors from the
corpus (distractors) and key positions from the seed (balanced: each run of n probes with n
options puts the key once at every position), and scored by the two offline baselines (guess).
A type the corpus cannot supply is named in the header's `missing` with its counts; a corpus
that gives no probe at all is an error, and no file is written.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...corpus.chunks import chunk_text
from ...corpus.discover import CorpusOptions, DocumentText, Skipped, corpus_fingerprint, document_texts
from ...defaults import DEFAULT_EMBEDDING_MODEL
from ...errors import AdaptcostError
from ...paths import display_path
from .distractors import Corpus, Pools, choose
from .facts import Fact, read_facts
from .guess import flags
from .probefile import SCHEMA_ID, write_probes, write_spot_check
from .questions import TYPES, Draft, draft_questions

Progress = Callable[[str, int, int], None]  # (stage, done, total)
MIN_OPTIONS = 2  # a probe needs its key and at least one distractor

_WHY_MISSING = {
    "recall": "no fact with verbatim evidence (a sentence, key: value line or table row)",
    "rephrasing": "no fact with a named subject and relation to ask in other words",
    "reversal": "no one-to-one relation to ask backwards",
    "multi-hop": "no entity joins facts of two documents",
    "category": "no class property stated for a member elsewhere",
}


@dataclass(frozen=True)
class BuildRequest:
    corpus: tuple[str, ...]
    output: Path
    seed: int = 0
    chunk_tokens: int = 512
    chunk_overlap: int = 64
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    corpus_options: CorpusOptions = field(default_factory=CorpusOptions)


@dataclass
class BuildResult:
    header: dict
    probes: list[dict]
    files: tuple[Path, Path]  # probes.jsonl, probes.csv
    skipped: list[Skipped]

    def summary(self) -> str:
        """One line: probes per type, the guessable counts, and the types the corpus could not supply."""
        types = ", ".join(f"{t} {n}" for t, n in self.header["types"].items())
        guess = self.header["guessable"]
        line = f"{len(self.probes)} probes ({types}); guessable: options-only {guess['options_only']}, question-only {guess['question_only']}"
        unserved = sum(any(not e["chunks"] for e in p["evidence"]) for p in self.probes)
        if unserved:
            line += f"; {unserved} with evidence that no chunk holds whole (no retrieval can serve them)"
        if self.header["missing"]:
            line += "; not supplied: " + "; ".join(f"{t}: {why}" for t, why in self.header["missing"].items())
        return line


def encoding_of(embedding_model: str) -> str:
    """The embedding model's tokenizer, from its price row (the chunks RAG is priced with)."""
    from ...prices.book import load_pricing

    return load_pricing().embedding(embedding_model).tokenizer.encoding


def spot_check_path(output: Path) -> Path:
    return output.with_suffix(".csv")


def build_probes(request: BuildRequest, progress: Progress | None = None) -> BuildResult:
    """Build the probe set of `request.corpus` and write it (see the module's doc)."""
    if str(request.output) == "-":
        raise AdaptcostError("--output -: probe build writes probes.jsonl and its probes.csv; name a file")
    if Path(request.output).suffix.lower() == ".csv":
        raise AdaptcostError(f"--output {display_path(str(request.output))}: name the probes.jsonl; its spot-check .csv goes beside it")
    if not 0 <= request.chunk_overlap < request.chunk_tokens:
        raise AdaptcostError(f"--chunk-overlap must lie in [0, --chunk-tokens), got {request.chunk_overlap} for {request.chunk_tokens}")
    encoding = encoding_of(request.embedding_model)
    note = progress or (lambda *_: None)
    documents, skipped = document_texts(list(request.corpus), request.corpus_options,
                                        lambda done, total: note("reading documents", done, total))
    if not documents:
        raise AdaptcostError(f"the corpus {', '.join(request.corpus)} has no readable text documents")
    facts = _facts(documents, encoding, request, note)
    drafts = draft_questions(facts)
    corpus = Corpus({d.path: d.text for d in documents})
    probes = _probes(drafts.drafts, Pools(facts), corpus, request.seed, note)
    header = _header(request, documents, encoding, probes, drafts.candidates)
    if not probes:
        counts = ", ".join(f"{t} {drafts.candidates[t]}" for t in TYPES)
        raise AdaptcostError(f"no probe can be built from {', '.join(request.corpus)}: {len(documents)} document(s), "
                             f"{len(facts)} fact(s) read (candidates per type: {counts}); it needs sentences, key: value "
                             "lines or tables that state facts, with several of each kind for distractors")
    output = Path(request.output)
    write_probes(output, header, probes)
    write_spot_check(spot_check_path(output), probes)
    return BuildResult(header, probes, (output, spot_check_path(output)), skipped)


def _facts(documents: list[DocumentText], encoding: str, request: BuildRequest, note) -> list[Fact]:
    facts = []
    for done, doc in enumerate(documents, 1):
        facts += read_facts(doc.path, doc.text, chunk_text(doc.text, encoding, request.chunk_tokens, request.chunk_overlap))
        note("reading facts", done, len(documents))
    return facts


def _probes(drafts: list[Draft], pools: Pools, corpus: Corpus, seed: int, note) -> list[dict]:
    """The probes: each draft with its distractors, key position and baselines; a question asked
    twice is kept once; in the order of the types, then of the evidence."""
    order = {t: i for i, t in enumerate(TYPES)}
    drafts = sorted(drafts, key=lambda d: (order[d.type], d.facts[0].document, d.facts[0].start, d.question, d.answer))
    rng = random.Random(seed)
    positions: dict[int, list[int]] = {}
    out, asked = [], set()
    for done, draft in enumerate(drafts, 1):
        if done % 256 == 0 or done == len(drafts):
            note("writing questions", done, len(drafts))
        if draft.question in asked:
            continue
        wrong = choose(draft, pools, corpus, seed)
        if len(wrong) + 1 < MIN_OPTIONS:
            continue
        asked.add(draft.question)
        n = len(wrong) + 1
        if not positions.get(n):
            positions[n] = rng.sample(range(n), n)
        key = positions[n].pop()
        options = wrong[:key] + [draft.answer] + wrong[key:]
        out.append(_probe(draft, options, key, corpus))
    return out


def _probe(draft: Draft, options: list[str], key: int, corpus: Corpus) -> dict:
    identity = json.dumps([draft.type, draft.cluster, draft.question, options], ensure_ascii=False)
    return {
        "kind": "probe", "id": "p-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8], "type": draft.type,
        "fact": draft.cluster, "question": draft.question, "options": options, "answer": key,
        "evidence": [{"document": f.document, "sentence": f.sentence, "start": f.start, "end": f.end, "chunks": list(f.chunks)}
                     for f in draft.facts],
        "guessable": flags(draft.question, options, key, corpus.frequency),
    }


def _header(request: BuildRequest, documents: list[DocumentText], encoding: str, probes: list[dict], candidates: dict) -> dict:
    types = {t: sum(p["type"] == t for p in probes) for t in TYPES}
    missing = {t: f"{_WHY_MISSING[t]} ({candidates[t]} candidates)" for t in TYPES if not types[t]}
    return {
        "kind": "header", "schema": SCHEMA_ID, "generator": "offline", "seed": request.seed,
        "corpus": {"inputs": [display_path(i) for i in request.corpus], "documents": len(documents), "fingerprint": corpus_fingerprint((d.path, d.sha256) for d in documents)},
        "chunking": {"encoding": encoding, "chunk_tokens": request.chunk_tokens, "chunk_overlap_tokens": request.chunk_overlap},
        "types": types, "missing": missing,
        "guessable": {k: sum(p["guessable"][k] for p in probes) for k in ("options_only", "question_only")},
    }
