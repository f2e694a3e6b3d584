"""Hand-worked cost examples for each strategy (the arithmetic is in each test's comment) and
property tests of the cost model's invariants."""

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.costing.breakeven import solve_pair
from adaptcost.costing.strategies import Models, hit_rate, strategy_cost, tco_curve
from adaptcost.errors import ScenarioError
from adaptcost.prices.book import CacheOption, Caching, FineTune, LongContext, ModelPrice, Rates, TokenizerSpec
from adaptcost.costing.scenario import STRATEGIES, Scenario
from builders import (ANTHROPIC_LIKE, DAY, GEMINI_LIKE, OPENAI_LIKE, automatic, ft_block, gpu_model, model, only, scenario,
                      stats, storage, writes)

# ---------------------------------------------------------------- ICL


def test_icl_uncached_golden():
    # prompt = 10,000 corpus + 200 question = 10,200 tokens × $2/MTok = $0.0204
    # answer = 300 × $8/MTok = $0.0024 → $0.0228 per query
    # TCO = 100 queries/day × 10 days × $0.0228 = $22.80
    cost = strategy_cost("icl", stats(), only(model()), scenario())
    assert cost.per_query == pytest.approx(0.0228)
    assert cost.tco == pytest.approx(22.80)
    assert cost.amortized_per_query == pytest.approx(0.0228)


def test_icl_openai_automatic_cache_golden():
    # cached prefix = floor(10,000 / 128) × 128 = 9,984 tokens (≥ 1,024 minimum)
    # prefix: 9,984 × (0.9 × $0.5 + 0.1 × $2)/MTok = 9,984 × 0.65 / 1e6 = $0.0064896
    # rest: (10,200 − 9,984) = 216 × $2/MTok = $0.000432; answer: 300 × $8/MTok = $0.0024
    # per query = $0.0093216
    m = model(cached=0.5, caching=automatic(5))
    cost = strategy_cost("icl", stats(), only(m), scenario(cache_hit_rate=0.9))
    assert cost.per_query == pytest.approx(0.0093216)


def test_icl_anthropic_cache_write_and_read_golden():
    # whole 10,000-token corpus cached (explicit breakpoint); write = $3.75 (1.25 × $3), read $0.30
    # prefix: 10,000 × (0.8 × 0.30 + 0.2 × 3.75)/1e6 = 10,000 × 0.99 / 1e6 = $0.0099
    # question: 200 × $3/MTok = $0.0006; answer: 300 × $15/MTok = $0.0045 → $0.015
    m = model(input=3.0, output=15.0, cached=0.3,
              caching=writes((5, 3.75), (60, 6.0)))
    cost = strategy_cost("icl", stats(), only(m), scenario(cache_hit_rate=0.8))
    assert cost.per_query == pytest.approx(0.015)


def test_icl_long_context_tier_bills_whole_request():
    # prompt 250,200 > 200,000 threshold: all input at $2.50 and output at $15
    # (250,200 × 2.5 + 300 × 15)/1e6 = (625,500 + 4,500)/1e6 = $0.63
    m = model(input=1.25, output=10.0, long_context=LongContext(200_000, Rates(2.5, 15.0, 2.5)))
    cost = strategy_cost("icl", stats(tokens=250_000), only(m), scenario())
    assert cost.per_query == pytest.approx(0.63)
    assert any(p.field == "long_context.usd_per_mtok.input" for p in cost.prices())


def test_icl_gemini_storage_cache_chosen_only_when_cheaper():
    # corpus 100,000; input $0.30, cached $0.03, output $2.50, storage $1/MTok/hour; 30 days.
    # no cache: (100,200 × 0.3 + 300 × 2.5)/1e6 = $0.03081/query
    # cache: creation 100,000 × 0.3/1e6 = $0.03; storage 0.1 $/h × 720 h = $72;
    #        per query (100,000 × 0.03 + 200 × 0.3 + 300 × 2.5)/1e6 = $0.00381
    # at 1,000/day: no cache 30,000 × 0.03081 = $924.30; cache 0.03 + 72 + 114.30 = $186.33 → cache
    # at 10/day:    no cache 300 × 0.03081 = $9.243;     cache 0.03 + 72 + 1.143 = $73.173 → no cache
    m = model(input=0.3, output=2.5, cached=0.03,
              caching=storage(1.0))
    busy = strategy_cost("icl", stats(tokens=100_000), only(m), scenario(queries_per_day=1000, horizon_days=30))
    quiet = strategy_cost("icl", stats(tokens=100_000), only(m), scenario(queries_per_day=10, horizon_days=30))
    assert busy.tco == pytest.approx(186.33)
    assert quiet.tco == pytest.approx(9.243)


def test_icl_infeasible_when_corpus_exceeds_context():
    cost = strategy_cost("icl", stats(tokens=127_600), only(model(window=128_000)), scenario())
    assert not cost.feasible
    assert "context window" in cost.reason


def test_icl_below_min_prefix_without_hits_is_billed_as_is():
    # 800 tokens < 1,024 minimum and no cache hits: padding cannot pay, the plain price stands
    m = model(cached=0.5, caching=automatic(5))
    cached = strategy_cost("icl", stats(tokens=800), only(m), scenario(cache_hit_rate=0.0))
    plain = strategy_cost("icl", stats(tokens=800), only(model()), scenario())
    assert cached.per_query == pytest.approx(plain.per_query)


def test_poisson_hit_rate():
    # 1,440 queries/day = 1 per minute; TTL 5 min → 1 − e^−5
    m = model(caching=automatic(5))
    assert hit_rate(m, m.caching.options[0], scenario(queries_per_day=1440)) == pytest.approx(1 - math.exp(-5))
    assert hit_rate(m, m.caching.options[0], scenario(queries_per_day=0)) == 0


# ---------------------------------------------------------------- fine-tuning


def test_finetune_golden():
    # training file: 10,000 corpus + 500 examples × 10 overhead = 15,000 tokens; × 3 epochs = 45,000
    # × $25/MTok = $1.125 per run; refreshes = ceil(365/30) − 1 = 12
    # per query: (200 × 3.75 + 300 × 15)/1e6 = $0.00525; 100/day × 365 = 36,500 queries → $191.625
    # TCO = 1.125 + 12 × 1.125 + 191.625 = $206.25
    m = model(finetune=ft_block())
    cost = strategy_cost("finetune", stats(), only(m), scenario(horizon_days=365, refresh_days=30))
    assert cost.one_time == pytest.approx(1.125)
    assert cost.per_refresh == pytest.approx(1.125)
    assert cost.scenario.refreshes == 12
    assert cost.per_query == pytest.approx(0.00525)
    assert cost.tco == pytest.approx(206.25)


def test_finetune_hosting_per_hour_golden():
    # as above plus $1.70/hour × 8,760 hours = $14,892 → $15,098.25
    m = model(finetune=ft_block(hosting=1.70))
    cost = strategy_cost("finetune", stats(), only(m), scenario(horizon_days=365, refresh_days=30))
    assert cost.tco == pytest.approx(15_098.25)


def test_finetune_storage_and_minimum_charge():
    # storage $2/month over a 730-hour billing month = 2/730 per hour × 240 hours (10 days) = $0.6575
    # training 45,000 × $1/MTok = $0.045 < $5 minimum → $5
    m = model(finetune=ft_block(training=1.0, storage=2.0, minimum=5.0))
    cost = strategy_cost("finetune", stats(), only(m), scenario())
    assert cost.one_time == pytest.approx(5.0)
    assert cost.per_hour * cost.scenario.hours == pytest.approx(2.0 / 730 * 240)


def test_finetune_validation_tokens_billed_where_provider_bills_them():
    # 15,000 training tokens; validation 20% of the data = 15,000 × 0.2/0.8 = 3,750 tokens per epoch
    # billed (15,000 + 3,750) × 3 = 56,250 × $25/MTok = $1.40625
    m = model(finetune=ft_block(billing="tokens_x_epochs_plus_validation"))
    cost = strategy_cost("finetune", stats(), only(m), scenario(validation_fraction=0.2))
    assert cost.one_time == pytest.approx(1.40625)


def test_provisioned_serving_without_an_hourly_price_cannot_be_priced():
    # Bedrock-style: custom models are served only on provisioned capacity; no hourly price, no figure
    block = FineTune(8.0, "tokens_x_epochs", Rates(0.25, 1.25, 0.25), None, 1.95, 0.0, "https://example.test", DAY,
                     False, "", serving="provisioned")
    cost = strategy_cost("finetune", stats(), only(model(finetune=block)), scenario())
    assert not cost.feasible and "hosting_usd_per_hour" in cost.reason


def test_finetune_infeasible_without_finetune_prices():
    cost = strategy_cost("finetune", stats(), only(model()), scenario())
    assert not cost.feasible and "fine-tuning price" in cost.reason


def test_local_augmentation_golden():
    # augmenter: $0.4 in, $1.6 out. 500 calls × 250 prompt + 10,000 chunk tokens = 135,000 in;
    # 4 variants × 10,000 = 40,000 out → (135,000 × 0.4 + 40,000 × 1.6)/1e6 = $0.118
    # re-augmentation at a refresh: 0.2 × 0.118 = $0.0236
    # training: 10,000 + 40,000 + (500 + 2,000 examples) × 10 = 75,000 × 3 × $25/MTok = $5.625
    ft = model("ft", finetune=ft_block())
    aug = model("aug", input=0.4, output=1.6)
    cost = strategy_cost("finetune+local", stats(), Models(ft, ft, aug), scenario())
    assert cost.one_time == pytest.approx(0.118 + 5.625)
    assert cost.per_refresh == pytest.approx(0.0236 + 5.625)


def test_local_augmentation_batch_discount():
    # same as above with a 50% batch discount: 0.118 × 0.5 = $0.059
    ft = model("ft", finetune=ft_block())
    aug = model("aug", input=0.4, output=1.6, batch=0.5)
    cost = strategy_cost("finetune+local", stats(), Models(ft, ft, aug), scenario(batch_augmentation=True))
    assert cost.one_time == pytest.approx(0.059 + 5.625)


def test_global_augmentation_golden():
    # prefix = 300 instructions + 10,000 corpus = 10,300 tokens.
    # As is: cached = floor(10,300/128) × 128 = 10,240; first call 10,240 × 0.4 = 4,096;
    #   19 reads 19 × 10,240 × 0.1 = 19,456; uncached tail 20 × 60 × 0.4 = 480 → 24,032 µ$
    # Padded to the next 128-token block, 10,368: first 10,368 × 0.4 = 4,147.2;
    #   19 × 10,368 × 0.1 = 19,699.2 → 23,846.4 µ$: cheaper, so it is used.
    # documents once as suffixes: 10,000 × 0.4 = 4,000 µ$; output 20 × 1,000 × 1.6 = 32,000 µ$
    # augmentation = (23,846.4 + 4,000 + 32,000)/1e6 = $0.0598464
    # training: 20,000 inference tokens / 25 per inference = 800 examples;
    #   10,000 + 20,000 + (500 + 800) × 10 = 43,000 × 3 × $25/MTok = $3.225
    ft = model("ft", finetune=ft_block())
    aug = model("aug", input=0.4, output=1.6, cached=0.1, caching=automatic(5))
    cost = strategy_cost("finetune+global", stats(), Models(ft, ft, aug), scenario())
    assert cost.one_time == pytest.approx(0.0598464 + 3.225)
    # global augmentation re-runs in full at every refresh
    assert cost.per_refresh == pytest.approx(0.0598464 + 3.225)


def test_augmentation_calls_bill_the_augmenting_model_s_reasoning_tokens():
    import dataclasses

    from adaptcost.costing.montecarlo import Params, strategy_tco

    # The augmenter reasons 1,024 tokens per call by default, as it does per query.
    # Local: 500 calls; in as in the golden above, 135,000 × 0.4 = 54,000 µ$;
    #   out 40,000 rewrites + 500 × 1,024 reasoning = 552,000 × 1.6 = 883,200 µ$ → $0.9372
    #   (without the reasoning: $0.118). Training is unchanged ($5.625): reasoning is not training text.
    ft = model("ft", finetune=ft_block())
    aug = dataclasses.replace(model("aug", input=0.4, output=1.6), reasoning_tokens_per_query=1024)
    local = strategy_cost("finetune+local", stats(), Models(ft, ft, aug), scenario())
    assert local.one_time == pytest.approx(0.9372 + 5.625)
    assert local.per_refresh == pytest.approx(0.2 * 0.9372 + 5.625)
    assert "(40,000 + 500 × 1,024 reasoning) out" in local.components[0].formula
    # Global (the golden above): 20 calls, output 20,000 + 20 × 1,024 = 40,480 × 1.6 = 64,768 µ$;
    #   (23,846.4 + 4,000 + 64,768)/1e6 = $0.0926144 (without the reasoning: $0.0598464)
    cached = dataclasses.replace(aug, rates=Rates(0.4, 1.6, 0.1), caching=automatic(5))
    glob = strategy_cost("finetune+global", stats(), Models(ft, ft, cached), scenario())
    assert glob.one_time == pytest.approx(0.0926144 + 3.225)
    # --reasoning-tokens 0 turns it off for augmentation as for queries
    assert strategy_cost("finetune+local", stats(), Models(ft, ft, aug), scenario(reasoning_tokens=0)).one_time == \
        pytest.approx(0.118 + 5.625)
    # the Monte Carlo bills the same reasoning (one rule: rules.billed_output_tokens)
    for cost, models in ((local, Models(ft, ft, aug)), (glob, Models(ft, ft, cached))):
        assert float(strategy_tco(cost.strategy, stats(), models, Params.from_scenario(scenario()))) == pytest.approx(cost.tco)
    # an augmenter whose reasoning pushes a call past its max output cannot augment globally
    capped = dataclasses.replace(cached, max_output_tokens=2_000)
    assert not strategy_cost("finetune+global", stats(), Models(ft, ft, capped), scenario()).feasible


def test_prefix_just_below_cache_minimum_is_padded():
    # 1,000-token corpus, 100% hits: as is, nothing is cacheable: (1,200 × 2 + 300 × 8)/1e6 = $0.0048
    # padded to 1,024: 1,024 × 0.5 + 200 × 2 + 300 × 8 = 512 + 400 + 2,400 → $0.003312
    m = model(cached=0.5, caching=automatic(5))
    cost = strategy_cost("icl", stats(tokens=1_000), only(m), scenario(cache_hit_rate=1.0))
    assert cost.per_query == pytest.approx(0.003312)
    assert any("padded" in n for n in cost.notes)


def test_global_augmentation_infeasible_when_corpus_does_not_fit():
    ft = model("ft", finetune=ft_block())
    aug = model("aug", window=8_000)
    cost = strategy_cost("finetune+global", stats(), Models(ft, ft, aug), scenario())
    assert not cost.feasible and "context window" in cost.reason


def test_estimated_tokenizer_scales_counts():
    # Claude-like: 1.2 × o200k count, ±15%: 10,000 → 12,000 (10,200 .. 13,800)
    m = model(tokenizer=TokenizerSpec("o200k_base", False, 1.2, 0.15))
    s = stats()
    assert s.tokens_for(m) == pytest.approx(12_000)
    assert s.tokens_for(m, -1) == pytest.approx(10_200)
    assert s.tokens_for(m, +1) == pytest.approx(13_800)


# ---------------------------------------------------------------- scenario validation


@pytest.mark.parametrize("kw, field", [
    (dict(queries_per_day=-1), "queries_per_day"),
    (dict(horizon_days=0), "horizon_days"),
    (dict(epochs=0), "epochs"),
    (dict(cache_hit_rate=1.5), "cache_hit_rate"),
    (dict(queries_per_day=float("nan")), "queries_per_day"),
    (dict(refresh_days=-3), "refresh_days"),
    (dict(training_job_usd=-1), "training_job_usd"),
    (dict(finetune_customer="someone"), "finetune_customer"),
])
def test_impossible_assumptions_are_rejected(kw, field):
    # the Python API speaks its own field names (the CLI maps them to flags: tests/test_cli.py)
    with pytest.raises(ScenarioError, match=f"^{field} ") as info:
        scenario(**kw)
    assert info.value.field == field and "--" not in str(info.value)


def test_refreshes_are_strictly_inside_the_horizon():
    assert scenario(horizon_days=360, refresh_days=30).refreshes == 11
    assert scenario(horizon_days=365, refresh_days=30).refreshes == 12
    assert scenario(horizon_days=20, refresh_days=30).refreshes == 0
    assert scenario(horizon_days=365, refresh_days=0).refreshes == 0


# ---------------------------------------------------------------- properties

volumes = st.floats(min_value=0, max_value=1e6, allow_nan=False)
corpus_sizes = st.integers(min_value=1, max_value=400_000)


@settings(max_examples=60, deadline=None)
@given(m=st.sampled_from([OPENAI_LIKE, ANTHROPIC_LIKE, GEMINI_LIKE]), strategy=st.sampled_from(STRATEGIES),
       tokens=corpus_sizes, extra=st.integers(min_value=1, max_value=100_000), q=volumes,
       hit=st.floats(min_value=0, max_value=1))
def test_more_tokens_never_cost_less(m, strategy, tokens, extra, q, hit):
    s = scenario(queries_per_day=q, horizon_days=90, refresh_days=30, cache_hit_rate=hit)
    small = strategy_cost(strategy, stats(tokens=tokens, max_doc=tokens // 10, chunks=max(1, tokens // 20)), only(m), s)
    large = strategy_cost(strategy, stats(tokens=tokens + extra, max_doc=tokens // 10, chunks=max(1, tokens // 20)), only(m), s)
    if small.feasible and large.feasible:
        assert large.tco >= small.tco - 1e-9


@settings(max_examples=60, deadline=None)
@given(m=st.sampled_from([OPENAI_LIKE, ANTHROPIC_LIKE, GEMINI_LIKE]), strategy=st.sampled_from(STRATEGIES),
       tokens=corpus_sizes, q=volumes, dq=st.floats(min_value=0.01, max_value=1e5), hit=st.floats(0, 1))
def test_more_queries_never_cost_less_at_a_given_hit_rate(m, strategy, tokens, q, dq, hit):
    s = scenario(horizon_days=90, refresh_days=30, cache_hit_rate=hit)
    st_ = stats(tokens=tokens, max_doc=tokens // 10 + 1)
    low = strategy_cost(strategy, st_, only(m), s.with_volume(q))
    high = strategy_cost(strategy, st_, only(m), s.with_volume(q + dq))
    if low.feasible:
        assert high.tco >= low.tco - 1e-9


@settings(max_examples=40, deadline=None)
@given(strategy=st.sampled_from(STRATEGIES), tokens=corpus_sizes, q=volumes, dq=st.floats(0.01, 1e5))
def test_more_queries_never_cost_less_with_automatic_caching(strategy, tokens, q, dq):
    # With hit rates derived from traffic, OpenAI-style caching stays monotone: a miss costs at
    # most 4x a hit, so q × c(q) still grows (d/dq ≥ A − 0.135·B > 0 with A ≥ B/3).
    s = scenario(horizon_days=90, refresh_days=30)
    st_ = stats(tokens=tokens, max_doc=tokens // 10 + 1)
    low = strategy_cost(strategy, st_, only(OPENAI_LIKE), s.with_volume(q))
    high = strategy_cost(strategy, st_, only(OPENAI_LIKE), s.with_volume(q + dq))
    if low.feasible:
        assert high.tco >= low.tco - 1e-9


def test_warm_ttl_cache_can_make_more_traffic_cheaper():
    # A real effect, not a bug: with a 5-minute TTL and writes at 12.5x the read price, going from
    # one query per 10 minutes (mostly writes) to one per minute (mostly reads) lowers the bill.
    # 144/day: h = 1 − e^−0.5 = 0.3935; 1,440/day: h = 1 − e^−5 = 0.9933.
    s = scenario(horizon_days=30)
    rare = strategy_cost("icl", stats(tokens=100_000), only(ANTHROPIC_LIKE), s.with_volume(144))
    busy = strategy_cost("icl", stats(tokens=100_000), only(ANTHROPIC_LIKE), s.with_volume(1440))
    assert busy.per_query < rare.per_query
    assert hit_rate(ANTHROPIC_LIKE, ANTHROPIC_LIKE.caching.options[0], s.with_volume(144)) == pytest.approx(1 - math.exp(-0.5))


@settings(max_examples=30, deadline=None)
@given(m=st.sampled_from([OPENAI_LIKE, ANTHROPIC_LIKE, GEMINI_LIKE]), tokens=st.integers(2_000, 300_000),
       a=st.sampled_from(STRATEGIES), b=st.sampled_from(STRATEGIES))
def test_break_even_is_where_both_totals_match(m, tokens, a, b):
    if a == b:
        return
    s = scenario(horizon_days=180, refresh_days=30)
    st_ = stats(tokens=tokens, max_doc=tokens // 10 + 1)
    if not (strategy_cost(a, st_, only(m), s).feasible and strategy_cost(b, st_, only(m), s).feasible):
        return
    fa, fb = tco_curve(a, st_, only(m), s), tco_curve(b, st_, only(m), s)
    result = solve_pair(a, b, fa, fb)
    for q, cheaper_above in result.crossings:
        assert fa(q) == pytest.approx(fb(q), rel=1e-6, abs=1e-6)
        f_cheap, f_other = (fa, fb) if cheaper_above == a else (fb, fa)
        assert f_cheap(q * 1.001) <= f_other(q * 1.001) + 1e-9
    if not result.crossings and result.cheaper_throughout:
        f_cheap, f_other = (fa, fb) if result.cheaper_throughout == a else (fb, fa)
        for q in (0.01, 1.0, 100.0, 1e4, 1e6):
            assert f_cheap(q) <= f_other(q) + 1e-9


# ---------------------------------------------------------------- every cache option, limits, self-hosting


def both_writes():
    return writes((5, 3.75), (60, 6.0))


def test_anthropic_one_hour_write_at_100_queries_a_day_golden():
    # 10,000-token corpus, $3 input, $0.30 hit, writes $3.75 (5 min) and $6 (1 h); 100 queries/day.
    # h5  = 1 − exp(−100 × 5 / 1440)  = 1 − exp(−0.347222) = 0.293352
    # h60 = 1 − exp(−100 × 60 / 1440) = 1 − exp(−4.166667) = 0.984496
    # prefix, 5 min: 10,000 × (0.293352 × 0.30 + 0.706648 × 3.75)/1e6 = $0.0273794 per query
    # prefix, 1 h:   10,000 × (0.984496 × 0.30 + 0.015504 × 6.00)/1e6 = $0.0038837 per query
    # + question 200 × $3 + answer 300 × $15 = $0.0051 → 1 h: $0.0089837 per query,
    # TCO = 100/day × 10 days × $0.0089837 = $8.98 (the 5-minute write alone: $32.48)
    m = model(input=3.0, output=15.0, cached=0.3, caching=both_writes())
    cost = strategy_cost("icl", stats(), only(m), scenario(queries_per_day=100))
    assert cost.per_query == pytest.approx(0.0089837, rel=1e-4)
    assert cost.tco == pytest.approx(8.9837, rel=1e-4)
    assert any("'60m'" in n for n in cost.notes)
    five_only = strategy_cost("icl", stats(), only(model(input=3.0, output=15.0, cached=0.3, caching=writes((5, 3.75)))),
                              scenario(queries_per_day=100))
    assert five_only.tco == pytest.approx(32.4794, rel=1e-4)


def test_openai_extended_retention_at_10_queries_a_day_golden():
    # cached prefix = floor(10,000 / 128) × 128 = 9,984; in-memory TTL 5 min, extended 24 h (1,440 min).
    # h(24 h) = 1 − exp(−10 × 1440 / 1440) = 1 − e^−10 = 0.9999546
    # prefix: 9,984 × (0.9999546 × $0.5 + 0.0000454 × $2)/1e6 = $0.0049927
    # rest 216 × $2 = $0.000432, answer 300 × $8 = $0.0024 → $0.0078247 per query; TCO 100 queries = $0.78247
    # (in-memory: h = 1 − exp(−10 × 5 / 1440) = 0.034126 → $0.022289 per query)
    m = model(cached=0.5, caching=automatic(5, 1440))
    cost = strategy_cost("icl", stats(), only(m), scenario(queries_per_day=10))
    assert cost.per_query == pytest.approx(0.0078247, rel=1e-4)
    assert cost.tco == pytest.approx(0.78247, rel=1e-4)
    memory = strategy_cost("icl", stats(), only(model(cached=0.5, caching=automatic(5))), scenario(queries_per_day=10))
    assert memory.per_query == pytest.approx(0.022289, rel=1e-4)


def test_gemini_implicit_caching_golden():
    # implicit only, TTL 5 min, assumed hit rate 0.5 on a warm cache, 1,440 queries/day:
    # warm = 1 − e^−5 = 0.993262, h = 0.5 × 0.993262 = 0.496631
    # prefix: 10,000 × (0.496631 × $0.03 + 0.503369 × $0.30)/1e6 = $0.00165910
    # question 200 × $0.30 = $0.00006, answer 300 × $2.50 = $0.00075 → $0.00246910 per query
    # TCO = 1,440 × 10 × $0.00246910 = $35.555 (uncached: $54.864)
    implicit = Caching(1024, 1, (CacheOption("implicit", "implicit", 5),))
    m = model(input=0.3, output=2.5, cached=0.03, caching=implicit)
    cost = strategy_cost("icl", stats(), only(m), scenario(queries_per_day=1440))
    assert cost.tco == pytest.approx(35.555, rel=1e-4)
    sure = strategy_cost("icl", stats(), only(m), scenario(queries_per_day=1440, implicit_cache_hit_rate=1.0))
    assert sure.tco < cost.tco
    # with explicit storage too ($1/MTok/hour): 0.003 create + 240 h × $0.01 + 14,400 × $0.00111 = $18.387
    both = Caching(1024, 1, implicit.options + storage(1.0).options)
    best = strategy_cost("icl", stats(), only(model(input=0.3, output=2.5, cached=0.03, caching=both)), scenario(queries_per_day=1440))
    assert best.tco == pytest.approx(18.387, rel=1e-4) and "storage cache" in best.notes[0]


def test_input_cap_below_the_window():
    # gpt-5-like: 400,000-token window, prompts capped at 272,000
    capped = model(window=400_000)
    capped = ModelPrice(**{**capped.__dict__, "max_input_tokens": 272_000})
    big = strategy_cost("icl", stats(tokens=280_000), only(capped), scenario())
    assert not big.feasible and "input cap of 272,000" in big.reason
    assert strategy_cost("icl", stats(tokens=200_000), only(capped), scenario()).feasible


def test_reasoning_tokens_bill_as_output_and_count_against_output_caps():
    # 300 answer + 700 reasoning = 1,000 output tokens × $8/MTok = $0.008 (vs $0.0024 without)
    m = ModelPrice(**{**model().__dict__, "reasoning_tokens_per_query": 700, "max_output_tokens": 900})
    cost = strategy_cost("icl", stats(), only(m), scenario())
    assert not cost.feasible and "max output of 900" in cost.reason
    m = ModelPrice(**{**m.__dict__, "max_output_tokens": 2000})
    cost = strategy_cost("icl", stats(), only(m), scenario())
    out = next(c for c in cost.components if c.label.startswith("answer"))
    assert out.usd == pytest.approx(0.008) and "700 reasoning" in out.formula
    assert strategy_cost("icl", stats(), only(m), scenario(reasoning_tokens=0)).per_query == pytest.approx(0.0228)


def test_fine_tuned_output_cap_is_checked():
    ft = FineTune(**{**ft_block().__dict__, "max_output_tokens": 200})
    cost = strategy_cost("finetune", stats(), only(model(finetune=ft)), scenario())
    assert not cost.feasible and "(fine-tuned)" in cost.reason


def test_fixed_cost_per_training_job():
    # training 45,000 × $25/MTok = $1.125 per job; + $400 of evaluation/deployment work per job;
    # refresh every 30 days over 365: 12 retrainings → 13 jobs × $400 = $5,200 more
    m = model(finetune=ft_block())
    s = scenario(horizon_days=365, refresh_days=30)
    plain = strategy_cost("finetune", stats(), only(m), s)
    worked = strategy_cost("finetune", stats(), only(m), Scenario(**{**s.to_dict(), "training_job_usd": 400.0}))
    assert worked.tco - plain.tco == pytest.approx(13 * 400.0)


def test_self_hosting_at_two_volumes_golden():
    # $2/GPU-hour, 10,000 in / 1,000 out tokens/s → $0.0555556 / $0.555556 per 1M tokens;
    # training 2,000 tokens/s → $0.277778 per 1M. Training file 10,000 + 500 × 10 = 15,000 tokens × 3
    # epochs = 45,000 tokens = 0.00625 GPU-hours = $0.0125.
    # per query: 200 × 0.0555556/1e6 + 300 × 0.555556/1e6 = $0.000177778
    # 100 queries/day: one always-on replica ($2/h) is barely used: top-up = 2 − 100 × 0.000177778 / 24
    #   = $1.99925926/h; TCO = 0.0125 + 1,000 × 0.000177778 + 240 × 1.99925926 = $480.0125
    # 1,000,000 queries/day: traffic pays 7.41 $/h > $2 floor → TCO = 0.0125 + 1e7 × 0.000177778 = $1,777.79
    m = gpu_model()
    low = strategy_cost("finetune", stats(), only(m), scenario(queries_per_day=100))
    assert low.one_time == pytest.approx(0.0125)
    assert low.tco == pytest.approx(480.0125, rel=1e-6)
    high = strategy_cost("finetune", stats(), only(m), scenario(queries_per_day=1_000_000))
    assert high.tco == pytest.approx(1777.79, rel=1e-5)
    assert "0.01 h" in next(c.formula for c in low.components if c.label == "training")


def test_finetune_offer_closing_inside_the_horizon():
    from adaptcost.prices.book import FineTuneLifecycle, TrainingStop

    # decision on 2026-11-27; new jobs stop for everyone on 2027-01-06 (40 days later)
    life = FineTuneLifecycle("https://example.test/deprecations", dt.date(2026, 9, 8),
                             (TrainingStop(dt.date(2026, 5, 7), "new_customers"), TrainingStop(dt.date(2027, 1, 6), "everyone")),
                             dt.date(2027, 3, 1))
    m = model(finetune=FineTune(**{**ft_block().__dict__, "lifecycle": life}))
    day = dt.date(2026, 11, 27)
    models = Models(m, m, m, day)
    # a new organisation: closed since 2026-05-07
    new = strategy_cost("finetune", stats(), models, scenario(horizon_days=30, refresh_days=0))
    assert not new.feasible and "since 2026-05-07" in new.reason and "https://example.test/deprecations" in new.reason
    active = dict(horizon_days=90, refresh_days=30, finetune_customer="active")
    # an active customer retraining every 30 days: jobs on days 0, 30, 60 → the one on day 60 falls after 2027-01-06
    cost = strategy_cost("finetune", stats(), models, scenario(**active))
    assert not cost.feasible and "2027-01-06" in cost.reason and "retrains until 2027-01-26" in cost.reason
    # training once, serving 90 days (tuned models serve until 2027-03-01, day 94): possible
    assert strategy_cost("finetune", stats(), models, scenario(**{**active, "refresh_days": 0})).feasible
    # a 100-day horizon outlives the tuned models
    late = strategy_cost("finetune", stats(), models, scenario(**{**active, "refresh_days": 0, "horizon_days": 100}))
    assert not late.feasible and "stop serving on 2027-03-01" in late.reason


def test_an_offer_closed_to_everyone_is_refused_for_everyone():
    from adaptcost.prices.book import FineTuneLifecycle, TrainingStop
    from adaptcost.prices.notices import finetune_offer

    # Vertex's gemini-2.5-flash-lite: no new customers from 2026-09-16, no jobs for anyone and no tuned
    # model served from 2026-10-16. Decided 2026-11-27, a new customer's refusal names the widest
    # audience ("everyone", since 2026-10-16), not the first stop that reached it (new customers, 09-16).
    life = FineTuneLifecycle("https://example.test/versions", dt.date(2026, 7, 21),
                             (TrainingStop(dt.date(2026, 9, 16), "new_customers"), TrainingStop(dt.date(2026, 10, 16), "everyone")),
                             dt.date(2026, 10, 16))
    m = model(finetune=FineTune(**{**ft_block().__dict__, "lifecycle": life}))
    day = dt.date(2026, 11, 27)
    for customer in ("new", "inactive", "active"):
        cost = strategy_cost("finetune", stats(), Models(m, m, m, day), scenario(horizon_days=30, finetune_customer=customer))
        earlier = " (for new customers since 2026-09-16)" if customer == "new" else ""
        assert cost.reason == (f"m fine-tuning takes no new training jobs for everyone since 2026-10-16{earlier} and tuned "
                               "models stopped serving on 2026-10-16 (https://example.test/versions)")
    assert finetune_offer(m, day) == ["m fine-tuning took no new training jobs for everyone from 2026-10-16; "
                                      "stopped serving tuned models on 2026-10-16 (https://example.test/versions)"]
    # on 2026-10-01 it had closed to new customers only: an active one could still train and serve 15 days
    early = dt.date(2026, 10, 1)
    assert life.closed_on(early) == TrainingStop(dt.date(2026, 9, 16), "new_customers")
    assert not strategy_cost("finetune", stats(), Models(m, m, m, early), scenario(horizon_days=30)).feasible
    assert strategy_cost("finetune", stats(), Models(m, m, m, early),
                         scenario(horizon_days=15, refresh_days=0, finetune_customer="active")).feasible


CACHE_OPTIONS = [
    CacheOption("5m", "write", 5, 3.75), CacheOption("1h", "write", 60, 6.0), CacheOption("mem", "automatic", 5),
    CacheOption("24h", "automatic", 1440), CacheOption("implicit", "implicit", 5),
    CacheOption("explicit", "storage", 60, None, 1.0)]


@settings(max_examples=80, deadline=None)
@given(options=st.lists(st.sampled_from(CACHE_OPTIONS), max_size=6, unique=True), extra=st.sampled_from(CACHE_OPTIONS),
       tokens=st.integers(500, 300_000), q=st.floats(0, 1e5), strategy=st.sampled_from(["icl", "finetune+global"]))
def test_adding_a_cache_option_never_raises_the_cost(options, extra, tokens, q, strategy):
    def priced(opts):
        m = model(input=3.0, output=15.0, cached=0.3, caching=Caching(1024, 1, tuple(opts)), finetune=ft_block())
        return strategy_cost(strategy, stats(tokens=tokens, max_doc=tokens // 10 + 1), only(m), scenario(queries_per_day=q))

    fewer, more = priced(options), priced(options + [o for o in [extra] if o not in options])
    if fewer.feasible:
        assert more.tco <= fewer.tco * (1 + 1e-12) + 1e-12


def test_spending_by_day_ends_at_the_total():
    # one-time $100, $10 per refresh (every 30 days over 90: refreshes on days 30 and 60),
    # $0.01 per query at 100/day, $1 per hour: by day 45 = 100 + 1 × 10 + 100 × 45 × 0.01 + 24 × 45 × 1 = $1,235
    from adaptcost.costing import rules

    args = (90, 30, 100, 100.0, 10.0, 0.01, 1.0)
    assert float(rules.spent_by(45, *args)) == pytest.approx(1235.0)
    assert float(rules.spent_by(60, *args)) - float(rules.spent_by(59.999, *args)) == pytest.approx(10.0, abs=0.05)
    total = float(rules.total_usd(100, 90, rules.refreshes(90, 30), 100.0, 10.0, 0.01, 1.0))
    assert float(rules.spent_by(90, *args)) == pytest.approx(total)
