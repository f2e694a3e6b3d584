"""Measured results → an ``adaptcost-curves/1`` file that ``recommend --curves`` reads.

The ``accuracy`` table (strategy × question type) pools the datasets at full scale, weighting each
dataset's accuracy and bootstrap bounds by its number of items. ``curves`` keeps every measured
point (accuracy against the number of training documents, and for ICL against the share of the
corpus in context) and, where there are at least three points, a saturating fit

    y(x) = c + (a − c) · (1 − exp(−x / b)),   c = chance accuracy (fixed), a, b fitted

by scipy.optimize.curve_fit, weighted by the bootstrap half-widths, with parameter standard errors
and r² (a falling series, which a small model's ICL shows as its context grows, fits badly and
says so).

RAG rows (``rag``, ``finetune+rag``) are the headline retriever (the first of the config's, minilm by
default) at the headline k (4, or the whole corpus where it is smaller), with the recall@k they
were measured at, that k and chance (what a reader needs to rescale them to another recall); every
retriever and k is a ``curves`` entry with ``x: top_k`` and a parallel ``recall`` list.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import yaml

from adaptcost.decision.curves import QUESTION_TYPES, RAG_STRATEGIES, SCHEMA_ID
from adaptcost.decision.curves import STRATEGIES as PRICED
from ..scoring.runner import EvalResult, descriptive_reasons, split_supports


def saturating(x, a, b, c):
    return c + (a - c) * (1.0 - np.exp(-np.asarray(x, float) / b))


def fit_saturating(points: list[tuple[float, float, float, float]], chance: float) -> dict | None:
    """Fit a, b (c = chance) to (x, y, low, high) points; None with fewer than three distinct x."""
    from scipy.optimize import curve_fit

    xs = np.array([p[0] for p in points], float)
    if len(set(xs)) < 3:
        return None
    ys = np.array([p[1] for p in points], float)
    sigma = np.maximum(np.array([(p[3] - p[2]) / 3.92 for p in points], float), 0.01)
    try:
        params, cov = curve_fit(lambda x, a, b: saturating(x, a, b, chance), xs, ys, p0=(max(ys.max(), chance + 0.01), xs.mean()),
                                sigma=sigma, absolute_sigma=True, bounds=([0.0, 1e-6], [1.0, 1e6]), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    errors = np.sqrt(np.clip(np.diag(cov), 0, None))
    a, b = (float(v) for v in params)
    fit = {"form": "c + (a - c) * (1 - exp(-x / b))", "c": round(chance, 4),
           "a": round(a, 4), "a_stderr": _finite(errors[0]), "b": round(b, 4), "b_stderr": _finite(errors[1]),
           "r2": _r_squared(ys, saturating(xs, a, b, chance))}
    if not xs.min() / 5 <= b <= xs.max() * 5:
        # saturated before the first point, or still linear at the last: the points do not locate b
        fit["b_stderr"] = None
        fit["note"] = "the points do not show where the curve saturates: b is not determined by them"
    return fit


def _r_squared(ys: np.ndarray, predicted: np.ndarray) -> float | None:
    """1 - residual / total sum of squares: how much of the points' spread the fit explains
    (near 0 or below: the saturating form does not describe them, e.g. a falling series)."""
    total = float(((ys - ys.mean()) ** 2).sum())
    return round(1.0 - float(((ys - predicted) ** 2).sum()) / total, 4) if total > 0 else None


def _finite(x: float) -> float | None:
    return round(float(x), 4) if math.isfinite(x) else None


def _headline(result: EvalResult, cell) -> bool:
    """A cell of the full-scale, all-forms measurement (not a point of a sweep)."""
    from .comparisons import is_headline_k

    return (cell.scale == max(result.config.scales) and cell.form == "all" and cell.aug_share is None
            and cell.icl_share in (None, max_share(result, cell)) and is_headline_k(cell, result.config))


def _pool(cells) -> dict:
    n = sum(c.accuracy.n for c in cells)
    mean = sum(c.accuracy.mean * c.accuracy.n for c in cells) / n
    low = sum(c.accuracy.low * c.accuracy.n for c in cells) / n
    high = sum(c.accuracy.high * c.accuracy.n for c in cells) / n
    chance = sum(c.chance * c.accuracy.n for c in cells) / n
    out = {"mean": mean, "low": min(low, mean), "high": max(high, mean), "n": n, "chance": chance}
    if all(c.recall is not None for c in cells):
        out["recall"] = sum(c.recall * c.accuracy.n for c in cells) / n
    return out


def accuracy_table(result: EvalResult, paired: list | None = None) -> dict:
    """Per priced strategy and question type, pooled over datasets (weighted by items). Plain
    fine-tuning is the sentence-split arm. An augmented strategy's mean is its "held out" oracle
    (inferences it was not given), its band reaches up to the "covers" oracle's (an upper bound);
    each basis says whether the figure is significantly above chance (paired test against base,
    which scores exactly chance under the shared calibration). A row pools only the datasets
    whose cells can carry a claim where any can (the others named in its basis); where none can,
    it pools them all and says why in `descriptive` (recommend --curves does not use such a row)."""
    pooled: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for cell in result.cells:
        if _headline(result, cell) and cell.strategy in PRICED and cell.variant != "unsplit":
            pooled[cell.strategy][cell.split][cell.variant].append(cell)
    versus_chance = {(c["dataset"], c["split"], c["a"]): c for c in (paired or []) if c["b"] == "base"}
    retriever = result.config.retrievers[0] if result.config.retrievers else None
    supports = split_supports(result)
    claim_cells = lambda cells: _claim_cells(result, cells, supports)  # noqa: E731
    table = {}
    for strategy, splits in pooled.items():
        table[strategy] = {}
        for split, variants in splits.items():
            if strategy in RAG_STRATEGIES:
                main = variants.get(retriever)
                if not main:
                    continue
                main, descriptive, left_out = claim_cells(main)
                table[strategy][split] = _rag_row(result, main, _pool(main), versus_chance, left_out) | descriptive_field(descriptive)
                continue
            main = variants.get("held-out") or variants.get("") or variants.get("model") or variants.get("covers")
            main, descriptive, left_out = claim_cells(main)
            row = _pool(main)
            note = ""
            if "covers" in variants and "held-out" in variants:
                covers = [c for c in variants["covers"] if c.dataset in {m.dataset for m in main}]
                row["high"] = max(row["high"], _pool(covers)["high"]) if covers else row["high"]
                note = "; mean: held-out oracle (inferences not given), band up to the covers oracle (upper bound)"
            datasets = sorted({c.dataset for c in main})
            tests = [versus_chance.get((d, split, main[0].arm)) for d in datasets]
            verdicts = [f"{d}: {_versus_chance(t)}" for d, t in zip(datasets, tests) if t]
            table[strategy][split] = {"mean": round(row["mean"], 4), "low": round(row["low"], 4), "high": round(row["high"], 4),
                                      "n": row["n"], "chance": round(row["chance"], 4), "basis": f"measured on {', '.join(datasets)}{note}"
                                      + (f"; {'; '.join(verdicts)}" if verdicts else "") + left_out} | descriptive_field(descriptive)
    return table


def _claim_cells(result: EvalResult, cells: list, supports: dict) -> tuple[list, str | None, str]:
    """The cells an accuracy-table row pools, why the row is descriptive only (None: it is not),
    and a note for its basis. Each cell's reasons come from runner.descriptive_reasons (the one
    place that decides them: a split below the claim bar, ...): where some cells can carry a
    claim the row pools those and names the others; where none can it pools all of them and is
    descriptive only, with their reasons."""
    reasons = {id(c): "; ".join(descriptive_reasons(result, c.dataset, c.split, c.arm, supports)) for c in cells}
    carrying = [c for c in cells if not reasons[id(c)]]
    if not carrying:
        return cells, "; ".join(dict.fromkeys(reasons[id(c)] for c in cells)), ""
    note = "".join(f"; {c.dataset} left out, descriptive only ({reasons[id(c)]})" for c in cells if reasons[id(c)])
    return carrying, None, note


def descriptive_field(reason: str | None) -> dict:
    """The key recommend --curves reads to skip a row (decision.curves), present only when set."""
    return {"descriptive": reason} if reason else {}


def _rag_row(result: EvalResult, cells, row: dict, versus_chance: dict, left_out: str = "") -> dict:
    """A rag or finetune+rag cell of the accuracy table: the headline retriever at the headline k,
    with the recall@k it was measured at, k and chance (required of these cells: curves.py)."""
    datasets = sorted({c.dataset for c in cells})
    ks = sorted({c.top_k for c in cells})
    tests = [versus_chance.get((d, cells[0].split, cells[0].arm)) for d in datasets]
    verdicts = [f"{d}: {_versus_chance(t)}" for d, t in zip(datasets, tests) if t]
    sizes = ", ".join(f"{c.dataset} k={c.top_k} of {c.docs} documents" for c in sorted(cells, key=lambda c: c.dataset))
    basis = (f"measured on {', '.join(datasets)} with retriever {cells[0].variant}, top k={result.config.headline_k} "
             f"(the whole corpus where smaller: {sizes}); recall@k {row['recall']:.0%} (share of items whose every needed "
             f"document was retrieved); chance = accuracy with nothing needed retrieved"
             + (f"; {'; '.join(verdicts)}" if verdicts else "") + left_out)
    return {"mean": round(row["mean"], 4), "low": round(row["low"], 4), "high": round(row["high"], 4), "n": row["n"],
            "chance": round(row["chance"], 4), "recall": round(row["recall"], 4), "k": max(ks), "basis": basis}


def _versus_chance(test: dict) -> str:
    if test["significant"]:
        return f"{'above' if test['difference'] > 0 else 'below'} chance (p_holm={test['p_holm']:.3g})"
    return f"not significantly different from chance (p={test['p']:.3g})"


def max_share(result: EvalResult, cell) -> float | None:
    shares = [c.icl_share for c in result.cells if c.dataset == cell.dataset and c.strategy == "icl" and c.scale == cell.scale
              and c.icl_share is not None]
    return max(shares) if shares else None


def curves(result: EvalResult) -> list[dict]:
    """Measured sweeps (accuracy against training documents, ICL context share, augmentation
    amount), one series per dataset × arm × split; held-out oracle arms have no sweep. A series
    of a split or arm that can carry no claim says why (`descriptive`)."""
    series: dict = defaultdict(list)
    for cell in result.cells:
        if cell.form != "all" or cell.variant == "held-out":
            continue
        if cell.top_k is not None:  # rag arms: accuracy (and recall) against the number of documents retrieved
            series[(cell.dataset, cell.arm, cell.split, "top_k")].append(cell)
            continue
        if cell.strategy == "icl" and cell.icl_share is not None and cell.scale == max(result.config.scales):
            series[(cell.dataset, cell.arm, cell.split, "icl_share")].append(cell)
        if cell.aug_share is None and (cell.strategy != "icl" or cell.icl_share in (None, max_share(result, cell))):
            series[(cell.dataset, cell.arm, cell.split, "training_documents")].append(cell)
        if cell.scale == max(result.config.scales) and cell.arm in ("finetune", "finetune+local (covers)", "finetune+global (covers)"):
            # accuracy against augmentation texts: plain fine-tuning is the zero point of both augmented curves
            targets = ("finetune+local (covers)", "finetune+global (covers)") if cell.arm == "finetune" else (cell.arm,)
            for aug in targets:
                series[(cell.dataset, aug, cell.split, "augmentations")].append(cell)
    out = []
    supports = split_supports(result)
    for (dataset, arm, split, x), cells in sorted(series.items()):
        xs = {"icl_share": lambda c: c.icl_share, "augmentations": lambda c: c.augmentations,
              "top_k": lambda c: c.top_k}.get(x, lambda c: c.docs)
        points = sorted({(xs(c), c.accuracy.mean, c.accuracy.low, c.accuracy.high, c.recall) for c in cells},
                        key=lambda p: p[:4])
        if len(points) < 2:
            continue  # one point is a measurement, not a curve: it is in the split table
        entry = {"dataset": dataset, "strategy": arm.split(" (")[0], "arm": arm, "question_type": split, "x": x,
                 "points": [[float(p[0]), round(p[1], 4), round(p[2], 4), round(p[3], 4)] for p in points]}
        if x == "top_k":
            entry["retriever"] = cells[0].variant
            entry["recall"] = [p[4] for p in points]  # recall@k of each point
        fit = fit_saturating([p[:4] for p in points], cells[0].chance)
        if fit:
            entry["fit"] = fit
        entry |= descriptive_field("; ".join(descriptive_reasons(result, dataset, split, arm, supports)))
        out.append(entry)
    return out


def _basis(config) -> str:
    if config.augment_source != "oracle":
        return "augmentations generated by the model itself"
    return ("oracle augmentations in wordings no test uses, in two variants labelled in every output: "
            "'covers' states every derivable inference (an upper bound); 'held-out' withholds half of them "
            "and is scored on that half. The accuracy table's augmented rows are the held-out variant, "
            "their bands reaching up to the covers variant. The rag rows are the headline retriever at the "
            "headline k (settings.retrieval), with the recall@k they were measured at. Claims are worded by the "
            "paired tests in 'paired'.")


def to_curves_document(result: EvalResult, name: str = "measured") -> dict:
    from .comparisons import paired_comparisons, per_item, split_table, verdicts

    config = result.config
    paired = paired_comparisons(result)
    splits = split_table(result)
    return {
        "schema": SCHEMA_ID,
        "name": name,
        "kind": "measured",
        "model": result.model,
        "citation": "measured by adaptcost eval; design after Lampinen et al. 2025, arXiv:2505.00661",
        "basis": _basis(config),
        "question_types": {t: t for t in QUESTION_TYPES},
        "accuracy": accuracy_table(result, paired),
        "curves": curves(result),
        "splits": splits,
        "paired": paired,
        "verdicts": verdicts(paired, splits),
        "checks": {"leaks": result.leaks, "trainings": result.trainings, "recall_ceiling": config.recall_ceiling,
                   "claims": claims_check(result),
                   "until_recall": {"applied": config.until_recall, "check_epochs": config.check_epochs,
                                    "cap_epochs": config.cap_epochs} if config.until_recall else {"applied": False}},
        "settings": {"profile": config.profile, "aug_shares": list(config.aug_shares), "datasets": list(config.datasets), "strategies": list(config.strategies),
                     "augment_source": config.augment_source, "variants": list(config.variants), "seed": config.seed,
                     "dataset_seeds": list(config.dataset_seeds), "budget_epochs": config.budget_epochs,
                     "scales": list(config.scales),
                     "icl_shares": list(config.icl_shares), "finetune": result.finetune,
                     **({"device": result.device} if result.device else {}),
                     "retrieval": {"retrievers": list(config.retrievers), "headline_retriever": config.retrievers[0] if config.retrievers else None,
                                   "top_ks": list(config.top_ks), "headline_k": config.headline_k, "unit": "document",
                                   "query": "the item's prompt (options never included)",
                                   "order": "retrieved documents in corpus order and reversed (counterbalanced), as ICL shows its documents",
                                   "recall": "share of items whose every premise (fact) is stated by a retrieved document",
                                   "finetune+rag": "the plain finetune model with the retrieved documents in its prompt, at the headline k"},
                     "dataset_fingerprints": result.fingerprints, "notes": result.notes},
        "measurements": [c.to_dict() for c in result.cells],
        "per_item": per_item(result),
    }


def claims_check(result: EvalResult) -> dict:
    """The claim bar (stats.support) and, per dataset and split, what it holds against it: which
    splits feed the paired tests and the Holm family, and which are descriptive only."""
    from ..stats.support import CLAIM_BAR

    return {"bar": CLAIM_BAR.to_dict(),
            "splits": [{"dataset": d, "split": s, **found.to_dict()} for (d, s), found in split_supports(result).items()]}


class _Dumper(yaml.SafeDumper):
    pass


def _list(dumper, data):
    flow = bool(data) and all(x is None or isinstance(x, (int, float, str)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def dump(document: dict) -> str:
    header = "# Generalization curves measured by `adaptcost eval`; read by `adaptcost recommend --curves`.\n"
    return header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
