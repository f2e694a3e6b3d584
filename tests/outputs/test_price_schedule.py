"""A price change inside the horizon, seen in every output: the gemini-3.8-flash promotion that ends
on 2026-12-31 (tests/data/pricing/gemini-promotion.yaml), decided on 2026-12-04 over 365 days."""

import json

import pytest

from adaptcost.costing.scenario import Scenario
from adaptcost.decision.estimate import ModelChoice, estimate
from adaptcost.decision.recommend import recommend
from adaptcost.decision.uncertainty import ScenarioSpec, tco_table
from adaptcost.outputs.report import ReportData, _cumulative_series
from adaptcost.prices.book import load_pricing
from builders import EXAMPLES, FLAT, ROOT, curves_with, invoke, profile

FIXTURE = ROOT / "tests" / "data" / "pricing" / "gemini-promotion.yaml"
DAY = ("--as-of", "2026-12-04")


@pytest.fixture(scope="module")
def rec():
    import datetime as dt

    book = load_pricing(extra=[FIXTURE], today=dt.date(2026, 12, 4))
    e = estimate(profile(), book, ModelChoice("gemini-3.8-flash"), Scenario(queries_per_day=5000, horizon_days=365),
                 strategies=("icl", "finetune"))
    return recommend(e, curves_with(FLAT), {"recall": 1.0})


def test_the_estimate_names_the_change_and_prices_the_days_after_it(rec):
    e = rec.estimate
    assert any(w.startswith("gemini-3.8-flash per-token prices change on 2027-01-01, inside the horizon") for w in e.warnings)
    icl = e.strategy("icl")
    # 28 days (2026-12-04 to 2026-12-31) at 0.75/0.075/3.75, then 337 at exactly twice that: the year
    # costs (28 + 2 × 337) / 365 = 1.923 times what the promotion all year would
    per_day_promo = icl.spent_by(1.0)
    assert icl.tco == pytest.approx(per_day_promo * (28 + 2 * 337))
    assert icl.change_days() == [28.0]


def test_the_monte_carlo_at_central_values_equals_the_estimate(rec):
    e = rec.estimate
    table = tco_table(e, {})
    for name in ("icl",):
        assert float(table[name]) == pytest.approx(e.strategy(name).tco, rel=1e-12)


def test_the_cumulative_line_bends_on_the_change_day(rec):
    series, _ = _cumulative_series(ReportData(rec, None, None, ScenarioSpec({})))
    icl = dict(series["icl"])
    before, after = icl[28.0] / 28.0, (icl[365.0] - icl[28.0]) / 337.0
    assert after == pytest.approx(2 * before)


def test_json_components_carry_their_days():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--model", "gemini-3.8-flash",
                    "--pricing", FIXTURE, "--format", "json", *DAY)
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    icl = next(s for s in d["strategies"] if s["name"] == "icl")
    later = [c for c in icl["components"] if c.get("from_day") == 28.0]
    assert later and all(c["until_day"] == 365.0 for c in later)
    fields = {p["field"] for c in later for p in c["prices"]}
    assert "price_changes[0].usd_per_mtok.output" in fields
    assert any("price_changes[0]" in n for n in icl["notes"])
    assert any("prices change on 2027-01-01" in w for w in d["warnings"])


def test_pricing_show_lists_the_schedule():
    result = invoke("pricing", "show", "gemini-3.8-flash", "--pricing", FIXTURE, *DAY)
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "from 2027-01-01" in flat and "$1.5 / $0.15 / $7.5 per 1M tokens (price_changes[0];" in flat
    assert "per-token prices change on 2027-01-01 (input $0.75 → $1.5" in flat
