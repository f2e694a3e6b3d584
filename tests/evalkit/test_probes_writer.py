"""probe build --writer: questions written by a model and checked by a second call, a call cache
that makes no call twice (a killed build resumes), the cost before any call, --max-usd, and an API
key that reaches no output. A deterministic fake backend stands in for the model; the HTTP layer is
exercised through OpenAIBackend's transport seam with responses of /chat/completions' shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from adaptcost.corpus.encodings import get_counter
from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.openai import OpenAIBackend, chat_body
from adaptcost.evalkit.probes import writer as writer_mod
from adaptcost.evalkit.probes.build import BuildRequest, build_probes
from adaptcost.evalkit.probes.callcache import CallCache, call_key
from adaptcost.evalkit.probes.probefile import read_probes
from adaptcost.evalkit.probes.questions import shares_run
from adaptcost.evalkit.backends.openai import CHAT_MESSAGE_TOKENS as CHAT_FRAMING_TOKENS
from adaptcost.evalkit.probes.writer import (CHECK_TOKENS, WRITE_TOKENS, WriterRequest, check_prompt,
                                             chosen, clean_question, picked, shown_base_url)
from builders import PRICES, assert_clean_error, invoke
from test_probes_build import SMALL, write

BASE_URL = "http://127.0.0.1:9/v1"


class FakeWriter:
    """A deterministic model: writes "Which item does probe N ask about?" (never its answer) and,
    as the check, picks the option it was told is the answer. `leak`: answers whose question
    holds them; `echo`: answers whose question repeats the evidence; `wrong`: answers the check
    misses; `fail_after`: raise after that many calls (a build killed mid-way)."""

    def __init__(self, model="tiny", leak=(), echo=(), wrong=(), fail_after=None):
        self.model, self.base_url = model, BASE_URL
        self.leak, self.echo, self.wrong, self.fail_after = set(leak), set(echo), set(wrong), fail_after
        self.prompts: list[tuple[str, int]] = []
        self.answers: dict[str, str] = {}

    def generate(self, prompts, max_new_tokens=128):
        assert len(prompts) == 1
        if self.fail_after is not None and len(self.prompts) >= self.fail_after:
            raise RuntimeError("killed")
        prompt = prompts[0]
        self.prompts.append((prompt, max_new_tokens))
        return [self._check(prompt) if prompt.startswith("Answer the multiple-choice question") else self._write(prompt)]

    def _write(self, prompt):
        answer = re.search(r"^Answer: (.*)$", prompt, re.M).group(1)
        evidence = re.search(r"^Evidence: (.*)$", prompt, re.M).group(1)
        if answer in self.leak:
            question = f"Is it {answer}?"
        elif answer in self.echo:
            question = evidence.replace("*", "").replace(answer, "what").rstrip(".") + "?"
        else:
            n = len(self.answers)
            question = f"Which item does probe {n} ask about?"
            while answer.lower() in question.lower():
                n += 1000
                question = f"Which item does probe {n} ask about?"
        self.answers[question] = answer
        return f"Question: {question}\n"

    def _check(self, prompt):
        question = re.sub(r" \(Bearer [^)]*\)$", "", re.search(r"^Question: (.*)$", prompt, re.M).group(1))  # an echoed header
        options = re.findall(r"^([A-E])\) (.*)$", prompt, re.M)
        answer = self.answers[question]
        letter = next(letter for letter, text in options if text == answer)
        if answer in self.wrong:
            letter = next(lt for lt, text in options if text != answer)
        return letter

    @property
    def writes(self):
        return [p for p, _ in self.prompts if not p.startswith("Answer the multiple-choice")]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def corpus(tmp_path):
    return write(tmp_path / "docs", SMALL)


@pytest.fixture
def pricing(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(PRICES))
    return (path,)


def build(corpus, output, backend=None, pricing=(), said=None, **writer):
    options = {"model": "tiny", **writer}
    request = BuildRequest((str(corpus),), output, writer=WriterRequest(**options), pricing=tuple(pricing))
    return build_probes(request, backend=backend, say=(said.append if said is not None else None))


def offline(corpus, output):
    return build_probes(BuildRequest((str(corpus),), output))


def test_written_probes_keep_the_offline_options_and_key(corpus, tmp_path, cache, pricing):
    base = offline(corpus, tmp_path / "offline.jsonl")
    fake = FakeWriter()
    result = build(corpus, tmp_path / "probes.jsonl", fake, pricing)
    header, probes = read_probes(tmp_path / "probes.jsonl")
    assert header["generator"] == "offline+writer"  # multi-hop and category stay offline
    assert header["writer"]["model"] == "tiny" and header["writer"]["base_url"] == BASE_URL
    written = [p for p in probes if p["written_by"]]
    assert written and all(p["type"] in ("recall", "rephrasing", "reversal") for p in written)
    assert {p["type"] for p in probes if not p["written_by"]} == {"multi-hop", "category"}
    twins = {(p["type"], p["fact"]): p for p in base.probes}
    for p in written:
        twin = twins[(p["type"], p["fact"])]
        assert p["options"] == twin["options"] and p["answer"] == twin["answer"] and p["evidence"] == twin["evidence"]
        assert p["question"] != twin["question"] and p["question"].startswith("Which item does probe")
        assert p["check"] == {"model": "tiny", "picked": "ABCDE"[p["answer"]], "verdict": "pass"}
    assert header["writer"]["written"] == len(written) == len(fake.writes)
    assert header["writer"]["calls"] == {"made": 2 * len(written), "cached": 0}  # a write and a check each
    assert result.header["types"] == {t: sum(p["type"] == t for p in probes) for t in header["types"]}
    rows = (tmp_path / "probes.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "question,options,key,evidence,type,written_by,check"
    assert sum(",tiny,pass: tiny picked " in r for r in rows) == len(written)


def test_the_check_sees_only_the_evidence_question_and_lettered_options(corpus, tmp_path, cache, pricing):
    fake = FakeWriter()
    build(corpus, tmp_path / "probes.jsonl", fake, pricing)
    _, probes = read_probes(tmp_path / "probes.jsonl")
    checks = [p for p, _ in fake.prompts if p.startswith("Answer the multiple-choice")]
    expected = {check_prompt([e["sentence"] for e in p["evidence"]], p["question"], p["options"]) for p in probes if p["written_by"]}
    assert set(checks) == expected
    sample = next(p for p in probes if p["written_by"])
    prompt = check_prompt([e["sentence"] for e in sample["evidence"]], sample["question"], sample["options"])
    assert "Answer:" not in prompt and sample["evidence"][0]["document"] not in prompt  # no key, no document
    assert all(m == CHECK_TOKENS for p, m in fake.prompts if p.startswith("Answer the multiple-choice"))


def test_rejected_questions_keep_the_offline_probe_and_say_why(corpus, tmp_path, cache, pricing):
    base = offline(corpus, tmp_path / "offline.jsonl")
    echo = {p["options"][p["answer"]] for p in base.probes if p["type"] == "rephrasing"}  # (recall may repeat its evidence)
    leak = {p["options"][p["answer"]] for p in base.probes if p["type"] == "recall"} - echo
    build(corpus, tmp_path / "probes.jsonl", FakeWriter(leak=leak, echo=echo), pricing)
    header, probes = read_probes(tmp_path / "probes.jsonl")
    fallbacks = [p for p in probes if "fallback" in p]
    assert fallbacks and all(p["written_by"] is None for p in fallbacks)
    for p in fallbacks:
        assert p["question"] == next(b["question"] for b in base.probes if (b["type"], b["fact"]) == (p["type"], p["fact"]))
    leaked = [p for p in fallbacks if "holds its answer" in p["fallback"]]
    echoed = [p for p in fallbacks if "repeats 4 words in a row" in p["fallback"]]
    twice = [p for p in fallbacks if "another probe asks the same question" in p["fallback"]]  # recall's echo, asked again
    assert leaked and echoed and twice and len(leaked) + len(echoed) + len(twice) == len(fallbacks)
    assert header["writer"]["offline"]["recall"] == sum(p["type"] == "recall" for p in fallbacks)
    assert header["writer"]["offline"]["rephrasing"] == sum(p["type"] == "rephrasing" for p in fallbacks)
    for p in probes:
        assert p["options"][p["answer"]].lower() not in p["question"].lower()
        if p["type"] == "rephrasing" and p["written_by"]:
            assert not shares_run(p["question"], p["evidence"][0]["sentence"])


def test_probes_the_check_misses_are_dropped_and_counted_per_type(corpus, tmp_path, cache, pricing):
    base = offline(corpus, tmp_path / "offline.jsonl")
    reversals = [p for p in base.probes if p["type"] == "reversal"]
    wrong = {reversals[0]["options"][reversals[0]["answer"]]}
    build(corpus, tmp_path / "probes.jsonl", FakeWriter(wrong=wrong), pricing)
    header, probes = read_probes(tmp_path / "probes.jsonl")
    dropped = [p for p in base.probes if p["type"] in ("recall", "rephrasing", "reversal") and p["options"][p["answer"]] in wrong]
    assert header["writer"]["dropped_by_check"]["reversal"] == sum(p["type"] == "reversal" for p in dropped) >= 1
    assert len(probes) == len(base.probes) - len(dropped)
    assert not {(p["type"], p["fact"]) for p in probes} & {(p["type"], p["fact"]) for p in dropped}


def test_a_killed_build_resumes_and_makes_no_call_twice(corpus, tmp_path, cache, pricing):
    out = tmp_path / "probes.jsonl"
    whole = FakeWriter()
    build(corpus, tmp_path / "reference.jsonl", whole, pricing)
    total = len(whole.prompts)
    # a fresh cache: the same build killed after 7 calls, then run again
    for entry in sorted(cache.glob("probe-writer/*/*.json")):
        entry.unlink()
    killed = FakeWriter(fail_after=7)
    with pytest.raises(RuntimeError, match="killed"):
        build(corpus, out, killed, pricing)
    assert len(killed.prompts) == 7 and not out.exists() and not out.with_suffix(".csv").exists()
    out.write_text("an earlier file\n")
    with pytest.raises(RuntimeError, match="killed"):
        build(corpus, out, FakeWriter(fail_after=0), pricing)
    assert out.read_text() == "an earlier file\n"  # nothing half-written over it
    again = FakeWriter()
    again.answers = killed.answers  # the model's memory of its questions, for its checks
    result = build(corpus, out, again, pricing)
    assert len(again.prompts) == total - 7  # nothing asked twice
    assert result.header["writer"]["calls"] == {"made": total - 7, "cached": 7}
    assert not set(again.prompts) & set(killed.prompts)
    third = FakeWriter()
    build(corpus, out, third, pricing)
    assert third.prompts == []
    lines, reference = out.read_text().splitlines(), (tmp_path / "reference.jsonl").read_text().splitlines()
    assert lines[1:] == reference[1:]  # the same probes, byte for byte
    assert json.loads(lines[0])["writer"]["calls"] == {"made": 0, "cached": total}


def test_the_cost_before_any_call_worked_by_hand(corpus, tmp_path, cache, pricing):
    """tiny bills $2 per 1M input and $8 per 1M output tokens (tests/builders.PRICES), o200k_base exact.
    Each write: its prompt's tokens + 7 framing in, 96 out; each check before its question is
    written: its prompt without a question + 96 + 7 in, 8 out."""
    fake = FakeWriter()
    said = []
    result = build(corpus, tmp_path / "probes.jsonl", None, pricing, said, dry_run=True, base_url=BASE_URL)
    assert said == []  # a dry run returns its estimate
    assert result.files == () and not (tmp_path / "probes.jsonl").exists() and fake.prompts == []
    base = offline(corpus, tmp_path / "offline.jsonl")
    todo = [p for p in base.probes if p["type"] in ("recall", "rephrasing", "reversal")]
    count = get_counter("o200k_base").count
    run = FakeWriter()  # the write prompts, as sent: the same whether estimated or made
    build(corpus, tmp_path / "run.jsonl", run, pricing)
    writes = run.writes
    checks_unwritten = [check_prompt([e["sentence"] for e in p["evidence"]], "", p["options"]) for p in todo]
    tokens_in = sum(count(w) + CHAT_FRAMING_TOKENS for w in writes) + sum(count(c) + WRITE_TOKENS + CHAT_FRAMING_TOKENS for c in checks_unwritten)
    tokens_out = len(todo) * (WRITE_TOKENS + CHECK_TOKENS)
    est = result.estimate
    assert (est.calls, est.cached, est.unwritten_checks) == (2 * len(todo), 0, len(todo))
    assert (est.tokens_in, est.tokens_out) == (tokens_in, tokens_out)
    assert est.usd == pytest.approx(tokens_in * 2.0 / 1e6 + tokens_out * 8.0 / 1e6)
    assert [p.as_of for p in est.prices] == ["2026-11-01", "2026-11-01"]
    assert "as of 2026-11-01, https://example.test" in est.line() and "at $2 (input) and $8 (output) per 1M tokens" in est.line()
    # after the run every call is cached: the estimate is 0 calls, $0
    again = build(corpus, tmp_path / "x.jsonl", None, pricing, dry_run=True, base_url=BASE_URL).estimate
    assert (again.calls, again.cached, again.usd, again.tokens_in) == (0, 2 * len(todo), 0.0, 0)


def test_max_usd_refuses_before_any_call(corpus, tmp_path, cache, pricing):
    fake = FakeWriter()
    with pytest.raises(AdaptcostError, match=r"over --max-usd 0\.0001; nothing was sent") as err:
        build(corpus, tmp_path / "probes.jsonl", fake, pricing, max_usd=0.0001)
    assert fake.prompts == [] and not (tmp_path / "probes.jsonl").exists()
    assert re.search(r": at most \$\d+\.\d{4}, at \$2 \(input\)", str(err.value))
    build(corpus, tmp_path / "probes.jsonl", fake, pricing, max_usd=1.0)
    assert fake.prompts


def test_a_model_without_a_price_needs_max_usd_0(corpus, tmp_path, cache):
    fake = FakeWriter(model="my-local-model")
    with pytest.raises(AdaptcostError, match=r"cost unknown: unknown model 'my-local-model'.*--max-usd 0 to state"):
        build(corpus, tmp_path / "p.jsonl", fake, model="my-local-model")
    with pytest.raises(AdaptcostError, match=r"--max-usd 5 cannot be held without a price"):
        build(corpus, tmp_path / "p.jsonl", fake, model="my-local-model", max_usd=5)
    assert fake.prompts == []
    result = build(corpus, tmp_path / "p.jsonl", fake, model="my-local-model", max_usd=0)
    assert fake.prompts and result.header["writer"]["estimate"]["usd_at_most"] is None


def test_writer_limit_spreads_the_written_probes():
    types = ["recall"] * 6 + ["multi-hop"] + ["reversal"] * 3
    assert chosen(types, None) == [0, 1, 2, 3, 4, 5, 7, 8, 9]
    assert chosen(types, 3) == [0, 3, 7]  # eligible[0], eligible[3], eligible[6]
    assert chosen(types, 50) == chosen(types, None)


def test_writer_limit_keeps_the_rest_offline(corpus, tmp_path, cache, pricing):
    fake = FakeWriter()
    result = build(corpus, tmp_path / "probes.jsonl", fake, pricing, limit=2)
    assert result.header["writer"]["written"] == 2 and len(fake.prompts) == 4
    assert result.header["generator"] == "offline+writer"


@pytest.mark.parametrize("reply,expected", [
    ("B", 1), ("B.", 1), ("(C)", 2), ("A) 30 days", 0), ("Answer: D", 3), ("**B**", 1), ("b", 1),
    ("14 days", 1), ("14 days.", 1), ("E", None), ("I think it is B", None), ("All of them", None), ("", None),
])
def test_the_check_reply_must_name_one_option(reply, expected):
    assert picked(reply, ["30 days", "14 days", "60 days", "90 days"]) == expected


def test_clean_question():
    assert clean_question('\n**Question:** "How long is the refund window?"\nExtra') == "How long is the refund window?"
    assert clean_question("1. Which team owns Quill?") == "Which team owns Quill?"
    assert clean_question("   \n") == ""


def test_shown_base_url_drops_credentials():
    assert shown_base_url("https://user:secret@api.example.test:8443/v1?key=abc#x") == "https://api.example.test:8443/v1"


def test_the_call_key_is_the_base_url_model_and_body_never_the_key(monkeypatch):
    body = chat_body("tiny", "hello", 8)
    key = call_key(BASE_URL, "tiny", body)
    assert key != call_key("http://127.0.0.1:10/v1", "tiny", body)
    assert key != call_key(BASE_URL, "other", chat_body("other", "hello", 8))
    assert key != call_key(BASE_URL, "tiny", chat_body("tiny", "hello", 9))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-one-aaaaaaaaaaaa")
    first = call_key(BASE_URL, "tiny", body)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-two-bbbbbbbbbbbb")
    assert call_key(BASE_URL, "tiny", body) == first == key


def test_a_damaged_cache_entry_is_a_miss(tmp_path):
    cache = CallCache(tmp_path)
    cache.put("ab" + "0" * 62, "B")
    assert cache.get("ab" + "0" * 62) == "B"
    cache.path("ab" + "0" * 62).write_text("{not json")
    calls = []
    assert cache.reply("ab" + "0" * 62, lambda: calls.append(1) or "C") == "C" and calls == [1]
    assert cache.get("ab" + "0" * 62) == "C"


# ---------------------------------------------------------------- through the HTTP seam and the CLI


def assert_error_after_progress(result, *fragments):
    """Progress lines (off a terminal), then one error line: exit status 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error:") and sum(line.startswith("error:") for line in lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]

SENTINEL = "sk-SENTINEL-9f8e7d6c5b4a39281706"


class ChatTransport:
    """/chat/completions responses of OpenAI's shape, from a FakeWriter's replies; each reply also
    echoes the Authorization header (a hostile endpoint) where `echo_key` is set."""

    def __init__(self, echo_key=False, status=200):
        self.model = FakeWriter()
        self.echo_key, self.status = echo_key, status
        self.requests = []

    def __call__(self, method, url, headers, body):
        self.requests.append((method, url, headers, body))
        if self.status != 200:
            return self.status, {"error": {"message": f"bad key {headers['Authorization']}", "type": "invalid_request_error"}}
        prompt = body["messages"][0]["content"]
        text = self.model.generate([prompt], body["max_tokens"])[0]
        if self.echo_key and not prompt.startswith("Answer the multiple-choice"):
            text = text.rstrip("\n") + f" ({headers['Authorization']})"
        return 200, {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}


def test_the_api_key_reaches_no_output_log_cache_or_file(corpus, tmp_path, cache, pricing, monkeypatch):
    transport = ChatTransport(echo_key=True)
    monkeypatch.setattr("adaptcost.evalkit.backends.openai.urllib_transport", transport)
    monkeypatch.setenv("WRITER_KEY", SENTINEL)
    out = tmp_path / "probes.jsonl"
    result = invoke("probe", "build", "--corpus", corpus, "--output", out, "--writer", "tiny", "--base-url",
                    "https://user:pw@llm.example.test/v1", "--api-key-env", "WRITER_KEY", "--pricing", pricing[0], "--max-usd", 1)
    assert result.exit_code == 0, result.output
    assert transport.requests and all(h["Authorization"] == f"Bearer {SENTINEL}" for _, _, h, _ in transport.requests)
    texts = [result.output, out.read_text(encoding="utf-8"), out.with_suffix(".csv").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in cache.rglob("*") if p.is_file()]
    for text in texts:
        assert SENTINEL not in text and "SENTINEL" not in text and "user:pw" not in text
    header, probes = read_probes(out)
    assert header["writer"]["base_url"] == "https://llm.example.test/v1"
    assert "writer tiny at https://llm.example.test/v1:" in result.stderr and "at most $" in result.stderr
    assert "; written by tiny: " in result.stdout and "calls made, 0 from the cache" in result.stdout
    assert any("***" in p["question"] for p in probes if p["written_by"])  # the echoed key, scrubbed


def test_cli_writer_options_need_writer(corpus, tmp_path):
    for extra in (["--max-usd", "1"], ["--dry-run"], ["--base-url", BASE_URL], ["--writer-limit", "3"]):
        assert_clean_error(invoke("probe", "build", "--corpus", corpus, "--output", tmp_path / "p.jsonl", *extra),
                           "only with --writer MODEL")
    assert not (tmp_path / "p.jsonl").exists()


def test_cli_dry_run_prints_the_cost_and_writes_nothing(corpus, tmp_path, cache, pricing, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a dry run needs no key
    transport = ChatTransport()
    monkeypatch.setattr("adaptcost.evalkit.backends.openai.urllib_transport", transport)
    result = invoke("probe", "build", "--corpus", corpus, "--output", tmp_path / "p.jsonl", "--writer", "tiny",
                    "--pricing", pricing[0], "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: no call made, nothing written" in result.stdout and "as of 2026-11-01" in result.stdout
    assert transport.requests == [] and not (tmp_path / "p.jsonl").exists()


def test_cli_an_endpoint_error_is_one_line_and_nothing_is_written(corpus, tmp_path, cache, pricing, monkeypatch):
    monkeypatch.setattr("adaptcost.evalkit.backends.openai.urllib_transport", ChatTransport(status=401))
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    out = tmp_path / "p.jsonl"
    result = invoke("probe", "build", "--corpus", corpus, "--output", out, "--writer", "tiny", "--base-url", BASE_URL,
                    "--pricing", pricing[0])
    assert_error_after_progress(result, "HTTP 401", "bad key Bearer sk-***")
    assert SENTINEL not in result.output
    assert not out.exists() and not out.with_suffix(".csv").exists()


def test_cli_over_max_usd_is_one_line(corpus, tmp_path, cache, pricing, monkeypatch):
    transport = ChatTransport()
    monkeypatch.setattr("adaptcost.evalkit.backends.openai.urllib_transport", transport)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    result = invoke("probe", "build", "--corpus", corpus, "--output", tmp_path / "p.jsonl", "--writer", "tiny",
                    "--pricing", pricing[0], "--max-usd", "0")
    assert_error_after_progress(result, "over --max-usd 0", "nothing was sent")
    assert transport.requests == []


def test_openai_backend_generate_sends_the_cached_body(monkeypatch):
    """The cache keys on chat_body: the body generate sends, byte for byte."""
    transport = ChatTransport()
    transport.model.answers["Q?"] = "x"
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    backend = OpenAIBackend("tiny", BASE_URL, transport=transport)
    backend.generate(["Evidence: e\nAnswer: x\n"], 96)
    assert transport.requests[0][3] == chat_body("tiny", "Evidence: e\nAnswer: x\n", 96)
    assert writer_mod.CachedAsk(backend, backend.base_url, "tiny", CallCache()).key("p", 8) == call_key(BASE_URL, "tiny", chat_body("tiny", "p", 8))


def test_read_probes_checks_the_writer_fields(corpus, tmp_path, cache, pricing):
    from adaptcost.evalkit.probes.probefile import ProbesError

    out = tmp_path / "probes.jsonl"
    build(corpus, out, FakeWriter(), pricing)
    header, *lines = out.read_text(encoding="utf-8").splitlines()
    for field, value, said in (("written_by", 3, "'written_by' must be"), ("check", "pass", "'check' must be")):
        probe = json.loads(lines[0]) | {field: value}
        bad = tmp_path / f"bad-{field}.jsonl"
        bad.write_text("\n".join([header, json.dumps(probe), *lines[1:]]) + "\n", encoding="utf-8")
        with pytest.raises(ProbesError, match=f":2: field {said}"):
            read_probes(bad)


@pytest.mark.parametrize("extra,said", [
    (["--max-usd", "nan"], "--max-usd must be a finite number, got nan"),
    (["--max-usd", "-1"], "--max-usd must be at least 0, got -1"),
    (["--max-usd", "inf"], "--max-usd must be a finite number"),
    (["--writer", " "], "--writer: name the model"),
])
def test_cli_bad_writer_numbers_are_one_line(corpus, tmp_path, extra, said):
    args = ["--writer", "tiny", *extra] if extra[0] != "--writer" else extra
    result = invoke("probe", "build", "--corpus", corpus, "--output", tmp_path / "p.jsonl", *args)
    assert_clean_error(result, said)


@given(st.lists(st.from_regex(r"[a-z]{2,8}( [0-9a-z]{1,8})?", fullmatch=True), min_size=2, max_size=5,
                unique_by=lambda o: o.casefold()), st.data())
def test_a_check_naming_an_option_by_letter_or_text_picks_it(options, data):
    i = data.draw(st.integers(0, len(options) - 1))
    letter = "ABCDE"[i]
    for reply in (letter, f"{letter}.", f"({letter})", f"{letter}) {options[i]}", f"Answer: {letter}", options[i], options[i].upper() + "."):
        assert picked(reply, options) == i, reply
    assert picked("F", options) is None and picked(f"{options[i]} or not", options) is None
