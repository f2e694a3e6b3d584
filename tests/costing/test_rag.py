"""RAG's cost: chunking, embedding, the index, reranking and the prompt, worked out by hand; its
limits and bad input; and its accuracy at another retrieval recall."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.costing import rules
from adaptcost.costing.strategies import Models, strategy_cost
from adaptcost.decision.curves import Accuracy, accuracy_at_recall
from adaptcost.errors import ScenarioError
from adaptcost.costing.rag import chunks_of
from builders import DAY, PER_CALL, SERVERLESS, embedding, ft_block, model, reranker, scenario, stats

PLAIN = model(input=2.0, output=8.0, finetune=ft_block(input=3.0, output=12.0))
EMBED = embedding(rate=0.02, batch=0.5)
TEN_DOCS = stats(tokens=10_000, max_doc=1_000, documents=10, doc_tokens=[1_000] * 10)


def rag_models(store=None, rerank=None, answering=PLAIN, embed=EMBED):
    return Models(answering, answering, answering, DAY, embed, store, rerank)


def component(cost, label):
    return next(c for c in cost.components if c.label == label)


def test_chunk_counts_golden():
    # S = 512, O = 64: an empty document has no chunk; up to 512 tokens, one; 513 tokens:
    # ceil((513 − 64) / 448) = ceil(1.002) = 2; 1,000 tokens: ceil(936 / 448) = ceil(2.09) = 3.
    docs = [0, 100, 512, 513, 1_000]
    assert list(rules.chunk_counts(docs, 512, 64)) == [0, 1, 1, 2, 3]
    # tokens embedded: 100 + 512 + (513 + 1 × 64) + (1,000 + 2 × 64) = 2,317
    count, tokens = rules.chunks_and_tokens(docs, 512, 64)
    assert (count, tokens) == (7, 2_317)


def test_rag_self_hosted_golden():
    # 10 documents of 1,000 tokens → 3 chunks each (above), 30 chunks, 1,128 tokens embedded each
    # (11,280 in all), so the mean chunk is 376 tokens and the top 4 add 1,504 tokens to a prompt.
    # corpus embedding, batch: 11,280 × $0.02 / 1M × 0.5 = $0.0001128 (once; never refreshed here)
    # per query: question 200 × $0.02 / 1M = $0.000004; prompt (200 + 1,504) × $2 / 1M = $0.003408;
    # answer 300 × $8 / 1M = $0.0024: $0.005812 a query; 100 a day for 10 days: $5.812.
    s = scenario(chunk_tokens=512, chunk_overlap_tokens=64, top_k=4)
    cost = strategy_cost("rag", TEN_DOCS, rag_models(), s)
    assert cost.feasible
    assert component(cost, "corpus embedding").usd == pytest.approx(0.0001128)
    assert component(cost, "query embedding").usd == pytest.approx(0.000004)
    assert component(cost, "prompt: question + retrieved chunks").usd == pytest.approx(0.003408)
    assert component(cost, "vector index (self-hosted)").usd == 0
    assert cost.per_query == pytest.approx(0.005812)
    assert cost.tco == pytest.approx(5.8121128)
    assert "top 4 of 30 chunks" in cost.notes[-1] and "1,504 tokens per prompt" in cost.notes[-1]


def test_rag_serverless_store_golden():
    # 30 vectors × (1,536 × 4 + 40) bytes = 185,520 bytes = 0.00018552 GB
    # storage: 0.00018552 × $0.33 / 730 h = $8.3866e-8 an hour
    # reads: max(0.25, 0 + 1 × 0.00018552) = 0.25 units × $16 / 1M = $0.000004 a query
    # writes: 30 × 1 unit × $4 / 1M = $0.00012 once
    # the $50 monthly minimum: max(0, 50 / 730 − storage − 100/day × $0.000004 / 24) = $0.068476... an hour
    s = scenario(chunk_tokens=512, chunk_overlap_tokens=64, top_k=4)
    cost = strategy_cost("rag", TEN_DOCS, rag_models(SERVERLESS), s)
    storage = 0.00018552 * 0.33 / 730
    assert component(cost, "vector storage").usd == pytest.approx(storage)
    assert component(cost, "index reads").usd == pytest.approx(0.000004)
    assert component(cost, "vector writes").usd == pytest.approx(0.00012)
    top_up = 50 / 730 - storage - 100 * 0.000004 / 24
    assert component(cost, "plan minimum (top-up)").usd == pytest.approx(top_up)
    assert cost.tco == pytest.approx(0.0001128 + 0.00012 + 1_000 * (0.005812 + 0.000004) + 240 * (storage + top_up))


def test_rag_store_with_free_storage_bills_calls_only():
    # 0.00018552 GB is inside the free 1 GB: no storage; one call per query at $2,500 / 1M = $0.0025
    cost = strategy_cost("rag", TEN_DOCS, rag_models(PER_CALL), scenario())
    assert component(cost, "vector storage").usd == 0
    assert component(cost, "index reads").usd == pytest.approx(0.0025)


def test_rerankers_per_search_and_per_token():
    # per search: 20 candidates fit one search of ≤ 100 documents: $2 / 1,000 = $0.002 a query
    cost = strategy_cost("rag", TEN_DOCS, rag_models(rerank=reranker()), scenario(rerank_candidates=20))
    assert component(cost, "reranking").usd == pytest.approx(0.002)
    # 150 candidates, but only 30 chunks exist: 30 candidates, still one search
    cost = strategy_cost("rag", TEN_DOCS, rag_models(rerank=reranker()), scenario(rerank_candidates=150))
    assert component(cost, "reranking").usd == pytest.approx(0.002)
    # per token: 20 × (200 question + 376 chunk) tokens = 11,520 × $0.05 / 1M = $0.000576
    cost = strategy_cost("rag", TEN_DOCS, rag_models(rerank=reranker(billing="per_mtok")), scenario(rerank_candidates=20))
    assert component(cost, "reranking").usd == pytest.approx(0.000576)


def test_system_prefix_is_cached_and_the_chunks_are_not():
    # a 2,000-token system prefix with OpenAI-like automatic caching (1,024 minimum, 128-token
    # blocks): as is, 1,920 tokens are cacheable and 80 + 200 + 1,504 bill as input; padded to
    # 2,048, all of it is cached and the rest is the question and the chunks, 1,704 tokens. At
    # 10,000 queries a day every query hits, so padding wins: 48 more tokens at $0.5 cost less than
    # 80 at $2.
    from builders import automatic

    cached = model(input=2.0, output=8.0, cached=0.5, caching=automatic(5))
    s = scenario(queries_per_day=10_000, prompt_tokens=2_200, system_prompt_tokens=2_000)
    cost = strategy_cost("rag", TEN_DOCS, rag_models(answering=cached), s)
    assert component(cost, "prompt: cached system prefix").formula.startswith("2,048 ×")
    assert component(cost, "prompt: uncached rest + question + retrieved chunks").formula.startswith("1,704 ×")
    assert any("system prefix padded from 2,000 to 2,048" in n for n in cost.notes)
    # without a cache option the whole prompt bills at the input price
    cost = strategy_cost("rag", TEN_DOCS, rag_models(answering=model(input=2.0, output=8.0)), s)
    assert component(cost, "prompt: system + question + retrieved chunks").formula.startswith(f"{2_200 + 1_504:,} ×")


def test_finetune_rag_sends_the_chunks_to_the_tuned_model():
    cost = strategy_cost("finetune+rag", TEN_DOCS, rag_models(), scenario())
    prompt = component(cost, "prompt: question + retrieved chunks (fine-tuned model)")
    assert prompt.usd == pytest.approx((200 + 1_504) * 3.0 / 1e6)
    assert component(cost, "training").usd > 0 and component(cost, "corpus embedding").usd > 0


def test_limits_make_rag_impossible_with_the_reason():
    narrow = model(window=1_500)
    cost = strategy_cost("rag", TEN_DOCS, rag_models(answering=narrow), scenario())
    assert not cost.feasible and "context window" in cost.reason
    cost = strategy_cost("rag", TEN_DOCS, rag_models(embed=embedding(max_input=256)), scenario(chunk_tokens=512))
    assert not cost.feasible and "max input of 256" in cost.reason
    cost = strategy_cost("finetune+rag", TEN_DOCS, Models(PLAIN, PLAIN, PLAIN, DAY), scenario())
    assert not cost.feasible and "--embedding-model" in cost.reason


@pytest.mark.parametrize("strategy", ["rag", "finetune+rag"])
def test_a_corpus_retrieved_whole_makes_rag_impossible_not_the_run(strategy):
    # One 300-token document: smaller than one 512-token chunk, so every question would retrieve it all.
    one_short = stats(tokens=300, max_doc=300, documents=1, doc_tokens=[300])
    cost = strategy_cost(strategy, one_short, rag_models(), scenario())
    assert not cost.feasible
    assert cost.reason == ("the whole corpus (300 embed-small tokens) fits in one --chunk-tokens (512) chunk: "
                           "every question would retrieve the whole corpus, which is ICL")
    # One 1,000-token document: ceil((1,000 − 64) / 448) = 3 chunks, no more than top-k 4
    one_file = stats(tokens=1_000, max_doc=1_000, documents=1, doc_tokens=[1_000])
    cost = strategy_cost(strategy, one_file, rag_models(), scenario())
    assert not cost.feasible and cost.reason.startswith(
        "the corpus splits into 3 chunks of --chunk-tokens (512), no more than --top-k (4)")
    # top-k 3 of 3 chunks is still the whole corpus; top-k 2 of 3 is retrieval
    assert not strategy_cost(strategy, one_file, rag_models(), scenario(top_k=3)).feasible
    assert strategy_cost(strategy, one_file, rag_models(), scenario(top_k=2)).feasible
    # the Monte Carlo agrees, draw by draw: NaN where the itemised estimate says not possible
    from adaptcost.costing.montecarlo import Params, strategy_tco

    draws = strategy_tco(strategy, one_file, rag_models(), Params.from_scenario(scenario(), top_k=np.array([2, 3, 4])))
    assert not np.isnan(draws[0]) and np.isnan(draws[1:]).all()
    assert draws[0] == pytest.approx(strategy_cost(strategy, one_file, rag_models(), scenario(top_k=2)).tco)


@pytest.mark.parametrize("kw, field", [
    ({"top_k": 0}, "top_k"), ({"chunk_tokens": 0}, "chunk_tokens"), ({"chunk_tokens": -5}, "chunk_tokens"),
    ({"chunk_tokens": 100, "chunk_overlap_tokens": 100}, "chunk_overlap_tokens"),
    ({"system_prompt_tokens": 500}, "system_prompt_tokens"), ({"retrieval_recall": 1.5}, "retrieval_recall"),
])
def test_impossible_assumptions_name_their_field(kw, field):
    with pytest.raises(ScenarioError) as info:
        scenario(**kw)
    assert info.value.field == field


def test_documents_default_to_equal_sizes_without_per_document_counts():
    # 10,000 tokens over 10 documents taken as 10 × 1,000: the same chunks as TEN_DOCS
    plain = stats(tokens=10_000, documents=10)
    assert chunks_of(plain, rag_models(), scenario()) == chunks_of(TEN_DOCS, rag_models(), scenario())


@settings(max_examples=120, deadline=None)
@given(sizes=st.lists(st.integers(0, 40_000), min_size=1, max_size=12), grow=st.lists(st.integers(0, 5_000), min_size=12,
       max_size=12), chunk=st.integers(2, 3_000), overlap=st.floats(0, 0.9))
def test_bigger_documents_never_give_fewer_chunks_or_tokens(sizes, grow, chunk, overlap):
    o = int(overlap * (chunk - 1))
    bigger = [n + g for n, g in zip(sizes, grow)]
    count, tokens = rules.chunks_and_tokens(sizes, chunk, o)
    more_count, more_tokens = rules.chunks_and_tokens(bigger, chunk, o)
    assert more_count >= count and more_tokens >= tokens


@settings(max_examples=120, deadline=None)
@given(k=st.integers(1, 20), more=st.integers(0, 10), scale=st.floats(1.0, 3.0), q=st.floats(0, 1e5))
def test_more_chunks_or_more_corpus_never_cost_less(k, more, scale, q):
    # a prompt carries k × the mean chunk, and the mean can shrink as documents grow (a 512-token
    # document is one chunk; at 513 tokens it is two, of 512 and 65): so the corpus' invariant is
    # on everything but the prompt (embedding, index, reranking), and top-k's on the whole
    s = scenario(queries_per_day=q, top_k=k)
    sizes = [1_000, 3_000, 500, 12_000]
    base = stats(tokens=sum(sizes), documents=4, doc_tokens=sizes)
    bigger = stats(tokens=int(sum(sizes) * scale) + 4, documents=4, doc_tokens=[int(n * scale) + 1 for n in sizes])
    models = rag_models(SERVERLESS, reranker(billing="per_mtok"))
    low = strategy_cost("rag", base, models, s).tco
    assert strategy_cost("rag", base, models, scenario(queries_per_day=q, top_k=k + more)).tco >= low - 1e-9

    def retrieval_only(cost):
        parts = [c for c in cost.components if not c.label.startswith(("prompt", "answer", "reranking"))]
        return sum(c.usd * (1 if c.kind == "one_time" else 240 if c.kind == "per_hour" else 0) for c in parts)

    assert retrieval_only(strategy_cost("rag", bigger, models, s)) >= retrieval_only(strategy_cost("rag", base, models, s)) - 1e-12


def test_accuracy_at_another_recall_golden():
    # measured 0.80 (0.70–0.90) at recall 0.8 with guessing at 0.25: at recall 0.4 the part above
    # guessing halves: 0.25 + 0.5 × 0.55 = 0.525 (0.475–0.575); the slope is 0.55 / 0.8 = 0.6875
    cell = Accuracy(0.80, 0.70, 0.90, "", recall=0.8, k=4, chance=0.25)
    moved = cell.at_recall(0.4)
    assert (moved.mean, moved.low, moved.high) == pytest.approx((0.525, 0.475, 0.575))
    # the same rule over an array of recalls (the Monte Carlo's draws): slope 0.55 / 0.8 = 0.6875
    draws = np.array([0.4, 0.8])
    assert accuracy_at_recall(0.80, 0.25, 0.8, draws, np.clip) == pytest.approx([0.525, 0.80])
    assert (0.80 - 0.525) / 0.4 == pytest.approx(0.6875)
    assert cell.at_recall(1.0).high == 1.0  # 0.25 + 1.25 × 0.65 = 1.06, within [0, 1]
    plain = Accuracy(0.9, 0.8, 1.0)
    assert plain.at_recall(0.1) is plain  # no recall: not a retrieval figure


def test_recall_moves_rag_in_the_decision_and_the_monte_carlo(book):
    from adaptcost.decision.uncertainty import Dist, ScenarioSpec, monte_carlo, tornado
    from builders import FLAT, curves_with, run

    rec = run(book, 5000)
    assert rec.quality["rag"].mean == pytest.approx(0.80)  # the curves' own recall
    # the target is 0.90 − 0.02 = 0.88: at recall 0.2 rag's accuracy is at most
    # 0.25 + 0.25 × (0.90 − 0.25) = 0.41, so it never meets it, whatever the draw; over 0.2..1.0
    # it does in the draws where recall is high enough
    def p_best(dist):
        mc = monte_carlo(rec, ScenarioSpec({"retrieval_recall": dist}, {}, seed=3, draws=4000))
        return {r.strategy: r.p_best for r in mc.strategies}

    low, wide = p_best(Dist("point", 0.2)), p_best(Dist("uniform", 0.2, 1.0))
    assert low["rag"] == 0 and low["finetune+rag"] == 0
    assert wide["rag"] > 0
    # the tornado has a recall row where a retrieval figure moves with recall, and none otherwise
    rows = {r.label: r for r in tornado(rec).rows}
    assert rows["retrieval recall"].margin_low != rows["retrieval recall"].margin_high
    plain = {s: row for s, row in FLAT.items() if s not in ("rag", "finetune+rag")}
    from adaptcost.decision.recommend import recommend

    rec_plain = recommend(rec.estimate, curves_with(plain), {"recall": 1.0})
    assert "retrieval recall" not in {r.label for r in tornado(rec_plain).rows}


def test_a_store_that_embeds_bills_no_embedding_and_stores_its_own_dimensions():
    # 30 vectors × (256 × 4 + 3,200) bytes = 126,720 bytes = 0.00012672 GB, inside the 0.001 GB
    # free: no storage; and no embedding component at all
    from builders import SELF_EMBEDDING

    cost = strategy_cost("rag", TEN_DOCS, rag_models(SELF_EMBEDDING), scenario())
    labels = [c.label for c in cost.components]
    assert not any("embedding" in label for label in labels)
    assert "embedded by self-embedding" in cost.notes[-1]
    assert component(cost, "vector storage").usd == 0


def test_write_units_per_kb_golden():
    # a record is 1,536 × 4 + 40 = 6,184 bytes = 6.184 KB → 6.184 write units a vector;
    # 30 vectors × 6.184 × $4 / 1M = $0.00074208
    from builders import PER_KB

    cost = strategy_cost("rag", TEN_DOCS, rag_models(PER_KB), scenario())
    assert component(cost, "vector writes").usd == pytest.approx(0.00074208)


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("args, fragments", [
    (["--top-k", "0"], ["--top-k", "at least 1"]),
    (["--top-k", "-3"], ["--top-k"]),
    (["--chunk-tokens", "0"], ["--chunk-tokens"]),
    (["--chunk-tokens", "256", "--chunk-overlap", "256"], ["--chunk-overlap", "smaller than chunk_tokens"]),
    (["--system-prompt-tokens", "5000"], ["--system-prompt-tokens"]),
    (["--retrieval-recall", "1.2"], ["--retrieval-recall"]),
    (["--embedding-model", "text-embeding-3-small"], ["unknown embedding", "did you mean", "text-embedding-3-small"]),
    (["--vector-store", "pinecon"], ["did you mean", "pinecone"]),
    (["--reranker", "rerank-3.5"], ["did you mean"]),
])
def test_bad_retrieval_input_is_one_line_naming_the_flag(args, fragments):
    from builders import EXAMPLES, assert_clean_error, invoke

    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", "5000", *args), *fragments)


def test_an_embedding_model_without_a_price_is_refused(tmp_path):
    from builders import EXAMPLES, assert_clean_error, invoke

    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", "100", "--embedding-model", "my-embedder")
    assert_clean_error(result, "unknown embedding", "my-embedder", "--pricing")


def test_rag_through_the_command_line_prices_the_named_rows():
    import json

    from builders import EXAMPLES, invoke

    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", "5000", "--vector-store", "pinecone",
                    "--reranker", "rerank-v3.5", "--top-k", "6", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    rag = next(s for s in d["strategies"] if s["name"] == "rag")
    labels = {c["label"] for c in rag["components"]}
    assert {"corpus embedding", "query embedding", "vector storage", "index reads", "vector writes", "reranking",
            "plan minimum (top-up)"} <= labels
    assert d["retrieval"]["vector_store"]["name"] == "pinecone-serverless"
    assert d["retrieval"]["embedding"]["name"] == "text-embedding-3-small"
    assert "top 6 of" in rag["notes"][-1]
    refs = {(p["model"], p["field"]) for c in rag["components"] for p in c["prices"]}
    assert ("rerank-v3.5", "usd_per_1k_searches") in refs and ("pinecone-serverless", "storage_usd_per_gb_month") in refs
