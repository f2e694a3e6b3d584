"""Scoring requests with long contexts (a probe's retrieved chunks, documents in context): the local
backend's scorer against its plain tree scorer, same run, same requests.

    python bench/long_context_scoring.py [--tokens 512 2048] [--questions 2] [--options 4] [--repeats 3]

Each case: `--questions` questions over one context of `--tokens` tokens (the bundled examples'
text), each question with `--options` options, as `probe run`'s rag arm asks them. The baseline
(`_score_tree`) merges the requests into a token trie and runs a sequence longer than a pass alone,
once per request, under a dense tree mask; the scorer (`loglikelihood`, `_score_shared`) runs the
shared context once as a key/value prefix and the rest in one tree pass on top. Prints the best
time of each over the repeats, their ratio, and the largest difference between their scores.
"""

from __future__ import annotations

import argparse
import glob
import time
from pathlib import Path

from adaptcost.evalkit.backends.registry import get_backend

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[512, 2048])
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--options", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    backend = get_backend("local")
    text = " ".join(Path(p).read_text(errors="ignore") for p in sorted(glob.glob(str(EXAMPLES / "**" / "*.md"), recursive=True)))
    for tokens in args.tokens:
        context = backend.tokenizer.decode(backend.tokenizer(text)["input_ids"][:tokens])
        requests = [(f"{context}\nQuestion {q}: which one?\nAnswer:", f" option {o}")
                    for q in range(args.questions) for o in range(args.options)]
        encoded = backend._encode_pairs(requests)
        best = {"tree (baseline)": float("inf"), "shared prefix": float("inf")}
        scores = {}
        for _ in range(args.repeats):  # interleaved, so that a busy machine slows both alike
            for name, method in (("tree (baseline)", backend._score_tree), ("shared prefix", backend._score_shared)):
                started = time.perf_counter()
                scores[name] = method(encoded)
                best[name] = min(best[name], time.perf_counter() - started)
        diff = max(abs(a[0] - b[0]) for a, b in zip(*scores.values()))
        ratio = best["tree (baseline)"] / best["shared prefix"]
        print(f"{tokens} tokens, {len(requests)} requests: " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items())
              + f"; {ratio:.1f}x; largest score difference {diff:.1e}", flush=True)


if __name__ == "__main__":
    main()
