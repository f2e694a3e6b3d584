"""The eval harness: measure how each adaptation strategy generalizes, on a real model.

For each dataset (reversal, syllogism, semantic structure; see :mod:`.datasets`) and strategy:

    base             no context, no training (must sit near chance: the words are novel)
    icl              the training documents in the prompt (subsampled to fit the context window),
                     presented in two counterbalanced orders
    finetune         trained on the documents split into sentences (the paper's best format)
    finetune+local   trained on sentences + local augmentations (rephrasings, reversals)
    finetune+global  trained on sentences + global augmentations (inferences across documents)

Accuracy is measured against scale (shares of the training documents) for base, icl and
finetune; the augmented strategies at full scale, against the share of their augmentations.

Augmentations come from a named source recorded with every result: ``oracle`` (derived from the
generator's ground truth: an upper bound on what augmentation can give) or ``model`` (the model
itself prompted in context, as in Lampinen et al. 2025, arXiv 2505.00661).
Every option is scored against the base model without the knowledge (see :mod:`.scoring`).
Scores are cached on disk by model, text and settings, and fine-tuned weights by the backend,
so an interrupted run resumes and a re-run costs seconds.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..errors import AdaptcostError
from ..paths import cache_dir
from .scoring import Accuracy, bootstrap, chance, credit, option_scores

STRATEGIES = ("base", "icl", "finetune", "finetune+local", "finetune+global")
SPLIT_TO_TYPE = {"recall": "recall", "rephrasing": "rephrasing", "reversal": "reversal",
                 "syllogism": "syllogism", "category": "category"}
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ScoreCache:
    """Log-likelihoods on disk, keyed by sha256(model, context, continuation): resumable runs."""

    CHUNK = 64  # requests per backend call

    def __init__(self, model_id: str, enabled: bool = True):
        self.model_id = model_id
        self.db = None
        if enabled:
            path = cache_dir() / "eval-scores.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("CREATE TABLE IF NOT EXISTS ll (key TEXT PRIMARY KEY, ll REAL, n INTEGER)")
        self.hits = 0
        self.misses = 0

    def _key(self, context: str, continuation: str) -> str:
        return hashlib.sha256(json.dumps([self.model_id, context, continuation]).encode()).hexdigest()

    def wrap(self, backend) -> Callable:
        """backend.loglikelihood with a disk cache; `prefix` is shared by all requests of a call and
        scored once where the backend can (loglikelihood_prefixed)."""
        prefixed = getattr(backend, "loglikelihood_prefixed", None)

        def loglikelihood(requests, prefix):
            if prefix and prefixed is not None:
                return prefixed(prefix, requests)
            return backend.loglikelihood([(prefix + c, x) for c, x in requests])

        def cached(requests: Sequence[tuple[str, str]], prefix: str = "") -> list[tuple[float, int]]:
            keys = [self._key(prefix + c, x) for c, x in requests]
            found = {}
            if self.db is not None:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    found.update({k: (ll, n) for k, ll, n in self.db.execute(f"SELECT key, ll, n FROM ll WHERE key IN ({marks})", chunk)})
            todo = [i for i, k in enumerate(keys) if k not in found]
            self.hits += len(keys) - len(todo)
            self.misses += len(todo)
            for start in range(0, len(todo), self.CHUNK):  # commit as we go: an interruption loses one chunk
                part = todo[start : start + self.CHUNK]
                fresh = loglikelihood([requests[i] for i in part], prefix)
                for i, value in zip(part, fresh):
                    found[keys[i]] = (float(value[0]), int(value[1]))
                if self.db is not None:
                    self.db.executemany("INSERT OR REPLACE INTO ll VALUES (?, ?, ?)", [(keys[i], *found[keys[i]]) for i in part])
                    self.db.commit()
            return [found[k] for k in keys]

        return cached

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


@dataclass(frozen=True)
class EvalConfig:
    profile: str = "default"  # dataset sizes: "quick" or "default" (see datasets.PROFILES)
    datasets: tuple[str, ...] = ("reversal", "syllogism", "semantic")
    strategies: tuple[str, ...] = STRATEGIES
    augment_source: str = "oracle"  # "oracle" | "model"
    seed: int = 0
    scales: tuple[float, ...] = (0.5, 1.0)  # shares of the training documents, for accuracy-vs-scale curves
    icl_shares: tuple[float, ...] = (0.25, 0.5, 1.0)  # shares of the corpus in context, for the ICL curve
    aug_shares: tuple[float, ...] = (1.0,)  # shares of the augmentations, for accuracy vs augmentation amount
    cache: bool = True

    def __post_init__(self):
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            from ..suggest import did_you_mean

            raise AdaptcostError(f"unknown strategy {unknown[0]!r}{did_you_mean(unknown[0], STRATEGIES)}")
        if self.augment_source not in ("oracle", "model"):
            raise AdaptcostError(f"--augment-source must be 'oracle' or 'model', got {self.augment_source!r}")
        if not self.scales or not all(0 < s <= 1 for s in self.scales):
            raise AdaptcostError("scales must be shares of the training data in (0, 1]")


@dataclass
class Cell:
    """One measured accuracy: dataset × strategy × split × form, at a scale."""

    dataset: str
    strategy: str
    split: str
    form: str
    scale: float
    accuracy: Accuracy
    chance: float
    docs: int
    augmentations: int = 0
    icl_share: float | None = None
    aug_share: float | None = None  # a share of the augmentations below 1 (accuracy-vs-augmentation points)

    def to_dict(self) -> dict:
        return {k: (v.to_dict() if isinstance(v, Accuracy) else v) for k, v in asdict(self).items()} | {"accuracy": self.accuracy.to_dict()}


@dataclass
class EvalResult:
    model: str
    config: EvalConfig
    finetune: dict
    cells: list[Cell] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0


# ---------------------------------------------------------------- data


def subset(dataset, share: float, seed: int):
    """The first `share` of the documents (shuffled by seed), and the items all of whose facts they state."""
    docs = list(dataset.docs)
    random.Random(seed).shuffle(docs)
    kept = docs[: max(1, round(len(docs) * share))]
    facts = {f for d in kept for f in d.fact_ids}
    items = [i for i in dataset.items if set(i.fact_ids) <= facts]
    return kept, items


def fit_context(docs: Sequence, count_tokens: Callable[[str], int], budget: int) -> list:
    """Documents in order until the context budget (tokens) is used (ICL subsampling)."""
    kept, used = [], 0
    for doc in docs:
        n = count_tokens(doc.text) + 2
        if used + n > budget:
            break
        kept.append(doc)
        used += n
    return kept


def context_of(docs: Sequence) -> str:
    """The documents as an in-context prefix. It ends at the last document's end; scoring adds the
    blank line before each question, so the prefix ends where tokenization splits anyway."""
    return "\n\n".join(d.text.rstrip() for d in docs)


def sentences_of(docs: Sequence) -> list[str]:
    """The documents split into sentences, one training example each (adaptcost.sentences: the
    one sentence rule, lower-case starts included)."""
    from ..sentences import split_sentences

    return [s for doc in docs for s in split_sentences(doc.text)]


# ---------------------------------------------------------------- augmentation


LOCAL_PROMPT = ("Rewrite the statement in other words, then state it in the reverse direction.\n"
                "Statement: Rubes are taller than zints.\nRephrased: Zints are shorter than rubes.\n"
                "Reversed: Zints are shorter than rubes, so rubes are taller than zints.\n"
                "Statement: {sentence}\nRephrased:")
GLOBAL_PROMPT = ("{corpus}\n\nAbove are documents. List new facts that follow from the document below "
                 "together with the other documents, one per line.\nDocument: {document}\nInferences:\n")


def augmentations(dataset, docs: Sequence, kind: str, source: str, backend, seed: int) -> list[str]:
    """Local or global augmentation texts for `docs`, from the oracle or the model itself."""
    if source == "oracle":
        table = dataset.oracle_local if kind == "local" else dataset.oracle_global
        return [text for d in docs for text in table.get(d.id, ())]
    if kind == "local":
        prompts = [LOCAL_PROMPT.format(sentence=s) for s in sentences_of(docs)]
        return [line.strip() for out in backend.generate(prompts, max_new_tokens=48) for line in out.splitlines()[:2]
                if line.strip() and not line.startswith(("Statement", "Reversed:"))]
    budget = max(256, backend.context_window() - 600)
    corpus_docs = fit_context(docs, backend.count_tokens, budget)
    corpus = context_of(corpus_docs)
    prompts = [GLOBAL_PROMPT.format(corpus=corpus, document=d.text) for d in docs]
    return [line.strip("-• ").strip() for out in backend.generate(prompts, max_new_tokens=96) for line in out.splitlines() if line.strip()]


# ---------------------------------------------------------------- running


def _measure(dataset_name: str, strategy: str, items: Sequence, scores: np.ndarray, baseline: np.ndarray | None,
             scale: float, docs: int, seed: int, **extra) -> list[Cell]:
    """Cells per split × form (and 'all' forms) from option scores."""
    correct = credit(scores, baseline, [item.answer for item in items])
    cells = []
    groups: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault((item.split, item.form), []).append(index)
        groups.setdefault((item.split, "all"), []).append(index)
    for (split, form), indices in sorted(groups.items()):
        sub = [items[i] for i in indices]
        cells.append(Cell(dataset_name, strategy, split, form, scale, bootstrap(correct[indices], seed), chance(sub), docs, **extra))
    return cells


def run_eval(backend, config: EvalConfig, finetune_settings, progress: Progress | None = None) -> EvalResult:
    """Measure every dataset × strategy × scale; the backend is any :class:`.backends.Backend`."""
    from .datasets import generate

    report = progress or (lambda stage, done, total: None)
    finetune_settings = getattr(backend, "resolve_settings", lambda s: s)(finetune_settings)
    cache = ScoreCache(backend.name, config.cache)
    score = cache.wrap(backend)
    result = EvalResult(backend.name, config, asdict(finetune_settings))
    try:
        for name in config.datasets:
            dataset = generate(name, config.seed, config.profile)
            result.fingerprints[name] = dataset.fingerprint()
            _run_dataset(dataset, backend, score, config, finetune_settings, result, report)
    finally:
        result.cache_hits, result.cache_misses = cache.hits, cache.misses
        cache.close()
    return result


def _run_dataset(dataset, backend, score, config: EvalConfig, settings, result: EvalResult, report: Progress) -> None:
    scales = sorted(set(config.scales))
    plans = {scale: subset(dataset, scale, config.seed) for scale in scales}
    jobs = _training_jobs(dataset, backend, config, plans)
    many = getattr(backend, "finetune_many", None)
    if many is not None and jobs:
        label = f"{dataset.name} · training {len(jobs)} models"
        many([texts for texts, _ in jobs.values()], settings, progress=lambda done, total: report(label, done, total))
    for scale in scales:
        docs, items = plans[scale]
        if not items:
            result.notes.append(f"{dataset.name} at scale {scale:g}: no test item is covered by the kept documents")
            continue
        baseline = option_scores(score, [""], items)
        for strategy in config.strategies:
            if strategy.startswith("finetune+") and scale != scales[-1]:
                continue  # augmented fine-tuning is measured at full scale, against augmentation amount
            report(f"{dataset.name} · {strategy} · {scale:g}", 0, 1)
            if strategy == "base":
                cells = _measure(dataset.name, "base", items, baseline, None, scale, 0, config.seed)
            elif strategy == "icl":
                cells = _icl(backend, score, docs, items, baseline, dataset.name, scale, config,
                             shares=config.icl_shares if scale == scales[-1] else (1.0,))
            else:
                cells = []
                for (job_scale, job_strategy, share), (texts, extra) in jobs.items():
                    if (job_scale, job_strategy) == (scale, strategy):
                        cells += _train_and_measure(backend, dataset, items, baseline, strategy, scale, len(docs), config,
                                                    settings, report, texts, extra, aug_share=share)
            result.cells += cells
            report(f"{dataset.name} · {strategy} · {scale:g}", 1, 1)


def _training_jobs(dataset, backend, config: EvalConfig, plans: dict) -> dict[tuple, tuple[list[str], int]]:
    """The training texts of every fine-tuned model a dataset needs and how many of them are
    augmentations, keyed by (scale, strategy, augmentation share or None): the sentences, plus a
    share of the local or global augmentations for the augmented strategies, which are trained
    at full scale only (accuracy against augmentation amount)."""
    full = max(plans)
    jobs: dict[tuple, tuple[list[str], int]] = {}
    for scale, (docs, items) in sorted(plans.items()):
        if not items:
            continue
        texts = sentences_of(docs)
        if "finetune" in config.strategies:
            jobs[(scale, "finetune", None)] = (texts, 0)
        for strategy in config.strategies:
            if not strategy.startswith("finetune+") or scale != full:
                continue
            kind = "local" if strategy == "finetune+local" else "global"
            extra = augmentations(dataset, docs, kind, config.augment_source, backend, config.seed)
            for share in sorted(set(config.aug_shares) | {1.0}):
                part = extra[: round(len(extra) * share)]
                jobs[(scale, strategy, None if share == 1.0 else share)] = (texts + part, len(part))
    return jobs


def _icl(backend, score, docs, items, baseline, name, scale, config: EvalConfig, shares) -> list[Cell]:
    budget = backend.context_window() - 256
    cells = []
    for share in sorted(set(shares)):
        chosen = docs[: max(1, round(len(docs) * share))]
        fitted = fit_context(chosen, backend.count_tokens, budget)
        covered = {f for d in fitted for f in d.fact_ids}
        shown = [i for i in items if set(i.fact_ids) <= covered] if share < 1.0 else items
        if not shown:
            continue
        contexts = [context_of(fitted), context_of(list(reversed(fitted)))]  # counterbalanced orders
        rows = [items.index(i) for i in shown]
        scores = option_scores(score, contexts, shown)
        cells += _measure(name, "icl", shown, scores, baseline[rows], scale, len(fitted), config.seed,
                          icl_share=round(len(fitted) / len(docs), 4))
    return cells


def _train_and_measure(backend, dataset, items, baseline, strategy, scale, n_docs, config, settings, report, texts, extra: int,
                       aug_share=None) -> list[Cell]:
    """Fine-tune on `texts` (loaded from the cache when trained already) and measure; `extra` is
    how many of the texts are augmentations."""
    label = f"{dataset.name} · {strategy} · training" + (f" ({aug_share:g} of augmentations)" if aug_share else "")
    tuned = backend.finetune(texts, settings, progress=lambda done, total: report(label, done, total))
    tuned_score = ScoreCache(tuned.name, config.cache)
    try:
        scores = option_scores(tuned_score.wrap(tuned), [""], items)
    finally:
        tuned_score.close()
    return _measure(dataset.name, strategy, items, scores, baseline, scale, n_docs, config.seed,
                    augmentations=extra, aug_share=aug_share)
