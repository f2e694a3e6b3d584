"""The bundled tables as of 2026-12-04 (issue 18): key rows hold what their sources say.

Each figure below is quoted from the source its row names (USD per 1M tokens): the LiteLLM map in the
litellm 1.110.2 package for OpenAI's price cut and the GPT-6 family, copies of Anthropic's model
overview pages for Claude Haiku 5.5 and Opus 5.5, Microsoft's retirement schedule for Azure gpt-4.1
fine-tuning. A value changed by mistake in a table fails here."""

import datetime as dt

import pytest

from adaptcost.prices.book import load_pricing

DAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def book():
    return load_pricing(today=DAY)


@pytest.mark.parametrize("name, rates, long_context, write, as_of, verified", [
    # OpenAI's cut of 2026-07-30: luna 1.00/0.10/6.00 -> 0.20/0.02/1.20, terra 2.50/0.25/15.00 -> 2.00/0.20/12.00;
    # above 272k input 2x, output 1.5x; cache write 1.25 x input (0.25, 2.50)
    ("gpt-5.6-luna", (0.20, 0.02, 1.20), (272_000, 0.40, 0.04, 1.80), 0.25, "2026-07-30", False),
    ("gpt-5.6-terra", (2.00, 0.20, 12.00), (272_000, 4.00, 0.40, 18.00), 2.50, "2026-07-30", False),
    ("azure/gpt-5.6-luna", (0.20, 0.02, 1.20), (272_000, 0.40, 0.04, 1.80), 0.25, "2026-07-30", False),
    # gpt-6-luna: 0.10 / 0.01 / 0.50, write 0.125, above 272k 0.20 / 0.02 / 0.75
    ("gpt-6-luna", (0.10, 0.01, 0.50), (272_000, 0.20, 0.02, 0.75), 0.125, "2026-09-22", False),
    ("gpt-6.1-terra", (1.00, 0.05, 5.00), (272_000, 2.00, 0.10, 7.50), 1.25, "2026-10-26", False),
    # Haiku 5.5: up to 100k prompt tokens 0.10 / 0.01 read / 0.50, 5m write 0.125; above 0.50 / 0.05 / 2.50
    ("claude-haiku-5-5", (0.10, 0.01, 0.50), (100_000, 0.50, 0.05, 2.50), 0.125, "2026-10-07", True),
    # Opus 5.5: 4 / 0.20 read (5%) / 20, 5m write 5
    ("claude-opus-5-5", (4.00, 0.20, 20.00), None, 5.00, "2026-09-22", True),
])
def test_key_rows_hold_their_sources_figures(book, name, rates, long_context, write, as_of, verified):
    m = book.get(name)
    assert (m.rates.input, m.rates.cached_input, m.rates.output) == pytest.approx(rates)
    if long_context is None:
        assert m.long_context is None
    else:
        lc = m.long_context
        assert (lc.threshold_tokens, lc.rates.input, lc.rates.cached_input, lc.rates.output) == pytest.approx(long_context)
    assert m.caching.options[0].write_usd_per_mtok == pytest.approx(write)
    assert m.as_of.isoformat() == as_of and m.verified is verified


def test_gemini_3_8_flash_is_the_promotional_rate_with_its_source_date(book):
    # "$0.75 through December 31, 2026" / "$3.75 through December 31, 2026" (pricing page transcribed 2026-10-07)
    m = book.get("gemini-3.8-flash")
    assert (m.rates.input, m.rates.output, m.as_of) == (0.75, 3.75, dt.date(2026, 10, 7))


@pytest.mark.parametrize("name, successor", [
    ("gpt-5", "gpt-6.1-sol"), ("gpt-5-mini", "gpt-6.1-terra"), ("gpt-5-nano", "gpt-6.1-terra"),
    ("gpt-4.1", "gpt-6-luna"), ("gpt-4.1-mini", "gpt-6-luna"), ("gpt-4o-2024-08-06", "gpt-6-luna"), ("gpt-4o-mini", "gpt-6-luna"),
    ("gpt-5.4-nano", "gpt-6-luna"),
    ("claude-haiku-4.5", "claude-haiku-5-5"), ("claude-opus-5", "claude-opus-5-5"), ("claude-fable-5", "claude-fable-5-1"),
    ("mistral-medium-2604", "mistral-large-4"),
])
def test_successors_are_priced_rows(book, name, successor):
    assert book.get(name).lifecycle.successor == successor
    book.get(successor)  # the successor is in the tables, so a plan can move to it


def test_statuses_of_2026_12_04(book):
    assert book.get("mistral-medium-2604").lifecycle.status_on(DAY) == "deprecated"
    assert book.get("mistral-medium-2505").lifecycle.status_on(DAY) == "deprecated"
    assert book.get("claude-haiku-4.5").lifecycle.status_on(DAY) == "active"  # legacy: still served
    for name in ("gpt-5.4-mini", "gpt-5.4-nano"):
        assert book.get(name).input_cap == 272_000
    # Vertex retired the 2.5 family on 2026-10-20 (not 10-16): tuning and tuned serving end that day
    for name in ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"):
        life = book.get(name).finetune.lifecycle
        assert life.serving_stops == dt.date(2026, 10, 20) and life.training_stop("active").date == dt.date(2026, 10, 20)


def test_azure_gpt_4_1_existing_customers_keep_fine_tuning(book):
    # Microsoft's schedule: new customers lost training on 2026-10-14 with the base model; customers already
    # fine-tuning train to at least 2027-04-14 and their deployments are served to 2027-10-14
    for name in ("azure/gpt-4.1", "azure/gpt-4.1-mini"):
        life = book.get(name).finetune.lifecycle
        assert life.training_stop("new").date == dt.date(2026, 10, 14)
        assert life.training_stop("active").date == dt.date(2027, 4, 14)
        assert life.serving_stops == dt.date(2027, 10, 14)


def test_default_fine_tuning_price_says_it_has_no_source(book):
    ft = book.get("gemini-3.5-flash").finetune
    assert ft.verified is False and "NO source gives this training price" in ft.note


def test_cohere_rerank_4(book):
    assert book.row("rerank-v4.0-pro").usd_per_1k_searches == 2.50
    assert book.row("rerank-v4.0-fast").usd_per_1k_searches == 2.00


def test_qwen_3_8_on_together(book):
    # LiteLLM 1.110.2: together_ai/Qwen/Qwen3.8-2.4T-A95B at 2e-06 / 6e-06 per token = 2.00 / 6.00 per
    # 1M, 1,010,000 context (Alibaba's own qwen3.8-max list price is the same 2 / 6); no cache modelled
    m = book.get("qwen3.8-max")
    assert m.name == "Qwen/Qwen3.8-2.4T-A95B" and m.provider == "together"
    assert (m.rates.input, m.rates.output) == pytest.approx((2.00, 6.00)) and m.context_window_tokens == 1_010_000
    assert not m.verified and not m.tokenizer.exact and m.finetune is None
    # the same map deprecates Together's id on 2026-11-04: recorded, so every output warns of it
    assert m.lifecycle.status_on(DAY) == "deprecated" and m.lifecycle.deprecation_date == dt.date(2026, 11, 4)
