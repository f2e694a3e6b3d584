"""The probes file (schema ``adaptcost-probes/1``): one JSON object a line, a header first, then
one probe a line (the header names the corpus by fingerprint and the chunking the probes' evidence
points into; each probe holds its question, options, key and evidence); written atomically, with
its spot-check companion probes.csv.

``read_probes`` checks every field it hands on and says what is wrong in one line naming the file
and the line; nothing downstream meets a malformed probe.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...errors import AdaptcostError
from ...fileio import atomic_write_text, read_bytes
from ...outputs.tables import csv_text

SCHEMA_ID = "adaptcost-probes/1"
PROBE_TYPES = ("recall", "rephrasing", "reversal", "multi-hop", "category")
MAX_PROBES_BYTES = 256 << 20  # 500 probes are ~300 kB; a million stay well under this
_HEX64 = re.compile(r"[0-9a-f]{64}")
CSV_COLUMNS = ("question", "options", "key", "evidence", "type")


class ProbesError(AdaptcostError):
    """A probes file that cannot be read as adaptcost-probes/1."""


def read_probes(path: str | Path) -> tuple[dict, list[dict]]:
    """The header and the probes of a probes file, every field checked (ProbesError, one line)."""
    path = Path(path)
    raw = read_bytes(path, "probes file", ProbesError, limit=MAX_PROBES_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProbesError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise ProbesError(f"{path}: empty; a probes file starts with its header line (schema {SCHEMA_ID})")
    header = _header(path, *lines[0])
    probes = [_probe(path, n, _object(path, n, line)) for n, line in lines[1:]]
    if not probes:
        raise ProbesError(f"{path}: a header and no probes")
    seen: dict[str, int] = {}
    for (n, _), p in zip(lines[1:], probes):
        if p["id"] in seen:
            raise ProbesError(f"{path}:{n}: probe id {p['id']!r} repeats line {seen[p['id']]}")
        seen[p["id"]] = n
    return header, probes


def _object(path: Path, n: int, line: str) -> dict:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProbesError(f"{path}:{n}: malformed JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise ProbesError(f"{path}:{n}: expected a JSON object, got {type(value).__name__}")
    return value


def _need(path: Path, n: int, obj: dict, key: str, kind, what: str):
    value = obj.get(key)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise ProbesError(f"{path}:{n}: field {key!r} must be {what}, got {json.dumps(value)[:60]}")
    return value


def _count(path: Path, n: int, obj: dict, key: str, low: int = 0) -> int:
    value = _need(path, n, obj, key, int, "an integer")
    if value < low:
        raise ProbesError(f"{path}:{n}: field {key!r} must be at least {low}, got {value}")
    return value


def _header(path: Path, n: int, line: str) -> dict:
    header = _object(path, n, line)
    if header.get("kind") != "header" or header.get("schema") != SCHEMA_ID:
        raise ProbesError(f"{path}:{n}: not a probes file: line 1 must be the header "
                          f'{{"kind": "header", "schema": "{SCHEMA_ID}", ...}}')
    corpus = _need(path, n, header, "corpus", dict, "an object")
    fingerprint = _need(path, n, corpus, "fingerprint", str, "a sha256 hex string")
    if not _HEX64.fullmatch(fingerprint):
        raise ProbesError(f"{path}:{n}: corpus.fingerprint must be 64 lower-case hex digits, got {fingerprint[:70]!r}")
    chunking = _need(path, n, header, "chunking", dict, "an object")
    _need(path, n, chunking, "encoding", str, "an encoding name")
    size = _count(path, n, chunking, "chunk_tokens", low=1)
    overlap = _count(path, n, chunking, "chunk_overlap_tokens")
    if overlap >= size:
        raise ProbesError(f"{path}:{n}: chunking.chunk_overlap_tokens ({overlap}) must be below chunk_tokens ({size})")
    return header


def _probe(path: Path, n: int, probe: dict) -> dict:
    if probe.get("kind") != "probe":
        raise ProbesError(f"{path}:{n}: field 'kind' must be \"probe\", got {json.dumps(probe.get('kind'))[:60]}")
    for key in ("id", "fact", "question"):
        _need(path, n, probe, key, str, "a string")
    kind = probe.get("type")
    if kind not in PROBE_TYPES:
        raise ProbesError(f"{path}:{n}: field 'type' must be one of {', '.join(PROBE_TYPES)}, got {json.dumps(kind)[:60]}")
    options = _need(path, n, probe, "options", list, "a list of 2 to 5 strings")
    if not 2 <= len(options) <= 5 or not all(isinstance(o, str) for o in options):
        raise ProbesError(f"{path}:{n}: field 'options' must be a list of 2 to 5 strings")
    answer = _count(path, n, probe, "answer")
    if answer >= len(options):
        raise ProbesError(f"{path}:{n}: field 'answer' ({answer}) must index one of the {len(options)} options")
    evidence = _need(path, n, probe, "evidence", list, "a list of evidence items")
    if not evidence:
        raise ProbesError(f"{path}:{n}: field 'evidence' is empty: a probe holds the evidence it was built from")
    for item in evidence:
        if not isinstance(item, dict):
            raise ProbesError(f"{path}:{n}: an evidence item must be an object")
        _need(path, n, item, "document", str, "a document path")
        _need(path, n, item, "sentence", str, "a string")
        start, end = _count(path, n, item, "start"), _count(path, n, item, "end")
        if end < start:
            raise ProbesError(f"{path}:{n}: evidence span [{start}, {end}) ends before it starts")
        chunks = _need(path, n, item, "chunks", list, "a list of chunk indices")
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in chunks):
            raise ProbesError(f"{path}:{n}: evidence 'chunks' must be chunk indices (integers >= 0)")
    written_by = probe.get("written_by")  # probe build --writer: the model that wrote the question, or null
    if written_by is not None and not (isinstance(written_by, str) and written_by):
        raise ProbesError(f"{path}:{n}: field 'written_by' must be the writer model's name or null")
    if probe.get("check") is not None and not isinstance(probe["check"], dict):
        raise ProbesError(f"{path}:{n}: field 'check' must be the writer's check (an object) or null")
    guessable = probe.get("guessable", {})
    if not isinstance(guessable, dict) or not all(isinstance(v, bool) for v in guessable.values()):
        raise ProbesError(f"{path}:{n}: field 'guessable' must map each baseline to true or false")
    return probe


def is_guessable(probe: dict) -> bool:
    """A probe some offline baseline answers: left out of headline figures."""
    return any(probe.get("guessable", {}).values())


def dumps(header: dict, probes: list[dict]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in [header, *probes])


def write_probes(path: Path, header: dict, probes: list[dict]) -> None:
    """Write probes.jsonl atomically (the header, then each probe)."""
    atomic_write_text(Path(path), dumps(header, probes))


WRITER_COLUMNS = ("written_by", "check")


def spot_check_csv(probes: list[dict]) -> str:
    """probes.csv: question, options (" | "), key (the answer's text), evidence (the sentences,
    " … " between two), type: for a person to read, through the one CSV writer (outputs.tables:
    a cell that a spreadsheet would read as a formula is made inert). A file a writer model took
    part in (`probe build --writer`) adds who wrote each question ("offline" where no model did)
    and the check's verdict (or why the writer's question was not used)."""
    writer = any("written_by" in p for p in probes)
    columns = CSV_COLUMNS + (WRITER_COLUMNS if writer else ())

    def row(p: dict) -> list[str]:
        cells = [p["question"], " | ".join(p["options"]), p["options"][p["answer"]],
                 " … ".join(e["sentence"] for e in p["evidence"]), p["type"]]
        return cells + ([p.get("written_by") or "offline", _verdict(p)] if writer else [])

    return csv_text(columns, (row(p) for p in probes))


def _verdict(probe: dict) -> str:
    check = probe.get("check")
    if isinstance(check, dict):
        return f"{check.get('verdict')}: {check.get('model')} picked {check.get('picked')} from the evidence alone"
    return str(probe.get("fallback", ""))


def write_spot_check(path: Path, probes: list[dict]) -> None:
    atomic_write_text(Path(path), spot_check_csv(probes))
