"""Generalization curves: how accurate each strategy is, per question type.

A curves file (YAML or JSON, schema ``adaptcost-curves/1``) holds, per strategy and question
type, an accuracy with a low/high band and the basis of each figure. The bundled
``paper-reference`` file turns the qualitative results of Lampinen et al. 2025 into numbers and
says so; files measured by ``adaptcost eval`` (kind: measured) may add ``curves``: accuracy
against a scale variable, as points and a fitted saturating form, which later versions use.

Retrieval (``rag``, ``finetune+rag``): each cell also carries ``recall`` (retrieval recall@k the
figure was obtained at: the share of items whose every needed document was in the top k, 0..1),
``k`` (the top k) and ``chance`` (the accuracy when nothing needed is retrieved); all three are
required for these strategies, so that a reader can rescale the figure to another recall:
accuracy = chance + (hit − chance) × recall, hit = chance + (mean − chance) / recall. A ``curves``
entry with ``x: top_k`` gives per point (k, mean, low, high) and, in a parallel list ``recall``,
the recall@k of each point.

A file written by ``adaptcost probe run`` adds ``retrieval``: recall@k measured on the buyer's own
corpus with its probes (per retriever and k, with n and an interval), the chunking, the corpus
fingerprint and the probes file's sha256. Such a file may have no ``accuracy`` table of its own:
the accuracy table then comes from the bundled paper reference (``accuracy_from`` names it), and
`recommend` says so.

A measured cell may carry ``descriptive``: why it supports no claim (e.g. its fine-tuned arm
stopped at the step cap below the recall ceiling). Such a cell is not used: the bundled paper
reference's figure for that strategy and question type stands in for it (or, where the reference
has none, the cell is left out), and `recommend` lists every such row and why (Curves.fallbacks).
A file written by ``adaptcost eval`` before the claim bar existed (its ``checks`` have no
``claims``) has every row treated so (PREDATES_CLAIMS).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import CurvesError
from ..fileio import decode_text, known_valid, parse_yaml, read_bytes, remember_valid
from ..limits import any_number, first_bad_number
from ..costing.scenario import RETRIEVAL as RAG_STRATEGIES  # their cells need recall and chance (module docstring)
from ..costing.scenario import STRATEGIES
from ..suggest import did_you_mean

SCHEMA_ID = "adaptcost-curves/1"
QUESTION_TYPES = ("recall", "rephrasing", "reversal", "syllogism", "category")
DEFAULT_MIX = {"recall": 0.4, "rephrasing": 0.3, "reversal": 0.1, "syllogism": 0.1, "category": 0.1}

_cell = {
    "type": "object",
    "required": ["mean"],
    "additionalProperties": False,
    "properties": {
        "mean": {"type": "number", "minimum": 0, "maximum": 1},
        "low": {"type": "number", "minimum": 0, "maximum": 1},
        "high": {"type": "number", "minimum": 0, "maximum": 1},
        "n": {"type": "integer", "minimum": 1},
        "chance": {"type": "number", "minimum": 0, "maximum": 1},  # measured files: guessing's accuracy on the same items
        "basis": {"type": "string"},
        # rag and finetune+rag (required there): recall@k the figure was obtained at, and that k
        "recall": {"type": "number", "minimum": 0, "maximum": 1},
        "k": {"type": "integer", "minimum": 1},
        # measured files: why the figure can carry no claim (evalkit: a split below the claim bar, ...)
        "descriptive": {"type": "string"},
    },
}

_recall_cell = {
    "type": "object",
    "required": ["retriever", "k", "mean", "low", "high", "n"],
    "properties": {
        "retriever": {"type": "string"},
        "k": {"type": "integer", "minimum": 1},
        "mean": {"type": "number", "minimum": 0, "maximum": 1},
        "low": {"type": "number", "minimum": 0, "maximum": 1},
        "high": {"type": "number", "minimum": 0, "maximum": 1},
        "n": {"type": "integer", "minimum": 1},
    },
}

_retrieval = {
    "type": "object",
    "required": ["headline", "retrievers", "ks", "corpus", "recall_at_k"],
    "properties": {
        "headline": {"type": "string"},
        "retrievers": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "ks": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
        "corpus": {"type": "object", "required": ["fingerprint"],
                   "properties": {"fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "recall_at_k": {"type": "array", "minItems": 1, "items": _recall_cell},
    },
}

SCHEMA = {
    "type": "object",
    "required": ["schema", "name", "kind"],
    "anyOf": [{"required": ["accuracy"]}, {"required": ["retrieval"]}],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "name": {"type": "string"},
        "kind": {"enum": ["reference", "measured"]},
        "model": {"type": "string"},
        "citation": {"type": "string"},
        "basis": {"type": "string"},
        "question_types": {"type": "object", "additionalProperties": {"type": "string"}},
        "accuracy": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "object", "minProperties": 1, "additionalProperties": _cell},
        },
        "curves": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["strategy", "question_type", "x", "points"],
                "properties": {
                    "strategy": {"type": "string"},
                    "question_type": {"type": "string"},
                    "x": {"type": "string"},
                    "points": {"type": "array", "items": {"type": "array", "minItems": 2}},
                    # x: top_k: recall@k of each point, in the order of points
                    "recall": {"type": "array", "items": {"type": ["number", "null"], "minimum": 0, "maximum": 1}},
                    "fit": {"type": "object"},
                },
            },
        },
        "settings": {"type": "object"},
        "retrieval": _retrieval,
        # `adaptcost probe run`: the arms measured on the buyer's probes; `accuracy` is their table
        # as strategies and question types (Curves.for_candidates reads it)
        "probes": {"type": "object", "properties": {"accuracy": {
            "type": "object", "additionalProperties": {"type": "object", "additionalProperties": _cell}}}},
    },
}


@dataclass(frozen=True)
class Accuracy:
    mean: float
    low: float
    high: float
    basis: str = ""
    chance: float | None = None  # accuracy of guessing on the same items (rag: when nothing needed is retrieved)
    recall: float | None = None  # rag, finetune+rag: retrieval recall@k the figure was obtained at
    k: int | None = None  # rag, finetune+rag: the top k

    def at_recall(self, recall: float) -> "Accuracy":
        """RAG's accuracy at another retrieval recall (`accuracy_at_recall` on the mean and on each
        end of the band). A cell without a recall or a chance is returned as it is."""
        if not self.moves_with_recall:
            return self
        move = lambda a: accuracy_at_recall(a, self.chance, self.recall, recall)  # noqa: E731
        return Accuracy(move(self.mean), move(self.low), move(self.high), self.basis, chance=self.chance, recall=recall,
                        k=self.k)

    @property
    def moves_with_recall(self) -> bool:
        return self.recall is not None and self.chance is not None and self.recall > 0


def accuracy_at_recall(accuracy, chance: float, own_recall: float, recall, clip=None):
    """The one rule for RAG's accuracy at another retrieval recall, for every question type.

    A question answers like in-context learning when every chunk it needs is retrieved, and like
    guessing when not: accuracy = recall × hit + (1 − recall) × chance. A figure measured at its own
    recall fixes hit, so accuracy(r) = chance + (r / own recall) × (accuracy − chance), within
    [0, 1] (`clip`: numpy's, for arrays of drawn recalls).
    """
    value = chance + recall / own_recall * (accuracy - chance)
    return clip(value, 0.0, 1.0) if clip is not None else min(1.0, max(0.0, value))


@dataclass(frozen=True)
class MeasuredRecall:
    """recall@k of one retriever at one k on the buyer's corpus: the share of (non-guessable)
    probes whose every evidence item had a chunk among the top k, with its 95% interval."""

    retriever: str
    k: int
    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class Retrieval:
    """A curves file's ``retrieval`` section (written by `adaptcost probe run`)."""

    headline: str  # the retriever `recommend` uses when --retriever is not given
    retrievers: tuple[str, ...]
    ks: tuple[int, ...]
    fingerprint: str  # the corpus the probes point into (corpus.discover.corpus_fingerprint)
    cells: dict[tuple[str, int], MeasuredRecall]

    def at(self, retriever: str, k: int) -> MeasuredRecall | None:
        return self.cells.get((retriever, k))


@dataclass(frozen=True)
class Curves:
    name: str
    kind: str
    path: str
    citation: str
    model: str
    table: dict[str, dict[str, Accuracy]]  # strategy -> question type -> accuracy
    retrieval: Retrieval | None = None  # recall@k measured on a corpus (`probe run`)
    accuracy_from: str | None = None  # the file the table comes from, when this one has none of its own
    fallbacks: tuple[str, ...] = ()  # cells marked descriptive and what stands in for each, one line each
    probed: dict[str, dict[str, Accuracy]] = field(default_factory=dict)  # measured on the buyer's probes (`probe run`)
    probed_descriptive: dict[tuple[str, str], str] = field(default_factory=dict)  # probe cells below the bar, and why
    probed_with: str = ""  # the model (backend) the probes were answered with
    probed_used: tuple[str, ...] = ()  # the question types whose probed figures are in `table` (for_candidates)

    def expected(self, strategy: str, mix: dict[str, float], recall: float | None = None) -> Accuracy | None:
        """Mix-weighted accuracy; the band adds the per-type bands (errors taken as correlated).

        `recall`: RAG's retrieval recall on the user's corpus, applied to every cell that carries
        its own (Accuracy.at_recall); None keeps each cell's.
        """
        cells = self.table.get(strategy)
        if cells is None or any(t not in cells for t, w in mix.items() if w > 0):
            return None
        parts = [(w, cells[t] if recall is None else cells[t].at_recall(recall)) for t, w in mix.items() if w > 0]
        return Accuracy(
            sum(w * c.mean for w, c in parts),
            sum(w * c.low for w, c in parts),
            sum(w * c.high for w, c in parts),
            recall=recall,
        )

    def mean_at_recall(self, strategy: str, mix: dict[str, float], recall, clip):
        """`expected(strategy, mix, recall).mean` for an array of recalls (the Monte Carlo's draws)."""
        cells = self.table[strategy]
        return sum(w * (accuracy_at_recall(c.mean, c.chance, c.recall, recall, clip) if c.moves_with_recall else c.mean)
                   for t, w in mix.items() if w > 0 for c in (cells[t],))

    def _at_file_recall(self, cell: Accuracy) -> Accuracy:
        """A probed retrieval cell as measured at its k: its recall set to the file's overall
        recall@k of the headline retriever (what `recommend` passes at that k), so that at the
        scenario's k the measured figure stands as it is, and at another k or retriever it moves by
        the one rule (its own recall, per question type on the probes the arm scored, would move it
        even at its own k)."""
        measured = self.retrieval.at(self.retrieval.headline, cell.k) if self.retrieval and cell.k else None
        return replace(cell, recall=measured.mean) if cell.moves_with_recall and measured is not None else cell

    def for_candidates(self, candidates: list[str], mix: dict[str, float]) -> tuple["Curves", list[str]]:
        """These curves with the figures measured on the buyer's probes (``probed``) in place, and one
        line per question type of the mix saying where its figures come from.

        Like with like: a question type takes the probed figures only when every candidate
        strategy has one that can carry a claim; otherwise every strategy keeps this file's (or the
        reference's) figure for it, so that no pick sets a measurement against a reference figure.
        """
        if not self.probed and not self.probed_descriptive:
            return self, []
        table = {s: dict(cells) for s, cells in self.table.items()}
        used, lines = [], []
        source = self.accuracy_from or self.path
        for qtype in (t for t, w in mix.items() if w > 0):
            lacking = [s for s in candidates if qtype not in self.probed.get(s, {})]
            if not lacking:
                for strategy, cells in self.probed.items():
                    if qtype in cells:
                        table.setdefault(strategy, {})[qtype] = self._at_file_recall(cells[qtype])
                used.append(qtype)
                continue
            why = [f"{s}: {self.probed_descriptive[(s, qtype)]}" if (s, qtype) in self.probed_descriptive
                   else f"{s}: not measured" for s in lacking]
            if len(lacking) < len(candidates) or any((s, qtype) in self.probed_descriptive for s in lacking):
                lines.append(f"{qtype}: the figures measured on this corpus are not used ({'; '.join(why)}); every "
                             f"strategy's {qtype} figure comes from {source}, so that strategies compare like with like")
        if used:
            measured = sorted(s for s in self.probed if any(t in self.probed[s] for t in used))
            hops = " (syllogism: its multi-hop probes, two facts joined)" if "syllogism" in used else ""
            lines.insert(0, f"accuracy measured on this corpus (probe run, with {self.probed_with}) for "
                            f"{', '.join(used)}{hops}: {', '.join(measured)}")
        return replace(self, table=table, probed_used=tuple(used)), lines


def bundled_reference() -> Path:
    return Path(__file__).parents[1] / "data" / "curves" / "paper-reference.yaml"


def bundled_curves() -> dict[str, Path]:
    """The curves files shipped in the package, by name (file stem)."""
    return {p.stem: p for p in sorted((Path(__file__).parents[1] / "data" / "curves").glob("*.yaml"))}


def resolve_curves(name_or_path: str | Path) -> Path:
    """A curves file path: an existing file, else a bundled curves name (``smollm2-135m-default``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = bundled_curves()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    raise CurvesError(f"curves file not found: {name_or_path}{did_you_mean(str(name_or_path), bundled)}"
                      f" (bundled curves: {', '.join(bundled)})")


def load_curves(path: str | Path | None = None) -> Curves:
    """Load and validate a curves file, or a bundled one by name (the paper reference when `path` is None)."""
    path = resolve_curves(path) if path else bundled_reference()
    bundled = {p: name for name, p in bundled_curves().items()}
    label = f"{bundled[path]} (bundled)" if path in bundled else str(path)
    raw = read_bytes(path, "curves file", CurvesError)
    data = _parse(path, raw)
    digest = hashlib.sha256(raw).hexdigest()
    if not known_valid(SCHEMA_ID, digest):
        _validate(path, data)
        remember_valid(SCHEMA_ID, digest)
    _check_numbers(path, data)
    retrieval = _retrieval_of(path, data["retrieval"]) if "retrieval" in data else None
    if "accuracy" not in data:  # recall measured, no model: the paper reference's accuracy, said so
        reference = load_curves(None)
        return Curves(data["name"], data["kind"], label, data.get("citation", ""), data.get("model", ""), reference.table,
                      retrieval, accuracy_from=f"{reference.name} (bundled: {bundled_reference().relative_to(Path(__file__).parents[2])})",
                      **_probed_of(path, data))
    table = {}
    for strategy, cells in data["accuracy"].items():
        if strategy not in STRATEGIES:
            raise CurvesError(f"{path}: unknown strategy {strategy!r}{did_you_mean(strategy, STRATEGIES)}")
        table[strategy] = {t: _cell_of(path, strategy, t, c) for t, c in cells.items()}
    fallbacks = _fall_back(table, _with_protocol_reasons(data), label)
    return Curves(data["name"], data["kind"], label, data.get("citation", ""), data.get("model", ""), table, retrieval,
                  fallbacks=fallbacks, **_probed_of(path, data))


def _probed_of(path: Path, data: dict) -> dict:
    """The ``probes.accuracy`` table of a `probe run` file as Curves' ``probed`` (the cells that can
    carry a claim) and ``probed_descriptive`` (the others, with why)."""
    raw = (data.get("probes") or {}).get("accuracy") or {}
    probed: dict[str, dict[str, Accuracy]] = {}
    descriptive: dict[tuple[str, str], str] = {}
    for strategy, cells in raw.items():
        if strategy not in STRATEGIES:
            raise CurvesError(f"{path}: probes.accuracy: unknown strategy {strategy!r}{did_you_mean(strategy, STRATEGIES)}")
        for qtype, cell in cells.items():
            accuracy = _cell_of(path, f"probes.accuracy.{strategy}", qtype, cell, strategy in RAG_STRATEGIES)
            if cell.get("descriptive"):
                descriptive[(strategy, qtype)] = cell["descriptive"]
            else:
                probed.setdefault(strategy, {})[qtype] = accuracy
    return {"probed": probed, "probed_descriptive": descriptive,
            "probed_with": str((data.get("probes") or {}).get("backend", "")) if raw else ""}


# Why a row of a file written by `adaptcost eval` before splits were held to the claim bar and
# fine-tuned arms to the recall ceiling (its checks have no "claims") supports no claim.
PREDATES_CLAIMS = ("measured before the eval enforced the claim bar, the recall ceiling and shortcut-free "
                   "distractors in every arm's texts (the file has no checks.claims); regenerate it with adaptcost eval")


def _with_protocol_reasons(data: dict) -> dict:
    """The accuracy table, every row of it marked ``descriptive`` where the file was written by
    `adaptcost eval` (it has ``checks``) before the claim bar existed (no ``checks.claims``): such
    a file cannot say which of its rows could carry a claim. Hand-written files (no ``checks``) and
    current files are returned as they are."""
    checks = data.get("checks")
    if not isinstance(checks, dict) or "claims" in checks:
        return data["accuracy"]
    return {strategy: {t: {**c, "descriptive": c.get("descriptive") or PREDATES_CLAIMS} for t, c in cells.items()}
            for strategy, cells in data["accuracy"].items()}


def _fall_back(table: dict[str, dict[str, Accuracy]], raw: dict, label: str) -> tuple[str, ...]:
    """Replace, in `table`, every cell marked ``descriptive`` by the bundled reference's cell for the
    same strategy and question type (removed where the reference has none); one line per cell."""
    marked = [(s, t, c["descriptive"]) for s, cells in raw.items() for t, c in cells.items() if c.get("descriptive")]
    if not marked:
        return ()
    reference = load_curves(None)
    lines = []
    for strategy, qtype, reason in marked:
        stand_in = reference.table.get(strategy, {}).get(qtype)
        if stand_in is None:
            del table[strategy][qtype]
            used = f"no {reference.name} figure either: left out"
        else:
            table[strategy][qtype] = stand_in
            used = f"{reference.name} figure used ({stand_in.mean:.0%})"
        lines.append(f"{strategy} · {qtype}: {label}'s row is descriptive only ({reason}); {used}")
    return tuple(lines)


def _retrieval_of(path: Path, raw: dict) -> Retrieval:
    cells = {}
    for c in raw["recall_at_k"]:
        if not c["low"] <= c["mean"] <= c["high"]:
            raise CurvesError(f"{path}: retrieval.recall_at_k {c['retriever']}@{c['k']}: need low <= mean <= high, "
                              f"got {c['low']}, {c['mean']}, {c['high']}")
        cells[(c["retriever"], c["k"])] = MeasuredRecall(c["retriever"], c["k"], c["mean"], c["low"], c["high"], c["n"])
    if raw["headline"] not in raw["retrievers"]:
        raise CurvesError(f"{path}: retrieval.headline {raw['headline']!r} is not one of retrieval.retrievers "
                          f"({', '.join(raw['retrievers'])})")
    return Retrieval(raw["headline"], tuple(raw["retrievers"]), tuple(raw["ks"]), raw["corpus"]["fingerprint"], cells)


def read_curves_document(path: Path) -> dict:
    """The raw document of a curves file (validate it with load_curves first)."""
    return _parse(Path(path))


def _validate(path: Path, data: object) -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise CurvesError(f"{path}: field {where}: {error.message}")


def _check_numbers(path: Path, data: object) -> None:
    """JSON Schema's minimum and maximum let .nan through (and a 400-digit n or k): every number
    finite and within bounds, named by its field."""
    found = first_bad_number(data, any_number)
    if found is not None:
        where, message = found
        raise CurvesError(f"{path}: field {'.'.join(str(p) for p in where)}: {message}")


def _parse(path: Path, raw: bytes | None = None) -> dict:
    raw = read_bytes(path, "curves file", CurvesError) if raw is None else raw
    text = decode_text(raw, path, "curves file", CurvesError)
    if path.suffix != ".json":
        return parse_yaml(text, path, CurvesError)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CurvesError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from None


def _cell_of(path: Path, strategy: str, qtype: str, raw: dict, retrieves: bool | None = None) -> Accuracy:
    """One accuracy cell, checked; `retrieves` (default: `strategy` is a retrieval strategy) asks for
    the recall and chance a retrieval cell needs."""
    if qtype not in QUESTION_TYPES:
        raise CurvesError(f"{path}: {strategy}: unknown question type {qtype!r}{did_you_mean(qtype, QUESTION_TYPES)}")
    cell = Accuracy(raw["mean"], raw.get("low", raw["mean"]), raw.get("high", raw["mean"]), raw.get("basis", ""),
                    chance=raw.get("chance"), recall=raw.get("recall"), k=raw.get("k"))
    if not cell.low <= cell.mean <= cell.high:
        raise CurvesError(f"{path}: {strategy}.{qtype}: need low <= mean <= high, got {cell.low}, {cell.mean}, {cell.high}")
    if (strategy in RAG_STRATEGIES) if retrieves is None else retrieves:
        missing = [name for name in ("recall", "chance") if raw.get(name) is None]
        if missing:
            raise CurvesError(f"{path}: {strategy}.{qtype}: a retrieval cell needs {' and '.join(missing)} "
                              "(the recall@k it was measured at and the accuracy when nothing needed is retrieved)")
    return cell


def parse_mix(text: str | None) -> dict[str, float]:
    """'recall=0.5,reversal=0.2,...' -> weights normalized to sum to 1 (the default mix if None)."""
    if not text:
        return dict(DEFAULT_MIX)
    from ..errors import ScenarioError

    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ScenarioError(f"mix: expected TYPE=WEIGHT pairs separated by commas, got {part!r}", field="mix")
        if name not in QUESTION_TYPES:
            raise ScenarioError(f"mix: unknown question type {name!r}{did_you_mean(name, QUESTION_TYPES)} (types: {', '.join(QUESTION_TYPES)})", field="mix")
        try:
            weight = float(value)
        except ValueError:
            raise ScenarioError(f"mix: weight of {name} must be a number, got {value!r}", field="mix") from None
        if not weight >= 0 or weight == float("inf"):
            raise ScenarioError(f"mix: weight of {name} must be a finite number >= 0, got {value}", field="mix")
        weights[name] = weights.get(name, 0.0) + weight
    total = sum(weights.values())
    if total <= 0:
        raise ScenarioError("mix: the weights add up to 0; give at least one positive weight", field="mix")
    return {t: weights.get(t, 0.0) / total for t in QUESTION_TYPES if weights.get(t, 0.0) > 0}
