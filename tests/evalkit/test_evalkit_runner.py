"""The eval harness with a deterministic mock model (tests only): strategies, calibration,
resumable score cache, the curves file and its use by recommend."""

import math

import numpy as np
import pytest

from adaptcost.decision.curves import load_curves
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.scoring import credit as scoring
from adaptcost.evalkit.results.curvesfile import dump, fit_saturating, saturating, to_curves_document
from adaptcost.evalkit.scoring.runner import EvalConfig, run_eval, sentences_of


class KnowledgeMock:
    """Knows exactly the sentences it was trained on or shown: a continuation scores higher when
    the prompt's last words plus the continuation appear in that knowledge. Deterministic."""

    def __init__(self, knowledge=(), name="mock", fail_after=None):
        self.knowledge = " ".join(knowledge)
        self.name = name
        self.calls = 0
        self.fail_after = fail_after

    def loglikelihood(self, requests):
        out = []
        for context, continuation in requests:
            self.calls += 1
            if self.fail_after is not None and self.calls > self.fail_after:
                raise KeyboardInterrupt("simulated interruption")
            known = self.knowledge + " " + context.rsplit("\n\n", 1)[0]
            stem = " ".join(context.split()[-2:])  # "trolt are"
            phrase = (stem + continuation).strip().rstrip(".")
            n = max(1, len(continuation.split()))
            out.append((-1.0 * n + (0.9 * n if phrase and phrase in known else 0.0), n))
        return out

    def generate(self, prompts, max_new_tokens=128):
        return ["" for _ in prompts]

    def finetune(self, texts, settings, progress=None):
        if progress:
            progress(1, 1)
        return KnowledgeMock([self.knowledge, *texts], name=f"{self.name}+ft{len(texts)}")

    def context_window(self):
        return 1_000_000

    def count_tokens(self, text):
        return len(text.split())


@pytest.fixture
def ft():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Settings:
        method: str = "lora"
        epochs: int = 1
        seed: int = 0

    return Settings()


def quick(**kw):
    base = dict(profile="quick", datasets=("reversal",), scales=(1.0,), icl_shares=(0.5, 1.0), retrievers=("words",))
    base.update(kw)
    return EvalConfig(**base)


def by(result, strategy, split, form="all", variant=None):
    variant = variant if variant is not None else ("covers" if strategy.startswith("finetune+") else "")
    return next(c for c in result.cells if c.strategy == strategy and c.split == split and c.form == form
                and c.variant == variant and c.aug_share is None and (c.icl_share in (None, 1.0) or strategy != "icl"))


def test_strategies_measure_what_they_know(ft):
    result = run_eval(KnowledgeMock(), quick(), ft)
    # the trained direction is recalled from context or weights
    assert by(result, "icl", "recall").accuracy.mean == 1.0
    assert by(result, "finetune", "recall").accuracy.mean == 1.0
    # base is calibrated like every other arm: the knowledge raised nothing, so it scores chance exactly
    assert by(result, "base", "recall").accuracy.mean == 0.5
    # the oracle states reversals in words no test uses: a model that only matches word for word
    # (this mock) gains nothing from them -- augmented accuracy is no longer true by construction
    assert by(result, "finetune+local", "reversal").accuracy.mean == by(result, "finetune", "reversal").accuracy.mean
    held = by(result, "finetune+local", "reversal", variant="held-out")
    assert held.accuracy.n == by(result, "finetune", "reversal").accuracy.n // 2  # scored on the held-out half
    for cell in result.cells:
        assert 0 <= cell.accuracy.low <= cell.accuracy.mean <= cell.accuracy.high <= 1
        assert cell.chance == pytest.approx(0.5)  # forced choice between reversal and contradiction
        assert cell.accuracy.high > cell.accuracy.low  # Wilson: never a zero-width interval
    # every training file was checked for leaks, and every fine-tuned arm's recall recorded
    assert result.leaks and all(v["exact"] == 0 and v["ngram"] == 0 for v in result.leaks.values())
    assert all(t["recall_at_ceiling"] for t in result.trainings.values())


def test_icl_scored_only_on_items_its_context_holds(ft):
    class Narrow(KnowledgeMock):
        def context_window(self):
            return 256 + 40  # room for a few documents only

    result = run_eval(Narrow(name="narrow"), quick(strategies=("icl",), icl_shares=(1.0,)), ft)
    icl = next(c for c in result.cells if c.strategy == "icl" and c.split == "recall" and c.form == "all")
    assert 0 < icl.accuracy.n < 24 and icl.accuracy.mean == 1.0 and icl.icl_share < 1
    assert any("ICL sees" in note for note in result.notes)


def test_score_cache_resumes_after_an_interruption(ft, tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path))
    config = quick(strategies=("base", "icl"))
    with pytest.raises(KeyboardInterrupt):
        run_eval(KnowledgeMock(fail_after=200), config, ft)
    again = KnowledgeMock()
    first = run_eval(again, config, ft)
    assert first.cache_hits >= 160  # every chunk scored before the interruption was kept
    assert again.calls == first.cache_misses
    third = KnowledgeMock()
    second = run_eval(third, config, ft)
    assert third.calls == 0 and second.cache_misses == 0
    assert [c.accuracy for c in first.cells] == [c.accuracy for c in second.cells]


def test_curves_document_validates_and_feeds_recommend(ft, tmp_path, monkeypatch):
    from adaptcost.evalkit.stats import support

    result = run_eval(KnowledgeMock(), quick(), ft)
    # one dataset seed of 12 facts: no split carries a claim, so nothing is tested
    doc = to_curves_document(result)
    assert doc["paired"] == [] and all(r["descriptive"] for r in doc["splits"])
    assert doc["accuracy"]["icl"]["reversal"]["descriptive"] == (
        "reversal reversal: 12 items per form from 1 dataset seed, 12 clusters (a claim needs >= 40 items per form "
        "from >= 3 seeds and >= 10 clusters)")
    assert doc["verdicts"] and all("descriptive only, not tested" in v for v in doc["verdicts"])
    # the same run under a bar it clears: every comparison is tested
    monkeypatch.setattr(support, "CLAIM_BAR", support.ClaimBar(items=12, seeds=1, clusters=12))
    doc = to_curves_document(result)
    assert not any(r["descriptive"] for r in doc["splits"]) and "descriptive" not in doc["accuracy"]["icl"]["reversal"]
    path = tmp_path / "curves.yaml"
    path.write_text(dump(doc))
    curves = load_curves(path)
    assert curves.kind == "measured"
    assert curves.table["icl"]["recall"].mean == 1.0
    assert "base" not in curves.table  # not a priced strategy
    assert doc["settings"]["augment_source"] == "oracle" and "upper bound" in doc["basis"] and "held-out" in doc["basis"]
    assert doc["settings"]["dataset_fingerprints"]["reversal"]
    # the split table: chance beside the shortcut baselines and the detectable difference
    row = next(r for r in doc["splits"] if r["split"] == "reversal")
    assert row["chance"] == 0.5 and row["n"] == 24 and set(row["baselines"]) >= {"frequency", "cooccurrence", "prior"}
    assert row["minimum_detectable_difference"] == pytest.approx(2.8016 * (0.5 / 24) ** 0.5, abs=1e-3)
    assert "finetune+local (held-out)" in row["arms"] and "finetune+local (covers)" in row["arms"]
    # paired comparisons on the same items, Holm-adjusted; identical behaviour is not significant
    pair = next(p for p in doc["paired"] if p["split"] == "reversal" and p["a"] == "icl" and p["b"] == "finetune")
    assert pair["n"] == 24 and pair["clusters"] == 12 and pair["p"] == 1.0 and not pair["significant"]
    assert pair["reads"].startswith("no significant difference")
    beats = next(p for p in doc["paired"] if p["split"] == "recall" and p["a"] == "icl" and p["b"] == "base")
    assert beats["significant"] and beats["difference"] == 0.5
    assert doc["verdicts"] and all("not shown" in v for v in doc["verdicts"] if "reversal:" in v.split(" — ")[1][:20])
    # every item's credit is stored, null where an arm did not score it
    items = doc["per_item"]["reversal"][0]
    assert len(items["ids"]) == 48 and len(items["arms"]["icl"]) == 48
    assert items["arms"]["finetune+local (held-out)"].count(None) == 12
    # the table's augmented mean is the held-out oracle; its band reaches the covers oracle's
    assert "held-out oracle" in doc["accuracy"]["finetune+local"]["reversal"]["basis"]
    assert doc["checks"]["leaks"] and doc["checks"]["trainings"]


def test_saturating_fit_recovers_parameters():
    xs = np.array([10, 20, 40, 80, 160], float)
    ys = saturating(xs, 0.9, 30.0, 0.5)
    fit = fit_saturating([(x, y, y - 0.02, y + 0.02) for x, y in zip(xs, ys)], chance=0.5)
    assert fit["a"] == pytest.approx(0.9, abs=1e-3) and fit["b"] == pytest.approx(30.0, rel=1e-2)
    assert fit["a_stderr"] is not None and fit["a_stderr"] < 0.05
    assert fit_saturating([(1, 0.5, 0.4, 0.6), (2, 0.6, 0.5, 0.7)], 0.5) is None  # too few points
    assert fit["r2"] > 0.99 and "note" not in fit
    # a falling series (small-model ICL as its context grows) fits badly, and the fit says so
    falling = fit_saturating([(4, 0.8, 0.5, 1.0), (9, 0.5, 0.25, 0.75), (18, 0.3, 0.1, 0.5)], chance=0.25)
    assert falling["r2"] < 0.5
    assert falling["b_stderr"] is None and "not determined" in falling["note"]


def test_calibrated_credit():
    # calibration: option 1 is preferred a priori (baseline), knowledge lifts option 0 more
    with_k = np.array([[-1.0, -0.5]])
    without = np.array([[-3.0, -0.6]])
    assert scoring.credit(with_k, None, [1]).tolist() == [1.0]
    assert scoring.credit(with_k, without, [0]).tolist() == [1.0]
    # credit: the answer alone best = 1, tied with one other = 1/2, beaten = 0; -inf pads ignored
    scores = np.array([[-1.0, -2.0, -np.inf], [-1.0, -1.0, -np.inf], [-1.0, -1.0, -1.0], [-2.0, -1.0, -np.inf]])
    assert scoring.credit(scores, None, [0, 1, 2, 0]).tolist() == [1.0, 0.5, pytest.approx(1 / 3), 0.0]
    assert scoring.credit(with_k, without, [0]).tolist() == [1.0]


def test_unknown_strategy_is_a_clear_error():
    from adaptcost.errors import AdaptcostError

    with pytest.raises(AdaptcostError, match="did you mean finetune"):
        EvalConfig(strategies=("fintune",))


def test_sentence_split_of_documents():
    from types import SimpleNamespace

    docs = [SimpleNamespace(text="Femp are bright. Glon are heavy.\nZint are old.")]
    assert sentences_of(docs) == ["Femp are bright.", "Glon are heavy.", "Zint are old."]
    assert not math.isnan(scoring.chance([SimpleNamespace(options=("a", "b", "c"))]))


def test_shipped_measured_curves_load():
    from pathlib import Path

    import adaptcost
    from adaptcost.decision.curves import PREDATES_CLAIMS

    import yaml

    folder = Path(adaptcost.__file__).parent / "data" / "curves"
    # the quick file: the current protocol (claim bar, arms trained to the recall ceiling), one dataset
    # seed, so no split can carry a claim: every row is descriptive and recommend uses the reference
    path = folder / "smollm2-135m-quick.yaml"
    curves = load_curves(path)
    document = yaml.safe_load(path.read_text())
    assert curves.kind == "measured" and "SmolLM2" in curves.model
    assert set(document["accuracy"]) == {"icl", "rag", "finetune", "finetune+rag", "finetune+local", "finetune+global"}
    rows = [(s, t, c) for s, cells in document["accuracy"].items() for t, c in cells.items()]
    assert rows and all(c.get("descriptive") for _, _, c in rows)
    assert len(curves.fallbacks) == len(rows)
    settings = document["settings"]
    assert settings["profile"] == "quick" and settings["augment_source"] == "oracle" and len(settings["dataset_seeds"]) == 1
    assert settings["finetune"]["precision"] in ("fp32", "bf16")  # resolved, never "auto"
    checks = document["checks"]
    assert checks["claims"] and checks["until_recall"]["applied"]
    for where, training in checks["trainings"].items():  # each arm's steps and recall checks recorded
        until = training["until_recall"]
        assert training["steps"] >= 1 and (not until["applied"] or until["checks"]), where
    assert document["paired"] == [] or all(p["b"] == "base" or p["split"] == "recall" for p in document["paired"])
    assert document["splits"] and document["per_item"]
    assert all(v["exact"] == 0 and v["ngram"] == 0 for v in checks["leaks"].values())
    for where, training in checks["trainings"].items():  # every arm reached the ceiling, the unsplit one too
        assert training["recall_at_ceiling"] and training["until_recall"]["reached"], where
    assert settings["finetune"]["max_grad_norm"] == 1.0  # the protocol's clipping, recorded
    # the default file: the same protocol, 3 dataset seeds pooled; every split carries claims
    path = folder / "smollm2-135m-default.yaml"
    default = load_curves(path)
    document = yaml.safe_load(path.read_text())
    assert document["settings"]["profile"] == "default" and len(document["settings"]["dataset_seeds"]) == 3
    claims = document["checks"]["claims"]["splits"]
    assert len(claims) == 9 and all(split["carries_claim"] for split in claims)
    assert all(v["exact"] == 0 and v["ngram"] == 0 for v in document["checks"]["leaks"].values())
    trainings = document["checks"]["trainings"]
    assert len(trainings) == 48
    # every training reached the ceiling (the unsplit arms asked from their pages' start): no arm's
    # cells are descriptive for their training, and the unsplit and covers arms are in the paired tests
    assert all(t["recall_at_ceiling"] and t["until_recall"]["reached"] for t in trainings.values())
    assert not any("ceiling" in str(arm.get("descriptive", "")) for r in document["splits"] for arm in r["arms"].values())
    for arm in ("finetune (unsplit)", "finetune+local (covers)", "finetune+global (covers)"):
        assert any(p["split"] != "recall" and arm in (p["a"], p["b"]) for p in document["paired"]), arm
    # the accuracy table's rows are all used, none falls back
    assert not default.fallbacks and PREDATES_CLAIMS not in str(document["accuracy"])
    assert default.table["rag"]["rephrasing"].mean == document["accuracy"]["rag"]["rephrasing"]["mean"]
    assert any(p["significant"] for p in document["paired"])
    # both files measured the datasets the code builds now: regenerated, each has the recorded fingerprint
    from adaptcost.evalkit.datasets.paper import generate

    for name, profile in (("smollm2-135m-quick", "quick"), ("smollm2-135m-default", "default")):
        recorded = yaml.safe_load((folder / f"{name}.yaml").read_text())["settings"]["dataset_fingerprints"]
        assert len(recorded) == (3 if profile == "quick" else 9)
        for label, fingerprint in recorded.items():
            dataset, _, seed = label.partition("@")
            assert generate(dataset, int(seed or 0), profile).fingerprint() == fingerprint, (name, label)


def test_accuracy_against_augmentation_amount(ft):
    # half the oracle local augmentations, then all of them; plain fine-tuning is the zero point
    result = run_eval(KnowledgeMock(name="mock-aug"), quick(strategies=("finetune", "finetune+local"), aug_shares=(0.5, 1.0)), ft)
    half = [c for c in result.cells if c.aug_share == 0.5]
    assert half and all(c.strategy == "finetune+local" and c.variant == "covers" for c in half)
    doc = to_curves_document(result)
    curve = next(c for c in doc["curves"] if c["arm"] == "finetune+local (covers)" and c["question_type"] == "reversal"
                 and c["x"] == "augmentations")
    xs = [p[0] for p in curve["points"]]
    assert xs[0] == 0 and len(xs) == 3 and xs == sorted(xs)
    full = by(result, "finetune+local", "reversal")
    assert curve["points"][0][1] == pytest.approx(by(result, "finetune", "reversal").accuracy.mean, abs=1e-4)
    assert curve["points"][-1][1] == pytest.approx(full.accuracy.mean, abs=1e-4)


def test_all_trainings_of_a_run_are_handed_over_at_once(ft):
    # a backend that can train several models at once gets every distinct training job of the
    # run up front, in one call: plain fine-tuning at each scale; augmented fine-tuning at full
    # scale only, once per augmentation share (covers oracle) and once with the held-out oracle
    class Parallel(KnowledgeMock):
        pools = 0

        def finetune_many(self, jobs, progress=None):
            self.pools += 1
            self.jobs = [list(j.texts) for j in jobs]
            return len(jobs)

    backend = Parallel(name="mock-parallel")
    config = quick(scales=(0.5, 1.0), aug_shares=(0.5, 1.0))
    result = run_eval(backend, config, ft)
    sizes = sorted(len(j) for j in backend.jobs)
    assert len(backend.jobs) == 8  # finetune x 2 scales + (local, global) x (half, all, held-out)
    assert backend.pools == 1
    two = Parallel(name="mock-parallel-seeds")
    run_eval(two, quick(strategies=("finetune",), seeds=(0, 1), datasets=("reversal", "syllogism")), ft)
    assert two.pools == 1 and len(two.jobs) == 4  # 2 datasets x 2 seeds, in one pool
    full = [c for c in result.cells if c.strategy.startswith("finetune+")]
    assert full and all(c.scale == 1.0 for c in full)
    plain = {c.scale for c in result.cells if c.strategy == "finetune"}
    assert plain == {0.5, 1.0}
    assert sizes[0] < sizes[1]  # half the documents train on fewer sentences
    # only what is measured is trained: augmented strategies alone need no plain fine-tuning
    backend = Parallel(name="mock-parallel-aug")
    result = run_eval(backend, quick(scales=(0.5, 1.0), strategies=("finetune+local",)), ft)
    assert len(backend.jobs) == 2 and {c.strategy for c in result.cells} == {"finetune+local"}
    assert all(c.augmentations > 0 for c in result.cells)


def test_dataset_seeds_pool_into_one_cell(ft):
    result = run_eval(KnowledgeMock(name="mock-seeds"), quick(strategies=("base", "finetune"), seeds=(0, 1)), ft)
    cell = by(result, "finetune", "recall")
    assert cell.accuracy.n == 48 and cell.estimate.clusters == 24  # two seeds x 12 facts, two forms each
    assert set(result.fingerprints) == {"reversal@0", "reversal@1"}


def test_one_step_budget_for_every_arm(ft):
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    result = run_eval(KnowledgeMock(name="mock-budget"), quick(budget_epochs=4), FinetuneSettings())
    steps = {t["steps"] for t in result.trainings.values()}
    examples = {t["examples"] for t in result.trainings.values()}
    plain = result.trainings["reversal seed 0 · finetune"]["examples"]
    assert steps == {-(-4 * plain // 8)} and len(examples) > 1  # same steps, different training sets


def test_semantic_plain_finetuning_also_unsplit(ft):
    result = run_eval(KnowledgeMock(name="mock-unsplit"), quick(datasets=("semantic",), strategies=("finetune",)), ft)
    docs = result.trainings["semantic seed 0 · finetune (unsplit)"]["examples"]
    assert docs == 16  # one training example per document (quick: 16 pages), as the paper trained plain semantic fine-tuning
    assert result.trainings["semantic seed 0 · finetune"]["examples"] > docs
    assert {c.variant for c in result.cells if c.strategy == "finetune"} == {"", "unsplit"}
    # with a step budget, the unsplit arm trains its documents for the budget's epochs
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    budget = run_eval(KnowledgeMock(name="mock-unsplit-budget"),
                      quick(datasets=("semantic",), strategies=("finetune",), budget_epochs=2), FinetuneSettings())
    plain = budget.trainings["semantic seed 0 · finetune"]
    whole = budget.trainings["semantic seed 0 · finetune (unsplit)"]
    assert plain["steps"] == -(-2 * plain["examples"] // 8) and whole["steps"] == -(-2 * whole["examples"] // 8)
    assert "semantic seed 0 · documents and oracle (build)" in result.leaks


class CeilingMock(KnowledgeMock):
    """Trains under a recall criterion like the local backend: measures recall at every due step
    with the weights so far and stops at the first check reaching the ceiling, or at the cap. It
    knows nothing of its texts before step `learns_after(texts)`, everything from then on."""

    def __init__(self, learns_after, **kw):
        super().__init__(**kw)
        self.learns_after = learns_after
        self.trained, self.trained_texts = [], []

    def _at(self, texts, step):
        learned = step >= self.learns_after(texts)
        return KnowledgeMock([self.knowledge, *texts] if learned else [self.knowledge],
                             name=f"{self.name}+ft{len(texts)}" + ("" if learned else "-unlearned"))

    def finetune(self, texts, settings, progress=None, until=None):
        self.trained.append((len(texts), settings, until))
        self.trained_texts.append((list(texts), settings, until))
        if until is None:
            return self._at(texts, settings.total_steps(len(texts)))
        checks = []
        for step in range(1, until.cap + 1):
            if until.due(step):
                checks.append((step, until.measure(self._at(texts, step))))
                if until.stops(checks):
                    break
        tuned = self._at(texts, step)
        tuned.recall_checks, tuned.trained_steps, tuned.reached_ceiling = checks, step, checks[-1][1] >= until.ceiling
        return tuned


def test_each_arm_trains_until_its_recall_reaches_the_ceiling():
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    backend = CeilingMock(lambda texts: len(texts) // 2, name="mock-ceiling")
    handed = []
    backend.finetune_many = lambda jobs, progress=None: handed.extend(jobs) or 0  # trains nothing ahead here
    result = run_eval(backend, quick(until_recall=True, cap_epochs=20), FinetuneSettings())
    # every training is handed to the pool with its criterion, and the cap as its step budget
    assert len(handed) == len(result.trainings) and all(j.until is not None and j.settings.steps == 60 for j in handed)
    assert {tuple(j.texts) for j in handed} == {tuple(t) for t, s, u in backend.trained_texts}
    # quick reversal: 17 training sentences, batch 8 -> one epoch of the plain set = 3 steps: a
    # check every 3 steps, the cap 20 epochs = 60 steps. Plain fine-tuning (17 texts) learns at
    # step 8, so at the check of step 9: checks at 3 and 6 score chance (0.5: an unknown fact ties both options), 9 scores 1.
    plain = result.trainings["reversal seed 0 · finetune"]
    assert plain["steps"] == 9 and plain["recall_trained_form"] == 1.0 and plain["recall_at_ceiling"] is True
    assert plain["until_recall"] == {"applied": True, "ceiling": 0.9, "check_every": 3, "cap": 60,
                                     "checks": [[3, 0.5], [6, 0.5], [9, 1.0]], "reached": True}
    # augmented arms have more texts (here: learnt later): each gets the steps it needs, recorded
    for where, training in result.trainings.items():
        examples = training["examples"]
        assert training["steps"] == 3 * -(-(examples // 2) // 3), where  # the first check at or after examples // 2
        assert training["until_recall"]["reached"] and training["recall_at_ceiling"]
    assert len({t["steps"] for t in result.trainings.values()}) > 1
    # the settings the backend got: the cap as the step budget, the criterion on every job
    assert all(s.steps == 60 and u is not None and u.every == 3 for _, s, u in backend.trained)
    doc = to_curves_document(result)
    # one dataset seed: every row is below the claim bar, but none is descriptive for its training
    reasons = [row.get("descriptive", "") for cells in doc["accuracy"].values() for row in cells.values()]
    assert reasons and not any("ceiling" in r or "cap" in r or "recalls" in r for r in reasons)


@pytest.fixture
def low_bar(monkeypatch):
    """A claim bar one quick seed clears, so that a row's descriptive reason is its training's alone."""
    from adaptcost.evalkit.stats import support

    monkeypatch.setattr(support, "CLAIM_BAR", support.ClaimBar(items=1, seeds=1, clusters=1))


def test_an_arm_stopped_at_the_cap_below_the_ceiling_is_descriptive_only(tmp_path, low_bar):
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    # plain fine-tuning (the 17 sentences of quick reversal) never learns (step 10**6 > the 30-step
    # cap: 10 epochs of 3 steps); augmented arms learn at once
    backend = CeilingMock(lambda texts: 10**6 if len(texts) == 17 else 0, name="mock-ceiling-cap")
    result = run_eval(backend, quick(until_recall=True, cap_epochs=10), FinetuneSettings())
    plain = result.trainings["reversal seed 0 · finetune"]
    assert plain["steps"] == 30 and plain["recall_trained_form"] == 0.5 and not plain["recall_at_ceiling"]
    assert [s for s, _ in plain["until_recall"]["checks"]] == list(range(3, 31, 3)) and not plain["until_recall"]["reached"]
    doc = to_curves_document(result)
    reason = "finetune stopped at the 30-step cap at recall 0.50 < 0.9 on reversal seed 0"
    # generalization rows of finetune, and of finetune+rag (its model), carry the reason; recall rows do not
    assert doc["accuracy"]["finetune"]["reversal"]["descriptive"] == reason
    assert doc["accuracy"]["finetune+rag"]["reversal"]["descriptive"] == f"finetune+rag answers with the finetune model: {reason}"
    assert "descriptive" not in doc["accuracy"]["finetune"]["recall"]
    assert "descriptive" not in doc["accuracy"]["finetune+local"]["reversal"]
    split = next(r for r in doc["splits"] if r["split"] == "reversal")
    assert split["arms"]["finetune"]["descriptive"] == reason and not split["arms"]["icl"].get("descriptive")
    # kept out of the paired tests on generalization splits, kept on recall
    pairs = {(p["split"], p["a"], p["b"]) for p in doc["paired"]}
    assert not any("finetune" in (a, b) or a.startswith("finetune+rag") for split_, a, b in pairs if split_ == "reversal")
    assert ("recall", "icl", "finetune") in pairs and ("reversal", "finetune+local (covers)", "icl") in pairs
    # recommend --curves does not use the descriptive rows: the reference's figures stand in, said so
    path = tmp_path / "curves.yaml"
    path.write_text(dump(doc))
    curves = load_curves(path)
    reference = load_curves(None)
    assert curves.table["finetune"]["reversal"] == reference.table["finetune"]["reversal"]
    assert curves.table["finetune"]["recall"].mean == doc["accuracy"]["finetune"]["recall"]["mean"]
    assert any(line.startswith("finetune · reversal: ") and reason in line for line in curves.fallbacks)


def test_an_arm_whose_recall_stops_rising_stops_before_the_cap(low_bar):
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    # plain fine-tuning never learns: its checks at 3, 6, 9, 12 all score 0.5, so after the first
    # (the best) three checks bring no new best -> with patience 3 it stops at step 12 of its 30
    backend = CeilingMock(lambda texts: 10**6 if len(texts) == 17 else 0, name="mock-ceiling-plateau")
    result = run_eval(backend, quick(until_recall=True, cap_epochs=10, patience=3), FinetuneSettings())
    plain = result.trainings["reversal seed 0 · finetune"]
    assert plain["steps"] == 12 and [s for s, _ in plain["until_recall"]["checks"]] == [3, 6, 9, 12]
    assert plain["until_recall"]["patience"] == 3 and plain["until_recall"]["plateaued"] is True
    assert all(u.patience == 3 for _, _, u in backend.trained)
    reason = "finetune stopped after 12 steps at recall 0.50 < 0.9 on reversal seed 0: 3 checks without a new best recall"
    assert to_curves_document(result)["accuracy"]["finetune"]["reversal"]["descriptive"] == reason
    # arms that reach the ceiling are not plateaued
    assert result.trainings["reversal seed 0 · finetune+local (covers)"]["until_recall"]["plateaued"] is False


def test_the_plateau_rule():
    from adaptcost.evalkit.backends.protocol import UntilRecall

    until = UntilRecall(0.9, 1, 100, "items", lambda scorer: 0.0, patience=2)
    assert not until.stops([]) and not until.stops([(1, 0.5), (2, 0.5)])
    assert until.stops([(1, 0.5), (2, 0.5), (3, 0.4)])  # a tie is no new best: 2 checks since the best
    assert not until.stops([(1, 0.5), (2, 0.5), (3, 0.6)]) and until.stops([(1, 0.5), (2, 0.95)])
    assert not UntilRecall(0.9, 1, 100, "items", lambda scorer: 0.0).stops([(k, 0.5) for k in range(50)])
    assert "patience" not in UntilRecall(0.9, 1, 100, "items", lambda scorer: 0.0).key()  # earlier cache keys hold
    with pytest.raises(AdaptcostError, match="patience must be at least 1"):
        UntilRecall(0.9, 1, 100, "items", lambda scorer: 0.0, patience=0)


def test_no_recall_items_means_the_ceiling_cannot_be_checked(monkeypatch):
    import dataclasses

    from adaptcost.evalkit.backends.registry import FinetuneSettings
    from adaptcost.evalkit.datasets import paper

    built = paper.generate

    def without_recall(name, seed, profile="default"):
        dataset = built(name, seed, profile)
        return dataclasses.replace(dataset, items=tuple(i for i in dataset.items if i.split != "recall"))

    monkeypatch.setattr(paper, "generate", without_recall)
    backend = CeilingMock(lambda texts: 0, name="mock-ceiling-syllogism")
    # a syllogism set without its recall items: the fixed budget, and no claim
    result = run_eval(backend, quick(datasets=("syllogism",), strategies=("base", "finetune"), until_recall=True,
                                     budget_epochs=2), FinetuneSettings())
    training = result.trainings["syllogism seed 0 · finetune"]
    assert training["until_recall"] == {"applied": False, "why": "cannot be checked: no recall items of the trained form "
                                                                 "among the items this arm is scored on"}
    assert training["steps"] == 5 and training["recall_trained_form"] is None  # 2 epochs of 18 sentences, batch 8
    doc = to_curves_document(result)
    assert "cannot be checked on syllogism seed 0" in doc["accuracy"]["finetune"]["syllogism"]["descriptive"]


def test_a_backend_without_the_criterion_keeps_the_fixed_budget(ft):
    result = run_eval(KnowledgeMock(name="mock-no-criterion"), quick(strategies=("finetune",), until_recall=True), ft)
    why = result.trainings["reversal seed 0 · finetune"]["until_recall"]["why"]
    assert why == "not enforced: mock-no-criterion cannot check recall while training"


def test_until_recall_is_the_default_and_a_fixed_budget_turns_it_off(tmp_path):
    from adaptcost.errors import AdaptcostError
    from adaptcost.evalkit.api import PROFILE_CAP_EPOCHS, EvalRequest, config_of

    out = tmp_path / "c.yaml"
    default = config_of(EvalRequest(output=out, retrievers="words"))
    assert default.until_recall and default.recall_ceiling == 0.9 and default.cap_epochs == PROFILE_CAP_EPOCHS["default"]
    assert config_of(EvalRequest(output=out, retrievers="words", until_recall=0.8)).recall_ceiling == 0.8
    off = config_of(EvalRequest(output=out, retrievers="words", until_recall=0))
    assert not off.until_recall and off.recall_ceiling == 0.9 and off.budget_epochs is not None
    assert not config_of(EvalRequest(output=out, retrievers="words", steps=40)).until_recall  # a fixed budget asked for
    with pytest.raises(AdaptcostError, match="give one"):
        config_of(EvalRequest(output=out, retrievers="words", steps=40, until_recall=0.9))
    with pytest.raises(AdaptcostError, match=r"--until-recall must lie in \[0, 1\], got 1.5"):
        config_of(EvalRequest(output=out, retrievers="words", until_recall=1.5))


def test_a_fixed_budget_below_the_ceiling_is_descriptive_too(low_bar):
    from adaptcost.evalkit.backends.registry import FinetuneSettings

    # --until-recall 0: 2 epochs of 17 sentences at batch 8 = 5 steps; the arm never learns
    backend = CeilingMock(lambda texts: 10**6, name="mock-ceiling-fixed")
    result = run_eval(backend, quick(strategies=("base", "finetune"), budget_epochs=2), FinetuneSettings())
    training = result.trainings["reversal seed 0 · finetune"]
    assert training["until_recall"] == {"applied": False, "why": "off (a fixed step budget)"} and training["steps"] == 5
    doc = to_curves_document(result)
    assert doc["accuracy"]["finetune"]["reversal"]["descriptive"] == (
        "finetune recalls 0.50 < 0.9 of its trained facts after 5 steps on reversal seed 0")
    assert doc["checks"]["until_recall"] == {"applied": False}


def test_the_ceiling_reads_the_models_own_pick_not_the_calibrated_credit():
    """Measured on the quick semantic set after plain fine-tuning (mean log-probability per token):
    "kliev are a kind of" -> the trained answer scores -0.0, the distractors -8.3, -7.1, -7.4; the
    untuned model gave -24.6, -38.3, -24.0, -31.8. The model reproduces the training sentence, so
    its own pick is right (recall 1); the calibrated credit picks the option the training raised
    most, distractor 1 (-8.3 + 38.3 = 30.0 > -0.0 + 24.6 = 24.6), and scores 0."""
    from types import SimpleNamespace

    from adaptcost.evalkit.scoring.ceiling import own_recall, recall_of

    tuned = np.array([[-0.0, -8.3, -7.1, -7.4]])
    untuned = np.array([[-24.6, -38.3, -24.0, -31.8]])
    item = SimpleNamespace(prompt="kliev are a kind of", options=(" fruk.", " lauv.", " dimp.", " nauz."), answer=0)
    assert scoring.credit(tuned, untuned, [0]).tolist() == [0.0]
    assert own_recall(tuned, [item]) == 1.0
    # a tie between the answer and one distractor shares the credit; no items: not measured
    assert own_recall(np.array([[-1.0, -1.0, -3.0, -4.0]]), [item]) == 0.5
    assert math.isnan(own_recall(np.zeros((0, 4)), []))
    # a backend being trained is scored the same way, request by request (sum of log-probs, tokens)
    per_token = {" fruk.": (-0.0, 2), " lauv.": (-16.6, 2), " dimp.": (-14.2, 2), " nauz.": (-14.8, 2)}
    backend = SimpleNamespace(loglikelihood=lambda requests: [per_token[option] for _, option in requests])
    assert recall_of(backend, [item]) == 1.0


def test_an_arm_trained_on_pages_is_asked_from_its_pages_start():
    # the unsplit arm trained on whole pages: its recall item "goul are" + " nans." is asked after
    # the page text before that sentence, as it trained on it; a sentence-split arm is asked the
    # item unchanged (the sentence is its training text's start); an item no text states stays
    from types import SimpleNamespace

    from adaptcost.evalkit.backends.protocol import FinetuneSettings
    from adaptcost.evalkit.datasets.paper import Item, generate
    from adaptcost.evalkit.scoring.ceiling import as_trained, criterion, recall_items
    from adaptcost.evalkit.scoring.runner import sentences_of

    one = Item("r1", "recall", "trained", "goul are", (" okaf.", " nans."), 1, "recall", ("f1",))
    page = "Goul\nLittle else is recorded about goul. goul are nans. One trait of goul is that they are kuno."
    (asked,) = as_trained([one], [page])
    assert asked.prompt == "Goul\nLittle else is recorded about goul. goul are" and asked.options == one.options
    assert as_trained([one], ["goul are nans.", page]) == [one]  # a text that starts with it: unchanged
    assert as_trained([one], [page, "goul are nans."]) == [one]  # preferred to one that holds it further in
    assert as_trained([one], ["nothing here."]) == [one]
    # the default semantic set: every recall item gets its page's lead for the unsplit arm, none for
    # the sentence arm, and the criterion checks the unsplit arm on the page form (another cache key)
    data = generate("semantic", 0, "default")
    checked, pages, sentences = recall_items(data.items), [d.text for d in data.docs], sentences_of(data.docs)
    assert all(a.prompt != c.prompt and a.prompt.endswith(c.prompt) for a, c in zip(as_trained(checked, pages), checked))
    assert as_trained(checked, sentences) == checked
    config = SimpleNamespace(until_recall=True, recall_ceiling=0.9, check_epochs=1.0, cap_epochs=30, patience=0)
    backend = SimpleNamespace(finetune=lambda texts, settings, progress=None, until=None: None)
    whole, _ = criterion(backend, config, FinetuneSettings(), pages, len(sentences), list(data.items))
    split, _ = criterion(backend, config, FinetuneSettings(), sentences, len(sentences), list(data.items))
    assert whole.items != split.items
