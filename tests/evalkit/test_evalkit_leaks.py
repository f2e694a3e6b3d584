"""The answer-leak check (adaptcost.evalkit.datasets.leaks): it fails on a planted leak, on every dataset
build and every training file, and passes the oracle's disjoint wordings."""

import dataclasses

import pytest

from adaptcost.evalkit.datasets import paper as datasets
from adaptcost.evalkit.datasets.paper import Doc, check_leaks, generate
from adaptcost.evalkit.datasets.leaks import LeakError, answer_sentence, find_leaks
from adaptcost.evalkit.scoring.runner import EvalConfig, run_eval
from test_evalkit_runner import KnowledgeMock


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_builds_are_clean(name):
    for seed in (0, 1):
        report = check_leaks(generate(name, seed, "quick"))
        assert report.items > 0 and report.leaks == 0 and report.max_share < 0.5


def _reversal_item(dataset):
    return next(i for i in dataset.items if i.split == "reversal" and i.form == "question")


def test_planted_leak_fails_the_build():
    dataset = generate("reversal", 0, "quick")
    item = _reversal_item(dataset)
    answer = answer_sentence(item)  # e.g. "glon are less dangerous than femp"
    planted = dataclasses.replace(dataset, docs=dataset.docs + (Doc("leak", f"Fun fact: {answer}.", ()),))
    with pytest.raises(LeakError, match="2 test answers appear word for word"):
        check_leaks(planted)
    # the old oracle (the reversal in the test's own words) is caught in the augmentations too
    old = dict(dataset.oracle_local)
    old[dataset.docs[0].id] = (item.prompt.splitlines()[-1].replace("Answer: ", "") + item.options[item.answer],)
    with pytest.raises(LeakError):
        check_leaks(dataclasses.replace(dataset, oracle_local=old))


def test_near_copy_fails_and_disjoint_wording_passes():
    dataset = generate("reversal", 0, "quick")
    item = _reversal_item(dataset)
    words = answer_sentence(item).split()  # "deaps are lighter than trolt"
    near = f"Indeed {' '.join(words[:-1])} the {words[-1]}!"  # "... lighter than the trolt": not word for word
    report = find_leaks([item], [near], dataset.vocabulary)
    assert report.exact == 0 and report.ngram == 1
    oracle = dataset.augmentation_texts("local", [d.id for d in dataset.docs]) + \
        dataset.augmentation_texts("global", [d.id for d in dataset.docs])
    assert find_leaks(dataset.items, oracle, dataset.vocabulary).leaks == 0


def test_recall_answers_are_counted_not_failed():
    dataset = generate("reversal", 0, "quick")
    report = find_leaks(dataset.items, [d.text for d in dataset.docs], dataset.vocabulary)
    assert report.recall_items == 24 and report.recall_in_training == 24 and report.leaks == 0


def test_a_leaking_training_file_stops_the_run(monkeypatch):
    dataset = generate("reversal", 0, "quick")
    item = _reversal_item(dataset)
    leaky = answer_sentence(item) + "."
    original = datasets.Dataset.augmentation_texts

    def with_leak(self, kind, doc_ids, variant="covers"):
        return original(self, kind, doc_ids, variant) + [leaky]

    monkeypatch.setattr(datasets.Dataset, "augmentation_texts", with_leak)

    @dataclasses.dataclass(frozen=True)
    class Settings:
        method: str = "lora"
        epochs: int = 1
        seed: int = 0

    config = EvalConfig(profile="quick", datasets=("reversal",), strategies=("finetune", "finetune+local"))
    with pytest.raises(LeakError, match="finetune\\+local"):
        run_eval(KnowledgeMock(name="leaky"), config, Settings())


HELD_OUT_SEEDS = {"tiny": (0,), "quick": (0,), "default": (0, 1, 2), "paper": (0,)}


@pytest.mark.parametrize("profile", sorted(HELD_OUT_SEEDS))
def test_held_out_variants_withhold_something(profile):
    # issue 19: on every dataset and seed the "held out" oracles' texts differ from the "covers"
    # ones (local and global), no held-out text states a held-out key, and no held-out text names
    # a held-out item's entity and its answer together (the withheld inference is absent)
    from adaptcost.evalkit.datasets.leaks import answer_words, words

    for name in datasets.DATASETS:
        for seed in HELD_OUT_SEEDS[profile]:
            data = generate(name, seed, profile)
            hidden = set(data.held_out)
            scored = [i for i in data.arm_items("held-out") if i.split != "recall"]
            assert hidden and scored, (name, seed)
            for kind in ("local", "global"):
                kept = data.arm_texts(kind, "held-out")
                assert kept != data.arm_texts(kind, "covers"), (name, seed, kind)
                extra = kept[len(data.docs):]
                assert not any(hidden & set(data.oracle_keys.get(t, ())) for t in extra)
                vocab = set(data.vocabulary)
                where: dict[str, set[int]] = {}
                for k, text in enumerate(extra):
                    for w in set(words(text)):
                        where.setdefault(w, set()).add(k)
                for item in scored:
                    entities = (set(words(item.prompt)) & vocab) - answer_words(item)
                    near = set().union(*(where.get(w, set()) for w in entities))
                    both = near.intersection(*(where.get(w, set()) for w in answer_words(item)))
                    assert not both, (name, seed, item.id, [extra[k] for k in sorted(both)][:2])
