"""Monte Carlo throughput: the vectorized cost model against the scalar one, same run.

    python bench/montecarlo.py [--draws 1000000]

Prices the six strategies for a 50,000-token corpus of 40 documents on gemini-3.5-flash's prices
(RAG: text-embedding-3-small and Pinecone serverless) with every assumption uncertain, chunk size
and top-k included (so RAG's chunks are recounted for every draw), first with the scalar cost model in a Python loop (a small sample, the
baseline), then with the vectorized model over --draws samples, and checks that both give the
same totals on the baseline's sample.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


from adaptcost.costing.strategies import CorpusStats, Models, strategy_cost
from adaptcost.costing.montecarlo import Params, strategy_tco
from adaptcost.prices.book import load_pricing
from adaptcost.costing.scenario import STRATEGIES, Scenario
from adaptcost.decision.uncertainty import base_params


def draws(n: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "queries_per_day": rng.triangular(500, 5000, 20000, n),
        "prompt_tokens": rng.uniform(100, 400, n).round(),
        "answer_tokens": rng.lognormal(np.log(300), 0.5, n).round() + 1,
        "refresh_days": rng.uniform(7, 90, n),
        "epochs": rng.integers(1, 6, n).astype(float),
        "cache_hit_rate": rng.uniform(0.3, 1.0, n),
        "chunk_tokens": rng.integers(128, 1025, n).astype(float),
        "top_k": rng.integers(1, 9, n).astype(float),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    args = parser.parse_args()
    book = load_pricing()
    m = book.get("gemini-3.5-flash")
    models = Models(m, m, m, book.day, book.embedding("text-embedding-3-small"), book.vector_store("pinecone"))
    sizes = tuple(int(n) for n in np.random.default_rng(0).integers(250, 2_501, 40))  # 40 documents, 50,000 tokens or so
    counts = {"o200k_base": sizes, "cl100k_base": sizes}
    stats = CorpusStats({e: sum(sizes) for e in counts}, {e: max(sizes) for e in counts}, 40, 2_700, counts)
    base = Scenario(queries_per_day=5000)

    small = draws(args.baseline)
    start = time.perf_counter()
    scalar = {s: [] for s in STRATEGIES}
    for i in range(args.baseline):
        point = base.to_dict() | {k: (int(v[i]) if k in ("prompt_tokens", "answer_tokens", "epochs", "chunk_tokens", "top_k") else float(v[i])) for k, v in small.items()}
        sc = Scenario(**point)
        for s in STRATEGIES:
            scalar[s].append(strategy_cost(s, stats, models, sc).tco)
    scalar_s = time.perf_counter() - start
    check = {s: strategy_tco(s, stats, models, Params(base_params(base) | small)) for s in STRATEGIES}
    same = all(np.allclose(check[s], scalar[s], rtol=1e-9) for s in STRATEGIES)

    big = draws(args.draws)
    start = time.perf_counter()
    totals = {s: strategy_tco(s, stats, models, Params(base_params(base) | big)) for s in STRATEGIES}
    winner = np.argmin(np.vstack([totals[s] for s in STRATEGIES]), axis=0)
    vector_s = time.perf_counter() - start

    scalar_rate = args.baseline / scalar_s
    vector_rate = args.draws / vector_s
    print(f"scalar cost model, Python loop : {args.baseline:>9,} draws in {scalar_s:6.2f} s = {scalar_rate:12,.0f} draws/s")
    print(f"vectorized cost model (numpy)  : {args.draws:>9,} draws in {vector_s:6.2f} s = {vector_rate:12,.0f} draws/s")
    print(f"speed-up: {vector_rate / scalar_rate:,.0f}x; identical totals on the baseline sample: {same}")
    print("share of draws each strategy is cheapest: " + ", ".join(
        f"{s} {np.mean(winner == i):.1%}" for i, s in enumerate(STRATEGIES)))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
