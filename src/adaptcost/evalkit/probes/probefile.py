"""probes.jsonl (schema adaptcost-probes/1): one JSON object per line, the header first, then one
probe a line; written atomically; and its spot-check companion probes.csv."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ...errors import AdaptcostError
from ...fileio import atomic_write_text

SCHEMA = "adaptcost-probes/1"
CSV_COLUMNS = ("question", "options", "key", "evidence", "type")


def dumps(header: dict, probes: list[dict]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in [header, *probes])


def write_probes(path: Path, header: dict, probes: list[dict]) -> None:
    """Write probes.jsonl atomically (the header, then each probe)."""
    atomic_write_text(Path(path), dumps(header, probes))


def read_probes(path: Path) -> tuple[dict, list[dict]]:
    """The header and the probes of a probes.jsonl; AdaptcostError, one line, on anything else."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AdaptcostError(f"cannot read probes file {path}: {exc}") from None
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise AdaptcostError(f"{path}:{number}: not JSON ({exc.msg})") from None
    if not items or not isinstance(items[0], dict) or items[0].get("kind") != "header" or items[0].get("schema") != SCHEMA:
        raise AdaptcostError(f"{path}: not a probes file (its first line must be the {SCHEMA} header)")
    probes = items[1:]
    if any(not isinstance(p, dict) or p.get("kind") != "probe" for p in probes):
        raise AdaptcostError(f"{path}: every line after the header must be a probe")
    return items[0], probes


def spot_check_csv(probes: list[dict]) -> str:
    """probes.csv: question, options (" | "), key (the answer's text), evidence (the sentences,
    " … " between two), type: for a person to read."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in probes:
        writer.writerow([p["question"], " | ".join(p["options"]), p["options"][p["answer"]],
                         " … ".join(e["sentence"] for e in p["evidence"]), p["type"]])
    return out.getvalue()


def write_spot_check(path: Path, probes: list[dict]) -> None:
    atomic_write_text(Path(path), spot_check_csv(probes))
