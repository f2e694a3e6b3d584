"""Prices that change inside the horizon: every strategy costed day by day at the rates in force,
in the itemised estimate and the Monte Carlo alike. Golden numbers worked by hand in comments."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from adaptcost.costing import rules
from adaptcost.costing.montecarlo import Params, strategy_tco
from adaptcost.costing.schedule import periods
from adaptcost.costing.strategies import Models, strategy_cost
from adaptcost.decision.uncertainty import base_params
from builders import ft_block, model, priced_from, scenario, stats

DAY = dt.date(2026, 12, 4)
PROMO_END = dt.date(2026, 12, 31)  # day 27 of the horizon: (Dec 31 − Dec 4) = 27 days
# a promotion at 0.75/3.75 that ends: 1.50/7.50 from 2026-12-31 (no caching: cached = input)
PROMO = priced_from(model("promo", input=0.75, output=3.75, finetune=ft_block()), (PROMO_END, 1.50, 7.50))
FLAT = model("promo", input=0.75, output=3.75, finetune=ft_block())


def models(m, day=DAY):
    return Models(m, m, m, day)


def year(**kw):
    return scenario(queries_per_day=1000, horizon_days=365, **kw)


def both(strategy, m, s, cs=None):
    """The itemised total, checked against the Monte Carlo at the central values."""
    cs = cs or stats()
    cost = strategy_cost(strategy, cs, models(m), s)
    vector = float(strategy_tco(strategy, cs, models(m), Params(base_params(s), s.batch_augmentation, s.finetune_customer)))
    assert vector == pytest.approx(cost.tco, rel=1e-12)
    return cost


def test_icl_promotion_ending_on_day_27_of_365():
    # per query, corpus 10,000 + prompt 200 tokens in, 300 out:
    #   promotion: 10,200 × 0.75/1e6 + 300 × 3.75/1e6 = 0.00765 + 0.001125 = 0.008775
    #   list:      10,200 × 1.50/1e6 + 300 × 7.50/1e6 = 0.0153  + 0.00225  = 0.01755
    # 1,000/day: 27 days × 8.775 + 338 days × 17.55 = 236.925 + 5,931.90 = 6,168.825
    # (at the promotion for the whole year, as before: 365 × 8.775 = 3,202.875)
    cost = both("icl", PROMO, year())
    assert cost.tco == pytest.approx(6168.825)
    assert strategy_cost("icl", stats(), models(FLAT), year()).tco == pytest.approx(3202.875)
    assert cost.spent_by(27) == pytest.approx(236.925)
    labels = [c.label for c in cost.components]
    assert "prompt: corpus + question [2026-12-04 to 2026-12-30]" in labels
    assert "prompt: corpus + question [2026-12-31 to 2027-12-03]" in labels
    refs = {p.field: p for c in cost.components for p in c.prices}
    assert refs["usd_per_mtok.input"].usd_per_unit == 0.75
    changed = refs["price_changes[0].usd_per_mtok.input"]
    assert (changed.usd_per_unit, changed.source) == (1.50, "https://example.test/pricing-change")
    assert any("promo per-token prices change on 2026-12-31 (input $0.75 → $1.5" in n for n in cost.notes)


def test_a_change_after_the_horizon_leaves_the_estimate_as_it_was():
    short = scenario(queries_per_day=1000, horizon_days=27)
    cost = strategy_cost("icl", stats(), models(PROMO), short)
    assert not cost.scheduled and cost.tco == pytest.approx(27 * 8.775)


def test_a_change_before_the_decision_day_is_in_force_from_the_start():
    # decided on 2027-01-05: the list price holds for the whole year: 365 × 17.55 = 6,405.75
    cost = strategy_cost("icl", stats(), models(PROMO, dt.date(2027, 1, 5)), year())
    assert not cost.scheduled and cost.tco == pytest.approx(6405.75)
    assert {p.field for p in cost.prices()} == {"price_changes[0].usd_per_mtok.input", "price_changes[0].usd_per_mtok.output"}


@pytest.mark.parametrize("refresh,change_day,new_rate_refreshes", [
    (30, 27, 12),  # refreshes on days 30, 60, ..., 360: ceil(365/30) − 1 = 12, all after day 27
    (27, 27, 13),  # on days 27, 54, ..., 351: 13, the first on the day the list price returns
    (27, 28, 12),  # the change a day later: the day-27 refresh still at the promotion
])
def test_refreshes_bill_at_the_rates_of_their_day(refresh, change_day, new_rate_refreshes):
    # local augmentation of 500 chunks, 10,000 tokens: 135,000 in (500 × 250 + 10,000), 40,000 out (4 × 10,000)
    #   promotion: 135,000 × 0.75/1e6 + 40,000 × 3.75/1e6 = 0.10125 + 0.15 = 0.25125; list: 0.5025
    # a refresh re-augments 20%: 0.05025 at the promotion, 0.1005 at list; the one-time run is on day 0
    # (promotion). Training and the tuned model's rates have no schedule, so the difference from the
    # promotion all year is (refreshes at list) × 0.05025.
    m = priced_from(FLAT, (DAY + dt.timedelta(days=change_day), 1.50, 7.50))
    s = year(refresh_days=refresh)
    flat = strategy_cost("finetune+local", stats(), models(FLAT), s).tco
    cost = both("finetune+local", m, s)
    assert cost.tco - flat == pytest.approx(new_rate_refreshes * 0.05025)


def test_every_strategy_agrees_with_the_monte_carlo_over_two_changes():
    from builders import embedding

    m = priced_from(FLAT, (PROMO_END, 1.50, 7.50), (dt.date(2027, 6, 1), 1.0, 5.0))
    s = year(refresh_days=45)
    for strategy in ("icl", "finetune", "finetune+local", "finetune+global", "rag", "finetune+rag"):
        cs = stats(doc_tokens=[500] * 20)
        mm = Models(m, m, m, DAY, embedding())
        cost = strategy_cost(strategy, cs, mm, s)
        vector = float(strategy_tco(strategy, cs, mm, Params(base_params(s))))
        assert vector == pytest.approx(cost.tco, rel=1e-12), strategy
        if strategy in ("icl", "rag", "finetune+local", "finetune+global"):
            assert cost.scheduled, strategy


def test_drawn_horizons_cut_each_draw_at_its_own_end():
    # horizons 20, 27 and 100 days: the first two never reach the change; the third pays
    # 27 × 8.775 + 73 × 17.55 = 236.925 + 1,281.15 = 1,518.075
    s = year()
    values = base_params(s) | {"horizon_days": np.array([20.0, 27.0, 100.0])}
    out = strategy_tco("icl", stats(), models(PROMO), Params(values))
    assert out == pytest.approx([20 * 8.775, 27 * 8.775, 1518.075])


def test_periods_cut_at_each_change_inside_the_horizon():
    m = priced_from(FLAT, (DAY - dt.timedelta(days=1), 0.5, 2.5), (PROMO_END, 1.50, 7.50), (dt.date(2028, 1, 1), 9.0, 9.0))
    cut = periods(models(m), 365)
    assert [(p.start, p.end) for p in cut] == [(0.0, 27.0), (27.0, None)]
    assert cut[0].models.icl.rates.input == 0.5 and cut[1].models.icl.rates.input == 1.50


def test_spent_in_splits_spent_by():
    # the whole horizon as periods [0, 27) + [27, 365) costs what it does in one
    kw = dict(horizon_days=365, refresh_days=27, queries_per_day=10)
    bill = dict(per_refresh=3.0, per_query=0.01, per_hour=0.5)
    for day in (0, 26, 27, 28, 200, 365):
        whole = rules.spent_by(day, one=5.0, **kw, **bill)
        parts = rules.spent_in(day, 0, 27, one=5.0, **kw, **bill) + rules.spent_in(day, 27, 365, **kw, **bill)
        assert parts == pytest.approx(whole), day


def test_cumulative_steps_at_refreshes_inside_each_period():
    m = priced_from(FLAT, (PROMO_END, 1.50, 7.50))
    cost = strategy_cost("finetune+local", stats(), models(m), year(refresh_days=30))
    assert cost.change_days() == [27.0]
    # day 30's refresh: re-augmentation at list (0.1005) + retraining (unchanged)
    retrain = sum(c.usd for c in cost.components if c.label.startswith("retraining"))
    assert cost.step_at(30) == pytest.approx(0.1005 + retrain / 2)  # retraining appears once per period
    assert cost.spent_by(30) - cost.spent_by(29.999999) == pytest.approx(cost.step_at(30), rel=1e-3)


def test_unscheduled_costs_are_unchanged():
    cost = strategy_cost("icl", stats(), models(FLAT), year())
    assert not cost.scheduled and all(c.end_day is None for c in cost.components)
    assert dataclasses.asdict(cost.components[0]).keys() >= {"start_day", "end_day"}


def test_a_training_price_change_bills_the_jobs_from_its_day():
    # the fine-tuning block's training price drops from 25.00 to 10.00 on day 100 (finetune.price_changes):
    # a job bills 45,000 tokens (15,000 × 3 epochs): 1.125 before, 0.45 from day 100. Retraining every
    # 30 days: jobs on days 0, 30, 60, 90 at 1.125 and 120 ... 360 (9) at 0.45: 4.5 + 4.05 = 8.55
    # against 13 × 1.125 = 14.625 at the old price all year: 6.075 less
    from adaptcost.prices.book import PriceChange

    change = PriceChange(DAY + dt.timedelta(days=100), None, "https://example.test/ft-2027", DAY, False, "", 0, 10.0)
    m = dataclasses.replace(FLAT, finetune=dataclasses.replace(FLAT.finetune, price_changes=(change,)))
    s = year(refresh_days=30)
    cost = both("finetune", m, s)
    assert strategy_cost("finetune", stats(), models(FLAT), s).tco - cost.tco == pytest.approx(6.075)
    refs = {p.field: p for c in cost.components for p in c.prices}
    assert refs["finetune.price_changes[0].training_usd_per_mtok"].source == "https://example.test/ft-2027"
    assert any("m per-token" not in n and "promo fine-tuning prices change on 2027-03-14 (training $25 → $10" in n
               for n in cost.notes)
