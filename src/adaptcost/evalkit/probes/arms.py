"""The model arms of `adaptcost probe run`: base, icl and rag answer the buyer's probes.

Every arm scores each option of a probe by its log-likelihood as a continuation of the probe's
question (the options are never shown), length-normalized as the eval harness does
(scoring.credit.option_scores: mean log-probability per option token), and credits the probe as
the harness does (scoring.credit.credit: 1 when the key alone scores best, 1/k when it ties with
k-1 others). No calibration: each arm's own pick, so that the closed-book arm is the model's real
closed-book answer and every paired comparison compares one rule.

    base   closed book: the question alone
    icl    the whole corpus when it fits the context window minus a margin (as given, and
           reversed: counterbalanced); otherwise, per probe, its evidence documents plus other
           documents up to the window, in two orders (evidence first, evidence last), averaged;
           the output says which, with each order's accuracy
    rag    the top-k chunks of the headline retriever for the question, in corpus order, then
           the question; each other retriever of the recall run as "rag (NAME)"
    finetune, finetune+local, finetune+global (held-out, covers)
           closed book with a model fine-tuned on the corpus to the recall ceiling (probes.tuned:
           the texts, the training, the dry run on an API backend)
    finetune+rag
           the finetune model with rag's contexts (the headline retriever)

Guessable probes (an offline baseline answers them) are already left out (RecallResult.measured).
Accuracy per arm, overall and per probe type, with `stats.intervals.interval` (probes clustered by
fact); paired tests between arms on the same probes (`stats.paired.paired_test`, clusters by fact),
Holm-adjusted over the family. Scores go through the harness's content-addressed ScoreCache
(model, context, continuation): a killed run resumes and recomputes nothing it had scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Callable, Sequence

import numpy as np

from adaptcost.costing.scenario import Scenario
from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean
from ..scoring.credit import chance, credit, option_scores
from ..scoring.runner import ScoreCache, context_of, fit_context
from ..stats.intervals import interval
from ..stats.paired import holm, paired_test
from .probefile import PROBE_TYPES
from .recall import RecallResult
from .tuned import (HEADLINE_GLOBAL, TUNED_ARMS, Trained, TuningRequest, checked_probes, models_for, train_models,
                    training_sets)

UNTUNED_ARMS = ("base", "icl", "rag")  # the default: no training
ARMS = UNTUNED_ARMS + TUNED_ARMS
MARGIN = 256  # tokens of the window kept for the question and the option (as runner._icl)
ANSWER_CUE = "\nAnswer:"  # after the question; each option is scored as " " + option
BATCH = 16  # probes per scoring call (a progress line each)
DEFAULT_TOP_K = next(f.default for f in fields(Scenario) if f.name == "top_k")  # the scenario's default k
NOT_READ = ("recommend does not read these arm figures yet: its accuracy comes from the curves file's accuracy "
            "table (adaptcost eval) or the bundled paper reference")

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


def measure_arms(recall: RecallResult, backend, request: ArmsRequest, progress: Progress | None = None) -> dict:
    """The curves file's ``probes`` section: each arm's accuracy and the paired tests (module docstring)."""
    progress = progress or (lambda stage, done, total: None)
    probes = spaced(recall.measured, request.limit)
    cache = ScoreCache(backend.name, request.cache)
    score = cache.wrap(backend)
    results: dict[str, ArmScores] = {}
    trained = None
    counted = [0, 0]  # the tuned models' score caches: hits, new
    k = request.top_k or DEFAULT_TOP_K
    try:
        for arm in request.arms:
            if arm == "base":
                results[arm] = _base(score, probes, progress)
            elif arm == "icl":
                results[arm] = _icl(score, backend, recall, probes, progress)
            elif arm == "rag":
                for retriever in recall.retrievers:
                    results[rag_label(recall, retriever)] = _rag(score, backend, recall, probes, k, progress, retriever)
            else:
                if trained is None:
                    trained = _train(recall, backend, request, progress)
                results.update(_tuned(arm, trained, recall, probes, k, request, progress, counted))
    finally:
        cache.close()
    section = _section(backend, probes, results, request, recall, (cache.hits + counted[0], cache.misses + counted[1]))
    return section if trained is None else {**section, **_training_section(trained, request)}


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


def _scored(score, contexts: Sequence[str], probes: Sequence[dict]) -> np.ndarray:
    """option_scores over `contexts` (averaged), padded to the widest probe of the file (5 options)."""
    scores = option_scores(score, contexts, [item_of(p) for p in probes])
    out = np.full((len(probes), 5), -np.inf)
    out[:, : scores.shape[1]] = scores
    return out


def _credits(scores: np.ndarray, probes: Sequence[dict]) -> np.ndarray:
    return credit(scores, None, [p["answer"] for p in probes]) if len(probes) else np.zeros(0)


def _base(score, probes: list[dict], progress: Progress, stage: str = "base (closed book)") -> ArmScores:
    rows = []
    for start in range(0, len(probes), BATCH):
        progress(stage, start, len(probes))
        rows.append(_scored(score, [""], probes[start:start + BATCH]))
    progress(stage, len(probes), len(probes))
    return ArmScores(_credits(np.vstack(rows) if rows else np.zeros((0, 5)), probes), {"context": "none (closed book)"})


def _icl(score, backend, recall: RecallResult, probes: list[dict], progress: Progress) -> ArmScores:
    """The whole corpus when it fits, else per group of probes with the same evidence documents: those
    documents plus others up to the window, evidence first and evidence last."""
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
        return _icl_scores(by_order, probes, context)
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, p in enumerate(probes):
        groups.setdefault(tuple(dict.fromkeys(e["document"] for e in p["evidence"])), []).append(row)
    orders = ("evidence first", "evidence last")
    by_order = {name: np.full((len(probes), 5), -np.inf) for name in orders}
    missing = 0
    shown = []
    for done, (paths, rows) in enumerate(sorted(groups.items())):
        progress("icl (evidence documents + others up to the window)", done, len(groups))
        evidence = fit_context([d for d in docs if d.path in paths], tokens, budget)
        missing += len(rows) * (len(evidence) < len(paths))
        used = sum(tokens(d.text) + 2 for d in evidence)
        others = fit_context([d for d in docs if d.path not in paths], tokens, budget - used)
        shown.append(len(evidence) + len(others))
        chosen = [probes[r] for r in rows]
        by_order["evidence first"][rows] = _scored(score, [context_of(evidence + others)], chosen)
        by_order["evidence last"][rows] = _scored(score, [context_of(others + evidence)], chosen)
    progress("icl (evidence documents + others up to the window)", len(groups), len(groups))
    context = {"context": "evidence documents plus other documents up to the window (the corpus does not fit)",
               "documents": len(docs), "documents_shown": {"min": min(shown, default=0), "max": max(shown, default=0)},
               "orders": list(orders), "window": window, "margin": MARGIN,
               "probes_missing_evidence": missing}
    return _icl_scores(by_order, probes, context)


def _reporting(contexts: dict[str, str], progress: Progress, stage: str):
    for done, item in enumerate(contexts.items()):
        progress(stage, done, len(contexts))
        yield item
    progress(stage, len(contexts), len(contexts))


def _icl_scores(by_order: dict[str, np.ndarray], probes: list[dict], context: dict) -> ArmScores:
    """The arm scores the two orders' mean score (counterbalanced); each order's credit is kept."""
    first, second = by_order.values()
    averaged = np.where(np.isfinite(first), (first + second) / 2, -np.inf)
    return ArmScores(_credits(averaged, probes), context, {k: _credits(v, probes) for k, v in by_order.items()})


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
             recall: RecallResult, cache: tuple[int, int]) -> dict:
    arms = {}
    for name, r in results.items():
        arms[name] = {**r.context, **_figures(r.credits, probes, request.seed)}
        if r.orders:
            arms[name]["by_order"] = {k: _estimate(v, probes, request.seed) for k, v in r.orders.items()}
    paired = [_marked(t.to_dict(), arms) for t in paired_family({n: r.credits for n, r in results.items()}, probes, request.seed)]
    return {
        "backend": backend.name,
        "scoring": "loglikelihood",
        "normalization": "mean log-probability per option token; no calibration (each arm's own pick); ties share credit",
        "prompt": f"the question, then {ANSWER_CUE.strip()!r}; each option scored as the continuation (options never shown)",
        "probes": {"measured": len(probes), "of": len(recall.measured), "guessable_left_out": recall.counts["guessable"],
                   **({"limit": request.limit} if request.limit and request.limit < len(recall.measured) else {})},
        "chance": round(chance([item_of(p) for p in probes]), 4),
        "interval": "95%: the union of Wilson's and the cluster bootstrap's, probes clustered by fact",
        "arms": arms,
        "paired": paired,
        "paired_test": "two-sided paired permutation test, clusters by fact; Holm-adjusted over the family",
        "score_cache": {"hits": cache[0], "new": cache[1]},
        "note": NOT_READ,
    }
