"""What the eval harness needs from a model (the Backend protocol) and how to fine-tune one
(FinetuneSettings). The registry of backends by name is backends.registry; the backends
themselves (backends.local, backends.openai) import this module, never the registry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, runtime_checkable

from adaptcost.errors import AdaptcostError
from adaptcost.suggest import did_you_mean

_METHODS = ("lora", "full")
PRECISIONS = ("auto", "fp32", "bf16")


class NoPromptLogprobs(AdaptcostError):
    """The backend cannot score log-likelihoods: its endpoint gives no prompt log-probabilities
    (a chat-only model). The message says which endpoint answered what; callers may score by
    generation instead."""


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
    # Gradients clipped to this global L2 norm before each step (None: not clipped), as the
    # Hugging Face Trainer does by default. Measured on the default profile's semantic set, seed
    # 0 (2026-12-05): unclipped at 1e-3 the global "covers" arm sat at chance recall (0.19-0.31)
    # through its 360-step cap; clipped at 1.0 it reached the ceiling after 156 steps, and plain
    # fine-tuning needed the same 72 steps either way.
    max_grad_norm: float | None = 1.0
    batch_size: int = 8
    lora_r: int = 16
    lora_alpha: int = 32
    seed: int = 0
    max_length: int = 128  # tokens per training example
    # Training arithmetic: "bf16" = bfloat16 autocast (weights and optimizer state stay float32);
    # "auto" = bf16 on a GPU that computes it natively, else fp32 (on a CPU fp32 is the faster,
    # measured: local_training.auto_precision; a backend resolves it before training, and results
    # record the resolved value). Scoring is float32 unless the backend's own --precision says bf16.
    precision: str = "auto"
    # A step budget: when set, training runs exactly this many optimizer steps (reshuffling the
    # examples at each pass) whatever the number of examples; `epochs` then only names the
    # profile's default. The eval harness sets it to the same budget for every arm only without
    # a recall criterion; with one (UntilRecall) it is the cap, and arms stop when they recall
    # their trained facts, each after the steps it needed (recorded).
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
        if self.max_grad_norm is not None and not self.max_grad_norm > 0:
            raise AdaptcostError(f"fine-tuning max_grad_norm must be positive (or None: no clipping), got {self.max_grad_norm}")


@dataclass(frozen=True)
class UntilRecall:
    """A stopping criterion for fine-tuning: train until the recall of trained facts reaches
    ``ceiling``, measured every ``every`` optimizer steps (and at the cap), stopping at ``cap``
    steps at the latest, or, with ``patience``, once that many checks in a row have not raised the
    best recall so far (a plateau below the ceiling: the steps left would be spent flat). ``measure(scorer)`` scores the recall items with a backend holding the
    weights so far (0..1); ``items`` names those items and how they are scored (a hash): with
    the other fields it is part of the tuned-weights cache key, ``measure`` is not."""

    ceiling: float
    every: int
    cap: int
    items: str
    measure: Callable[["Backend"], float] = field(compare=False, hash=False, repr=False)
    patience: int | None = None  # checks without a new best recall before stopping; None: no plateau stop

    def __post_init__(self) -> None:
        if not 0 < self.ceiling <= 1:
            raise AdaptcostError(f"the recall ceiling must lie in (0, 1], got {self.ceiling}")
        if self.every < 1 or self.cap < 1:
            raise AdaptcostError(f"recall checks need every >= 1 and cap >= 1 steps, got {self.every} and {self.cap}")
        if self.patience is not None and self.patience < 1:
            raise AdaptcostError(f"the plateau patience must be at least 1 check, got {self.patience}")

    def key(self) -> dict:
        """What the tuned weights depend on (the cache key's part)."""
        key = {"ceiling": self.ceiling, "every": self.every, "cap": self.cap, "items": self.items}
        return key if self.patience is None else {**key, "patience": self.patience}  # keys without one unchanged

    def stops(self, checks: Sequence[tuple[int, float]]) -> bool:
        """Whether training stops after these (steps, recall) checks: the last reached the ceiling,
        or the best recall is `patience` or more checks old."""
        if not checks:
            return False
        if checks[-1][1] >= self.ceiling:
            return True
        recalls = [r for _, r in checks]
        best = recalls.index(max(recalls))
        return self.patience is not None and len(recalls) - 1 - best >= self.patience

    def due(self, steps: int) -> bool:
        """Whether recall is measured after ``steps`` steps."""
        return steps % self.every == 0 or steps >= self.cap


@dataclass(frozen=True)
class TrainingJob:
    """One fine-tuning a backend may run beside others (``finetune_many``): its texts (one example
    each), its settings and, optionally, its stopping criterion; the same cache key as
    ``finetune(texts, settings, until=until)``, which then loads it."""

    texts: tuple[str, ...]
    settings: FinetuneSettings = FinetuneSettings()
    until: UntilRecall | None = None


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


