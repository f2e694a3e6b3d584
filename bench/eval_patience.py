"""What a plateau stop (`adaptcost eval --patience N`) would have saved and cost, replayed on a
curves file's recorded recall checks (no training: training is seeded, so an arm stopped earlier
would have seen the same checks up to its stop).

    python bench/eval_patience.py [--curves smollm2-135m-quick] [--patience 4 6 8 10]

For each patience: the steps all arms would have trained (against the steps they did) and how many
of the arms that reached the recall ceiling would have been stopped before reaching it.
"""

from __future__ import annotations

import argparse

from adaptcost.decision.curves import read_curves_document, resolve_curves
from adaptcost.evalkit.backends.protocol import UntilRecall


def replay(checks: list, steps: int, until: UntilRecall) -> int:
    """The step at which `until` stops a training that recorded `checks` (its own steps otherwise)."""
    for k in range(1, len(checks) + 1):
        if until.stops([tuple(c) for c in checks[:k]]):
            return int(checks[k - 1][0])
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", default="smollm2-135m-quick")
    parser.add_argument("--patience", type=int, nargs="+", default=[4, 6, 8, 10])
    args = parser.parse_args()
    trainings = read_curves_document(resolve_curves(args.curves))["checks"]["trainings"]
    done = sum(t["steps"] for t in trainings.values())
    reached = sum(bool((t.get("until_recall") or {}).get("reached")) for t in trainings.values())
    print(f"{args.curves}: {len(trainings)} trainings, {done:,} steps, {reached} reached the ceiling")
    for patience in args.patience:
        steps, lost = 0, 0
        for t in trainings.values():
            record = t.get("until_recall") or {}
            if not record.get("applied"):
                steps += t["steps"] or 0
                continue
            until = UntilRecall(record["ceiling"], record["check_every"], record["cap"], "", lambda scorer: 0.0, patience)
            stop = replay(record["checks"], t["steps"], until)
            steps += stop
            lost += bool(record["reached"]) and stop < t["steps"]
        print(f"patience {patience}: {steps:,} steps ({steps / done:.0%}), {lost} of {reached} arms that reached the ceiling stopped before it")


if __name__ == "__main__":
    main()
