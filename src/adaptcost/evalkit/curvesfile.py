"""Measured results → an ``adaptcost-curves/1`` file that ``recommend --curves`` reads.

The ``accuracy`` table (strategy × question type) pools the datasets at full scale, weighting each
dataset's accuracy and bootstrap bounds by its number of items. ``curves`` keeps every measured
point (accuracy against the number of training documents, and for ICL against the share of the
corpus in context) and, where there are at least three points, a saturating fit

    y(x) = c + (a − c) · (1 − exp(−x / b)),   c = chance accuracy (fixed), a, b fitted

by scipy.optimize.curve_fit, weighted by the bootstrap half-widths, with parameter standard errors
and r² (a falling series, which a small model's ICL shows as its context grows, fits badly and
says so).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import yaml

from ..curves import QUESTION_TYPES, SCHEMA_ID
from ..scenario import STRATEGIES as PRICED
from .runner import EvalResult


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


def accuracy_table(result: EvalResult) -> dict:
    full = max(result.config.scales)
    pooled: dict = defaultdict(lambda: defaultdict(list))
    for cell in result.cells:
        if (cell.scale == full and cell.form == "all" and cell.strategy in PRICED and cell.aug_share is None
                and cell.icl_share in (None, max_share(result, cell))):
            pooled[cell.strategy][cell.split].append(cell)
    table = {}
    for strategy, splits in pooled.items():
        table[strategy] = {}
        for split, cells in splits.items():
            n = sum(c.accuracy.n for c in cells)
            mean = sum(c.accuracy.mean * c.accuracy.n for c in cells) / n
            low = sum(c.accuracy.low * c.accuracy.n for c in cells) / n
            high = sum(c.accuracy.high * c.accuracy.n for c in cells) / n
            table[strategy][split] = {"mean": round(mean, 4), "low": round(min(low, mean), 4), "high": round(max(high, mean), 4),
                                      "n": n, "basis": f"measured on {', '.join(sorted({c.dataset for c in cells}))}"}
    return table


def max_share(result: EvalResult, cell) -> float | None:
    shares = [c.icl_share for c in result.cells if c.dataset == cell.dataset and c.strategy == "icl" and c.scale == cell.scale
              and c.icl_share is not None]
    return max(shares) if shares else None


def curves(result: EvalResult) -> list[dict]:
    series: dict = defaultdict(list)
    for cell in result.cells:
        if cell.form != "all":
            continue
        if cell.strategy == "icl" and cell.icl_share is not None and cell.scale == max(result.config.scales):
            series[(cell.dataset, cell.strategy, cell.split, "icl_share")].append(cell)
        if cell.aug_share is None and (cell.strategy != "icl" or cell.icl_share in (None, max_share(result, cell))):
            series[(cell.dataset, cell.strategy, cell.split, "training_documents")].append(cell)
        if cell.scale == max(result.config.scales) and cell.strategy in ("finetune", "finetune+local", "finetune+global"):
            # accuracy against augmentation texts: plain fine-tuning is the zero point of both augmented curves
            for aug in (("finetune+local", "finetune+global") if cell.strategy == "finetune" else (cell.strategy,)):
                series[(cell.dataset, aug, cell.split, "augmentations")].append(cell)
    out = []
    for (dataset, strategy, split, x), cells in sorted(series.items()):
        xs = {"icl_share": lambda c: c.icl_share, "augmentations": lambda c: c.augmentations}.get(x, lambda c: c.docs)
        points = sorted({(xs(c), c.accuracy.mean, c.accuracy.low, c.accuracy.high) for c in cells})
        if x == "augmentations" and len(points) < 2:
            continue
        entry = {"dataset": dataset, "strategy": strategy, "question_type": split, "x": x,
                 "points": [[float(p[0]), round(p[1], 4), round(p[2], 4), round(p[3], 4)] for p in points]}
        fit = fit_saturating(points, cells[0].chance)
        if fit:
            entry["fit"] = fit
        out.append(entry)
    return out


def to_curves_document(result: EvalResult, name: str = "measured") -> dict:
    config = result.config
    return {
        "schema": SCHEMA_ID,
        "name": name,
        "kind": "measured",
        "model": result.model,
        "citation": "measured by adaptcost eval; design after Lampinen et al. 2025, arXiv:2505.00661",
        "basis": (f"augmentations from the {config.augment_source} source"
                  + (" (ground truth: an upper bound on what augmentation can give)" if config.augment_source == "oracle" else "")),
        "question_types": {t: t for t in QUESTION_TYPES},
        "accuracy": accuracy_table(result),
        "curves": curves(result),
        "settings": {"profile": config.profile, "aug_shares": list(config.aug_shares), "datasets": list(config.datasets), "strategies": list(config.strategies),
                     "augment_source": config.augment_source, "seed": config.seed, "scales": list(config.scales),
                     "icl_shares": list(config.icl_shares), "finetune": result.finetune,
                     "dataset_fingerprints": result.fingerprints, "notes": result.notes},
        "measurements": [c.to_dict() for c in result.cells],
    }


def dump(document: dict) -> str:
    header = "# Generalization curves measured by `adaptcost eval`; read by `adaptcost recommend --curves`.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
