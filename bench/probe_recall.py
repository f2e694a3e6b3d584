"""recall@k for 500 probes: the speed of `adaptcost probe run`'s retrieval measurement (issue 17:
≤ 10 s with bm25, ≤ 2 min with minilm, on 2 cores).

    python bench/probe_recall.py --probes probes.jsonl --corpus DOCS
    python bench/probe_recall.py --corpus examples/corpus --copies 4 --n 500

With --probes, the probes file `probe build` wrote for --corpus. Without it, a synthetic set of --n
probes FOR TIMING ONLY: sentences of the corpus (seeded), each asked as its first words (a cloze
question, which flatters recall: do not read its recall as a measurement), with the evidence span
and chunks placed as the format says. --copies N measures on N copies of the corpus (a larger
corpus from a small one: 4 copies of examples/corpus are ~200k tokens). Prints each retriever's
ranking time and the whole measurement's, against the budgets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

from adaptcost.corpus.chunks import chunk_text
from adaptcost.corpus.discover import corpus_fingerprint, document_texts
from adaptcost.evalkit.probes.recall import RecallRequest, measure_recall

BUDGET_S = {"bm25": 10.0, "minilm": 120.0}
CHUNKING = {"encoding": "cl100k_base", "chunk_tokens": 512, "chunk_overlap_tokens": 64}
_SENTENCE = re.compile(r"[A-Z][^.\n|]{40,200}\.")


def synthetic_probes(corpus: str, n: int, seed: int, out: Path) -> Path:
    """`n` cloze probes over the corpus's sentences (timing only: see the module docstring)."""
    documents, _ = document_texts([corpus])
    found = []
    for d in documents:
        path, text = d.path, d.text
        chunks = chunk_text(text, CHUNKING["encoding"], CHUNKING["chunk_tokens"], CHUNKING["chunk_overlap_tokens"])
        for m in _SENTENCE.finditer(text):
            words = m.group().split()
            if len(words) >= 8:
                held = [c.index for c in chunks if c.holds(m.start(), m.end())]
                found.append((path, m.group(), m.start(), m.end(), held, " ".join(words[: len(words) // 2]) + "?"))
    picked = random.Random(seed).sample(found, min(n, len(found)))
    lines = [{"kind": "header", "schema": "adaptcost-probes/1", "generator": "bench-cloze (timing only)", "seed": seed,
              "corpus": {"inputs": [corpus], "documents": len(documents),
                         "fingerprint": corpus_fingerprint((d.path, d.sha256) for d in documents)},
              "chunking": CHUNKING, "types": {"recall": len(picked)}, "missing": {}, "guessable": {}}]
    for path, sentence, start, end, held, question in picked:
        fact = "f-" + hashlib.sha256(f"{path}:{start}".encode()).hexdigest()[:8]
        lines.append({"kind": "probe", "id": "p-" + fact[2:], "type": "recall", "fact": fact, "question": question,
                      "options": ["a", "b", "c", "d"], "answer": 0,
                      "evidence": [{"document": path, "sentence": sentence, "start": start, "end": end, "chunks": held}],
                      "guessable": {"options_only": False, "question_only": False}})
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    return out


def copied(corpus: str, copies: int, into: Path) -> str:
    if copies <= 1:
        return corpus
    for i in range(copies):
        shutil.copytree(corpus, into / f"copy-{i + 1}")
    return str(into)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="examples/corpus")
    parser.add_argument("--probes", type=Path, help="a probes file built for --corpus (default: synthetic, timing only)")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--retrievers", default="bm25,minilm")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = copied(args.corpus, args.copies, Path(tmp) / "corpus")
        probes = args.probes or synthetic_probes(corpus, args.n, args.seed, Path(tmp) / "probes.jsonl")
        started = time.perf_counter()
        result = measure_recall(RecallRequest(probes, [corpus], tuple(args.retrievers.split(","))))
        total = time.perf_counter() - started
    report = {"corpus": args.corpus, "copies": args.copies, "documents": result.corpus["documents"],
              "chunks": result.chunking["chunks"], "probes": result.counts["measured"],
              "synthetic": args.probes is None, "seconds_total": round(total, 2),
              "seconds_ranking": {k: round(v, 2) for k, v in result.seconds.items()},
              "recall_at_k": {f"{c['retriever']}@{c['k']}": c["mean"] for c in result.cells}}
    print(json.dumps(report, indent=2))
    for name, seconds in result.seconds.items():
        budget = BUDGET_S.get(name)
        if budget is not None:
            print(f"{name}: ranking {seconds:.1f} s (budget {budget:g} s): {'PASS' if seconds <= budget else 'OVER'}")


if __name__ == "__main__":
    main()
