"""The model arms of `adaptcost probe run`: base, icl and rag answer the buyer's probes.

Every arm scores each option of a probe by its log-likelihood as a continuation of the probe's
question (the options are never shown), length-normalized as the eval harness does
(scoring.credit.option_scores: mean log-probability per option token), and credits the probe as
the harness does (scoring.credit.credit: 1 when the key alone scores best, 1/k when it ties with
k-1 others). No calibration: each arm's own pick, so that the closed-book arm is the model's real
closed-book answer and every paired comparison compares one rule.

    base   closed book: the question alone
    icl    the whole corpus when it fits the context window minus a margin (as given, and
           reversed: counterbalanced); otherwise the corpus packed into windows, each probe asked
           in the first window holding its evidence documents (else in those plus others up to
           the window), each window as packed and reversed, averaged; the output says which,
           with each order's accuracy
    rag    the top-k chunks of the headline retriever for the question, in corpus order, then
           the question; each other retriever of the recall run as "rag (NAME)"
    finetune, finetune+local, finetune+global (held-out, covers)
           closed book with a model fine-tuned on the corpus to the recall ceiling (probes.tuned:
           the texts, the training, the dry run on an API backend)
    finetune+rag
           the finetune model with rag's contexts (the headline retriever)

Where the backend's endpoint gives no prompt log-probabilities (a chat-only model), every arm is
scored by generation instead: the model sees the context, the question and the lettered options and
its reply is matched to exactly one option (probes.answering, probes.replies); an in-context arm's
two orders then average their credits. Each arm records its scoring. On a paid endpoint the cost is
estimated before any call and `max_usd` refuses a run over it (probes.spend).

Guessable probes (an offline baseline answers them) are already left out (RecallResult.measured).
Accuracy per arm, overall and per probe type, with `stats.intervals.interval` (probes clustered by
fact); paired tests between arms on the same probes (`stats.paired.paired_test`, clusters by fact),
Holm-adjusted over the family. Scores go through the harness's content-addressed ScoreCache
(model, for an endpoint its URL and the scoring mode, context, continuation), replies through the
same file: a killed run resumes and recomputes nothing it had scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Callable, Sequence

import numpy as np

from adaptcost.costing.scenario import Scenario
from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean
from ..backends.protocol import NoPromptLogprobs
from ..scoring.credit import chance, credit, option_scores
from ..scoring.runner import ScoreCache, context_of, fit_context
from ..stats.intervals import interval
from ..stats.paired import holm, paired_test
from .answering import GENERATION, Answering, endpoint_of
from .probefile import PROBE_TYPES
from .recall import RecallResult
from .replies import INSTRUCTION
from .spend import check_spend
from .table import accuracy_table
from .tuned import (HEADLINE_GLOBAL, TUNED_ARMS, Trained, TuningRequest, checked_probes, models_for, train_models,
                    training_sets)

UNTUNED_ARMS = ("base", "icl", "rag")  # the default: no training
ARMS = UNTUNED_ARMS + TUNED_ARMS
MARGIN = 256  # tokens of the window kept for the question and the option (as runner._icl)
ANSWER_CUE = "\nAnswer:"  # after the question; each option is scored as " " + option
BATCH = 16  # probes per scoring call (a progress line each)
DEFAULT_TOP_K = next(f.default for f in fields(Scenario) if f.name == "top_k")  # the scenario's default k
READ = ("recommend --curves reads `accuracy` (the arms as strategies and question types, probes.table): a question "
        "type's measured figures replace the file's or the reference's where every candidate strategy has one that "
        "can carry a claim")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ProbeItem:
    """A probe as option_scores and credit read it."""

    prompt: str
    options: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class ArmsRequest:
    arms: Sequence[str] = UNTUNED_ARMS
    top_k: int | None = None  # rag's chunks per prompt (the scenario's default when None)
    limit: int | None = None  # N measured probes only, evenly spaced through the file (see spaced)
    cache: bool = True
    seed: int = 0
    max_usd: float | None = None  # a paid endpoint: refuse a run whose estimate is over this (probes.spend)
    tuning: TuningRequest = field(default_factory=TuningRequest)  # the fine-tuned arms' training


@dataclass
class ArmScores:
    """One arm's per-probe credit and how its contexts were made."""

    credits: np.ndarray
    context: dict
    orders: dict[str, np.ndarray] = field(default_factory=dict)


def parse_arms(text: str) -> tuple[str, ...]:
    """`--arms base,icl,rag`: known names, in the order given, each once."""
    names = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    for name in names:
        if name not in ARMS:
            raise AdaptcostError(f"--arms: unknown arm {name!r}{did_you_mean(name, ARMS)} (use: {', '.join(ARMS)})")
    if not names:
        raise AdaptcostError(f"--arms: name at least one arm ({', '.join(ARMS)})")
    return names


def spaced(probes: Sequence[dict], limit: int | None) -> list[dict]:
    """`limit` probes evenly spaced through `probes` (the file's order groups them by type and document,
    so the first N would be one type of a few documents), or all of them."""
    if not limit or limit >= len(probes):
        return list(probes)
    return [probes[i * len(probes) // limit] for i in range(limit)]


def item_of(probe: dict) -> ProbeItem:
    return ProbeItem(probe["question"] + ANSWER_CUE, tuple(" " + o for o in probe["options"]), probe["answer"])


def measure_arms(recall: RecallResult, backend, request: ArmsRequest, progress: Progress | None = None,
                 say: Callable[[str], None] | None = None) -> dict:
    """The curves file's ``probes`` section: each arm's accuracy and the paired tests (module docstring).
    ``say`` gets the lines a run owes its user as they happen: the cost estimate, the fallback."""
    progress = progress or (lambda stage, done, total: None)
    say = say or (lambda line: None)
    probes = spaced(recall.measured, request.limit)
    answering = Answering(backend, request.cache, [item_of(p) for p in probes], ANSWER_CUE)
    tuning: dict = {"trained": None, "counted": [0, 0]}  # the tuned models, trained once; their score caches' hits, new
    try:
        if answering.refused:
            say(f"{answering.refused} (remembered in the cache; --no-cache asks again): scoring by generation")
        _check_spend(answering, backend, recall, probes, request, say)

        def measure() -> tuple[dict[str, ArmScores], dict[str, np.ndarray]]:
            score = answering.scorer()
            results = _measure_all(score, backend, recall, probes, request, progress, answering.arm_record, tuning=tuning)
            if not results:  # nothing was scored (a dry run of fine-tuned arms): no filter to apply
                return results, {}
            return results, _model_baselines(score, probes, progress, results.get("base"), answering.mode != GENERATION)

        try:
            results, baselines = measure()
        except NoPromptLogprobs as err:  # the first call found out: nothing was scored yet
            say(answering.fall_back(err))
            _check_spend(answering, backend, recall, probes, request, say)
            results, baselines = measure()
    finally:
        answering.close()
    counts = (answering.counts[0] + tuning["counted"][0], answering.counts[1] + tuning["counted"][1])
    section = _section(backend, probes, results, request, recall, counts, baselines)
    return section if tuning["trained"] is None else {**section, **_training_section(tuning["trained"], request)}


def _measure_all(score, backend, recall: RecallResult, probes: list[dict], request: ArmsRequest, progress: Progress,
                 record: Callable[[], dict] = dict, arms: Sequence[str] | None = None,
                 tuning: dict | None = None) -> dict[str, ArmScores]:
    """Each arm of ``arms`` (default: the request's) scored with ``score``; ``record()`` after each
    untuned arm says how it was scored (kept beside its context). The fine-tuned arms train their
    models once (kept in ``tuning``) and score with each model's own cache; without ``tuning`` (a
    plan of the calls, see _check_spend) they are left out."""
    results: dict[str, ArmScores] = {}
    k = request.top_k or DEFAULT_TOP_K
    for arm in request.arms if arms is None else arms:
        before = set(results)
        if arm == "base":
            results[arm] = _base(score, probes, progress)
        elif arm == "icl":
            results[arm] = _icl(score, backend, recall, probes, progress)
        elif arm == "rag":
            for retriever in recall.retrievers:
                results[rag_label(recall, retriever)] = _rag(score, backend, recall, probes, k, progress, retriever)
        else:
            if tuning is not None:
                if tuning["trained"] is None:
                    tuning["trained"] = _train(recall, backend, request, progress)
                results.update(_tuned(arm, tuning["trained"], recall, probes, k, request, progress, tuning["counted"]))
            continue
        for label in set(results) - before:
            results[label].context.update(record())
    return results


def _model_baselines(score, probes: list[dict], progress: Progress, base: ArmScores | None,
                     loglikelihood: bool) -> dict[str, np.ndarray]:
    """The guessability filter with the model (issue 17): per probe, the credit of the model's closed-book
    answer (the question alone: the base arm's) and, where options are scored by log-likelihood, of
    its answer from the options alone (no question: which option the model favours anyway)."""
    out = {"question_only": (base or _base(score, probes, progress)).credits}
    if loglikelihood:
        options_only = lambda p: ProbeItem(ANSWER_CUE.lstrip(), item_of(p).options, p["answer"])  # noqa: E731
        out["options_only"] = _without_context(score, probes, progress, "options only (no question)", options_only)
    return out


def answered_by_baseline(baselines: dict[str, np.ndarray]) -> np.ndarray:
    """The probes a model baseline answers: its credit is 1 (the key alone scored best)."""
    return np.logical_or.reduce([credits >= 1.0 for credits in baselines.values()])


class _Recorder:
    """A scorer that answers nothing and records what it is asked (prefixes joined): a run's plan."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def __call__(self, requests, prefix: str = "", per_call: int | None = None) -> list[tuple[float, int]]:
        self.requests.extend((prefix + c, x) for c, x in requests)
        return [(0.0, 1)] * len(requests)


def _check_spend(answering: Answering, backend, recall: RecallResult, probes: list[dict], request: ArmsRequest,
                 say: Callable[[str], None]) -> None:
    """On a backend that bills (it estimates), the cost of what the arms would still ask, said or refused."""
    if getattr(backend, "estimate_scoring_usd", None) is None:
        return
    recorder = _Recorder()
    quiet = lambda stage, done, total: None  # noqa: E731
    untuned = [a for a in request.arms if a in UNTUNED_ARMS]
    _measure_all(recorder, backend, recall, probes, request, quiet, arms=untuned)
    if untuned:
        _model_baselines(recorder, probes, quiet, None, answering.mode != GENERATION)
    line = check_spend(backend, answering, recorder.requests, request.max_usd)
    if line:
        say(line)


def rag_label(recall: RecallResult, retriever: str) -> str:
    """The headline retriever's rag arm is "rag"; each other retriever's "rag (NAME)"."""
    return "rag" if retriever == recall.retrievers[0] else f"rag ({retriever})"


def _train(recall: RecallResult, backend, request: ArmsRequest, progress: Progress) -> Trained:
    """Every tuned model the fine-tuned arms of `request` need (probes.tuned), trained once."""
    sets = training_sets(recall.documents, recall.measured)
    models = models_for([a for a in request.arms if a in TUNED_ARMS])
    return train_models(backend, sets, models, checked_probes(recall.measured), item_of, request.tuning,
                        getattr(request, "max_usd", None), progress)


def _tuned(arm: str, trained: Trained, recall: RecallResult, probes: list[dict], k: int, request: ArmsRequest,
           progress: Progress, counted: list[int]) -> dict[str, ArmScores]:
    """One fine-tuned arm's scores (finetune+global: both variants), each with its tuned model's own
    score cache; an arm whose model did not run (a dry run) has none (the file's not_run says why)."""
    out = {}
    for model in models_for([arm]):
        tuned = trained.models.get(model)
        if tuned is None:
            continue
        label = arm if arm == "finetune+rag" else model
        own = ScoreCache(tuned.name, request.cache)
        try:
            scorer = own.wrap(tuned)
            if arm == "finetune+rag":
                scores = _rag(scorer, tuned, recall, probes, k, progress, recall.retrievers[0], name=arm)
            else:
                scores = _base(scorer, probes, progress, stage=f"{model} (closed book)")
        finally:
            counted[0] += own.hits
            counted[1] += own.misses
            own.close()
        described = ("the finetune model, with " + scores.context["context"] if arm == "finetune+rag"
                     else "none (closed book); the model fine-tuned on its texts (trainings)")
        reason = trained.reason(label)
        scores.context = {**scores.context, "context": described, "model": model,
                          **({"descriptive": reason} if reason else {})}
        out[label] = scores
    return out


def _training_section(trained: Trained, request: ArmsRequest) -> dict:
    """The fine-tuned arms' part of the probes section: how each model trained, the arms not run
    (a dry run: their cost), and which global variant is the headline."""
    not_run = {}
    for arm in request.arms:
        for model in models_for([arm]) if arm in TUNED_ARMS else ():
            if model in trained.not_run:
                label = arm if arm == "finetune+rag" else model
                not_run[label] = {**trained.not_run[model], **({"answers_with": "the finetune model"} if arm == "finetune+rag" else {})}
    tuning = request.tuning
    return {
        "finetune": {"settings": trained.settings,
                     "until_recall": tuning.until_recall or "off (a fixed budget)", "cap_epochs": tuning.cap_epochs,
                     "check_epochs": tuning.check_epochs, "headline_global": HEADLINE_GLOBAL},
        "trainings": trained.trainings,
        **({"not_run": not_run} if not_run else {}),
    }


def _scored(score, contexts: Sequence[str], probes: Sequence[dict], make: Callable[[dict], ProbeItem] | None = None) -> np.ndarray:
    """option_scores over `contexts` (averaged) of each probe as `make` asks it (default: item_of),
    padded to the widest probe of the file (5 options)."""
    scores = option_scores(score, contexts, [(make or item_of)(p) for p in probes])
    out = np.full((len(probes), 5), -np.inf)
    out[:, : scores.shape[1]] = scores
    return out


def _credits(scores: np.ndarray, probes: Sequence[dict]) -> np.ndarray:
    """Per probe, its credit; a row with a NaN (a reply that named no option or several) earns 0."""
    if not len(probes):
        return np.zeros(0)
    unanswered = np.isnan(scores).any(axis=1)
    return np.where(unanswered, 0.0, credit(np.where(unanswered[:, None], 0.0, scores), None, [p["answer"] for p in probes]))


def _base(score, probes: list[dict], progress: Progress, stage: str = "base (closed book)") -> ArmScores:
    return ArmScores(_without_context(score, probes, progress, stage), {"context": "none (closed book)"})


def _without_context(score, probes: list[dict], progress: Progress, stage: str,
                     make: Callable[[dict], ProbeItem] | None = None) -> np.ndarray:
    """Each probe's credit with no context, asked as `make` asks it (default: the question), BATCH
    probes a call with a progress line each."""
    rows = []
    for start in range(0, len(probes), BATCH):
        progress(stage, start, len(probes))
        rows.append(_scored(score, [""], probes[start:start + BATCH], make))
    progress(stage, len(probes), len(probes))
    return _credits(np.vstack(rows) if rows else np.zeros((0, 5)), probes)


def _icl(score, backend, recall: RecallResult, probes: list[dict], progress: Progress) -> ArmScores:
    """The whole corpus when it fits, else the corpus packed into windows (:func:`_packs`): each probe
    asked in the first window holding all its evidence documents (else in those documents plus others
    up to the window), each window as packed and reversed (counterbalanced). Probes share a window's
    context, which the scorer runs once: a few long contexts instead of two per evidence set."""
    window = backend.context_window()
    budget = window - MARGIN
    counted: dict[str, int] = {}

    def tokens(text: str) -> int:
        if text not in counted:
            counted[text] = backend.count_tokens(text)
        return counted[text]

    docs = recall.documents
    everything = fit_context(docs, tokens, budget)
    if len(everything) == len(docs):
        contexts = {"as given": context_of(docs), "reversed": context_of(docs[::-1])}
        by_order = {name: _scored(score, [c], probes) for name, c in _reporting(contexts, progress, "icl (whole corpus)")}
        context = {"context": "whole corpus", "documents": len(docs), "orders": list(contexts), "window": window,
                   "margin": MARGIN}
        return _icl_scores(by_order, probes, context, getattr(score, "votes", False))
    packs = _packs(docs, tokens, budget)
    groups: dict[tuple[str, ...], list[int]] = {}  # a context's documents -> the probes it answers
    missing = 0
    for row, p in enumerate(probes):
        paths = tuple(dict.fromkeys(e["document"] for e in p["evidence"]))
        pack = next((k for k in packs if set(paths) <= {d.path for d in k}), None)
        if pack is None:  # evidence in no one window: its evidence documents, then others up to the window
            evidence = fit_context([d for d in docs if d.path in paths], tokens, budget)
            missing += len(evidence) < len(paths)
            used = sum(tokens(d.text) + 2 for d in evidence)
            pack = evidence + fit_context([d for d in docs if d.path not in paths], tokens, budget - used)
        groups.setdefault(tuple(d.path for d in pack), []).append(row)
    by_path = {d.path: d for d in docs}
    orders = ("as packed", "reversed")
    by_order = {name: np.full((len(probes), 5), -np.inf) for name in orders}
    stage = "icl (the corpus packed into windows)"
    for done, (paths, rows) in enumerate(groups.items()):
        progress(stage, done, len(groups))
        shown = [by_path[path] for path in paths]
        chosen = [probes[r] for r in rows]
        by_order["as packed"][rows] = _scored(score, [context_of(shown)], chosen)
        by_order["reversed"][rows] = _scored(score, [context_of(shown[::-1])], chosen)
    progress(stage, len(groups), len(groups))
    sizes = [len(paths) for paths in groups]
    context = {"context": "the corpus packed into windows (it does not fit one): each probe is asked in the first window "
                          "that holds all its evidence documents, else in its evidence documents plus others up to the "
                          "window; each window as packed and reversed",
               "documents": len(docs), "windows": len(groups), "documents_shown": {"min": min(sizes, default=0), "max": max(sizes, default=0)},
               "orders": list(orders), "window": window, "margin": MARGIN, "probes_missing_evidence": missing}
    return _icl_scores(by_order, probes, context, getattr(score, "votes", False))


def _packs(docs: Sequence, tokens: Callable[[str], int], budget: int) -> list[list]:
    """The corpus in windows of at most `budget` tokens: documents in corpus order, a new window when
    the next does not fit (a document larger than a window is in none); each window then topped up
    with other documents that still fit (in corpus order), so that every window is filled as far as
    it goes."""
    packs, current, used = [], [], 0
    for doc in docs:
        size = tokens(doc.text) + 2
        if size > budget:
            continue
        if current and used + size > budget:
            packs.append(current)
            current, used = [], 0
        current.append(doc)
        used += size
    if current:
        packs.append(current)
    for pack in packs:
        room = budget - sum(tokens(d.text) + 2 for d in pack)
        inside = {d.path for d in pack}
        pack.extend(fit_context([d for d in docs if d.path not in inside and tokens(d.text) + 2 <= room], tokens, room))
    return packs


def _reporting(contexts: dict[str, str], progress: Progress, stage: str):
    for done, item in enumerate(contexts.items()):
        progress(stage, done, len(contexts))
        yield item
    progress(stage, len(contexts), len(contexts))


def _icl_scores(by_order: dict[str, np.ndarray], probes: list[dict], context: dict, votes: bool = False) -> ArmScores:
    """The arm scores the two orders' mean score (counterbalanced); each order's credit is kept. With
    ``votes`` (generation: a reply per order) the arm's credit is the mean of the orders' credits."""
    orders = {k: _credits(v, probes) for k, v in by_order.items()}
    if votes:
        return ArmScores(np.mean(list(orders.values()), axis=0), context, orders)
    first, second = by_order.values()
    averaged = np.where(np.isfinite(first), (first + second) / 2, -np.inf)
    return ArmScores(_credits(averaged, probes), context, orders)


def _rag(score, backend, recall: RecallResult, probes: list[dict], k: int, progress: Progress,
         retriever: str | None = None, name: str = "rag") -> ArmScores:
    """Each probe's top-k chunks (`retriever`'s, the headline by default; those that fit the window,
    best first) in corpus order, then the question."""
    headline = retriever or recall.retrievers[0]
    chunks = recall.chunks.texts
    ranking = dict(zip((p["id"] for p in recall.measured), recall.rankings[headline]))
    budget = backend.context_window() - MARGIN
    cut = 0
    contexts = []
    for p in probes:
        top = ranking[p["id"]][:k]
        fitted = fit_context([_Text(chunks[j], j) for j in top], backend.count_tokens, budget)
        cut += len(fitted) < len(top)
        contexts.append(context_of(sorted(fitted, key=lambda c: c.index)))
    rows = []
    for start in range(0, len(probes), BATCH):
        progress(f"{name} ({headline}, top {k} chunks)", start, len(probes))
        part = range(start, min(start + BATCH, len(probes)))
        items = [item_of(probes[r]) for r in part]
        requests = [(contexts[r] + "\n\n" + item.prompt, o) for r, item in zip(part, items) for o in item.options]
        flat = iter(score(requests, per_call=ScoreCache.TRIE_CHUNK))
        for item in items:
            values = [next(flat) for _ in item.options]
            row = np.full(5, -np.inf)
            row[: len(values)] = [ll / max(n, 1) for ll, n in values]  # as credit.normalized
            rows.append(row)
    progress(f"{name} ({headline}, top {k} chunks)", len(probes), len(probes))
    which = "the headline retriever" if headline == recall.retrievers[0] else headline
    context = {"context": f"the top {k} chunks of {which}, in corpus order, then the question",
               "retriever": headline, "k": k, "probes_cut_to_window": cut}
    return ArmScores(_credits(np.vstack(rows) if rows else np.zeros((0, 5)), probes), context)


def _scoring_text(generation: bool) -> dict:
    """How the section's arms were scored, in words (the file's ``normalization`` and ``prompt``)."""
    if generation:
        return {"normalization": "none: the greedy reply is matched to exactly one option (its letter, its text, or both, "
                                 "normalized for case, whitespace and punctuation); credit 1 when that option is the key, "
                                 "0 when it is not or when the reply names no option or several (counted per arm)",
                "prompt": f"the context, the question, the options lettered A-E, then {INSTRUCTION!r}"}
    return {"normalization": "mean log-probability per option token; no calibration (each arm's own pick); ties share credit",
            "prompt": f"the question, then {ANSWER_CUE.strip()!r}; each option scored as the continuation (options never shown)"}


@dataclass(frozen=True)
class _Text:
    text: str
    index: int


def _estimate(values: np.ndarray, probes: Sequence[dict], seed: int) -> dict:
    return interval(values, [p["fact"] for p in probes], seed).to_dict()


def _figures(values: np.ndarray, probes: list[dict], seed: int) -> dict:
    by_type = {}
    for kind in PROBE_TYPES:
        rows = [r for r, p in enumerate(probes) if p["type"] == kind]
        if rows:
            by_type[kind] = _estimate(values[rows], [probes[r] for r in rows], seed)
    return {"accuracy": _estimate(values, probes, seed), "by_type": by_type}


def paired_family(results: dict[str, np.ndarray], probes: Sequence[dict], seed: int) -> list:
    """Every pair of arms on the same probes (the later-named arm against the earlier: icl - base),
    clusters by fact, Holm-adjusted over the family."""
    facts = [p["fact"] for p in probes]
    names = list(results)
    tests = [paired_test(results[a], results[b], facts, seed, labels=(a, b))
             for j, a in enumerate(names) for b in names[:j]]
    adjusted = holm([t.p for t in tests])
    return [replace(t, p_holm=p) for t, p in zip(tests, adjusted)]


def _marked(test: dict, arms: dict) -> dict:
    """A paired test with the reasons its arms are descriptive only, if any (it stays in the Holm
    family: the adjustment is then conservative for the others)."""
    reasons = [arms[name]["descriptive"] for name in (test["a"], test["b"]) if arms[name].get("descriptive")]
    return {**test, "descriptive": "; ".join(dict.fromkeys(reasons))} if reasons else test


def _section(backend, probes: list[dict], results: dict[str, ArmScores], request: ArmsRequest,
             recall: RecallResult, cache: tuple[int, int], baselines: dict[str, np.ndarray] | None = None) -> dict:
    """The section: every figure on the headline probes (those no model baseline answers; all of them
    when every probe is answered, said so), each arm's accuracy on all measured probes beside."""
    baselines = baselines or {}
    flagged = answered_by_baseline(baselines) if baselines else np.zeros(len(probes), bool)
    kept = np.flatnonzero(~flagged) if (~flagged).any() else np.arange(len(probes))
    headline = [probes[i] for i in kept]
    arms = {}
    for name, r in results.items():
        arms[name] = {**r.context, **_figures(r.credits[kept], headline, request.seed),
                      "all_measured_probes": _estimate(r.credits, probes, request.seed)}
        if r.orders:
            arms[name]["by_order"] = {k: _estimate(v[kept], headline, request.seed) for k, v in r.orders.items()}
    filtered = bool(flagged.any()) and not flagged.all()
    if "base" in arms and filtered:  # the filter itself: compared with nothing
        arms["base"]["note"] = ("the closed-book baseline of the guessability filter: on the headline probes it is "
                                "below chance by construction (the probes it answered are left out), so no paired test "
                                "compares an arm with it")
    paired = [_marked(t.to_dict(), arms) for t in paired_family(
        {n: r.credits[kept] for n, r in results.items() if n != "base" or not filtered}, headline, request.seed)]
    modes = list(dict.fromkeys(r.context.get("scoring", "loglikelihood") for r in results.values())) or ["loglikelihood"]
    base_url = getattr(backend, "base_url", None)
    return {
        "backend": backend.name,
        **({"endpoint": endpoint_of(base_url)} if base_url else {}),
        **({"precision": backend.precision} if getattr(backend, "precision", None) else {}),
        "scoring": ", ".join(modes),
        **_scoring_text(GENERATION in modes),
        "probes": {"measured": len(probes), "of": len(recall.measured), "guessable_left_out": recall.counts["guessable"],
                   **({"limit": request.limit} if request.limit and request.limit < len(recall.measured) else {}),
                   "model_guessable": {**{name: int((credits >= 1.0).sum()) for name, credits in baselines.items()},
                                       "either": int(flagged.sum())},
                   "headline": len(headline),
                   **({"headline_note": "every measured probe was answered by a model baseline: the figures are on all of them"}
                      if flagged.all() and len(probes) else {})},
        "guessability": ("with the model: a probe whose key the model picks from the question alone (closed book) "
                         + ("or from the options alone (no question) " if "options_only" in baselines else "")
                         + "is left out of the arms' figures and the paired tests (each arm's all_measured_probes keeps "
                           "them); the accuracy table recommend reads keeps every measured probe: the kept ones are biased "
                           "below chance (chosen on the model's own failure)"),
        "chance": round(chance([item_of(p) for p in headline]), 4),
        "interval": "95%: the union of Wilson's and the cluster bootstrap's, probes clustered by fact",
        "arms": arms,
        "paired": paired,
        "paired_test": "two-sided paired permutation test, clusters by fact; Holm-adjusted over the family",
        "score_cache": {"hits": cache[0], "new": cache[1]},
        # recommend's table: every measured probe (those the offline baselines answer are out already).
        # Not the headline set: selecting probes on the model's own closed-book failure leaves those its
        # prior points away from, which pushes every arm below chance (measured on the examples: icl 15%,
        # rag 21% at chance 27% on the kept probes; 34% and 43% on all), and a deployment answers the
        # questions the model knows as well.
        "accuracy": accuracy_table({n: {**r.context, **_figures(r.credits, probes, request.seed)} for n, r in results.items()},
                                   probes, recall, f"model {backend.name}", item_of),
        "note": READ,
    }
