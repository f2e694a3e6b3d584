"""End to end with the real local model (SmolLM2-135M) behind the OpenAI-compatible test server:
`probe build` on a copy of an example document, then `probe run --backend openai --base-url` through
the command line in both scorings, against `--backend local` on the same probes. Slow (the model).
LocalBackend.token_logprobs, which the server's echo reads, is checked against loglikelihood here."""

import shutil
from pathlib import Path

import pytest
import yaml

from builders import invoke
from support.openai_server import OpenAIServer

pytest.importorskip("torch")
pytest.importorskip("transformers")

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "corpus"
KEY = "sk-sentinel-E2E0123456789abcdefghij"
KEY_ENV = "ADAPTCOST_E2E_KEY"


@pytest.fixture(scope="module")
def local():
    from adaptcost.evalkit.backends.registry import get_backend

    return get_backend("local", device="cpu")


@pytest.fixture
def built(tmp_path, monkeypatch):
    """probe build on a copy of one small example document (3 probes)."""
    monkeypatch.setenv(KEY_ENV, KEY)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(EXAMPLES / "handbook" / "roadmap-2027.draft.md", docs / "roadmap-2027.md")
    result = invoke("probe", "build", "--corpus", docs, "--output", tmp_path / "probes.jsonl")
    assert result.exit_code == 0, result.output
    return docs, tmp_path / "probes.jsonl"


def probe_run(tmp_path, built, output, *backend):
    docs, probes = built
    return invoke("probe", "run", probes, "--corpus", docs, "--output", tmp_path / output, "--retrievers", "bm25",
                  "--top-k", "1", "--arms", "base,icl,rag", "--limit", "2", *backend)


def section(path):
    return yaml.safe_load(path.read_text())["probes"]


def test_token_logprobs_sum_to_loglikelihood(local):
    context, continuation = "The refund window is thirty days.\nHow long is the refund window?\nAnswer:", " thirty days"
    tokens = local.token_logprobs([context + continuation])[0]
    assert tokens[0][2] is None and all(v is not None for _, _, v in tokens[1:])
    assert [s for s, _, _ in tokens[1:]] == [e for _, e, _ in tokens[:-1]]  # the spans tile the text
    mine = [v for _, end, v in tokens if end > len(context)]
    ll, n = local.loglikelihood([(context, continuation)])[0]
    assert n == len(mine) and ll == pytest.approx(sum(mine), abs=1e-3)


def test_log_probabilities_over_http_agree_with_the_local_run(tmp_path, monkeypatch, built, local):
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cache"))
    with OpenAIServer(local, key=KEY, model="smollm2") as server:
        result = probe_run(tmp_path, built, "http.yaml", "--backend", "openai", "--base-url", server.base_url,
                           "--model", "smollm2", "--api-key-env", KEY_ENV, "--max-usd", "0")
        assert result.exit_code == 0, result.output
        assert server.count("/v1/completions") > 0 and server.count("/v1/chat/completions") == 0
    direct = probe_run(tmp_path, built, "local.yaml", "--backend", "local", "--device", "cpu")
    assert direct.exit_code == 0, direct.output
    over_http, on_machine = section(tmp_path / "http.yaml"), section(tmp_path / "local.yaml")
    assert over_http["scoring"] == on_machine["scoring"] == "loglikelihood"
    assert {a["scoring"] for a in over_http["arms"].values()} == {"loglikelihood"}
    for name in ("base", "icl", "rag"):  # the same model: the same picks, so the same accuracy
        assert over_http["arms"][name]["accuracy"]["mean"] == pytest.approx(on_machine["arms"][name]["accuracy"]["mean"], abs=1e-9)
    assert KEY not in result.output and KEY not in (tmp_path / "http.yaml").read_text()


def test_a_chat_only_endpoint_falls_back_to_generation(tmp_path, monkeypatch, built, local):
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cache"))
    with OpenAIServer(local, key=KEY, model="smollm2", prompt_logprobs=False) as server:
        result = probe_run(tmp_path, built, "gen.yaml", "--backend", "openai", "--base-url", server.base_url,
                           "--model", "smollm2", "--api-key-env", KEY_ENV, "--max-usd", "0")
        assert result.exit_code == 0, result.output
        assert "scoring by generation and an exact option match instead" in result.stderr
        asked = server.count()
        # base 2; icl and rag show the same context (one document, one chunk; both orders alike): 2 more,
        # the other replies read from the cache
        assert server.count("/v1/chat/completions") == 2 + 2
        again = probe_run(tmp_path, built, "again.yaml", "--backend", "openai", "--base-url", server.base_url,
                          "--model", "smollm2", "--api-key-env", KEY_ENV, "--max-usd", "0")
        assert again.exit_code == 0 and server.count() == asked  # resumed from the cache: no request
    generated = section(tmp_path / "gen.yaml")
    assert generated["scoring"] == "generation"
    for arm in generated["arms"].values():
        assert arm["scoring"] == "generation" and sum(arm["replies"].values()) in (2, 4)
        assert 0.0 <= arm["accuracy"]["mean"] <= 1.0


def test_probe_build_writer_through_the_server(tmp_path, monkeypatch, built, local):
    # the real model writes two questions and checks them, over HTTP, with no network; a rerun
    # makes no call (every call is in the cache), and the key is nowhere
    docs, offline = built
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cache"))
    command = ("probe", "build", "--corpus", docs, "--writer", "smollm2", "--writer-limit", "2", "--api-key-env", KEY_ENV,
               "--max-usd", "0")
    with OpenAIServer(local, key=KEY, model="smollm2") as server:
        first = invoke(*command, "--base-url", server.base_url, "--output", tmp_path / "written.jsonl")
        assert first.exit_code == 0, first.output
        asked = server.count("/v1/chat/completions")
        assert 2 <= asked <= 4  # two writes, and a check for each question not rejected
        again = invoke(*command, "--base-url", server.base_url, "--output", tmp_path / "again.jsonl")
        assert again.exit_code == 0 and server.count() == asked
    lines = (tmp_path / "written.jsonl").read_text().splitlines()
    header = yaml.safe_load(lines[0])
    assert header["generator"] in ("writer", "offline+writer") and header["writer"]["model"] == "smollm2"
    probes = [yaml.safe_load(line) for line in lines[1:]]
    written = [p for p in probes if p.get("written_by") == "smollm2"]
    offline_count = len(offline.read_text().splitlines()) - 1
    # each written probe passed its check; the others stayed offline (with the reason) or were dropped
    assert all(p["check"]["verdict"] == "pass" for p in written) and len(probes) <= offline_count
    assert (tmp_path / "again.jsonl").read_text().splitlines()[1:] == lines[1:]
    for text in (first.output, again.output, (tmp_path / "written.jsonl").read_text(), (tmp_path / "written.csv").read_text()):
        assert KEY not in text
    assert not any(KEY in p.read_text(errors="ignore") for p in (tmp_path / "cache").rglob("*") if p.is_file())
