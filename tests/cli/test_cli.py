"""The command line on the bundled example corpus, and every bad input the README promises to handle:
one line on stderr, exit status 1, never a traceback."""

import csv
import io
import json
from pathlib import Path

import shutil

import pytest

from adaptcost.money import money
from builders import AS_OF as DAY, EXAMPLES, ROOT, assert_clean_error, invoke
from docfolder import png


@pytest.fixture(scope="module")
def recommendation_json():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--format", "json", *DAY)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_recommend_table_on_examples():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Recommended:" in out
    for strategy in ("icl", "finetune", "finetune+local", "finetune+global"):
        assert strategy in out
    assert "1.1 × o200k_base" in out and "pricing/google.yaml" in out  # the default model: gemini-3.5-flash


def test_recommend_json_is_traceable(recommendation_json):
    d = recommendation_json
    assert d["schema"] == "adaptcost-recommendation/1"
    assert d["tool"]["name"] == "adaptcost"
    assert d["recommendation"]["pick"] in {s["name"] for s in d["strategies"]}
    assert d["corpus"]["documents"] >= 20
    assert d["corpus"]["tokens"]["o200k_base"] > 10_000
    assert all(len(f["sha256"]) == 64 for f in d["pricing"]["files"])
    for s in d["strategies"]:
        if not s["feasible"]:
            continue
        # every cost component names the prices it used, each with a date and a source
        assert s["components"]
        for c in s["components"]:
            assert c["formula"]
            for p in c["prices"]:
                assert p["as_of"] and p["source"].startswith("http") and p["file"].startswith("pricing/")
        # TCO = one-time + refreshes × per-refresh + queries × per-query + hours × per-hour
        sc = d["scenario"]
        tco = (s["one_time_usd"] + s["refreshes"] * s["per_refresh_usd"]
               + sc["queries_per_day"] * sc["horizon_days"] * s["per_query_usd"] + sc["horizon_days"] * 24 * s["per_hour_usd"])
        if any("from_day" in c for c in s["components"]):  # priced in periods: each component on its days
            tco = sum(windowed(c, sc) for c in s["components"])
        assert tco == pytest.approx(s["tco_usd"], rel=1e-6)


def windowed(c: dict, sc: dict) -> float:
    """A component over its days [from_day, until_day): once on its first day, per refresh on the
    refresh days R, 2R, ... that fall in it, per query and per hour for each of its days."""
    start, end, every, horizon = c["from_day"], c["until_day"], sc["refresh_days"], sc["horizon_days"]
    days = end - start
    refreshes = sum(1 for k in range(1, int(horizon // every) + 2) if start <= k * every < min(end, horizon)) if every else 0
    return {"one_time": c["usd"], "per_refresh": refreshes * c["usd"], "per_query": sc["queries_per_day"] * days * c["usd"],
            "per_hour": 24 * days * c["usd"]}[c["kind"]]


def test_recommend_markdown_matches_json(recommendation_json, tmp_path):
    out = tmp_path / "rec.md"
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--format", "markdown", "--output", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    pick = recommendation_json["recommendation"]["pick"]
    assert f"**Recommended: `{pick}`**" in text
    for s in recommendation_json["strategies"]:
        if s["feasible"]:
            assert f"${s['tco_usd']:,.2f}" in text
    assert "## Prices used" in text and "## Assumptions" in text


def test_recommend_is_deterministic(tmp_path):
    args = ("recommend", "--corpus", EXAMPLES, "--queries-per-day", 700, "--format", "json")
    assert invoke(*args).stdout == invoke(*args).stdout


def test_estimated_tokenizer_is_labelled_with_its_band():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 100, "--model", "claude-haiku-4.5",
                    "--finetune-model", "gpt-4.1-mini", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    icl = d["models"]["icl"]
    assert not icl["exact_tokens"] and "estimate" in icl["tokenizer"]
    assert icl["corpus_tokens_low"] < icl["corpus_tokens"] < icl["corpus_tokens_high"]
    strat = next(s for s in d["strategies"] if s["name"] == "icl")
    assert strat["tco_low_usd"] < strat["tco_usd"] < strat["tco_high_usd"]


def test_count_formats():
    result = invoke("count", EXAMPLES, "-e", "o200k_base", "-e", "cl100k_base", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["total"]["tokens"]["o200k_base"] == sum(x["tokens"]["o200k_base"] for x in d["documents"])
    suffixes = {Path(x["path"]).suffix for x in d["documents"]}
    assert {".md", ".txt", ".html", ".pdf", ".docx"} <= suffixes
    rows = list(csv.reader(io.StringIO(invoke("count", EXAMPLES, "--format", "csv").stdout)))
    assert rows[0] == ["path", "bytes", "chars", "chunks", "o200k_base"]
    assert rows[-1][0] == "TOTAL" and int(rows[-1][4]) == d["total"]["tokens"]["o200k_base"]
    table = invoke("count", EXAMPLES)
    assert table.exit_code == 0 and "TOTAL" in table.stdout


def test_pricing_commands(tmp_path):
    listed = invoke("pricing", "list")
    assert listed.exit_code == 0 and "gpt-4.1-mini" in listed.stdout and "claude-haiku-4.5" in listed.stdout
    shown = invoke("pricing", "show", "gpt-4.1-mini")
    assert shown.exit_code == 0 and "fine-tuning training" in shown.stdout and "source" in shown.stdout
    ok = invoke("pricing", "validate", ROOT / "pricing" / "openai.yaml")
    assert ok.exit_code == 0 and "ok" in ok.stdout


# ---------------------------------------------------------------- bad input


def test_missing_corpus(tmp_path):
    assert_clean_error(invoke("recommend", "--corpus", tmp_path / "nope", "--queries-per-day", 10), "not found")


def test_empty_corpus(tmp_path):
    assert_clean_error(invoke("recommend", "--corpus", tmp_path, "--queries-per-day", 10), "no readable text")


def test_binary_only_corpus(tmp_path):
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01\x02" * 100)
    assert_clean_error(invoke("count", tmp_path), "binary file")


def test_unknown_model_suggests_close_names():
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--model", "gpt-4.1-mnii"),
                       "unknown model", "gpt-4.1-mini")


def test_malformed_pricing_file(tmp_path):
    bad = tmp_path / "neg.yaml"
    bad.write_text("schema: adaptcost-pricing/2\nprovider: x\ncurrency: USD\nmodels:\n"
                   "  - {name: m, source: s, as_of: '2026-01-01', tokenizer: o200k_base, context_window_tokens: 100,"
                   " usd_per_mtok: {input: -1, output: 1}}\n")
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--pricing", bad),
                       "neg.yaml", "'m'", "usd_per_mtok.input")
    assert_clean_error(invoke("pricing", "validate", bad), "usd_per_mtok.input")
    broken = tmp_path / "broken.yaml"
    broken.write_text("models: [\n")
    assert_clean_error(invoke("pricing", "validate", broken), "malformed YAML")


@pytest.mark.parametrize("args, fragment", [
    (("--queries-per-day", -5), "--queries-per-day"),
    (("--queries-per-day", 10, "--horizon-days", 0), "--horizon-days"),
    (("--queries-per-day", 10, "--min-accuracy", 1.5), "--min-accuracy"),
    (("--queries-per-day", 10, "--budget", -1), "--budget"),
    (("--queries-per-day", 10, "--mix", "recall=x"), "--mix"),
    (("--queries-per-day", 10, "--cache-hit-rate", 2), "--cache-hit-rate"),
    (("--queries-per-day", 10, "--max-file-mb", 0), "--max-file-mb"),
    (("--queries-per-day", 10, "--local-variants", -1), "--local-variants must be at least 0"),
    (("--queries-per-day", "nan"), "finite"),
])
def test_impossible_numbers(args, fragment):
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, *args), fragment)


def test_missing_curves_file(tmp_path):
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--curves", tmp_path / "c.yaml"),
                       "curves file not found")


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_clean_error(invoke("count", EXAMPLES, "--format", "json", "--output", blocker / "sub" / "out.json"),
                       "cannot write")


def test_unknown_encoding():
    assert_clean_error(invoke("count", EXAMPLES, "-e", "o200k"), "unknown encoding", "o200k_base")


def test_output_write_is_atomic_and_complete(tmp_path):
    out = tmp_path / "counts.json"
    out.write_text("old")
    result = invoke("count", EXAMPLES, "--format", "json", "--output", out)
    assert result.exit_code == 0
    assert json.loads(out.read_text())["schema"] == "adaptcost-count/1"
    assert [p.name for p in tmp_path.iterdir()] == ["counts.json"]  # no temporary left behind


def test_pricing_import_from_litellm_round_trip(tmp_path):
    # LiteLLM prices per token: 1.5e-07 $/token × 1e6 = $0.15 per 1M tokens
    out = tmp_path / "litellm.yaml"
    result = invoke("pricing", "import", ROOT / "tests" / "data" / "litellm_sample.json", "--output", out, "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert invoke("pricing", "validate", out).exit_code == 0
    shown = invoke("pricing", "show", "claude-sonnet-4-5", "--pricing", out)
    assert "$3 / $0.3 / $15" in shown.stdout and "> 200,000 tokens" in shown.stdout
    # the embedding model is not a chat model and is left out
    assert "text-embedding" not in out.read_text()
    rec = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 100, "--pricing", out,
                 "--model", "gpt-4o-mini", "--format", "json")
    assert rec.exit_code == 0, rec.output
    d = json.loads(rec.stdout)
    assert d["models"]["icl"]["pricing_file"] == str(out)
    # the override has no fine-tuning block: fine-tuning strategies are reported impossible, not guessed
    assert not next(s for s in d["strategies"] if s["name"] == "finetune")["feasible"]


def test_pricing_import_rejects_garbage(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2")
    assert_clean_error(invoke("pricing", "import", bad, "--output", tmp_path / "o.yaml"), "not a readable LiteLLM price map")


# ---------------------------------------------------------------- the market of the day (pinned with --as-of)


def test_retired_model_is_refused_with_its_successor():
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--model", "gpt-4.1-nano", *DAY),
                       "gpt-4.1-nano was retired on 2026-10-23", "successor is gpt-5.6-luna")


def test_as_of_reproduces_a_decision_before_the_retirement():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--model", "gpt-4.1-nano",
                    "--as-of", "2026-08-01", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["pricing"]["decision_date"] == "2026-08-01"
    assert d["models"]["icl"]["lifecycle"]["status_on_decision_date"] != "retired"  # deprecated, still sold
    # OpenAI had closed fine-tuning to organisations that never fine-tuned on 2026-05-07
    ft = next(s for s in d["strategies"] if s["name"] == "finetune")
    assert not ft["feasible"] and "2026-05-07" in ft["reason"]


def test_the_default_models_are_buyable_by_a_new_organisation(recommendation_json):
    # every strategy can start on the decision day; a fine-tuning plan may stop inside the horizon
    # where the offer closes at its earliest date ("or later") with no successor
    d = recommendation_json
    refused = [s for s in d["strategies"] if not s["feasible"]]
    assert all(s["reason"].startswith("only possible until ") and s["possible_until"] for s in refused), refused
    assert all(m["lifecycle"]["status_on_decision_date"] == "active" for m in d["models"].values())
    stated = json.loads(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--format", "json", *DAY,
                               "--lifecycle-dates", "stated").stdout)
    assert all(s["feasible"] for s in stated["strategies"]), [s["reason"] for s in stated["strategies"]]


def test_an_active_customer_can_still_fine_tune_until_openai_closes():
    base = ("recommend", "--corpus", EXAMPLES, "--queries-per-day", 1000, "--model", "gpt-4.1", *DAY, "--format", "json")
    new = json.loads(invoke(*base).stdout)
    active = json.loads(invoke(*base, "--finetune-customer", "active", "--refresh-days", 0, "--horizon-days", 40).stdout)
    assert not next(s for s in new["strategies"] if s["name"] == "finetune")["feasible"]
    assert next(s for s in active["strategies"] if s["name"] == "finetune")["feasible"]
    assert any("shuts down on 2027-01-14" in w for w in new["warnings"])


def test_new_assumptions_are_options_and_recorded(tmp_path):
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 100, *DAY, "--reasoning-tokens", 0,
                    "--training-job-usd", 500, "--implicit-cache-hit-rate", 0.8, "--format", "json")
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)["scenario"]
    assert (s["reasoning_tokens"], s["training_job_usd"], s["implicit_cache_hit_rate"]) == (0, 500.0, 0.8)


@pytest.mark.parametrize("args, fragment", [
    (("--as-of", "2026-13-01"), "--as-of"),
    (("--as-of", "2999-01-01"), "in the future"),
    (("--finetune-customer", "someone"), "--finetune-customer"),
    (("--training-job-usd", "-5"), "--training-job-usd"),
    (("--implicit-cache-hit-rate", "1.5"), "--implicit-cache-hit-rate"),
])
def test_bad_market_options(args, fragment):
    assert_clean_error(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, *args), fragment)


def test_pricing_list_hides_retired_and_warns():
    listed = invoke("pricing", "list", *DAY)
    assert listed.exit_code == 0, listed.output
    assert "gpt-4.1-nano" not in listed.stdout and "retired hidden (--all shows them)" in listed.stdout
    assert "older than 90 days" in listed.stdout and "claude-sonnet-4.5 is deprecated" in listed.stdout
    everything = invoke("pricing", "list", "--all", *DAY)
    assert "gpt-4.1-nano" in everything.stdout and "retired" in everything.stdout


def test_pricing_show_prints_lifecycle_and_warnings():
    shown = invoke("pricing", "show", "claude-sonnet-4.5", *DAY)
    assert shown.exit_code == 0, shown.output
    assert "lifecycle" in shown.stdout and "1h (write: write $6" in shown.stdout
    assert "warning: claude-sonnet-4.5 is deprecated, shuts down 2026-11-30" in shown.stdout


def test_sweep_prints_warnings():
    result = invoke("sweep", "--corpus", EXAMPLES, "--x", "queries_per_day=10,1000", "--y", "refresh_days=0,30", *DAY)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stdout and "older than 90 days" in result.stdout

# ---------------------------------------------------------------- real terminals (issue 12)

def invoke_at(width: int, *args, **kwargs):
    from typer.testing import CliRunner

    from adaptcost.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)}, **kwargs)


@pytest.mark.parametrize("width", [80, 120])
def test_recommend_fits_the_terminal_and_one_screen(width, recommendation_json):
    result = invoke_at(width, "recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= width for line in lines)
    assert "…" not in result.stdout  # nothing truncated
    # about one screen: six strategies, and the stale-price warnings with their sources (wrapped at 80)
    assert len(lines) <= {80: 60, 120: 50}[width]
    for st in recommendation_json["strategies"]:  # every name, total and accuracy readable, in full
        row = next(line for line in lines if line.startswith(f"│ {st['name']} "))
        if st["feasible"]:
            assert money(st["tco_usd"]) in row and f"{st['expected_accuracy']['mean']:.1%}" in row
    assert "Cost components" not in result.stdout and "Break-even volumes" in result.stdout
    assert "extraction: svg=text" in result.stdout and "Assumptions" in result.stdout


def test_recommend_detail_shows_components_and_every_assumption():
    result = invoke_at(120, "recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--detail",
                       "--lifecycle-dates", "stated")  # every strategy priced: the widest table
    assert result.exit_code == 0, result.output
    assert "Cost components" in result.stdout and "amortized / query" in result.stdout
    assert "local variants per chunk 4" in result.stdout and "no crossing" in result.stdout


@pytest.fixture()
def docs_with_screenshots(tmp_path):
    root = tmp_path / "docs"
    shutil.copytree(EXAMPLES, root)
    for i in range(30):
        (root / f"shot{i:02d}.png").write_bytes(png(seed=i))
    return root


def test_skipped_files_summarized_by_reason_and_type(docs_with_screenshots):
    for args in (["recommend", "--corpus", docs_with_screenshots, "--queries-per-day", 5000], ["count", docs_with_screenshots]):
        out = invoke_at(80, *args).stdout
        assert sum("shot" in line for line in out.splitlines()) == 1  # one summary line with examples
        assert "30 .png: binary file (shot00.png, shot01.png, shot02.png, … 27 more)" in out
        verbose = invoke_at(200, *args, "--verbose").stdout
        assert sum("shot" in line for line in verbose.splitlines()) == 30


def test_count_top_shows_the_largest_and_their_share():
    d = json.loads(invoke("count", EXAMPLES, "--format", "json").stdout)
    total = d["total"]["tokens"]["o200k_base"]
    largest = sorted(d["documents"], key=lambda x: (-x["tokens"]["o200k_base"], x["path"]))[:3]
    result = invoke_at(120, "count", EXAMPLES, "--top", 3)
    assert result.exit_code == 0, result.output
    for doc in largest:
        row = next(line for line in result.stdout.splitlines() if Path(doc["path"]).name in line)
        assert f"{doc['tokens']['o200k_base']:,}" in row and f"{doc['tokens']['o200k_base'] / total:.1%}" in row
    assert f"{len(d['documents']) - 3} other document(s)" in result.stdout
    assert "By file type" in result.stdout
    assert_clean_error(invoke("count", EXAMPLES, "--top", 0), "--top")


def test_count_reads_standard_input():
    text = "Counted from a pipe. Like ttok.\n"
    result = invoke_at(200, "count", "-", "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    from adaptcost.corpus.encodings import get_counter

    assert d["documents"][0]["path"] == "-"
    assert d["total"]["tokens"]["o200k_base"] == len(get_counter("o200k_base", fast=False).encode(text))


def test_version_option_and_command():
    from adaptcost import __version__

    for args in (["--version"], ["-V"], ["version"]):
        result = invoke(*args)
        assert result.exit_code == 0 and result.stdout.strip() == f"adaptcost {__version__}"


def test_bad_extract_option():
    assert_clean_error(invoke("count", EXAMPLES, "--extract", "svg=markup"), "--extract", "svg=text|skip")


@pytest.mark.parametrize("width", [80, 120])
def test_pricing_list_fits_the_terminal(width):
    result = invoke_at(width, "pricing", "list", "--all", *DAY)
    assert result.exit_code == 0, result.output
    assert all(len(line) <= width for line in result.stdout.splitlines())
    # every status readable in full: a shutdown date, or retired
    assert "ends 2026-11-30" in result.stdout and "retired" in result.stdout and "…" not in result.stdout


def test_option_values_are_what_typers_adapters_make_of_them():
    # cli/options.py builds typer's pydantic adapter only for a value that needs one; a plain
    # value must come out exactly as the adapter would make it.
    from enum import Enum
    from typing import Optional

    import typer
    from typer import _coercion
    from typer.models import OptionInfo

    import adaptcost.cli.options  # noqa: F401  (installs the deferral)
    from adaptcost.cli.options import CountFormat, Format

    assert getattr(typer.core.build_runtime_param, "deferred", False)
    cases = [(str, "5000"), (str, ""), (str, " x "), (float, 0.02), (float, 50.0), (int, 7), (Format, Format.table),
             (Format, "json"), (Format, "JSON"), (CountFormat, "csv"), (list[str], ("examples/corpus",)),
             (list[str], ["a", "b"]), (list[str], ()), (float, "1.5"), (int, "12"), (Path, "x.yaml"),
             (list[Path], ("a.yaml",)), (Optional[str], None)]

    def outcome(build, descriptor, value):
        try:
            made = build(descriptor)._coerce_value(value, param=None, ctx=None)
        except Exception as exc:  # noqa: BLE001 - the error is part of the outcome
            return type(exc), str(exc)
        return made, type(made)

    for annotation, value in cases + [(Format, "xml"), (float, "abc"), (int, "1.5")]:
        descriptor = _coercion.resolve_type_descriptor(annotation, OptionInfo())
        ours = outcome(typer.core.build_runtime_param, descriptor, value)
        assert ours == outcome(_coercion.build_runtime_param, descriptor, value), (annotation, value)
        assert not isinstance(ours[0], Enum) or ours[0] is outcome(_coercion.build_runtime_param, descriptor, value)[0]


def test_a_bad_option_value_is_worded_by_typer():
    result = invoke("recommend", "--corpus", str(EXAMPLES), "--queries-per-day", "5000", "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'json', 'markdown'" in result.output
    result = invoke("recommend", "--corpus", str(EXAMPLES), "--queries-per-day", "5000", "--max-file-mb", "abc")
    assert result.exit_code == 2 and "Input should be a valid number" in result.output
