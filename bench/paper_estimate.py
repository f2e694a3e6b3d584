"""The `paper` profile's time, estimated from per-step times measured on this machine (issue 19:
"measured on a CUDA GPU if one is at hand, otherwise estimated from the per-step times").

    python bench/paper_estimate.py [--device auto] [--steps 8] [--curves FILE] [--rate STEPS_PER_S] [--json FILE]

What it measures here, on the paper profile's datasets (dataset seed 0; each seed's own sizes give
its steps per epoch):
- seconds per optimizer step of every fine-tuned arm, trained side by side as `adaptcost eval`
  trains them (`finetune_many`, the same settings and worker count), `--steps` steps each from an
  empty cache (the seconds each training recorded beside its weights, build and save excluded);
- seconds of one recall check of each dataset's plain arm (its recall items, in their trained
  form, scored with the untuned model), applied to every arm of that dataset.

What it takes from a measured curves file (`--curves`, by default the shipped default-profile
file): the epochs of the plain training set each arm needed to reach the recall ceiling (its
steps over its check interval), the fewest and the most over that file's dataset seeds; and the
seconds its run spent on everything but training (scoring, retrieval, loading), from its
`measurements.stages` where present, else `--other-seconds`.

The estimate per arm is epochs x (plain steps per epoch at paper size) x seconds per step, plus
one check per epoch, for each of the profile's 3 dataset seeds; three columns: the fewest and the
most epochs the default file's arms needed, and the cap (the most the protocol spends). The paper
restates each fact more often than the default profile does (10 documents per reversal fact
against 1; 20 pages per semantic category against 1), so an epoch there holds several of the
default's, and the default's epochs are likely an overestimate: on one H200 (2026-12-04) plain
fine-tuning reached the ceiling on the paper reversal set after about 2 epochs, where the
default's took 6. The total steps are printed too, and with `--rate` the hours at that many steps
a second measured elsewhere (one H200, 2026-12-04: 3.5-4.6 steps a second of 8 sentences, checks
included, one training at a time). Scoring is not estimated here (it grows with items x contexts, not with
steps: at the default profile it was a third of the run; see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHIPPED = ROOT / "src" / "adaptcost" / "data" / "curves" / "smollm2-135m-default.yaml"


def epochs_needed(curves: Path) -> dict[tuple[str, str], list[float]]:
    """(dataset, arm) -> epochs of the plain set each of the file's trainings needed (steps over
    the check interval, one check an epoch), from its checks.trainings."""
    import yaml

    trainings = (yaml.safe_load(curves.read_text()).get("checks") or {}).get("trainings") or {}
    out: dict[tuple[str, str], list[float]] = {}
    for where, record in trainings.items():
        dataset, _, arm = where.partition(" · ")
        until = record.get("until_recall") or {}
        if not until.get("applied") or not until.get("check_every") or record.get("steps") is None:
            continue
        out.setdefault((dataset.split(" seed ")[0], arm), []).append(record["steps"] / until["check_every"])
    return out


def paper_arms(backend, seed: int = 0):
    """Per dataset of the paper profile: its plain sentences and, per fine-tuned arm, (texts,
    criterion): what `adaptcost eval --profile paper` would train, to the ceiling."""
    from adaptcost.evalkit.api import EvalRequest, config_of
    from adaptcost.evalkit.backends.protocol import FinetuneSettings
    from adaptcost.evalkit.datasets.paper import DATASETS, generate
    from adaptcost.evalkit.scoring.runner import (EvalResult, _training_jobs, _training_plan, arm_label, sentences_of,
                                                  step_budget, subset)

    config = config_of(EvalRequest(output=None, profile="paper"))
    settings = backend.resolve_settings(FinetuneSettings())
    out = {}
    for name in DATASETS:
        dataset = generate(name, seed, "paper")
        sentences = len(sentences_of(dataset.docs))
        jobs = _training_jobs(dataset, backend, config, {1.0: subset(dataset, 1.0, config.seed)},
                              EvalResult(backend.name, config, {}))
        budget = step_budget(dataset, settings, config)
        arms = {}
        for (_, strategy, variant, share), (texts, _, scored) in jobs.items():
            if share is None:  # as `adaptcost eval` plans it (runner._train_ahead)
                _, until, why = _training_plan(backend, dataset, texts, budget, config, scored)
                arms[arm_label(strategy, variant)] = (list(texts), until, why)
        out[name] = {"sentences": sentences, "docs": len(dataset.docs), "items": len(dataset.items), "arms": arms}
    return out, settings, config


def step_seconds(backend, arms: dict, settings, steps: int) -> dict[tuple[str, str], float]:
    """Seconds per step of every arm, trained side by side (`finetune_many`) for `steps` steps."""
    from adaptcost.evalkit.backends.local_training import _adapter_folder, _meta
    from adaptcost.evalkit.backends.protocol import TrainingJob

    fixed = replace(settings, steps=steps)
    jobs = {(name, arm): TrainingJob(tuple(texts), fixed) for name, found in arms.items()
            for arm, (texts, _, _) in found["arms"].items()}
    started = time.perf_counter()
    backend.finetune_many(list(jobs.values()), progress=_progress("timing steps"))
    print(f"  {len(jobs)} trainings x {steps} steps side by side: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    out = {}
    for where, job in jobs.items():
        meta = _meta(_adapter_folder(backend.finetune_key(list(job.texts), fixed)))
        out[where] = meta["seconds"] / meta["steps"]
    return out


def check_seconds(backend, arms: dict) -> dict[str, float]:
    """Seconds of one recall check of each dataset's plain arm, with the untuned model."""
    out = {}
    for name, found in arms.items():
        _, until, _ = found["arms"]["finetune"]
        started = time.perf_counter()
        until.measure(backend)
        out[name] = time.perf_counter() - started
    return out


def _progress(stage: str):
    last = [0.0]

    def report(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)

    return report


def estimate(by_seed: dict[int, dict], config, per_step: dict, per_check: dict, epochs: dict) -> dict:
    """Per dataset and arm: steps per epoch (summed over the dataset seeds in `by_seed`), seconds
    per step (seed 0's), and the training hours of all seeds at the fewest and the most epochs the
    curves file's arms needed, and at the cap."""
    import math

    rows, totals = [], {"fewest": 0.0, "most": 0.0, "cap": 0.0}
    steps = dict.fromkeys(totals, 0.0)
    first = by_seed[min(by_seed)]
    for name, found in first.items():
        for arm, (texts, until, why) in found["arms"].items():
            if until is None:
                rows.append({"dataset": name, "arm": arm, "why": why})
                continue
            # one check an epoch of the plain set (the unsplit arm: of its pages), per seed
            per_epoch = sum(arms[name]["arms"][arm][1].every for arms in by_seed.values())
            seen = epochs.get((name, arm)) or []
            span = {"fewest": min(seen, default=math.nan), "most": max(seen, default=math.nan),
                    "cap": float(config.cap_epochs)}
            row = {"dataset": name, "arm": arm, "examples": len(texts), "steps_per_epoch": per_epoch,
                   "s_per_step": round(per_step[(name, arm)], 3), "check_s": round(per_check[name], 1),
                   "default_epochs": [round(e, 2) for e in seen]}
            for column, e in span.items():
                hours = e * (per_epoch * per_step[(name, arm)] + len(by_seed) * per_check[name]) / 3600
                row[f"hours_{column}"] = round(hours, 2)
                if not math.isnan(hours):
                    totals[column] += hours
                    steps[column] += e * per_epoch
            rows.append(row)
    return {"rows": rows, "training_hours": {k: round(v, 1) for k, v in totals.items()},
            "training_steps": {k: round(v) for k, v in steps.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=8, help="steps timed per arm (default 8)")
    parser.add_argument("--curves", type=Path, default=SHIPPED, help="a measured curves file: epochs to the ceiling")
    parser.add_argument("--rate", type=float, help="also the hours at this many steps a second (measured elsewhere)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if args.rate is not None and not args.rate > 0:
        parser.error(f"--rate must be positive, got {args.rate}")
    if not args.curves.is_file():
        parser.error(f"--curves: no file at {args.curves}")
    os.environ["ADAPTCOST_CACHE_DIR"] = tempfile.mkdtemp(prefix="paper-estimate-")  # timed from an empty cache
    from adaptcost.evalkit.api import PROFILE_SEEDS
    from adaptcost.evalkit.backends.registry import get_backend

    backend = get_backend("local", device=args.device)
    started = time.perf_counter()
    by_seed = {}
    for seed in PROFILE_SEEDS["paper"]:
        by_seed[seed], settings, config = paper_arms(backend, seed)
    arms = by_seed[min(by_seed)]
    print(f"  paper datasets and training texts built: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    per_step = step_seconds(backend, arms, settings, args.steps)
    per_check = check_seconds(backend, arms)
    found = estimate(by_seed, config, per_step, per_check, epochs_needed(args.curves))
    found["device"] = backend.device_info()
    found["sizes"] = {f"{name} seed {seed}": {k: v for k, v in f.items() if k != "arms"}
                      for seed, arms_of in by_seed.items() for name, f in arms_of.items()}
    found["curves"] = args.curves.name
    print(f"paper profile, {len(PROFILE_SEEDS['paper'])} dataset seeds, on {found['device'].get('name')} "
          f"({found['device'].get('threads', '?')} threads); epochs from {args.curves.name}")
    for name, size in found["sizes"].items():
        print(f"  {name}: {size['docs']} documents, {size['sentences']} sentences, {size['items']} items")
    print(f"  {'arm (steps per epoch: all seeds)':38s} {'steps/ep':>8s} {'s/step':>7s} {'check s':>7s} {'default epochs':>16s} "
          f"{'h fewest':>8s} {'h most':>8s} {'h cap':>8s}")
    for row in found["rows"]:
        if "why" in row:
            print(f"  {row['dataset'] + ' · ' + row['arm']:38s} not trained to the ceiling: {row['why']}")
            continue
        seen = ",".join(f"{e:g}" for e in row["default_epochs"]) or "-"
        print(f"  {row['dataset'] + ' · ' + row['arm']:38s} {row['steps_per_epoch']:8d} {row['s_per_step']:7.3f} "
              f"{row['check_s']:7.1f} {seen:>16s} {row['hours_fewest']:8.1f} {row['hours_most']:8.1f} {row['hours_cap']:8.1f}")
    hours, steps = found["training_hours"], found["training_steps"]
    print(f"  training, all seeds: {hours['fewest']:.0f} h at the default's fewest epochs, {hours['most']:.0f} h at its "
          f"most, {hours['cap']:.0f} h at the {config.cap_epochs}-epoch cap")
    print(f"  steps, all seeds: {steps['fewest']:,}, {steps['most']:,} and {steps['cap']:,}")
    if args.rate:
        found["hours_at_rate"] = {k: round(v / args.rate / 3600, 1) for k, v in steps.items()}
        print(f"  at {args.rate:g} steps a second: " + ", ".join(f"{v:g} h" for v in found["hours_at_rate"].values())
              + " (checks included in the rate)")
    if args.json:
        args.json.write_text(json.dumps(found, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
