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


# Numbers nobody checked (issue 20): each was a traceback, a silent rounding or an infinite total.
@pytest.mark.parametrize("command, args, message", [
    # OverflowError: days=1000000000; must have magnitude <= 999999999
    ("recommend", ("--horizon-days", "1e9"), "error: --horizon-days must lie in (0, 36500], got 1e+09"),
    # ValueError: expected non-negative integer (numpy's seed)
    ("report", ("--seed", -1), "error: --seed must be an integer in [0, 4294967295], got -1"),
    ("report", ("--seed", 2**32), "error: --seed must be an integer in [0, 4294967295], got 4294967296"),
    # silently rounded to 2 (the center of a range was rounded too: 2..6.5)
    ("recommend", ("--top-k", "2.5"), "error: --top-k must be a whole number, got 2.5"),
    ("recommend", ("--top-k", "2..6.5"), "error: --top-k must be a whole number, got 6.5"),
    ("recommend", ("--chunk-tokens", "512.5"), "error: --chunk-tokens must be a whole number, got 512.5"),
    ("recommend", ("--chunk-overlap", "0.5"), "error: --chunk-overlap must be a whole number, got 0.5"),
    ("recommend", ("--epochs", "2.5"), "error: --epochs must be a whole number, got 2.5"),
    ("recommend", ("--answer-tokens", "1e13"), "error: --answer-tokens must lie in [1, 1e+12], got 1e+13"),
    # a range's end outside the bounds was accepted whenever its middle was inside
    ("recommend", ("--cache-hit-rate", "0.5..1.5"), "error: --cache-hit-rate must lie in [0, 1], got 1.5"),
    # a budget of inf was no budget at all
    ("recommend", ("--budget", "inf"), "error: --budget must be a positive amount of USD up to 1e+12, got inf"),
    ("recommend", ("--max-file-mb", "inf"), "error: --max-file-mb must be a finite number, got inf"),
    ("recommend", ("--max-file-mb", "1e7"), "error: --max-file-mb must lie in (0, 1e+06], got 1e+07"),
])
def test_numbers_from_flags_are_checked_where_they_enter(tmp_path, command, args, message):
    qpd = () if "--queries-per-day" in args else ("--queries-per-day", 10)
    out = ("--output", tmp_path / "r") if command == "report" else ()
    result = invoke(command, "--corpus", EXAMPLES, *qpd, *args, *out, *DAY)
    assert_clean_error(result)
    assert result.stderr.strip() == message


@pytest.mark.parametrize("args, message", [
    (("--seed", -1), "error: --seed must be an integer in [0, 4294967295], got -1"),
    (("--epochs", 10**7), "error: --epochs must lie in [1, 1000000], got 10000000"),
    (("--top-k", "1,2000000"), "error: --top-k: every k must be at most 1000000, got 2000000"),
    (("--budget", "inf"), "error: --budget must be a positive amount of USD up to 1e+12, got inf"),  # ran the eval before
])
def test_eval_numbers_are_checked_before_anything_runs(tmp_path, args, message):
    result = invoke("eval", "--profile", "tiny", *args, "--output", tmp_path / "c.yaml")
    assert_clean_error(result)
    assert result.stderr.strip() == message


@pytest.mark.parametrize("axis, message", [
    ("top_k=1,2.5", "error: top_k must be a whole number, got 2.5"),
    ("price:training=-1,1", "error: price:training: a price multiplier must be greater than 0, got -1"),
    ("horizon_days=30,1e9", "error: horizon_days must lie in (0, 36500], got 1e+09"),
])
def test_sweep_values_are_checked(axis, message):
    result = invoke("sweep", "--corpus", EXAMPLES, "--x", axis, "--y", "queries_per_day=10,100", *DAY)
    assert_clean_error(result)
    assert result.stderr.strip() == message


@pytest.mark.parametrize("lines, message", [
    # negative costs in the Monte Carlo before
    ("prices:\n  output: {uniform: [-5, -1]}\n", "prices.output: a price multiplier must be greater than 0, got -5"),
    ("prices:\n  training: 0\n", "prices.training: a price multiplier must be greater than 0, got 0"),
    ("prices:\n  training: {triangular: [0.5, 1, 1e9]}\n", "prices.training: a price multiplier must lie in (0, 1000], got 1e+09"),
    ("assumptions:\n  top_k: 2.5\n", "assumptions.top_k: must be a whole number, got 2.5"),
    ("assumptions:\n  horizon_days: {uniform: [10, 1e9]}\n", "assumptions.horizon_days: must lie in (0, 36500], got 1e+09"),
    ("assumptions:\n  queries_per_day: {uniform: [-5, -1]}\n", "assumptions.queries_per_day: must be at least 0, got -5"),
    ("seed: -1\n", "seed must be an integer in [0, 4294967295], got -1"),
    ("seed: 1" + "0" * 400 + "\n", "seed must be an integer in [0, 4294967295], got a 401-digit number"),
])
def test_scenario_file_numbers_name_file_and_field(tmp_path, lines, message):
    path = tmp_path / "s.yaml"
    if lines.startswith("assumptions"):  # the assumptions section, with a volume unless it sets one
        body = lines + ("" if "queries_per_day" in lines else "  queries_per_day: 10\n")
    else:
        body = "assumptions:\n  queries_per_day: 10\n" + lines
    path.write_text("schema: adaptcost-scenario/1\n" + body)
    result = invoke("report", "--corpus", EXAMPLES, "--scenario", path, "--output", tmp_path / "r", *DAY)
    assert_clean_error(result)
    assert result.stderr.strip() == f"error: {path}: {message}"


def test_a_pricing_file_price_of_1e308_is_refused_not_printed_as_inf(tmp_path):
    # before: 'pricing validate' said ok, recommend printed $inf and picked it; JSON got Infinity
    path = tmp_path / "p.yaml"
    path.write_text("schema: adaptcost-pricing/2\nprovider: acme\ncurrency: USD\nmodels:\n  - name: pricey\n"
                    "    source: https://example.test\n    as_of: 2026-01-01\n    tokenizer: o200k_base\n"
                    "    context_window_tokens: 100000\n    usd_per_mtok: {input: 1.0e+308, output: 1.0}\n")
    message = f"error: {path}: model 'pricey' field usd_per_mtok.input: a price in USD must lie in [0, 1e+06], got 1e+308"
    for result in (invoke("pricing", "validate", path),
                   invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 10, "--pricing", path, "--model", "pricey", *DAY)):
        assert_clean_error(result)
        assert result.stderr.strip() == message
    path.write_text(path.read_text().replace("1.0e+308", "1.0").replace("100000", "1" + "0" * 400))
    result = invoke("pricing", "validate", path)  # OverflowError in recommend before
    assert_clean_error(result)
    assert result.stderr.strip() == f"error: {path}: model 'pricey' field context_window_tokens: must be at most 1e+12, got a 401-digit number"


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


def test_pricing_import_refuses_a_price_it_would_write_as_inf(tmp_path):
    # before: 1e303 $/token x 1e6 = inf, written to the YAML as .inf (refused only when loaded)
    source = tmp_path / "map.json"
    source.write_text(json.dumps({"huge-model": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 1000,
                                                 "input_cost_per_token": 1e303, "output_cost_per_token": 1e-6}}))
    result = invoke("pricing", "import", source, "--output", tmp_path / "o.yaml", "--as-of", "2026-11-20")
    assert_clean_error(result)
    assert result.stderr.strip() == (f"error: {source}: model 'huge-model' field usd_per_mtok.input: a price in USD must be "
                                     "a finite number, got inf (converted from LiteLLM's USD per token)")
    assert not (tmp_path / "o.yaml").exists()


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


def test_pricing_list_flags_closed_fine_tuning_offers():
    # on 2026-11-27 Vertex trains and serves tuned gemini-2.5-flash-lite for nobody (closed 2026-10-16):
    # no training price without a flag; OpenAI's gpt-4.1 still trains for active customers only
    listed = invoke("pricing", "list", *DAY)
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line for line in listed.stdout.splitlines() if line.startswith("  ") and line.strip()}
    assert "closed" in lines["gemini-2.5-flash-lite"] and "1.5" not in lines["gemini-2.5-flash-lite"]
    assert " 25† " in lines["gpt-4.1"] and " 25 " in lines["gemini-3.5-flash"]
    assert "FT closed: no new fine-tuning jobs for anyone, †: for existing customers only" in " ".join(listed.stdout.split())


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
    # about one screen: six strategies, and the stale-price warnings with their sources (wrapped at 80),
    # plus the two-line caveat on top when the pick rests on an unverified price (issue 18)
    assert len(lines) <= {80: 62, 120: 51}[width]
    for st in recommendation_json["strategies"]:  # every name, total and accuracy readable, in full
        row = next(line for line in lines if line.startswith(f"│ {st['name']} "))
        if st["feasible"]:
            assert money(st["tco_usd"]) in row and f"{st['expected_accuracy']['mean']:.1%}" in row
    assert "Cost components" not in result.stdout and "Break-even volumes" in result.stdout
    assert "extraction: svg=text" in result.stdout and "Assumptions" in result.stdout


@pytest.mark.parametrize("width", [80, 120])
def test_recommend_on_one_small_file_says_why_no_break_even(width, tmp_path):
    # one 49-sentence file: two RAG chunks (no retrieval), fine-tuning not possible over the
    # horizon, so ICL alone is priced: no break-even heading left empty, "1 document"
    corpus = tmp_path / "one"
    corpus.mkdir()
    first = sorted(p for p in Path(EXAMPLES).rglob("*") if p.is_file() and p.suffix == ".md")[0]
    shutil.copy(first, corpus / first.name)
    result = invoke_at(width, "recommend", "--corpus", corpus, "--queries-per-day", 5000)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Break-even volumes: none: fewer than two strategies are possible." in text
    assert ": 1 document," in text and "1 documents" not in text
    md = invoke_at(width, "recommend", "--corpus", corpus, "--queries-per-day", 5000, "--format", "markdown").stdout
    assert "## Break-even volumes\n\nNone: fewer than two strategies are possible.\n" in md and "1 document," in md
    assert all(len(line) <= width for line in result.stdout.splitlines())


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


def test_an_existing_customer_fine_tunes_a_retired_azure_model():
    # Microsoft keeps fine-tuned gpt-4.1 training for existing customers past the base model's
    # retirement (2026-10-14): the run is priced, not refused; a new customer is refused.
    args = ("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--finetune-model", "azure/gpt-4.1",
            "--horizon-days", 60, "--format", "json", *DAY)
    result = invoke(*args, "--finetune-customer", "active")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["models"]["finetune"]["name"] == "azure/gpt-4.1"
    assert all(s["feasible"] for s in d["strategies"] if s["name"].startswith("finetune"))
    assert_clean_error(invoke(*args), "azure/gpt-4.1 was retired")


@pytest.mark.parametrize("name, text, reason", [
    # one short Markdown file: 19 tokens, smaller than one 512-token chunk
    ("pumps.md", "# Pumps\n\nThe pump station logs pressure every hour and reports faults to the night shift.\n",
     "fits in one --chunk-tokens (512) chunk"),
    # one 1,006-token file: ceil((1,006 − 64) / 448) = 3 chunks, no more than the default top-k of 4
    ("manual.txt", "The pump station logs pressure every hour and reports faults to the night shift. " * 67,
     "splits into 3 chunks of --chunk-tokens (512), no more than --top-k (4)"),
])
def test_the_default_command_on_a_small_corpus_recommends_with_rag_not_possible(tmp_path, name, text, reason):
    (tmp_path / name).write_text(text)
    result = invoke("recommend", "--corpus", tmp_path, "--queries-per-day", 100, "--format", "json", *DAY)
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["recommendation"]["pick"] in {"icl", "finetune", "finetune+local", "finetune+global"}
    for s in d["strategies"]:
        if s["name"] in ("rag", "finetune+rag"):
            assert not s["feasible"] and reason in s["reason"] and "which is ICL" in s["reason"]
    table = invoke("recommend", "--corpus", tmp_path, "--queries-per-day", 100, *DAY)
    assert table.exit_code == 0 and "rag is not possible" in table.stdout


def test_a_top_k_beyond_the_corpus_makes_rag_not_possible_naming_the_flag():
    result = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 100, "--top-k", 100000, "--format", "json", *DAY)
    assert result.exit_code == 0, result.output
    rag = next(s for s in json.loads(result.stdout)["strategies"] if s["name"] == "rag")
    assert not rag["feasible"] and "no more than --top-k (100000)" in rag["reason"]
