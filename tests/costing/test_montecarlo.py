"""The vectorized cost model equals the scalar one at every point; the Monte Carlo, tornado and
sweep built on it agree with the deterministic recommendation when ranges collapse."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.costing.strategies import Models, strategy_cost
from adaptcost.errors import ScenarioError
from adaptcost.costing.montecarlo import Params, strategy_tco
from adaptcost.prices.book import LongContext, Rates
from adaptcost.costing.scenario import STRATEGIES, Scenario
from adaptcost.decision.uncertainty import (
    Dist, ScenarioSpec, base_params, load_scenario_file, monte_carlo, parse_range, sweep, tornado,
)
import dataclasses
import datetime as dt

from adaptcost.prices.rows import Lifecycle
from adaptcost.prices.book import CacheOption, Caching, FineTune, FineTuneLifecycle, ModelPrice, TrainingStop
from builders import (ANTHROPIC_LIKE, GEMINI_LIKE, OPENAI_LIKE, PER_CALL, PER_KB, SELF_EMBEDDING, SERVERLESS, automatic, embedding, ft_block,
                      gpu_model, model, priced_from, reranker, run, stats, storage, writes)

LONG_CONTEXT_GEMINI = model(input=1.25, output=10.0, cached=0.125, finetune=ft_block(hosting=1.7, storage=2.0, minimum=3.0),
                            caching=GEMINI_LIKE.caching, window=2_000_000,
                            long_context=LongContext(200_000, Rates(2.5, 15.0, 0.25)))


DAY = dt.date(2026, 11, 27)
CLOSING = FineTuneLifecycle("https://example.test/deprecations", DAY,
                            (TrainingStop(dt.date(2026, 5, 7), "new_customers"), TrainingStop(dt.date(2027, 1, 6), "everyone")),
                            dt.date(2027, 9, 1))
# every cache option at once, an input cap, reasoning tokens, output caps, a closing fine-tuning offer
MANY_OPTIONS = ModelPrice(**{**model(input=3.0, output=15.0, cached=0.3, window=400_000).__dict__,
                             "caching": Caching(1024, 128, automatic(5, 1440).options + writes((5, 3.75), (60, 6.0)).options
                                                + (CacheOption("implicit", "implicit", 5), CacheOption("explicit", "storage", 60, None, 1.0))),
                             "max_input_tokens": 272_000, "reasoning_tokens_per_query": 400, "max_output_tokens": 3000,
                             "finetune": FineTune(**{**ft_block(storage=2.0).__dict__, "lifecycle": CLOSING, "max_output_tokens": 2500})})
SELF_HOSTED = gpu_model()
# prices that change: one change before the decision (in force from its first day), others inside
# some horizons (days 7, 27, 30, 100, 250; days 7 and 30 fall on refreshes, which bill at the new rates)
SCHEDULED_GEMINI = priced_from(GEMINI_LIKE, (DAY - dt.timedelta(days=3), 0.35, 2.8, 0.035),
                               (DAY + dt.timedelta(days=27), 0.7, 5.6, 0.07), (DAY + dt.timedelta(days=250), 0.5, 4.0))
SCHEDULED_OPENAI = priced_from(OPENAI_LIKE, (DAY + dt.timedelta(days=7), 4.0, 16.0, 1.0),
                               (DAY + dt.timedelta(days=100), 1.0, 4.0, 0.25))
SCHEDULED_ANTHROPIC = priced_from(ANTHROPIC_LIKE, (DAY + dt.timedelta(days=30), 1.5, 7.5, 0.15))
# models that stop inside some horizons: a shutdown on day 40, a fine-tuning offer closing on day 60
# ("or later" or not), each with a successor at other prices that changes price on day 100
NEXT = priced_from(model("next", input=1.0, output=5.0, cached=0.1, caching=storage(1.0), finetune=ft_block(training=10.0)),
                   (DAY + dt.timedelta(days=100), 2.0, 8.0, 0.2))
SUNSET = dataclasses.replace(model("sunset", input=2.5, output=10.0, cached=0.25, caching=automatic(5), finetune=ft_block()),
                             lifecycle=Lifecycle("deprecated", "https://example.test/deprecations", DAY, None,
                                                 DAY + dt.timedelta(days=40), "next"))
FT_CLOSING = [dataclasses.replace(
    model("ft-closing", finetune=FineTune(**{**ft_block(storage=2.0).__dict__, "lifecycle": FineTuneLifecycle(
        "https://example.test/ft", DAY, (TrainingStop(DAY + dt.timedelta(days=60), "everyone"),), None, "", earliest)})),
    lifecycle=Lifecycle("active", "https://example.test/ft", DAY, successor="next")) for earliest in (False, True)]
SUCCESSORS = {"sunset": NEXT, "ft-closing": NEXT}
MODELS = [OPENAI_LIKE, ANTHROPIC_LIKE, GEMINI_LIKE, LONG_CONTEXT_GEMINI, MANY_OPTIONS, SELF_HOSTED,
          SCHEDULED_GEMINI, SCHEDULED_OPENAI, SCHEDULED_ANTHROPIC, SUNSET, *FT_CLOSING]


EMBEDDINGS = [None, embedding(), embedding("embed-tight", rate=0.13, dimensions=3072, max_input=600, batch=0.0)]
STORES = [None, SERVERLESS, PER_CALL, SELF_EMBEDDING, PER_KB]
RERANKERS = [None, reranker(), reranker("rerank-tokens", billing="per_mtok")]


@settings(max_examples=400, deadline=None)
@given(
    icl=st.sampled_from(MODELS), aug=st.sampled_from(MODELS), strategy=st.sampled_from(STRATEGIES),
    tokens=st.integers(100, 600_000), docs=st.integers(1, 300), chunks=st.integers(1, 20_000),
    q=st.floats(0, 1e5), p=st.integers(0, 3000), a=st.integers(1, 3000), refresh=st.sampled_from([0, 7, 30, 45.5]),
    horizon=st.sampled_from([30, 200, 365]), epochs=st.integers(1, 6), hit=st.one_of(st.none(), st.floats(0, 1)),
    batch=st.booleans(), validation=st.sampled_from([0.0, 0.1]), implicit=st.floats(0, 1),
    reasoning=st.one_of(st.none(), st.integers(0, 2000)), job=st.sampled_from([0.0, 250.0]),
    customer=st.sampled_from(["new", "inactive", "active"]),
    sizes=st.one_of(st.none(), st.lists(st.integers(0, 30_000), min_size=1, max_size=40)),
    emb=st.sampled_from(EMBEDDINGS), store=st.sampled_from(STORES), rerank=st.sampled_from(RERANKERS),
    chunk=st.integers(1, 4000), overlap=st.floats(0, 0.95), k=st.integers(1, 60), system=st.floats(0, 1),
    index=st.sampled_from([0.0, 0.35]), candidates=st.integers(1, 150),
    migration=st.sampled_from([0.0, 300.0]), dates=st.sampled_from(["earliest", "stated"]), partial=st.booleans(),
    successors=st.sampled_from([{}, SUCCESSORS]),
)
def test_vectorized_equals_scalar(icl, aug, strategy, tokens, docs, chunks, q, p, a, refresh, horizon, epochs, hit, batch,
                                  validation, implicit, reasoning, job, customer, sizes, emb, store, rerank, chunk,
                                  overlap, k, system, index, candidates, migration, dates, partial, successors):
    s = Scenario(queries_per_day=q, prompt_tokens=p, answer_tokens=a, horizon_days=horizon, refresh_days=refresh,
                 epochs=epochs, cache_hit_rate=hit, batch_augmentation=batch, validation_fraction=validation,
                 implicit_cache_hit_rate=implicit, reasoning_tokens=reasoning, training_job_usd=job, finetune_customer=customer,
                 chunk_tokens=chunk, chunk_overlap_tokens=int(overlap * (chunk - 1)), top_k=k,
                 system_prompt_tokens=int(system * p), index_usd_per_hour=index, rerank_candidates=candidates,
                 migration_usd=migration, lifecycle_dates=dates, allow_partial=partial)
    if sizes is not None:
        tokens, docs = max(sum(sizes), 1), len(sizes)
    cs = stats(tokens=tokens, max_doc=max(1, max(sizes) if sizes else tokens // docs), documents=docs, chunks=chunks,
               doc_tokens=sizes)
    models = Models(icl, icl, aug, DAY, emb, store, rerank, successors)
    scalar = strategy_cost(strategy, cs, models, s)
    vector = float(strategy_tco(strategy, cs, models, Params(base_params(s), batch, customer, dates, partial)))
    if not scalar.feasible:
        assert math.isnan(vector)
    else:
        assert vector == pytest.approx(scalar.tco, rel=1e-9, abs=1e-9)


def test_vectorized_broadcasts_over_draws():
    s = Scenario(queries_per_day=100)
    values = base_params(s) | {"queries_per_day": np.array([10.0, 100.0, 1000.0])}
    out = strategy_tco("finetune", stats(), Models(OPENAI_LIKE, OPENAI_LIKE, OPENAI_LIKE), Params(values))
    expected = [strategy_cost("finetune", stats(), Models(OPENAI_LIKE, OPENAI_LIKE, OPENAI_LIKE), s.with_volume(v)).tco
                for v in (10, 100, 1000)]
    assert out == pytest.approx(expected)


def test_price_multiplier_scales_linearly():
    # doubling the training price doubles training (one-time + 12 refreshes = 13 × $1.125), nothing else
    s = Scenario(queries_per_day=100, horizon_days=365)
    models = Models(OPENAI_LIKE, OPENAI_LIKE, OPENAI_LIKE)
    one = float(strategy_tco("finetune", stats(), models, Params(base_params(s))))
    two = float(strategy_tco("finetune", stats(), models, Params(base_params(s) | {"price:training": 2.0})))
    assert two - one == pytest.approx(13 * 1.125)


# ---------------------------------------------------------------- distributions


def test_parse_range():
    assert parse_range("5000", "q") == Dist("point", 5000)
    assert parse_range("2000..8000", "q").center == 5000
    tri = parse_range("1,000..2,000..8,000", "q")
    assert (tri.kind, tri.center, tri.bounds()) == ("triangular", 2000, (1000, 8000))
    with pytest.raises(ScenarioError, match="low <= high"):
        parse_range("8000..2000", "--queries-per-day")
    with pytest.raises(ScenarioError, match="expected a number"):
        parse_range("lots", "--queries-per-day")


def test_lognormal_bounds_are_its_5th_and_95th_percentiles():
    d = Dist("lognormal", 300, 900)
    samples = d.sample(np.random.default_rng(1), 400_000)
    assert np.percentile(samples, 95) == pytest.approx(900, rel=0.01)
    assert np.median(samples) == pytest.approx(300, rel=0.01)
    assert d.bounds()[0] == pytest.approx(100, rel=1e-9)  # 300²/900: symmetric in log space


@pytest.mark.parametrize("text, fragment", [
    ("schema: nope\n", "schema: adaptcost-scenario/1"),
    ("schema: adaptcost-scenario/1\nassumptions: {queries_per_dya: 5}\n", "did you mean queries_per_day"),
    ("schema: adaptcost-scenario/1\nassumptions: {answer_tokens: {lognormal: {median: 900, p95: 300}}}\n", "0 < median < p95"),
    ("schema: adaptcost-scenario/1\nassumptions: {answer_tokens: {gaussian: [1, 2]}}\n", "unknown distribution"),
    ("schema: adaptcost-scenario/1\nassumptions: {answer_tokens: {triangular: [1, 2]}}\n", "triangular takes"),
    ("schema: adaptcost-scenario/1\nprices: {trainig: {uniform: [1, 2]}}\n", "did you mean training"),
    ("schema: adaptcost-scenario/1\ndraws: -5\n", "draws must be an integer"),
    ("schema: adaptcost-scenario/1\nprices: {output: {uniform: [-5, -1]}}\n",
     "prices.output: a price multiplier must be greater than 0, got -5"),  # negative costs before
    ("schema: adaptcost-scenario/1\nprices: {output: {lognormal: {median: 1, p95: 1e9}}}\n",
     "prices.output: a price multiplier must lie in (0, 1000.*got 1e.09"),
    ("schema: adaptcost-scenario/1\nassumptions: {epochs: {triangular: [1, 2.5, 4]}}\n",
     "assumptions.epochs: must be a whole number, got 2.5"),
    ("schema: adaptcost-scenario/1\nseed: 4294967296\n", "seed must be an integer in .0, 4294967295.. got 4294967296"),
    ("schema: adaptcost-scenario/1\nextra: 1\n", "unknown field"),
    ("schema: [\n", "malformed YAML"),
])
def test_bad_scenario_files(tmp_path, text, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_scenario_file(path)


def test_scenario_file_and_centering(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("schema: adaptcost-scenario/1\nseed: 3\ndraws: 1000\nassumptions:\n"
                    "  queries_per_day: {triangular: [2000, 5000, 8000]}\n  prompt_tokens: 100..300\n"
                    "prices:\n  training: {uniform: [0.8, 1.2]}\n")
    spec = load_scenario_file(path)
    centered = spec.centered(Scenario(queries_per_day=1))
    assert (centered.queries_per_day, centered.prompt_tokens, spec.seed, spec.draws) == (5000, 200, 3, 1000)


# ---------------------------------------------------------------- Monte Carlo, tornado, sweep


def test_monte_carlo_collapses_to_the_deterministic_answer(book):
    rec = run(book, 5000)
    spec = ScenarioSpec({"queries_per_day": Dist("point", 5000)}, {}, seed=1, draws=2000)
    # accuracies as points too: the bands of the test curves are wide, so collapse them
    for s, q in list(rec.quality.items()):
        rec.quality[s] = type(q)(q.mean, q.mean, q.mean)
    mc = monte_carlo(rec, spec)
    by = {r.strategy: r for r in mc.strategies}
    assert by[rec.pick].p_best == 1.0 and mc.p_none == 0.0
    for s in rec.estimate.feasible:
        assert by[s.strategy].p50 == pytest.approx(s.tco)
        assert by[s.strategy].p5 == pytest.approx(s.tco) and by[s.strategy].p95 == pytest.approx(s.tco)


def test_monte_carlo_is_seeded_and_sums_to_one(book):
    rec = run(book, 50)
    spec = ScenarioSpec({"queries_per_day": Dist("uniform", 1, 200)}, {"training": Dist("uniform", 0.5, 2)}, seed=9, draws=20_000)
    first, second = monte_carlo(rec, spec), monte_carlo(rec, spec)
    assert first.to_dict() == second.to_dict()
    total = sum(r.p_best for r in first.strategies) + first.p_none
    assert total == pytest.approx(1.0)
    by = {r.strategy: r for r in first.strategies}
    assert by["icl"].p5 < by["icl"].p50 < by["icl"].p95  # ICL's cost scales with the volume drawn


def test_tornado_margins_match_the_scalar_model(book):
    rec = run(book, 5000)
    t = tornado(rec)
    assert t.pick == rec.pick
    e = rec.estimate
    base = e.strategy(t.runner_up).tco - e.strategy(t.pick).tco
    assert t.base_margin == pytest.approx(base)
    row = next(r for r in t.rows if r.label == "queries per day")
    # at half the volume, recompute both strategies with the scalar model
    half = e.scenario.with_volume(2500)
    scalar = (strategy_cost(t.runner_up, e.stats, e.models, half).tco - strategy_cost(t.pick, e.stats, e.models, half).tco)
    assert row.margin_low == pytest.approx(scalar)
    swings = [abs(r.margin_high - r.margin_low) for r in t.rows]
    assert swings == sorted(swings, reverse=True)


def test_sweep_winner_matches_recommendation(book):
    result = sweep(run(book, 5000), "queries_per_day", [0.05, 5000], "epochs", [3])
    # the deterministic rule gives icl at 0.05/day and finetune+global at 5,000/day (test_recommend)
    assert result.winners == [[run(book, 0.05).pick, run(book, 5000).pick]]
    assert len(result.to_rows()) == 2
    with pytest.raises(ScenarioError, match="did you mean"):
        sweep(run(book, 5000), "queries_per_dya", [1], "epochs", [1])


def test_training_job_cost_from_a_scenario_file_moves_the_fine_tuning_totals(book, tmp_path):
    # a fixed $200..$600 (mode $400) per training job: 13 jobs over 365 days with monthly refreshes,
    # so the fine-tuning medians move by about 13 × $400 = $5,200 and ICL's not at all
    path = tmp_path / "s.yaml"
    path.write_text("schema: adaptcost-scenario/1\nseed: 2\ndraws: 20000\nassumptions:\n"
                    "  training_job_usd: {triangular: [200, 400, 600]}\n")
    spec = load_scenario_file(path)
    assert spec.centered(Scenario(queries_per_day=1)).training_job_usd == 400
    rec = run(book, 10)
    mc = {r.strategy: r for r in monte_carlo(rec, spec).strategies}
    for s in rec.estimate.feasible:
        shift = 0 if s.strategy in ("icl", "rag") else 13 * 400
        assert mc[s.strategy].p50 == pytest.approx(s.tco + shift, rel=0.02)
