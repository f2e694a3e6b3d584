"""The fine-tuned arms of `adaptcost probe run`: what each trains on, and its training to the
recall ceiling (the scoring is probes.arms's, as for every arm).

Training texts come from the buyer's corpus only, never from a probe's question, options or
distractors (`training_sets`):

    finetune            the documents split into sentences (corpus.sentences, the one rule;
                        scoring.runner.sentences_of, as `adaptcost eval` trains)
    finetune+local      those sentences plus, per fact read off the corpus (probes.facts: subject,
                        relation, value; a bare quantity has neither and gets none), a
                        rephrasing and a reversal written from a template (`local_statements`)
    finetune+global     those sentences plus the inferences derived across documents from the
                        fact graph the multi-hop and category probes come from
                        (questions.hop_pairs, questions.class_pairs; `inference`), in two
                        variants: "covers" (every derivable inference) and "held-out" (the
                        headline: every inference whose proposition a probe asks withheld)
    finetune+rag        the finetune arm's model with the rag arm's contexts

Each model trains until its accuracy on the recall probes it is checked on (the probes file's
recall-type probes among the measured ones, at most MAX_CHECKED, evenly spaced: fixed whatever
--limit) reaches the ceiling, checked every epoch of the plain (sentence) set up to a cap of
`cap_epochs` of them (scoring.ceiling.check_steps, backends.protocol.UntilRecall, as `adaptcost
eval` does); a model that stops below it makes its arms descriptive only (scoring.ceiling.shortfall,
reason_for), their figures kept. Tuned weights are cached by the backend, keyed by the texts, the
settings and the criterion: a rerun or a killed run trains nothing it had trained.

A backend that cannot train here (an API: `estimate_finetune_usd`) gets a dry run: the arms are not
run, and the file says the training tokens and the estimated cost with the price's file and date,
unless `api_finetune` (then the provider's jobs run, refused before any call when their estimate is
over `max_usd`; the ceiling cannot be checked while the provider trains, so it is read after).
"""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from adaptcost.errors import AdaptcostError
from ..backends.protocol import FinetuneSettings, UntilRecall
from ..scoring.ceiling import check_steps, items_key, reason_for, recall_of, shortfall
from ..scoring.runner import _criterion_record, sentences_of
from .facts import Fact, bare, read_facts
from .questions import Index, _relation_words, class_cluster, class_pairs, hop_cluster, hop_pairs

TUNED_ARMS = ("finetune", "finetune+rag", "finetune+local", "finetune+global")
GLOBAL_VARIANTS = ("held-out", "covers")  # the first is the headline
HEADLINE_GLOBAL = "finetune+global (held-out)"
MAX_CHECKED = 64  # recall probes the ceiling is checked on, evenly spaced through the file
# As `adaptcost eval` (evalkit.api: DEFAULT_UNTIL_RECALL, PROFILE_CAP_EPOCHS of its default profile,
# check every epoch of the plain set): measured there, the augmented covers sets need 15-21 plain epochs.
DEFAULT_UNTIL_RECALL = 0.9
DEFAULT_CAP_EPOCHS = 30
PLACE = "probes"  # the place of a training in a shortfall reason ("probes · finetune")
INFERRED = ("multi-hop", "category")  # probe types that ask an inference across documents

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TuningRequest:
    until_recall: float = DEFAULT_UNTIL_RECALL  # 0: a fixed budget of cap_epochs epochs of the plain set
    cap_epochs: int = DEFAULT_CAP_EPOCHS
    check_epochs: float = 1.0
    api_finetune: bool = False  # an API backend: really run (and pay for) the provider's jobs
    settings: FinetuneSettings = field(default_factory=FinetuneSettings)

    def __post_init__(self) -> None:
        if not 0 <= self.until_recall <= 1:
            raise AdaptcostError(f"--until-recall must lie in [0, 1] (0: a fixed budget), got {self.until_recall}")
        if self.cap_epochs < 1:
            raise AdaptcostError(f"--cap-epochs must be at least 1, got {self.cap_epochs}")

    @property
    def recall_ceiling(self) -> float:  # what scoring.ceiling reads
        return self.until_recall or DEFAULT_UNTIL_RECALL


# ---------------------------------------------------------------- training texts


@dataclass
class TrainingSets:
    """Each tuned model's training texts, by kind (all from the corpus)."""

    sentences: list[str]
    local: list[str]
    inferences: dict[str, list[str]]  # variant -> the derived inferences it trains on
    withheld: int  # inferences the held-out variant leaves out (a probe asks their proposition)

    def texts(self, model: str) -> list[str]:
        if model == "finetune":
            return self.sentences
        if model == "finetune+local":
            return self.sentences + self.local
        return self.sentences + self.inferences[_variant(model)]

    def counts(self, model: str) -> dict:
        out = {"sentences": len(self.sentences)}
        if model == "finetune+local":
            out["local augmentations"] = len(self.local)
        elif model.startswith("finetune+global"):
            out["global inferences"] = len(self.inferences[_variant(model)])
            if _variant(model) == "held-out":
                out["withheld (a probe asks them)"] = self.withheld
        return out


def _variant(model: str) -> str:
    return model.partition(" (")[2].rstrip(")")


def models_for(arms: Sequence[str]) -> list[str]:
    """The tuned models the named arms need (finetune+rag answers with the finetune model)."""
    out = []
    for arm in arms:
        if arm in ("finetune", "finetune+rag"):
            out.append("finetune")
        elif arm == "finetune+local":
            out.append(arm)
        elif arm == "finetune+global":
            out += [f"finetune+global ({v})" for v in GLOBAL_VARIANTS]
    return list(dict.fromkeys(out))


def corpus_facts(documents) -> list[Fact]:
    """Every fact of the corpus (probes.facts, as `probe build` reads them; the chunks play no part
    in a fact or its id)."""
    return [f for d in documents for f in read_facts(d.path, d.text, ())]


def local_statements(fact: Fact) -> list[str]:
    """A rephrasing and a reversal of one fact, from a template: nothing model-written. A bare
    quantity (no named subject and relation) gets none; its sentence is in the plain set."""
    if fact.kind == "quantity":
        return []
    subject, value = fact.subject, fact.value
    if fact.relation in ("is", "are"):
        pair = [f"As the documents put it, {subject} {fact.relation} {value}.",
                f"{value}: that is how the documents describe {subject}."]
    elif fact.kind == "relation":
        pair = [f"In the documents, {subject} {fact.relation} {value}.", f"{value} is what {subject} {fact.relation}."]
    else:
        relation = _relation_words(fact.relation)
        pair = [f"For {subject}, the {relation} is {value}.", f"{value} is the {relation} of {subject}."]
    return [text[:1].upper() + text[1:] for text in pair]


@dataclass(frozen=True)
class Inference:
    """A proposition derived across documents: `subject` has `value` (through another fact)."""

    cluster: str  # the probe `fact` id of the same pair (questions.hop_cluster, class_cluster)
    subject: str
    value: str
    text: str

    @property
    def proposition(self) -> tuple[str, str]:
        return bare(self.subject), bare(self.value)


def inferences(facts: list[Fact]) -> list[Inference]:
    """Every inference of the fact graph: each join of two documents' facts (multi-hop's) and each
    class property stated of a member (category's), in the graph's order, each once."""
    index = Index(facts)
    out: dict[str, Inference] = {}
    for first, second in hop_pairs(index):
        lead = (f"What {first.subject} {first.relation} ({first.value})" if first.kind == "relation"
                else f"The {_relation_words(first.relation)} of {first.subject} ({first.value})")
        out.setdefault(hop_cluster(first, second), Inference(
            hop_cluster(first, second), first.subject, second.value, _holds(lead, second)))
    for (_, _, prop), members in class_pairs(index):
        for member in members:
            lead = f"{member.subject}, whose {_relation_words(member.relation)} is {member.value},"
            out.setdefault(class_cluster(member, prop), Inference(
                class_cluster(member, prop), member.subject, prop.value, _holds(lead, prop)))
    return list(out.values())


def _holds(lead: str, fact: Fact) -> str:
    if fact.relation in ("is", "are"):
        return f"{lead} is {fact.value}."
    if fact.kind == "relation":
        return f"{lead} {fact.relation} {fact.value}."
    return f"{lead} has {_relation_words(fact.relation)} {fact.value}."


def training_sets(documents, probes: Sequence[dict]) -> TrainingSets:
    """The texts of every tuned arm (module docstring): from `documents` only; `probes` only say
    which inferences the held-out variant withholds (those whose proposition a multi-hop or
    category probe asks: its pair's inference, and any other stating the same subject and value)."""
    facts = corpus_facts(documents)
    local = [text for f in facts for text in local_statements(f)]
    derived = inferences(facts)
    asked_ids = {p["fact"] for p in probes if p["type"] in INFERRED}
    asked = {i.proposition for i in derived if i.cluster in asked_ids}
    kept = [i for i in derived if i.proposition not in asked]
    return TrainingSets(sentences_of(documents), local,
                        {"covers": [i.text for i in derived], "held-out": [i.text for i in kept]},
                        len(derived) - len(kept))


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class _Checked:
    """A recall probe as items_key and option_scores read it."""

    id: str
    prompt: str
    options: tuple[str, ...]
    answer: int


@dataclass
class Trained:
    """The tuned models (None where not run), each training's record, and the arms not run."""

    models: dict[str, object]
    trainings: dict[str, dict]
    not_run: dict[str, dict]
    settings: dict

    def reason(self, arm: str) -> str | None:
        """Why `arm` (finetune+rag: its finetune model) is descriptive only; None: it carries claims."""
        reasons = {(PLACE, model): t["descriptive"] for model, t in self.trainings.items() if t.get("descriptive")}
        return reason_for(reasons, PLACE, arm, "all")


def checked_probes(measured: Sequence[dict]) -> list[dict]:
    """The recall probes the ceiling is checked on: the recall-type probes among the measured ones,
    at most MAX_CHECKED, evenly spaced through the file (as probes.arms.spaced)."""
    recall = [p for p in measured if p["type"] == "recall"]
    if len(recall) <= MAX_CHECKED:
        return recall
    return [recall[i * len(recall) // MAX_CHECKED] for i in range(MAX_CHECKED)]


def can_check_recall(backend) -> bool:
    """Whether the backend's finetune takes a stopping criterion (checks recall while training)."""
    return "until" in inspect.signature(backend.finetune).parameters


def train_models(backend, sets: TrainingSets, models: Sequence[str], checked: Sequence[dict], item_of,
                 tuning: TuningRequest, max_usd: float | None = None, progress: Progress | None = None) -> Trained:
    """Train every model of `models` on its texts (module docstring). `checked`: the recall probes
    the ceiling is checked on; `item_of`: a probe as scoring reads it (probes.arms.item_of)."""
    progress = progress or (lambda stage, done, total: None)
    settings = getattr(backend, "resolve_settings", lambda s: s)(replace(tuning.settings))
    trained = Trained({}, {}, {}, asdict(settings))
    if not can_check_recall(backend) and hasattr(backend, "estimate_finetune_usd"):
        quotes = {m: _quote(backend, sets.texts(m), settings) for m in models}
        unpriced = {m: q for m, q in quotes.items() if isinstance(q, str)}
        for m, quote in quotes.items():
            if m in unpriced or not tuning.api_finetune:  # a model that cannot be priced is not run, never a failure
                why = quote if m in unpriced else "dry run: pass --api-finetune to run (and pay for) the provider's fine-tuning job"
                trained.not_run[m] = {"run": False, "why": why, "texts": sets.counts(m),
                                      **({} if m in unpriced else quote)}
        if not tuning.api_finetune or unpriced:
            return trained
        total = sum(q["estimated_usd"] for q in quotes.values())
        if max_usd is not None and total > max_usd:
            raise AdaptcostError(f"the fine-tuned arms would cost about ${total:,.2f} in {backend.name} fine-tuning "
                                 f"jobs, over the --max-usd of ${max_usd:,.2f}; name fewer fine-tuned arms or raise it")
    items = [_Checked(p["id"], *_as_item(item_of(p))) for p in checked]
    plain = len(sets.sentences)
    for model in models:
        texts = sets.texts(model)
        label = f"training {model}"
        until, why = _criterion(backend, tuning, settings, texts, plain, items)
        report = lambda done, total: progress(label, done, total)  # noqa: E731
        if until is not None:
            tuned = backend.finetune(texts, replace(settings, steps=until.cap), progress=report, until=until)
        elif can_check_recall(backend):  # a fixed budget (--until-recall 0): cap_epochs epochs of the plain set
            budget = check_steps(tuning, settings, texts, plain)[1]
            tuned = backend.finetune(texts, replace(settings, steps=budget), progress=report)
        elif tuning.api_finetune and "dry_run" in inspect.signature(backend.finetune).parameters:
            tuned = backend.finetune(texts, settings, progress=report, dry_run=False)  # billed: asked for
        else:
            tuned = backend.finetune(texts, settings, progress=report)
        trained.models[model] = tuned
        trained.trainings[model] = _record(model, tuned, until, why, sets.counts(model), texts, items, checked, tuning)
    return trained


def _quote(backend, texts: Sequence[str], settings) -> dict | str:
    """The provider's fine-tuning quote (OpenAIBackend.finetune_quote), or why there is none."""
    try:
        return backend.finetune_quote(texts, settings)
    except AdaptcostError as err:
        return f"cannot be priced: {err}"


def _as_item(item) -> tuple[str, tuple[str, ...], int]:
    return item.prompt, tuple(item.options), item.answer


def _criterion(backend, tuning: TuningRequest, settings, texts, plain: int, items: list[_Checked]):
    """The UntilRecall of one training (None: not applied) and why not."""
    if not tuning.until_recall:
        return None, f"off (a fixed budget of {tuning.cap_epochs} epochs of the plain set)"
    if not can_check_recall(backend):
        return None, f"not enforced: {backend.name} cannot check recall while training (read after it)"
    if not items:
        return None, "cannot be checked: the probes file has no measured recall probe"
    every, cap = check_steps(tuning, settings, texts, plain)
    return UntilRecall(tuning.until_recall, every, cap, items_key(items, "own pick"), lambda scorer: recall_of(scorer, items)), ""


def _record(model: str, tuned, until, why: str, counts: dict, texts: Sequence[str], items, checked, tuning: TuningRequest) -> dict:
    """What the curves file's probes.trainings says about one training."""
    checks = getattr(tuned, "recall_checks", None) or []
    recall = float(checks[-1][1]) if until is not None and checks else (recall_of(tuned, items) if items else None)
    record = {
        "texts": counts, "examples": len(texts),
        "steps": getattr(tuned, "trained_steps", None), "from_cache": getattr(tuned, "finetune_from_cache", None),
        "recall_checked_on": {"probes": len(checked), "rule": f"the recall probes among the measured ones (at most "
                              f"{MAX_CHECKED}, evenly spaced through the file)"},
        "recall_trained_form": None if recall is None or np.isnan(recall) else round(recall, 4),
        "until_recall": _criterion_record(tuned, until, why),
    }
    record["recall_at_ceiling"] = None if record["recall_trained_form"] is None else (
        record["recall_trained_form"] >= tuning.recall_ceiling)
    record["descriptive"] = shortfall(f"{PLACE} · {model}", record, tuning.recall_ceiling) \
        if record["recall_trained_form"] is not None else (
        f"the recall ceiling {tuning.recall_ceiling:g} cannot be checked: no measured recall probe")
    return record

