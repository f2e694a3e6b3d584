"""The recommendation: the cheapest strategy that meets the accuracy target, and why.

Rule, in order:
1. Only feasible strategies (the corpus fits the context window, the model can be fine-tuned,
   ...) with a quality figure for the question mix are candidates; with ``--budget``, only those
   whose total cost of ownership over the horizon is within it.
2. The accuracy target is ``--min-accuracy``, or by default "within TOLERANCE (2 points) of the
   best expected accuracy among the candidates".
3. Among candidates meeting the target, the one with the lowest total cost wins.
4. If none meets it, the one with the best expected accuracy per dollar wins, and the output says
   the target is missed.
The break-even volumes between the pick and every other candidate say what would flip it.

Accuracy measured on the buyer's probes (`adaptcost probe run --arms`): a question type of the mix
takes those figures where every feasible strategy has one that can carry a claim, else every
strategy keeps the file's or the reference's (Curves.for_candidates: like with like).

RAG's retrieval recall: a curves file with recall@k measured on this corpus (`adaptcost probe run`)
at the scenario's top k, for the retriever asked (``retriever``; by default the file's headline,
the first retriever `probe run` measured), replaces ``--retrieval-recall``; otherwise
``--retrieval-recall`` (or each cell's own recall) holds, and a reason says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..corpus.discover import corpus_fingerprint
from ..errors import ScenarioError
from ..limits import MAX_USD, problem, shown
from .curves import DEFAULT_MIX, Accuracy, Curves, load_curves
from .document import recommendation_dict
from .estimate import Estimate

from ..defaults import DEFAULT_TOLERANCE  # noqa: F401  (re-exported)
from ..money import money


def meets(accuracy, target: float | None):
    """The one rule for "meets the target": an expected accuracy not below it (float noise
    aside); with no target, everything meets it. Works on numbers and on arrays of draws."""
    return True if target is None else accuracy >= target - 1e-12


@dataclass
class Recommendation:
    estimate: Estimate
    curves: Curves
    mix: dict[str, float]
    quality: dict[str, Accuracy]
    target: float | None
    target_basis: str
    budget: float | None
    pick: str | None
    meets_target: bool
    reasons: list[str] = field(default_factory=list)
    flips: list[str] = field(default_factory=list)
    recall: dict | None = None  # where RAG's retrieval recall came from (a curves file with measured recall)

    def to_dict(self) -> dict:
        """The adaptcost-recommendation/1 document (what `recommend --format json` prints)."""
        return recommendation_dict(self)


def _check(min_accuracy: float | None, budget: float | None, tolerance: float) -> None:
    if min_accuracy is not None and not 0 <= min_accuracy <= 1:
        raise ScenarioError(f"min_accuracy must lie in [0, 1] (a share of questions), got {min_accuracy}", field="min_accuracy")
    if budget is not None and problem(budget, above=0, high=MAX_USD) is not None:
        raise ScenarioError(f"budget must be a positive amount of USD up to {MAX_USD:g}, got {shown(budget)}", field="budget")
    if not 0 <= tolerance < 1:
        raise ScenarioError(f"tolerance must lie in [0, 1), got {tolerance}", field="tolerance")


def recommend(estimate: Estimate, curves: Curves | None = None, mix: dict[str, float] | None = None,
              min_accuracy: float | None = None, budget: float | None = None,
              tolerance: float = DEFAULT_TOLERANCE, retriever: str | None = None) -> Recommendation:
    """Pick a strategy for `estimate` (curves: the bundled paper reference; mix: the default mix;
    retriever: whose measured recall RAG uses, by default the curves file's headline)."""
    _check(min_accuracy, budget, tolerance)
    curves = curves or load_curves()
    mix = dict(mix or DEFAULT_MIX)
    curves, probed = curves.for_candidates([s.strategy for s in estimate.strategies if s.feasible], mix)
    recall, basis, notes = retrieval_recall(estimate, curves, retriever)
    notes = probed + notes
    quality = {s.strategy: q for s in estimate.strategies if (q := curves.expected(s.strategy, mix, recall)) is not None}
    rec = Recommendation(estimate, curves, mix, quality, None, "", budget, None, False, recall=basis)
    candidates = _candidates(rec)
    if not candidates:
        rec.reasons.append("no strategy is feasible within the constraints above; relax them (budget, models, context)")
        rec.reasons += notes
        return rec
    _set_target(rec, candidates, min_accuracy, tolerance)
    meeting = [s for s in candidates if meets(quality[s.strategy].mean, rec.target)]
    if meeting:
        best = min(meeting, key=lambda s: s.tco)
        rec.pick, rec.meets_target = best.strategy, True
        rec.reasons.append(
            f"{best.strategy} is the cheapest strategy meeting the target ({rec.target_basis}): "
            f"{money(best.tco)} over {estimate.scenario.horizon_days:g} days, expected accuracy {quality[best.strategy].mean:.1%}"
            + _partial(best)
        )
        for other in sorted(meeting, key=lambda s: s.tco)[1:]:
            rec.reasons.append(f"{other.strategy} also meets it but costs {money(other.tco - best.tco)} more ({money(other.tco)})")
    else:
        best = max(candidates, key=lambda s: quality[s.strategy].mean / max(s.tco, 1e-9))
        rec.pick = best.strategy
        rec.reasons.append(
            f"no candidate reaches {rec.target:.1%}; {best.strategy} gives the best expected accuracy per dollar "
            f"({quality[best.strategy].mean:.1%} for {money(best.tco)})" + _partial(best)
        )
    short = [s for s in candidates if s.strategy != rec.pick and not meets(quality[s.strategy].mean, rec.target)]
    if short:
        rec.reasons.append(f"short of the target ({rec.target:.1%}): "
                           + ", ".join(f"{s.strategy} {quality[s.strategy].mean:.1%}" for s in short))
    rec.reasons += notes
    rec.flips = _flips(rec)
    return rec


def retrieval_recall(estimate: Estimate, curves: Curves, retriever: str | None) -> tuple[float | None, dict | None, list[str]]:
    """RAG's retrieval recall for the decision, where it came from (None: the scenario's), and the
    lines every output shows about it and about the curves file's accuracy table."""
    given = estimate.scenario.retrieval_recall
    notes = []
    if curves.accuracy_from:
        which = "every figure not measured on this corpus" if curves.probed else "every strategy's accuracy"
        kind = "a probe run's: retrieval and the arms it measured" if curves.probed or curves.probed_descriptive else "it measures retrieval only"
        notes.append(f"accuracy figures: {curves.path} has no accuracy table of its own ({kind}); "
                     f"{which} comes from {curves.accuracy_from}")
    notes += [f"accuracy figure fell back: {line}" for line in curves.fallbacks]
    measured = curves.retrieval
    if measured is None:
        if retriever is not None:
            raise ScenarioError(f"--retriever {retriever}: the curves file {curves.path} has no measured retrieval recall "
                                "(write one with 'adaptcost probe run')")
        return given, None, notes
    name = retriever or measured.headline
    if name not in measured.retrievers:
        from ..suggest import did_you_mean

        raise ScenarioError(f"--retriever {name}: {curves.path} measured recall for {', '.join(measured.retrievers)} only"
                            f"{did_you_mean(name, measured.retrievers)}")
    k = estimate.scenario.top_k
    cell = measured.at(name, k)
    if cell is None:
        keep = f"--retrieval-recall {given:g}" if given is not None else "each accuracy cell's own recall"
        notes.append(f"retrieval recall: {curves.path} measured {name} at k = {', '.join(map(str, measured.ks))}, "
                     f"not at --top-k {k}; RAG's accuracy uses {keep}")
        return given, None, notes
    same = measured.fingerprint == corpus_fingerprint((d.path, d.sha256) for d in estimate.corpus.documents)
    where = "this corpus" if same else "another corpus (see the warnings)"
    if not same:
        warning = (f"{curves.path} measured retrieval recall on another corpus than {', '.join(estimate.corpus.inputs)} "
                   f"(corpus fingerprint {measured.fingerprint[:12]}…); its recall may not hold here")
        if warning not in estimate.warnings:
            estimate.warnings.append(warning)
    replaced = f", in place of --retrieval-recall {given:g}" if given is not None else ""
    notes.append(f"RAG's retrieval recall {cell.mean:.1%} ({cell.low:.1%}–{cell.high:.1%}): {name} recall@{k}, "
                 f"recall measured on {where} ({cell.n} probes){replaced}")
    basis = {"source": "measured", "curves": curves.path, "retriever": name, "k": k, "recall": round(cell.mean, 4),
             "low": round(cell.low, 4), "high": round(cell.high, 4), "probes": cell.n, "same_corpus": same}
    return cell.mean, basis, notes


def _candidates(rec: Recommendation) -> list:
    candidates = []
    refused: dict[str, list[str]] = {}  # one line per reason, naming every strategy it refuses
    for s in rec.estimate.strategies:
        if not s.feasible:
            refused.setdefault(s.reason, []).append(s.strategy)
    for s in rec.estimate.strategies:
        if not s.feasible:
            names = refused.pop(s.reason, None)
            if names:
                others = f" (nor {', '.join(names[1:])}, for the same reason)" if names[1:] else ""
                rec.reasons.append(f"{names[0]} is not possible{others}: {s.reason}")
        elif s.strategy not in rec.quality:
            rec.reasons.append(f"{s.strategy} has no accuracy figure in {rec.curves.path} for this question mix")
        elif rec.budget is not None and s.tco > rec.budget:
            rec.reasons.append(f"{s.strategy} exceeds the budget: {money(s.tco)} > {money(rec.budget)}")
        else:
            candidates.append(s)
    return candidates


def _partial(cost) -> str:
    """Beside a total that covers only part of the horizon (--allow-partial), until when."""
    if cost.possible_until is None:
        return ""
    return f"; but it runs only until {cost.possible_until}, and that total covers only the days to then (--allow-partial)"


def _set_target(rec: Recommendation, candidates: list, min_accuracy: float | None, tolerance: float) -> None:
    if min_accuracy is not None:
        rec.target, rec.target_basis = min_accuracy, f"minimum accuracy {min_accuracy:.1%}"
        return
    best = max(candidates, key=lambda s: rec.quality[s.strategy].mean)
    best_mean = rec.quality[best.strategy].mean
    rec.target = best_mean - tolerance
    rec.target_basis = f"within {tolerance * 100:g} points of the best expected accuracy, {best.strategy}'s {best_mean:.1%}"


def _flips(rec: Recommendation) -> list[str]:
    """Break-even volumes between the pick and the others that would change the answer.

    Crossings with a strategy that misses the target are listed with that caveat; a "no crossing"
    with such a strategy changes nothing and is left out.
    """
    flips = []
    for be in rec.estimate.breakevens:
        if rec.pick not in (be.a, be.b):
            continue
        other = be.b if be.a == rec.pick else be.a
        if other not in rec.quality:
            continue
        met = meets(rec.quality[other].mean, rec.target)
        if not met and not be.crossings:
            continue
        note = "" if met else f" (but {other} misses the accuracy target)"
        flips += [line + note for line in be.describe()]
    return flips
