"""Command-line latency: cold `adaptcost --help` and a warm-cache `recommend` on the bundled
examples, each against `python -c pass` measured in the same run.

    python bench/cli_latency.py [--runs 7]

Each command runs `--runs` times in a fresh process; the table shows the median and the best
wall time, and the ratio of the median to the interpreter's own start. Targets on the project's
2-core machine: `--help` ≤ 0.2 s, warm `recommend` ≤ 0.5 s. The warm-cache run uses a private
count cache (ADAPTCOST_CACHE_DIR), filled by one untimed run first. Also checks that `--help`
imports none of scipy, matplotlib or torch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "adaptcost"]


def timed(cmd: list[str], env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {done.stderr.strip()[-400:]}")
    return times


def heavy_modules_at_help(env: dict) -> list[str]:
    probe = ("import sys, runpy; sys.argv = ['adaptcost', '--help']\n"
             "try:\n    runpy.run_module('adaptcost', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print(','.join(m for m in ('scipy', 'matplotlib', 'torch', 'numpy') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return [m for m in done.stderr.strip().splitlines()[-1].split(",") if m] if done.stderr.strip() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ADAPTCOST_CACHE_DIR": cache, "COLUMNS": "100"}
        recommend = CLI + ["recommend", "--corpus", str(ROOT / "examples" / "corpus"), "--queries-per-day", "5000"]
        timed(recommend, env, 1)  # fill the count cache
        rows = [("python -c pass", timed([sys.executable, "-c", "pass"], env, args.runs), None),
                ("adaptcost --help (cold)", timed(CLI + ["--help"], env, args.runs), 0.2),
                ("adaptcost recommend, warm cache", timed(recommend, env, args.runs), 0.5)]
        heavy = heavy_modules_at_help(env)
    base = statistics.median(rows[0][1])
    print(f"{'command':34s} {'median':>8s} {'best':>8s} {'vs python':>10s} {'target':>8s}")
    for label, times, target in rows:
        median = statistics.median(times)
        verdict = "" if target is None else f"≤{target:g} s {'ok' if median <= target else 'MISSED'}"
        print(f"{label:34s} {median:7.3f}s {min(times):7.3f}s {median / base:9.1f}x {verdict:>8s}")
    print(f"heavy modules imported by --help: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
