"""The fine-tuned arms of `adaptcost probe run` (evalkit.probes.tuned and arms): the texts each arm
trains on (the corpus only; held-out withholds what the probes ask), the training to the recall
ceiling and its record, resuming without retraining, rag per retriever, the dry run on an API
backend; a tunable mock that learns one training text per step, and one test with the real model."""

import hashlib
import json
import re
from dataclasses import asdict

import pytest
import yaml

from adaptcost.corpus.discover import CorpusOptions, document_texts
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.openai import OpenAIBackend
from adaptcost.evalkit.backends.registry import register
from adaptcost.evalkit.probes.arms import ArmsRequest, item_of, measure_arms, parse_arms
from adaptcost.evalkit.probes.build import BuildRequest, build_probes
from adaptcost.evalkit.probes.recall import RecallRequest, measure_recall
from adaptcost.evalkit.probes.tuned import (TuningRequest, checked_probes, inferences, corpus_facts, local_statements,
                                            train_models, training_sets)
from builders import invoke

ENV_CACHE = "ADAPTCOST_CACHE_DIR"
DOCS = {
    "family.md": "# Product families\n\n| Product | Family |\n|---|---|\n| Vega 10 | Polaris |\n| Vega 20 | Polaris |\n"
                 "| Atlas 5 | Zenith |\n\nPolaris is the outdoor range. Zenith is the indoor range.\n",
    "org.md": "# Org structure\n\n| Role | Name | Based in |\n|---|---|---|\n| VP Sales | Dana Whitfield | Austin |\n"
              "| VP Product | Omar Reyes | Lisbon |\n| CFO | Ines Duarte | Berlin |\n",
    "travel.md": "# Travel policy\n\n| City | Cap per night |\n|---|---|\n| Austin | $210 |\n| Lisbon | €125 |\n"
                 "| Berlin | €200 |\n\nReceipts are due within 30 days.\n",
}


def built(tmp_path, monkeypatch):
    """The tiny corpus and its probes, built by `probe build` (offline): 45 probes, 14 recall,
    3 multi-hop (cap per night of each role's city), 2 category (Vega 10 and 20 by their family)."""
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    path = tmp_path / "probes.jsonl"
    build_probes(BuildRequest((str(folder),), path))
    return folder, path


def recall_of_run(folder, path, retrievers=("words",)):
    return measure_recall(RecallRequest(path, [str(folder)], retrievers, 1))


class TunableMock:
    """A model that knows its training texts: an option scores -0.1 a word when a known text holds it
    and one of the question's words of five letters or more, else -1 a word (the base model knows
    nothing: every option ties). Fine-tuning learns one text per optimizer step, in the order given,
    checks recall as the protocol says (UntilRecall.due, measure) and keeps every trained model in a
    store keyed like the local backend's adapter cache (texts, settings, criterion): a repeated call
    loads it. `runs` lists the trainings really run."""

    name = "tunable-mock"
    store: dict = {}
    runs: list = []

    def __init__(self, known=(), **_):
        self.known = list(known)
        self.trained_steps, self.finetune_from_cache, self.recall_checks = 0, None, None

    def loglikelihood(self, requests):
        out = []
        for context, continuation in requests:
            question = context.rpartition("\n\n")[2].replace("\nAnswer:", "")
            shown = re.split(r"(?<=\.)\s+|\n", context.rpartition("\n\n")[0])  # rag's chunks, by sentence and line
            asked = {w for w in re.findall(r"[a-z]+", question.lower()) if len(w) >= 5}
            option = continuation.strip().lower()
            known = any(option in t.lower() and asked & set(re.findall(r"[a-z]+", t.lower()))
                        for t in self.known + shown if t.strip())
            n = max(1, len(continuation.split()))
            out.append((-0.1 * n if known else -1.0 * n, n))
        return out

    def finetune(self, texts, settings, progress=None, until=None):
        key = hashlib.sha256(json.dumps([list(texts), asdict(settings), until.key() if until else None]).encode()).hexdigest()
        child = TunableMock()
        child.name = f"tunable-mock+{key[:8]}"
        if key in self.store:
            child.trained_steps, child.recall_checks = self.store[key]
            child.finetune_from_cache = True
        else:
            type(self).runs.append(key)
            checks, steps = [], 0
            total = settings.total_steps(len(texts))
            for steps in range(1, total + 1):
                child.known = list(texts[:steps])
                if progress is not None:
                    progress(steps, total)
                if until is not None and until.due(steps):
                    checks.append((steps, until.measure(child)))
                    if checks[-1][1] >= until.ceiling:
                        break
            child.trained_steps, child.recall_checks = steps, checks if until is not None else None
            child.finetune_from_cache = False
            self.store[key] = (steps, child.recall_checks)
        child.known = list(texts[:child.trained_steps])
        child.reached_ceiling = None if until is None else bool(child.recall_checks) and child.recall_checks[-1][1] >= until.ceiling
        return child

    def generate(self, prompts, max_new_tokens=128):
        return ["" for _ in prompts]

    def context_window(self):
        return 1_000_000

    def count_tokens(self, text):
        return len(text.split())


register("tunable-mock", TunableMock)


@pytest.fixture(autouse=True)
def fresh_store():
    TunableMock.store.clear()
    TunableMock.runs.clear()


def test_each_arm_trains_on_the_corpus_only(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    sets = training_sets(recall.documents, recall.measured)
    documents, _ = document_texts([str(folder)], CorpusOptions())
    # finetune: the documents split into sentences, the one rule (table rows and headings are lines)
    assert len(sets.sentences) == 21 and "Polaris is the outdoor range." in sets.sentences
    assert "| VP Sales | Dana Whitfield | Austin |" in sets.sentences
    # local: a rephrasing and a reversal per fact of the corpus, template-written; the quantity
    # ("within 30 days") gets none. 14 facts with a subject: 3 family rows, 2 range sentences,
    # 6 org cells (name and city per role), 3 caps ("Receipts are due within 30 days" is a quantity
    # only: a fragment of 6 words is no relation since the prose readers): 2 x 14
    named = [f for f in corpus_facts(documents) if f.kind != "quantity"]
    assert len(sets.local) == 2 * len(named) == 28
    assert "Polaris is the family of Vega 10." in sets.local and "For Austin, the cap per night is $210." in sets.local
    assert "The outdoor range: that is how the documents describe Polaris." in sets.local
    # global covers: every inference of the fact graph: 3 joins (role -> city -> cap) and 2 class
    # properties (Vega 10 and Vega 20 are Polaris: the outdoor range; Atlas 5 is Zenith's only member)
    covers = sets.inferences["covers"]
    assert sorted(covers) == sorted(["The based in of VP Sales (Austin) has cap per night $210.",
                      "The based in of VP Product (Lisbon) has cap per night €125.",
                      "The based in of CFO (Berlin) has cap per night €200.",
                      "Vega 20, whose family is Polaris, is the outdoor range.",
                      "Vega 10, whose family is Polaris, is the outdoor range."])
    # no text of any arm is a probe's question, nor holds one (options are corpus values by design)
    probes = recall.measured
    every = sets.sentences + sets.local + covers
    assert not any(p["question"].removeprefix("Fill in the blank: ").lower() in t.lower() for p in probes for t in every
                   if p["type"] != "recall")
    assert not any(p["question"] in t for p in probes for t in every)
    # the same texts whatever the probes ask (held-out aside): built from the corpus alone
    alone = training_sets(documents, [])
    assert (alone.sentences, alone.local, alone.inferences["covers"]) == (sets.sentences, sets.local, covers)
    assert alone.inferences["held-out"] == covers and alone.withheld == 0


def test_held_out_withholds_every_proposition_a_probe_asks(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    sets = training_sets(recall.documents, recall.measured)
    asked = [p for p in recall.measured if p["type"] in ("multi-hop", "category")]
    assert len(asked) == 5
    # every inference is asked by a probe here: held-out trains on the sentences alone
    assert sets.inferences["held-out"] == [] and sets.withheld == 5 and sets.inferences["covers"] != []
    # no held-out text states an asked proposition: the asked subject and the key in one text
    subjects = {"VP Sales", "VP Product", "CFO", "Vega 10", "Vega 20"}
    for p in asked:
        subject = next(s for s in subjects if s in p["question"])
        key = p["options"][p["answer"]]
        assert not any(subject in t and key in t for t in sets.texts("finetune+global (held-out)")), p["question"]
        assert any(subject in t and key in t for t in sets.texts("finetune+global (covers)"))
    # a proposition no probe asks stays: drop the CFO probe and its inference comes back
    fewer = [p for p in recall.measured if "CFO" not in p["question"]]
    kept = training_sets(recall.documents, fewer).inferences["held-out"]
    assert kept == ["The based in of CFO (Berlin) has cap per night €200."]


def test_the_same_proposition_through_another_pair_is_withheld_too():
    from adaptcost.evalkit.probes.facts import Fact

    def fact(fid, subject, relation, value, document, kind="table"):
        return Fact(fid, kind, subject, relation, value, f"{document}:{relation}", document, f"| {subject} | {value} |", 0, 9)

    # VP Sales is based in Austin (org.md and, again, people.md); Austin's cap is $210: two joins, one proposition
    facts = [fact("f-1", "VP Sales", "Based in", "Austin", "org.md"), fact("f-2", "VP Sales", "Based in", "Austin", "people.md"),
             fact("f-3", "Austin", "Cap per night", "$210", "travel.md")]
    derived = inferences(facts)
    assert len(derived) == 2 and derived[0].proposition == derived[1].proposition == ("vp sales", "$210")


def test_local_statements_by_kind():
    from adaptcost.evalkit.probes.facts import Fact

    relation = Fact("f-1", "relation", "Meridian 200", "replaces", "the Meridian 100", "verb:replaces", "a.md", "s", 0, 1)
    assert local_statements(relation) == ["In the documents, Meridian 200 replaces the Meridian 100.",
                                          "The Meridian 100 is what Meridian 200 replaces."]
    quantity = Fact("f-2", "quantity", "Receipts are due within", "unit:day", "30 days", "unit:day", "a.md", "s", 0, 1)
    assert local_statements(quantity) == []


def tuned_run(tmp_path, monkeypatch, arms=("finetune",), ceiling=0.9, cap=10, retrievers=("words",)):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path, retrievers)
    request = ArmsRequest(arms, 1, tuning=TuningRequest(ceiling, cap))
    return measure_arms(recall, TunableMock(), request), recall


def test_an_arm_below_the_ceiling_at_the_cap_is_descriptive(tmp_path, monkeypatch):
    section, recall = tuned_run(tmp_path, monkeypatch, ("base", "finetune"), ceiling=0.95, cap=10)
    t = section["trainings"]["finetune"]
    # 21 sentences, batch 8: 3 steps an epoch; checks every 3 steps, cap 10 epochs = 30 steps.
    # The mock knows every sentence from step 21; of the 14 recall probes it then gets 12 right, and
    # Vega 10's and Vega 20's family tie ("blank" is their only asked word): 13 / 14 = 0.9286
    assert t["until_recall"]["check_every"] == 3 and t["until_recall"]["cap"] == 30
    assert [s for s, _ in t["until_recall"]["checks"]] == list(range(3, 31, 3))
    assert t["steps"] == 30 and t["until_recall"]["reached"] is False and t["recall_trained_form"] == 0.9286
    assert t["descriptive"] == "finetune stopped at the 30-step cap at recall 0.93 < 0.95 on probes"
    assert t["texts"] == {"sentences": 21} and t["examples"] == 21 and t["recall_checked_on"]["probes"] == 14
    arm = section["arms"]["finetune"]
    assert arm["descriptive"] == t["descriptive"] and arm["accuracy"]["n"] == 45  # its figures stay
    assert arm["by_type"]["recall"]["mean"] == 0.9286  # the checked probes are its recall cell
    (test,) = section["paired"]
    assert (test["a"], test["b"]) == ("finetune", "base") and test["descriptive"] == t["descriptive"]


def test_an_arm_stops_at_the_first_check_at_the_ceiling(tmp_path, monkeypatch):
    section, _ = tuned_run(tmp_path, monkeypatch, ceiling=0.9, cap=10)
    t = section["trainings"]["finetune"]
    # recall rises as the mock learns the sentences in order; 13 / 14 once all 21 are known (above)
    assert t["until_recall"]["checks"] == [[3, 0.3929], [6, 0.4286], [9, 0.5], [12, 0.5952], [15, 0.7857],
                                           [18, 0.8333], [21, 0.9286]]
    assert t["steps"] == 21 and t["until_recall"]["reached"] is True and t["recall_at_ceiling"] is True
    assert t["descriptive"] is None and "descriptive" not in section["arms"]["finetune"]


def test_every_tuned_arm_and_rag_per_retriever(tmp_path, monkeypatch):
    pytest.importorskip("bm25s")  # the second retriever (the eval extra)
    arms = parse_arms("base,rag,finetune,finetune+rag,finetune+local,finetune+global")
    section, recall = tuned_run(tmp_path, monkeypatch, arms, ceiling=0.95, retrievers=("words", "bm25"))
    assert list(section["arms"]) == ["base", "rag", "rag (bm25)", "finetune", "finetune+rag", "finetune+local",
                                     "finetune+global (held-out)", "finetune+global (covers)"]
    assert section["arms"]["rag"]["retriever"] == "words" and section["arms"]["rag (bm25)"]["retriever"] == "bm25"
    assert section["arms"]["finetune+rag"]["model"] == "finetune" and section["arms"]["finetune+rag"]["k"] == 1
    assert section["finetune"]["headline_global"] == "finetune+global (held-out)"
    trainings = section["trainings"]
    assert list(trainings) == ["finetune", "finetune+local", "finetune+global (held-out)", "finetune+global (covers)"]
    assert trainings["finetune+local"]["texts"] == {"sentences": 21, "local augmentations": 28}
    assert trainings["finetune+global (covers)"]["texts"] == {"sentences": 21, "global inferences": 5}
    assert trainings["finetune+global (held-out)"]["texts"] == {"sentences": 21, "global inferences": 0,
                                                                "withheld (a probe asks them)": 5}
    # 8 arms: 28 paired tests, one Holm family
    assert len(section["paired"]) == 28 and {(t["a"], t["b"]) for t in section["paired"]} >= {("rag (bm25)", "rag")}
    # (the mock learns its texts in order: below the ceiling, every model learns them all by the 30-step cap)
    # category: the covers model was told "Vega 10, whose family is Polaris, is the outdoor range" (the
    # asked word "family" beside the key): both probes right; held-out was not: a tie, 1/2 each
    by_type = {name: section["arms"][name]["by_type"]["category"]["mean"] for name in trainings if "global" in name}
    assert by_type == {"finetune+global (held-out)": 0.5, "finetune+global (covers)": 1.0}


def test_a_rerun_trains_nothing_and_scores_nothing(tmp_path, monkeypatch):
    first, recall = tuned_run(tmp_path, monkeypatch, ("finetune", "finetune+rag", "finetune+local"), ceiling=0.85)
    assert len(TunableMock.runs) == 2  # finetune (finetune+rag answers with it) and finetune+local
    assert all(t["from_cache"] is False for t in first["trainings"].values())
    request = ArmsRequest(("finetune", "finetune+rag", "finetune+local"), 1, tuning=TuningRequest(0.85, 10))
    again = measure_arms(recall, TunableMock(), request)  # a killed run resumes here
    assert len(TunableMock.runs) == 2 and all(t["from_cache"] is True for t in again["trainings"].values())
    assert again["score_cache"]["new"] == 0 and again["arms"] == first["arms"]
    assert {k: {**v, "from_cache": None} for k, v in again["trainings"].items()} == \
        {k: {**v, "from_cache": None} for k, v in first["trainings"].items()}


def test_the_checked_probes_are_recall_probes_spaced_to_64():
    probes = [{"id": i, "type": "recall" if i % 3 else "reversal"} for i in range(300)]
    checked = checked_probes(probes)
    assert len(checked) == 64 and all(p["type"] == "recall" for p in checked)
    assert checked[0]["id"] == 1 and checked[1]["id"] == 5  # recall probes 0 and 200 // 64 = 3: ids 1, 5


def openai(monkeypatch, calls):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456789")

    def transport(method, url, headers, body):
        calls.append(url)
        raise AssertionError("no call may be made")

    return OpenAIBackend("gpt-4.1-mini", "http://127.0.0.1:9/v1", transport=transport)


def test_an_api_backend_gives_a_dry_run_with_the_cost(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    calls = []
    backend = openai(monkeypatch, calls)
    section = measure_arms(recall, backend, ArmsRequest(("finetune", "finetune+rag", "finetune+global"), 1))
    assert calls == [] and section["arms"] == {} and section["trainings"] == {}
    not_run = section["not_run"]
    assert list(not_run) == ["finetune", "finetune+rag", "finetune+global (held-out)", "finetune+global (covers)"]
    quote = not_run["finetune"]
    assert quote["run"] is False and "--api-finetune" in quote["why"] and not_run["finetune+rag"]["answers_with"]
    # $5 per 1M training tokens (pricing/openai.yaml, as of 2026-07-24): tokens (each sentence's + 10) x 3 epochs
    tokens = sum(backend.count_tokens(t) + 10 for t in training_sets(recall.documents, recall.measured).sentences)
    assert quote["training_tokens"] == tokens and quote["epochs"] == 3 and quote["examples"] == 21
    assert quote["estimated_usd"] == pytest.approx(5.0 * tokens * 3 / 1e6)
    assert quote["price"]["training_usd_per_mtok"] == 5.0 and quote["price"]["as_of"] == "2026-07-24"
    assert quote["price"]["file"] == "pricing/openai.yaml"
    assert not_run["finetune+global (covers)"]["texts"] == {"sentences": 21, "global inferences": 5}


def test_api_finetune_over_max_usd_is_refused_before_any_call(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    calls = []
    backend = openai(monkeypatch, calls)
    sets = training_sets(recall.documents, recall.measured)
    with pytest.raises(AdaptcostError, match=r"over the --max-usd of \$0\.00"):
        train_models(backend, sets, ["finetune"], [], item_of, TuningRequest(api_finetune=True), max_usd=0.000001)
    assert calls == []


def test_probe_run_with_tuned_arms(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    out = tmp_path / "curves.yaml"
    args = ("probe", "run", path, "--corpus", folder, "--output", out, "--retrievers", "words", "--top-k", "1",
            "--arms", "base,finetune,finetune+global", "--backend", "tunable-mock", "--cap-epochs", "2")
    result = invoke(*args, width=100)
    assert result.exit_code == 0, result.output
    assert "training finetune: 6/6" in result.stderr  # progress lines off a terminal (2 epochs of 3 steps)
    assert "finetune+global (held-out) (closed book): 45/45" in result.stderr
    assert "Fine-tuned models" in result.stdout and "descriptive only" in result.stdout
    document = yaml.safe_load(out.read_text())
    probes = document["probes"]
    assert probes["trainings"]["finetune"]["until_recall"]["cap"] == 6
    assert probes["arms"]["finetune"]["descriptive"].startswith("finetune stopped at the 6-step cap")
    from adaptcost.decision.curves import load_curves

    assert load_curves(out).retrieval.at("words", 1) is not None  # still a valid curves file, recall read
    again = invoke(*args, width=100)  # a rerun: every model from the cache, nothing scored again
    # 484 of the arms, and the options-only baseline of the guessability filter: the 121 options of the 45 probes
    assert again.exit_code == 0 and "(score cache 605 hits, 0 new)" in again.stderr
    assert "6 steps (from the cache)" in again.stdout
    assert invoke(*args[:-2], "--cap-epochs", "0").exit_code != 0


@pytest.mark.slow
def test_the_local_model_trains_to_the_cap_and_resumes_from_its_adapter(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("peft")
    from adaptcost.evalkit.backends.registry import get_backend

    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    backend = get_backend("local")
    request = ArmsRequest(("finetune",), 1, limit=10, tuning=TuningRequest(0.9, 1))
    first = measure_arms(recall, backend, request)
    t = first["trainings"]["finetune"]
    assert t["from_cache"] is False and t["steps"] == 3 == t["until_recall"]["cap"]  # 1 epoch of 21 sentences
    assert [s for s, _ in t["until_recall"]["checks"]] == [3] and 0 <= t["recall_trained_form"] <= 1
    again = measure_arms(recall, backend, request)
    assert again["trainings"]["finetune"]["from_cache"] is True and again["score_cache"]["new"] == 0
    assert again["arms"] == first["arms"]


def test_a_model_without_a_fine_tuning_price_is_not_run_with_the_reason(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    recall = recall_of_run(folder, path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456789")
    backend = OpenAIBackend("my-own-llama", "http://127.0.0.1:9/v1", transport=lambda *a: pytest.fail("no call"))
    section = measure_arms(recall, backend, ArmsRequest(("finetune",), 1, tuning=TuningRequest(api_finetune=True)))
    assert section["not_run"]["finetune"]["why"].startswith("cannot be priced: no price for model 'my-own-llama'")
    assert "estimated_usd" not in section["not_run"]["finetune"]


def test_probe_run_dry_run_on_the_openai_backend(tmp_path, monkeypatch):
    folder, path = built(tmp_path, monkeypatch)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never reached: nothing is scored
    out = tmp_path / "curves.yaml"
    result = invoke("probe", "run", path, "--corpus", folder, "--output", out, "--retrievers", "words",
                    "--arms", "finetune,finetune+local", "--backend", "openai", "--model", "gpt-4.1-mini", width=100)
    assert result.exit_code == 0, result.output
    assert "finetune: not run (dry run: pass --api-finetune" in result.stdout
    assert "at $5/1M training tokens (pricing/openai.yaml, as of 2026-07-24)" in result.stdout
    not_run = yaml.safe_load(out.read_text())["probes"]["not_run"]
    assert not_run["finetune+local"]["examples"] == 49 == 21 + 28  # sentences and local augmentations


def test_until_recall_zero_is_a_fixed_budget_of_the_cap(tmp_path, monkeypatch):
    section, _ = tuned_run(tmp_path, monkeypatch, ceiling=0, cap=10)
    t = section["trainings"]["finetune"]
    # 10 epochs of 3 steps, no check on the way; recall read after it: every sentence known, 13 / 14
    assert t["steps"] == 30 and t["until_recall"] == {"applied": False, "why": "off (a fixed budget of 10 epochs of the plain set)"}
    assert t["recall_trained_form"] == 0.9286 and t["descriptive"] is None  # against the default ceiling 0.9
    assert section["finetune"]["until_recall"] == "off (a fixed budget)"
