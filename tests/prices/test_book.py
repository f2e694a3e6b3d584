"""Pricing tables: the bundled files, validation messages, overrides, lookup and staleness."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from adaptcost.corpus.encodings import ENCODINGS
from adaptcost.errors import PricingError
from adaptcost.prices.notices import STALE_AFTER_DAYS, stale
from adaptcost.prices.book import (
    CacheOption,
    Caching,
    PriceBook,
    bundled_dir,
    load_file,
    load_pricing,
)
from adaptcost.prices.schema import SCHEMA, SCHEMA_ID

TODAY = dt.date(2026, 12, 4)  # the day the tables were last brought current (issue 18)

MODEL = {
    "name": "test-model",
    "aliases": ["test-model-2026", "tm"],
    "source": "https://example.com/pricing",
    "as_of": "2026-10-01",
    "tokenizer": "o200k_base",
    "context_window_tokens": 128000,
    "usd_per_mtok": {"input": 1.0, "output": 4.0},
}


def table(*models, **top) -> dict:
    data = {"schema": SCHEMA_ID, "provider": "testco", "currency": "USD", "models": [copy.deepcopy(m) for m in models or [MODEL]]}
    data.update(top)
    return data


def model(**changes) -> dict:
    m = copy.deepcopy(MODEL)
    m.update(changes)
    return m


def write_yaml(tmp_path: Path, data, name: str = "prices.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path: Path, data, name: str = "prices.yaml", today: dt.date = TODAY) -> str:
    path = write_yaml(tmp_path, data, name)
    with pytest.raises(PricingError) as info:
        load_file(path, today)
    message = str(info.value)
    assert name in message  # every message names the file
    assert "\n" not in message  # one line
    return message


# ---------------------------------------------------------------- bundled tables


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_pricing(today=TODAY)


def test_all_bundled_files_load(book):
    files = sorted(bundled_dir().glob("*.yaml"))
    assert len(files) >= 7
    assert [label for label, _ in book.files] == [f"pricing/{f.name}" for f in files]
    for (label, digest), f in zip(book.files, files):
        assert digest == hashlib.sha256(f.read_bytes()).hexdigest()
    assert len(book.models) >= 25


def test_bundled_files_validate_against_schema():
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for f in sorted(bundled_dir().glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], f.name


def test_every_bundled_model_is_traceable(book):
    for m in book.models.values():
        assert re.match(r"https?://\S+$", m.source), m.name
        assert isinstance(m.as_of, dt.date) and m.as_of <= TODAY, m.name
        assert m.file.startswith("pricing/") and m.file.endswith(".yaml")
        assert m.tokenizer.encoding in ENCODINGS
        assert m.rates.input >= 0 and m.rates.output >= 0 and m.rates.cached_input >= 0
        assert m.rates.cached_input <= m.rates.input, m.name
        assert m.context_window_tokens > 0
        assert 0 <= m.batch_discount <= 1
        if m.long_context:
            assert m.long_context.threshold_tokens < m.context_window_tokens
        if m.finetune:
            assert m.finetune.source and m.finetune.as_of <= TODAY
        assert all(o.kind in {"automatic", "write", "implicit", "storage"} for o in m.caching.options)
        assert m.lifecycle.source and m.lifecycle.as_of <= TODAY, m.name  # every bundled row has lifecycle facts
        if m.finetune and m.finetune.lifecycle.training_stops:
            assert m.finetune.lifecycle.source, m.name


def test_bundled_known_values(book):
    gpt = book.get("gpt-4.1")
    assert (gpt.rates.input, gpt.rates.cached_input, gpt.rates.output) == (2.0, 0.5, 8.0)
    assert gpt.provider == "openai" and gpt.tokenizer.exact and gpt.tokenizer.encoding == "o200k_base"
    assert gpt.finetune is not None and gpt.finetune.training_usd_per_mtok == 25.0
    sonnet = book.get("claude-sonnet-4.5")
    assert not sonnet.tokenizer.exact and sonnet.tokenizer.ratio == 1.2
    writes = {o.ttl_minutes: o.write_usd_per_mtok for o in sonnet.caching.options if o.kind == "write"}
    assert writes == {5: 3.75, 60: 6.0}  # both of Anthropic's cache writes are priced
    assert "estimate" in sonnet.tokenizer.describe() and "±15%" in sonnet.tokenizer.describe()
    assert gpt.tokenizer.describe() == "o200k_base (exact)"


def test_aliases_resolve(book):
    assert book.get("gpt-4.1-2025-04-14").name == "gpt-4.1"
    assert book.get("gpt-4o").name == "gpt-4o-2024-08-06"
    assert book.get("claude-sonnet-4-5").name == "claude-sonnet-4.5"
    for alias, name in book.aliases.items():
        assert book.get(alias).name == name
        assert alias in book.models[name].aliases


def test_unknown_model_lists_close_names(book):
    with pytest.raises(PricingError) as info:
        book.get("gpt-4.1-mnii")
    message = str(info.value)
    assert "'gpt-4.1-mnii'" in message
    assert "did you mean" in message and "gpt-4.1-mini" in message
    assert "--pricing" in message


def test_unknown_model_substring_hint(book):
    # the three closest names containing "opus" (claude-opus-5-5 was added 2026-12-04)
    with pytest.raises(PricingError, match="claude-opus-5-5"):
        book.get("opus")


def test_unknown_model_nothing_close(book):
    with pytest.raises(PricingError) as info:
        book.get("zzzzzzzzzzzz")
    assert "did you mean" not in str(info.value)


# ---------------------------------------------------------------- a valid extra file


def test_minimal_file_defaults(tmp_path):
    models, digest = load_file(write_yaml(tmp_path, table()), TODAY)
    (m,) = models
    assert m.name == "test-model" and m.provider == "testco"
    assert m.as_of == dt.date(2026, 10, 1)
    assert m.rates.cached_input == m.rates.input == 1.0  # defaults to input
    assert m.caching == Caching()
    assert m.batch_discount == 0.0 and m.finetune is None and m.long_context is None
    assert m.verified is False and m.max_output_tokens is None
    assert digest == hashlib.sha256((tmp_path / "prices.yaml").read_bytes()).hexdigest()


def test_unquoted_dates_accepted(tmp_path):
    text = yaml.safe_dump(table(), sort_keys=False).replace("'2026-10-01'", "2026-10-01")
    assert "as_of: 2026-10-01" in text
    assert isinstance(yaml.safe_load(text)["models"][0]["as_of"], dt.date)
    models, _ = load_file(write_yaml(tmp_path, text), TODAY)
    assert models[0].as_of == dt.date(2026, 10, 1)


def test_finetune_inherits_source_and_date(tmp_path):
    ft = {"training_usd_per_mtok": 3.0, "usd_per_mtok": {"input": 0.3, "output": 1.2}}
    (m,), _ = load_file(write_yaml(tmp_path, table(model(finetune=ft))), TODAY)
    assert m.finetune.source == MODEL["source"]
    assert m.finetune.as_of == dt.date(2026, 10, 1)
    assert m.finetune.billing == "tokens_x_epochs"
    assert m.finetune.rates.cached_input == 0.3


def test_extra_file_overrides_bundled_model(tmp_path, book):
    override = model(name="gpt-4.1", aliases=["my-gpt"], usd_per_mtok={"input": 1.5, "output": 6.0})
    path = write_yaml(tmp_path, table(override, model()), "negotiated.yaml")
    merged = load_pricing(extra=[path], today=TODAY)
    gpt = merged.get("gpt-4.1")
    assert gpt.rates.input == 1.5 and gpt.file == str(path)
    assert merged.get("gpt-4.1-2025-04-14") is gpt  # old alias follows the override
    assert merged.get("my-gpt") is gpt
    assert merged.get("tm").name == "test-model"
    assert len(merged.models) == len(book.models) + 1
    assert merged.files[-1] == (str(path), hashlib.sha256(path.read_bytes()).hexdigest())


def test_extra_only(tmp_path):
    path = write_yaml(tmp_path, table())
    only = load_pricing(extra=[path], bundled=False, today=TODAY)
    assert list(only.models) == ["test-model"]
    with pytest.raises(PricingError):
        only.get("gpt-4.1")


def test_duplicate_without_override_is_an_error(tmp_path):
    (m,), _ = load_file(write_yaml(tmp_path, table()), TODAY)
    book = PriceBook()
    book.add(m, override=False)
    with pytest.raises(PricingError, match="also defined"):
        book.add(m, override=False)
    book.add(m, override=True)
    assert book.get("test-model") is m


def test_missing_bundled_folder(tmp_path, monkeypatch):
    import adaptcost.prices.book as pricing

    monkeypatch.setattr(pricing, "bundled_dir", lambda: tmp_path)
    with pytest.raises(PricingError, match="no bundled pricing tables"):
        load_pricing(today=TODAY)


# ---------------------------------------------------------------- staleness


def test_stale(tmp_path):
    old = model(name="old", aliases=[], as_of="2026-01-01")
    fresh = model(name="fresh", aliases=[], as_of="2026-11-01")
    book = load_pricing(extra=[write_yaml(tmp_path, table(old, fresh))], bundled=False, today=TODAY)
    day = dt.date(2026, 1, 1)
    assert stale(book.models["old"], day + dt.timedelta(days=STALE_AFTER_DAYS)) == []
    assert "(91 days)" in stale(book.models["old"], day + dt.timedelta(days=STALE_AFTER_DAYS + 1))[0]
    assert stale(book.models["fresh"], TODAY) == []
    assert book.models["old"].age_days(TODAY) == (TODAY - day).days


def test_stale_finetune_names_its_own_source(tmp_path):
    ft = {"training_usd_per_mtok": 3.0, "usd_per_mtok": {"input": 1, "output": 1}, "as_of": "2026-01-01",
          "source": "https://example.com/fine-tuning"}
    book = load_pricing(extra=[write_yaml(tmp_path, table(model(finetune=ft)))], bundled=False, today=TODAY)
    notices = stale(book.models["test-model"], TODAY)
    assert len(notices) == 1 and "fine-tuning prices as of 2026-01-01" in notices[0]
    assert "https://example.com/fine-tuning" in notices[0] and "https://example.com/pricing" not in notices[0]


def test_bundled_stale_set(book):
    old = {m.name for m in book.models.values() if stale(m, TODAY)}
    dated = {m.name for m in book.models.values() if (TODAY - m.as_of).days > 90
             or (m.finetune and (TODAY - m.finetune.as_of).days > 90) or (m.gpu and (TODAY - m.gpu.as_of).days > 90)}
    assert old == dated
    later = {m.name for m in book.models.values() if stale(m, TODAY + dt.timedelta(days=400))}
    assert later == set(book.models)


# ---------------------------------------------------------------- error messages


def test_missing_file(tmp_path):
    with pytest.raises(PricingError, match="not found") as info:
        load_file(tmp_path / "nope.yaml", TODAY)
    assert "nope.yaml" in str(info.value)
    with pytest.raises(PricingError, match="not found"):
        load_pricing(extra=[tmp_path / "nope.yaml"], today=TODAY)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(PricingError, match="is a folder, not a pricing file"):
        load_file(tmp_path, TODAY)


def test_malformed_yaml_line_number(tmp_path):
    text = "schema: adaptcost-pricing/2\nprovider: x\ncurrency: USD\nmodels:\n  - name: [unclosed\n    source: x\n"
    message = load_error(tmp_path, text)
    assert "malformed YAML" in message
    assert re.search(r"line [56]\b", message)


def test_malformed_yaml_tab_indent(tmp_path):
    message = load_error(tmp_path, "schema: x\nmodels:\n\t- name: a\n")
    assert "malformed YAML at line 3" in message


def test_invalid_unquoted_date(tmp_path):
    text = yaml.safe_dump(table(), sort_keys=False).replace("'2026-10-01'", "2026-13-45")
    message = load_error(tmp_path, text)
    assert "malformed YAML" in message or "date" in message


def test_invalid_quoted_date(tmp_path):
    message = load_error(tmp_path, table(model(as_of="2026-02-30")))
    assert "'test-model'" in message and "as_of" in message and "not a valid date" in message


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    text = yaml.safe_dump(table(model(note="café")), allow_unicode=True)
    assert "café" in text
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(PricingError, match="not UTF-8") as info:
        load_file(path, TODAY)
    assert "latin1.yaml" in str(info.value)


def test_wrong_schema_id(tmp_path):
    message = load_error(tmp_path, table(schema="adaptcost-pricing/99"))
    assert "adaptcost-pricing/2" in message and "adaptcost-pricing/99" in message
    assert "field schema" in message


def test_empty_file(tmp_path):
    message = load_error(tmp_path, "")
    assert "(top level)" in message


def test_missing_required_top_level(tmp_path):
    data = table()
    del data["currency"]
    assert "currency" in load_error(tmp_path, data)


def test_wrong_currency(tmp_path):
    message = load_error(tmp_path, table(currency="EUR"))
    assert "currency" in message and "USD" in message


def test_no_models(tmp_path):
    assert "models" in load_error(tmp_path, table(models=[]))


@pytest.mark.parametrize(
    "changes, field_path",
    [
        ({"usd_per_mtok": {"input": -1.0, "output": 4.0}}, "usd_per_mtok.input"),
        ({"usd_per_mtok": {"input": 1.0, "output": -0.01}}, "usd_per_mtok.output"),
        ({"usd_per_mtok": {"input": 1.0, "output": 4.0, "cached_input": -2}}, "usd_per_mtok.cached_input"),
        ({"usd_per_mtok": {"input": "cheap", "output": 4.0}}, "usd_per_mtok.input"),
        ({"context_window_tokens": 0}, "context_window_tokens"),
        ({"batch_discount": 1.5}, "batch_discount"),
        ({"caching": {"options": [{"kind": "sometimes"}]}}, "caching.options.0.kind"),
        ({"caching": {"options": [{"kind": "write", "ttl_minutes": 5, "write_usd_per_mtok": -1}]}}, "caching.options.0.write_usd_per_mtok"),
        ({"caching": {"options": [{"kind": "write", "ttl_minutes": 5}]}}, "caching.options.0.write_usd_per_mtok"),
        ({"finetune": {"training_usd_per_mtok": -3, "usd_per_mtok": {"input": 1, "output": 1}}}, "finetune.training_usd_per_mtok"),
        ({"long_context": {"threshold_tokens": 1000, "usd_per_mtok": {"input": -1, "output": 1}}}, "long_context.usd_per_mtok.input"),
        ({"as_of": "01/10/2026"}, "as_of"),
        ({"source": ""}, "source"),
    ],
)
def test_bad_field_message_names_file_model_and_path(tmp_path, changes, field_path):
    good = model(name="other-model", aliases=[])
    message = load_error(tmp_path, table(good, model(**changes)), name="acme.yaml")
    assert "acme.yaml" in message
    assert "'test-model'" in message
    assert f"field {field_path}:" in message


def test_missing_required_model_field(tmp_path):
    bad = model()
    del bad["source"]
    message = load_error(tmp_path, table(bad))
    assert "'test-model'" in message and "source" in message


def test_model_without_name_is_labelled_by_position(tmp_path):
    bad = model()
    del bad["name"]
    message = load_error(tmp_path, table(model(name="first", aliases=[]), bad))
    assert "'#2'" in message and "name" in message


def test_unknown_field(tmp_path):
    message = load_error(tmp_path, table(model(input_price=3)))
    assert "unknown field" in message and "input_price" in message and "'test-model'" in message


def test_unknown_nested_field(tmp_path):
    message = load_error(tmp_path, table(model(usd_per_mtok={"input": 1, "output": 2, "outptu": 3})))
    assert "unknown field" in message and "outptu" in message and "usd_per_mtok" in message


def test_unknown_top_level_field(tmp_path):
    message = load_error(tmp_path, table(providr="x"))
    assert "unknown field" in message and "providr" in message


@pytest.mark.parametrize(
    "tokenizer, hint",
    [("o200k", "o200k_base"), ("cl100k-base", "cl100k_base"), ({"estimate_from": "llama-3", "ratio": 1.1, "error": 0.1}, "llama3")],
)
def test_unknown_tokenizer_encoding(tmp_path, tokenizer, hint):
    message = load_error(tmp_path, table(model(tokenizer=tokenizer)))
    assert "'test-model'" in message and "tokenizer" in message
    assert "unknown encoding" in message and "did you mean" in message and hint in message


def test_estimated_tokenizer(tmp_path):
    tok = {"estimate_from": "o200k_base", "ratio": 1.25, "error": 0.2, "basis": "measured"}
    (m,), _ = load_file(write_yaml(tmp_path, table(model(tokenizer=tok))), TODAY)
    assert not m.tokenizer.exact and m.tokenizer.ratio == 1.25 and m.tokenizer.error == 0.2
    assert "measured" in m.tokenizer.describe()


def test_future_as_of(tmp_path):
    message = load_error(tmp_path, table(model(as_of="2026-12-05")))
    assert "'test-model'" in message and "as_of" in message and "future" in message
    # the same day is fine
    load_file(write_yaml(tmp_path, table(model(as_of="2026-12-04"))), TODAY)


def test_future_finetune_as_of(tmp_path):
    ft = {"training_usd_per_mtok": 3.0, "usd_per_mtok": {"input": 1, "output": 1}, "as_of": "2027-01-01"}
    message = load_error(tmp_path, table(model(finetune=ft)))
    assert "future" in message and "'test-model'" in message


def test_duplicate_model_in_one_file(tmp_path):
    message = load_error(tmp_path, table(model(), model(aliases=[])))
    assert "'test-model'" in message and "twice" in message


def test_long_context_threshold_must_be_below_window(tmp_path):
    lc = {"threshold_tokens": 128000, "usd_per_mtok": {"input": 2, "output": 8}}
    message = load_error(tmp_path, table(model(long_context=lc)))
    assert "long_context.threshold_tokens" in message and "'test-model'" in message


def test_bundled_label_in_messages(tmp_path):
    path = write_yaml(tmp_path, table(model(usd_per_mtok={"input": -1, "output": 1})), "real-name.yaml")
    with pytest.raises(PricingError) as info:
        load_file(path, TODAY, label="pricing/shown.yaml")
    assert str(info.value).startswith("pricing/shown.yaml:")


def test_caching_options_parse():
    caching = Caching.parse({"min_prefix_tokens": 1024, "options": [
        {"name": "5m", "kind": "write", "ttl_minutes": 5, "write_usd_per_mtok": 3.75},
        {"name": "1h", "kind": "write", "ttl_minutes": 60, "write_usd_per_mtok": 6.0},
        {"kind": "implicit"}]})
    assert caching.offered and caching.increment_tokens == 1
    assert caching.options[1] == CacheOption("1h", "write", 60, 6.0)
    assert caching.options[2].name == "implicit" and caching.options[2].write_usd_per_mtok is None
    assert caching.options[1].field(1, "write_usd_per_mtok") == "caching.options[1:1h].write_usd_per_mtok"
    assert not Caching.parse(None).offered


def test_old_schema_is_refused_with_what_to_change(tmp_path):
    message = load_error(tmp_path, table(schema="adaptcost-pricing/1"))
    assert "older pricing schema" in message and "caching.options" in message and "lifecycle" in message


@pytest.mark.parametrize("value, field_path", [(".nan", "usd_per_mtok.input"), (".inf", "usd_per_mtok.input"), ("-.inf", "usd_per_mtok.input")])
def test_non_finite_price_rejected(tmp_path, value, field_path):
    text = yaml.safe_dump(table(), sort_keys=False).replace("input: 1.0", f"input: {value}")
    assert f"input: {value}" in text
    message = load_error(tmp_path, text, name="nan.yaml")
    assert "'test-model'" in message and f"field {field_path}:" in message


@pytest.mark.parametrize(
    "changes, field_path, expected",
    [
        # a price of 1e308 validated, then every total was $inf and JSON got Infinity
        ({"usd_per_mtok": {"input": 1.0e308, "output": 4.0}}, "usd_per_mtok.input",
         "a price in USD must lie in [0, 1e+06], got 1e+308"),
        ({"usd_per_mtok": {"input": 1.0, "output": 4.0, "cached_input": 2e6}}, "usd_per_mtok.cached_input",
         "a price in USD must lie in [0, 1e+06], got 2e+06"),
        ({"finetune": {"training_usd_per_mtok": 25, "usd_per_mtok": {"input": 1, "output": 4},
                       "hosting_usd_per_hour": 1.5e6}}, "finetune.hosting_usd_per_hour",
         "a price in USD must lie in [0, 1e+06], got 1.5e+06"),
        # a 400-digit window overflowed the first float conversion (OverflowError)
        ({"context_window_tokens": 10**400}, "context_window_tokens", "must be at most 1e+12, got a 401-digit number"),
        ({"max_output_tokens": 10**13}, "max_output_tokens", "must be at most 1e+12, got 10000000000000"),
        ({"caching": {"options": [{"kind": "automatic", "ttl_minutes": 1e300}]}}, "caching.options.0.ttl_minutes",
         "must be at most 1e+12, got 1e+300"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_file_row_and_field(tmp_path, changes, field_path, expected):
    message = load_error(tmp_path, table(model(**changes)), name="huge.yaml")
    assert message.endswith(f"huge.yaml: model 'test-model' field {field_path}: {expected}"), message


def test_a_price_at_the_bound_still_loads(tmp_path):
    path = write_yaml(tmp_path, table(model(usd_per_mtok={"input": 1e6, "output": 0})))
    assert load_file(path, TODAY)[0][0].rates.input == 1e6


def test_override_named_like_a_bundled_alias_wins(tmp_path):
    # bundled: model gpt-4o-2024-08-06 with alias gpt-4o; the user prices "gpt-4o" itself
    path = write_yaml(tmp_path, table(model(name="gpt-4o", aliases=[], usd_per_mtok={"input": 1.0, "output": 2.0})))
    merged = load_pricing(extra=[path], today=TODAY)
    assert merged.get("gpt-4o").file == str(path)
    assert merged.get("gpt-4o").rates.input == 1.0
    assert merged.get("gpt-4o-2024-08-06").file == "pricing/openai.yaml"


# ---------------------------------------------------------------- price schedules

CHANGE = {"from": "2027-01-01", "usd_per_mtok": {"input": 1.5, "cached_input": 0.15, "output": 7.5},
          "source": "https://example.com/pricing-2027", "as_of": "2026-10-07", "verified": False,
          "note": "promotion 'through December 31, 2026'"}


def test_price_changes_load_with_their_own_source(tmp_path):
    later = dict(CHANGE, **{"from": "2027-06-01", "usd_per_mtok": {"input": 1.0, "output": 5.0}})
    (m,), _ = load_file(write_yaml(tmp_path, table(model(price_changes=[CHANGE, later]))), TODAY)
    first, second = m.price_changes
    assert first.starts == dt.date(2027, 1, 1) and first.rates.output == 7.5 and first.verified is False
    assert first.source == "https://example.com/pricing-2027" and first.note.startswith("promotion")
    assert second.rates.cached_input == 1.0 and second.field == "price_changes[1]"
    assert m.on(dt.date(2026, 12, 31)) is m
    assert m.on(dt.date(2027, 1, 1)).rates.input == 1.5 and m.on(dt.date(2027, 1, 1)).in_force is first
    assert m.on(dt.date(2028, 1, 1)).rates.input == 1.0


def test_a_row_without_price_changes_is_unchanged(tmp_path):
    (m,), _ = load_file(write_yaml(tmp_path, table()), TODAY)
    assert m.price_changes == () and m.on(dt.date(2030, 1, 1)) is m
    assert "price_changes" not in PriceBook(models={m.name: m}).to_dict()["models"][m.name]


@pytest.mark.parametrize("changes,fragment", [
    ([CHANGE, CHANGE], "field price_changes[1].from: 2027-01-01 is not after price_changes[0].from 2027-01-01"),
    ([dict(CHANGE, as_of="2027-02-01")], "field price_changes[0].as_of: 2027-02-01 is in the future"),
    ([{k: v for k, v in CHANGE.items() if k != "source"}], "price_changes.0"),
    ([dict(CHANGE, until="2027-02-01")], "unknown field"),
])
def test_bad_price_changes(tmp_path, changes, fragment):
    assert fragment in load_error(tmp_path, table(model(price_changes=changes)))


def test_finetune_price_changes_load(tmp_path):
    ft = {"training_usd_per_mtok": 25.0, "usd_per_mtok": {"input": 0.3, "output": 1.2},
          "price_changes": [{"from": "2027-02-01", "training_usd_per_mtok": 10.0, "source": "https://example.com/ft",
                             "as_of": "2026-11-01", "verified": True}]}
    (m,), _ = load_file(write_yaml(tmp_path, table(model(finetune=ft))), TODAY)
    (change,) = m.finetune.price_changes
    assert change.field == "finetune.price_changes[0]" and change.rates is None
    later = m.on(dt.date(2027, 2, 1))
    assert later.finetune.training_usd_per_mtok == 10.0 and later.finetune.rates.input == 0.3 and later.rates == m.rates
    assert "fine-tuning prices change on 2027-02-01 (training $25 → $10 per MTok" in \
        __import__("adaptcost.prices.notices", fromlist=["x"]).price_changes(m, TODAY)[0]
    bad = dict(ft, price_changes=[{"from": "2027-02-01", "source": "https://example.com/ft", "as_of": "2026-11-01"}])
    assert "finetune.price_changes.0" in load_error(tmp_path, table(model(finetune=bad)))
