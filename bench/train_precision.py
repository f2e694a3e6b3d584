"""Training arithmetic on this machine: bfloat16 autocast against float32, same run, same steps.

    python bench/train_precision.py [--steps 30] [--repeats 2] [--device cpu]

Trains the bundled model with LoRA (the eval harness's settings) for `--steps` optimizer steps of
8 sentences of the quick profile's semantic and reversal sets, once per precision per repeat,
interleaved so that a busy machine slows both alike, and prints the best seconds per step of each
and their ratio. `local_training.auto_precision` (what `precision: auto` resolves to) follows it:
on 2 cores with AMX, fp32 was 1.35x faster (2026-12-04: 0.47 s against 0.63 s a step).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from adaptcost.evalkit.backends.registry import FinetuneSettings, get_backend
from adaptcost.evalkit.datasets.paper import generate
from adaptcost.evalkit.scoring.runner import sentences_of


def training_bench(doc: str, steps: int, **counts: int):
    """The training benches' start: their options (--steps, --repeats, --device, and each of
    `counts` as --NAME with its default), the bundled model's backend on that device, and the quick
    profile's semantic and reversal sentences to train on."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in {"steps": steps, **counts, "repeats": 2}.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    texts = [s for name in ("semantic", "reversal") for s in sentences_of(generate(name, 0, "quick").docs)]
    return args, get_backend("local", device=args.device), texts


def main() -> None:
    args, backend, texts = training_bench(__doc__, steps=30)
    settings = dataclasses.replace(FinetuneSettings(), steps=args.steps)
    examples = backend._examples(texts, settings)
    best = {"bf16": float("inf"), "fp32": float("inf")}
    for _ in range(args.repeats):
        for precision in best:
            job = dataclasses.replace(settings, precision=precision)
            model = backend._trainable(job)
            started = time.perf_counter()
            backend._train_loop(model, examples, job, None)
            best[precision] = min(best[precision], (time.perf_counter() - started) / args.steps)
    where = backend.device_info()
    steps = ", ".join(f"{k} {v:.3f} s a step" for k, v in best.items())
    auto = backend.resolve_settings(FinetuneSettings()).precision
    print(f"{where['type']}: {where['name']}, {where.get('threads', '?')} threads, torch {where['torch']}: {steps}; "
          f"fp32 is {best['bf16'] / best['fp32']:.2f}x bf16's speed; auto resolves to {auto}", flush=True)


if __name__ == "__main__":
    main()
