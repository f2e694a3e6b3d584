"""`probe run --backend openai` over real HTTP, fast: the OpenAI-compatible test server
(tests/support/openai_server.py) serving a deterministic word-level model (tests/support/words_model.py)
on 127.0.0.1. Both scorings (prompt log-probabilities; generation where /completions is refused),
resume without a request, the cost check before any call, and the API key in no output or file.
The same path with the real local model is in test_probes_openai_e2e.py (slow)."""

import json
import urllib.error
import urllib.request

import pytest
import yaml

from adaptcost.evalkit.backends.openai import OpenAIBackend
from builders import invoke
from support.openai_server import CHAT_MODEL_REFUSAL, OpenAIServer
from support.words_model import WordsModel
from test_probes_arms import probes_file

KEY = "sk-sentinel-HTTP0123456789abcdefXYZ"
KEY_ENV = "ADAPTCOST_TEST_KEY"


@pytest.fixture
def server():
    with OpenAIServer(WordsModel(), key=KEY, model="words") as s:
        yield s


@pytest.fixture
def probes(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(KEY_ENV, KEY)
    return probes_file(tmp_path)


def http(method, url, body=None, key=KEY):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def run(tmp_path, probes, server, *extra, output="curves.yaml", model="words", max_usd="0"):
    """probe run through the server; the words model is unpriced, so it runs under --max-usd 0 (the
    user's statement that the endpoint bills nothing)."""
    folder, path = probes
    limit = ("--max-usd", max_usd) if max_usd is not None else ()
    return invoke("probe", "run", path, "--corpus", folder, "--output", tmp_path / output, "--retrievers", "words",
                  "--top-k", "1", "--arms", "base,icl,rag", "--backend", "openai", "--base-url", server.base_url,
                  "--model", model, "--api-key-env", KEY_ENV, *limit, *extra, width=100)


# ------------------------------------------------------------------ the server


def test_the_server_checks_the_key_and_records_every_request(server):
    status, _, body = http("GET", server.base_url + "/models", key="sk-wrong-0000000000")
    assert status == 401 and body["error"]["code"] == "invalid_api_key" and body["error"]["type"] == "invalid_request_error"
    assert "sk-wrong-0000000000" not in json.dumps(body)  # shown masked, as OpenAI does
    status, _, body = http("GET", server.base_url + "/models")
    assert status == 200 and [m["id"] for m in body["data"]] == ["words"]
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/v1/models")] * 2
    assert server.requests[1].headers["authorization"] == f"Bearer {KEY}"


def test_completions_echo_gives_the_legacy_logprobs_of_every_prompt_token(server):
    status, _, body = http("POST", server.base_url + "/completions",
                           {"model": "words", "prompt": ["The sky. The sky", "Hi"], "max_tokens": 0, "echo": True, "logprobs": 0})
    assert status == 200 and [c["index"] for c in body["choices"]] == [0, 1]
    lp = body["choices"][0]["logprobs"]
    # words with their leading space; the first has no log-probability (null, as OpenAI's echo); "The"
    # and "sky" seen before -> -0.1, else -1.0
    assert lp["tokens"] == ["The", " sky.", " The", " sky"] and lp["text_offset"] == [0, 3, 8, 12]
    assert lp["token_logprobs"] == [None, -1.0, -0.1, -0.1]
    assert body["choices"][0]["text"] == "The sky. The sky"  # echo, nothing generated
    assert body["usage"]["completion_tokens"] == 0


def test_a_chat_only_server_refuses_completions_like_openai(server):
    server.prompt_logprobs = False
    status, _, body = http("POST", server.base_url + "/completions", {"model": "words", "prompt": "x", "max_tokens": 0, "echo": True})
    assert status == 404 and body == CHAT_MODEL_REFUSAL
    status, _, body = http("POST", server.base_url + "/chat/completions",
                           {"model": "words", "messages": [{"role": "user", "content": "Sky is blue.\nA. red\nB. blue\nAnswer:"}],
                            "max_tokens": 5, "logprobs": True})
    assert status == 200 and body["choices"][0]["message"]["content"] == "B" and body["choices"][0]["logprobs"] is None
    assert body["usage"]["prompt_tokens"] == 8  # words: Sky is blue. A. red B. blue Answer:


def test_one_429_with_retry_after_is_waited_out_by_the_backend(server, monkeypatch):
    server.rate_limit_once = True
    status, headers, body = http("GET", server.base_url + "/models")
    assert status == 429 and headers["retry-after"] == "1" and body["error"]["code"] == "rate_limit_exceeded"
    server._limited = False  # once more, through the backend: it waits what the server asked, not its own backoff
    monkeypatch.setenv(KEY_ENV, KEY)
    slept = []
    backend = OpenAIBackend("words", server.base_url, KEY_ENV, backoff=0.01, sleep=slept.append, chat_fallback=False)
    assert backend.generate(["Sky is blue.\nA. red\nB. blue\nAnswer:"], 4) == ["B"]
    assert slept == [1.0]


# ------------------------------------------------------------------ probe run through the server


def assert_refused(result, *fragments):
    """Exit 1, no traceback, the error one line (after the recall stage's progress lines)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and all(f in last for f in fragments), last


def arms_of(path):
    return yaml.safe_load(path.read_text())["probes"]


def test_log_probability_scoring_over_http_equals_the_direct_run(tmp_path, probes, server):
    result = run(tmp_path, probes, server)
    assert result.exit_code == 0, result.output
    over_http = arms_of(tmp_path / "curves.yaml")
    assert over_http["scoring"] == "loglikelihood" and over_http["endpoint"] == server.base_url
    assert {arm["scoring"] for arm in over_http["arms"].values()} == {"loglikelihood"}
    assert server.count("/v1/completions") > 0 and server.count("/v1/chat/completions") == 0
    assert "not estimated: no price in the pricing tables; --max-usd 0 states that the endpoint bills nothing" in result.stderr
    folder, path = probes
    direct = invoke("probe", "run", path, "--corpus", folder, "--output", tmp_path / "direct.yaml", "--retrievers", "words",
                    "--top-k", "1", "--arms", "base,icl,rag", "--backend", "words-model")
    assert direct.exit_code == 0, direct.output
    local = arms_of(tmp_path / "direct.yaml")
    for name in ("base", "icl", "rag"):
        assert over_http["arms"][name]["accuracy"] == local["arms"][name]["accuracy"], name
    assert over_http["paired"] == local["paired"]


def test_without_prompt_logprobs_the_run_scores_by_generation_and_says_so(tmp_path, probes, server):
    server.prompt_logprobs = False
    result = run(tmp_path, probes, server)
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stderr.splitlines() if "scoring by generation" in ln)
    assert "gives no prompt log-probabilities for words (HTTP 404: This is a chat model" in line
    assert line.endswith("scoring by generation and an exact option match instead")
    section = arms_of(tmp_path / "curves.yaml")
    arms = section["arms"]
    assert section["scoring"] == "generation" and "lettered A-E" in section["prompt"]
    assert {a["scoring"] for a in arms.values()} == {"generation"}
    # The words model names the first option stated before the options (see its docstring), by hand:
    # base: no option is in any question -> 5 replies name no option, 0 / 5.
    # icl (whole corpus, both orders alike): p1 "thirty days" right; p2 "one year" (b) before "two
    # years", p3 "Refunds" (a), p4 "five days" (c), p5 "two years" (b): wrong -> 1 / 5.
    # rag, top 1 (a, b, c, a, b): p1 right; p2 "one year" wrong; p3 "Express shipping" right; p4 with
    # a: "thirty days" right; p5 with b: "two years" wrong -> 3 / 5.
    assert [arms[a]["accuracy"]["mean"] for a in ("base", "icl", "rag")] == [0.0, 0.2, 0.6]
    assert arms["base"]["replies"] == {"matched": 0, "no option": 5, "several options": 0}
    assert arms["icl"]["replies"] == {"matched": 10, "no option": 0, "several options": 0}  # two orders
    assert "replies: 0 matched, 5 no option" in result.stdout
    assert server.count("/v1/completions") == 1  # asked once, then chat only
    assert server.count("/v1/chat/completions") == 5 + 2 * 5 + 5  # icl: a reply per order


def test_a_rerun_asks_the_server_nothing(tmp_path, probes, server):
    assert run(tmp_path, probes, server).exit_code == 0
    asked = server.count()
    again = run(tmp_path, probes, server, output="again.yaml")
    assert again.exit_code == 0, again.output
    assert server.count() == asked  # every score from the cache
    assert arms_of(tmp_path / "again.yaml")["arms"] == arms_of(tmp_path / "curves.yaml")["arms"]
    assert "(score cache 0 hits" not in again.stderr and ", 0 new)" in again.stderr


def test_a_rerun_after_the_fallback_asks_the_server_nothing(tmp_path, probes, server):
    server.prompt_logprobs = False
    assert run(tmp_path, probes, server).exit_code == 0
    asked = server.count()
    again = run(tmp_path, probes, server, output="again.yaml")
    assert again.exit_code == 0, again.output
    assert server.count() == asked  # the refusal remembered: not even /completions again
    assert "remembered in the cache" in again.stderr
    assert arms_of(tmp_path / "again.yaml")["arms"] == arms_of(tmp_path / "curves.yaml")["arms"]


@pytest.mark.parametrize("logprobs", [True, False])
def test_the_api_key_is_in_no_output_no_curves_file_and_no_cache_file(tmp_path, probes, server, logprobs):
    server.prompt_logprobs = logprobs
    result = run(tmp_path, probes, server)
    assert result.exit_code == 0, result.output
    assert server.requests and all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)  # it was sent
    needles = [KEY.encode(), KEY[-12:].encode()]
    assert not any(n in (result.stdout + result.stderr).encode() for n in needles)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] + [tmp_path / "curves.yaml"]
    assert any(p.name == "eval-scores.sqlite3" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path


def test_a_run_over_max_usd_is_refused_before_any_call(tmp_path, probes, server):
    server.model = "gpt-4.1-mini"  # priced in the bundled tables
    result = run(tmp_path, probes, server, model="gpt-4.1-mini", max_usd="0.000001")
    assert_refused(result, "this probe run would cost about $", "log-likelihood requests (0 cached)", "gpt-4.1-mini at $",
                       "over --max-usd $0.0000")
    assert server.count() == 0
    fine = run(tmp_path, probes, server, model="gpt-4.1-mini", max_usd="5")
    assert fine.exit_code == 0, fine.output
    assert "estimated cost before any call: about $" in fine.stderr and "as of 20" in fine.stderr


def test_an_unpriced_model_runs_only_under_max_usd_0(tmp_path, probes, server):
    # "words" is in no price table: no limit above 0 can be held, and no limit is no estimate
    for limit, said in ((None, "its cost cannot be estimated"), ("5", "--max-usd 5 cannot be held without a price")):
        result = run(tmp_path, probes, server, max_usd=limit)
        assert_refused(result, "on openai:words: no price in the pricing tables", said, "pass --max-usd 0")
    assert server.count() == 0


def test_endpoint_options_are_checked_before_any_measurement(tmp_path, probes, server, monkeypatch):
    from builders import assert_clean_error

    folder, path = probes
    assert_clean_error(invoke("probe", "run", path, "--corpus", folder, "--retrievers", "words", "--arms", "base",
                              "--backend", "words-model", "--base-url", server.base_url),
                       "--base-url is for --backend openai, not 'words-model'")
    monkeypatch.delenv(KEY_ENV)
    assert_clean_error(run(tmp_path, probes, server), f"set {KEY_ENV} (the key is read from the environment only)")
    assert server.count() == 0
