"""Scoring probes by generation: the lettered prompt, the exact option match (probes.replies), and
the generation scorer's placing of requests, votes, cache and identity (probes.answering)."""

import math

import pytest
from hypothesis import given, strategies as st

from adaptcost.evalkit.probes.answering import GenerationScorer, _Store, cache_identity, endpoint_of
from adaptcost.evalkit.probes.arms import ANSWER_CUE, item_of
from adaptcost.evalkit.probes.replies import INSTRUCTION, choice_prompt, match_reply, normalize

OPTIONS = ["30 days", "14 days", "Sixty days", "a"]


def test_the_prompt_shows_the_context_the_question_and_the_lettered_options():
    prompt = choice_prompt("Refunds take 30 days.\n\nHow long is the refund window?", OPTIONS[:3])
    assert prompt == ("Refunds take 30 days.\n\nHow long is the refund window?\nA. 30 days\nB. 14 days\nC. Sixty days\n"
                      f"{INSTRUCTION}\nAnswer:")


@pytest.mark.parametrize("reply, index", [
    ("B", 1), (" b.", 1), ("(B)", 1), ("Answer: B", 1), ("The answer is B.", 1), ("B) 14 days", 1),
    ("14 days", 1), ("14  DAYS!", 1), ("sixty days", 2), ("C. Sixty days\nbecause ...", 2), ("\n\nA", 0),
])
def test_a_reply_naming_exactly_one_option_matches_it(reply, index):
    assert match_reply(reply, OPTIONS[:3]).index == index


@pytest.mark.parametrize("reply, why", [
    ("", "no option"), ("I do not know", "no option"), ("B or C", "no option"), ("14", "no option"),
    ("B. 30 days", "no option"),  # the letter of one option with the text of another: neither
    ("A", "several options"),  # option A's letter and option D's text ("a")
])
def test_a_reply_naming_no_option_or_several_matches_none(reply, why):
    match = match_reply(reply, OPTIONS)
    assert match.index is None and match.why == why


@given(st.lists(st.text(alphabet="abcdefgh xyz", min_size=1, max_size=12), min_size=2, max_size=5, unique_by=normalize),
       st.data())
def test_an_options_own_text_or_letter_always_matches_it_when_unambiguous(options, data):
    options = [o for o in options if normalize(o)]
    if len(options) < 2:
        return
    i = data.draw(st.integers(0, len(options) - 1))
    letters = {"a", "b", "c", "d", "e"}
    texts = [normalize(o) for o in options]
    for reply in (options[i], "ABCDE"[i]):
        said = normalize(reply)
        clashes = sum(said in (t, "abcde"[j], f"{'abcde'[j]} {t}") for j, t in enumerate(texts))
        if clashes == 1 and not (said in letters and said in texts) and not said.startswith(("answer", "option", "the ")):
            assert match_reply(reply, options).index == i


class Replies:
    name = "replies"

    def __init__(self, answer="B"):
        self.answer = answer
        self.prompts = []

    def generate(self, prompts, max_new_tokens=128):
        self.prompts.extend(prompts)
        return [self.answer for _ in prompts]


def probe(question, options, answer=0):
    return {"question": question, "options": options, "answer": answer}


def test_the_scorer_places_each_run_of_requests_on_its_probe_and_votes(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path))
    # two probes with one question and other options, asked one after the other
    items = [item_of(probe("Which?", ["x", "y"])), item_of(probe("Which?", ["y", "z", "w"])), item_of(probe("Why?", ["u", "v"]))]
    model = Replies("B")
    store = _Store(True)
    scorer = GenerationScorer(model, store, "id", items, ANSWER_CUE)
    requests = [("\n\n" + it.prompt, o) for it in items for o in it.options]
    votes = scorer(requests, "Docs.")
    # reply "B" everywhere: option 1 of each probe
    assert votes == [(-1.0, 1), (0.0, 1), (-1.0, 1), (0.0, 1), (-1.0, 1), (-1.0, 1), (0.0, 1)]
    assert model.prompts[0] == f"Docs.\n\nWhich?\nA. x\nB. y\n{INSTRUCTION}\nAnswer:"
    assert model.prompts[1].endswith(f"A. y\nB. z\nC. w\n{INSTRUCTION}\nAnswer:") and len(model.prompts) == 3
    # the same prompt again: from the cache, no generation
    assert scorer(requests, "Docs.") == votes and len(model.prompts) == 3
    assert (scorer.hits, scorer.misses) == (3, 3)
    # a reply that names nothing: NaN for every option (credit 0)
    silent = GenerationScorer(Replies("maybe"), store, "other", items[:1], ANSWER_CUE)
    assert all(math.isnan(v) for v, _ in silent(requests[:2], "Docs.")) and silent.outcomes["no option"] == 1
    store.close()


def test_the_cache_identity_names_the_endpoint_never_its_credentials():
    class Endpoint:
        name = "openai:gpt-4.1-mini"
        base_url = "https://user:sk-secret-in-url@api.example.test:8443/v1/?key=sk-other#frag"

    identity = cache_identity(Endpoint(), "generation")
    assert identity == '["openai:gpt-4.1-mini", "https://api.example.test:8443/v1", "generation"]'
    assert "sk-" not in identity and endpoint_of("http://[::1]:8000/v1/") == "http://[::1]:8000/v1"
    assert cache_identity(Replies(), "loglikelihood") == "replies"  # on this machine: the harness's key
