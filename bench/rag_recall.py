"""Retrieval recall@k per dataset and split, without a language model.

    python bench/rag_recall.py --profile paper --retrievers minilm,bm25 --top-k 1,2,4,8

Ranks each dataset's documents for every item's prompt (evalkit.retrieval) and prints the share
of items whose every premise is stated by a document in the top k (recall@k), per split; with
--json, the same as JSON. The paper-reference curves file's rag rows take their recall from this
script at the paper's sizes (see their basis).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from adaptcost.evalkit.datasets.paper import DATASETS, generate
from adaptcost.evalkit.backends.retrievers import get_retriever, query_of, recall_at_k


def measure(profile: str, retrievers: list[str], ks: list[int], seeds: list[int]) -> dict:
    out: dict = defaultdict(lambda: defaultdict(dict))
    for name in DATASETS:
        for retriever in retrievers:
            ranker = get_retriever(retriever)
            by_split: dict = defaultdict(lambda: ([], []))
            for seed in seeds:
                dataset = generate(name, seed, profile)
                docs = list(dataset.docs)
                started = time.perf_counter()
                rankings = ranker.rank([d.text for d in docs], [query_of(i) for i in dataset.items])
                elapsed = time.perf_counter() - started
                for item, ranking in zip(dataset.items, rankings):
                    supports, ranked = by_split[item.split]
                    supports.append(dataset.support(item))
                    ranked.append([docs[j].id for j in ranking])
                out[name]["documents"] = len(docs)
                out[name].setdefault("seconds", {})[retriever] = round(elapsed, 2)
            for split, (supports, ranked) in sorted(by_split.items()):
                out[name][split][retriever] = {"n": len(supports), **{f"recall@{k}": round(recall_at_k(supports, ranked, k), 4)
                                                                     for k in ks}}
    return json.loads(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--retrievers", default="minilm,bm25")
    parser.add_argument("--top-k", default="1,2,4,8")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ks = [int(k) for k in args.top_k.split(",")]
    result = measure(args.profile, args.retrievers.split(","), ks, [int(s) for s in args.seeds.split(",")])
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for name, table in result.items():
        print(f"{name} ({table['documents']} documents; ranking took {table['seconds']} s)")
        for split, row in table.items():
            if split in ("documents", "seconds"):
                continue
            for retriever, values in row.items():
                cells = "  ".join(f"{k}={v:.0%}" for k, v in values.items() if k != "n")
                print(f"  {split:<11} {retriever:<7} n={values['n']:<5} {cells}")


if __name__ == "__main__":
    main()
