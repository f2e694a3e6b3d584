"""The first line of a recommendation says when the recommended plan rests on an unverified price
(issue 18: the default fine-tuning path's training price has no source)."""

import json

from adaptcost.outputs.caveats import unverified_pick, unverified_prices
from builders import AS_OF as DAY, EXAMPLES, invoke


def price(model: str, field: str, verified: bool) -> dict:
    return {"model": model, "field": field, "usd_per_unit": 1.0, "verified": verified}


def document(pick: str | None, *prices: dict) -> dict:
    return {"recommendation": {"pick": pick},
            "strategies": [{"name": "icl", "components": [{"label": "prompt", "prices": [price("m", "usd_per_mtok.input", True)]}]},
                           {"name": "finetune", "components": [{"label": "training", "prices": list(prices)},
                                                               {"label": "retraining", "prices": list(prices)}]}]}


def test_a_pick_on_unverified_prices_is_named_once_per_price():
    d = document("finetune", price("g", "finetune.training_usd_per_mtok", False), price("g", "usd_per_mtok.input", True),
                 price("g", "finetune.usd_per_mtok.output", False))
    assert unverified_prices(d, "finetune") == ["g finetune.training_usd_per_mtok", "g finetune.usd_per_mtok.output"]
    assert unverified_pick(d) == "Caution: finetune rests on unverified prices: g fine-tuning training, output (see the warnings)"


def test_no_caveat_when_every_price_of_the_pick_is_verified_or_there_is_no_pick():
    assert unverified_pick(document("icl", price("g", "finetune.training_usd_per_mtok", False))) is None
    assert unverified_pick(document(None, price("g", "finetune.training_usd_per_mtok", False))) is None
    assert unverified_pick(document("finetune", price("g", "usd_per_mtok.input", True))) is None


def test_a_fine_tuned_pick_on_the_examples_says_so_in_its_first_line():
    # On the bundled examples the fine-tuned plans on gemini-3.5-flash are picked when Vertex's "or
    # later" tuning stop (2027-04-19) is read as stated (a risk, not a stop): then the pick rests on
    # a Vertex training price (25.00 per 1M) that no source gives (pricing/google.yaml), and the
    # first line says so. By default (earliest dates) the plan ends there and ICL is picked.
    stated = ("--lifecycle-dates", "stated")
    table = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, *stated, *DAY)
    assert table.exit_code == 0, table.output
    first = table.stdout.splitlines()[0]
    assert first.startswith("Caution: finetune") and "gemini-3.5-flash fine-tuning training" in first
    md = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--format", "markdown", *stated, *DAY)
    assert md.stdout.startswith("> **Caution: finetune")
    d = json.loads(invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, "--format", "json", *stated, *DAY).stdout)
    assert "gemini-3.5-flash finetune.training_usd_per_mtok" in unverified_prices(d, d["recommendation"]["pick"])
    default = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 5000, *DAY)
    assert "Recommended: icl" in default.stdout and not default.stdout.startswith("Caution")
