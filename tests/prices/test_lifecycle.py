"""Lifecycle facts: validation, the status on a day, refusing retired models, --as-of, and the
notices every output prints."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptcost.corpus.discover import CorpusProfile, Document
from adaptcost.errors import PricingError
from adaptcost.decision.estimate import ModelChoice, estimate
from adaptcost.prices.notices import finetune_offer, lifecycle
from adaptcost.prices.book import STATUS_RANK, Lifecycle, load_pricing
from adaptcost.costing.scenario import Scenario

TODAY = dt.date(2026, 12, 4)  # the day the tables were last brought current (issue 18)

OLD = {
    "name": "old-model", "source": "https://example.test/pricing", "as_of": "2026-07-24", "verified": True,
    "tokenizer": "o200k_base", "context_window_tokens": 200_000, "usd_per_mtok": {"input": 1.0, "output": 4.0},
    "lifecycle": {"status": "retired", "shutdown_date": "2026-10-23", "successor": "new-model",
                  "source": "https://example.test/deprecations", "as_of": "2026-11-01"},
}
NEW = {
    "name": "new-model", "source": "https://example.test/pricing", "as_of": "2026-11-10", "verified": True,
    "tokenizer": "o200k_base", "context_window_tokens": 200_000, "usd_per_mtok": {"input": 0.5, "output": 2.0},
    "lifecycle": {"status": "active", "source": "https://example.test/models", "as_of": "2026-11-10"},
    "finetune": {"training_usd_per_mtok": 5.0, "usd_per_mtok": {"input": 1.0, "output": 4.0}, "source": "https://example.test/ft",
                 "as_of": "2026-11-10",
                 "lifecycle": {"training_stops": [{"date": "2027-01-06", "for": "everyone"}],
                               "source": "https://example.test/deprecations", "as_of": "2026-11-10"}},
}
SUNSET = {
    "name": "sunset-model", "source": "https://example.test/pricing", "as_of": "2026-11-01", "verified": True,
    "tokenizer": "o200k_base", "context_window_tokens": 200_000, "usd_per_mtok": {"input": 1.0, "output": 4.0},
    "lifecycle": {"status": "deprecated", "deprecation_date": "2026-09-01", "shutdown_date": "2027-02-01",
                  "successor": "new-model", "source": "https://example.test/deprecations", "as_of": "2026-11-01"},
}


def write(tmp_path: Path, *models, name="prices.yaml") -> Path:
    path = tmp_path / name
    data = {"schema": "adaptcost-pricing/2", "provider": "test", "currency": "USD", "models": [copy.deepcopy(m) for m in models]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def book(tmp_path, *models, as_of=None):
    return load_pricing([write(tmp_path, *(models or (OLD, NEW, SUNSET)))], bundled=False, today=TODAY, as_of=as_of)


def error(tmp_path, *models) -> str:
    with pytest.raises(PricingError) as info:
        book(tmp_path, *models)
    message = str(info.value)
    assert "\n" not in message and "prices.yaml" in message
    return message


def changed(model: dict, path: str, value) -> dict:
    m = copy.deepcopy(model)
    *parents, last = path.split(".")
    node = m
    for key in parents:
        node = node[key]
    node[last] = value
    return m


# ---------------------------------------------------------------- validation


def test_lifecycle_dates_out_of_order(tmp_path):
    message = error(tmp_path, NEW, changed(SUNSET, "lifecycle.deprecation_date", "2027-03-01"))
    assert "'sunset-model'" in message and "lifecycle.shutdown_date" in message and "comes before" in message


def test_training_stop_after_serving_stops(tmp_path):
    bad = changed(NEW, "finetune.lifecycle.serving_stops", "2026-12-01")
    message = error(tmp_path, bad)
    assert "'new-model'" in message and "serving_stops" in message


def test_retired_status_with_a_later_shutdown(tmp_path):
    message = error(tmp_path, NEW, changed(OLD, "lifecycle.shutdown_date", "2026-12-24"))
    assert "lifecycle.status" in message and "'old-model'" in message


def test_successor_not_in_the_tables(tmp_path):
    message = error(tmp_path, NEW, changed(OLD, "lifecycle.successor", "new-modle"))
    assert "'old-model'" in message and "lifecycle.successor" in message and "new-model" in message  # did you mean


def test_unknown_cache_option(tmp_path):
    message = error(tmp_path, changed(NEW, "caching", {"options": [{"kind": "forever"}]}))
    assert "'new-model'" in message and "caching.options.0.kind" in message


def test_gpu_row_without_throughput(tmp_path):
    gpu = {"name": "H100", "usd_per_hour": 2.0, "source": "https://example.test/gpu", "as_of": "2026-11-01",
           "throughput_source": "https://example.test/bench"}
    row = {k: v for k, v in NEW.items() if k not in ("usd_per_mtok", "finetune")} | {"gpu": gpu}
    message = error(tmp_path, row)
    assert "'new-model'" in message and "gpu" in message and "serving_tokens_per_second" in message


def test_self_hosted_finetune_without_training_throughput(tmp_path):
    gpu = {"name": "H100", "usd_per_hour": 2.0, "source": "https://example.test/gpu", "as_of": "2026-11-01",
           "serving_tokens_per_second": {"input": 10000, "output": 1000}, "throughput_source": "https://example.test/bench"}
    row = {k: v for k, v in NEW.items() if k not in ("usd_per_mtok", "finetune")} | {
        "gpu": gpu, "finetune": {"serving": "self_hosted", "source": "https://example.test/ft", "as_of": "2026-11-01"}}
    message = error(tmp_path, row)
    assert "gpu.training_tokens_per_second" in message


def test_gpu_rates_are_derived(tmp_path):
    # $2/h, 10,000 input tokens/s: 2 × 1e6 / (3,600 × 10,000) = $0.0556 per 1M tokens
    gpu = {"name": "H100", "usd_per_hour": 2.0, "source": "https://example.test/gpu", "as_of": "2026-11-01",
           "serving_tokens_per_second": {"input": 10000, "output": 1000}, "training_tokens_per_second": 2000,
           "throughput_source": "https://example.test/bench"}
    row = {k: v for k, v in NEW.items() if k not in ("usd_per_mtok", "finetune")} | {
        "gpu": gpu, "finetune": {"serving": "self_hosted", "source": "https://example.test/ft", "as_of": "2026-11-01"}}
    m = book(tmp_path, row).get("new-model")
    assert m.rates.input == pytest.approx(2e6 / 36e6) and m.rates.output == pytest.approx(2e6 / 3.6e6)
    assert m.finetune.training_usd_per_mtok == pytest.approx(2e6 / 7.2e6) and m.finetune.billing == "gpu_hours"


# ---------------------------------------------------------------- the status on a day


def test_status_on_a_day():
    life = Lifecycle("deprecated", "https://x.test", dt.date(2026, 11, 1), dt.date(2026, 9, 1), dt.date(2027, 2, 1), "new-model")
    assert life.status_on(dt.date(2026, 8, 1)) == "active"
    assert life.status_on(dt.date(2026, 9, 1)) == "deprecated"
    assert life.status_on(dt.date(2027, 2, 1)) == "retired"


dates = st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(status=st.sampled_from(list(STATUS_RANK)), as_of=dates, deprecated=st.one_of(st.none(), dates),
       shutdown=st.one_of(st.none(), dates), day=dates, later=st.integers(0, 2000))
def test_a_later_decision_date_never_revives_a_model(status, as_of, deprecated, shutdown, day, later):
    life = Lifecycle(status, "https://x.test", as_of, deprecated, shutdown)
    first, second = life.status_on(day), life.status_on(day + dt.timedelta(days=later))
    assert STATUS_RANK[second] >= STATUS_RANK[first]


# ---------------------------------------------------------------- the decision


def test_retired_model_is_refused_with_its_successor(tmp_path):
    with pytest.raises(PricingError) as info:
        book(tmp_path).buyable("old-model")
    message = str(info.value)
    assert "retired on 2026-10-23" in message and "successor is new-model" in message and "--as-of" in message


def test_as_of_reproduces_an_earlier_day(tmp_path):
    earlier = book(tmp_path, as_of=dt.date(2026, 8, 1))
    assert earlier.buyable("old-model").name == "old-model"  # still sold on 2026-08-01
    with pytest.raises(PricingError, match=r"dated 2026-11-10 \(.*\), after the decision date 2026-08-01"):
        earlier.get("new-model")  # its prices were not known yet


def test_as_of_in_the_future_is_refused(tmp_path):
    with pytest.raises(PricingError, match="in the future"):
        book(tmp_path, as_of=dt.date(2027, 1, 1))


def profile():
    docs = [Document(f"d{i}.md", 100, f"{i:064d}", 400, 20, {"o200k_base": 1000}) for i in range(5)]
    return CorpusProfile(["corpus"], ["o200k_base"], docs)


def test_retiring_inside_the_horizon_is_flagged(tmp_path):
    e = estimate(profile(), book(tmp_path), ModelChoice("sunset-model", finetune_model="new-model"),
                 Scenario(queries_per_day=100, horizon_days=365))
    flagged = [w for w in e.warnings if "sunset-model shuts down on 2027-02-01" in w]
    assert flagged and "successor: new-model" in flagged[0]
    assert any("new-model fine-tuning takes no new training jobs for everyone from 2027-01-06" in w for w in e.warnings)
    # the offer closes 40 days in: monthly retraining for a year cannot run, with the date in the reason
    ft = e.strategy("finetune")
    assert not ft.feasible and "2027-01-06" in ft.reason and "https://example.test/deprecations" in ft.reason


def test_notices_name_dates_and_sources(tmp_path):
    b = book(tmp_path)
    assert lifecycle(b.models["sunset-model"], TODAY) == [
        "sunset-model is deprecated, shuts down 2027-02-01 (https://example.test/deprecations); successor: new-model"]
    assert lifecycle(b.models["new-model"], TODAY) == []
    assert finetune_offer(b.models["new-model"], dt.date(2027, 2, 1))[0].startswith("new-model fine-tuning took no new")


# A retired base model whose fine-tuning offer outlives it for existing customers, as Microsoft's
# schedule states for Azure gpt-4.1 (base retired 2026-10-14; training for customers already
# fine-tuning it to 2027-04-14, tuned deployments served to 2027-10-14).
KEPT = {
    "name": "kept-model", "source": "https://example.test/pricing", "as_of": "2026-07-24", "verified": True,
    "tokenizer": "o200k_base", "context_window_tokens": 200_000, "usd_per_mtok": {"input": 2.0, "output": 8.0},
    "lifecycle": {"status": "deprecated", "shutdown_date": "2026-10-14",
                  "source": "https://example.test/retirements", "as_of": "2026-07-07"},
    "finetune": {"training_usd_per_mtok": 25.0, "usd_per_mtok": {"input": 2.0, "output": 8.0},
                 "source": "https://example.test/ft", "as_of": "2026-07-24",
                 "lifecycle": {"training_stops": [{"date": "2026-10-14", "for": "new_customers"},
                                                  {"date": "2027-04-14", "for": "everyone"}],
                               "serving_stops": "2027-10-14",
                               "source": "https://example.test/retirements", "as_of": "2026-07-07"}},
}


def test_retired_base_model_is_fine_tuned_while_its_offer_trains_for_this_customer(tmp_path):
    b = book(tmp_path, NEW, KEPT)
    for customer in ("active", "inactive"):  # customers who fine-tuned before train to 2027-04-14
        assert b.tunable("kept-model", customer).name == "kept-model"
    with pytest.raises(PricingError, match="retired on 2026-10-14"):
        b.tunable("kept-model", "new")  # training closed to new customers with the base model
    with pytest.raises(PricingError, match="retired on 2026-10-14"):
        b.buyable("kept-model")  # no queries to the retired base model itself
    later = load_pricing([write(tmp_path, NEW, KEPT)], bundled=False, today=dt.date(2027, 5, 1))
    with pytest.raises(PricingError, match="retired on 2026-10-14"):
        later.tunable("kept-model", "active")  # training closed to everyone on 2027-04-14


def test_an_active_customer_is_priced_up_to_the_offer_s_own_dates(tmp_path):
    b = book(tmp_path, NEW, KEPT)
    choice = ModelChoice("new-model", finetune_model="kept-model")
    active = Scenario(queries_per_day=100, horizon_days=120, refresh_days=30, finetune_customer="active")
    # decided 2026-12-04 (TODAY): the last retraining is on day 90 (2027-03-04), before the 2027-04-14
    # stop, and the tuned model serves to 2027-04-03, before 2027-10-14: the plan fits
    e = estimate(profile(), b, choice, active)
    assert e.models.finetune.name == "kept-model" and e.strategy("finetune").feasible
    year = estimate(profile(), b, choice, Scenario(queries_per_day=100, horizon_days=365, finetune_customer="active"))
    ft = year.strategy("finetune")  # retraining every 30 days to day 360 (2026-12-04 + 360 = 2027-11-29) outlasts 2027-04-14
    assert not ft.feasible and "for everyone on 2027-04-14" in ft.reason and "2027-11-29" in ft.reason
    with pytest.raises(PricingError, match="kept-model was retired"):
        estimate(profile(), b, choice, Scenario(queries_per_day=100, horizon_days=120))  # a new customer
