"""Uncertain assumptions: ranges and distributions, a seeded Monte Carlo, a tornado and a sweep.

Assumptions come as points, as ranges on the command line (``2000..8000`` uniform,
``2000..5000..8000`` triangular with its mode in the middle) or from a scenario file::

    schema: adaptcost-scenario/1
    seed: 7
    draws: 200000
    assumptions:
      queries_per_day: {triangular: [2000, 5000, 8000]}
      answer_tokens: {lognormal: {median: 300, p95: 900}}
      cache_hit_rate: {uniform: [0.5, 1.0]}
    prices:                      # multipliers on the loaded prices, by price class
      training: {triangular: [0.8, 1.0, 1.5]}

The deterministic estimate uses each distribution's central value (the point, the mode, the
median, the middle of a uniform range). The Monte Carlo (vectorized, :mod:`adaptcost.costing.montecarlo`)
draws every uncertain assumption independently, and each strategy's expected accuracy from a
triangular distribution over its band, and reports per strategy the probability that it is the
cheapest one meeting the accuracy target, and the 5th/50th/95th percentiles of its total cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ..costing.montecarlo import PRICE_CLASSES, Params, strategy_tco
from ..costing.scenario import Scenario, assumptions as described_assumptions, counted
from ..errors import ScenarioError
from ..fileio import read_yaml
from ..limits import MAX_PRICE_MULTIPLIER, MAX_SEED, problem, shown
from ..suggest import did_you_mean
from .estimate import Estimate
from .recommend import Recommendation, meets

SCENARIO_SCHEMA = "adaptcost-scenario/1"
DEFAULT_DRAWS = 100_000
# The Monte Carlo holds its arrays of all draws at once, ~360 bytes a draw (measured: 1,000,000
# draws of examples/scenario.yaml peak at 0.36 GB over the run's own 0.2 GB, 2026-12-04); ten
# million draws are ~3.6 GB.
MAX_DRAWS = 10_000_000
DEFAULT_SEED = 20251125
Z95 = 1.6448536269514722  # standard normal 95th percentile
VARIABLE = tuple(f.name for f in fields(Scenario)
                 if f.name not in ("batch_augmentation", "finetune_customer", "lifecycle_dates", "allow_partial"))
COST_VARIABLE = tuple(v for v in VARIABLE if v != "retrieval_recall")  # recall moves accuracy only


@dataclass(frozen=True)
class Dist:
    """point | uniform(a, b) | triangular(a, mode, b) | lognormal(median, p95)."""

    kind: str
    a: float
    b: float = 0.0
    c: float = 0.0

    @property
    def center(self) -> float:
        return {"point": self.a, "uniform": (self.a + self.b) / 2, "triangular": self.b, "lognormal": self.a}[self.kind]

    def bounds(self) -> tuple[float, float] | None:
        """The range a tornado explores: the distribution's ends (5th–95th percentile for lognormal)."""
        if self.kind == "point":
            return None
        if self.kind == "uniform":
            return self.a, self.b
        if self.kind == "triangular":
            return self.a, self.c
        sigma = math.log(self.b / self.a) / Z95
        return self.a * math.exp(-Z95 * sigma), self.b

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray | float:
        if self.kind == "point":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, n)
        if self.kind == "triangular":
            return rng.triangular(self.a, self.b, self.c, n) if self.a < self.c else np.full(n, self.b)
        return rng.lognormal(math.log(self.a), math.log(self.b / self.a) / Z95, n)

    @property
    def given(self) -> tuple[float, ...]:
        """The numbers that define it: the point, the ends (and mode), the median and p95."""
        return {"point": (self.a,), "uniform": (self.a, self.b), "triangular": (self.a, self.b, self.c),
                "lognormal": (self.a, self.b)}[self.kind]

    def to_dict(self) -> dict:
        return {"point": {"value": self.a}, "uniform": {"low": self.a, "high": self.b},
                "triangular": {"low": self.a, "mode": self.b, "high": self.c},
                "lognormal": {"median": self.a, "p95": self.b}}[self.kind] | {"dist": self.kind}


def _check(dist: Dist, where: str) -> Dist:
    values = (dist.a, dist.b, dist.c)
    if not all(math.isfinite(v) for v in values):
        raise ScenarioError(f"{where}: values must be finite numbers")
    if dist.kind == "uniform" and not dist.a <= dist.b:
        raise ScenarioError(f"{where}: a range needs low <= high, got {dist.a}..{dist.b}")
    if dist.kind == "triangular" and not dist.a <= dist.b <= dist.c:
        raise ScenarioError(f"{where}: a triangular range needs low <= mode <= high, got {dist.a}..{dist.b}..{dist.c}")
    if dist.kind == "lognormal" and not 0 < dist.a < dist.b:
        raise ScenarioError(f"{where}: a lognormal needs 0 < median < p95, got median {dist.a}, p95 {dist.b}")
    return dist


def parse_range(text: str, where: str) -> Dist:
    """'5000' (a point), '2000..8000' (uniform) or '2000..5000..8000' (triangular)."""
    try:
        parts = [float(x.replace(",", "")) for x in str(text).split("..")]
    except ValueError:
        raise ScenarioError(f"{where}: expected a number or a range like 2000..8000, got {text!r}") from None
    if len(parts) == 1:
        return _check(Dist("point", parts[0]), where)
    if len(parts) == 2:
        return _check(Dist("uniform", *parts), where)
    if len(parts) == 3:
        return _check(Dist("triangular", *parts), where)
    raise ScenarioError(f"{where}: expected at most three numbers (low..mode..high), got {text!r}")


def check_assumption(name: str, value: float, label: str | None = None) -> None:
    """One value given for an assumption (a point, a range's end or mode, a swept value, from a flag
    or a file): finite, within the assumption's bounds, whole for a count (--top-k 2.5 is refused,
    not rounded). `label` begins the message for a file's field; without it the field is named."""
    meta, _ = described_assumptions()[name]
    meta.check(name, value, whole=counted(name), label=label)


def _assumption(name: str, dist: Dist, label: str | None = None) -> Dist:
    for value in dist.given:
        check_assumption(name, value, label)
    return dist


def check_multiplier(value: float, label: str) -> None:
    """A multiplier on a class of prices: positive (a negative one made negative costs) and finite."""
    found = problem(value, above=0, high=MAX_PRICE_MULTIPLIER)
    if found is not None:
        raise ScenarioError(f"{label} a price multiplier {found}")


def _multiplier(dist: Dist, where: str) -> Dist:
    for value in dist.given:
        check_multiplier(value, f"{where}:")
    return dist


def check_seed(seed: object, label: str = "seed", field: str | None = "seed") -> int:
    """A Monte Carlo seed: a whole number in [0, 2^32 - 1] (numpy's generators take no other)."""
    if problem(seed, low=0, high=MAX_SEED) is not None or not isinstance(seed, int):
        raise ScenarioError(f"{label} must be an integer in [0, {MAX_SEED}], got {shown(seed)}", field=field)
    return seed


def _dist_from_yaml(raw: object, where: str) -> Dist:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _check(Dist("point", float(raw)), where)
    if isinstance(raw, str):
        return parse_range(raw, where)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError(f"{where}: expected a number, 'low..high', or one of {{uniform: [low, high]}}, "
                            f"{{triangular: [low, mode, high]}}, {{lognormal: {{median: M, p95: P}}}}")
    (kind, args), = raw.items()
    try:
        if kind == "uniform":
            return _check(Dist("uniform", float(args[0]), float(args[1])), where) if len(args) == 2 else _bad(where, kind)
        if kind == "triangular":
            return _check(Dist("triangular", *map(float, args)), where) if len(args) == 3 else _bad(where, kind)
        if kind == "lognormal":
            return _check(Dist("lognormal", float(args["median"]), float(args["p95"])), where)
    except (TypeError, ValueError, KeyError):
        _bad(where, kind)
    raise ScenarioError(f"{where}: unknown distribution {kind!r}{did_you_mean(kind, ('uniform', 'triangular', 'lognormal'))}")


def _bad(where: str, kind: str):
    shapes = {"uniform": "[low, high]", "triangular": "[low, mode, high]", "lognormal": "{median: M, p95: P}"}
    raise ScenarioError(f"{where}: {kind} takes {shapes[kind]}")


@dataclass
class ScenarioSpec:
    """Distributions for assumptions (scenario field names) and price classes, with the seed."""

    assumptions: dict[str, Dist] = field(default_factory=dict)
    prices: dict[str, Dist] = field(default_factory=dict)
    seed: int = DEFAULT_SEED
    draws: int = DEFAULT_DRAWS
    source: str = "command line"

    def centered(self, base: Scenario) -> Scenario:
        """The deterministic scenario: `base` with each assumption at its central value."""
        values = base.to_dict()
        for key, dist in self.assumptions.items():
            center = dist.center
            whole = key == "reasoning_tokens" or (isinstance(values[key], int) and not isinstance(values[key], bool))
            values[key] = int(round(center)) if whole else center
        return Scenario(**values)

    def to_dict(self) -> dict:
        return {"source": self.source, "seed": self.seed, "draws": self.draws,
                "assumptions": {k: d.to_dict() for k, d in self.assumptions.items()},
                "prices": {k: d.to_dict() for k, d in self.prices.items()}}


def scenario_from(assumptions: dict[str, str], scenario_file: Path | None = None, seed: int | None = None,
                  draws: int | None = None, batch_augmentation: bool = False,
                  finetune_customer: str = "new", lifecycle_dates: str = "earliest",
                  allow_partial: bool = False) -> tuple[Scenario, ScenarioSpec]:
    """The central scenario and the uncertainty spec: the scenario file, then `assumptions`
    (field -> a number or a range, as text) over it."""
    spec = load_scenario_file(scenario_file) if scenario_file else ScenarioSpec()
    for name, text in assumptions.items():
        try:
            spec.assumptions[name] = _assumption(name, parse_range(text, name))
        except ScenarioError as exc:
            raise ScenarioError(str(exc), field=name) from None
    if seed is not None:
        spec.seed = check_seed(seed)
    if draws is not None:
        if not 1 <= draws <= MAX_DRAWS:
            raise ScenarioError(f"draws must be between 1 and {MAX_DRAWS:,}, got {draws:,}", field="draws")
        spec.draws = draws
    if "queries_per_day" not in spec.assumptions:
        raise ScenarioError("queries_per_day is needed (a number or a range), or a scenario file that sets it",
                            field="queries_per_day")
    base = Scenario(queries_per_day=0, batch_augmentation=batch_augmentation, finetune_customer=finetune_customer,
                    lifecycle_dates=lifecycle_dates, allow_partial=allow_partial)
    return spec.centered(base), spec


def load_scenario_file(path: Path) -> ScenarioSpec:
    data = read_yaml(path, "scenario file", ScenarioError)
    if not isinstance(data, dict) or data.get("schema") != SCENARIO_SCHEMA:
        raise ScenarioError(f"{path}: expected 'schema: {SCENARIO_SCHEMA}' at the top")
    unknown = set(data) - {"schema", "seed", "draws", "assumptions", "prices"}
    if unknown:
        raise ScenarioError(f"{path}: unknown field {sorted(unknown)[0]!r} (fields: seed, draws, assumptions, prices)")
    spec = ScenarioSpec(source=str(path))
    spec.seed = check_seed(data.get("seed", DEFAULT_SEED), f"{path}: seed", field=None)
    spec.draws = _int(data.get("draws", DEFAULT_DRAWS), f"{path}: draws", 1, MAX_DRAWS)
    for section, known, target in (("assumptions", VARIABLE, spec.assumptions), ("prices", PRICE_CLASSES, spec.prices)):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise ScenarioError(f"{path}: {section} must be a mapping of name: distribution")
        for key, raw in entries.items():
            if key not in known:
                raise ScenarioError(f"{path}: {section}.{key}: unknown name{did_you_mean(str(key), known)}")
            where = f"{path}: {section}.{key}"
            dist = _dist_from_yaml(raw, where)
            target[key] = _assumption(key, dist, f"{where}:") if section == "assumptions" else _multiplier(dist, where)
    return spec


def _int(value: object, where: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(f"{where} must be an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ScenarioError(f"{where} must be at most {high:,}, got {value:,} (the Monte Carlo holds every draw in memory)")
    return value


# ---------------------------------------------------------------- evaluation


def base_params(scenario: Scenario) -> dict:
    return Params.from_scenario(scenario).values


def _params(scenario: Scenario, overrides: dict) -> Params:
    return Params.from_scenario(scenario, **overrides)


def tco_table(e: Estimate, overrides: dict) -> dict[str, np.ndarray]:
    """Every strategy's total cost with some parameters overridden (scalars or arrays)."""
    p = _params(e.scenario, overrides)
    return {s.strategy: np.asarray(strategy_tco(s.strategy, e.stats, e.models, p), float) for s in e.strategies}


@dataclass
class StrategyRisk:
    strategy: str
    p_best: float  # probability of being the cheapest strategy meeting the accuracy target
    p_feasible: float
    p5: float | None
    p50: float | None
    p95: float | None

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.__dict__.items()}


@dataclass
class MonteCarlo:
    draws: int
    seed: int
    target: float | None
    strategies: list[StrategyRisk]
    p_none: float  # no strategy meets the target (or the budget) in that draw
    spec: ScenarioSpec

    def to_dict(self) -> dict:
        return {"draws": self.draws, "seed": self.seed, "target": self.target, "p_none": self.p_none,
                "strategies": [s.to_dict() for s in self.strategies], "scenario": self.spec.to_dict()}


def _estimate_error(e: Estimate) -> float:
    return max((m.tokenizer.error for _, m in e.model_roles() if not m.tokenizer.exact), default=0.0)


def monte_carlo(rec: Recommendation, spec: ScenarioSpec) -> MonteCarlo:
    e = rec.estimate
    rng = np.random.default_rng(spec.seed)
    n = spec.draws
    overrides = {k: d.sample(rng, n) for k, d in sorted(spec.assumptions.items())}
    overrides |= {f"price:{k}": d.sample(rng, n) for k, d in sorted(spec.prices.items())}
    error = _estimate_error(e)
    if error:  # estimated tokenizers: the corpus size itself is uncertain
        overrides["corpus_factor"] = rng.triangular(1 - error, 1.0, 1 + error, n)
    for key in ("queries_per_day", "prompt_tokens", "answer_tokens", "cache_hit_rate", "implicit_cache_hit_rate",
                "epochs", "reasoning_tokens", "training_job_usd", "retrieval_recall"):
        if key in overrides:
            overrides[key] = np.clip(overrides[key], 0.0, 1.0 if key.endswith(("hit_rate", "recall")) else None)
    costs = {k: v * np.ones(n) for k, v in tco_table(e, overrides).items()}
    eligible = {}
    for s, tco in costs.items():
        ok = ~np.isnan(tco)
        q = rec.quality.get(s)
        if q is None:
            ok &= False
        elif rec.target is not None:
            acc = rng.triangular(q.low, q.mean, q.high, n) if q.low < q.high else np.full(n, q.mean)
            ok &= meets(_at_drawn_recall(acc, rec, s, overrides), rec.target)
        if rec.budget is not None:
            ok &= tco <= rec.budget
        eligible[s] = np.where(ok, tco, np.inf)
    names = list(costs)
    stacked = np.vstack([eligible[s] for s in names])
    winner = np.argmin(stacked, axis=0)
    none = np.all(np.isinf(stacked), axis=0)
    risks = []
    for i, s in enumerate(names):
        tco = costs[s]
        finite = tco[~np.isnan(tco)]
        pct = np.percentile(finite, [5, 50, 95]) if finite.size else [float("nan")] * 3
        risks.append(StrategyRisk(s, float(np.mean((winner == i) & ~none)), float(finite.size / n), *map(float, pct)))
    return MonteCarlo(n, spec.seed, rec.target, risks, float(np.mean(none)), spec)


def _at_drawn_recall(accuracy, rec: Recommendation, strategy: str, overrides: dict):
    """RAG's accuracy draws moved with the drawn retrieval recall: each draw by how far the mix's
    accuracy at that recall (curves.accuracy_at_recall, per question type) lies from the accuracy
    the decision used, within [0, 1]. Recall measured on the corpus (rec.recall) replaces the drawn one."""
    if "retrieval_recall" not in overrides or rec.recall is not None:
        return accuracy
    at_draw = rec.curves.mean_at_recall(strategy, rec.mix, overrides["retrieval_recall"], np.clip)
    return np.clip(accuracy + at_draw - rec.quality[strategy].mean, 0.0, 1.0)


# ---------------------------------------------------------------- tornado


DEFAULT_SWINGS = {  # assumption -> (low factor, high factor) around the central value
    "queries_per_day": (0.5, 2.0), "prompt_tokens": (0.5, 2.0), "answer_tokens": (0.5, 2.0),
    "refresh_days": (0.5, 2.0), "epochs": (1 / 3, 5 / 3), "local_variants_per_chunk": (0.5, 2.0),
    "global_tokens_per_doc": (0.5, 2.0), "top_k": (0.5, 2.0), "chunk_tokens": (0.5, 2.0),
}
RETRIEVAL_ONLY = ("top_k", "chunk_tokens")  # rows left out when no retrieval strategy moves with them
PRICE_SWING = (0.75, 1.25)


@dataclass
class TornadoRow:
    label: str
    low_setting: str
    high_setting: str
    margin_low: float
    margin_high: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Tornado:
    pick: str
    runner_up: str
    base_margin: float
    rows: list[TornadoRow]

    def to_dict(self) -> dict:
        return {"pick": self.pick, "runner_up": self.runner_up, "base_margin": self.base_margin,
                "rows": [r.to_dict() for r in self.rows]}


def runner_up(rec: Recommendation) -> str | None:
    """The cheapest other feasible strategy that meets the target (else the cheapest other one)."""
    others = [s for s in rec.estimate.feasible if s.strategy != rec.pick and s.strategy in rec.quality]
    meeting = [s for s in others if meets(rec.quality[s.strategy].mean, rec.target)]
    pool = meeting or others
    return min(pool, key=lambda s: s.tco).strategy if pool else None


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"


def tornado(rec: Recommendation, spec: ScenarioSpec | None = None) -> Tornado | None:
    """How the pick's margin over the runner-up moves as each assumption moves over its range."""
    other = runner_up(rec)
    if rec.pick is None or other is None:
        return None
    e, spec = rec.estimate, spec or ScenarioSpec()
    base = e.scenario.to_dict()

    def margin(overrides: dict) -> float:
        table = tco_table(e, overrides)
        return float(table[other] - table[rec.pick])

    rows = []
    for key in COST_VARIABLE:
        if key in spec.assumptions and spec.assumptions[key].bounds():
            low, high = spec.assumptions[key].bounds()
        elif key in DEFAULT_SWINGS and base.get(key):
            low, high = (base[key] * f for f in DEFAULT_SWINGS[key])
        elif key in ("cache_hit_rate", "implicit_cache_hit_rate"):
            low, high = 0.5 if key == "cache_hit_rate" else 0.0, 1.0
        else:
            continue
        row = TornadoRow(key.replace("_", " "), _fmt(low), _fmt(high), margin({key: low}), margin({key: high}))
        if key not in RETRIEVAL_ONLY or abs(row.margin_high - row.margin_low) > 1e-9:
            rows.append(row)
    for cls in PRICE_CLASSES:
        low, high = spec.prices[cls].bounds() if cls in spec.prices and spec.prices[cls].bounds() else PRICE_SWING
        row = TornadoRow(f"price: {cls.replace('_', ' ')}", f"×{low:g}", f"×{high:g}",
                         margin({f"price:{cls}": low}), margin({f"price:{cls}": high}))
        if abs(row.margin_high - row.margin_low) > 1e-9:
            rows.append(row)
    rows += _recall_row(rec, spec)
    rows = [r for r in rows if not (math.isnan(r.margin_low) or math.isnan(r.margin_high))]
    rows.sort(key=lambda r: -abs(r.margin_high - r.margin_low))
    return Tornado(rec.pick, other, margin({}), rows)


RECALL_SWING = (0.5, 1.0)  # retrieval recall's range when none is given


def _recall_row(rec: Recommendation, spec: ScenarioSpec) -> list[TornadoRow]:
    """Retrieval recall moves RAG's accuracy, not any cost: its row says how the pick's margin
    moves as strategies start or stop meeting the target (none when no accuracy depends on it)."""
    given = spec.assumptions.get("retrieval_recall")
    low, high = given.bounds() if given is not None and given.bounds() else RECALL_SWING
    if rec.recall is not None:  # measured on the corpus: its 95% interval
        low, high = rec.recall["low"], rec.recall["high"]
    moved = [s for s in rec.quality if rec.curves.expected(s, rec.mix, low).mean != rec.curves.expected(s, rec.mix, high).mean]
    if not moved:
        return []
    return [TornadoRow("retrieval recall", _fmt(low), _fmt(high), _margin_at_recall(rec, low), _margin_at_recall(rec, high))]


def _margin_at_recall(rec: Recommendation, recall: float) -> float:
    """The pick's margin with RAG's accuracy at `recall` and costs unchanged: the cheapest other
    strategy meeting the target (else the cheapest other) minus the pick; where the pick itself
    misses the target, minus the gap to the strategy that then wins (a loss, negative)."""
    quality = {s: rec.curves.expected(s, rec.mix, recall) for s in rec.quality}
    tcos = {s.strategy: s.tco for s in rec.estimate.feasible if s.strategy in quality
            and (rec.budget is None or s.tco <= rec.budget)}
    meeting = {s: t for s, t in tcos.items() if meets(quality[s].mean, rec.target)}
    if rec.pick not in meeting:
        return -abs(min(meeting.values()) - tcos[rec.pick]) if meeting else math.nan
    others = {s: t for s, t in meeting.items() if s != rec.pick} or {s: t for s, t in tcos.items() if s != rec.pick}
    return min(others.values()) - tcos[rec.pick] if others else math.nan


# ---------------------------------------------------------------- sweep


@dataclass
class Sweep:
    x: str
    y: str
    xs: list[float]
    ys: list[float]
    costs: dict[str, list[list[float | None]]]  # strategy -> [y][x]
    winners: list[list[str | None]]

    def to_dict(self) -> dict:
        """The adaptcost-sweep/1 document (what `sweep --format json` prints)."""
        return {"schema": "adaptcost-sweep/1", "x": self.x, "y": self.y, "rows": self.to_rows()}

    def to_rows(self) -> list[dict]:
        rows = []
        for j, yv in enumerate(self.ys):
            for i, xv in enumerate(self.xs):
                row = {self.x: xv, self.y: yv, "winner": self.winners[j][i]}
                row |= {f"{s}_tco_usd": c[j][i] for s, c in self.costs.items()}
                rows.append(row)
        return rows


def sweep(rec: Recommendation, x: str, xs: list[float], y: str, ys: list[float]) -> Sweep:
    """Each strategy's total cost over a grid of two assumptions, and the winner by the same rule."""
    for name in (x, y):
        if name == "retrieval_recall":
            raise ScenarioError("retrieval_recall moves RAG's accuracy, not any cost: see the tornado and the Monte "
                                "Carlo of 'adaptcost report' instead", field="retrieval_recall")
        if name not in COST_VARIABLE and name.removeprefix("price:") not in PRICE_CLASSES:
            raise ScenarioError(f"cannot sweep {name!r}{did_you_mean(name, COST_VARIABLE + tuple('price:' + c for c in PRICE_CLASSES))}")
    if x == y:
        raise ScenarioError("sweep two different assumptions")
    for name, values in ((x, xs), (y, ys)):
        for value in values:
            if name.startswith("price:"):
                check_multiplier(value, f"{name}:")
            else:
                check_assumption(name, value, label=name)
    gx, gy = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    table = tco_table(rec.estimate, {x: gx, y: gy})
    costs = {s: [[None if math.isnan(v) else round(float(v), 6) for v in row] for row in np.broadcast_to(t, gx.shape)]
             for s, t in table.items()}
    winners = [[_winner(rec, {s: costs[s][j][i] for s in costs}) for i in range(len(xs))] for j in range(len(ys))]
    return Sweep(x, y, list(xs), list(ys), costs, winners)


def _winner(rec: Recommendation, tcos: dict[str, float | None]) -> str | None:
    ok = {s: c for s, c in tcos.items() if c is not None and s in rec.quality
          and meets(rec.quality[s].mean, rec.target)
          and (rec.budget is None or c <= rec.budget)}
    return min(ok, key=ok.get) if ok else None
