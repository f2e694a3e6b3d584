"""A model or a fine-tuning offer that stops inside the horizon: the plan moves to the successor on
that day, or is possible only until then. Golden numbers worked by hand in comments; the Monte
Carlo equals the itemised estimate at the central values in every case."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from adaptcost.costing.billing import CorpusStats
from adaptcost.costing.montecarlo import Params, strategy_tco
from adaptcost.costing.strategies import Models, strategy_cost
from adaptcost.decision.uncertainty import base_params
from adaptcost.prices.book import FineTune, FineTuneLifecycle, TokenizerSpec, TrainingStop
from adaptcost.prices.rows import Lifecycle
from builders import embedding, ft_block, model, scenario

DAY = dt.date(2026, 12, 4)
SOURCE = "https://example.test/deprecations"
# 10,000 tokens in o200k_base, 12,000 in cl100k_base (the successor's tokenizer)
STATS = CorpusStats({"o200k_base": 10_000, "cl100k_base": 12_000}, {"o200k_base": 1_000, "cl100k_base": 1_200}, 20, 500,
                    {"o200k_base": (500,) * 20, "cl100k_base": (600,) * 20})

# ---------------------------------------------------------------- a model shutting down on day 7

OLD = dataclasses.replace(model("old", input=2.0, output=8.0),
                          lifecycle=Lifecycle("deprecated", SOURCE, DAY, None, dt.date(2026, 12, 11), "new"))
NEW = model("new", input=1.0, output=4.0, tokenizer=TokenizerSpec("cl100k_base"))


def priced(strategy, models, s):
    """The itemised cost, checked against the Monte Carlo at the central values."""
    cost = strategy_cost(strategy, STATS, models, s)
    p = Params(base_params(s), s.batch_augmentation, s.finetune_customer, s.lifecycle_dates, s.allow_partial)
    vector = float(strategy_tco(strategy, STATS, models, p))
    if cost.feasible:
        assert vector == pytest.approx(cost.tco, rel=1e-12)
    else:
        assert np.isnan(vector)
    return cost


def year(**kw):
    return scenario(queries_per_day=1000, horizon_days=365, **kw)


def test_icl_moves_to_the_successor_on_the_shutdown_day():
    # old (o200k, 2.00/8.00): (10,000 + 200) × 2/1e6 + 300 × 8/1e6 = 0.0204 + 0.0024 = 0.0228 a query
    # new (cl100k: the corpus is 12,000 tokens there, 1.00/4.00): 12,200 × 1/1e6 + 300 × 4/1e6 = 0.0134
    # 7 days × 1,000 × 0.0228 = 159.60; 358 days × 1,000 × 0.0134 = 4,797.20; migration on day 7: $500
    # total 5,456.80 (at the old model all year, as before: 365 × 22.80 = 8,322)
    models = Models(OLD, OLD, OLD, DAY, successors={"old": NEW})
    cost = priced("icl", models, year(migration_usd=500.0))
    assert cost.tco == pytest.approx(5456.80)
    assert cost.step_at(7.0) == pytest.approx(500.0)
    assert cost.spent_by(7.0) == pytest.approx(159.60 + 500.0)
    migration = next(c for c in cost.components if c.label.startswith("migration to new"))
    assert (migration.kind, migration.start_day, migration.usd) == ("one_time", 7.0, 500.0)
    assert any("old shuts down on 2026-12-11" in n and "moves to new (cl100k_base (exact) tokens)" in n for n in cost.notes)
    prompt = next(c for c in cost.components if c.label.startswith("prompt") and c.start_day == 7.0)
    assert "12,200" in prompt.formula


def test_rag_moves_too_and_agrees_with_the_monte_carlo():
    models = Models(OLD, OLD, OLD, DAY, embedding(), successors={"old": NEW})
    cost = priced("rag", models, year(migration_usd=500.0, refresh_days=30))
    assert cost.feasible and cost.change_days() == [7.0]


def test_without_a_priced_successor_the_plan_is_possible_only_until_the_shutdown():
    models = Models(OLD, OLD, OLD, DAY)
    refused = priced("icl", models, year())
    assert not refused.feasible and refused.possible_until == dt.date(2026, 12, 11)
    assert refused.reason.startswith("only possible until 2026-12-11, not for the whole 365-day horizon (to 2027-12-04)")
    assert "its successor new is not priced in the loaded tables" in refused.reason
    partial = priced("icl", models, year(allow_partial=True))
    assert partial.feasible and partial.tco == pytest.approx(159.60)  # 7 days × 1,000 × 0.0228


# ---------------------------------------------------------------- a fine-tuning offer closing on day 136

STOP = dt.date(2027, 4, 19)  # (Apr 19 − Dec 4) = 136 days


def tuned(earliest=False, successor="tuned-2"):
    life = FineTuneLifecycle(SOURCE, DAY, (TrainingStop(STOP, "new_customers"),), None, "", earliest)
    ft = dataclasses.replace(ft_block(training=25.0, input=3.75, output=15.0), lifecycle=life)
    return dataclasses.replace(model("tuned", finetune=ft), lifecycle=Lifecycle("active", SOURCE, DAY, successor=successor))


SUCCESSOR = model("tuned-2", finetune=ft_block(training=10.0, input=2.0, output=8.0))


def plan(m, successors, **kw):
    return priced("finetune", Models(m, m, m, DAY, successors=successors), year(refresh_days=30, **kw))


def test_a_fine_tuned_plan_retrains_on_the_successor_when_the_offer_closes():
    # training file 10,000 + 500 × 10 = 15,000 tokens × 3 epochs = 45,000 billed tokens:
    #   a job at 25.00/MTok = 1.125; on the successor at 10.00/MTok = 0.45
    # a query: 200 × 3.75/1e6 + 300 × 15/1e6 = 0.00525; on the successor 200 × 2/1e6 + 300 × 8/1e6 = 0.0028
    # days [0, 136): training 1.125 + refreshes on days 30, 60, 90, 120: 4 × 1.125 + 136 × 1,000 × 0.00525
    #   = 1.125 + 4.5 + 714 = 719.625
    # days [136, 365): training on the successor 0.45 + migration 250 + refreshes on days 150 ... 360:
    #   8 × 0.45 + 229 × 1,000 × 0.0028 = 0.45 + 250 + 3.6 + 641.2 = 895.25
    cost = plan(tuned(), {"tuned": SUCCESSOR}, migration_usd=250.0)
    assert cost.tco == pytest.approx(719.625 + 895.25)
    assert cost.step_at(136.0) == pytest.approx(0.45 + 250.0)
    assert any("stops taking new training jobs for new customers on 2027-04-19" in n and "moves to tuned-2" in n
               for n in cost.notes)
    refs = {(p.model, p.field) for c in cost.components for p in c.prices}
    assert ("tuned-2", "finetune.training_usd_per_mtok") in refs


def test_without_a_successor_offer_the_fine_tuned_plan_stops_on_day_136():
    no_offer = model("tuned-2")  # the successor offers no fine-tuning
    refused = plan(tuned(), {"tuned": no_offer})
    assert not refused.feasible and refused.possible_until == STOP
    assert "its successor tuned-2 has no fine-tuning price in the loaded tables" in refused.reason
    assert refused.notes == ["costs $719.62 until 2027-04-19, the days it can run"]
    partial = plan(tuned(), {"tuned": no_offer}, allow_partial=True)
    assert partial.feasible and partial.tco == pytest.approx(719.625)
    assert not plan(tuned(successor=None), {}).feasible  # no successor named at all


def test_a_training_stop_after_the_last_job_changes_nothing():
    # a 190-day horizon, the corpus changing every 200 days: one training job, on day 0; the offer
    # stops taking jobs on day 136, when the plan needs none, and tuned models keep serving
    cost = priced("finetune", Models(tuned(), tuned(), tuned(), DAY), scenario(queries_per_day=1000, horizon_days=190,
                                                                                refresh_days=200))
    assert cost.feasible and not cost.scheduled


@pytest.mark.parametrize("reading,total", [
    ("earliest", 719.625 + 895.25),  # the "or later" date taken as the day the offer stops (default)
    ("stated", 13 * 1.125 + 365 * 1000 * 0.00525),  # a risk only: 13 jobs and a year of queries, 1,930.875
])
def test_or_later_dates_both_ways(reading, total):
    cost = plan(tuned(earliest=True), {"tuned": SUCCESSOR}, migration_usd=250.0, lifecycle_dates=reading)
    assert cost.tco == pytest.approx(total)


def test_the_monte_carlo_charges_the_migration_per_draw():
    # migration drawn at 0, 250 and 1,000: the totals move by exactly that
    models = Models(OLD, OLD, OLD, DAY, successors={"old": NEW})
    s = year()
    values = base_params(s) | {"migration_usd": np.array([0.0, 250.0, 1000.0])}
    out = strategy_tco("icl", STATS, models, Params(values))
    assert out - out[0] == pytest.approx([0.0, 250.0, 1000.0])
    assert out[0] == pytest.approx(159.60 + 4797.20)


def test_the_monte_carlo_draws_the_or_later_date():
    # each draw's delay after the earliest date (2027-04-19, day 136) gives its own timeline: the
    # offer stops on day 136, 166 or (a 400-day delay) after the horizon; each draw equals the
    # itemised estimate at its delay
    m = tuned(earliest=True)
    models = Models(m, m, m, DAY, successors={"tuned": SUCCESSOR})
    s = year(refresh_days=30, migration_usd=250.0)
    delays = [0.0, 30.0, 30.5, 400.0]
    values = base_params(s) | {"lifecycle_delay_days": np.array(delays)}
    out = strategy_tco("finetune", STATS, models, Params(values))
    expected = [strategy_cost("finetune", STATS, models, dataclasses.replace(s, lifecycle_delay_days=d)).tco for d in delays]
    assert out == pytest.approx(expected, rel=1e-12)
    assert expected[0] == pytest.approx(719.625 + 895.25)
    # 30 days later: [0, 166) on the first offer (refreshes on days 30 ... 150: 5 jobs + the first),
    # [166, 365) on the successor (refreshes on days 180 ... 360: 7)
    assert expected[1] == pytest.approx(6 * 1.125 + 166 * 5.25 + 0.45 + 250 + 7 * 0.45 + 199 * 2.8)
    assert expected[1] == expected[2]  # whole days
    assert expected[3] == pytest.approx(1930.875)  # the stop falls after the horizon: as stated
