"""Trainings side by side against one at a time, same jobs, same run.

    python bench/train_parallel.py [--jobs 4] [--steps 24] [--repeats 2] [--device cpu]

Trains `--jobs` LoRA models (the eval harness's settings, `--steps` optimizer steps each on
different slices of the quick profile's semantic and reversal sentences, so none is cached by
another) twice per repeat, into fresh empty caches: one at a time with every core
(`finetune`, what the harness did under a recall criterion before trainings were pooled), and
all handed to `finetune_many` (one torch thread per job, two jobs at once on 2 cores). Prints
the best wall seconds of each and their ratio. On 2 cores, 2026-12-05, 4 jobs of 24 steps: one
at a time 33.8 s, side by side 28.2 s, 1.20x as fast (`finetune_many`'s docstring quotes it).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time

from adaptcost.evalkit.backends.protocol import TrainingJob
from adaptcost.evalkit.backends.registry import FinetuneSettings

from train_precision import training_bench  # run as `python bench/train_parallel.py`: bench/ is on the path


def main() -> None:
    args, backend, texts = training_bench(__doc__, steps=24, jobs=4)
    settings = backend.resolve_settings(dataclasses.replace(FinetuneSettings(), steps=args.steps))
    jobs = [TrainingJob(tuple(texts[k::args.jobs]), settings) for k in range(args.jobs)]
    best = {"one at a time": float("inf"), "side by side": float("inf")}
    for _ in range(args.repeats):
        for way in best:
            with tempfile.TemporaryDirectory(prefix="train-parallel-") as cache:
                os.environ["ADAPTCOST_CACHE_DIR"] = cache
                started = time.perf_counter()
                if way == "side by side":
                    backend.finetune_many(jobs)
                else:
                    for job in jobs:
                        backend.finetune(job.texts, job.settings)
                best[way] = min(best[way], time.perf_counter() - started)
    where = backend.device_info()
    shown = ", ".join(f"{k} {v:.1f} s" for k, v in best.items())
    print(f"{where['type']}: {where['name']}, {where.get('threads', '?')} threads, torch {where['torch']}: "
          f"{args.jobs} jobs of {args.steps} steps: {shown}; side by side is "
          f"{best['one at a time'] / best['side by side']:.2f}x as fast", flush=True)


if __name__ == "__main__":
    main()
