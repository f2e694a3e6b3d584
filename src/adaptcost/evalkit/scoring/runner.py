"""The eval harness: measure how each adaptation strategy generalizes, on a real model.

For each dataset (reversal, syllogism, semantic structure; see :mod:`.datasets`), each dataset
seed, and arm:

    base                       no context, no training, scored with the same calibration as the
                               others (so exactly chance: the knowledge raised nothing)
    icl                        the training documents in the prompt (those that fit the context
                               window, in two counterbalanced orders), scored only on the items
                               whose facts those documents hold
    finetune                   trained on the documents split into sentences (the paper's format)
    finetune (unsplit)         semantic set only: trained on whole documents, as the paper did
    finetune+local  (covers)   sentences + the oracle's rephrasings and reversals of every fact
    finetune+local  (held-out) the same without those of half the tested inferences, scored on those
    finetune+global (covers / held-out)   likewise with inferences across documents
    rag (RETRIEVER)            the top-k training documents a retriever returns for the item's
                               prompt (evalkit.retrieval: minilm, bm25), shown as ICL shows its
                               documents (in corpus order, and reversed) and scored on every item:
                               k is a sweep (EvalConfig.top_ks), recall@k is kept per item
    finetune+rag (RETRIEVER)   the plain finetune model (the same training) with the same
                               retrieved documents in its prompt: the headline retriever at the
                               headline k

Every fine-tuned arm trains until its recall of trained facts reaches the ceiling
(EvalConfig.until_recall, recall_ceiling: checked every few steps, up to a step cap; see
.ceiling), so arms trained on more or fewer texts get the steps they need, not the same steps;
each records the steps it took and its recall at each check. Without the criterion, every arm
gets one fixed step budget (FinetuneSettings.steps). Every item's credit is kept (Record), pooled
over dataset seeds into cells with Wilson and cluster-bootstrap intervals, and compared between
arms on the same items (curvesfile, stats). Every dataset build and every training file is
checked for answer leaks (leaks); the shortcut baselines of every arm are computed from its own
training texts and stand beside each cell (baselines, baseline_source). A cell is descriptive
only (descriptive_reasons) where its split is too small to carry a claim (stats.support) or its
arm stopped below the recall ceiling (.ceiling).

Augmentations come from a named source recorded with every result: ``oracle`` (derived from the
generator's ground truth, in wordings no test uses) or ``model`` (the model itself prompted in
context, as in Lampinen et al. 2025, arXiv 2505.00661).
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

from adaptcost.errors import AdaptcostError
from adaptcost.paths import cache_dir
from ..stats.intervals import Estimate, interval
from ..stats.support import Support, support
from .credit import Accuracy, credit, option_scores

STRATEGIES = ("base", "icl", "rag", "finetune", "finetune+rag", "finetune+local", "finetune+global")
AUGMENTED = ("finetune+local", "finetune+global")  # strategies that train on augmentations
RAG = ("rag", "finetune+rag")  # strategies that answer with retrieved documents in their prompt
VARIANTS = ("covers", "held-out")  # oracle augmentation variants (see datasets.paper.Dataset.augmentation_texts)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def scores_db(*tables: str) -> sqlite3.Connection:
    """The harness's one cache file of scores (and, beside them, the probe arms' replies), with
    `tables` ("name (columns)") created where missing."""
    path = cache_dir() / "eval-scores.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    for table in tables:
        db.execute(f"CREATE TABLE IF NOT EXISTS {table}")
    return db


def missing_once(keys: Sequence[str], found) -> list[int]:
    """The index of the first occurrence of every key not in `found`: what a cache must still
    compute, each once (a request asked twice in one call is computed once)."""
    todo, wanted = [], set()
    for i, k in enumerate(keys):
        if k not in found and k not in wanted:
            wanted.add(k)
            todo.append(i)
    return todo


class ScoreCache:
    """Log-likelihoods on disk, keyed by sha256(model, context, continuation): resumable runs."""

    CHUNK = 64  # requests per backend call
    # with in-context documents, requests per call of a backend that scores a shared prefix once:
    # each call recomputes the prefix, so calls are fewer and larger (measured on SmolLM2, 368
    # semantic requests after 857 document tokens, 2 cores: 64 -> 32.6 s, 256 -> 6.6 s, 1024 -> 7.4 s)
    PREFIX_CHUNK = 256
    # requests per call when each carries its own context (rag): a call's trie shares the contexts
    # its requests have in common, so calls are larger
    TRIE_CHUNK = 256
    # each of these times the backend's scoring_scale (LocalBackend: 1 on a CPU, 8 on a CUDA GPU,
    # where a call of many requests costs about what a call of few does)

    def __init__(self, model_id: str, enabled: bool = True):
        self.model_id = model_id
        self.db = scores_db("ll (key TEXT PRIMARY KEY, ll REAL, n INTEGER)") if enabled else None
        self.hits = 0
        self.misses = 0

    def _key(self, context: str, continuation: str) -> str:
        return hashlib.sha256(json.dumps([self.model_id, context, continuation]).encode()).hexdigest()

    def wrap(self, backend) -> Callable:
        """backend.loglikelihood with a disk cache; `prefix` is shared by all requests of a call and
        scored once where the backend can (loglikelihood_prefixed)."""
        prefixed = getattr(backend, "loglikelihood_prefixed", None)
        scale = getattr(backend, "scoring_scale", 1)

        def loglikelihood(requests, prefix):
            if prefix and prefixed is not None:
                return prefixed(prefix, requests)
            return backend.loglikelihood([(prefix + c, x) for c, x in requests])

        def cached(requests: Sequence[tuple[str, str]], prefix: str = "", per_call: int | None = None) -> list[tuple[float, int]]:
            keys = [self._key(prefix + c, x) for c, x in requests]
            found = {}
            if self.db is not None:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    found.update({k: (ll, n) for k, ll, n in self.db.execute(f"SELECT key, ll, n FROM ll WHERE key IN ({marks})", chunk)})
            todo = missing_once(keys, found)
            self.hits += len(keys) - len(todo)
            self.misses += len(todo)
            size = (per_call or (self.PREFIX_CHUNK if prefix and prefixed is not None else self.CHUNK)) * scale
            for start in range(0, len(todo), size):  # commit as we go: an interruption loses one chunk
                part = todo[start : start + size]
                fresh = loglikelihood([requests[i] for i in part], prefix)
                for i, value in zip(part, fresh):
                    found[keys[i]] = (float(value[0]), int(value[1]))
                if self.db is not None:
                    self.db.executemany("INSERT OR REPLACE INTO ll VALUES (?, ?, ?)", [(keys[i], *found[keys[i]]) for i in part])
                    self.db.commit()
            return [found[k] for k in keys]

        return cached

    def uncached(self, requests: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The distinct requests (context, continuation) this cache cannot answer: what a run would score."""
        keys = {self._key(c, x): (c, x) for c, x in requests}
        if self.db is not None:
            found = set()
            listed = list(keys)
            for start in range(0, len(listed), 500):
                chunk = listed[start : start + 500]
                found.update(k for (k,) in self.db.execute(f"SELECT key FROM ll WHERE key IN ({','.join('?' * len(chunk))})", chunk))
            return [r for k, r in keys.items() if k not in found]
        return list(keys.values())

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


@dataclass(frozen=True)
class EvalConfig:
    profile: str = "default"  # dataset sizes: "quick" or "default" (see datasets.paper.PROFILES)
    datasets: tuple[str, ...] = ("reversal", "syllogism", "semantic")
    strategies: tuple[str, ...] = STRATEGIES
    augment_source: str = "oracle"  # "oracle" | "model"
    seed: int = 0  # training and resampling seed; the first dataset seed
    seeds: tuple[int, ...] = ()  # dataset seeds (default: (seed,)); results pool their items
    scales: tuple[float, ...] = (1.0,)  # shares of the training documents, for accuracy-vs-scale curves
    icl_shares: tuple[float, ...] = (1.0,)  # shares of the corpus in context, for the ICL curve
    aug_shares: tuple[float, ...] = (1.0,)  # shares of the augmentations, for accuracy vs augmentation amount
    variants: tuple[str, ...] = VARIANTS  # oracle variants of the augmented strategies
    recall_ceiling: float = 0.9  # recall of trained facts a fine-tuned arm must reach before its generalization is read
    # Train each fine-tuned arm until its recall of trained facts reaches recall_ceiling, checked
    # every check_epochs epochs of the plain training set, up to cap_epochs of them (.ceiling);
    # False: the fixed step budget below (arms below the ceiling are still marked descriptive).
    until_recall: bool = False
    check_epochs: float = 1.0
    cap_epochs: int = 20
    patience: int = 0  # stop an arm once this many checks in a row bring no new best recall (0: never)
    # One step budget for every fine-tuned arm of a dataset: this many epochs of the plain
    # (sentence-split) training set, in optimizer steps; the augmented arms get the same steps
    # over their larger sets. None: the settings decide (FinetuneSettings.steps, else epochs).
    budget_epochs: int | None = None
    retrievers: tuple[str, ...] = ("minilm", "bm25")  # evalkit.retrieval names; the first is the headline
    top_ks: tuple[int, ...] = (1, 2, 4, 8)  # retrieved documents per prompt: the rag curve's x
    headline_k: int = 4  # the k of the accuracy table, the paired tests and finetune+rag (capped at the corpus)
    cache: bool = True

    def __post_init__(self):
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            from adaptcost.suggest import did_you_mean

            raise AdaptcostError(f"unknown strategy {unknown[0]!r}{did_you_mean(unknown[0], STRATEGIES)}")
        if self.augment_source not in ("oracle", "model"):
            raise AdaptcostError(f"--augment-source must be 'oracle' or 'model', got {self.augment_source!r}")
        if not self.scales or not all(0 < s <= 1 for s in self.scales):
            raise AdaptcostError("scales must be shares of the training data in (0, 1]")
        if not self.variants or any(v not in VARIANTS for v in self.variants):
            raise AdaptcostError(f"variants must be among {', '.join(VARIANTS)}")
        if not 0 < self.recall_ceiling <= 1:
            raise AdaptcostError(f"the recall ceiling must lie in (0, 1], got {self.recall_ceiling}")
        if self.patience < 0:
            raise AdaptcostError(f"--patience must be 0 (off) or a number of checks, got {self.patience}")
        if not self.check_epochs > 0 or self.cap_epochs < 1:
            raise AdaptcostError(f"recall checks need check_epochs > 0 and cap_epochs >= 1, got {self.check_epochs} and {self.cap_epochs}")
        if any(s in RAG for s in self.strategies):
            from ..backends.retrievers import check_retriever

            if not self.retrievers:
                raise AdaptcostError("the rag arms need at least one retriever")
            for name in self.retrievers:
                check_retriever(name)
            if not self.top_ks or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in self.top_ks):
                raise AdaptcostError(f"top-k values must be integers >= 1, got {list(self.top_ks)}")
            if self.headline_k < 1:
                raise AdaptcostError(f"the headline k must be at least 1, got {self.headline_k}")

    @property
    def dataset_seeds(self) -> tuple[int, ...]:
        return self.seeds or (self.seed,)


@dataclass
class Cell:
    """One measured accuracy: dataset × arm × split × form, at a scale, pooled over dataset seeds.

    An arm is a strategy and, where it has them, a variant: fine-tuning on sentences (""), or on
    whole documents ("unsplit"); augmented fine-tuning with the oracle that covers every test
    inference ("covers", an upper bound) or that holds out the inferences tested ("held-out")."""

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
    variant: str = ""
    estimate: Estimate | None = None
    top_k: int | None = None  # rag arms: documents retrieved per prompt (variant: the retriever)
    recall: float | None = None  # rag arms: share of the cell's items whose every premise was retrieved
    # per shortcut baseline, its mean credit over the cell's items from the cues of the arm's own
    # training texts (baselines_from: which texts); None where no baseline was computed
    baselines: dict[str, float | None] | None = None
    baselines_from: str | None = None
    descriptive: str | None = None  # why the cell can carry no claim (descriptive_reasons); None: it can

    @property
    def arm(self) -> str:
        return arm_label(self.strategy, self.variant)

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k not in ("accuracy", "estimate")}
        out["arm"] = self.arm
        out["accuracy"] = self.accuracy.to_dict()
        if self.estimate is not None:
            out["accuracy"] |= {k: v for k, v in self.estimate.to_dict().items() if k in ("clusters", "wilson", "cluster_bootstrap")}
        return out


def arm_label(strategy: str, variant: str = "") -> str:
    return f"{strategy} ({variant})" if variant else strategy


@dataclass
class Record:
    """Every item's credit for one arm on one dataset seed (the unit of paired statistics)."""

    dataset: str
    seed: int
    strategy: str
    variant: str
    scale: float
    credits: dict[str, float]  # item id -> credit
    docs: int = 0
    augmentations: int = 0
    icl_share: float | None = None
    aug_share: float | None = None
    top_k: int | None = None  # rag arms: documents retrieved per prompt
    hits: dict[str, bool] | None = None  # rag arms: item id -> every premise retrieved (recall@k)

    @property
    def arm(self) -> str:
        return arm_label(self.strategy, self.variant)


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
    records: list[Record] = field(default_factory=list)
    items: dict[tuple[str, int], list] = field(default_factory=dict)  # (dataset, seed) -> items
    # (dataset, seed) -> training texts (datasets.paper.ARM_TEXTS key, or a model-augmented arm's
    # label) -> {"ids": the items that arm is scored on, baseline name: each one's credit}
    baselines: dict[tuple[str, int], dict[str, dict[str, object]]] = field(default_factory=dict)
    leaks: dict[str, dict] = field(default_factory=dict)  # "dataset seed N · arm" -> leak counts
    trainings: dict[str, dict] = field(default_factory=dict)  # "dataset seed N · arm" -> steps, examples, recall
    device: dict | None = None  # where a local backend ran (type, name, torch): LocalBackend.device_info


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
    """The documents split into sentences, one training example each (adaptcost.corpus.sentences: the
    one sentence rule, lower-case starts included, which the corpus chunk counter uses too)."""
    from adaptcost.corpus.sentences import split_sentences

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


def run_eval(backend, config: EvalConfig, finetune_settings, progress: Progress | None = None) -> EvalResult:
    """Measure every dataset × dataset seed × arm; the backend is any :class:`.backends.Backend`.
    Every dataset is built and its trainings planned first, so that a backend that trains several
    models at once (``finetune_many``) gets the whole run's trainings in one pool; the arms then
    load them from the cache."""
    from ..datasets.paper import check_leaks, generate

    report = progress or (lambda stage, done, total: None)
    finetune_settings = getattr(backend, "resolve_settings", lambda s: s)(finetune_settings)
    cache = ScoreCache(backend.name, config.cache)
    score = cache.wrap(backend)
    result = EvalResult(backend.name, config, asdict(finetune_settings))
    try:
        planned = []
        for name in config.datasets:
            for seed in config.dataset_seeds:
                dataset = generate(name, seed, config.profile)  # fails on an answer leak
                result.leaks[_where(dataset, "documents and oracle (build)")] = check_leaks(dataset).to_dict()
                label = name if len(config.dataset_seeds) == 1 else f"{name}@{seed}"
                result.fingerprints[label] = dataset.fingerprint()
                plans = {scale: subset(dataset, scale, config.seed) for scale in sorted(set(config.scales))}
                planned.append((dataset, plans, _training_jobs(dataset, backend, config, plans, result)))
        _train_ahead(backend, planned, config, finetune_settings, report)
        for dataset, plans, jobs in planned:
            _run_dataset(dataset, plans, jobs, backend, score, config, finetune_settings, result, report)
        result.cells = pool_cells(result)
    finally:
        result.cache_hits, result.cache_misses = cache.hits, cache.misses
        cache.close()
    return result


def _train_ahead(backend, planned, config: EvalConfig, settings, report: Progress) -> None:
    """Hand every training of the run, with its step budget or recall criterion, to a backend that
    trains several models at once (``finetune_many``); the arms' own ``finetune`` calls then load
    the weights and their checks."""
    many = getattr(backend, "finetune_many", None)
    if many is None:
        return
    from ..backends.protocol import TrainingJob

    jobs = []
    for dataset, _, dataset_jobs in planned:
        budget = step_budget(dataset, settings, config)
        for texts, _, scored in dataset_jobs.values():
            job_settings, until, _ = _training_plan(backend, dataset, texts, budget, config, scored)
            jobs.append(TrainingJob(tuple(texts), job_settings, until))
    if jobs:
        label = f"training {len({job.texts for job in jobs})} models"
        many(jobs, progress=lambda done, total: report(label, done, total))


def _where(dataset, arm: str) -> str:
    return f"{dataset.name} seed {dataset.seed} · {arm}"


def _run_dataset(dataset, plans: dict, jobs: dict, backend, score, config: EvalConfig, settings, result: EvalResult,
                 report: Progress) -> None:
    scales = sorted(plans)
    result.items[(dataset.name, dataset.seed)] = list(dataset.items)
    settings = step_budget(dataset, settings, config)
    rankings = None  # retriever -> per item, the documents' indices best first (computed once, at full scale)
    tuned_models: dict = {}  # the plain finetune model at full scale, kept for finetune+rag
    for scale in scales:
        docs, items = plans[scale]
        if not items:
            result.notes.append(f"{dataset.name} at scale {scale:g}: no test item is covered by the kept documents")
            continue
        baseline = option_scores(score, [""], items)
        if scale == scales[-1]:
            # the model's own preferences without the knowledge (uncalibrated): a baseline, not an arm
            prior = dict(zip([i.id for i in items], credit(baseline, None, [i.answer for i in items])))
            result.baselines[(dataset.name, dataset.seed)] = arm_baselines(dataset, jobs, prior)
        for strategy in config.strategies:
            if (strategy.startswith("finetune+") or strategy == "rag") and scale != scales[-1]:
                continue  # augmented fine-tuning and RAG are measured at full scale (against augmentations, top k)
            report(f"{dataset.name} seed {dataset.seed} · {strategy} · {scale:g}", 0, 1)
            if strategy in RAG:
                if rankings is None:
                    rankings = _rankings(dataset, docs, items, config, result)
                scored_by = None
                if strategy == "finetune+rag":
                    texts = jobs[(scale, "finetune", "", None)][0]
                    scored_by = tuned_models.pop(_texts_key(texts), None)  # the finetune arm's model, when it ran
                    if scored_by is None:
                        label = f"{dataset.name} seed {dataset.seed} · finetune+rag · loading the finetune model"
                        scored_by = _tune(backend, dataset, texts, settings, config, jobs[(scale, "finetune", "", None)][2],
                                          label, report)[0]
                result.records += _rag(strategy, scored_by or backend, score if scored_by is None else None, docs, items,
                                       baseline, dataset, scale, config, rankings)
            elif strategy == "base":
                # the same calibration as every other strategy: scores minus the no-knowledge scores
                result.records.append(_record(dataset, "base", "", scale, items, baseline, baseline, docs=0))
            elif strategy == "icl":
                result.records += _icl(backend, score, docs, items, baseline, dataset, scale, config, result,
                                       shares=config.icl_shares if scale == scales[-1] else (1.0,))
            else:
                for (job_scale, job_strategy, variant, share), (texts, extra, scored) in jobs.items():
                    if (job_scale, job_strategy) == (scale, strategy):
                        keep = tuned_models if (strategy, variant, scale) == ("finetune", "", scales[-1]) and "finetune+rag" in config.strategies else None
                        result.records.append(_train_and_measure(
                            backend, dataset, scored, baseline, items, strategy, variant, scale, len(docs), config,
                            settings, report, texts, extra, share, result, keep))
            report(f"{dataset.name} seed {dataset.seed} · {strategy} · {scale:g}", 1, 1)


def arm_baselines(dataset, jobs: dict, prior: dict[str, float]) -> dict[str, dict]:
    """Per training texts an arm sees (datasets.paper.ARM_TEXTS: scoring.baselines.arm_shortcuts),
    every shortcut baseline's credit on the items that arm is scored on, and the model's prior
    (`prior`: item id -> credit, the same for every arm) on those items. Model-written
    augmentations (augment_source "model") are not in ARM_TEXTS: those arms' baselines come from
    the documents plus what the model wrote, as they trained on."""
    from .baselines import arm_shortcuts, shortcut_credits

    tables = arm_shortcuts(dataset)
    for (_, strategy, variant, share), (texts, extra, scored) in jobs.items():
        if variant == "model" and share is None:
            own = [d.text for d in dataset.docs] + list(texts[len(texts) - extra:])
            tables[arm_label(strategy, variant)] = {"ids": [i.id for i in scored], **shortcut_credits(dataset, scored, own)}
    for table in tables.values():
        table["prior"] = np.array([prior.get(i, np.nan) for i in table["ids"]], float)
    return tables


def step_budget(dataset, settings, config: EvalConfig):
    """`settings` with the dataset's step budget (config.budget_epochs epochs of the plain training
    set, batch size from the settings) when the config asks for one."""
    if config.budget_epochs is None or not hasattr(settings, "steps"):
        return settings
    import math
    from dataclasses import replace

    steps = math.ceil(config.budget_epochs * len(sentences_of(dataset.docs)) / settings.batch_size)
    return replace(settings, steps=steps)


def _job_settings(settings, texts: Sequence[str], sentences: int, config: EvalConfig):
    """The step budget of one training. Examples that are sentences (every arm but one) get the
    dataset's budget; whole documents (the unsplit arm) get the same training text instead: the
    budget's epochs over the documents, as many tokens as the plain arm sees."""
    if config.budget_epochs is None or getattr(settings, "steps", None) is None or len(texts) >= sentences:
        return settings
    import math
    from dataclasses import replace

    return replace(settings, steps=math.ceil(config.budget_epochs * len(texts) / settings.batch_size))


def _texts_key(texts: Sequence[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


def _training_jobs(dataset, backend, config: EvalConfig, plans: dict, result: EvalResult) -> dict[tuple, tuple[list[str], int, list]]:
    """Every fine-tuned model a dataset needs: its training texts, how many are augmentations, and
    the items it is scored on, keyed by (scale, strategy, variant, augmentation share or None).
    Plain fine-tuning trains on the documents split into sentences (and, for the semantic set, as
    the paper also did, on whole documents: variant "unsplit"); each augmented strategy at full
    scale on sentences plus the oracle's "covers" or "held-out" augmentations (the held-out
    model is scored on recall and on the held-out inferences only). Every training file is
    checked for answer leaks against the items its model is scored on."""
    from ..datasets.leaks import check

    full = max(plans)
    jobs: dict[tuple, tuple[list[str], int, list]] = {}
    for scale, (docs, items) in sorted(plans.items()):
        if not items:
            continue
        texts = sentences_of(docs)
        # finetune+rag answers with the plain finetune model: the same training job, at full scale
        if "finetune" in config.strategies or ("finetune+rag" in config.strategies and scale == full):
            jobs[(scale, "finetune", "", None)] = (texts, 0, items)
        if "finetune" in config.strategies and dataset.name == "semantic" and scale == full:
            jobs[(scale, "finetune", "unsplit", None)] = ([d.text for d in docs], 0, items)
        for strategy in config.strategies:
            if strategy not in AUGMENTED or scale != full:
                continue
            kind = "local" if strategy == "finetune+local" else "global"
            for variant in (config.variants if config.augment_source == "oracle" else ("model",)):
                scored = held_out_items(dataset, items) if variant == "held-out" else items
                extra = _augmentations(dataset, docs, kind, variant, config, backend)
                shares = sorted(set(config.aug_shares) | {1.0}) if variant != "held-out" else [1.0]
                for share in shares:
                    part = extra[: round(len(extra) * share)]
                    jobs[(scale, strategy, variant, None if share == 1.0 else share)] = (texts + part, len(part), scored)
    for (scale, strategy, variant, share), (texts, _, scored) in jobs.items():
        arm = arm_label(strategy, variant) + (f" {share:g} of augmentations" if share else "")
        result.leaks[_where(dataset, arm)] = check(scored, texts, dataset.vocabulary, _where(dataset, arm)).to_dict()
    return jobs


def held_out_items(dataset, items: Sequence) -> list:
    """Recall items and the items whose inference the "held out" oracle withholds."""
    scored = {i.id for i in dataset.arm_items("held-out")}
    return [i for i in items if i.id in scored]


def _augmentations(dataset, docs, kind: str, variant: str, config: EvalConfig, backend) -> list[str]:
    if config.augment_source == "oracle":
        return dataset.augmentation_texts(kind, [d.id for d in docs], variant)
    return augmentations(dataset, docs, kind, "model", backend, config.seed)


def _record(dataset, strategy: str, variant: str, scale: float, items: Sequence, scores: np.ndarray,
            baseline: np.ndarray | None, **extra) -> Record:
    correct = credit(scores, baseline, [item.answer for item in items])
    return Record(dataset.name, dataset.seed, strategy, variant, scale,
                  {item.id: float(c) for item, c in zip(items, correct)}, **extra)


def _icl(backend, score, docs, items, baseline, dataset, scale, config: EvalConfig, result: EvalResult, shares) -> list[Record]:
    """ICL scored only on the items all of whose facts are in the context it sees (the documents
    that fit the context window), in two counterbalanced orders."""
    budget = backend.context_window() - 256
    out = []
    for share in sorted(set(shares)):
        chosen = docs[: max(1, round(len(docs) * share))]
        fitted = fit_context(chosen, backend.count_tokens, budget)
        covered = {f for d in fitted for f in d.fact_ids}
        shown = [i for i in items if set(i.fact_ids) <= covered]
        if len(shown) < len(items) and share == max(shares):
            result.notes.append(f"{dataset.name} seed {dataset.seed}: ICL sees {len(fitted)} of {len(docs)} documents "
                                f"(context window) and is scored on the {len(shown)} of {len(items)} items whose facts they hold")
        if not shown:
            continue
        contexts = [context_of(fitted), context_of(list(reversed(fitted)))]  # counterbalanced orders
        rows = [items.index(i) for i in shown]
        scores = option_scores(score, contexts, shown)
        out.append(_record(dataset, "icl", "", scale, shown, scores, baseline[rows], docs=len(fitted),
                           icl_share=round(len(fitted) / len(docs), 4)))
    return out


def _rankings(dataset, docs, items, config: EvalConfig, result: EvalResult) -> dict[str, list[list[int]]]:
    """Per retriever, each item's ranking of the training documents (indices into `docs`) for its
    query; the retrieval is checked first: it indexes training documents only, and no query or
    indexed text holds a test answer (leaks.check_retrieval)."""
    from ..datasets.leaks import check_retrieval
    from ..backends.retrievers import get_retriever, query_of

    texts = [d.text for d in docs]
    queries = [query_of(i) for i in items]
    where = _where(dataset, "rag retrieval (index and queries)")
    result.leaks[where] = check_retrieval(items, queries, texts, [d.text for d in dataset.docs], dataset.vocabulary, where).to_dict()
    return {name: get_retriever(name).rank(texts, queries) for name in config.retrievers}


def rag_ks(config: EvalConfig, n_docs: int, strategy: str = "rag", retriever: str | None = None) -> tuple[list[int], int]:
    """The top-k values measured on a corpus of `n_docs` documents (k above the corpus is the whole
    corpus: measured once) and the headline k among them. The sweep is the headline retriever's
    (the first); another retriever, and finetune+rag, are measured at the headline k only: the
    table compares retrievers there, and the sweep's time goes to one curve."""
    headline = min(config.headline_k, n_docs)
    if strategy == "finetune+rag" or (retriever is not None and retriever != config.retrievers[0]):
        return [headline], headline
    return sorted({min(k, n_docs) for k in config.top_ks} | {headline}), headline


def _rag(strategy: str, scorer_backend, score, docs, items, baseline, dataset, scale, config: EvalConfig,
         rankings: dict[str, list[list[int]]]) -> list[Record]:
    """RAG scored on every item: per retriever and k, each item's top-k documents shown as ICL shows
    documents (in corpus order, then reversed: counterbalanced; items that retrieved the same set
    share its prefix, and the whole corpus is ICL's context, cached), calibrated like every arm.
    `score` None: the scores of `scorer_backend` (a fine-tuned model), cached under its name."""
    own = None
    if score is None:
        own = ScoreCache(scorer_backend.name, config.cache)
        score = own.wrap(scorer_backend)
    supports = [dataset.support(item, docs) for item in items]
    # finetune+rag: the headline retriever only (the accuracy table's and the paired tests')
    retrievers = config.retrievers[:1] if strategy == "finetune+rag" else config.retrievers
    out = []
    try:
        for retriever in retrievers:
            for k in rag_ks(config, len(docs), strategy, retriever)[0]:
                scores, hits = rag_scores(score, docs, items, rankings[retriever], k, supports)
                record = _record(dataset, strategy, retriever, scale, items, scores, baseline, docs=len(docs), top_k=k)
                record.hits = {item.id: hit for item, hit in zip(items, hits)}
                out.append(record)
    finally:
        if own is not None:
            own.close()
    return out


PREFIX_MIN_ITEMS, PREFIX_MIN_CHARS = 6, 600  # a retrieved context at least this shared and long is a prefix


def rag_scores(score, docs, items, ranking: Sequence[Sequence[int]], k: int, supports) -> tuple[np.ndarray, list[bool]]:
    """Option scores of `items` with their top-k documents in context, and per item whether every
    premise was retrieved (`supports`: Dataset.support per item)."""
    from ..backends.retrievers import retrieved_all
    from .credit import normalized

    shown = [[docs[j] for j in sorted(order[:k])] for order in ranking]  # corpus order, as ICL shows them
    width = max(len(item.options) for item in items)
    total = np.zeros((len(items), width))
    # counterbalanced: each item's documents as given, then reversed. Items that retrieved the same
    # documents share them: as a prefix run once (a long context many items share), or as the common
    # beginning of their requests in the token trie (the others, sorted next to each other). The
    # texts, so the cache keys, are those of a prefixed call either way (the whole corpus: ICL's,
    # cached); a request asked twice (one document: both orders) is scored once.
    groups: dict[str, list[int]] = {}
    for reverse in (False, True):
        for r, s in enumerate(shown):
            groups.setdefault(context_of(s[::-1] if reverse else s), []).append(r)

    def add(rows: list[tuple[str, int]], flat: np.ndarray) -> None:
        position = 0
        for _, row in rows:
            n = len(items[row].options)
            total[row, :n] += flat[position: position + n]
            position += n

    # a long context that many items share runs once as a prefix (the trie would repeat it in every
    # pass its items spill into); the others go to the trie together
    shared = {c for c, rs in groups.items() if len(rs) >= PREFIX_MIN_ITEMS and len(c) >= PREFIX_MIN_CHARS}
    for context in sorted(shared):
        rows = [(context, r) for r in groups[context]]
        add(rows, normalized(score([("\n\n" + items[r].prompt, o) for _, r in rows for o in items[r].options], context)))
    rows = sorted((c, r) for c, rs in groups.items() if c not in shared for r in rs)
    if rows:
        add(rows, normalized(score([(c + "\n\n" + items[r].prompt, o) for c, r in rows for o in items[r].options],
                                   per_call=ScoreCache.TRIE_CHUNK)))
    scores = total / 2
    for row, item in enumerate(items):
        scores[row, len(item.options):] = -np.inf
    hits = [retrieved_all(s, {docs[j].id for j in order[:k]}) for s, order in zip(supports, ranking)]
    return scores, hits


def _train_and_measure(backend, dataset, scored, baseline, items, strategy, variant, scale, n_docs, config, settings,
                       report, texts, extra: int, aug_share, result: EvalResult, keep: dict | None = None) -> Record:
    """Fine-tune on `texts` (loaded from the cache when trained already; to the recall ceiling where
    the config asks) and score `scored`; `extra` is how many of the texts are augmentations.
    Records the steps the weights got, the recall checks and the recall of trained facts at the
    stop. `keep`: a dict that receives the tuned model (finetune+rag)."""
    arm = arm_label(strategy, variant)
    label = f"{dataset.name} seed {dataset.seed} · {arm} · training" + (f" ({aug_share:g} of augmentations)" if aug_share else "")
    tuned, until, why, settings = _tune(backend, dataset, texts, settings, config, scored, label, report)
    if keep is not None:
        keep[_texts_key(texts)] = tuned
    tuned_score = ScoreCache(tuned.name, config.cache)
    rows = [items.index(i) for i in scored]
    try:
        scores = option_scores(tuned_score.wrap(tuned), [""], scored)
    finally:
        tuned_score.close()
    record = _record(dataset, strategy, variant, scale, scored, scores, baseline[rows], docs=n_docs,
                     augmentations=extra, aug_share=aug_share)
    from .ceiling import as_trained, own_recall, recall_items, recall_of

    checked = recall_items(scored)
    asked = as_trained(checked, texts)
    # recall of trained facts as the ceiling reads it (the model's own pick), not the cell's credit;
    # an arm trained on whole pages is asked from its pages' start, as its checks asked
    recall = None if not checked else (own_recall(scores[[scored.index(i) for i in checked]], checked)
                                       if asked == checked else recall_of(tuned, asked))
    steps = getattr(tuned, "trained_steps", None) if until is not None else (
        settings.total_steps(len(texts)) if hasattr(settings, "total_steps") else None)
    if aug_share is None and scale == max(config.scales):
        result.trainings[_where(dataset, arm)] = {
            "examples": len(texts), "augmentations": extra, "steps": steps,
            "recall_trained_form": None if recall is None else round(recall, 4),
            "recall_at_ceiling": None if recall is None else recall >= config.recall_ceiling,
            "until_recall": _criterion_record(tuned, until, why)}
    return record


def _training_plan(backend, dataset, texts, settings, config: EvalConfig, scored):
    """How one arm trains: its settings (the step budget, or the cap under a criterion), the
    criterion (None when not applied: the config asks for a fixed budget, the backend cannot
    check recall while training, or `scored` has no recall items) and why not."""
    from dataclasses import replace

    from .ceiling import criterion

    sentences = len(sentences_of(dataset.docs))
    settings = _job_settings(settings, texts, sentences, config)
    until, why = criterion(backend, config, settings, texts, sentences, scored)
    if until is None:
        return settings, None, why
    return replace(settings, steps=until.cap), until, why  # the shuffled order of every pass is the fixed budget's


def _tune(backend, dataset, texts, settings, config: EvalConfig, scored, label: str, report: Progress):
    """Fine-tune `backend` on `texts` as :func:`_training_plan` says (loaded from the cache when
    trained already). Returns the tuned backend, the criterion (None when not applied), why not,
    and the settings it trained with."""
    settings, until, why = _training_plan(backend, dataset, texts, settings, config, scored)
    progress = lambda done, total: report(label, done, total)  # noqa: E731
    if until is None:
        return backend.finetune(texts, settings, progress=progress), None, why, settings
    return backend.finetune(texts, settings, progress=progress, until=until), until, why, settings


def _criterion_record(tuned, until, why: str) -> dict:
    """What the curves file's checks.trainings says about the recall criterion of one training."""
    if until is None:
        return {"applied": False, "why": why}
    checks = [[int(s), round(float(r), 4)] for s, r in (getattr(tuned, "recall_checks", None) or [])]
    record = {"applied": True, "ceiling": until.ceiling, "check_every": until.every, "cap": until.cap, "checks": checks,
              "reached": bool(getattr(tuned, "reached_ceiling", False))}
    if until.patience is not None:
        record["patience"] = until.patience
        record["plateaued"] = not record["reached"] and bool(checks) and checks[-1][0] < until.cap
    return record


# ---------------------------------------------------------------- pooling


def baseline_source(strategy: str, variant: str, scale: float = 1.0, icl_share: float | None = None,
                    aug_share: float | None = None) -> tuple[str, str]:
    """Whose training texts an arm's shortcut baselines are computed from: the key of its table in
    EvalResult.baselines (an augmented arm's own label with its variant; every other arm reads
    or trains on the documents alone: "documents") and that key in words, saying where the arm
    sees only part of those texts (a share of the augmentations, of the documents, of the context):
    the tables are computed on all of them (arm_baselines)."""
    key = arm_label(strategy, variant) if strategy in AUGMENTED else "documents"
    parts = []
    if aug_share is not None and aug_share < 1:
        parts.append(f"all its augmentations; the arm trains on {aug_share:g} of them")
    if scale < 1:
        parts.append(f"all documents; the arm trains on {scale:g} of them")
    if icl_share is not None and icl_share < 1:
        parts.append(f"all documents; the arm's context holds {icl_share:g} of them")
    return key, key + (f" ({'; '.join(parts)})" if parts else "")


def baseline_means(result: EvalResult, dataset: str, key: str, keys) -> dict[str, float | None] | None:
    """Per baseline of the `key` texts (see baseline_source), its mean credit over `keys`, the
    (dataset seed, item id) pairs of a cell or split; a baseline that does not apply to an item
    (NaN: atmosphere off syllogisms) leaves it out. None when no seed has a table for `key`."""
    tables = {seed: t[key] for (name, seed), t in result.baselines.items() if name == dataset and key in t}
    if not tables:
        return None
    names = list(dict.fromkeys(b for t in tables.values() for b in t if b != "ids"))
    position = {seed: {i: k for k, i in enumerate(t["ids"])} for seed, t in tables.items()}
    values: dict[str, list[float]] = {b: [] for b in names}
    for seed, item_id in keys:
        row = position.get(seed, {}).get(item_id)
        if row is None:
            continue
        for b in names:
            if b in tables[seed]:
                v = float(tables[seed][b][row])
                if not np.isnan(v):
                    values[b].append(v)
    return {b: round(float(np.mean(v)), 4) if v else None for b, v in values.items()}


def split_supports(result: EvalResult) -> dict[tuple[str, str], Support]:
    """(dataset, split) -> its items per form, dataset seeds and clusters, pooled over the seeds
    the result holds (stats.support: whether the split can carry a claim)."""
    units: dict[tuple[str, str], list[tuple]] = {}
    for (name, seed), items in result.items.items():
        for item in items:
            units.setdefault((name, item.split), []).append((item.form, seed, item.cluster or item.id))
    return {key: support(found) for key, found in sorted(units.items())}


def descriptive_reasons(result: EvalResult, dataset: str, split: str, arm: str,
                        supports: dict[tuple[str, str], Support] | None = None) -> list[str]:
    """Why a measurement of `arm` on a dataset's split (pooled over seeds) can carry no claim: the
    one place every such condition is decided (the cells, the paired tests and their Holm family,
    the accuracy table and the verdicts all ask here). Empty: it can carry one.

    - the split is below the claim bar (stats.support: items per form, dataset seeds, clusters);
    - the arm (or the model it answers with) stopped below the recall ceiling on some dataset seed,
      on a generalization split (.ceiling: recall cells measure the ceiling itself)."""
    from .ceiling import descriptive_arms, reason_for

    supports = split_supports(result) if supports is None else supports
    reasons = []
    found = supports.get((dataset, split))
    if found is not None and found.reason:
        reasons.append(f"{dataset} {split}: {found.reason}")
    below = reason_for(descriptive_arms(result), dataset, arm, split)
    if below:
        reasons.append(below)
    return reasons


def pool_cells(result: EvalResult) -> list[Cell]:
    """Cells per dataset × arm × point × split × form (and 'all' forms), pooling dataset seeds;
    intervals from `stats.interval` (Wilson ∪ cluster bootstrap, clusters = seed × fact/category);
    beside each, the shortcut baselines on its items from its arm's own texts (baseline_source),
    and why it is descriptive only, if it is (descriptive_reasons)."""
    groups: dict[tuple, list[Record]] = {}
    for r in result.records:
        groups.setdefault((r.dataset, r.strategy, r.variant, r.scale, r.icl_share, r.aug_share, r.top_k), []).append(r)
    supports = split_supports(result)
    cells = []
    for (dataset, strategy, variant, scale, icl_share, aug_share, top_k), records in sorted(groups.items(), key=lambda kv: str(kv[0])):
        by_split: dict[tuple[str, str], list[tuple]] = {}
        for r in records:
            lookup = {i.id: i for i in result.items[(r.dataset, r.seed)]}
            for item_id, value in r.credits.items():
                item = lookup[item_id]
                hit = None if r.hits is None else float(r.hits[item_id])
                entry = (value, f"{r.seed}:{item.cluster or item.id}", 1.0 / len(item.options), hit, (r.seed, item_id))
                by_split.setdefault((item.split, item.form), []).append(entry)
                by_split.setdefault((item.split, "all"), []).append(entry)
        docs = round(float(np.mean([r.docs for r in records])))
        extra = round(float(np.mean([r.augmentations for r in records])))
        key, source = baseline_source(strategy, variant, scale, icl_share, aug_share)
        arm = arm_label(strategy, variant)
        for (split, form), entries in sorted(by_split.items()):
            est = interval([e[0] for e in entries], [e[1] for e in entries], result.config.seed)
            acc = Accuracy(est.mean, est.low, est.high, est.n)
            hits = [e[3] for e in entries if e[3] is not None]
            shortcuts = baseline_means(result, dataset, key, [e[4] for e in entries])
            reasons = descriptive_reasons(result, dataset, split, arm, supports)
            cells.append(Cell(dataset, strategy, split, form, scale, acc, float(np.mean([e[2] for e in entries])), docs,
                              extra, icl_share, aug_share, variant, est, top_k,
                              round(float(np.mean(hits)), 4) if hits else None, shortcuts,
                              source if shortcuts is not None else None, "; ".join(reasons) or None))
    return cells
