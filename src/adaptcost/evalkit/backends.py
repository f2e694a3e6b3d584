"""Model backends for the eval harness: one small protocol, registered by name.

A backend scores continuations (``loglikelihood``), completes prompts (``generate``)
and fine-tunes itself into a new backend (``finetune``). Backends are looked up by
name with :func:`get_backend`; optional dependencies are checked with
``importlib.util.find_spec`` so that importing this module never imports torch.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean

__all__ = [
    "Backend",
    "FinetuneSettings",
    "available_backends",
    "get_backend",
    "register",
]

_METHODS = ("lora", "full")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class FinetuneSettings:
    """How to fine-tune; every field is part of the tuned-weights cache key."""

    method: str = "lora"  # "lora" | "full"
    # 3 epochs at 1e-3 with LoRA on every linear layer: measured on SmolLM2-135M (quick reversal,
    # plain fine-tuning) it reaches a training loss of 1.2 and 72% recall in 16 s, where the
    # paper's full-model rate 3e-4 with LoRA on attention only, 5 epochs, stalled at 3.5 and
    # 60% in 26 s; full fine-tuning learns as much but caches 540 MB per run.
    epochs: int = 3
    learning_rate: float = 1e-3
    batch_size: int = 8
    lora_r: int = 16
    lora_alpha: int = 32
    seed: int = 0
    max_length: int = 128  # tokens per training example
    # Training arithmetic: "bf16" = bfloat16 autocast (weights and optimizer state stay float32);
    # "auto" = bf16 where the hardware computes it natively, else fp32 (a backend resolves it
    # before training, and results record the resolved value). Scoring is always float32.
    precision: str = "auto"
    # A step budget: when set, training runs exactly this many optimizer steps (reshuffling the
    # examples at each pass) whatever the number of examples, so that arms trained on more or
    # fewer texts get the same compute; `epochs` then only names the profile's default.
    steps: int | None = None

    def total_steps(self, examples: int) -> int:
        """Optimizer steps of training on `examples` examples."""
        return self.steps if self.steps is not None else self.epochs * math.ceil(examples / self.batch_size)

    def __post_init__(self) -> None:
        if self.method not in _METHODS:
            raise AdaptcostError(
                f"unknown fine-tuning method {self.method!r}{did_you_mean(self.method, _METHODS)}"
                f" (use one of: {', '.join(_METHODS)})"
            )
        if self.precision not in PRECISIONS:
            raise AdaptcostError(
                f"unknown precision {self.precision!r}{did_you_mean(self.precision, PRECISIONS)}"
                f" (use one of: {', '.join(PRECISIONS)})"
            )
        for field_name in ("epochs", "batch_size", "lora_r", "lora_alpha", "max_length"):
            if getattr(self, field_name) < 1:
                raise AdaptcostError(f"fine-tuning {field_name} must be at least 1, got {getattr(self, field_name)}")
        if self.steps is not None and self.steps < 1:
            raise AdaptcostError(f"fine-tuning steps must be at least 1, got {self.steps}")
        if not self.learning_rate > 0:
            raise AdaptcostError(f"fine-tuning learning_rate must be positive, got {self.learning_rate}")


@runtime_checkable
class Backend(Protocol):
    """What the eval harness needs from a model."""

    name: str  # e.g. "local:SmolLM2-135M-Instruct" (what results record)

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
        """For each (context, continuation): the sum of log-probabilities of the
        continuation's tokens given the context, and the number of continuation tokens
        (for length normalization). An empty continuation scores (0.0, 0)."""
        ...

    def generate(self, prompts: Sequence[str], max_new_tokens: int = 128) -> list[str]:
        """Greedy, deterministic completions; only the new text is returned."""
        ...

    def finetune(self, texts: Sequence[str], settings: FinetuneSettings) -> "Backend":
        """A new backend for the model tuned on ``texts`` (one training example each);
        the base backend is left untouched."""
        ...

    def context_window(self) -> int:
        """The most tokens the model attends to at once."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` under this model's tokenizer (no special tokens)."""
        ...


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Backend]
    needs: tuple[str, ...]


_REGISTRY: dict[str, _Entry] = {}


def register(name: str, factory: Callable[..., Backend], needs: tuple[str, ...] = ()) -> None:
    """Register a backend factory under ``name``.

    ``needs`` lists importable module names of optional dependencies; they are checked
    (without importing them) before the factory is called.
    """
    if not name or ":" in name:
        raise ValueError(f"backend names must be non-empty and contain no ':', got {name!r}")
    _REGISTRY[name] = _Entry(factory, tuple(needs))


def available_backends() -> list[str]:
    """Registered backend names, sorted (whether or not their dependencies are installed)."""
    return sorted(_REGISTRY)


def _missing(needs: Sequence[str]) -> list[str]:
    missing = []
    for module in needs:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing


def get_backend(name: str, **options: Any) -> Backend:
    """Build the backend registered as ``name`` with ``options``.

    ``"NAME:ARG"`` is shorthand for ``get_backend(NAME, model=ARG)``, e.g.
    ``"local:/models/my-llama"``.
    """
    base, sep, arg = name.partition(":")
    if sep and base in _REGISTRY and arg:
        if "model" in options:
            raise AdaptcostError(f"backend {name!r} names a model already: drop the model option, or use {base!r}")
        options = {**options, "model": arg}
        name = base
    entry = _REGISTRY.get(name)
    if entry is None:
        known = available_backends()
        raise AdaptcostError(
            f"unknown backend {name!r}{did_you_mean(name, known)} (available: {', '.join(known) or 'none'})"
        )
    if _missing(entry.needs):
        raise AdaptcostError(
            f"the {name!r} backend needs {', '.join(entry.needs)}: pip install 'adaptcost[eval]'"
        )
    return entry.factory(**options)


def _local_factory(**options: Any) -> Backend:
    from adaptcost.evalkit.local import LocalBackend  # lazy: imports torch

    return LocalBackend(**options)


register("local", _local_factory, needs=("torch", "transformers", "gguf", "peft"))


def _openai_factory(**options: Any) -> Backend:
    from adaptcost.evalkit.openai_backend import OpenAIBackend  # stdlib HTTP only

    return OpenAIBackend(**options)


register("openai", _openai_factory)
