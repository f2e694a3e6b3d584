"""The decision rule and the quality figures it uses."""

from pathlib import Path

import pytest

from adaptcost.decision.curves import DEFAULT_MIX, load_curves, parse_mix
from adaptcost.errors import CurvesError, ScenarioError
from adaptcost.costing.scenario import STRATEGIES
from builders import FLAT, curves_with, run


def test_cheapest_meeting_the_target_wins(book):
    # at 5,000/day ICL pays for 50,000 corpus tokens every query: fine-tuning is far cheaper, and
    # finetune+global (0.89) is within 2 points of the best (icl, 0.90) while finetune+local (0.85) is not
    rec = run(book, 5000)
    assert rec.pick == "finetune+global" and rec.meets_target
    assert rec.target == pytest.approx(0.88)
    assert any("above" in f and "icl" in f for f in rec.flips) or any("no crossing" in f for f in rec.flips)


def test_low_volume_picks_icl(book):
    # at 0.05 queries/day the one-time and refresh costs of fine-tuning dominate
    rec = run(book, 0.05)
    assert rec.pick == "icl"


def test_explicit_target_and_miss(book):
    rec = run(book, 5000, min_accuracy=0.95)
    # nobody reaches 95%: best accuracy per dollar, and the output says the target is missed
    assert not rec.meets_target
    assert "no candidate reaches 95.0%" in rec.reasons[0]
    costs = {s.strategy: s.tco for s in rec.estimate.strategies}
    best = max(STRATEGIES, key=lambda s: FLAT[s]["recall"][0] / costs[s])
    assert rec.pick == best


def test_budget_excludes_expensive_strategies(book):
    rec = run(book, 5000, budget=1.0)
    assert rec.pick is None
    assert any("exceeds the budget" in r for r in rec.reasons)


def test_flip_point_matches_break_even(book):
    rec = run(book, 5000)
    be = next(b for b in rec.estimate.breakevens if {b.a, b.b} == {"icl", "finetune+global"})
    q, above = be.crossings[0]
    assert above == "finetune+global"
    # just below the break-even the same decision rule picks icl
    low = run(book, q * 0.9)
    assert low.pick == "icl"


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_min_accuracy_must_be_a_share(book, bad):
    with pytest.raises(ScenarioError, match="^min_accuracy must lie in") as info:
        run(book, 100, min_accuracy=bad)
    assert info.value.field == "min_accuracy"


def test_bundled_reference_curves_are_labelled_and_complete():
    curves = load_curves()
    assert curves.kind == "reference"
    assert "2505.00661" in curves.citation
    for strategy in STRATEGIES:
        q = curves.expected(strategy, DEFAULT_MIX)
        assert q is not None and 0 < q.low <= q.mean <= q.high <= 1
    # the paper's direction: ICL beats plain fine-tuning on reversals and syllogisms
    assert curves.table["icl"]["reversal"].mean > curves.table["finetune"]["reversal"].mean
    assert curves.table["finetune+global"]["syllogism"].mean > curves.table["icl"]["syllogism"].mean


def test_expected_accuracy_is_mix_weighted():
    # 0.5 × 0.9 + 0.5 × 0.5 = 0.7; band 0.5 × (0.8 + 0.4) = 0.6 .. 0.5 × (1.0 + 0.6) = 0.8
    c = curves_with({"icl": {"recall": (0.9, 0.8, 1.0), "reversal": (0.5, 0.4, 0.6)}})
    q = c.expected("icl", {"recall": 0.5, "reversal": 0.5})
    assert (q.mean, q.low, q.high) == pytest.approx((0.7, 0.6, 0.8))
    assert c.expected("icl", {"syllogism": 1.0}) is None


def test_parse_mix_normalizes_and_rejects_nonsense():
    assert parse_mix("recall=2,reversal=2") == {"recall": 0.5, "reversal": 0.5}
    assert parse_mix(None) == DEFAULT_MIX
    with pytest.raises(ScenarioError, match="did you mean reversal"):
        parse_mix("reversl=1")
    with pytest.raises(ScenarioError, match="must be a number"):
        parse_mix("recall=lots")
    with pytest.raises(ScenarioError, match="add up to 0"):
        parse_mix("recall=0")
    with pytest.raises(ScenarioError, match=">= 0"):
        parse_mix("recall=-1")


def test_curves_file_errors(tmp_path: Path):
    bad = tmp_path / "c.yaml"
    bad.write_text("schema: adaptcost-curves/1\nname: x\nkind: measured\naccuracy: {icl: {recall: {mean: 1.4}}}\n")
    with pytest.raises(CurvesError, match="accuracy.icl.recall.mean"):
        load_curves(bad)
    bad.write_text("schema: adaptcost-curves/1\nname: x\nkind: measured\naccuracy: {icl: {recal: {mean: 0.4}}}\n")
    with pytest.raises(CurvesError, match="did you mean recall"):
        load_curves(bad)
    bad.write_text("schema: [unclosed\n")
    with pytest.raises(CurvesError, match="malformed"):
        load_curves(bad)
    with pytest.raises(CurvesError, match="not found"):
        load_curves(tmp_path / "missing.yaml")


def test_a_plan_that_stops_inside_the_horizon_is_picked_only_with_allow_partial(tmp_path):
    # "tiny"'s fine-tuning offer stops taking jobs on 2027-03-01 ("or later"), 96 days after the
    # 2026-11-25 decision, and no successor is named: every fine-tuning plan (retraining every 30
    # days for a year) is possible only until then; read as stated, the plan runs the year
    import copy
    import datetime as dt

    import yaml

    from adaptcost.costing.scenario import Scenario
    from adaptcost.decision.estimate import ModelChoice, estimate
    from adaptcost.decision.recommend import recommend
    from adaptcost.prices.book import load_pricing
    from builders import PRICES, profile

    prices = copy.deepcopy(PRICES)
    prices["models"][0]["finetune"]["lifecycle"] = {
        "training_stops": [{"date": "2027-03-01", "for": "everyone"}], "dates_are_earliest": True,
        "source": "https://example.test/ft-lifecycle", "as_of": "2026-11-01"}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(prices))
    book = load_pricing([path], bundled=False, today=dt.date(2026, 11, 25))

    def decide(**kw):
        e = estimate(profile(), book, ModelChoice("tiny"), Scenario(queries_per_day=5000, horizon_days=365, **kw),
                     strategies=("icl", "finetune", "finetune+local", "finetune+global"))
        return recommend(e, curves_with(FLAT), {"recall": 1.0})

    default = decide()
    assert default.pick == "icl"
    assert any(r.startswith("finetune is not possible (nor finetune+local, finetune+global, for the same reason): "
                            "only possible until 2027-03-01") for r in default.reasons)
    partial = decide(allow_partial=True)
    assert partial.pick == "finetune+global" and "runs only until 2027-03-01" in partial.reasons[0]
    assert decide(lifecycle_dates="stated").pick == "finetune+global"
    stated = decide(lifecycle_dates="stated").estimate.strategy("finetune+global")
    assert stated.possible_until is None and stated.tco > partial.estimate.strategy("finetune+global").tco


DESCRIPTIVE_CURVES = """schema: adaptcost-curves/1
name: hand-written
kind: measured
accuracy:
  icl:
    recall: {mean: 0.9, low: 0.8, high: 1.0}
    reversal: {mean: 0.7, low: 0.6, high: 0.8}
  finetune:
    recall: {mean: 0.6, low: 0.5, high: 0.7}
    reversal: {mean: 0.99, low: 0.98, high: 1.0, descriptive: "finetune stopped at the 60-step cap at recall 0.71 < 0.9 on reversal seed 1"}
  finetune+local:
    recall: {mean: 0.6, low: 0.5, high: 0.7}
    rephrasing: {mean: 0.5, low: 0.4, high: 0.6, descriptive: "below the ceiling"}
"""


def test_recommend_uses_the_reference_for_descriptive_rows_and_says_so(tmp_path: Path):
    import json

    from builders import EXAMPLES, invoke

    path = tmp_path / "curves.yaml"
    path.write_text(DESCRIPTIVE_CURVES)
    curves = load_curves(path)
    reference = load_curves(None)
    # finetune · reversal is descriptive: the reference's cell (0.62, 0.50..0.75) stands in for the measured 0.99
    assert curves.table["finetune"]["reversal"] == reference.table["finetune"]["reversal"]
    assert curves.table["finetune"]["recall"].mean == 0.6 and curves.table["icl"]["reversal"].mean == 0.7
    assert curves.fallbacks[0] == (f"finetune · reversal: {path}'s row is descriptive only (finetune stopped at the 60-step "
                                   "cap at recall 0.71 < 0.9 on reversal seed 1); paper-reference figure used (62%)")
    # expected accuracy with recall=0.5, reversal=0.5: 0.5 × 0.6 + 0.5 × 0.62 = 0.61 (not 0.795 from the 0.99)
    assert curves.expected("finetune", {"recall": 0.5, "reversal": 0.5}).mean == pytest.approx(0.61)
    args = ("recommend", "--corpus", EXAMPLES, "--queries-per-day", 500, "--curves", path, "--mix", "recall=0.5,reversal=0.5")
    d = json.loads(invoke(*args, "--format", "json").stdout)
    finetune = next(s for s in d["strategies"] if s["name"] == "finetune")
    assert finetune["expected_accuracy"]["mean"] == pytest.approx(0.61)
    assert d["curves"]["fallbacks"] == list(curves.fallbacks)
    assert any("fell back" in r and "finetune · reversal" in r for r in d["recommendation"]["reasons"])
    for fmt in ("markdown", "table"):
        shown = invoke(*args, "--format", fmt)
        assert shown.exit_code == 0, shown.output
        assert "finetune · reversal" in shown.stdout and "descriptive only" in shown.stdout, fmt
