"""`probe build`: a corpus in, probes.jsonl and probes.csv out, offline and reproducible from a
seed (the same seed gives the same bytes).

Each document's extracted text (corpus.discover.document_texts: the text the counts use) is cut
into RAG's chunks under the embedding model's tokenizer (corpus.chunks.chunk_text), its facts
are read (facts), turned into questions of five types (questions), given distractors from the
corpus (distractors) and key positions from the seed (balanced: each run of n probes with n
options puts the key once at every position), and scored by the two offline baselines (guess).
A type the corpus cannot supply is named in the header's `missing` with its counts; a corpus
that gives no probe at all is an error, and no file is written. With a writer model (`--writer`,
module writer) the questions of the recall, rephrasing and reversal probes are written by it and
checked by a second call; the options and key positions stay the ones built here.
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
from ..backends.openai import resolve_base_url
from .callcache import CallCache
from .distractors import Corpus, Pools, choose
from .facts import Fact, read_facts
from .guess import flags
from .probefile import SCHEMA_ID, write_probes, write_spot_check
from .questions import TYPES, Draft, draft_questions
from .writer import (CHECK_VERDICT, LETTERS, WRITTEN_TYPES, CachedAsk, Estimate, Outcome, WriterRequest, chosen, estimate, refuse,
                     write_one)

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
    writer: WriterRequest | None = None  # --writer MODEL: questions written by a model (writer)
    pricing: tuple[Path, ...] = ()  # extra price files: the writer model's price


@dataclass
class BuildResult:
    header: dict
    probes: list[dict]
    files: tuple[Path, ...]  # probes.jsonl, probes.csv; none after a dry run
    skipped: list[Skipped]
    estimate: Estimate | None = None  # the writer's calls and their cost, worked out before any call

    def summary(self) -> str:
        """One line: probes per type, the guessable counts, and the types the corpus could not supply
        (after a dry run: the writer's estimate)."""
        if not self.files:
            return self.estimate.line() + "; dry run: no call made, nothing written"
        types = ", ".join(f"{t} {n}" for t, n in self.header["types"].items())
        guess = self.header["guessable"]
        line = f"{len(self.probes)} probes ({types}); guessable: options-only {guess['options_only']}, question-only {guess['question_only']}"
        unserved = sum(any(not e["chunks"] for e in p["evidence"]) for p in self.probes)
        if unserved:
            line += f"; {unserved} with evidence that no chunk holds whole (no retrieval can serve them)"
        writer = self.header.get("writer")
        if writer is not None:
            line += (f"; written by {writer['model']}: {writer['written']}, offline where the writer's question was "
                     f"rejected: {sum(writer['offline'].values())}, dropped by the check: {sum(writer['dropped_by_check'].values())} "
                     f"({writer['calls']['made']} calls made, {writer['calls']['cached']} from the cache)")
        if self.header["missing"]:
            line += "; not supplied: " + "; ".join(f"{t}: {why}" for t, why in self.header["missing"].items())
        return line


def encoding_of(embedding_model: str) -> str:
    """The embedding model's tokenizer, from its price row (the chunks RAG is priced with)."""
    from ...prices.book import load_pricing

    return load_pricing().embedding(embedding_model).tokenizer.encoding


def spot_check_path(output: Path) -> Path:
    return output.with_suffix(".csv")


def build_probes(request: BuildRequest, progress: Progress | None = None, backend=None,
                 say: Callable[[str], None] | None = None) -> BuildResult:
    """Build the probe set of `request.corpus` and write it (see the module's doc). With
    `request.writer`, `say` gets the writer's estimate before any call, and `backend` (anything
    with `generate`, `model` and `base_url`; default: the openai backend) writes the questions."""
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
    placed = _probes(drafts.drafts, Pools(facts), corpus, request.seed, note)
    if not placed:
        counts = ", ".join(f"{t} {drafts.candidates[t]}" for t in TYPES)
        raise AdaptcostError(f"no probe can be built from {', '.join(request.corpus)}: {len(documents)} document(s), "
                             f"{len(facts)} fact(s) read (candidates per type: {counts}); it needs sentences, key: value "
                             "lines or tables that state facts, with several of each kind for distractors")
    if request.writer is None:
        probes, writer = [_probe(p, corpus) for p in placed], None
    else:
        cost = _writer_estimate(placed, request, backend)
        if request.writer.dry_run:
            return BuildResult({}, [], (), skipped, cost)
        (say or (lambda _: None))(cost.line())
        refuse(cost, request.writer.max_usd)
        probes, writer = _written(placed, corpus, request.writer, cost, backend, note)
        if not probes:
            raise AdaptcostError(f"the writer's check dropped all {sum(writer['dropped_by_check'].values())} probes and no offline "
                                 f"probe is left: nothing written ({cost.line()})")
    header = _header(request, documents, encoding, probes, drafts.candidates)
    if writer is not None:
        header["generator"] = "writer" if all(p["written_by"] for p in probes) else "offline+writer"
        header["writer"] = writer
    output = Path(request.output)
    write_probes(output, header, probes)
    write_spot_check(spot_check_path(output), probes)
    return BuildResult(header, probes, (output, spot_check_path(output)), skipped)


def _asker(writer: WriterRequest, backend) -> CachedAsk:
    base_url = backend.base_url if backend is not None else resolve_base_url(writer.base_url)
    return CachedAsk(backend, base_url, writer.model, CallCache())


def _writer_estimate(placed: list[Placed], request: BuildRequest, backend) -> Estimate:
    writer = request.writer
    ask = _asker(writer, backend)
    todo = [(placed[i].draft, placed[i].options) for i in chosen([p.draft.type for p in placed], writer.limit)]
    return estimate(writer.model, ask.base_url, todo, ask, request.pricing)


def _written(placed: list[Placed], corpus: Corpus, writer: WriterRequest, cost: Estimate, backend, note) -> tuple[list[dict], dict]:
    """The probes with the writer's questions where they passed their check (see writer), the
    offline probe where the writer's question was rejected, and the header's `writer` part."""
    if backend is None:
        from ..backends.registry import get_backend

        backend = get_backend("openai", model=writer.model, base_url=writer.base_url, api_key_env=writer.api_key_env)
    ask = _asker(writer, backend)
    picks = chosen([p.draft.type for p in placed], writer.limit)
    outcomes: dict[int, Outcome] = {}
    written = set(picks)
    asked = {p.draft.question for i, p in enumerate(placed) if i not in written}
    for done, i in enumerate(picks, 1):
        outcome = outcomes[i] = write_one(placed[i].draft, placed[i].options, placed[i].key, asked, ask)
        asked.add(outcome.question if outcome.question is not None else placed[i].draft.question)
        note(f"writing questions with {writer.model}", done, len(picks))
    probes, offline, dropped = [], dict.fromkeys(WRITTEN_TYPES, 0), dict.fromkeys(WRITTEN_TYPES, 0)
    for i, p in enumerate(placed):
        outcome = outcomes.get(i)
        if outcome is None or outcome.rejected is not None:
            probe = _probe(p, corpus) | {"written_by": None, "check": None}
            if outcome is not None:
                probe["fallback"] = f"offline: the writer's question was rejected ({outcome.rejected})"
                offline[p.draft.type] += 1
        elif not outcome.passed:
            dropped[p.draft.type] += 1
            continue
        else:
            probe = _probe(p, corpus, outcome.question) | {
                "written_by": writer.model, "check": {"model": writer.model, "picked": LETTERS[outcome.picked], "verdict": CHECK_VERDICT}}
        probes.append(probe)
    part = {"model": writer.model, "base_url": cost.base_url, "written": sum(p["written_by"] is not None for p in probes),
            "offline": offline, "dropped_by_check": dropped, "calls": {"made": ask.cache.new, "cached": ask.cache.hits},
            "estimate": cost.to_dict()}
    return probes, part


def _facts(documents: list[DocumentText], encoding: str, request: BuildRequest, note) -> list[Fact]:
    facts = []
    for done, doc in enumerate(documents, 1):
        facts += read_facts(doc.path, doc.text, chunk_text(doc.text, encoding, request.chunk_tokens, request.chunk_overlap))
        note("reading facts", done, len(documents))
    return facts


@dataclass(frozen=True)
class Placed:
    """A draft with its options and the key's index among them."""

    draft: Draft
    options: list[str]
    key: int


def _probes(drafts: list[Draft], pools: Pools, corpus: Corpus, seed: int, note) -> list[Placed]:
    """The probes: each draft with its distractors and key position; a question asked twice is
    kept once; in the order of the types, then of the evidence."""
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
        out.append(Placed(draft, wrong[:key] + [draft.answer] + wrong[key:], key))
    return out


def _probe(placed: Placed, corpus: Corpus, question: str | None = None) -> dict:
    """The probe line of `placed`, asking `question` (a written one) or the draft's own; the
    baselines scored on the question asked."""
    draft, options, key = placed.draft, placed.options, placed.key
    question = draft.question if question is None else question
    identity = json.dumps([draft.type, draft.cluster, question, options], ensure_ascii=False)
    return {
        "kind": "probe", "id": "p-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8], "type": draft.type,
        "fact": draft.cluster, "question": question, "options": options, "answer": key,
        "evidence": [{"document": f.document, "sentence": f.sentence, "start": f.start, "end": f.end, "chunks": list(f.chunks)}
                     for f in draft.facts],
        "guessable": flags(question, options, key, corpus.frequency),
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
