"""The recall ceiling: a fine-tuned arm's generalization is read only once it recalls what it was
trained on. Each arm trains until its recall of trained facts (split "recall", form "trained", the
items it is scored on) reaches the ceiling, checked every few steps up to a step cap
(:func:`criterion`). Recall is the model's own pick (:func:`own_recall`: the option of highest
mean log-probability, uncalibrated): whether the weights reproduce the training sentence. The
cells' calibrated credit (scores minus the untuned model's) is no test of memory: a trained
answer at log-probability 0 that the untuned model already found likely gains less than a
distractor it found unlikely and the training raised with every sentence of its kind (measured on
the quick semantic set: 8 of 8 trained facts reproduced, 6 of 8 by the calibrated credit).

An arm that stops at the cap below the ceiling, or whose recall cannot be checked (no recall
items), has its generalization cells marked descriptive only (:func:`shortfall`,
:func:`descriptive_arms`): the accuracy table says why, and the paired tests leave them out.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from .credit import credit, option_scores

RECALL_SPLIT, TRAINED_FORM = "recall", "trained"
RAG_MODEL = {"finetune+rag": "finetune"}  # strategies answering with another arm's tuned model


def recall_items(scored: Sequence) -> list:
    """The items that check the ceiling: recall of trained facts, in the documents' own wording."""
    return [i for i in scored if i.split == RECALL_SPLIT and i.form == TRAINED_FORM]


def as_trained(items: Sequence, texts: Sequence[str]) -> list:
    """Recall items asked as the arm trained on them: from the start of the training text that
    states each one. A sentence-split arm trained on the sentence itself (the item unchanged); an
    arm trained on whole pages (the unsplit arm) saw the sentence after the rest of its page, so
    its prompt is the page up to the sentence. A text that begins with the sentence is preferred
    to one that holds it further in. An item no text states stays unchanged."""
    out = []
    for item in items:
        sentence = item.prompt + item.options[item.answer]
        page = next((t for t in texts if t.startswith(sentence)), None) or next((t for t in texts if sentence in t), None)
        lead = page[: page.index(sentence)] if page is not None else ""
        out.append(replace(item, prompt=lead + item.prompt) if lead else item)
    return out


def items_key(items: Sequence, scoring: str = "") -> str:
    """A hash of the recall items and their answers, and of how a check scores them (a tuned-weights
    cache key's part: weights trained to another measure's ceiling are not these)."""
    rows = [[i.id, i.prompt, list(i.options), i.answer] for i in items] + ([scoring] if scoring else [])
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:32]


def check_steps(config, settings, texts: Sequence[str], sentences: int) -> tuple[int, int]:
    """(check interval, cap) in optimizer steps: config.check_epochs and config.cap_epochs epochs of
    the plain (sentence-split) training set, whatever the arm trains on, so that every arm of a
    dataset is checked at the same steps and stops at the same cap; the unsplit arm (whole
    documents, fewer examples) counts epochs of its documents instead."""
    per_epoch = math.ceil(min(len(texts), sentences) / settings.batch_size)
    return max(1, round(config.check_epochs * per_epoch)), max(1, config.cap_epochs * per_epoch)


def criterion(backend, config, settings, texts: Sequence[str], sentences: int, items: Sequence):
    """The UntilRecall for one training (None where the ceiling is not enforced: the config does
    not ask for it, the backend cannot check recall while training, or there are no recall items)
    and a line saying why not. `items` are the items the arm is scored on; its recall items are
    checked by :func:`own_recall`."""
    import inspect

    from ..backends.protocol import UntilRecall

    if not config.until_recall:
        return None, "off (a fixed step budget)"
    if "until" not in inspect.signature(backend.finetune).parameters:
        return None, f"not enforced: {getattr(backend, 'name', 'this backend')} cannot check recall while training"
    checked = as_trained(recall_items(items), texts)
    if not checked:
        return None, "cannot be checked: no recall items of the trained form among the items this arm is scored on"
    every, cap = check_steps(config, settings, texts, sentences)
    patience = getattr(config, "patience", 0) or None
    return UntilRecall(config.recall_ceiling, every, cap, items_key(checked, "own pick"),
                       lambda scorer: recall_of(scorer, checked), patience), ""


def own_recall(scores: np.ndarray, items: Sequence) -> float:
    """Recall as the ceiling reads it: the share of `items` whose answer is the model's own pick
    among the options (`scores` from credit.option_scores, one row per item; no calibration; ties
    share credit); NaN without items."""
    if not len(items):
        return float("nan")
    return float(np.mean(credit(np.asarray(scores), None, [i.answer for i in items])))


def recall_of(scorer, items: Sequence) -> float:
    """:func:`own_recall` of a backend being trained (anything with ``loglikelihood``), scored
    with no disk cache: the weights change between checks."""
    if not items:
        return float("nan")
    return own_recall(option_scores(lambda requests, prefix="": scorer.loglikelihood(requests), [""], items), items)


def shortfall(where: str, training: dict, ceiling: float) -> str | None:
    """Why the arm trained at `where` ("reversal seed 1 · finetune") has descriptive-only
    generalization cells, or None when its recall of trained facts reached the ceiling."""
    recall = training.get("recall_trained_form")
    place, _, arm = where.partition(" · ")
    if recall is None:
        return f"{arm}: the recall ceiling {ceiling:g} cannot be checked on {place} (no recall items of the trained form)"
    if recall >= ceiling:
        return None
    until = training.get("until_recall") or {}
    if until.get("cap") is not None and training.get("steps") is not None and training["steps"] >= until["cap"]:
        return f"{arm} stopped at the {until['cap']}-step cap at recall {recall:.2f} < {ceiling:g} on {place}"
    if until.get("plateaued"):
        return (f"{arm} stopped after {training['steps']} steps at recall {recall:.2f} < {ceiling:g} on {place}: "
                f"{until['patience']} checks without a new best recall")
    steps = f" after {training['steps']} steps" if training.get("steps") is not None else ""
    return f"{arm} recalls {recall:.2f} < {ceiling:g} of its trained facts{steps} on {place}"


def descriptive_arms(result) -> dict[tuple[str, str], str]:
    """(dataset, arm) -> why its generalization cells are descriptive only, for every arm with a
    training below the recall ceiling on some dataset seed (reasons joined). The arms that answer
    with another arm's model (finetune+rag: the plain finetune model) carry that model's reason
    (see :func:`reason_for`)."""
    out: dict[tuple[str, str], list[str]] = {}
    for where, training in sorted(result.trainings.items()):
        reason = shortfall(where, training, result.config.recall_ceiling)
        if reason is not None:
            dataset = where.split(" seed ")[0]
            out.setdefault((dataset, where.partition(" · ")[2]), []).append(reason)
    return {key: "; ".join(reasons) for key, reasons in out.items()}


def reason_for(reasons: dict[tuple[str, str], str], dataset: str, arm: str, split: str) -> str | None:
    """The descriptive-only reason of `arm`'s cell on `dataset` and `split` (None: it carries
    claims). Recall cells stay claims: they measure the ceiling itself."""
    if split == RECALL_SPLIT:
        return None
    found = reasons.get((dataset, arm))
    if found is None:
        strategy = arm.split(" (")[0]
        model = RAG_MODEL.get(strategy)
        found = reasons.get((dataset, model)) if model else None
        if found is not None:
            found = f"{strategy} answers with the finetune model: {found}"
    return found
