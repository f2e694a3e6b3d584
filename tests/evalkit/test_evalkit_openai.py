"""The "openai" backend, against recorded HTTP exchanges (tests/data/openai/*.json); never the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptcost.corpus.encodings import get_counter
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.registry import Backend, FinetuneSettings, get_backend
from adaptcost.evalkit.backends.openai import OpenAIBackend, urllib_transport

DATA = Path(__file__).resolve().parents[1] / "data" / "openai"
KEY = "sk-test-SECRET0123456789abcdef3456"
BASE = "https://api.example.test/v1"


class Replay:
    """A transport that checks each request against a recording and returns the recorded response."""

    def __init__(self, *names: str) -> None:
        self.exchanges = [ex for name in names for ex in json.loads((DATA / f"{name}.json").read_text())["exchanges"]]
        self.sent: list[tuple[str, str, dict, dict | None]] = []

    def __call__(self, method, url, headers, body):
        assert self.exchanges, f"unexpected request: {method} {url}"
        expected = self.exchanges.pop(0)
        req = expected["request"]
        assert method == req["method"]
        assert url == BASE + req["path"]
        assert headers["Authorization"] == f"Bearer {KEY}"
        for field, value in req.get("body", {}).items():
            assert body is not None and body.get(field) == value, (field, body and body.get(field), value)
        self.sent.append((method, url, headers, body))
        return expected["response"]["status"], expected["response"]["body"]

    def done(self) -> None:
        assert not self.exchanges, f"{len(self.exchanges)} recorded exchanges were never requested"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def backend(replay: Replay, **options) -> OpenAIBackend:
    return OpenAIBackend("gpt-4.1-mini", BASE, transport=replay, sleep=lambda s: None, poll_interval=0, **options)


# ------------------------------------------------------------------ registry and construction


def test_registry_builds_an_openai_backend_with_a_transport():
    replay = Replay()
    b = get_backend("openai", base_url=BASE, transport=replay)
    assert isinstance(b, OpenAIBackend) and isinstance(b, Backend)
    assert b.name == "openai:gpt-4.1-mini"
    assert get_backend("openai:gpt-4.1-nano", base_url=BASE, transport=replay).name == "openai:gpt-4.1-nano"


def test_registry_suggests_openai_for_a_typo():
    with pytest.raises(AdaptcostError, match="openai"):
        get_backend("opnai")


def test_base_url_defaults_to_env_then_openai(monkeypatch):
    assert OpenAIBackend(transport=Replay()).base_url == "https://api.openai.com/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8000/v1/")
    assert OpenAIBackend(transport=Replay()).base_url == "http://localhost:8000/v1"


def test_missing_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(AdaptcostError, match=r"set OPENAI_API_KEY \(the key is read from the environment only\)"):
        get_backend("openai", transport=Replay())
    monkeypatch.setenv("MY_KEY", KEY)
    assert OpenAIBackend(api_key_env="MY_KEY", transport=Replay()).api_key_env == "MY_KEY"


def test_the_key_is_not_in_repr_or_attributes():
    b = backend(Replay())
    assert KEY not in repr(b)
    assert KEY not in repr(vars(b))


# ------------------------------------------------------------------ scoring


def test_exact_loglikelihood_sums_the_continuation_tokens():
    replay = Replay("completions_echo")
    b = backend(replay)
    ctx = "The capital of France is"
    got = b.loglikelihood([(ctx, " Paris"), (ctx, ""), (ctx, " Paris, France")])
    replay.done()
    assert got[0] == (pytest.approx(-0.05), 1)
    assert got[1] == (0.0, 0)  # empty continuation: no request
    assert got[2] == (pytest.approx(-0.05 - 2.5 - 1.25), 3)
    assert b.scoring == "prompt-logprobs"


def test_echo_rejection_switches_to_chat_top_logprobs_for_good():
    replay = Replay("echo_rejected_then_chat")
    b = backend(replay)
    ctx = "The capital of France is"
    got = b.loglikelihood([(ctx, " Paris"), (ctx, " Lyon"), (ctx, " Paris, France"), (ctx, " London")])
    assert b.scoring == "chat-top-logprobs"
    paris, lyon, paris_france, london = got
    assert paris == (pytest.approx(-0.0123), 1)
    assert lyon == (-40.0, 2)  # "L" + "yon": neither in top_logprobs -> floor of -20 each
    assert paris_france == (pytest.approx(-0.0123 - 1.1 - 0.2), 3)  # on the greedy path throughout
    assert london == (pytest.approx(-11.5), 1)  # first token found in the top list
    assert paris[0] > london[0] > lyon[0]
    # the next call goes straight to chat (the recording has no second /completions)
    assert b.loglikelihood([("2 + 2 =", " 4")]) == [(pytest.approx(-0.001), 1)]
    replay.done()


def test_scoring_cost_estimate_uses_exact_tokens_and_the_input_rate():
    from adaptcost.prices.book import load_pricing

    b = backend(Replay())
    requests = [("The capital of France is", " Paris"), ("2 + 2 =", " 4"), ("x", "")]
    counter = get_counter("o200k_base")
    tokens = counter.count("The capital of France is Paris") + counter.count("2 + 2 = 4")
    rate = load_pricing().get("gpt-4.1-mini").rates.input
    assert b.estimate_scoring_usd(requests) == pytest.approx(tokens * rate / 1e6)


# ------------------------------------------------------------------ generation, errors, retries


def test_generate_uses_chat_greedily():
    replay = Replay("chat_generate")
    assert backend(replay).generate(["Say hello in French."], max_new_tokens=16) == ["Bonjour !"]
    replay.done()


def test_retries_on_429_then_succeeds():
    replay = Replay("retry_429")
    waits: list[float] = []
    b = OpenAIBackend("gpt-4.1-mini", BASE, transport=replay, sleep=waits.append, backoff=0.5)
    assert b.generate(["Say hello in French."]) == ["Bonjour !"]
    assert waits == [0.5]
    replay.done()


def test_persistent_5xx_gives_up_after_three_retries():
    calls = []

    def transport(method, url, headers, body):
        calls.append(url)
        return 503, {"error": {"message": "The server is overloaded."}}

    b = OpenAIBackend("gpt-4.1-mini", BASE, transport=transport, sleep=lambda s: None)
    with pytest.raises(AdaptcostError, match=r"HTTP 503 after 4 tries: The server is overloaded"):
        b.generate(["hi"])
    assert len(calls) == 4


def test_401_is_one_line_without_the_key():
    replay = Replay("error_401")
    with pytest.raises(AdaptcostError) as err:
        backend(replay).generate(["hi"])
    message = str(err.value)
    assert "\n" not in message
    assert f"POST {BASE}/chat/completions failed with HTTP 401" in message
    assert KEY not in message and "SECRET" not in message and "3456" not in message


def test_network_failure_names_the_url_not_the_key():
    # a port nobody listens on, on the loopback interface: no network is touched
    b = OpenAIBackend("gpt-4.1-mini", "http://127.0.0.1:9/v1", transport=lambda *a: urllib_transport(*a, timeout=2))
    with pytest.raises(AdaptcostError) as err:
        b.generate(["hi"])
    assert "http://127.0.0.1:9/v1/chat/completions" in str(err.value)
    assert KEY not in str(err.value)


# ------------------------------------------------------------------ pricing-backed helpers


def test_context_window_and_tokens_come_from_the_pricing_table():
    from adaptcost.prices.book import load_pricing

    b = backend(Replay())
    assert b.context_window() == load_pricing().get("gpt-4.1-mini").context_window_tokens
    assert b.count_tokens("Hello! How can I help you today?") == 9
    unknown = OpenAIBackend("my-local-llama", BASE, transport=Replay())
    assert unknown.context_window() == 8192
    assert unknown.count_tokens("Hello! How can I help you today?") == 9  # o200k estimate
    tuned = OpenAIBackend("ft:gpt-4.1-mini-2025-04-14:acme::BkR3c9Qz", BASE, transport=Replay())
    assert tuned.context_window() == b.context_window()


# ------------------------------------------------------------------ fine-tuning


TEXTS = ["The cat sat on the mat.", "A dog runs.", "Hello! How can I help you today?"]


def test_finetune_dry_run_gives_the_cost_estimate():
    from adaptcost.prices.book import load_pricing

    price = load_pricing().get("gpt-4.1-mini")
    counter = get_counter("o200k_base")
    tokens = sum(counter.count(t) + 10 for t in TEXTS)
    settings = FinetuneSettings(epochs=3)
    usd = price.finetune.training_usd_per_mtok * tokens * 3 / 1e6
    b = backend(Replay())
    assert b.estimate_finetune_usd(TEXTS, settings) == pytest.approx(usd)
    with pytest.raises(AdaptcostError) as err:
        b.finetune(TEXTS, settings)
    message = str(err.value)
    assert f"fine-tuning gpt-4.1-mini on 3 examples ({tokens:,} tokens × 3 epochs)" in message
    assert f"about ${usd:.4f}" in message  # under a cent: four decimals
    assert f"at ${price.finetune.training_usd_per_mtok:g}/1M training tokens" in message
    assert f"pricing/openai.yaml, as of {price.finetune.as_of}" in message
    assert "pass dry_run=False (or --api-finetune) to run it" in message

    many = TEXTS * 1000
    big = price.finetune.training_usd_per_mtok * tokens * 1000 * FinetuneSettings().epochs / 1e6
    with pytest.raises(AdaptcostError, match=rf"3,000 examples .* about \${big:,.2f} at"):
        b.finetune(many, FinetuneSettings())


def test_finetune_runs_upload_job_and_polls_when_asked():
    replay = Replay("finetune_flow")
    seen: list[tuple[int, int]] = []
    tuned = backend(replay).finetune(TEXTS[:2], FinetuneSettings(epochs=2), progress=lambda d, t: seen.append((d, t)), dry_run=False)
    replay.done()
    assert isinstance(tuned, OpenAIBackend)
    assert tuned.name == "openai:ft:gpt-4.1-mini-2025-04-14:acme::BkR3c9Qz"
    assert tuned.base_url == BASE
    assert seen == [(0, 1), (1, 1)]
    upload = replay.sent[0]
    assert upload[2]["Content-Type"].startswith("multipart/form-data")
    lines = [json.loads(line) for line in upload[3]["file"]["content"].splitlines()]
    assert [m["messages"][-1] for m in lines] == [{"role": "assistant", "content": t} for t in TEXTS[:2]]


def test_a_failed_job_is_an_error():
    recorded = json.loads((DATA / "finetune_flow.json").read_text())["exchanges"]
    failed = dict(recorded[-1]["response"]["body"], status="failed", error={"message": "Training file has too few examples."})
    answers = [r["response"]["body"] for r in recorded[:2]] + [failed]

    def transport(method, url, headers, body):
        return 200, answers.pop(0)

    b = OpenAIBackend("gpt-4.1-mini", BASE, transport=transport, sleep=lambda s: None)
    with pytest.raises(AdaptcostError, match="fine-tuning job ftjob-rec7 failed: Training file has too few examples"):
        b.finetune(TEXTS, dry_run=False)


def test_multipart_body_encodes_fields_and_the_file():
    from adaptcost.evalkit.backends.openai import _multipart

    data, content_type = _multipart({"purpose": "fine-tune", "file": {"filename": "t.jsonl", "content": '{"a": 1}\n'}})
    boundary = content_type.split("boundary=")[1]
    assert data.startswith(f"--{boundary}\r\n".encode()) and data.endswith(f"--{boundary}--\r\n".encode())
    assert b'name="purpose"\r\n\r\nfine-tune\r\n' in data
    assert b'filename="t.jsonl"' in data and b'{"a": 1}\n' in data


def test_eval_refuses_to_start_past_the_budget(monkeypatch, tmp_path):
    # scoring the quick reversal set (base + ICL with the documents in every request) costs
    # far more than a tenth of a cent at gpt-4.1-mini's $0.40/1M input: refused before any call
    from typer.testing import CliRunner

    from adaptcost.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens: a call would fail loudly
    result = CliRunner().invoke(app, ["eval", "--backend", "openai", "--model", "gpt-4.1-mini", "--quick",
                                      "--datasets", "reversal", "--strategies", "base,icl", "--budget", "0.001",
                                      "--output", str(tmp_path / "c.yaml")])
    assert result.exit_code == 1
    assert "over the --budget of $0.00" in result.stderr and "sk-test" not in result.output


def test_constructor_opt_in_runs_the_job_without_a_dry_run_argument():
    # what `adaptcost eval --backend openai --api-finetune` builds: the runner's plain finetune() call bills
    replay = Replay("finetune_flow")
    tuned = backend(replay, run_finetunes=True).finetune(TEXTS[:2], FinetuneSettings(epochs=2))
    replay.done()
    assert tuned.name == "openai:ft:gpt-4.1-mini-2025-04-14:acme::BkR3c9Qz"


# ------------------------------------------------------------------ the key: read, checked, never leaked


def test_a_key_with_a_windows_line_ending_is_stripped(monkeypatch):
    # a Windows .env leaves "\r\n" after the key: before, urllib raised
    # ValueError: Invalid header value b'Bearer sk-...\r\n' (the whole key on screen)
    monkeypatch.setenv("OPENAI_API_KEY", f"  {KEY}\r\n")
    replay = Replay("chat_generate")  # checks the header is exactly "Bearer KEY"
    assert backend(replay).generate(["Say hello in French."], max_new_tokens=16) == ["Bonjour !"]
    replay.done()


@pytest.mark.parametrize(
    ("value", "why"),
    [(KEY[:10] + " " + KEY[10:], "a space at character 11"),
     (KEY[:10] + "\n" + KEY[10:], "a control character (a line break?) at character 11"),
     (KEY[:10] + "é" + KEY[10:], "a non-ASCII character at character 11")],
)
def test_a_key_a_header_cannot_carry_is_one_line_without_the_key(monkeypatch, value, why):
    monkeypatch.setenv("OPENAI_API_KEY", value)
    with pytest.raises(AdaptcostError) as err:
        backend(Replay())
    message = str(err.value)
    assert message == (f"OPENAI_API_KEY holds {why} of {len(value)}, which an HTTP header cannot carry: "
                       "copy the key again without spaces, quotes or line breaks")
    assert KEY[:10] not in message and KEY[11:] not in message


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "echo",
    [_b64(KEY), _b64(f"Bearer {KEY}"), _b64(f"user:{KEY}"), _b64(f"x{KEY}"), _b64(f"xy{KEY}"),  # every alignment
     "header: " + _b64(f"Authorization: Bearer {KEY}"),
     f"got 'Bearer {KEY[:14]}' then '{KEY[14:]}'",  # the header cut in two
     f"got {KEY[8:20]} and {KEY[20:]}"],
)
def test_an_echoed_key_is_scrubbed_in_base64_and_in_pieces(echo):
    def transport(method, url, headers, body):
        return 401, {"error": {"message": f"bad credentials ({echo})"}}

    with pytest.raises(AdaptcostError) as err:
        OpenAIBackend("gpt-4.1-mini", BASE, transport=transport).generate(["hi"])
    message = str(err.value)
    assert message.startswith(f"POST {BASE}/chat/completions failed with HTTP 401: bad credentials (")
    assert_no_piece_of_the_key(message)
    assert "***" in message


def assert_no_piece_of_the_key(message: str) -> None:
    """No run of 8 characters of the key, nor of its base64 (at any alignment), is in ``message``."""
    forms = [KEY] + [_b64(p + KEY) for p in ("", "x", "xy")]
    assert not [f[i : i + 8] for f in forms for i in range(len(f) - 7) if f[i : i + 8] in message], message


def test_redact_keeps_what_is_not_the_key():
    from adaptcost.evalkit.backends.apikey import redact

    assert redact("nothing secret: sk-test SECRET0", KEY) == "nothing secret: sk-test SECRET0"  # runs under 8 stay
    assert redact(f"a={KEY}; b=2", KEY) == "a=***; b=2"  # widened over the token, not past it
    assert redact("abc", "") == "abc"


def test_a_generation_and_a_failed_job_do_not_carry_the_key():
    recorded = json.loads((DATA / "finetune_flow.json").read_text())["exchanges"]
    failed = dict(recorded[-1]["response"]["body"], status="failed", error={"message": f"bad key {_b64('Bearer ' + KEY)}"})
    answers = [r["response"]["body"] for r in recorded[:2]] + [failed]

    def transport(method, url, headers, body):
        if url.endswith("/chat/completions"):
            return 200, {"choices": [{"message": {"content": f"your key is {KEY}"}}]}
        return 200, answers.pop(0)

    b = OpenAIBackend("gpt-4.1-mini", BASE, transport=transport, sleep=lambda s: None)
    assert b.generate(["what is my key?"]) == ["your key is ***"]
    with pytest.raises(AdaptcostError) as err:
        b.finetune(TEXTS, dry_run=False)
    assert str(err.value) == "fine-tuning job ftjob-rec7 failed: bad key ***"


# ------------------------------------------------------------------ redirects, against a real local server


class _Server:
    """An HTTP server on 127.0.0.1 in a thread that records each request's Authorization header."""

    def __init__(self, answer):
        import http.server
        import threading

        self.seen: list[tuple[str, str, str | None]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.seen.append((self.command, self.path, self.headers.get("Authorization")))
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                payload = json.dumps(body).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _ok(handler):
    return 200, {}, {"choices": [{"message": {"content": "Bonjour !"}}], "id": "ftjob-1", "status": "running"}


@pytest.mark.parametrize(("method", "code"), [("GET", 301), ("GET", 302), ("GET", 303), ("GET", 307), ("GET", 308),
                                              ("POST", 301), ("POST", 302), ("POST", 303)])
def test_a_redirect_to_another_host_is_refused_and_the_key_stays(method, code):
    # before: urllib followed every one of these, Authorization header included, to the second host
    with _Server(_ok) as other:
        target = f"http://localhost:{other.port}/steal"
        with _Server(lambda h: (code, {"Location": target}, {})) as endpoint:
            url = f"http://127.0.0.1:{endpoint.port}/v1/fine_tuning/jobs/ftjob-1"
            body = {"model": "m"} if method == "POST" else None
            with pytest.raises(AdaptcostError) as err:
                urllib_transport(method, url, {"Authorization": f"Bearer {KEY}"}, body, timeout=5)
    assert other.seen == []
    assert str(err.value) == (f"{method} {url} was redirected (HTTP {code}) to another host, http://localhost:{other.port}: "
                              "not followed, so the API key stays with the endpoint; set base_url to the new address if you trust it")


def test_a_redirect_to_another_port_of_the_same_host_is_refused_through_the_backend():
    with _Server(_ok) as other:
        with _Server(lambda h: (302, {"Location": f"http://127.0.0.1:{other.port}/v1/chat/completions"}, {})) as endpoint:
            b = OpenAIBackend("gpt-4.1-mini", f"http://127.0.0.1:{endpoint.port}/v1",
                              transport=lambda *a: urllib_transport(*a, timeout=5))
            with pytest.raises(AdaptcostError, match="redirected \\(HTTP 302\\) to another host"):
                b.generate(["hi"])
    assert other.seen == [] and endpoint.seen[0][2] == f"Bearer {KEY}"


@pytest.mark.parametrize("code", [302, 307, 308])
def test_a_redirect_within_the_endpoint_is_followed_with_the_key(code):
    def answer(handler):
        if handler.path.startswith("/old/"):
            return code, {"Location": "/v1/chat/completions"}, {}
        return _ok(handler)

    with _Server(answer) as endpoint:
        b = OpenAIBackend("gpt-4.1-mini", f"http://127.0.0.1:{endpoint.port}/old",
                          transport=lambda *a: urllib_transport(*a, timeout=5))
        assert b.generate(["hi"]) == ["Bonjour !"]
    follow = "POST" if code in (307, 308) else "GET"  # 307/308 keep the method (RFC 9110 15.4.8-9)
    assert endpoint.seen == [("POST", "/old/chat/completions", f"Bearer {KEY}"),
                             (follow, "/v1/chat/completions", f"Bearer {KEY}")]


def test_an_echoing_server_sees_its_echo_scrubbed():
    def echo(handler):
        auth = handler.headers.get("Authorization") or ""
        return 401, {}, {"error": {"message": f"rejected {_b64(auth)} / {auth[:12]} {auth[12:]}"}}

    with _Server(echo) as endpoint:
        b = OpenAIBackend("gpt-4.1-mini", f"http://127.0.0.1:{endpoint.port}/v1",
                          transport=lambda *a: urllib_transport(*a, timeout=5))
        with pytest.raises(AdaptcostError) as err:
            b.generate(["hi"])
    message = str(err.value)
    assert message.startswith("POST http://127.0.0.1:") and "HTTP 401: rejected" in message
    assert_no_piece_of_the_key(message)
