"""`adaptcost eval` against its time budget, per profile, from empty caches, as whole processes.

    python bench/eval_budget.py [--profile quick] [--profile default] [--device auto] [--json FILE] [-v]

Each profile runs `adaptcost eval --profile P --device D` once in a fresh process with a fresh,
empty ADAPTCOST_CACHE_DIR (no model conversion, score or tuned weights cached: what a first run
costs), its stderr a pipe, so the command prints its progress lines ("stage: done/total (elapsed
12 s)"). The bench reads them as they come and prints, per profile, the wall time, the budget, the
ratio time/budget, where it ran (the curves file's settings.device), and the seconds per stage:
each stage from its first line to its last, summed over datasets and seeds by kind (an arm's
"· training" stage lies inside its arm's stage; "training N models" is the trainings run side by
side before the arms are scored).

Budgets (issue 19), on the project's 2-core machine: quick ≤ 4 min, default ≤ 20 min; tiny and
paper have none (paper: measure it on a GPU, --device cuda, or estimate it from per-step
times: bench/paper_estimate.py). Default: --profile quick --profile
default; a profile takes minutes: run it with the CPU to itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "adaptcost"]
BUDGET_S = {"quick": 4 * 60, "default": 20 * 60}  # issue 19, on 2 cores
LINE = re.compile(r"^(?P<stage>.+): (?P<done>\d+)/(?P<total>\d+) \(elapsed (?P<elapsed>\d+) s\)$")
WHERE = re.compile(r"^\S+ seed \d+ · ")  # "reversal seed 0 · " : summed over datasets and seeds by kind


def stage_seconds(lines: list[str]) -> dict[str, tuple[float, float]]:
    """Per stage, (first elapsed, last elapsed) from its progress lines, in order of first line."""
    spans: dict[str, tuple[float, float]] = {}
    for line in lines:
        match = LINE.match(line.strip())
        if match:
            stage, elapsed = match["stage"], float(match["elapsed"])
            spans[stage] = (spans.get(stage, (elapsed, elapsed))[0], elapsed)
    return spans


def kind_of(stage: str) -> str:
    """A stage without its dataset and seed, and without the scale of an arm's stage ("· 1")."""
    kind = WHERE.sub("", stage)
    kind = re.sub(r" · [0-9.]+$", "", kind)
    return re.sub(r"^training \d+ models$", "training N models (side by side)", kind)


def by_kind(spans: dict[str, tuple[float, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for stage, (start, end) in spans.items():
        totals[kind_of(stage)] = totals.get(kind_of(stage), 0.0) + end - start
    return totals


def run_profile(profile: str, device: str, verbose: bool, keep: Path | None = None) -> dict:
    """One `adaptcost eval` from empty caches: wall seconds, exit status, progress lines, device.
    `keep`: a folder that receives the curves file the run wrote (curves-PROFILE.yaml)."""
    with tempfile.TemporaryDirectory(prefix=f"eval-budget-{profile}-") as tmp:
        env = {**os.environ, "ADAPTCOST_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
        output = Path(tmp) / f"curves-{profile}.yaml"
        command = [*CLI, "eval", "--profile", profile, "--device", device, "--output", str(output)]
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = []
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if verbose:
                print(f"  [{profile}] {line.rstrip()}", file=sys.stderr, flush=True)
        status = process.wait()
        wall = time.perf_counter() - started
        where = None
        if status == 0 and output.is_file():
            import yaml

            where = (yaml.safe_load(output.read_text()).get("settings") or {}).get("device")
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / output.name).write_text(output.read_text())
    return {"profile": profile, "device": device, "ran_on": where, "exit_status": status, "wall_s": round(wall, 1),
            "budget_s": BUDGET_S.get(profile), "ratio": round(wall / BUDGET_S[profile], 3) if profile in BUDGET_S else None,
            "stages_s": {k: round(v, 1) for k, v in by_kind(stage_seconds(lines)).items()},
            "errors": [line for line in lines if line.startswith("error:")]}


def _where(ran_on: dict | None) -> str:
    if not ran_on:
        return "?"
    extra = f", {ran_on['threads']} threads" if "threads" in ran_on else ""
    return f"{ran_on.get('type')}: {ran_on.get('name')}{extra}, torch {ran_on.get('torch')}"


def report(result: dict) -> None:
    budget = result["budget_s"]
    verdict = "—" if budget is None else ("within" if result["wall_s"] <= budget else "OVER")
    ratio = "—" if result["ratio"] is None else f"{result['ratio']:.2f}"
    limit = "none" if budget is None else f"{budget} s"
    print(f"\n{result['profile']} (--device {result['device']}; ran on {_where(result['ran_on'])}; {os.cpu_count()} cores here)")
    if result["exit_status"] != 0:
        print(f"  exit status {result['exit_status']}: " + "; ".join(result["errors"] or ["see -v"]))
    print(f"  wall {result['wall_s']:.0f} s, budget {limit}, time/budget {ratio} ({verdict})")
    stages = sorted(((k, v) for k, v in result["stages_s"].items() if v >= 1), key=lambda kv: -kv[1])  # under 1 s: left out
    width = max((len(k) for k, _ in stages), default=10)
    for kind, seconds in stages:
        print(f"  {kind:<{width}}  {seconds:7.0f} s  {seconds / max(result['wall_s'], 1e-9):5.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", choices=("tiny", "quick", "default", "paper"),
                        help="repeatable (default: quick, default)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="a folder to keep each run's curves file in (curves-PROFILE.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="echo the progress lines as they come")
    args = parser.parse_args()
    results = []
    for profile in args.profile or ["quick", "default"]:
        result = run_profile(profile, args.device, args.verbose, args.keep)
        report(result)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if any(r["exit_status"] != 0 for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
