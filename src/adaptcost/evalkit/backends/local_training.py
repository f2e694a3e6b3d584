"""Fine-tuning for the local backend: packed batches, LoRA or full training at a step budget or
until a recall criterion is met, tuned weights cached by content, several trainings side by side.
A mixin of LocalBackend."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Sequence

import torch
from transformers import AutoModelForCausalLM

from adaptcost.errors import AdaptcostError
from adaptcost.evalkit.backends.protocol import FinetuneSettings, TrainingJob, UntilRecall
from adaptcost.paths import cache_dir

from adaptcost.evalkit.backends.local_store import LORA_TARGETS, _CACHE_FORMAT, _atomic_folder, _peft_quiet, _quiet, _texts_sha


def _adapter_folder(key: str) -> Path:
    """Where tuned weights with this cache key live."""
    return cache_dir() / "adapters" / key


def _adamw(params: list, learning_rate: float) -> torch.optim.Optimizer:
    """AdamW, fused into one kernel where this torch offers it (the same update, fewer passes)."""
    try:
        return torch.optim.AdamW(params, lr=learning_rate, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(params, lr=learning_rate)


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products natively (CPU: AVX512-BF16 or AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
        with contextlib.suppress(Exception):
            return bool(check()) if check is not None else False
    return False


def auto_precision(device: torch.device) -> str:
    """The training arithmetic "auto" means on ``device``: bf16 on a GPU that computes it natively,
    fp32 on a CPU even where it has AVX512-BF16 or AMX. Measured on SmolLM2-135M with LoRA, 30
    steps of 8 sentences on 2 cores with AMX (2026-12-04, `python bench/train_precision.py`):
    bf16 autocast 0.63 s a step, fp32 0.47 s; the casts around every small matrix product cost
    more than the faster products save at this size."""
    return "bf16" if device.type == "cuda" and native_bf16(device) else "fp32"


def _meta(folder: Path) -> dict:
    """What a cached training recorded beside its weights (empty when unreadable)."""
    with contextlib.suppress(OSError, ValueError):
        return json.loads((folder / "adaptcost.json").read_text())
    return {}


class Training:
    """LocalBackend's fine-tuning methods."""

    def resolve_settings(self, settings: FinetuneSettings) -> FinetuneSettings:
        """``settings`` with precision "auto" made concrete for this device (:func:`auto_precision`)."""
        if settings.precision != "auto":
            return settings
        return dataclasses.replace(settings, precision=auto_precision(self.device))

    def finetune_key(self, texts: Sequence[str], settings: FinetuneSettings, until: UntilRecall | None = None) -> str:
        """The cache key of tuning this model on ``texts`` with ``settings`` (and the stopping
        criterion ``until``: its ceiling, check interval, cap and recall items)."""
        payload = {
            "format": _CACHE_FORMAT,
            "base": self.model_id,
            "texts": _texts_sha(texts),
            "settings": asdict(settings),
            "lora_targets": list(LORA_TARGETS) if settings.method == "lora" else None,
        }
        if until is not None:  # absent otherwise: keys of trainings without a criterion are unchanged
            payload["until"] = until.key()
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]

    def finetune(
        self,
        texts: Sequence[str],
        settings: FinetuneSettings = FinetuneSettings(),
        *,
        progress: Callable[[int, int], None] | None = None,
        until: UntilRecall | None = None,
    ) -> Training:
        """Tune a copy of this model on ``texts`` (one example each) and return it as a new backend of
        this backend's class (a LocalBackend).

        LoRA (every linear layer of each block) or full fine-tuning with AdamW at the settings'
        learning rate, loss on every token (an EOS is appended), examples shuffled with the
        settings' seed. The result is cached on disk; an identical call loads it.
        ``progress(steps_done, total_steps)`` is called after each optimizer step.

        ``until``: train until ``until.measure`` (recall of trained facts, scored with the weights
        so far) reaches ``until.ceiling``, measured every ``until.every`` steps, stopping at
        ``until.cap`` steps at the latest (the step budget of the settings is then unused). The
        shuffled order is the one a fixed budget of ``cap`` steps would see, so stopping at step
        s gives the weights of an s-step budget. The returned backend's ``recall_checks`` lists
        (steps, recall) of each check and ``reached_ceiling`` whether the last one reached it
        (both also on a cache hit; None without ``until``); ``trained_steps`` is the steps the
        weights got, cached or not.
        """
        texts = list(texts)
        settings = self.resolve_settings(settings)
        examples = self._examples(texts, settings)
        if not examples:
            raise AdaptcostError("nothing to fine-tune on: give at least one non-empty text")
        key = self.finetune_key(texts, settings, until)
        folder = _adapter_folder(key)
        losses: list[float] = []
        steps = 0
        if folder.is_dir():
            tuned = self._load_tuned(folder, settings)
            meta = _meta(folder)
            trained = int(meta.get("steps", settings.total_steps(len(examples))))
            checks = [tuple(c) for c in meta.get("until", {}).get("checks", [])] if until is not None else None
            if progress is not None:
                progress(trained, trained)
        else:
            checks = [] if until is not None else None
            tuned, losses, steps = self._train(examples, settings, folder, progress, until, checks)
            trained = steps
        child = type(self)._derived(
            self, tuned, f"{self.name}+{settings.method}-{key[:8]}", f"{self.model_id}+{settings.method}:{key}"
        )
        child.training_steps = steps
        child.trained_steps = trained
        child.finetune_from_cache = steps == 0
        child.train_losses = losses
        child.recall_checks = checks
        child.reached_ceiling = None if until is None else bool(checks) and checks[-1][1] >= until.ceiling
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

    def _train(self, examples, settings: FinetuneSettings, folder: Path, progress, until: UntilRecall | None = None,
               checks: list | None = None):
        started = time.perf_counter()
        model = self._trainable(settings)
        losses = self._train_loop(model, examples, settings, progress, until=until, checks=checks)
        self._save_tuned(model, examples, settings, folder, losses, time.perf_counter() - started, until, checks)
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

    def _train_loop(self, model, examples, settings: FinetuneSettings, progress, threads: Callable[[], int] | None = None,
                    until: UntilRecall | None = None, checks: list | None = None, checking=None) -> list[float]:
        """AdamW over shuffled packed batches (the order from the settings' seed), gradients clipped
        to the settings' max_grad_norm; the losses per step.
        ``threads()``, when given, is how many torch threads this (Python) thread should use now; it
        is set here because OpenMP keeps that number per calling thread. ``until``: stop once a
        recall check reaches the ceiling, or its recall has plateaued (``until.stops``; each check
        appended to ``checks`` as (steps, recall)); ``checking``: a lock each check holds (several
        trainings side by side score one at a time)."""
        trained = [p for p in model.parameters() if p.requires_grad]
        optimizer = _adamw(trained, settings.learning_rate)
        order = torch.Generator().manual_seed(settings.seed)
        per_epoch = math.ceil(len(examples) / settings.batch_size)
        total = until.cap if until is not None else settings.total_steps(len(examples))
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=settings.precision == "bf16")
        losses: list[float] = []
        checks = [] if checks is None else checks
        while len(losses) < total:  # passes over the shuffled examples until the step budget is spent
            permutation = torch.randperm(len(examples), generator=order).tolist()
            for b in range(min(per_epoch, total - len(losses))):
                if threads is not None and threads() != torch.get_num_threads():
                    torch.set_num_threads(threads())
                rows = [examples[i] for i in permutation[b * settings.batch_size : (b + 1) * settings.batch_size]]
                with autocast:
                    loss = model(**self._packed(rows)).loss
                loss.backward()
                if settings.max_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(trained, settings.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
                if progress is not None:
                    progress(len(losses), total)
                if until is not None and until.due(len(losses)):
                    with checking or contextlib.nullcontext():
                        checks.append((len(losses), self._recall_now(model, until, settings)))
                    if until.stops(checks):
                        return losses
        return losses

    def _recall_now(self, model, until: UntilRecall, settings: FinetuneSettings) -> float:
        """``until.measure`` with the weights being trained (LoRA unmerged: the adapters sit inside
        the base model's layers), scored in float32 like every score; training then resumes."""
        lm = model.get_base_model() if settings.method == "lora" else model
        scorer = type(self)._derived(self, lm, f"{self.name}+{settings.method}-training", f"{self.model_id}+training")
        try:
            return float(until.measure(scorer))
        finally:
            model.train()

    def _save_tuned(self, model, examples, settings: FinetuneSettings, folder: Path, losses: list[float], seconds: float,
                    until: UntilRecall | None = None, checks: list | None = None) -> None:
        """Write the tuned weights (adapters, or the whole model) to the cache, atomically, with
        what produced them (and, under a criterion, its checks: a cache hit reports them too)."""
        model.eval()

        def write(tmp: Path) -> None:
            with _quiet(), _peft_quiet():
                model.save_pretrained(tmp)
            meta = {"format": _CACHE_FORMAT, "base": self.model_id, "base_name": self.name, "settings": asdict(settings),
                    "examples": len(examples), "steps": len(losses), "seconds": round(seconds, 3), "losses": losses}
            if until is not None:
                meta["until"] = {**until.key(), "checks": [list(c) for c in checks or []]}
            (tmp / "adaptcost.json").write_text(json.dumps(meta, indent=2) + "\n")

        _atomic_folder(folder, write)

    def finetune_many(self, jobs: Sequence[TrainingJob], *, progress: Callable[[int, int], None] | None = None,
                      workers: int | None = None) -> int:
        """Train (into the cache) every job that is not cached yet, several at once; later
        :meth:`finetune` calls with the same texts, settings and criterion load them (checks and
        steps included). Returns how many were trained.

        On a CPU, small models leave cores idle between small kernels: four 24-step trainings
        side by side took 28.2 s, one at a time on both threads 33.8 s (1.20x; 2 cores,
        2026-12-05, `python bench/train_parallel.py`). Each job runs on its own Python thread
        with one torch thread (``cores / workers`` where there are more cores than workers);
        once no job is waiting, the last ones take the cores the finished ones freed. Each model is built
        (seeded adapter initialization), checked against its criterion and saved under one lock,
        so a check scores with nothing else building or scoring, and at most ``workers`` models
        are in memory. A criterion's checks come at fixed step counts, so a job stops where it
        would alone. ``progress(steps_done, total_steps)`` counts the steps of all jobs together;
        the total is each job's budget, or its cap under a criterion (a job that reaches its
        ceiling early counts the steps it did not need when it stops).
        """
        import threading
        from concurrent.futures import ThreadPoolExecutor

        todo, keys = [], set()
        for job in jobs:
            settings = self.resolve_settings(job.settings)
            key = self.finetune_key(list(job.texts), settings, job.until)
            examples = self._examples(job.texts, settings)
            if examples and key not in keys and not _adapter_folder(key).is_dir():
                keys.add(key)
                budget = job.until.cap if job.until is not None else settings.total_steps(len(examples))
                todo.append((examples, settings, job.until, _adapter_folder(key), budget))
        # longest first (tokens times the budget): the pool ends evenly
        todo.sort(key=lambda job: -sum(len(ids) for ids in job[0]) * job[4] / max(len(job[0]), 1))
        cores = torch.get_num_threads()
        workers = max(1, min(workers or cores, len(todo), 4)) if self.device.type == "cpu" else 1
        if not todo:
            return 0
        total = sum(job[4] for job in todo)
        done = [0]
        lock = threading.Lock()  # the shared step counter
        build = threading.Lock()  # building, checking and saving models (global RNG, warning filters)

        def step(steps: int = 1) -> None:
            with lock:
                done[0] += steps
                if progress is not None:
                    progress(done[0], total)

        queued, running = [len(todo)], [0]

        def threads() -> int:  # torch threads per running job: the last jobs take the cores others free
            return max(1, cores // max(running[0] if queued[0] == 0 else workers, 1))

        def train(k: int) -> int:
            examples, settings, until, folder, budget = todo[k]
            with build:  # the seeded adapter initialization draws on torch's global generator
                queued[0] -= 1
                running[0] += 1
                model = self._trainable(settings)
            started = time.perf_counter()
            checks = [] if until is not None else None
            try:
                losses = self._train_loop(model, examples, settings, lambda _d, _t: step(), threads, until=until,
                                          checks=checks, checking=build)
                with build:
                    self._save_tuned(model, examples, settings, folder, losses, time.perf_counter() - started, until, checks)
                if len(losses) < budget:
                    step(budget - len(losses))  # a criterion met before the cap: the steps it did not need
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
