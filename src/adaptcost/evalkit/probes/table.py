"""The accuracy table `recommend --curves` reads from a `probe run`: each arm's accuracy on the
buyer's own probes, as the decision's strategies and question types, every cell held to the claim bar.

Arms -> strategies (`strategy_arms`): an arm named after a priced strategy (`icl`, `rag`,
`finetune`, `finetune+rag`, `finetune+local`, `finetune+global`) is that strategy; where a strategy
was measured in variants (`rag (minilm)`, `finetune+global (held-out)`), the headline retriever's or
the held-out one stands for it. `base` (closed book) is no strategy: it is the floor the others are
read against, and stays out of the table.

Probe types -> question types (`QUESTION_TYPE`): recall, rephrasing, reversal and category are the
decision's types of the same name; a multi-hop probe (two facts from different documents joined
through an entity) is the decision's two-premise inference, `syllogism`.

A cell: the arm's mean and 95% band on the probes of that type, n, chance (guessing's accuracy on
those probes: the mean of 1 / options), and a basis naming the arm, the model and the corpus; a
retrieving arm's cell also carries the recall@k its figure was measured at (the share of those
probes whose every evidence chunk its retriever put in the top k) and k, so that `recommend` can
move it to another recall by the one rule (decision.curves.accuracy_at_recall). A cell is
``descriptive`` (recommend uses another figure for it, and says why) when it has fewer than
CLAIM_BAR.items probes or fewer than CLAIM_BAR.clusters facts (one corpus: the bar's dataset seeds do
not apply), or when its arm is marked descriptive (a fine-tuned arm below the recall ceiling).
"""

from __future__ import annotations

from typing import Callable, Sequence

from adaptcost.costing.scenario import RETRIEVAL, STRATEGIES
from ..scoring.credit import chance
from ..stats.support import CLAIM_BAR
from .recall import RecallResult

QUESTION_TYPE = {"recall": "recall", "rephrasing": "rephrasing", "reversal": "reversal", "multi-hop": "syllogism",
                 "category": "category"}
PREFERRED_VARIANT = "held-out"  # an augmented strategy measured as covers and held-out: the held-out arm stands for it


def variant(arm: str) -> tuple[str, str]:
    """("rag", "minilm") for "rag (minilm)"; ("icl", "") for "icl"."""
    strategy, _, rest = arm.partition(" (")
    return strategy, rest.rstrip(")")


def strategy_arms(arms: Sequence[str], headline: str) -> dict[str, str]:
    """Strategy -> the arm that stands for it (module docstring), for the strategies measured."""
    chosen: dict[str, str] = {}
    for arm in arms:
        strategy = variant(arm)[0]
        if strategy in STRATEGIES and (strategy not in chosen or variant_rank(arm, headline) < variant_rank(chosen[strategy], headline)):
            chosen[strategy] = arm
    return chosen


def variant_rank(arm: str, headline: str) -> int:
    """0: the plain name; 1: the headline retriever's or the held-out variant; 2: any other variant."""
    qualifier = variant(arm)[1]
    return 0 if not qualifier else 1 if qualifier in (headline, PREFERRED_VARIANT) else 2


def accuracy_table(arms: dict[str, dict], probes: Sequence[dict], recall: RecallResult, measured_with: str,
                   item_of: Callable) -> dict:
    """Strategy -> question type -> cell (module docstring), from `arms` (the probes section's, with
    ``by_type`` estimates and, for retrieving arms, ``retriever`` and ``k``) on `probes` (the measured
    ones; `item_of` makes the scored item of one, whose options chance counts)."""
    table: dict[str, dict] = {}
    for strategy, arm in strategy_arms(list(arms), recall.retrievers[0]).items():
        figures = arms[arm]
        served = recall.served_at(figures["retriever"], figures["k"]) if strategy in RETRIEVAL and "retriever" in figures else None
        cells = {}
        for kind, estimate in figures.get("by_type", {}).items():
            chosen = [p for p in probes if p["type"] == kind]
            cell = {"mean": estimate["mean"], "low": estimate["low"], "high": estimate["high"], "n": estimate["n"],
                    "chance": round(chance([item_of(p) for p in chosen]), 4),
                    "basis": f"arm {arm} of probe run on {estimate['n']} {kind} probes of this corpus, {measured_with}"}
            if served is not None:
                cell["recall"] = round(sum(served[p["id"]] for p in chosen) / len(chosen), 4)
                cell["k"] = figures["k"]
            reason = _below_bar(estimate, kind) or figures.get("descriptive")
            if reason:
                cell["descriptive"] = reason
            cells[QUESTION_TYPE[kind]] = cell
        if cells:
            table[strategy] = cells
    return table


def _below_bar(estimate: dict, kind: str) -> str | None:
    n, clusters = estimate["n"], estimate.get("clusters", 0)
    if n >= CLAIM_BAR.items and clusters >= CLAIM_BAR.clusters:
        return None
    return (f"{n} {kind} probe{'s' if n != 1 else ''} on {clusters} fact{'s' if clusters != 1 else ''} "
            f"(a figure needs >= {CLAIM_BAR.items} probes on >= {CLAIM_BAR.clusters} facts)")
