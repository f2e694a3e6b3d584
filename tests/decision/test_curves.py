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
