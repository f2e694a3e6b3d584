"""From per-item credits to what a curves file may claim: the split table (accuracy, interval,
chance, shortcut baselines, minimum detectable difference, whether the split can carry a claim),
the paired comparisons between arms on the same items (Holm-adjusted over the whole family), the
per-item credits themselves, and the verdicts on the paper's two claims, worded no stronger than
their tests.

Shortcut baselines stand beside every arm, computed from that arm's own training texts
(runner.baseline_source): an augmented arm's augmentations can make a cue the documents lack.
A split below the claim bar (stats.support), or an arm that runner.descriptive_reasons rules out,
is descriptive only: its accuracies are reported, it enters no paired test and no Holm family,
and its verdicts say so.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..scoring.runner import EvalResult, Record, arm_label, baseline_means, baseline_source, descriptive_reasons, split_supports
from ..stats.intervals import interval
from ..stats.paired import holm, minimum_detectable_difference, paired_test

# (a, b): is arm a above arm b? The paper's claims first.
COMPARISONS = (
    ("icl", "finetune"),
    ("finetune+local (covers)", "icl"), ("finetune+global (covers)", "icl"),
    ("finetune+local (held-out)", "icl"), ("finetune+global (held-out)", "icl"),
    ("finetune+local (covers)", "finetune"), ("finetune+global (covers)", "finetune"),
    ("finetune+local (held-out)", "finetune"), ("finetune+global (held-out)", "finetune"),
    ("finetune", "finetune (unsplit)"),
    ("icl", "base"), ("finetune", "base"), ("finetune (unsplit)", "base"),
    ("finetune+local (covers)", "base"), ("finetune+global (covers)", "base"),
    ("finetune+local (held-out)", "base"), ("finetune+global (held-out)", "base"),
)
# Per retriever R: RAG against the arms it competes with, on the same items (at the headline k).
RAG_COMPARISONS = (("rag ({r})", "icl"), ("rag ({r})", "finetune"), ("finetune+rag ({r})", "finetune"),
                   ("finetune+rag ({r})", "rag ({r})"), ("rag ({r})", "base"), ("finetune+rag ({r})", "base"))


def comparisons(result: EvalResult) -> tuple[tuple[str, str], ...]:
    """COMPARISONS, then RAG_COMPARISONS for every retriever measured."""
    return COMPARISONS + tuple((a.format(r=r), b.format(r=r)) for r in result.config.retrievers for a, b in RAG_COMPARISONS)


def is_headline_k(record_or_cell, config) -> bool:
    """A rag arm's measurement at the headline k (the corpus size where that is smaller); other arms: True."""
    if record_or_cell.top_k is None:
        return True
    return record_or_cell.top_k == min(config.headline_k, record_or_cell.docs)


def _full_scale(result: EvalResult) -> list[Record]:
    full = max(result.config.scales)
    shares = {}
    for r in result.records:
        if r.strategy == "icl" and r.scale == full and r.icl_share is not None:
            key = (r.dataset, r.seed)
            shares[key] = max(shares.get(key, 0.0), r.icl_share)
    return [r for r in result.records if r.scale == full and r.aug_share is None and is_headline_k(r, result.config)
            and (r.strategy != "icl" or r.icl_share == shares.get((r.dataset, r.seed)))]


def _items(result: EvalResult) -> dict[tuple[str, int, str], object]:
    return {(name, seed, i.id): i for (name, seed), items in result.items.items() for i in items}


def hits_by_split(result: EvalResult) -> dict[tuple[str, str], dict[str, dict[tuple[int, str], bool]]]:
    """(dataset, split) -> rag arm -> (seed, item id) -> every premise retrieved, at the headline k."""
    out: dict = defaultdict(lambda: defaultdict(dict))
    lookup = _items(result)
    for r in _full_scale(result):
        for item_id, hit in (r.hits or {}).items():
            out[(r.dataset, lookup[(r.dataset, r.seed, item_id)].split)][r.arm][(r.seed, item_id)] = hit
    return out


def credits_by_split(result: EvalResult) -> dict[tuple[str, str], dict[str, dict[tuple[int, str], float]]]:
    """(dataset, split) -> arm -> (seed, item id) -> credit, at full scale."""
    out: dict = defaultdict(lambda: defaultdict(dict))
    lookup = _items(result)
    for r in _full_scale(result):
        for item_id, value in r.credits.items():
            item = lookup[(r.dataset, r.seed, item_id)]
            out[(r.dataset, item.split)][r.arm][(r.seed, item_id)] = value
    return out


def arm_reasons(result: EvalResult, supports=None) -> dict[tuple[str, str, str], list[str]]:
    """(dataset, split, arm) -> why it can carry no claim (runner.descriptive_reasons), for every
    arm measured at full scale; an empty list: it can."""
    supports = split_supports(result) if supports is None else supports
    return {(dataset, split, arm): descriptive_reasons(result, dataset, split, arm, supports)
            for (dataset, split), arms in credits_by_split(result).items() for arm in arms}


def paired_comparisons(result: EvalResult) -> list[dict]:
    """Every comparison of COMPARISONS that both arms measured, per dataset and split, on the
    items both were scored on; p-values Holm-adjusted over all of them. A comparison with an arm
    that is descriptive only there (arm_reasons: a split below the claim bar, an arm below the
    recall ceiling) is not tested:
    it is neither in this list nor in the Holm family."""
    lookup = _items(result)
    reasons = arm_reasons(result)
    rows = []
    for (dataset, split), arms in sorted(credits_by_split(result).items()):
        for a, b in comparisons(result):
            if a not in arms or b not in arms or reasons[(dataset, split, a)] or reasons[(dataset, split, b)]:
                continue
            common = sorted(set(arms[a]) & set(arms[b]))
            if not common:
                continue
            clusters = [f"{seed}:{lookup[(dataset, seed, i)].cluster or i}" for seed, i in common]
            test = paired_test([arms[a][k] for k in common], [arms[b][k] for k in common], clusters,
                               result.config.seed, labels=(a, b))
            rows.append((dataset, split, test))
    adjusted = holm([t.p for _, _, t in rows])
    out = []
    for (dataset, split, test), p in zip(rows, adjusted):
        test = type(test)(**{**test.__dict__, "p_holm": p})
        out.append({"dataset": dataset, "split": split, **test.to_dict()})
    return out


def split_table(result: EvalResult) -> list[dict]:
    """Per dataset and split: items, chance, the shortcut baselines of the documents, the minimum
    detectable difference, its support (items per form, dataset seeds, clusters) and, below the
    claim bar, why it is descriptive only; then every arm's accuracy with its interval, pooled
    over dataset seeds, with chance and the shortcut baselines on its own items from its own
    training texts."""
    lookup = _items(result)
    hits = hits_by_split(result)
    supports = split_supports(result)
    reasons = arm_reasons(result, supports)
    source = {r.arm: baseline_source(r.strategy, r.variant, r.scale, r.icl_share, r.aug_share) for r in _full_scale(result)}
    out = []
    for (dataset, split), arms in sorted(credits_by_split(result).items()):
        keys = sorted({k for credits in arms.values() for k in credits})
        found = supports.get((dataset, split))
        row = {"dataset": dataset, "split": split, "n": len(keys),
               "chance": _chance(lookup, dataset, keys),
               "baselines": baseline_means(result, dataset, "documents", keys),
               "minimum_detectable_difference": round(minimum_detectable_difference(len(keys)), 4),
               "support": found.to_dict() if found else None,
               "descriptive": found.reason if found else None, "arms": {}}
        for arm, credits in sorted(arms.items()):
            ks = sorted(credits)
            est = interval([credits[k] for k in ks], [f"{s}:{lookup[(dataset, s, i)].cluster or i}" for s, i in ks], result.config.seed)
            row["arms"][arm] = est.to_dict()
            key, words = source[arm]
            shortcuts = baseline_means(result, dataset, key, ks)
            row["arms"][arm] |= {"chance": _chance(lookup, dataset, ks), "baselines": shortcuts,
                                 "baselines_from": words if shortcuts is not None else None,
                                 "descriptive": "; ".join(reasons[(dataset, split, arm)]) or None}
            found = hits.get((dataset, split), {}).get(arm)
            if found:  # rag arms: recall@k on the same items, beside the accuracy, and accuracy split by it
                row["arms"][arm]["recall"] = round(float(np.mean([found[k] for k in ks])), 4)
                row["arms"][arm]["k"] = _headline_k(result, dataset, arm)
                for label, wanted in (("when_retrieved", True), ("when_missed", False)):
                    values = [credits[k] for k in ks if found.get(k) is wanted]
                    row["arms"][arm][label] = {"mean": round(float(np.mean(values)), 4), "n": len(values)} if values else None
        out.append(row)
    return out


def _chance(lookup: dict, dataset: str, keys) -> float:
    return round(float(np.mean([1 / len(lookup[(dataset, s, i)].options) for s, i in keys])), 4)


def _headline_k(result: EvalResult, dataset: str, arm: str) -> int | list[int]:
    ks = sorted({r.top_k for r in _full_scale(result) if r.dataset == dataset and r.arm == arm})
    return ks[0] if len(ks) == 1 else ks


def per_item(result: EvalResult) -> dict:
    """dataset -> seed -> item ids, their clusters, and every arm's credits in that order (null
    where the arm did not score the item)."""
    out: dict = {}
    arms_of: dict = defaultdict(dict)
    hits_of: dict = defaultdict(dict)
    for r in _full_scale(result):
        arms_of[(r.dataset, r.seed)][r.arm] = r.credits
        if r.hits is not None:
            hits_of[(r.dataset, r.seed)][r.arm] = r.hits
    for (name, seed), items in sorted(result.items.items()):
        ids = [i.id for i in items]
        arms = arms_of.get((name, seed), {})
        out.setdefault(name, {})[seed] = {
            "ids": ids, "clusters": [i.cluster for i in items],
            "arms": {arm: [None if i not in c else round(c[i], 4) for i in ids] for arm, c in sorted(arms.items())}}
        if hits_of.get((name, seed)):  # rag arms: 1 where every premise was retrieved (headline k)
            out[name][seed]["retrieved"] = {arm: [None if i not in h else int(h[i]) for i in ids]
                                            for arm, h in sorted(hits_of[(name, seed)].items())}
    return out


CLAIMS = (
    ("ICL generalizes better than plain fine-tuning", "icl", "finetune", ("reversal", "syllogism")),
    ("augmented fine-tuning matches or beats ICL (upper bound: covers oracle)", "finetune+local (covers)", "icl",
     ("reversal", "rephrasing")),
    ("augmented fine-tuning matches or beats ICL (upper bound: covers oracle)", "finetune+global (covers)", "icl",
     ("reversal", "syllogism", "category")),
    ("augmented fine-tuning matches or beats ICL (held-out oracle)", "finetune+local (held-out)", "icl",
     ("reversal", "rephrasing")),
    ("augmented fine-tuning matches or beats ICL (held-out oracle)", "finetune+global (held-out)", "icl",
     ("reversal", "syllogism", "category")),
)


def verdicts(paired: list[dict], splits: list[dict] | None = None) -> list[str]:
    """One sentence per comparison behind the paper's claims, no stronger than its test:
    "supported" only when the difference is significant (Holm) and in the claim's direction;
    a difference that is not significant shows neither the claim nor its opposite (nor that the
    arms match). Where an arm is descriptive only (`splits`: the split table), the sentence says
    so and why: no claim either way."""
    tested = {(r["dataset"], r["split"], r["a"], r["b"]): r for r in paired}
    places = sorted({(r["dataset"], r["split"]) for r in paired} | {(r["dataset"], r["split"]) for r in splits or ()})
    arms = {(r["dataset"], r["split"]): r["arms"] for r in splits or ()}
    out = []
    for claim, a, b, claim_splits in CLAIMS:
        for dataset, split in places:
            if split not in claim_splits:
                continue
            row = tested.get((dataset, split, a, b))
            if row is not None:
                out.append(_verdict(claim, row))
                continue
            measured = arms.get((dataset, split), {})
            why = [measured[x]["descriptive"] for x in (a, b) if x in measured and measured[x].get("descriptive")]
            if a in measured and b in measured and why:
                out.append(f"{claim} — {dataset} {split}: {arm_label(a)} {measured[a]['mean']:.0%} vs {arm_label(b)} "
                           f"{measured[b]['mean']:.0%}: descriptive only, not tested ({'; '.join(dict.fromkeys(why))})")
    return out


def _verdict(claim: str, row: dict) -> str:
    verdict = ("supported" if row["significant"] and row["difference"] > 0 else
               "contradicted" if row["significant"] else "not shown (no significant difference)")
    return (f"{claim} — {row['dataset']} {row['split']}: {arm_label(row['a'])} {row['mean_a']:.0%} vs "
            f"{arm_label(row['b'])} {row['mean_b']:.0%} on the same {row['n']} items, difference "
            f"{row['difference']:+.0%} (95% {row['difference_95'][0]:+.0%} to {row['difference_95'][1]:+.0%}), "
            f"p={row['p']:.3g}, Holm p={row['p_holm']:.3g}: {verdict}")
