"""One real end-to-end run of the eval harness on the bundled SmolLM2-135M-Instruct (offline),
on the tiny profile: every strategy, the curves file, `eval show`, and `recommend --curves`."""

import json

import pytest

pytestmark = pytest.mark.slow  # the real model, end to end
pytest.importorskip("torch")
pytest.importorskip("transformers")

from adaptcost.decision.curves import load_curves  # noqa: E402
from builders import EXAMPLES, assert_clean_error, invoke  # noqa: E402


def test_eval_tiny_end_to_end(tmp_path):
    curves = tmp_path / "curves.yaml"
    result = invoke("eval", "--profile", "tiny", "--datasets", "reversal", "--epochs", "1", "--output", curves)
    assert result.exit_code == 0, result.output
    loaded = load_curves(curves)
    assert loaded.kind == "measured" and "SmolLM2" in loaded.model
    for strategy in ("icl", "rag", "finetune", "finetune+rag", "finetune+local", "finetune+global"):
        assert set(loaded.table[strategy]) == {"recall", "reversal"}
    assert all(c.recall is not None and c.k for c in loaded.table["rag"].values())  # real retrieval (minilm)
    shown = invoke("eval", "show", curves)
    assert shown.exit_code == 0 and "Accuracy" in shown.stdout and "finetune+global" in shown.stdout
    rec = invoke("recommend", "--corpus", EXAMPLES, "--queries-per-day", 500, "--curves", curves,
                 "--mix", "recall=0.5,reversal=0.5", "--format", "json")
    assert rec.exit_code == 0, rec.output
    d = json.loads(rec.stdout)
    assert d["curves"]["kind"] == "measured"
    assert all(s["expected_accuracy"] is not None for s in d["strategies"] if s["feasible"])
    # a re-run is served by the caches (scores and fine-tuned weights)
    again = invoke("eval", "--profile", "tiny", "--datasets", "reversal", "--epochs", "1", "--output", curves)
    assert again.exit_code == 0 and "0 new" in again.stderr


def test_eval_bad_input():
    assert_clean_error(invoke("eval", "--profile", "huge"), "unknown profile")
    assert_clean_error(invoke("eval", "--backend", "locl"), "did you mean local")
    assert_clean_error(invoke("eval", "--datasets", "reversl"), "did you mean reversal")
    assert_clean_error(invoke("eval", "show", "/nonexistent/curves.yaml"), "not found")
