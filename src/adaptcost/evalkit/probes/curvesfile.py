"""The curves file `adaptcost probe run` writes: the ``retrieval`` section (recall@k measured on the
corpus, decision.curves reads it) in a new curves file, or added to an existing one (an `adaptcost
eval` file keeps its accuracy table; a retrieval-only file has none, and `recommend` then takes the
accuracy from the bundled paper reference and says so)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from adaptcost.decision.curves import SCHEMA_ID, load_curves, read_curves_document
from adaptcost.fileio import atomic_write_text
from .recall import RecallResult

HEADER = "# Retrieval recall@k measured by `adaptcost probe run`; read by `adaptcost recommend --curves`.\n"


def curves_document(result: RecallResult, existing: dict | None = None, arms: dict | None = None) -> dict:
    """`existing` (a curves document) with its retrieval section replaced, or a retrieval-only one; with
    `arms` (probes.arms.measure_arms), its ``probes`` section beside (an earlier run's is dropped: it may
    be of other probes). The ``accuracy`` table that `recommend` reads is never touched."""
    extra = {"probes": arms} if arms is not None else {}
    if existing is not None:
        return {**{k: v for k, v in existing.items() if k != "probes"}, "retrieval": result.section(), **extra}
    return {**_retrieval_only(result), **extra}


def _retrieval_only(result: RecallResult) -> dict:
    inputs = ", ".join(result.corpus["inputs"])
    return {
        "schema": SCHEMA_ID,
        "name": "probes",
        "kind": "measured",
        "model": "none: retrieval only (no language model measured)",
        "citation": f"recall@k measured by adaptcost probe run on {inputs} with {result.probes_path}",
        "basis": "retrieval recall@k on the buyer's corpus, per retriever and k, from probes whose evidence chunks are "
                 "known; no accuracy table: recommend takes every strategy's accuracy from the bundled paper reference "
                 "and moves RAG's with this recall",
        "retrieval": result.section(),
    }


def existing_curves(output: Path) -> dict | None:
    """The curves document already at `output` (None if there is none), checked before any
    measurement: a file there that is not a valid curves file is its own one-line error."""
    output = Path(output)
    if not output.exists():
        return None
    load_curves(output)
    return read_curves_document(output)


def write_curves(result: RecallResult, output: Path, existing: dict | None = None, arms: dict | None = None) -> Path:
    """Write the curves file at `output` (YAML, or JSON for a .json name): `existing` (see
    existing_curves) with its retrieval section replaced, or a retrieval-only file."""
    output = Path(output)
    document = curves_document(result, existing, arms)
    if output.suffix == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    atomic_write_text(output, text)
    return output
