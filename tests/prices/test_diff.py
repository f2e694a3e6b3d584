"""`adaptcost pricing diff`: the loaded tables against LiteLLM's price map (a real 14-entry subset of
the 2026-07-24 map, tests/data/litellm_subset.json) and against another adaptcost table.

Every test builds its own small tables: the bundled ones are not read (the CLI tests point the
bundled folder at a temporary one).
"""

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adaptcost.prices import book as pricing_module
from adaptcost.cli import app
from adaptcost.errors import PricingError
from adaptcost.prices.litellm import import_litellm, litellm_keys
from adaptcost.prices.book import load_file, load_pricing
from adaptcost.prices.diff import SCHEMA_ID, _litellm_facts, diff_pricing, family

DATA = Path(__file__).resolve().parents[1] / "data"
SUBSET = DATA / "litellm_subset.json"
runner = CliRunner()

HEADER = "schema: adaptcost-pricing/2\nprovider: {provider}\ncurrency: USD\nmodels:\n"
MODEL = """\
  - name: {name}
    source: https://example.com/{provider}/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
"""

OPENAI = HEADER.format(provider="openai") + textwrap.dedent("""\
  # Identical to LiteLLM's gpt-4o-mini, and to its ft:gpt-4o-mini-2024-07-18 entry (via the alias).
  - name: gpt-4o-mini
    aliases: [gpt-4o-mini-2024-07-18]
    source: https://example.com/openai/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 128000
    max_output_tokens: 16384
    usd_per_mtok: {input: 0.15, cached_input: 0.075, output: 0.60}
    caching:
      options: [{kind: automatic, ttl_minutes: 5}]
    finetune:
      training_usd_per_mtok: 3.0
      usd_per_mtok: {input: 0.30, cached_input: 0.15, output: 1.20}
  # Prices agree; the prompt cap does not (LiteLLM: max_input_tokens 272,000).
  - name: gpt-5
    source: https://example.com/openai/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 400000
    max_input_tokens: 256000
    max_output_tokens: 128000
    usd_per_mtok: {input: 1.25, cached_input: 0.125, output: 10.0}
    caching:
      options: [{kind: automatic, ttl_minutes: 5}]
  # Not in LiteLLM's map.
  - name: acme-internal-1
    source: https://example.com/openai/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 32000
    usd_per_mtok: {input: 1.0, output: 2.0}
""")

ANTHROPIC = HEADER.format(provider="anthropic") + textwrap.dedent("""\
  # Everything as LiteLLM's claude-3-haiku-20240307 (both cache writes included: the 1-hour figure
  # is LiteLLM's), except the output price: 1.00 here, 1.25 there.
  - name: claude-3-haiku
    aliases: [claude-3-haiku-20240307]
    source: https://example.com/anthropic/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 200000
    max_output_tokens: 4096
    usd_per_mtok: {input: 0.25, cached_input: 0.03, output: 1.00}
    caching:
      min_prefix_tokens: 2048
      options:
        - {name: 5m, kind: write, ttl_minutes: 5, write_usd_per_mtok: 0.30}
        - {name: 1h, kind: write, ttl_minutes: 60, write_usd_per_mtok: 6.00}
""")

GOOGLE = HEADER.format(provider="google") + textwrap.dedent("""\
  # Identical to LiteLLM's gemini/gemini-2.5-pro, >200k tier included.
  - name: gemini-2.5-pro
    source: https://example.com/google/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 1048576
    max_output_tokens: 65535
    usd_per_mtok: {input: 1.25, cached_input: 0.125, output: 10.0}
    caching:
      options: [{kind: implicit}]
    long_context:
      threshold_tokens: 200000
      usd_per_mtok: {input: 2.50, cached_input: 0.25, output: 15.0}
  # Prices agree; the shutdown date does not (LiteLLM's deprecation_date: 2026-06-01).
  - name: gemini-2.0-flash
    source: https://example.com/google/pricing
    as_of: "2026-11-20"
    tokenizer: o200k_base
    context_window_tokens: 1048576
    max_output_tokens: 8192
    usd_per_mtok: {input: 0.10, cached_input: 0.025, output: 0.40}
    caching:
      options: [{kind: implicit}]
    lifecycle:
      status: deprecated
      deprecation_date: "2026-02-05"
      shutdown_date: "2026-03-31"
      source: https://example.com/google/deprecations
      as_of: "2026-02-05"
""")


@pytest.fixture
def tables(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    for name, text in (("openai", OPENAI), ("anthropic", ANTHROPIC), ("google", GOOGLE)):
        (folder / f"{name}.yaml").write_text(text)
    return sorted(folder.glob("*.yaml"))


@pytest.fixture
def book(tables):
    return load_pricing(tables, bundled=False)


def by_model(diff):
    rows = {}
    for row in diff.rows:
        rows.setdefault(row.model, []).append(row)
    return rows


# --- the test data ------------------------------------------------------------------------------


def test_subset_is_small_real_and_attributed():
    data = json.loads(SUBSET.read_text())
    assert 10 <= len(data) <= 20
    assert any(k.startswith("ft:") for k in data)
    assert any("deprecation_date" in v for v in data.values())
    sonnet = data["claude-sonnet-4-5"]
    assert {"cache_creation_input_token_cost", "cache_creation_input_token_cost_above_1hr"} <= set(sonnet)
    assert "input_cost_per_token_above_200k_tokens" in data["gemini/gemini-2.5-pro"]
    readme = (DATA / "README.md").read_text()
    assert "litellm_subset.json" in readme and "MIT" in readme and "8442b939" in readme and "2026-07-24" in readme


def test_litellm_key_forms_shared_with_import():
    assert litellm_keys("gemini-2.5-pro", (), "google")[:2] == ["gemini-2.5-pro", "gemini/gemini-2.5-pro"]
    assert "azure/gpt-4o-2024-08-06" in litellm_keys("azure/gpt-4o", ("azure/gpt-4o-2024-08-06",), "azure")
    assert "anthropic.claude-3-haiku-20240307-v1:0" in litellm_keys(
        "bedrock/claude-3-haiku", ("anthropic.claude-3-haiku-20240307-v1:0",), "bedrock")
    assert "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo" in litellm_keys(
        "meta-llama/Llama-3.3-70B-Instruct-Turbo", (), "together")
    assert "mistral/mistral-small-2506" in litellm_keys("mistral-small-2506", (), "mistral")
    assert "claude-sonnet-4-5-20250929" in litellm_keys("claude-sonnet-4.5", ("claude-sonnet-4-5-20250929",), "anthropic")


def test_litellm_fields_in_adaptcost_units():
    # claude-sonnet-4-5: 3.75e-06 $/token × 1e6 = $3.75 per 1M tokens (5-minute write), 6e-06 -> $6 (1 hour)
    spec = json.loads(SUBSET.read_text())["claude-sonnet-4-5"]
    facts = _litellm_facts("claude-sonnet-4-5", spec, None, None, 200_000)
    assert facts["cache_write"].value == pytest.approx(3.75)
    assert facts["cache_write_1h"].value == pytest.approx(6.0)
    assert facts["cache_write_1h"].label == "cache_creation_input_token_cost_above_1hr"
    assert facts["long_context_threshold"].value == 200_000
    assert facts["long_context_output"].value == pytest.approx(22.5)
    assert facts["input_cap"].value == 200_000 and facts["input_cap"].label == "max_input_tokens"


def test_family_and_version():
    assert family("claude-sonnet-4-6") == ("claude-sonnet", (4, 6))
    assert family("claude-3-haiku") == ("claude-haiku", (3,))
    assert family("gpt-5.4-mini") == ("gpt-mini", (5, 4))
    assert family("gpt-4o-mini-2024-07-18") == ("gpt-o-mini", (4,))
    assert family("mistral-small-2506") == ("mistral-small", ())


# --- against LiteLLM ------------------------------------------------------------------------------


def test_diff_against_litellm_golden(book, tables):
    diff = diff_pricing(book, SUBSET)
    rows = by_model(diff)
    anthropic_file = str(next(t for t in tables if t.name == "anthropic.yaml"))
    # The one disagreement of claude-3-haiku: LiteLLM's output_cost_per_token 1.25e-06 $/token
    # × 1e6 = $1.25 per 1M tokens; adaptcost $1.00; relative difference (1.25 − 1.00) / 1.00 = +0.25.
    [row] = rows["claude-3-haiku"]
    assert (row.field, row.kind, row.status) == ("output", "price", "differs")
    assert (row.adaptcost, row.other) == (1.0, pytest.approx(1.25))
    assert row.relative == pytest.approx(0.25)
    assert (row.adaptcost_field, row.other_field) == ("usd_per_mtok.output", "output_cost_per_token")
    assert row.other_key == "claude-3-haiku-20240307"
    assert (row.as_of, row.file) == (dt.date(2026, 11, 20), anthropic_file)
    # gpt-5: LiteLLM's max_input_tokens is the prompt cap; adaptcost's input cap 256,000 vs 272,000
    # (+16,000 / 256,000 = +6.25%); the 400,000 window has no LiteLLM counterpart.
    [cap] = rows["gpt-5"]
    assert (cap.field, cap.kind, cap.adaptcost, cap.other) == ("input_cap", "limit", 256_000, 272_000)
    assert cap.relative == pytest.approx(0.0625) and "window 400,000" in cap.note
    # gemini-2.0-flash: shutdown 2026-03-31 here, deprecation_date 2026-06-01 there: 62 days later
    [end] = rows["gemini-2.0-flash"]
    assert (end.field, end.kind, end.adaptcost_field, end.other_field) == (
        "end_date", "lifecycle", "lifecycle.shutdown_date", "deprecation_date")
    assert (end.adaptcost, end.other, end.days) == (dt.date(2026, 3, 31), dt.date(2026, 6, 1), 62)
    # identical models (fine-tuned rates and the >200k tier compared too) have no rows
    assert "gpt-4o-mini" not in rows and "gemini-2.5-pro" not in rows
    matches = {m.model.name: m.other_key for m in diff.matches}
    assert matches == {"claude-3-haiku": "claude-3-haiku-20240307", "gemini-2.0-flash": "gemini/gemini-2.0-flash",
                       "gemini-2.5-pro": "gemini/gemini-2.5-pro", "gpt-4o-mini": "gpt-4o-mini", "gpt-5": "gpt-5"}
    assert [m.name for m in diff.only_adaptcost] == ["acme-internal-1"]
    # newer versions of families adaptcost prices; Sonnet (no adaptcost Sonnet here), the retired
    # Opus 4.1, the embedding model, and providers the tables lack are counted, not listed
    assert {(o["key"], o["newer_than"]) for o in diff.only_other} == {
        ("claude-haiku-4-5", "claude-3-haiku"), ("gemini/gemini-2.5-flash", "gemini-2.0-flash")}
    assert diff.only_other_omitted == 14 - 6 - 2  # 6 entries matched (ft: included), 2 listed
    assert diff.price_differs


def test_finetuned_rates_compared_with_ft_entry(tmp_path):
    path = tmp_path / "openai.yaml"
    path.write_text(OPENAI.replace("output: 1.20}", "output: 1.00}"))
    diff = diff_pricing(load_pricing([path], bundled=False), SUBSET)
    [row] = by_model(diff)["gpt-4o-mini"]
    assert (row.field, row.adaptcost, row.other) == ("ft_output", 1.0, pytest.approx(1.2))
    assert row.other_field == "ft:gpt-4o-mini-2024-07-18: output_cost_per_token"


def test_provider_filter(book):
    diff = diff_pricing(book, SUBSET, provider="google")
    assert {m.model.provider for m in diff.matches} == {"google"}
    assert not diff.price_differs  # only the shutdown date differs
    with pytest.raises(PricingError, match="no models for provider 'gogle'.*google"):
        diff_pricing(book, SUBSET, provider="gogle")


def test_json_document(book):
    d = diff_pricing(book, SUBSET).to_dict()
    json.dumps(d)  # plain JSON: dates as ISO text
    assert d["schema"] == SCHEMA_ID == "adaptcost-pricing-diff/1"
    assert d["other"]["kind"] == "litellm" and d["other"]["entries"] == 14
    assert d["summary"]["compared"] == 5 and d["summary"]["identical"] == 2 and d["summary"]["price_rows"] == 1
    row = next(r for r in d["rows"] if r["model"] == "claude-3-haiku")
    assert row["as_of"] == "2026-11-20" and row["file"].endswith("anthropic.yaml") and row["relative"] == pytest.approx(0.25)


# --- against another adaptcost table ----------------------------------------------------------------


def test_diff_against_another_adaptcost_table(book, tmp_path):
    other = tmp_path / "negotiated.yaml"
    other.write_text(HEADER.format(provider="anthropic") + textwrap.dedent("""\
      - name: claude-3-haiku-20240307
        source: https://example.com/negotiated
        as_of: "2026-11-26"
        tokenizer: o200k_base
        context_window_tokens: 100000
        max_output_tokens: 4096
        usd_per_mtok: {input: 0.25, cached_input: 0.03, output: 0.80}
        caching:
          options:
            - {name: 5m, kind: write, ttl_minutes: 5, write_usd_per_mtok: 0.30}
            - {name: 1h, kind: write, ttl_minutes: 60, write_usd_per_mtok: 6.00}
        lifecycle: {status: active, shutdown_date: "2027-03-01", source: https://example.com/l, as_of: "2026-11-26"}
      - name: claude-4-haiku
        source: https://example.com/negotiated
        as_of: "2026-11-26"
        tokenizer: o200k_base
        context_window_tokens: 200000
        usd_per_mtok: {input: 1.0, output: 5.0}
    """))
    diff = diff_pricing(book, other, provider="anthropic")
    assert diff.other_kind == "adaptcost"
    rows = {r.field: r for r in diff.rows}
    # output 1.00 here, 0.80 there: (0.80 − 1.00) / 1.00 = −20%
    assert rows["output"].relative == pytest.approx(-0.2) and rows["output"].other_as_of == dt.date(2026, 11, 26)
    assert (rows["context_window"].adaptcost, rows["context_window"].other) == (200_000, 100_000)
    assert rows["input_cap"].other == 100_000
    assert (rows["status"].status, rows["shutdown_date"].status) == ("only_other", "only_other")
    assert set(rows) == {"output", "input_cap", "context_window", "status", "shutdown_date"}
    assert [o["key"] for o in diff.only_other] == ["claude-4-haiku"]
    assert diff.price_differs


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, fragment", [
    ("missing.json", None, "file not found"),
    ("broken.json", "[1, 2", "not a readable LiteLLM price map"),
    ("list.json", "[1, 2]", "expected a JSON object"),
    ("nothing.json", '{"a": {"mode": "chat"}}', "not a LiteLLM price map"),
    ("binary.dat", b"\xff\xfe\x00garbage", "not UTF-8"),
    ("prices.yaml", "models: [\n", "malformed YAML"),
    ("old.yaml", "schema: adaptcost-pricing/1\nprovider: x\ncurrency: USD\nmodels: []\n", "older pricing schema"),
    ("notes.txt", "just some words", "field"),
])
def test_bad_input_is_one_clear_line(book, tmp_path, name, content, fragment):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(PricingError) as info:
        diff_pricing(book, path)
    message = str(info.value)
    assert fragment in message and "\n" not in message and str(path) in message


def test_import_writes_schema_2_cache_options(tmp_path):
    # `pricing import` shares the provider/field knowledge; its cache writes are schema-2 options
    text, count = import_litellm(SUBSET, ("claude-sonnet-4-5", "gpt-4o-mini"), "2026-07-24")
    out = tmp_path / "imported.yaml"
    out.write_text(text)
    models = {m.name: m for m in load_file(out)[0]}
    writes = [(o.ttl_minutes, o.write_usd_per_mtok) for o in models["claude-sonnet-4-5"].caching.options]
    assert count == 2 and writes == [(5, 3.75), (60, 6.0)]
    assert models["gpt-4o-mini"].caching.options[0].kind == "automatic"


# --- the command ------------------------------------------------------------------------------------


@pytest.fixture
def cli_tables(tables, monkeypatch):
    """The CLI loads the bundled tables: point them at the test tables."""
    monkeypatch.setattr(pricing_module, "bundled_dir", lambda: tables[0].parent)
    return tables


def invoke(*args, columns=120):
    return runner.invoke(app, ["pricing", "diff", *map(str, args)], env={"COLUMNS": str(columns)})


@pytest.mark.parametrize("width", [80, 120])
def test_cli_table_fits_the_terminal(cli_tables, width):
    result = invoke(SUBSET, columns=width)
    assert result.exit_code == 0, result.output  # differences are a report, not a failure
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "claude-3-haiku" in result.stdout and "+25.0%" in result.stdout and "$1.25" in result.stdout
    assert "272,000" in result.stdout and "+62 d" in result.stdout
    assert "Only in adaptcost" in result.stdout and "acme-internal-1" in result.stdout
    assert "claude-haiku-4-5" in result.stdout


def test_cli_json_and_output_file(cli_tables, tmp_path):
    result = invoke(SUBSET, "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["schema"] == "adaptcost-pricing-diff/1" and d["summary"]["price_differs"] is True
    out = tmp_path / "out" / "diff.json"
    assert invoke(SUBSET, "--format", "json", "--output", out).exit_code == 0
    assert json.loads(out.read_text())["schema"] == SCHEMA_ID
    assert [p.name for p in out.parent.iterdir()] == ["diff.json"]  # no temporary left behind


def test_cli_pricing_option_and_fail_on_diff(cli_tables, tmp_path):
    assert invoke(SUBSET, "--fail-on-diff").exit_code == 1
    # only the google models: the shutdown date differs, no price does
    assert invoke(SUBSET, "--provider", "google", "--fail-on-diff").exit_code == 0
    # an override with LiteLLM's output price removes the only price difference
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(ANTHROPIC.replace("output: 1.00}", "output: 1.25}"))
    result = invoke(SUBSET, "--pricing", fixed, "--fail-on-diff", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["price_rows"] == 0


@pytest.mark.parametrize("args, fragment", [
    (("missing.json",), "file not found"),
    (("bad.json",), "not a readable LiteLLM price map"),
    ((SUBSET, "--format", "xml"), "--format must be table or json"),
    ((SUBSET, "--provider", "nope"), "no models for provider"),
])
def test_cli_bad_input_is_one_line(cli_tables, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1 and fragment in err, err


# --- --litellm: the map shipped in the installed litellm package --------------------------------------


def fake_litellm(site: Path, version: str = "1.110.2", with_map: bool = True) -> Path:
    """A `litellm` package installed in `site` as pip lays it out: the package folder (with the price map,
    and an __init__ that fails if anything imports it) and a dist-info whose METADATA names the release."""
    package = site / "litellm"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported litellm: too heavy')\n")
    if with_map:
        (package / "model_prices_and_context_window_backup.json").write_text(SUBSET.read_text())
    info = site / f"litellm-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: litellm\nVersion: {version}\n")
    return package


@pytest.fixture
def installed(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    package = fake_litellm(site)
    monkeypatch.syspath_prepend(str(site))
    return package


def test_installed_price_map_found_without_importing(installed):
    import sys
    from adaptcost.prices.litellm import installed_price_map

    found = installed_price_map()
    assert found.path == installed / "model_prices_and_context_window_backup.json"
    assert found.version == "1.110.2" and found.label.startswith("litellm 1.110.2")
    assert "litellm" not in sys.modules  # located, not imported


def test_cli_diff_litellm_flag_reads_the_installed_map(cli_tables, installed):
    by_flag = invoke("--litellm", "--format", "json")
    assert by_flag.exit_code == 0, by_flag.output
    d = json.loads(by_flag.stdout)
    assert d["other"]["package"].startswith("litellm 1.110.2") and d["other"]["kind"] == "litellm"
    assert "reading litellm 1.110.2" in by_flag.stderr
    # the same comparison as giving the file's path (the positional argument still works)
    by_path = json.loads(invoke(SUBSET, "--format", "json").stdout)
    assert d["rows"] == by_path["rows"] and d["summary"] == by_path["summary"] and "package" not in by_path["other"]
    table = invoke("--litellm")
    assert "adaptcost vs LiteLLM litellm 1.110.2" in " ".join(table.stdout.split())


def test_cli_import_litellm_flag(installed, tmp_path):
    out = tmp_path / "imported.yaml"
    result = runner.invoke(app, ["pricing", "import", "--litellm", "--output", str(out), "--model", "gpt-4o-mini",
                                 "--as-of", "2026-12-04"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Imported from LiteLLM's price map (litellm 1.110.2 (")
    assert [m.name for m in load_file(out)[0]] == ["gpt-4o-mini"]


@pytest.mark.parametrize("args, fragment", [
    (("--litellm",), "the litellm package is not installed: `pip install litellm`"),
    ((), "give the path of LiteLLM's price map, or --litellm"),
    ((SUBSET, "--litellm"), "not both"),
])
def test_cli_litellm_flag_errors_are_one_line(cli_tables, tmp_path, monkeypatch, args, fragment):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "litellm" else real(name, *a))
    result = invoke(*args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1 and fragment in err, err


def test_installed_package_without_a_map_is_one_line(tmp_path, monkeypatch):
    from adaptcost.prices.litellm import installed_price_map

    fake_litellm(tmp_path / "site", with_map=False)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(PricingError, match="has no model_prices_and_context_window_backup.json"):
        installed_price_map()


def test_an_endless_price_map_is_refused_not_read(tmp_path):
    # /dev/zero named as LiteLLM's map: read at most 64 MiB + 1 byte, then one line (it was read whole)
    link = tmp_path / "map.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(PricingError) as info:
        diff_pricing(load_pricing(today=dt.date(2026, 12, 4)), link)
    assert "\n" not in str(info.value) and "map.json" in str(info.value)
