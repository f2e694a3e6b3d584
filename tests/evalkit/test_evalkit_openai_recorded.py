"""A hosted provider's quirks, replayed from recorded exchanges (tests/data/openai/*.json, each naming
its source) through the openai backend's transport seam: /completions refused for a chat model,
chat with null logprobs, a 429 with retry-after, a 500 then success; and the generation estimate."""

import copy
import json

import pytest

from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.openai import CHAT_MESSAGE_TOKENS, RETRY_AFTER, OpenAIBackend, _seconds
from adaptcost.evalkit.backends.protocol import NoPromptLogprobs
from test_evalkit_openai import BASE, DATA, KEY, Replay

RECORDED = ("completions_refused_chat_model", "chat_logprobs_null", "retry_after_429", "server_error_then_success")


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


class HeaderReplay(Replay):
    """Replay that hands a recorded Retry-After on as urllib_transport does (under RETRY_AFTER)."""

    def __call__(self, method, url, headers, body):
        headers_of = self.exchanges[0]["response"].get("headers", {}) if self.exchanges else {}
        status, data = super().__call__(method, url, headers, body)
        data = copy.deepcopy(data)
        wait = _seconds(headers_of.get("retry-after"))
        if wait is not None:
            data[RETRY_AFTER] = wait
        return status, data


def backend(replay, waits=None, **options):
    return OpenAIBackend("gpt-4.1-mini", BASE, transport=replay, backoff=0.25,
                         sleep=(waits.append if waits is not None else lambda s: None), **options)


@pytest.mark.parametrize("name", RECORDED)
def test_each_recording_names_its_source(name):
    document = json.loads((DATA / f"{name}.json").read_text())
    assert document["_source"] and all(s.startswith("https://") for s in document["_source"])
    assert document["exchanges"]


def test_a_chat_model_refuses_completions_and_probe_scoring_is_told_why():
    replay = Replay("completions_refused_chat_model")
    b = backend(replay, chat_fallback=False)
    with pytest.raises(NoPromptLogprobs) as err:
        b.loglikelihood([("The capital of France is", " Paris")])
    message = str(err.value)
    assert message == (f"{BASE}/completions gives no prompt log-probabilities for gpt-4.1-mini (HTTP 404: This is a chat "
                       "model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?)")
    assert isinstance(err.value, AdaptcostError) and b.scoring == "prompt-logprobs"  # nothing approximated
    assert b.generate(["Which? A. x B. y"], max_new_tokens=24) == ["B"]  # the generation fallback's call
    replay.done()


def test_the_eval_harness_still_falls_back_to_the_chat_approximation_on_that_404():
    replay = Replay("completions_refused_chat_model", "chat_logprobs_null")
    del replay.exchanges[1]  # the refusal, then the approximation's chat request (no generation)
    b = backend(replay)
    with pytest.raises(AdaptcostError, match="returned no logprobs"):  # and this endpoint has none in chat either
        b.loglikelihood([("The capital of France is", " Paris")])
    assert b.scoring == "chat-top-logprobs"
    replay.done()


def test_chat_without_logprobs_is_one_clear_error():
    replay = Replay("chat_logprobs_null")
    b = backend(replay)
    b.scoring = "chat-top-logprobs"
    with pytest.raises(AdaptcostError, match=r"/chat/completions returned no logprobs \(does the endpoint support them\?\)"):
        b.loglikelihood([("The capital of France is", " Paris")])
    replay.done()


def test_a_429_waits_what_retry_after_asks():
    waits: list[float] = []
    replay = HeaderReplay("retry_after_429")
    assert backend(replay, waits).generate(["Pick one."], 24) == ["A"]
    assert waits == [3.0]  # the header's 3 s, not the backoff's 0.25 s
    replay.done()


def test_retry_after_is_capped_and_never_shortens_the_backoff():
    waits: list[float] = []
    replay = HeaderReplay("retry_after_429")
    replay.exchanges[0]["response"]["headers"]["retry-after"] = "3600"
    backend(replay, waits).generate(["Pick one."], 24)
    assert waits == [60.0]
    assert _seconds("0.1") == 0.1 and _seconds("Wed, 21 Oct 2026 07:28:00 GMT") is None and _seconds("-1") is None


def test_a_500_then_success_is_retried_once():
    waits: list[float] = []
    replay = Replay("server_error_then_success")
    assert backend(replay, waits).generate(["Pick one."], 24) == ["C"]
    assert waits == [0.25]
    replay.done()


def test_generation_estimate_bills_the_prompt_its_framing_and_every_reply_token():
    from adaptcost.prices.book import load_pricing

    b = backend(Replay())
    prompts = ["The refund window is thirty days.\nA. 30 days\nB. 14 days\nAnswer:", "Short."]
    rates = load_pricing().get("gpt-4.1-mini").rates
    tokens_in = sum(b.count_tokens(p) for p in prompts) + CHAT_MESSAGE_TOKENS * 2  # 7 framing tokens a message
    expected = (tokens_in * rates.input + 2 * 24 * rates.output) / 1e6
    assert b.estimate_generation_usd(prompts, 24) == pytest.approx(expected)
    assert "gpt-4.1-mini at $0.4/1M input and $1.6/1M output tokens (" in b.price_reference()
    assert OpenAIBackend("no-such-model", BASE, transport=Replay()).price_reference() is None
