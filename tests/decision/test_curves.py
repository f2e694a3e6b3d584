"""Curves files: bundled ones by name."""

import pytest

from adaptcost.errors import CurvesError


def test_bundled_curves_by_name_and_did_you_mean():
    from adaptcost.decision.curves import bundled_curves, load_curves

    assert {"paper-reference", "smollm2-135m-quick", "smollm2-135m-default"} <= set(bundled_curves())
    measured = load_curves("smollm2-135m-default")
    assert measured.kind == "measured" and measured.path == "smollm2-135m-default (bundled)"
    with pytest.raises(CurvesError, match=r"curves file not found: smollm2-135m-defualt; did you mean smollm2-135m-default"):
        load_curves("smollm2-135m-defualt")


@pytest.mark.parametrize("old, new, field", [
    # .nan passed the schema's minimum/maximum and reached the recall arithmetic
    ("      recall: 1.0\n      k: 4\n", "      recall: .nan\n      k: 4\n", "rag.recall.recall: must be a finite number, got nan"),
    ("      recall: 1.0\n      k: 4\n", "      recall: 1.0\n      k: 1" + "0" * 400 + "\n",
     "rag.recall.k: must be at most 1e+12, got a 401-digit number"),
])
def test_a_curves_number_out_of_range_names_its_field(tmp_path, old, new, field):
    from adaptcost.decision.curves import bundled_curves, load_curves

    text = bundled_curves()["smollm2-135m-quick"].read_text()
    assert old in text
    path = tmp_path / "c.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CurvesError) as info:
        load_curves(path)
    message = str(info.value)
    assert message.startswith(f"{path}: field accuracy.") and message.endswith(field), message


def test_a_file_the_eval_wrote_before_the_claim_bar_supports_no_claim(tmp_path):
    # checks without "claims": written by the eval before splits were held to the claim bar and
    # arms to the recall ceiling, so every row falls back to the reference and says why
    import yaml

    from adaptcost.decision.curves import PREDATES_CLAIMS, load_curves

    document = {"schema": "adaptcost-curves/1", "name": "old", "kind": "measured", "checks": {"trainings": {}},
                "accuracy": {"icl": {"recall": {"mean": 0.75, "low": 0.65, "high": 0.84, "n": 96}},
                             "finetune": {"recall": {"mean": 0.51, "low": 0.41, "high": 0.62, "n": 96}}}}
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(document))
    reference = load_curves(None)
    old = load_curves(path)
    assert old.table["icl"]["recall"] == reference.table["icl"]["recall"]
    assert len(old.fallbacks) == 2 and all(PREDATES_CLAIMS in line for line in old.fallbacks)
    # the same rows under the current protocol (checks.claims present), or hand-written (no checks): used
    for changed in ({**document, "checks": {"trainings": {}, "claims": {}}}, {k: v for k, v in document.items() if k != "checks"}):
        path.write_text(yaml.safe_dump(changed))
        current = load_curves(path)
        assert current.table["icl"]["recall"].mean == 0.75 and not current.fallbacks
